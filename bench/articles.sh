#!/usr/bin/env bash
# Article import benchmark: a BCG file (availability and prices) with N rows (default 1000000)
# through `impex import` end to end (release build: copy into in/, parse, check, upsert into
# "ArticleStockDO" in one transaction, commit, move to done/), compared with the sqlite3 shell's
# own `.import` of the same file into a plain table (no index, no checks: the floor). Reports
# stock rows/s, the ratio and impex's peak memory (max RSS, /usr/bin/time -v).
# Targets: >= 50 % of `.import`'s rate, peak memory < 64 MB.
# ROUNDS=N (default 3): `.import` and impex alternate N times; the medians are compared.
# BACKEND=postgres: impex imports into a PostgreSQL 15 server started for the run (bench/pg.sh;
# durable: fsync on), a new database each round; the floor stays the sqlite3 shell's `.import`.
# Needs python3, the sqlite3 shell and /usr/bin/time (installed here when missing and root).
set -euo pipefail
cd "$(dirname "$0")/.."
BACKEND=${BACKEND:-sqlite}
. bench/pg.sh
N="${1:-1000000}"
need=()
command -v sqlite3 >/dev/null 2>&1 || need+=(sqlite3)
[ -x /usr/bin/time ] || need+=(time)
command -v bc >/dev/null 2>&1 || need+=(bc)
if [ ${#need[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || { echo "bench/articles.sh: needs ${need[*]} (run as root to install them)" >&2; exit 1; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
[ -x "${IMPEX_BIN:-}" ] || cargo build --release --quiet --bin impex
IMPEX="${IMPEX_BIN:-$PWD/target/release/impex}"
W="$(mktemp -d)"
trap 'pg_stop; rm -rf "$W"' EXIT
python3 bench/articles_gen.py "$N" "$W/data"
FILE="$W/data/10000_5000_20261202120000_BCG.csv"
if [ "$BACKEND" = postgres ]; then
    chmod 755 "$W"; pg_start "$W"; DB=$(pg_url impex)
else
    DB="$W/impex.db"
    "$IMPEX" --db "$W/impex.db" init --base "$W/base" --demo >/dev/null
    "$IMPEX" --db "$W/impex.db" sql jobs/13_import_articles.sql >/dev/null
    cp "$W/impex.db" "$W/clean.db"
fi
# a database with the demo configuration and the article import, made anew for each round
fresh_db() {
    if [ "$BACKEND" = postgres ]; then
        pg_db impex
        "$IMPEX" --db "$DB" init --base "$W/base" --demo >/dev/null
        "$IMPEX" --db "$DB" sql jobs/13_import_articles.sql >/dev/null
    else
        cp "$W/clean.db" "$W/impex.db"; rm -f "$W/impex.db-wal" "$W/impex.db-shm"
    fi
}
count_rows() {
    if [ "$BACKEND" = postgres ]; then pg_psql impex 'SELECT count(*) FROM product."ArticleStockDO"'; else sqlite3 "$W/impex.db" 'SELECT count(*) FROM "ArticleStockDO"'; fi
}
SIZE=$(stat -c %s "$FILE")
echo "file: $N rows, $((SIZE / 1024 / 1024)) MB; backend $BACKEND"

ROUNDS=${ROUNDS:-3}
cat "$FILE" >/dev/null  # warm the page cache
FLOORS=(); RUNS=(); RSS=0
for r in $(seq "$ROUNDS"); do
    rm -f "$W/floor.db"*
    START=$(date +%s.%N)
    sqlite3 "$W/floor.db" <<SQL
.mode csv
.separator "|" "\n"
.import $FILE stock
SQL
    END=$(date +%s.%N)
    FLOORS+=("$(echo "$END - $START" | bc -l)")
    F_ROWS=$(sqlite3 "$W/floor.db" 'SELECT count(*) FROM stock')
    [ "$F_ROWS" = "$N" ] || { echo "round $r: .import gave $F_ROWS rows instead of $N"; exit 1; }
    fresh_db; rm -rf "$W/base/share/import"
    START=$(date +%s.%N)
    /usr/bin/time -v "$IMPEX" --db "$DB" import --group import_articles "$FILE" \
        >"$W/out.txt" 2>"$W/time.txt" || { cat "$W/out.txt" "$W/time.txt"; exit 1; }
    END=$(date +%s.%N)
    RUNS+=("$(echo "$END - $START" | bc -l)")
    R_KB=$(grep "Maximum resident set size" "$W/time.txt" | awk '{print $NF}')
    [ "$R_KB" -gt "$RSS" ] && RSS=$R_KB
    ROWS=$(count_rows)
    [ "$ROWS" = "$N" ] || { echo "round $r: $ROWS rows instead of $N"; cat "$W/out.txt"; exit 1; }
    printf 'round %d: sqlite3 .import %.3f s, impex import %.3f s (%s, max RSS %d MB)\n' "$r" "${FLOORS[-1]}" "${RUNS[-1]}" \
        "$(grep 'User time\|System time' "$W/time.txt" | awk '{printf "%s %s s  ", $1, $NF}')" "$((R_KB / 1024))"
done
python3 - "$N" "$((RSS / 1024))" "${FLOORS[*]}" "${RUNS[*]}" <<'PY'
import statistics, sys
n, rss = int(sys.argv[1]), int(sys.argv[2])
floor = statistics.median(float(x) for x in sys.argv[3].split())
run = statistics.median(float(x) for x in sys.argv[4].split())
print(f"median of {len(sys.argv[4].split())} rounds: impex import {n / run:,.0f} stock rows/s ({run:.3f} s), "
      f"sqlite3 .import {n / floor:,.0f} rows/s ({floor:.3f} s)")
print(f"import at {100 * floor / run:.0f}% of .import (target >= 50%); peak memory (max RSS) {rss} MB (target < 64 MB)")
PY
