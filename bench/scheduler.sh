#!/usr/bin/env bash
# Scheduler benchmark (not a test): 1,000 active schedules.
#  1. latency: every schedule fires every 5 s ('0/5 * * * * ?') with the instant test job; after
#     RUN_SECONDS the history ("JobRunDO".startTime - dueTime) gives the scheduling latency.
#     NODES=3 runs three `impex run` processes on the database (each fire time must run once).
#  2. idle CPU: the same 1,000 schedules with nothing due; utime+stime of `impex run` over
#     IDLE_SECONDS (from /proc/<pid>/stat).
# BACKEND=postgres: the same on a PostgreSQL 15 server started for the run (bench/pg.sh).
# LOGS=DIR keeps the nodes' logs there (run-K.log; e.g. with IMPEX_LOG=impex=debug).
# Usage: bench/scheduler.sh   (env: IMPEX_BIN, N=1000, RUN_SECONDS=22, IDLE_SECONDS=30, MAX_JOBS=16, NODES=1, BACKEND=sqlite, LOGS)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/pg.sh
BIN=${IMPEX_BIN:-}
if [ -z "$BIN" ]; then
  if [ -x target/release/impex ]; then BIN=target/release/impex; else cargo build -q; BIN=target/debug/impex; fi
fi
BIN=$(realpath "$BIN")
N=${N:-1000}; RUN_SECONDS=${RUN_SECONDS:-22}; IDLE_SECONDS=${IDLE_SECONDS:-30}; MAX_JOBS=${MAX_JOBS:-16}; NODES=${NODES:-1}; BACKEND=${BACKEND:-sqlite}
DIR=$(mktemp -d); chmod 755 "$DIR"; PIDS=(); LOGS=${LOGS:-$DIR}; mkdir -p "$LOGS"
trap 'kill ${PIDS[@]:-} 2>/dev/null || true; pg_stop; rm -rf "$DIR"' EXIT
export IMPEX_TEST_JOBS=1 IMPEX_TZ=UTC IMPEX_LOG=${IMPEX_LOG:-warn}
if [ "$BACKEND" = postgres ]; then
  pg_start "$DIR"; pg_db impex; DB=$(pg_url impex)
  [ -n "${PG_OPTS:-}" ] && pg_psql impex "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null 2>&1
  q() { pg_psql impex "$1"; }
  NOW="now()"
  "$BIN" --db "$DB" init --base "$DIR/base" >/dev/null
  q "INSERT INTO \"JobDefDO\" (\"id\", \"name\") VALUES (10999, 'TEST_JOB');
     INSERT INTO \"ScheduleDO\" (\"active\", \"configId\", \"cron\", \"jobDefRef\", \"key\", \"lastRun\")
     SELECT true, 0, '0/5 * * * * ?', 10999, 'bench-' || i, now() FROM generate_series(1, $N) i;
     ANALYZE;" >/dev/null  # (the statistics autovacuum gathers within a minute)
  MS="EXTRACT(EPOCH FROM (\"startTime\" - \"dueTime\")) * 1000.0"
else
  command -v sqlite3 >/dev/null || { echo "needs the sqlite3 shell" >&2; exit 2; }
  DB=$DIR/impex.db
  q() { sqlite3 "$DB" "$1"; }
  NOW="strftime('%Y-%m-%d %H:%M:%f', 'now')"
  "$BIN" --db "$DB" init --base "$DIR/base" >/dev/null
  q "INSERT INTO \"JobDefDO\" (\"id\", \"name\") VALUES (10999, 'TEST_JOB');
     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $N)
     INSERT INTO \"ScheduleDO\" (\"active\", \"configId\", \"cron\", \"jobDefRef\", \"key\", \"lastRun\")
     SELECT 1, 0, '0/5 * * * * ?', 10999, 'bench-' || i, strftime('%Y-%m-%d %H:%M:%f', 'now') FROM n;"
  MS="(julianday(\"startTime\") - julianday(\"dueTime\")) * 86400000.0"
fi
echo "impex: $BIN; backend $BACKEND, $NODES node(s); $N schedules, cron 0/5 * * * * ?, max-jobs $MAX_JOBS, ${RUN_SECONDS}s"
for k in $(seq "$NODES"); do
  "$BIN" --db "$DB" run --max-jobs "$MAX_JOBS" 2>"$LOGS/run-$k.log" & PIDS+=($!)
done
sleep "$RUN_SECONDS"; kill -TERM "${PIDS[@]}"; wait "${PIDS[@]}" || true; PIDS=()
L="(SELECT $MS AS ms FROM \"JobRunDO\" WHERE \"dueTime\" IS NOT NULL AND \"outcome\" <> 'RUNNING') l"
q "SELECT 'runs ' || count(*) FROM $L"
# percentiles by rank (the same SQL on both backends)
r1() { echo "round(CAST($1 AS numeric), 1)"; }
pct() { q "SELECT $(r1 ms) FROM $L ORDER BY ms LIMIT 1 OFFSET (SELECT count(*) * $1 / 100 FROM $L)"; }
echo "latency due->start ms: avg $(q "SELECT $(r1 'avg(ms)') FROM $L")  p50 $(pct 50)  p95 $(pct 95)  p99 $(pct 99)  max $(q "SELECT $(r1 'max(ms)') FROM $L")"
q "SELECT 'fire times run more than once: ' || count(*) FROM (SELECT \"scheduleKey\", \"dueTime\" FROM \"JobRunDO\" GROUP BY \"scheduleKey\", \"dueTime\" HAVING count(*) > 1) d"
q "SELECT 'runs per node: ' || count(*) FROM \"JobRunDO\" GROUP BY \"runBy\""
if [ "$BACKEND" = postgres ] && [ -n "${PG_OPTS:-}" ]; then
  q "SELECT calls || ' calls, ' || round(total_exec_time::numeric / calls, 3) || ' ms + plan ' || round(total_plan_time::numeric / calls, 3) || ' ms: ' || left(regexp_replace(query, '\s+', ' ', 'g'), 110)
     FROM pg_stat_statements ORDER BY total_exec_time + total_plan_time DESC LIMIT 8" 2>/dev/null || true
fi

# Idle: nothing due for the next decades (one node).
q "UPDATE \"ScheduleDO\" SET \"cron\" = '0 0 0 1 1 ? 2099', \"lastRun\" = $NOW, \"nextRetry\" = NULL;" >/dev/null
"$BIN" --db "$DB" run 2>>"$LOGS/run-1.log" & PID=$!; PIDS=($PID)
sleep 3
ticks() { awk '{ s = $0; sub(/^.*\) /, "", s); split(s, f, " "); print f[12] + f[13] }' "/proc/$PID/stat"; }
t0=$(ticks); sleep "$IDLE_SECONDS"; t1=$(ticks)
hz=$(getconf CLK_TCK)
awk -v d=$((t1 - t0)) -v hz="$hz" -v s="$IDLE_SECONDS" 'BEGIN { printf "idle: %d ticks (%.2f s CPU) in %d s = %.2f%% of one core\n", d, d / hz, s, 100 * d / hz / s }'
echo "rss: $(awk '/VmRSS/ { print $2 " " $3 }' /proc/$PID/status)"
kill -TERM $PID; wait $PID || true; PIDS=()
