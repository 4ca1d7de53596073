#!/usr/bin/env bash
# REST API benchmark: `impex serve` (release build) under wrk, 64 connections, HTTP Basic auth,
# on a catalogue of 100,000 articles x 3 suppliers of shop 10000 (300,000 "ArticleStockDO" rows):
#   - ATP GET of 1 product and of 20 products (random ids of the catalogue, a wrk Lua script),
#     each compared in the same run with the floor of the HTTP stack: examples/http_floor.rs, the
#     same runtime and server (tokio, axum, axum-server, hyper) answering every GET with a fixed
#     body of the size of a real ATP answer (taken from impex before the rounds);
#   - reservation create (POST, COMPLETE, 1 item of quantity 1, random product), durable: the
#     handler commits before it answers; after each round the new "ReservationDO" rows are
#     counted against wrk's 2xx answers.
# Rounds alternate floor (1), ATP (1), floor (20), ATP (20), and the medians are compared;
# reservations run after them, ROUNDS times.
# Targets: ATP >= 50 % of the floor's requests/s and p99 < 10 ms; reservations >= 500/s.
# Prints FAIL and exits 1 when a target is missed.
#   env: ROUNDS=3, DURATION=20 (seconds per wrk run), CONNECTIONS=64, THREADS=nproc,
#        ARTICLES=100000, IMPEX_BIN (default target/release/impex, built by cargo)
# Needs wrk (Debian's), the sqlite3 shell, curl and python3 (installed here when missing and root).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-20}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-$(nproc)}
ARTICLES=${ARTICLES:-100000}
need=()
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v sqlite3 >/dev/null 2>&1 || need+=(sqlite3)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v python3 >/dev/null 2>&1 || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || { echo "bench/api.sh: needs ${need[*]} (run as root to install them)" >&2; exit 1; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
cargo build --release --quiet --example http_floor
[ -x "${IMPEX_BIN:-}" ] || cargo build --release --quiet --bin impex
IMPEX="${IMPEX_BIN:-$PWD/target/release/impex}"
FLOOR_BIN="$PWD/target/release/examples/http_floor"
W="$(mktemp -d)"
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$W"
}
trap cleanup EXIT
DB="$W/impex.db"
SHOP=10000
FIRST=1000000

# the catalogue: suppliers 5000 (the demo's), 5001 and 5002 serve the shop; every article has a
# stock row at each (stock large enough that every reservation of the run succeeds)
"$IMPEX" --db "$DB" init --base "$W/base" --demo >/dev/null
START=$(date +%s.%N)
sqlite3 "$DB" <<SQL
BEGIN;
INSERT INTO "SupplierDO" ("id", "name") VALUES (5001, 'Bench Supplier 2'), (5002, 'Bench Supplier 3');
INSERT INTO "Shop2SupplierDO" ("id", "shopRef", "supplierRef", "shopSupplierName") VALUES
  (10001, $SHOP, 5001, 'Bench Supplier 2'), (10002, $SHOP, 5002, 'Bench Supplier 3');
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $ARTICLES - 1)
INSERT INTO "ArticleStockDO" ("shopRef", "supplierRef", "supplierArticleNo", "currency", "stockLevel", "stockType", "availabilityInDays", "modificationDate")
SELECT $SHOP, s, CAST($FIRST + i AS TEXT), 'EUR', 1000000 + (i * 7919) % 1000, '1', i % 30, '2026-12-02 12:00:00.000'
FROM n CROSS JOIN (SELECT 5000 AS s UNION ALL SELECT 5001 UNION ALL SELECT 5002);
COMMIT;
SQL
sqlite3 "$DB" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
ROWS=$(sqlite3 "$DB" 'SELECT count(*) FROM "ArticleStockDO"')
printf 'catalogue: %d articles x 3 suppliers = %d stock rows (%.1f s)\n' "$ARTICLES" "$ROWS" "$(echo "$(date +%s.%N) - $START" | bc -l)"
PASSWORD="bench-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
echo "$PASSWORD" | "$IMPEX" --db "$DB" user add bench --role ShopServiceClient --shop "$SHOP" >/dev/null
AUTH="Basic $(printf 'bench:%s' "$PASSWORD" | base64 -w0)"

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() {
    for _ in $(seq 200); do
        curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0
        sleep 0.05
    done
    echo "nothing listens on port $1" >&2; exit 1
}
P_IMPEX=$(free_port)
"$IMPEX" --db "$DB" serve --listen "127.0.0.1:$P_IMPEX" 2>"$W/serve.log" &
PIDS+=($!)
wait_port "$P_IMPEX"
ATP="http://127.0.0.1:$P_IMPEX/servlets/services/atp/$SHOP"
ids() { python3 -c "import sys; n = int(sys.argv[1]); print(','.join(str($FIRST + ($ARTICLES // n) * k + 17) for k in range(n)))" "$1"; }
curl -sf -H "Authorization: $AUTH" -o "$W/atp1.json" "$ATP/$(ids 1)"
curl -sf -H "Authorization: $AUTH" -o "$W/atp20.json" "$ATP/$(ids 20)"
grep -q '"statusCode":200' "$W/atp20.json" || { echo "unexpected ATP answer: $(head -c 300 "$W/atp20.json")"; exit 1; }
[ "$(grep -o '"location"' "$W/atp20.json" | wc -l)" = 60 ] || { echo "the 20-product answer has not 60 locations"; exit 1; }
echo "ATP answers: 1 product $(stat -c %s "$W/atp1.json") bytes (3 locations), 20 products $(stat -c %s "$W/atp20.json") bytes (60 locations)"
P_FLOOR1=$(free_port)
"$FLOOR_BIN" "127.0.0.1:$P_FLOOR1" "$W/atp1.json" >/dev/null &
PIDS+=($!)
P_FLOOR20=$(free_port)
"$FLOOR_BIN" "127.0.0.1:$P_FLOOR20" "$W/atp20.json" >/dev/null &
PIDS+=($!)
wait_port "$P_FLOOR1"
wait_port "$P_FLOOR20"

# the requests: random products of the catalogue, the Authorization header on every request
# (also to the floor, which ignores it), a seed per wrk thread
cat >"$W/req.lua" <<'LUA'
local ids = tonumber(os.getenv("IDS") or "1")
local first, articles = tonumber(os.getenv("FIRST")), tonumber(os.getenv("ARTICLES"))
local prefix, auth, post = os.getenv("PREFIX"), os.getenv("AUTH"), os.getenv("POST") == "1"
local n = 0
function setup(thread)
    n = n + 1
    thread:set("seed", n)
end
function init(args)
    math.randomseed(os.time() * 1000 + seed)
end
function request()
    if post then
        local body = '{"type":"COMPLETE","lifetime":3600,"items":[{"id":"' .. (first + math.random(0, articles - 1)) .. '","qty":1}]}'
        return wrk.format("POST", prefix, { ["Authorization"] = auth, ["Content-Type"] = "application/json" }, body)
    end
    local t = {}
    for i = 1, ids do t[i] = first + math.random(0, articles - 1) end
    return wrk.format("GET", prefix .. table.concat(t, ","), { ["Authorization"] = auth })
end
LUA

# run NAME PORT PATH IDS [POST]: one wrk run; appends "name rps p99_ms requests non2xx errors"
run() {
    local name=$1 port=$2 path=$3 n=$4 post=${5:-0}
    IDS=$n FIRST=$FIRST ARTICLES=$ARTICLES PREFIX="$path" AUTH="$AUTH" POST=$post \
        wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$W/req.lua" "http://127.0.0.1:$port" >"$W/wrk.txt" 2>&1
    python3 - "$name" "$W/wrk.txt" >>"$W/results.txt" <<'PY'
import re, sys
name, text = sys.argv[1], open(sys.argv[2]).read()
def ms(v):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", v)
    return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[m.group(2)]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
p99 = ms(re.search(r"^\s+99%\s+(\S+)", text, re.M).group(1))
p50 = ms(re.search(r"^\s+50%\s+(\S+)", text, re.M).group(1))
total = int(re.search(r"(\d+) requests in", text).group(1))
m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
non2xx = int(m.group(1)) if m else 0
m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
errors = sum(int(x) for x in m.groups()) if m else 0
print(name, rps, p50, p99, total, non2xx, errors)
PY
    tail -n1 "$W/results.txt" | awk '{printf "  %-12s %9.0f req/s  p50 %6.2f ms  p99 %6.2f ms  (%d requests, %d non-2xx, %d socket errors)\n", $1, $2, $3, $4, $5, $6, $7}'
}

# warm-up (the first login runs Argon2, then the verification is cached; the page cache)
DURATION=3 run warmup "$P_IMPEX" "/servlets/services/atp/$SHOP/" 20 >/dev/null
: >"$W/results.txt"
echo "wrk: $THREADS threads, $CONNECTIONS connections, ${DURATION} s per run, $ROUNDS rounds"
for r in $(seq "$ROUNDS"); do
    echo "round $r ($(date -u +%H:%M:%S)):"
    run floor1 "$P_FLOOR1" "/servlets/services/atp/$SHOP/" 1
    run atp1 "$P_IMPEX" "/servlets/services/atp/$SHOP/" 1
    run floor20 "$P_FLOOR20" "/servlets/services/atp/$SHOP/" 20
    run atp20 "$P_IMPEX" "/servlets/services/atp/$SHOP/" 20
done
for r in $(seq "$ROUNDS"); do
    BEFORE=$(sqlite3 "$DB" 'SELECT count(*) FROM "ReservationDO"')
    echo "reservations, round $r ($(date -u +%H:%M:%S)):"
    run reserve "$P_IMPEX" "/servlets/services/reservation/$SHOP" 1 1
    sleep 1 # answers in flight when wrk stopped
    AFTER=$(sqlite3 "$DB" 'SELECT count(*) FROM "ReservationDO"')
    read -r _ _ _ _ total non2xx _ < <(tail -n1 "$W/results.txt")
    ok=$((total - non2xx))
    echo "  \"ReservationDO\" rows: +$((AFTER - BEFORE)), wrk's 2xx answers: $ok (the difference: requests in flight when wrk stopped, at most $CONNECTIONS)"
    echo "rows $((AFTER - BEFORE)) $ok" >>"$W/durable.txt"
done
n_err=$(grep -c 'path=/servlets.*status=[45]' "$W/serve.log" || true); [ "$n_err" = 0 ] || echo "impex's log has $n_err error answers, e.g. $(grep -m1 'path=/servlets.*status=[45]' "$W/serve.log")"

python3 - "$W/results.txt" "$W/durable.txt" "$CONNECTIONS" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    name, rps, p50, p99, total, non2xx, errors = line.split()
    runs.setdefault(name, []).append((float(rps), float(p99), int(non2xx), int(errors)))
med = {k: (statistics.median(r for r, *_ in v), statistics.median(p for _, p, *_ in v)) for k, v in runs.items()}
fail = []
print(f"medians of {len(runs['atp1'])} rounds:")
for n in ("1", "20"):
    f, a = med["floor" + n], med["atp" + n]
    ratio = 100 * a[0] / f[0]
    print(f"  ATP {n:>2} product(s): {a[0]:,.0f} req/s = {ratio:.0f} % of the floor ({f[0]:,.0f} req/s, p99 {f[1]:.2f} ms); "
          f"p99 {a[1]:.2f} ms (targets >= 50 %, p99 < 10 ms)")
    if ratio < 50:
        fail.append(f"ATP {n}: {ratio:.0f} % of the floor < 50 %")
    if a[1] >= 10:
        fail.append(f"ATP {n}: p99 {a[1]:.2f} ms >= 10 ms")
    if any(x[2] or x[3] for x in runs["atp" + n]):
        fail.append(f"ATP {n}: non-2xx answers or socket errors")
r = med["reserve"]
print(f"  reservation create: {r[0]:,.0f} durable req/s, p99 {r[1]:.2f} ms (target >= 500/s)")
if r[0] < 500:
    fail.append(f"reservations: {r[0]:,.0f}/s < 500/s")
for line in open(sys.argv[2]):
    _, rows, ok = line.split()
    if not int(ok) <= int(rows) <= int(ok) + int(sys.argv[3]):
        fail.append(f"reservations: {rows} new rows for {ok} 2xx answers")
if any(x[2] or x[3] for x in runs["reserve"]):
    fail.append("reservations: non-2xx answers or socket errors")
for f in fail:
    print("FAIL:", f)
print("all targets met" if not fail else "")
sys.exit(1 if fail else 0)
PY
