#!/usr/bin/env bash
# Document rendering benchmark: N invoices (copies of demo invoice 0083: two positions, three
# tax rows, non-ASCII names) inserted in one transaction, then one `impex documents render`
# (release build) end to end: read the rows, lay out and write each PDF (pdf-writer, base
# fonts), write the files atomically, one syncfs per batch, insert the rows with their random
# keys. Reports invoices/s per round and the median; checks the count and one PDF read back
# with pdftotext.
#   bench/documents.sh [N] [ROUNDS]   (defaults 5000 and 3; needs sqlite3 and pdftotext)
# Target: >= 100 invoices/s.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-5000}
ROUNDS=${2:-3}
need=()
command -v sqlite3 >/dev/null 2>&1 || need+=(sqlite3)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
command -v bc >/dev/null 2>&1 || need+=(bc)
if [ ${#need[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || { echo "bench/documents.sh: needs ${need[*]} (run as root to install them)" >&2; exit 1; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
[ -x "${IMPEX_BIN:-}" ] || cargo build --release --quiet --bin impex
BIN="${IMPEX_BIN:-$PWD/target/release/impex}"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W"
"$BIN" init --base "$W/base" --demo >/dev/null
sqlite3 impex.db <<SQL
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $N)
INSERT INTO "InvoicingDO" ("id", "invoiceNo", "shopRef", "orderRef", "debitorRef", "documentTypeDefRef", "paymentDefRef", "currency", "invoiceDate", "grossAmount", "netAmount")
SELECT 1000000 + i, 'B' || (1000000 + i), 10000, 10002, 100646, 18, 10, 'EUR', '2026-12-02 00:00:00.000', 87925, 75387 FROM n;
INSERT INTO "InvoicingTaxDO" ("invoicingRef", "taxTypeDefRef", "netAmount", "taxAmount")
SELECT i."id", t."taxTypeDefRef", t."netAmount", t."taxAmount" FROM "InvoicingDO" i JOIN "InvoicingTaxDO" t ON t."invoicingRef" = 10002 WHERE i."id" > 1000000;
COMMIT;
SQL
TOTAL=$((N + 2))  # and the demo's two invoices
cp impex.db clean.db
RATES=()
for r in $(seq "$ROUNDS"); do
    rm -f impex.db-wal impex.db-shm; cp clean.db impex.db
    [ -d base/documents ] && mv base/documents "base/documents.old.$r"  # deleting many files slows ext4's next creations
    t0=$(date +%s.%N)
    "$BIN" --db impex.db documents render >out.txt
    t1=$(date +%s.%N)
    DOCS=$(sqlite3 impex.db 'SELECT count(*) FROM "DocumentDO"')
    [ "$DOCS" = "$TOTAL" ] || { echo "round $r: $DOCS documents instead of $TOTAL"; cat out.txt; exit 1; }
    RATE=$(echo "$TOTAL / ($t1 - $t0)" | bc -l)
    RATES+=("$RATE")
    printf 'round %d: %d invoices in %.2f s = %.0f invoices/s (%s)\n' "$r" "$TOTAL" "$(echo "$t1 - $t0" | bc -l)" "$RATE" "$(cat out.txt)"
done
F=$(sqlite3 impex.db "SELECT \"path\" FROM \"DocumentDO\" WHERE \"invoicingRef\" = 1000001")
pdftotext -layout "base/$F" - | grep -q "B1000001" || { echo "the PDF does not read back"; exit 1; }
echo "PDF size: $(stat -c %s "base/$F") bytes"
MEDIAN=$(printf '%s\n' "${RATES[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
printf 'median: %.0f invoices/s (target >= 100)\n' "$MEDIAN"
awk -v m="$MEDIAN" 'BEGIN {exit !(m >= 100)}'
