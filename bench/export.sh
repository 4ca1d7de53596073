#!/usr/bin/env bash
# Export benchmark: N dispatches inserted in one transaction (the triggers create the
# transmissions), then one sending run (`impex send`); compared with the file system's limit:
# a compiled loop that writes the same bytes to the same number of files (examples/write_loop.rs:
# create + write + close, no fsync, no rename), and a durable loop (temporary file, fsync, rename,
# directory fsync) for scale.
#   bench/export.sh [N] [ROUNDS]   (defaults 100000 and 3; needs sqlite3 and python3)
#   BACKEND=postgres: the same on a PostgreSQL 15 server started for the run (bench/pg.sh);
#   each round sends from a copy of the database (CREATE DATABASE ... TEMPLATE).
# Each round runs `impex send` on a fresh copy of the database and then the plain loop on the
# same files; the medians are compared. Nothing is deleted between rounds: right after 100,000
# files are deleted, ext4 is slow to create new ones (it skips recently freed inodes), which would
# make the first measurement of the next round wait on the last deletion. For the same reason,
# give the file system a minute between two runs of this script.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/pg.sh
BACKEND=${BACKEND:-sqlite}
N=${1:-100000}
ROUNDS=${2:-3}
cargo build --release -q --bin impex --example write_loop
BIN=$PWD/target/release/impex
LOOP=$PWD/target/release/examples/write_loop
W=$(mktemp -d)
trap 'pg_stop; rm -rf "$W"' EXIT
chmod 755 "$W"
cd "$W"
if [ "$BACKEND" = postgres ]; then
    pg_start "$W"; pg_db clean; DB=$(pg_url clean)
    q() { pg_psql clean "$1"; }
else
    DB=impex.db
    q() { sqlite3 impex.db "$1"; }
fi
$BIN --db "$DB" init --base "$W/base" --demo >/dev/null
$BIN --db "$DB" sql "$OLDPWD/tests/export_support/config.sql" >/dev/null
now() { date +%s.%N; }

# (on PostgreSQL in transactions of 500: every dispatch is of one order, and each replaces that
# order's "OrderChangeDO" row; in one transaction the dead versions pile up under one key and
# each insert walks them all)
CHUNK=$N; [ "$BACKEND" = postgres ] && CHUNK=500
t0=$(now)
for ((from = 0; from < N; from += CHUNK)); do
    to=$((from + CHUNK < N ? from + CHUNK : N))
    q "WITH RECURSIVE n(i) AS (SELECT $from + 1 UNION ALL SELECT i + 1 FROM n WHERE i < $to)
INSERT INTO \"DispatchDO\" (\"id\", \"orderRef\", \"supplierRef\", \"netAmount\", \"invoiceNo\", \"deliveryNoteNo\", \"supplierOrderNo\", \"creditorId\", \"companyCode\")
SELECT 1000000 + i, 10002, 5000, i, 'INV-' || i, 'DN-' || i, 'PO-' || i, 'CRED-1', '001' FROM n;" >/dev/null
done
t1=$(now)
created=$(q 'SELECT count(*) FROM "TransmissionDO"')
echo "dispatches inserted (transactions of $CHUNK, triggers): $created transmissions in $(printf %.2f "$(echo "$t1 - $t0" | bc)") s = $(echo "$created / ($t1 - $t0)" | bc) transmissions/s"
if [ "$BACKEND" != postgres ]; then
    sqlite3 impex.db 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
    cp impex.db clean.db
fi

SENDS=()
LOOPS=()
for r in $(seq "$ROUNDS"); do
    OUT="$W/base/communication/messages/out"
    [ -d "$OUT" ] && mv "$OUT" "$W/out.$r"
    if [ "$BACKEND" = postgres ]; then
        pg_psql postgres "DROP DATABASE IF EXISTS r" >/dev/null 2>&1; pg_psql postgres "CREATE DATABASE r TEMPLATE clean" >/dev/null
        DB=$(pg_url r)
    else
        cp clean.db impex.db
        rm -f impex.db-wal impex.db-shm
    fi
    s=$(now)
    $BIN --db "$DB" send >/dev/null
    e=$(now)
    written=$(ls "$OUT" | wc -l)
    send_s=$(echo "$e - $s" | bc)
    loop_s=$("$LOOP" "$OUT" "$W/loop.$r" | sed -E 's/.* in ([0-9.]+) s.*/\1/')
    printf 'round %d: impex send %d files in %.2f s = %.0f files/s; plain write loop %.2f s = %.0f files/s\n' \
        "$r" "$written" "$send_s" "$(echo "$written / $send_s" | bc -l)" "$loop_s" "$(echo "$written / $loop_s" | bc -l)"
    SENDS+=("$send_s")
    LOOPS+=("$loop_s")
done

python3 - "$W/base/communication/messages/out" "$W/durable" "$N" "${SENDS[*]}" "${LOOPS[*]}" <<'PY'
import os, statistics, sys, time
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
sends = [float(x) for x in sys.argv[4].split()]
loops = [float(x) for x in sys.argv[5].split()]
names = sorted(os.listdir(src))[:2000]
data = [open(os.path.join(src, x), 'rb').read() for x in names]
os.makedirs(dst)
dfd = os.open(dst, os.O_RDONLY)
t = time.time()
for name, b in zip(names, data):
    tmp = os.path.join(dst, '.' + name + '.tmp')
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.write(fd, b); os.fsync(fd); os.close(fd)
    os.rename(tmp, os.path.join(dst, name)); os.fsync(dfd)
durable = len(names) / (time.time() - t)
send, loop = statistics.median(sends), statistics.median(loops)
print(f"median of {len(sends)} rounds: impex send {n / send:,.0f} files/s, plain write loop {n / loop:,.0f} files/s "
      f"-> impex at {100 * loop / send:.0f}% of the file system's limit (target: at least 40%)")
print(f"durable loop (tmp+fsync+rename+dir fsync, sample of {len(names)} files): {durable:,.0f} files/s -> impex at {100 * (n / send) / durable:.0f}%")
PY
