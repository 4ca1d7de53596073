#!/usr/bin/env bash
# Import benchmark: an OpenPositions file with N positions (default 200000) through
# `impex import` end to end (release build), compared with a bare quick-xml scan of the same
# file (examples/xml_scan.rs); reports positions/s, the ratio and the peak memory (max RSS).
# Targets: >= 100000 positions/s, >= 50 % of the bare scan, < 64 MB peak.
# ROUNDS=N (default 5): scan and import alternate N times; the medians are compared.
# BACKEND=postgres: the same on a PostgreSQL 15 server started for the run (bench/pg.sh;
# durable: fsync on); each round imports into a new database.
# REPLACE=1: each round imports the file once untimed, then times the import of a copy (another
# file name), whose every position replaces one (the daily file of an accounting system).
set -euo pipefail
cd "$(dirname "$0")/.."
BACKEND=${BACKEND:-sqlite}
. bench/pg.sh
N="${1:-200000}"
cargo build --release --quiet --bin impex --example xml_scan
IMPEX="$PWD/target/release/impex"
SCAN="$PWD/target/release/examples/xml_scan"
W="$(mktemp -d)"
trap 'pg_stop; rm -rf "$W"' EXIT
python3 bench/import_gen.py "$N" "$W/data"
if [ "$BACKEND" = postgres ]; then
    chmod 755 "$W"; pg_start "$W"; DB=$(pg_url impex)
else
    DB="$W/impex.db"
fi
# a database with the configuration and the invoices, made anew for each round
fresh_db() {
    if [ "$BACKEND" = postgres ]; then
        pg_db impex
        "$IMPEX" --db "$DB" init --base "$W/base" --demo >/dev/null
        "$IMPEX" --db "$DB" sql "$W/data/setup.sql" >/dev/null
        pg_psql impex 'VACUUM ANALYZE' >/dev/null
    else
        [ -f "$W/clean.db" ] || { "$IMPEX" --db "$W/clean.db" init --base "$W/base" --demo >/dev/null; "$IMPEX" --db "$W/clean.db" sql "$W/data/setup.sql" >/dev/null; }
        cp "$W/clean.db" "$W/impex.db"; rm -f "$W/impex.db-wal" "$W/impex.db-shm"
    fi
}
count_rows() {
    if [ "$BACKEND" = postgres ]; then pg_psql impex 'SELECT count(*) FROM oms."OpenPositionDO"'; else sqlite3 "$W/impex.db" 'SELECT count(*) FROM "OpenPositionDO"'; fi
}
SIZE=$(stat -c %s "$W/data/OpenPositionsImport_bench.xml")
echo "file: $N positions, $((SIZE / 1024 / 1024)) MB; backend $BACKEND"

ROUNDS=${ROUNDS:-5}
# Each round: a bare scan, then impex on a fresh copy of the database (they alternate, so both
# see the same machine); the medians are compared.
"$SCAN" "$W/data/OpenPositionsImport_bench.xml" >/dev/null  # warm the page cache
SCANS=(); RUNS=(); RSS=0
for r in $(seq "$ROUNDS"); do
    SCAN_OUT=$("$SCAN" "$W/data/OpenPositionsImport_bench.xml")
    SCANS+=("$(echo "$SCAN_OUT" | sed -E 's/.* in ([0-9.]+) s.*/\1/')")
    fresh_db; rm -rf "$W/base/share/import"
    FILE="$W/data/OpenPositionsImport_bench.xml"
    if [ "${REPLACE:-0}" = 1 ]; then
        "$IMPEX" --db "$DB" import --group import_openpositions "$FILE" >"$W/out.txt" 2>&1 || { cat "$W/out.txt"; exit 1; }
        cp "$FILE" "$W/data/OpenPositionsImport_bench_again.xml"; FILE="$W/data/OpenPositionsImport_bench_again.xml"
    fi
    # end to end: copy into the work directory, parse, map, insert, commit, move to done/
    START=$(date +%s.%N)
    /usr/bin/time -v "$IMPEX" --db "$DB" import --group import_openpositions "$FILE" \
        >"$W/out.txt" 2>"$W/time.txt" || { cat "$W/out.txt" "$W/time.txt"; exit 1; }
    END=$(date +%s.%N)
    RUNS+=("$(echo "$END - $START" | bc -l)")
    R_KB=$(grep "Maximum resident set size" "$W/time.txt" | awk '{print $NF}')
    [ "$R_KB" -gt "$RSS" ] && RSS=$R_KB
    ROWS=$(count_rows)
    [ "$ROWS" = "$N" ] || { echo "round $r: $ROWS rows instead of $N"; cat "$W/out.txt"; exit 1; }
    printf 'round %d: bare scan %.3f s, impex import %.3f s (%s)\n' "$r" "${SCANS[-1]}" "${RUNS[-1]}" "$(grep 'User time\|System time' "$W/time.txt" | awk '{printf "%s %s s  ", $1, $NF}')"
done
python3 - "$N" "$((RSS / 1024))" "${SCANS[*]}" "${RUNS[*]}" <<'PY'
import statistics, sys
n, rss = int(sys.argv[1]), int(sys.argv[2])
scan = statistics.median(float(x) for x in sys.argv[3].split())
run = statistics.median(float(x) for x in sys.argv[4].split())
print(f"median of {len(sys.argv[4].split())} rounds: impex import {n / run:,.0f} positions/s ({run:.3f} s; target >= 100,000/s), "
      f"bare quick-xml scan {n / scan:,.0f} records/s ({scan:.3f} s)")
print(f"import at {100 * scan / run:.0f}% of the bare scan (target >= 50%); peak memory (max RSS) {rss} MB (target < 64 MB)")
PY
