#!/usr/bin/env bash
# Orders created over HTTP by `impex serve` (release build): POST /rest/order-service/shops/
# 10000/orders with orders of 5 positions (IOM's order service 2.4, the vendor media type, HTTP
# Basic auth), CONNECTIONS (default 16) wrk connections for DURATION (default 20) seconds,
# ROUNDS (default 3) rounds. Every order number is new (wrk thread and counter). After each
# round the new "OrderDO" rows are counted against wrk's 201 answers: every 201 is durable
# (committed before the answer), so rows >= answers, and rows - answers <= the requests in flight
# when wrk stopped. Target (docs/performance.md, "Orders"): >= 500 orders/s.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-20}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-$(nproc)}
need=()
for t in wrk sqlite3 curl python3; do command -v $t >/dev/null 2>&1 || need+=($t); done
if [ ${#need[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || { echo "bench/orders.sh: needs ${need[*]} (run as root to install them)" >&2; exit 1; }
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
# a catalogue of products P-0 ... P-9999 with stock enough for every order of the run; an
# order takes 5 random ones (ATP's "blocked" sums the open positions of an article per request,
# so the same 5 products in every order would make each order slower than the one before)
sqlite3 "$DB" <<'SQL'
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 9999)
INSERT INTO "ArticleStockDO" ("shopRef", "supplierRef", "supplierArticleNo", "stockLevel", "modificationDate")
SELECT 10000, 5000, 'P-' || i, 100000000, '2026-12-02 12:00:00.000' FROM n;
SQL
PASSWORD="bench-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
echo "$PASSWORD" | "$IMPEX" --db "$DB" user add bench --role ShopServiceClient --shop 10000 >/dev/null
AUTH="Basic $(printf 'bench:%s' "$PASSWORD" | base64 -w0)"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$IMPEX" --db "$DB" serve --listen "127.0.0.1:$PORT" 2>"$W/serve.log" &
PID=$!
for _ in $(seq 200); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.05; done

cat >"$W/orders.lua" <<'LUA'
local auth = os.getenv("AUTH")
local round = os.getenv("ROUND")
local n = 0
function setup(thread)
    n = n + 1
    thread:set("id", n)
end
function init(args)
    counter = 0
    math.randomseed(os.time() * 100 + id)
end
local address = '{"location":{"type":"AddressLocationStreet","street":"Intershop Tower","streetNumber":"1","city":"Jena","postCode":"07740","countryCode":"DEU"},'
    .. '"contact":{"email":"peter.sampleman@example.com"},"receiver":{"addressReceiverType":"PERSON","person":{"firstName":"Peter","lastName":"Sampleman"}}}'
local function position(k, product)
    return '{"number":' .. k .. ',"product":{"name":"Article ' .. k .. '","number":"P-' .. product .. '"},"quantity":1,'
        .. '"sum":{"net":{"amount":10.0},"gross":{"amount":11.9},"taxes":[{"type":"FullTax","amount":1.9}]},'
        .. '"unitPrice":{"net":{"amount":10.0},"gross":{"amount":11.9}},'
        .. '"shipping":{"deliveryDate":{"deliveryDateType":"STANDARD"},"expectedDeliveryDays":3}}'
end
local tail = '","shopOrderCreationDate":"2026-12-02T10:00:00.000+01:00","customerData":{"customerDataType":"PERSON","shopCustomerNumber":"CUST-1"},'
    .. '"invoiceAddress":' .. address .. ',"payment":{"paymentMethod":"PAYPAL"},'
    .. '"sales":{"currencyCode":"EUR","subTotal":{"net":{"amount":50.0},"gross":{"amount":59.5},"taxes":[{"type":"FullTax","amount":9.5}]},'
    .. '"total":{"net":{"amount":55.0},"gross":{"amount":65.45},"taxes":[{"type":"FullTax","amount":10.45}]},'
    .. '"charges":[{"type":"DELIVERYCHARGE","net":{"amount":5.0},"gross":{"amount":5.95},"taxes":[{"type":"FullTax","amount":0.95}]}]},'
    .. '"shippingBuckets":[{"number":"1","shippingAddress":' .. address .. ',"shippingMethod":"DHL","positions":['
local told = false
function response(status, headers, body)
    if status ~= 201 and not told then
        told = true
        io.stderr:write("first answer other than 201: " .. status .. " " .. body .. "\n")
    end
end
function request()
    counter = counter + 1
    local first = math.random(0, 9995)
    local positions = {}
    for k = 1, 5 do positions[k] = position(k, first + k - 1) end
    local body = '{"shopOrderNumber":"B' .. round .. '-' .. id .. '-' .. counter .. tail .. table.concat(positions, ",") .. ']}]}'
    return wrk.format("POST", "/rest/order-service/shops/10000/orders",
        { ["Authorization"] = auth, ["Content-Type"] = "application/vnd.intershop.order.v2+json" }, body)
end
LUA

orders() { sqlite3 "$DB" 'SELECT count(*) FROM "OrderDO"'; }
results=()
for r in $(seq "$ROUNDS"); do
    before=$(orders)
    AUTH="$AUTH" ROUND="$r" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$W/orders.lua" "http://127.0.0.1:$PORT" >"$W/wrk.txt" 2>&1
    after=$(orders)
    line=$(python3 - "$W/wrk.txt" "$((after - before))" "$CONNECTIONS" <<'PY'
import re, sys
text, rows, conns = open(sys.argv[1]).read(), int(sys.argv[2]), int(sys.argv[3])
def ms(v):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", v)
    return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[m.group(2)]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
p99 = ms(re.search(r"^\s+99%\s+(\S+)", text, re.M).group(1))
total = int(re.search(r"(\d+) requests in", text).group(1))
m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
bad = int(m.group(1)) if m else 0
ok = total - bad
durable = ok <= rows <= ok + conns
print(f"{rps:.0f} {p99:.2f} {ok} {bad} {rows} {'yes' if durable else 'NO'}")
PY
)
    read -r rps p99 ok bad rows durable <<<"$line"
    printf 'round %d: %6s orders/s  p99 %7s ms  (%s answered 201, %s other, %s new rows: durable %s)\n' "$r" "$rps" "$p99" "$ok" "$bad" "$rows" "$durable"
    [ "$bad" = 0 ] || { echo "non-201 answers:"; grep -m1 "first answer" "$W/wrk.txt"; exit 1; }
    [ "$durable" = yes ] || { echo "FAIL: rows and 201 answers disagree"; exit 1; }
    results+=("$rps")
done
median=$(printf '%s\n' "${results[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "median of $ROUNDS rounds: $median orders/s of 5 positions, $CONNECTIONS connections (target >= 500)"
[ "${median%.*}" -ge 500 ] || { echo "FAIL: below 500 orders/s"; exit 1; }
