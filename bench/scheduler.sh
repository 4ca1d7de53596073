#!/usr/bin/env bash
# Scheduler benchmark (not a test): 1,000 active schedules.
#  1. latency: every schedule fires every 5 s ('0/5 * * * * ?') with the instant test job; after
#     RUN_SECONDS the history ("JobRunDO".startTime - dueTime) gives the scheduling latency.
#  2. idle CPU: the same 1,000 schedules with nothing due; utime+stime of `impex run` over
#     IDLE_SECONDS (from /proc/<pid>/stat).
# Usage: bench/scheduler.sh   (env: IMPEX_BIN, N=1000, RUN_SECONDS=22, IDLE_SECONDS=30, MAX_JOBS=16)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${IMPEX_BIN:-}
if [ -z "$BIN" ]; then
  if [ -x target/release/impex ]; then BIN=target/release/impex; else cargo build -q; BIN=target/debug/impex; fi
fi
BIN=$(realpath "$BIN")
N=${N:-1000}; RUN_SECONDS=${RUN_SECONDS:-22}; IDLE_SECONDS=${IDLE_SECONDS:-30}; MAX_JOBS=${MAX_JOBS:-16}
command -v sqlite3 >/dev/null || { echo "needs the sqlite3 shell" >&2; exit 2; }
DIR=$(mktemp -d); trap 'kill $PID 2>/dev/null || true; rm -rf "$DIR"' EXIT; PID=
DB=$DIR/impex.db
export IMPEX_TEST_JOBS=1 IMPEX_TZ=UTC IMPEX_LOG=warn
"$BIN" --db "$DB" init --base "$DIR/base" >/dev/null
sqlite3 "$DB" <<SQL
INSERT INTO "JobDefDO" ("id", "name") VALUES (10999, 'TEST_JOB');
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $N)
INSERT INTO "ScheduleDO" ("active", "configId", "cron", "jobDefRef", "key", "lastRun")
SELECT 1, 0, '0/5 * * * * ?', 10999, 'bench-' || i, strftime('%Y-%m-%d %H:%M:%f', 'now') FROM n;
SQL
echo "impex: $BIN; $N schedules, cron 0/5 * * * * ?, max-jobs $MAX_JOBS, ${RUN_SECONDS}s"
"$BIN" --db "$DB" run --max-jobs "$MAX_JOBS" 2>"$DIR/run.log" & PID=$!
sleep "$RUN_SECONDS"; kill -TERM $PID; wait $PID || true; PID=
sqlite3 "$DB" <<'SQL'
.mode list
CREATE TEMP VIEW l AS SELECT (julianday("startTime") - julianday("dueTime")) * 86400000.0 AS ms FROM "JobRunDO" WHERE "dueTime" IS NOT NULL AND "outcome" <> 'RUNNING';
SELECT 'runs ' || count(*) FROM l;
SELECT printf('latency due->start ms: avg %.1f  p50 %.1f  p95 %.1f  p99 %.1f  max %.1f', avg(ms),
  (SELECT ms FROM l ORDER BY ms LIMIT 1 OFFSET (SELECT count(*) / 2 FROM l)),
  (SELECT ms FROM l ORDER BY ms LIMIT 1 OFFSET (SELECT count(*) * 95 / 100 FROM l)),
  (SELECT ms FROM l ORDER BY ms LIMIT 1 OFFSET (SELECT count(*) * 99 / 100 FROM l)),
  max(ms)) FROM l;
SELECT 'runs per fire time: ' || group_concat(c, ' ') FROM (SELECT count(*) c FROM "JobRunDO" GROUP BY "dueTime" ORDER BY "dueTime");
SQL

# Idle: nothing due for the next decades.
sqlite3 "$DB" "UPDATE \"ScheduleDO\" SET \"cron\" = '0 0 0 1 1 ? 2099', \"lastRun\" = strftime('%Y-%m-%d %H:%M:%f', 'now'), \"nextRetry\" = NULL;"
"$BIN" --db "$DB" run 2>>"$DIR/run.log" & PID=$!
sleep 3
ticks() { awk '{ s = $0; sub(/^.*\) /, "", s); split(s, f, " "); print f[12] + f[13] }' "/proc/$PID/stat"; }
t0=$(ticks); sleep "$IDLE_SECONDS"; t1=$(ticks)
hz=$(getconf CLK_TCK)
awk -v d=$((t1 - t0)) -v hz="$hz" -v s="$IDLE_SECONDS" 'BEGIN { printf "idle: %d ticks (%.2f s CPU) in %d s = %.2f%% of one core\n", d, d / hz, s, 100 * d / hz / s }'
echo "rss: $(awk '/VmRSS/ { print $2 " " $3 }' /proc/$PID/status)"
kill -TERM $PID; wait $PID || true; PID=
