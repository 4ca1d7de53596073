//! The scheduler end to end: real `impex run` / `run --once` / `trigger` / `status` processes on
//! a real database file, with the test job (`IMPEX_TEST_JOBS=1`, "JobDefDO" 10999; behaviour by
//! configId, one line per run in `<base>/test-job-runs.log`).
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::support::env::{wait_for, TestEnv};

const TEST_JOB: i64 = 10999;
/// A cron that never fires in the lifetime of these tests (runs only as first run / retry).
const NEVER: &str = "0 0 0 1 1 ? 2099";

fn setup() -> TestEnv {
    let env = TestEnv::new(false);
    exec(&env, r#"INSERT INTO "JobDefDO" ("id", "name") VALUES (10999, 'TEST_JOB'), (10998, 'NOT_IN_THIS_IMPEX');"#);
    env
}

/// Inserts an active schedule; returns its id.
fn schedule(env: &TestEnv, key: &str, cron: &str, config_id: i64, max_retries: i64, retry_delay: Option<&str>) -> i64 {
    env.store()
        .query_i64(
            r#"INSERT INTO "ScheduleDO" ("active", "configId", "cron", "jobDefRef", "key", "maxNoOfRetries", "retryDelay")
               VALUES (?7, ?1, ?2, ?3, ?4, ?5, ?6) RETURNING "id""#,
            impex::db::params![config_id, cron, TEST_JOB, key, max_retries, retry_delay, 1i64],
        )
        .unwrap()
}

/// Runs statements on the test's database (either backend).
fn exec(env: &TestEnv, sql: &str) {
    env.store().execute_batch(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// A background `impex` process, killed on drop.
struct Proc {
    child: Child,
    log: std::path::PathBuf,
}

impl Proc {
    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn signal(&self, sig: i32) {
        unsafe { libc::kill(self.child.id() as i32, sig) };
    }

    /// Waits for exit; returns the exit code.
    fn wait_exit(&mut self, deadline: Duration) -> Option<i32> {
        let mut status = None;
        wait_for("impex to exit", deadline, || {
            status = self.child.try_wait().unwrap();
            status.is_some()
        });
        status.unwrap().code()
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn test_cmd(env: &TestEnv, args: &[&str]) -> Command {
    let mut c = env.cmd(args);
    c.env("IMPEX_TEST_JOBS", "1").env("IMPEX_TZ", "UTC");
    c
}

fn start(env: &TestEnv, name: &str, args: &[&str]) -> Proc {
    let log = env.path(&format!("{name}.stderr"));
    let mut all = vec!["run"];
    all.extend_from_slice(args);
    let child = test_cmd(env, &all).stdout(Stdio::null()).stderr(std::fs::File::create(&log).unwrap()).spawn().unwrap();
    Proc { child, log }
}

/// One line of the test job's run log.
#[derive(Debug, Clone)]
struct Run {
    key: String,
    pid: u32,
    start: i64,
    end: i64,
    result: String,
}

fn runs(env: &TestEnv) -> Vec<Run> {
    let text = std::fs::read_to_string(env.base().join("test-job-runs.log")).unwrap_or_default();
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f.len() == 5).then(|| Run { key: f[0].into(), pid: f[1].parse().unwrap(), start: f[2].parse().unwrap(), end: f[3].parse().unwrap(), result: f[4].into() })
        })
        .collect()
}

fn runs_of(env: &TestEnv, key: &str) -> Vec<Run> {
    runs(env).into_iter().filter(|r| r.key == key).collect()
}

fn opt_text(env: &TestEnv, sql: &str) -> Option<String> {
    match env.store().query_value(sql, &[]).unwrap_or_else(|e| panic!("{sql}: {e}")) {
        impex::db::Value::Null => None,
        impex::db::Value::Text(t) => Some(t),
        other => panic!("{sql}: not a text: {other:?}"),
    }
}

#[test]
fn per_second_cron_runs_repeatedly_and_follows_sql_edits() {
    let env = setup();
    schedule(&env, "tick", "* * * * * ?", 0, 0, None);
    schedule(&env, "witness", "0/1 * * * * ?", 0, 0, None);
    let unknown = schedule(&env, "unknown-job", "* * * * * ?", 0, 0, None);
    exec(&env, &format!(r#"UPDATE "ScheduleDO" SET "jobDefRef" = 10998 WHERE "id" = {unknown}"#));
    let mut p = start(&env, "run", &[]);

    wait_for("3 runs of the per-second schedule", Duration::from_secs(10), || runs_of(&env, "tick").len() >= 3);
    // The unknown job is recorded on its schedule, and the scheduler keeps going.
    assert!(opt_text(&env, &format!(r#"SELECT "stoppedSince" FROM "ScheduleDO" WHERE "id" = {unknown}"#)).is_some());
    let msg = opt_text(&env, &format!(r#"SELECT "lastMessage" FROM "ScheduleDO" WHERE "id" = {unknown}"#)).unwrap();
    assert!(msg.contains("no job with JobDefDO id 10998"), "{msg}");
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "JobRunDO" WHERE "scheduleKey" = 'unknown-job' AND "outcome" = 'ERROR'"#), 1);
    assert!(p.child.try_wait().unwrap().is_none(), "impex run died: {}", p.stderr());

    // Deactivate via SQL: no run starts afterwards (the witness proves the loop kept ticking).
    exec(&env, r#"UPDATE "ScheduleDO" SET "active" = 0 WHERE "key" = 'tick'"#);
    wait_for("tick unlocked", Duration::from_secs(5), || opt_text(&env, r#"SELECT "lockedSince" FROM "ScheduleDO" WHERE "key" = 'tick'"#).is_none());
    let deactivated_at = chrono::Utc::now().timestamp_millis() + 50;
    let witness = runs_of(&env, "witness").len();
    wait_for("3 more witness runs", Duration::from_secs(10), || runs_of(&env, "witness").len() >= witness + 3);
    let late: Vec<Run> = runs_of(&env, "tick").into_iter().filter(|r| r.start > deactivated_at).collect();
    assert!(late.is_empty(), "runs after deactivation: {late:?}");

    // A new row and a changed cron are picked up without restart.
    schedule(&env, "new", "* * * * * ?", 0, 0, None);
    wait_for("the new schedule to run", Duration::from_secs(5), || !runs_of(&env, "new").is_empty());
    exec(&env, &format!(r#"UPDATE "ScheduleDO" SET "cron" = '{NEVER}' WHERE "key" = 'witness'"#));
    wait_for("witness unlocked", Duration::from_secs(5), || opt_text(&env, r#"SELECT "lockedSince" FROM "ScheduleDO" WHERE "key" = 'witness'"#).is_none());
    let changed_at = chrono::Utc::now().timestamp_millis() + 50;
    let new_runs = runs_of(&env, "new").len();
    wait_for("3 more runs of the new schedule", Duration::from_secs(10), || runs_of(&env, "new").len() >= new_runs + 3);
    assert!(runs_of(&env, "witness").iter().all(|r| r.start <= changed_at), "witness ran after its cron moved to 2099");

    p.signal(libc::SIGTERM);
    assert_eq!(p.wait_exit(Duration::from_secs(10)), Some(0), "{}", p.stderr());
}

#[test]
fn two_processes_never_run_a_schedule_concurrently() {
    let env = setup();
    // Each run sleeps 0.7 s / 1 s; the cron fires every second.
    schedule(&env, "a", "* * * * * ?", 1700, 0, None);
    schedule(&env, "b", "* * * * * ?", 1000, 0, None);
    let _p1 = start(&env, "run1", &[]);
    let _p2 = start(&env, "run2", &[]);
    wait_for("4 runs of each schedule", Duration::from_secs(20), || runs_of(&env, "a").len() >= 4 && runs_of(&env, "b").len() >= 4);
    assert!(runs(&env).iter().all(|r| r.result == "OK"));
    for key in ["a", "b"] {
        let mut rs = runs_of(&env, key);
        rs.sort_by_key(|r| r.start);
        for w in rs.windows(2) {
            assert!(w[1].start >= w[0].end, "{key}: runs overlap: {:?} and {:?}", w[0], w[1]);
        }
    }
    // The history agrees: no overlapping [startTime, endTime] per schedule.
    let overlaps = env.query_i64(
        r#"SELECT count(*) FROM "JobRunDO" x JOIN "JobRunDO" y ON x."scheduleRef" = y."scheduleRef" AND x."id" < y."id"
           WHERE x."endTime" IS NOT NULL AND y."startTime" < x."endTime" AND x."startTime" < coalesce(y."endTime", '9999-12-31 00:00:00.000')"#,
    );
    assert_eq!(overlaps, 0);
}

#[test]
fn kill_9_of_a_lock_holder_is_recovered_by_the_next_process() {
    let env = setup();
    // A long job (30 s) on a per-second cron.
    let id = schedule(&env, "long", "* * * * * ?", 30000, 0, None);
    let mut a = start(&env, "a", &[]);
    let a_pid = a.pid();
    wait_for("A to hold the lock", Duration::from_secs(10), || {
        opt_text(&env, &format!(r#"SELECT "lockedBy" FROM "ScheduleDO" WHERE "id" = {id}"#)).is_some_and(|h| h.contains(&format!(":{a_pid}:")))
    });
    a.child.kill().unwrap(); // SIGKILL: no cleanup
    a.child.wait().unwrap();
    assert!(opt_text(&env, &format!(r#"SELECT "lockedSince" FROM "ScheduleDO" WHERE "id" = {id}"#)).is_some(), "the lock survives SIGKILL");

    let b = start(&env, "b", &[]);
    let b_pid = b.pid();
    wait_for("B to take over and run the schedule", Duration::from_secs(10), || {
        env.query_i64(&format!(r#"SELECT count(*) FROM "JobRunDO" WHERE "scheduleRef" = {id} AND "runBy" LIKE '%:{b_pid}:%'"#)) > 0
    });
    let abandoned = env.query_string(&format!(r#"SELECT "outcome" || ' ' || "message" FROM "JobRunDO" WHERE "scheduleRef" = {id} AND "runBy" LIKE '%:{a_pid}:%'"#));
    assert!(abandoned.starts_with("ERROR abandoned"), "{abandoned}");
    assert_eq!(env.query_i64(&format!(r#"SELECT "countRetry" FROM "ScheduleDO" WHERE "id" = {id}"#)), 0);
    drop(b);
}

#[test]
fn temporary_failure_is_retried_after_retry_delay_and_stops_at_max() {
    let env = setup();
    let id = schedule(&env, "flaky", NEVER, 1, 2, Some("1s"));
    let p = start(&env, "run", &[]);
    wait_for("the schedule to stop", Duration::from_secs(15), || opt_text(&env, &format!(r#"SELECT "stoppedSince" FROM "ScheduleDO" WHERE "id" = {id}"#)).is_some());
    let rs = runs_of(&env, "flaky");
    assert_eq!(rs.len(), 3, "first run + 2 retries: {rs:?}");
    for w in rs.windows(2) {
        assert!(w[1].start - w[0].end >= 950, "retry came before retryDelay: {rs:?}");
    }
    assert_eq!(env.query_i64(&format!(r#"SELECT "countRetry" FROM "ScheduleDO" WHERE "id" = {id}"#)), 3);
    let outcomes = env.store().query_rows(&format!(r#"SELECT "outcome" FROM "JobRunDO" WHERE "scheduleRef" = {id} ORDER BY "id""#), &[]).unwrap();
    let outcomes: Vec<String> = outcomes.into_iter().map(|r| r[0].as_str().unwrap_or("?").to_string()).collect();
    assert_eq!(outcomes.join(","), "RETRY,RETRY,ERROR");
    drop(p);

    // status: a health check (exit 1), saying why, also with --json.
    let out = test_cmd(&env, &["status"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("flaky: stopped since") && text.contains("retries exhausted"), "{text}");
    let out = test_cmd(&env, &["status", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let flaky = v["schedules"].as_array().unwrap().iter().find(|s| s["key"] == "flaky").expect("flaky in status --json");
    assert_eq!(flaky["state"], "stopped");
    assert_eq!(flaky["countRetry"], 3);

    // A permanent failure stops at once.
    let perm = schedule(&env, "broken", NEVER, 2, 5, Some("1s"));
    let out = test_cmd(&env, &["run", "--once"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(opt_text(&env, &format!(r#"SELECT "stoppedSince" FROM "ScheduleDO" WHERE "id" = {perm}"#)).is_some());
    assert_eq!(runs_of(&env, "broken").len(), 1);
}

#[test]
fn sigterm_lets_the_job_finish_releases_locks_and_exits_0() {
    let env = setup();
    let id = schedule(&env, "slow", "* * * * * ?", 20000, 0, None);
    let mut p = start(&env, "run", &["--shutdown-timeout", "10"]);
    wait_for("the job to run", Duration::from_secs(10), || opt_text(&env, &format!(r#"SELECT "lockedSince" FROM "ScheduleDO" WHERE "id" = {id}"#)).is_some());
    p.signal(libc::SIGTERM);
    assert_eq!(p.wait_exit(Duration::from_secs(10)), Some(0), "{}", p.stderr());
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "ScheduleDO" WHERE "lockedSince" IS NOT NULL OR "lockedBy" IS NOT NULL"#), 0);
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "JobRunDO" WHERE "outcome" = 'RUNNING'"#), 0);
    // The job saw the cancel flag and stopped early; that is not a failure of the schedule.
    let r = runs_of(&env, "slow");
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].pid, p.pid());
    assert_eq!(r[0].result, "TEMPORARY", "the test job reports a cancel as a temporary failure");
    assert!(r[0].end - r[0].start < 15000);
    assert_eq!(env.query_i64(&format!(r#"SELECT "countRetry" FROM "ScheduleDO" WHERE "id" = {id}"#)), 0);
    assert!(opt_text(&env, &format!(r#"SELECT "stoppedSince" FROM "ScheduleDO" WHERE "id" = {id}"#)).is_none());
}

#[test]
fn run_once_runs_what_is_due_and_sets_the_exit_code() {
    let env = setup();
    let now = impex::time::now_text();
    let week_ago = impex::time::format(chrono::Utc::now() - chrono::Duration::days(7));
    schedule(&env, "first", NEVER, 0, 0, None); // never ran: due
    schedule(&env, "hourly", "0 0 * * * ?", 3, 0, None); // missed a week of fire times: runs once (WARN)
    schedule(&env, "not-due", "0 0 0 1 1 ?", 0, 0, None);
    exec(&env, &format!(r#"UPDATE "ScheduleDO" SET "lastRun" = '{week_ago}' WHERE "key" = 'hourly'; UPDATE "ScheduleDO" SET "lastRun" = '{now}' WHERE "key" = 'not-due';"#));
    let out = test_cmd(&env, &["run", "--once"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(runs_of(&env, "first").len(), 1);
    assert_eq!(runs_of(&env, "hourly").len(), 1);
    assert!(runs_of(&env, "not-due").is_empty());
    // Nothing due any more: a second --once runs nothing.
    let out = test_cmd(&env, &["run", "--once"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(runs(&env).len(), 2);
    // A failing job makes --once exit 1; an unknown job too.
    schedule(&env, "fails", NEVER, 1, 3, Some("1h"));
    let out = test_cmd(&env, &["run", "--once"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(env.query_string(r#"SELECT "lastOutcome" FROM "ScheduleDO" WHERE "key" = 'fails'"#), "RETRY");
    let id = schedule(&env, "unknown", NEVER, 0, 0, None);
    exec(&env, &format!(r#"UPDATE "ScheduleDO" SET "jobDefRef" = 10998 WHERE "id" = {id}"#));
    let bad = schedule(&env, "bad-cron", "0 61 * * * ?", 0, 0, None);
    let out = test_cmd(&env, &["run", "--once"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let m = opt_text(&env, &format!(r#"SELECT "lastMessage" FROM "ScheduleDO" WHERE "id" = {bad} AND "stoppedSince" IS NOT NULL"#)).unwrap();
    assert!(m.contains("0 61 * * * ?"), "{m}");
    let out = env.run(&["run", "--once"]); // without IMPEX_TEST_JOBS even 10999 is unknown
    assert_eq!(out.status.code(), Some(1));
    assert!(opt_text(&env, &format!(r#"SELECT "stoppedSince" FROM "ScheduleDO" WHERE "id" = {id}"#)).is_some());
}

#[test]
fn trigger_runs_one_schedule_now() {
    let env = setup();
    let now = impex::time::now_text();
    let id = schedule(&env, "manual", NEVER, 0, 0, None);
    exec(&env, &format!(r#"UPDATE "ScheduleDO" SET "lastRun" = '{now}', "active" = 0 WHERE "id" = {id}"#));
    let out = test_cmd(&env, &["trigger", "manual"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("manual: OK"));
    assert_eq!(runs_of(&env, "manual").len(), 1);

    let out = test_cmd(&env, &["trigger", "no-such-key"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-key"));

    schedule(&env, "failing", NEVER, 2, 0, None);
    let out = test_cmd(&env, &["trigger", "failing"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));

    // A schedule locked by a live process is not run twice.
    let busy = schedule(&env, "busy", "* * * * * ?", 30000, 0, None);
    let _p = start(&env, "run", &[]);
    wait_for("busy to be locked", Duration::from_secs(10), || opt_text(&env, &format!(r#"SELECT "lockedSince" FROM "ScheduleDO" WHERE "id" = {busy}"#)).is_some());
    let out = test_cmd(&env, &["trigger", "busy"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("locked by"));
}

#[test]
fn shutdown_timeout_and_second_signal_still_release_locks() {
    // A job that ignores the cancel flag (20 s) and a shutdown timeout of 1 s: exit 0 after ~1 s.
    let env = setup();
    let id = schedule(&env, "stubborn", "* * * * * ?", -20000, 0, None);
    let mut p = start(&env, "run", &["--shutdown-timeout", "1"]);
    let locked = || opt_text(&env, &format!(r#"SELECT "lockedSince" FROM "ScheduleDO" WHERE "id" = {id}"#)).is_some();
    wait_for("the job to run", Duration::from_secs(10), locked);
    let t = std::time::Instant::now();
    p.signal(libc::SIGTERM);
    assert_eq!(p.wait_exit(Duration::from_secs(10)), Some(0), "{}", p.stderr());
    assert!(t.elapsed() < Duration::from_secs(5));
    assert!(!locked());
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "JobRunDO" WHERE "outcome" = 'RUNNING'"#), 0);

    // The same with a 60 s timeout, and a second signal: exit at once (130), locks released.
    let mut p = start(&env, "run2", &[]);
    wait_for("the job to run again", Duration::from_secs(10), locked);
    p.signal(libc::SIGTERM);
    wait_for("the shutdown to begin", Duration::from_secs(5), || p.stderr().contains("shutting down"));
    p.signal(libc::SIGTERM);
    assert_eq!(p.wait_exit(Duration::from_secs(5)), Some(130), "{}", p.stderr());
    assert!(!locked());
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "JobRunDO" WHERE "outcome" = 'RUNNING'"#), 0);
}

#[test]
fn history_is_pruned_and_reactivate_on_start_lifts_a_stop() {
    let env = setup();
    let old = impex::time::format(chrono::Utc::now() - chrono::Duration::days(40));
    let recent = impex::time::format(chrono::Utc::now() - chrono::Duration::days(10));
    exec(
        &env,
        &format!(
            r#"INSERT INTO "JobRunDO" ("scheduleKey", "jobDefRef", "startTime", "endTime", "outcome", "runBy")
               VALUES ('gone', 10999, '{old}', '{old}', 'OK', 'x:1:1'), ('kept', 10999, '{recent}', '{recent}', 'OK', 'x:1:1');"#
        ),
    );
    let id = schedule(&env, "revived", "* * * * * ?", 0, 0, None);
    let panics = schedule(&env, "panics", NEVER, 5, 0, None);
    let now = impex::time::now_text();
    exec(&env, &format!(r#"UPDATE "ScheduleDO" SET "stoppedSince" = '{now}', "countRetry" = 4, "lastRun" = '{now}', "reactivateOnStart" = 1 WHERE "id" = {id}"#));
    let mut p = start(&env, "run", &["--history-days", "28"]);
    wait_for("the revived schedule to run", Duration::from_secs(10), || !runs_of(&env, "revived").is_empty());
    wait_for("old history to be pruned", Duration::from_secs(5), || env.query_i64(r#"SELECT count(*) FROM "JobRunDO" WHERE "scheduleKey" = 'gone'"#) == 0);
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "JobRunDO" WHERE "scheduleKey" = 'kept'"#), 1);
    assert_eq!(env.query_i64(&format!(r#"SELECT "countRetry" FROM "ScheduleDO" WHERE "id" = {id}"#)), 0);
    // A panicking job is a permanent error on its schedule, not a crash.
    wait_for("the panicking schedule to stop", Duration::from_secs(10), || {
        opt_text(&env, &format!(r#"SELECT "stoppedSince" FROM "ScheduleDO" WHERE "id" = {panics}"#)).is_some()
    });
    let m = opt_text(&env, &format!(r#"SELECT "lastMessage" FROM "ScheduleDO" WHERE "id" = {panics}"#)).unwrap();
    assert!(m.contains("panicked"), "{m}");
    assert!(p.child.try_wait().unwrap().is_none());
    p.signal(libc::SIGTERM);
    assert_eq!(p.wait_exit(Duration::from_secs(10)), Some(0));
}
