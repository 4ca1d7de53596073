#!/usr/bin/env bash
# Failover benchmark (not a test): two `impex run` nodes on one PostgreSQL database
# (bench/pg.sh), N schedules firing every second whose job runs 4 s ('* * * * * ?', the test
# job with configId 4000). Each round kills (-9) the node that holds the most schedule locks,
# while its jobs run, and measures how long until every schedule it held has started again on
# the other node ("JobRunDO".startTime after the kill); then starts the killed node again.
# Target: the killed node's work resumed elsewhere within 5 s.
# Usage: bench/failover.sh   (env: IMPEX_BIN, N=20, ROUNDS=3)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/pg.sh
BIN=${IMPEX_BIN:-}
if [ -z "$BIN" ]; then
  if [ -x target/release/impex ]; then BIN=target/release/impex; else cargo build -q; BIN=target/debug/impex; fi
fi
BIN=$(realpath "$BIN")
N=${N:-20}; ROUNDS=${ROUNDS:-3}
DIR=$(mktemp -d); chmod 755 "$DIR"; declare -A NODE
trap 'kill -9 ${NODE[@]:-} 2>/dev/null || true; pg_stop; rm -rf "$DIR"' EXIT
export IMPEX_TEST_JOBS=1 IMPEX_TZ=UTC IMPEX_LOG=warn
pg_start "$DIR"; pg_db impex; DB=$(pg_url impex)
q() { pg_psql impex "$1"; }
"$BIN" --db "$DB" init --base "$DIR/base" >/dev/null
q "INSERT INTO \"JobDefDO\" (\"id\", \"name\") VALUES (10999, 'TEST_JOB');
   INSERT INTO \"ScheduleDO\" (\"active\", \"configId\", \"cron\", \"jobDefRef\", \"key\", \"lastRun\")
   SELECT true, 4000, '* * * * * ?', 10999, 'failover-' || i, now() FROM generate_series(1, $N) i;" >/dev/null
start() { "$BIN" --db "$DB" run --max-jobs "$N" 2>>"$DIR/run-$1.log" & NODE[$1]=$!; }
start a; start b
echo "two nodes, $N schedules every second, jobs of 4 s; $ROUNDS rounds"
WORST=0
for r in $(seq "$ROUNDS"); do
  sleep 6
  # the node with the most locks
  best=; most=-1
  for k in a b; do
    c=$(q "SELECT count(*) FROM \"ScheduleDO\" WHERE \"lockedBy\" LIKE '%:${NODE[$k]}:%'")
    [ "$c" -gt "$most" ] && { most=$c; best=$k; }
  done
  pid=${NODE[$best]}
  held=$(q "SELECT string_agg(\"id\"::text, ',') FROM \"ScheduleDO\" WHERE \"lockedBy\" LIKE '%:$pid:%'")
  [ -n "$held" ] || { echo "round $r: no locks held"; continue; }
  kill -9 "$pid"; KILLED=$(q "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS')")
  # until every schedule the killed node held has started again (deadline 30 s)
  for _ in $(seq 300); do
    left=$(q "SELECT count(*) FROM \"ScheduleDO\" s WHERE s.\"id\" IN ($held) AND NOT EXISTS (SELECT 1 FROM \"JobRunDO\" j WHERE j.\"scheduleRef\" = s.\"id\" AND j.\"startTime\" > TIMESTAMPTZ '$KILLED+00')")
    [ "$left" = 0 ] && break
    sleep 0.1
  done
  [ "$left" = 0 ] || { echo "round $r: $left schedules not resumed after 30 s"; exit 1; }
  secs=$(q "SELECT round(CAST(EXTRACT(EPOCH FROM max(f) - TIMESTAMPTZ '$KILLED+00') AS numeric), 2) FROM (SELECT min(j.\"startTime\") f FROM \"JobRunDO\" j WHERE j.\"scheduleRef\" IN ($held) AND j.\"startTime\" > TIMESTAMPTZ '$KILLED+00' GROUP BY j.\"scheduleRef\") x")
  echo "round $r: killed node $best (pid $pid) holding $(echo "$held" | tr ',' '\n' | wc -l) schedule locks; all resumed on the other node after $secs s"
  WORST=$(python3 -c "print(max($WORST, $secs))")
  start "$best"
done
echo "failover: worst $WORST s (target < 5 s)"
q "SELECT 'fire times run more than once: ' || count(*) FROM (SELECT \"scheduleKey\", \"dueTime\" FROM \"JobRunDO\" GROUP BY \"scheduleKey\", \"dueTime\" HAVING count(*) > 1) d"
