#!/usr/bin/env bash
# Return requests over HTTP by `impex serve` (release build), IOM's RMA service 2.12:
#   - POST /rest/rma/shops/inTRONICS/orders/BENCH-RMA/return-requests, one random position of an
#     order of 100 positions (each dispatched 1,000,000 times, so that no request runs out),
#     quantity 1, the RMA number from the shop's sequence; CONNECTIONS (default 16) wrk
#     connections for DURATION (default 20) seconds, ROUNDS (default 3) rounds. After each round
#     the new "ReturnAnnouncementDO" rows are counted against wrk's 201 answers (every 201 is
#     durable: rows >= answers, rows - answers <= the requests in flight when wrk stopped).
#   - GET .../return-requests/returnables of order BENCH-RMA-READ (100 positions, each dispatched
#     twice, one accepted return request of 1 on each), 4 connections, 10 s: the latency
#     distribution (the target); then the same of BENCH-RMA after the rounds (thousands of
#     requests on its positions: for information).
# Targets (docs/performance.md, "Returns"): >= 300 requests/s, returnables p99 < 20 ms.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-20}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-$(nproc)}
need=()
for t in wrk sqlite3 curl python3; do command -v $t >/dev/null 2>&1 || need+=($t); done
if [ ${#need[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || { echo "bench/rma.sh: needs ${need[*]} (run as root to install them)" >&2; exit 1; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
[ -x "${IMPEX_BIN:-}" ] || cargo build --release --quiet --bin impex
IMPEX="${IMPEX_BIN:-$PWD/target/release/impex}"
W="$(mktemp -d)"
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$W"; }
trap cleanup EXIT
DB="$W/impex.db"
"$IMPEX" --db "$DB" init --base "$W/base" --demo >/dev/null
"$IMPEX" --db "$DB" sql jobs/14_returns.sql >/dev/null
sqlite3 "$DB" <<'SQL'
BEGIN;
INSERT INTO "OrderDO" ("id", "shopRef", "shopOrderNo", "shopCustomerNo", "orderCreationDate", "supplierRef", "carrierRef", "currency")
VALUES (900000, 10000, 'BENCH-RMA', 'C-1', '2026-12-02 10:00:00.000', 5000, 5100, 'EUR');
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)
INSERT INTO "OrderPositionDO" ("id", "orderRef", "number", "articleId", "articleName", "supplierArticleNo", "quantity", "supplierRef")
SELECT 900000 + i, 900000, i, 'P-' || i, 'Article ' || i, 'P-' || i, 1000000, 5000 FROM n;
INSERT INTO "DispatchDO" ("id", "orderRef", "supplierRef", "carrierRef", "netAmount") VALUES (900000, 900000, 5000, 5100, 0);
INSERT INTO "DispatchPositionDO" ("dispatchRef", "orderPositionRef", "number", "quantity")
SELECT 900000, "id", "number", 1000000 FROM "OrderPositionDO" WHERE "orderRef" = 900000;
INSERT INTO "OrderDO" ("id", "shopRef", "shopOrderNo", "shopCustomerNo", "orderCreationDate", "supplierRef", "carrierRef", "currency")
VALUES (900001, 10000, 'BENCH-RMA-READ', 'C-1', '2026-12-02 10:00:00.000', 5000, 5100, 'EUR');
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)
INSERT INTO "OrderPositionDO" ("id", "orderRef", "number", "articleId", "articleName", "supplierArticleNo", "quantity", "supplierRef")
SELECT 910000 + i, 900001, i, 'P-' || i, 'Article ' || i, 'P-' || i, 2, 5000 FROM n;
INSERT INTO "DispatchDO" ("id", "orderRef", "supplierRef", "carrierRef", "netAmount") VALUES (900001, 900001, 5000, 5100, 0);
INSERT INTO "DispatchPositionDO" ("dispatchRef", "orderPositionRef", "number", "quantity")
SELECT 900001, "id", "number", 2 FROM "OrderPositionDO" WHERE "orderRef" = 900001;
INSERT INTO "ReturnAnnouncementDO" ("id", "orderRef", "rmaNumber", "stateDefRef") SELECT 910000 + i, 900001, 'R-' || i, 5000 FROM (SELECT "number" AS i FROM "OrderPositionDO" WHERE "orderRef" = 900001);
INSERT INTO "ReturnAnnouncementPositionDO" ("returnAnnouncementRef", "orderPositionRef", "quantity", "returnReason") SELECT 910000 + "number", "id", 1, 'RET020' FROM "OrderPositionDO" WHERE "orderRef" = 900001;
COMMIT;
SQL
PASSWORD="bench-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
echo "$PASSWORD" | "$IMPEX" --db "$DB" user add bench --role ShopServiceClient --shop 10000 >/dev/null
AUTH="Basic $(printf 'bench:%s' "$PASSWORD" | base64 -w0)"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$IMPEX" --db "$DB" serve --listen "127.0.0.1:$PORT" 2>"$W/serve.log" &
PID=$!
for _ in $(seq 200); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.05; done
BASE="/rest/rma/shops/inTRONICS/orders/BENCH-RMA/return-requests"

cat >"$W/rma.lua" <<'LUA'
local auth, base = os.getenv("AUTH"), os.getenv("BASE")
local n = 0
function setup(thread)
    n = n + 1
    thread:set("id", n)
end
function init(args)
    math.randomseed(os.time() * 100 + id)
end
local told = false
function response(status, headers, body)
    if status ~= 201 and not told then
        told = true
        io.stderr:write("first answer other than 201: " .. status .. " " .. body .. "\n")
    end
end
function request()
    local p = math.random(1, 100)
    local body = '{"type":"RETURN","positions":[{"positionNumber":' .. p .. ',"productNumber":"P-' .. p .. '","quantity":1,"reason":"RET020"}]}'
    return wrk.format("POST", base, { ["Authorization"] = auth, ["Content-Type"] = "application/vnd.intershop.return-request.v1+json" }, body)
end
LUA

requests() { sqlite3 "$DB" 'SELECT count(*) FROM "ReturnAnnouncementDO" WHERE "orderRef" = 900000'; }
parse() {
    python3 - "$@" <<'PY'
import re, sys
text, rows, conns = open(sys.argv[1]).read(), int(sys.argv[2]), int(sys.argv[3])
def ms(v):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", v)
    return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[m.group(2)]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
p50 = ms(re.search(r"^\s+50%\s+(\S+)", text, re.M).group(1))
p99 = ms(re.search(r"^\s+99%\s+(\S+)", text, re.M).group(1))
total = int(re.search(r"(\d+) requests in", text).group(1))
m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
bad = int(m.group(1)) if m else 0
ok = total - bad
durable = rows < 0 or ok <= rows <= ok + conns
print(f"{rps:.0f} {p50:.2f} {p99:.2f} {ok} {bad} {rows} {'yes' if durable else 'NO'}")
PY
}
results=()
for r in $(seq "$ROUNDS"); do
    before=$(requests)
    AUTH="$AUTH" BASE="$BASE" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$W/rma.lua" "http://127.0.0.1:$PORT" >"$W/wrk.txt" 2>&1
    sleep 1 # answers in flight when wrk stopped
    after=$(requests)
    read -r rps p50 p99 ok bad rows durable <<<"$(parse "$W/wrk.txt" "$((after - before))" "$CONNECTIONS")"
    printf 'round %d: %6s return requests/s  p99 %7s ms  (%s answered 201, %s other, %s new rows: durable %s)\n' "$r" "$rps" "$p99" "$ok" "$bad" "$rows" "$durable"
    [ "$bad" = 0 ] || { echo "non-201 answers:"; grep -m1 "first answer" "$W/wrk.txt"; exit 1; }
    [ "$durable" = yes ] || { echo "FAIL: rows and 201 answers disagree"; exit 1; }
    results+=("$rps")
done
median=$(printf '%s\n' "${results[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "median of $ROUNDS rounds: $median return requests/s, $CONNECTIONS connections (target >= 300)"
echo "returnables of BENCH-RMA-READ (100 positions, 100 requests on them), 4 connections, 10 s:"
wrk -t1 -c4 -d10s --latency -H "Authorization: $AUTH" "http://127.0.0.1:$PORT/rest/rma/shops/inTRONICS/orders/BENCH-RMA-READ/return-requests/returnables" >"$W/wrk.txt" 2>&1
read -r rps p50 p99 ok bad _ _ <<<"$(parse "$W/wrk.txt" -1 4)"
echo "  $rps answers/s, p50 $p50 ms, p99 $p99 ms, $bad non-2xx (target p99 < 20 ms)"
echo "returnables of BENCH-RMA (100 positions, $(sqlite3 "$DB" 'SELECT count(*) FROM "ReturnAnnouncementDO" WHERE "orderRef" = 900000') requests on them), 4 connections, 10 s:"
wrk -t1 -c4 -d10s --latency -H "Authorization: $AUTH" "http://127.0.0.1:$PORT$BASE/returnables" >"$W/wrk2.txt" 2>&1
read -r rps2 p50b p99b _ bad2 _ _ <<<"$(parse "$W/wrk2.txt" -1 4)"
echo "  $rps2 answers/s, p50 $p50b ms, p99 $p99b ms, $bad2 non-2xx (for information)"
fail=0
[ "${median%.*}" -ge 300 ] || { echo "FAIL: below 300 return requests/s"; fail=1; }
python3 -c "import sys; sys.exit(0 if float('$p99') < 20 else 1)" || { echo "FAIL: returnables p99 $p99 ms >= 20 ms"; fail=1; }
[ "$bad" = 0 ] || { echo "FAIL: returnables answered other than 200"; fail=1; }
exit $fail
