#!/usr/bin/env bash
# Export benchmark: N dispatches inserted in one transaction (the triggers create the
# transmissions), then one sending run (`impex send`); compared with the file system's limit: a
# loop that writes the same bytes to the same number of files, once durably like impex (temporary
# file, fsync, rename, directory fsync) and once with plain writes.
#   bench/export.sh [N]        (default 100000; needs sqlite3 and python3)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}
cargo build --release -q
BIN=$PWD/target/release/impex
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W"
$BIN init --base "$W/base" --demo >/dev/null
$BIN sql "$OLDPWD/tests/export_support/config.sql" >/dev/null
now() { date +%s.%N; }

t0=$(now)
sqlite3 impex.db <<SQL
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $N)
INSERT INTO "DispatchDO" ("id", "orderRef", "supplierRef", "netAmount", "invoiceNo", "deliveryNoteNo", "supplierOrderNo", "creditorId", "companyCode")
SELECT 1000000 + i, 10002, 5000, i, 'INV-' || i, 'DN-' || i, 'PO-' || i, 'CRED-1', '001' FROM n;
COMMIT;
SQL
t1=$(now)
created=$(sqlite3 impex.db 'SELECT count(*) FROM "TransmissionDO"')
$BIN send
t2=$(now)
written=$(ls base/communication/messages/out | wc -l)

python3 - "$W/base/communication/messages/out" "$W/fs" <<PY
import os, sys, time
src, dst = sys.argv[1], sys.argv[2]
names = sorted(os.listdir(src))
data = [open(os.path.join(src, n), 'rb').read() for n in names]
def run(durable, sub):
    d = os.path.join(dst, sub); os.makedirs(d)
    dfd = os.open(d, os.O_RDONLY)
    t = time.time()
    # the durable loop is slow (one fsync per file): time a sample of 2000 files
    count = min(len(names), 2000) if durable else len(names)
    for n, b in list(zip(names, data))[:count]:
        p = os.path.join(d, n)
        if durable:
            tmp = os.path.join(d, '.' + n + '.tmp')
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.write(fd, b); os.fsync(fd); os.close(fd)
            os.rename(tmp, p); os.fsync(dfd)
        else:
            fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.write(fd, b); os.close(fd)
    return (time.time() - t) / count * len(names)
plain = run(False, 'plain'); dur = run(True, 'durable')
n = len(names)
t_create = $t1 - $t0; t_send = $t2 - $t1
print(f"dispatches inserted (one transaction, triggers): {$created} transmissions in {t_create:.2f} s = {$created / t_create:,.0f}/s")
print(f"sending run (impex send): {$written} files in {t_send:.2f} s = {$written / t_send:,.0f} files/s")
print(f"fs limit, durable loop (tmp+fsync+rename+dir fsync, sample of 2000): {n / dur:,.0f} files/s -> impex at {100 * (n / t_send) / (n / dur):.0f}%")
print(f"fs limit, plain write loop (no fsync): {n / plain:,.0f} files/s -> impex at {100 * (n / t_send) / (n / plain):.0f}%")
print(f"end to end (insert + send): {$written / (t_create + t_send):,.0f} transmissions/s")
PY
