#!/usr/bin/env bash
# Import benchmark: an OpenPositions file with N positions (default 200000) through
# `impex import` end to end (release build), compared with a bare quick-xml scan of the same
# file (examples/xml_scan.rs); reports positions/s, the ratio and the peak memory (max RSS).
# Targets: >= 100000 positions/s, >= 50 % of the bare scan, < 64 MB peak.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-200000}"
cargo build --release --quiet --bin impex --example xml_scan
IMPEX="$PWD/target/release/impex"
SCAN="$PWD/target/release/examples/xml_scan"
W="$(mktemp -d)"
trap 'rm -rf "$W"' EXIT
python3 bench/import_gen.py "$N" "$W/data"
"$IMPEX" --db "$W/impex.db" init --base "$W/base" --demo >/dev/null
"$IMPEX" --db "$W/impex.db" sql "$W/data/setup.sql" >/dev/null
SIZE=$(stat -c %s "$W/data/OpenPositionsImport_bench.xml")
echo "file: $N positions, $((SIZE / 1024 / 1024)) MB"

# bare scan (warm the page cache first)
"$SCAN" "$W/data/OpenPositionsImport_bench.xml" >/dev/null
SCAN_OUT=$("$SCAN" "$W/data/OpenPositionsImport_bench.xml")
echo "$SCAN_OUT"
SCAN_RATE=$(echo "$SCAN_OUT" | sed -E 's/.*= ([0-9]+) records\/s/\1/')

# end to end: copy into the work directory, parse, map, insert, commit, move to done/
START=$(date +%s.%N)
/usr/bin/time -v "$IMPEX" --db "$W/impex.db" import --group import_openpositions "$W/data/OpenPositionsImport_bench.xml" \
    >"$W/out.txt" 2>"$W/time.txt" || { cat "$W/out.txt" "$W/time.txt"; exit 1; }
END=$(date +%s.%N)
cat "$W/out.txt"
SECS=$(echo "$END - $START" | bc -l)
RATE=$(echo "$N / $SECS" | bc)
RSS_KB=$(grep "Maximum resident set size" "$W/time.txt" | awk '{print $NF}')
ROWS=$(sqlite3 "$W/impex.db" 'SELECT count(*) FROM "OpenPositionDO"')
echo "impex import: $ROWS rows in $(printf %.3f "$SECS") s = $RATE positions/s"
echo "ratio to bare scan: $(echo "100 * $RATE / $SCAN_RATE" | bc) %"
echo "peak memory (max RSS): $((RSS_KB / 1024)) MB"
# On a busy machine wall time mostly measures the wait for a core: also show the CPU time.
USER_S=$(grep "User time" "$W/time.txt" | awk '{print $NF}')
SYS_S=$(grep "System time" "$W/time.txt" | awk '{print $NF}')
CPU_PCT=$(grep "Percent of CPU" "$W/time.txt" | awk '{print $NF}')
echo "cpu: user $USER_S s + sys $SYS_S s ($CPU_PCT of one core); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
