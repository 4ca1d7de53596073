#!/usr/bin/env bash
# Order states benchmark: `GET /rest/order-service/shops/10000/order-states` of a customer with
# 1,000 orders (2 positions each, half of them partly dispatched) among OTHER (default 50,000)
# orders of other customers, over HTTP with wrk (release build, `impex serve`). Reports wrk's
# latency distribution; target p99 < 20 ms. Pages: the first 50 by creation date, the last 50
# (offset 950) by order number descending, and a page of `order-states/modified`.
# DURATION (default 10s) and CONNECTIONS (default 4) tune wrk.
set -euo pipefail
cd "$(dirname "$0")/.."
OTHER="${1:-50000}"
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-4}"
command -v wrk >/dev/null || { echo "bench/order_states.sh needs wrk" >&2; exit 2; }
command -v sqlite3 >/dev/null || { echo "bench/order_states.sh needs sqlite3" >&2; exit 2; }
cargo build --release --quiet --bin impex
IMPEX="$PWD/target/release/impex"
W="$(mktemp -d)"
SERVER=""
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
"$IMPEX" --db "$W/impex.db" init --base "$W/base" --demo >/dev/null
echo "bench-secret-1" | "$IMPEX" --db "$W/impex.db" user add bench --role ShopServiceClient --shop 10000 >/dev/null
TOTAL=$((OTHER + 1000))
sqlite3 "$W/impex.db" <<SQL
PRAGMA foreign_keys = OFF;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $TOTAL)
INSERT INTO "OrderDO" ("id", "shopRef", "shopOrderNo", "shopCustomerNo", "orderCreationDate", "supplierRef", "carrierRef", "currency",
                       "paymentMethod", "customerFirstName", "customerLastName", "customerEmail", "sumNet", "sumGross", "totalNet", "totalGross")
SELECT 1000000 + i, 10000, printf('B-%07d', i), CASE WHEN i % ($TOTAL / 1000) = 0 AND i / ($TOTAL / 1000) <= 1000 THEN 'BENCH-C' ELSE printf('C-%06d', i % 20000) END,
       strftime('%Y-%m-%d %H:%M:%f', '2025-01-01', printf('+%d minutes', i)), 5000, 5100, 'EUR', 'INVOICE', 'Jo', 'Doe', printf('c%d@example.com', i),
       2000, 2380, 2500, 2975
FROM n;
INSERT INTO "OrderAddressDO" ("orderRef", "addressType", "firstName", "lastName", "street", "houseNumber", "city", "postCode", "country", "email")
SELECT "id", t.k, 'Jo', 'Doe', 'Main St', '1', 'Jena', '07743', 'DEU', "customerEmail" FROM "OrderDO", (SELECT 'BILLING' AS k UNION ALL SELECT 'DELIVERY') t WHERE "id" >= 1000000;
INSERT INTO "OrderPositionDO" ("orderRef", "number", "articleId", "articleName", "supplierArticleNo", "quantity", "supplierRef", "sumNet", "sumGross", "sumTax")
SELECT "id", t.k, printf('ART-%d', ("id" + t.k) % 500), 'Article', printf('ART-%d', ("id" + t.k) % 500), 2, 5000, 1000, 1190, 190
FROM "OrderDO", (SELECT 1 AS k UNION ALL SELECT 2) t WHERE "id" >= 1000000;
INSERT INTO "DispatchDO" ("id", "orderRef", "supplierRef", "carrierRef", "netAmount", "trackingNumbers")
SELECT "id", "id", 5000, 5100, 0, 'TN-' || "id" FROM "OrderDO" WHERE "id" >= 1000000 AND "id" % 2 = 0;
INSERT INTO "DispatchPositionDO" ("dispatchRef", "orderPositionRef", "number", "quantity")
SELECT d."id", p."id", 1, 1 FROM "DispatchDO" d JOIN "OrderPositionDO" p ON p."orderRef" = d."orderRef" AND p."number" = 1 WHERE d."id" >= 1000000;
COMMIT;
ANALYZE;
SQL
echo "orders: $(sqlite3 "$W/impex.db" 'SELECT count(*) FROM "OrderDO"'), of customer BENCH-C: $(sqlite3 "$W/impex.db" "SELECT count(*) FROM \"OrderDO\" WHERE \"shopCustomerNo\" = 'BENCH-C'")"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$IMPEX" --db "$W/impex.db" serve --listen "127.0.0.1:$PORT" 2>"$W/serve.log" &
SERVER=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/monitoring/services/health/status" && break; sleep 0.1; done
AUTH="Authorization: Basic $(printf 'bench:bench-secret-1' | base64)"
BASE="http://127.0.0.1:$PORT/rest/order-service/shops/10000"
check=$(curl -s -H "$AUTH" "$BASE/order-states?shopCustomerNumbers=BENCH-C&limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["meta"]["totalCount"])')
echo "customer BENCH-C: $check order states"
MIN_CURSOR=$(sqlite3 "$W/impex.db" 'SELECT max("cursor") - 5000 FROM "OrderChangeDO"')
for path in "order-states?shopCustomerNumbers=BENCH-C" "order-states?shopCustomerNumbers=BENCH-C&orderBy=shopOrderNumber&sortDirection=DESC&offset=950" "order-states/modified?minCursor=$MIN_CURSOR&limit=50"; do
    echo "== GET .../$path"
    wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency -H "$AUTH" "$BASE/$path" | sed -n '/Latency Distribution/,/Requests\/sec/p'
done
