//! A job for tests, registered only when env `IMPEX_TEST_JOBS=1` (`"JobDefDO"` 10999
//! `TEST_JOB`; the test inserts that row itself). Its behaviour comes from the schedule's
//! `configId`: 0 (or NULL) OK, 1 temporary failure, 2 permanent failure, 3 WARN report,
//! 4 ERROR report, 5 panic, N >= 1000 sleep N ms (stopping early with a temporary failure when
//! cancelled) then OK, N <= -1000 sleep -N ms ignoring the cancel flag, then OK. Each run
//! appends `key<TAB>pid<TAB>start-ms<TAB>end-ms<TAB>result` to `<base>/test-job-runs.log`.
use std::io::Write;
use std::time::{Duration, Instant};

use crate::jobs::{Job, JobContext, JobError, Report};

pub const TEST_JOB_ID: i64 = 10999;

struct TestJob;

fn epoch_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Job for TestJob {
    fn def_id(&self) -> i64 {
        TEST_JOB_ID
    }

    fn name(&self) -> &'static str {
        "TEST_JOB"
    }

    fn run(&self, ctx: &JobContext) -> Result<Report, JobError> {
        let start = epoch_ms();
        let mode = ctx.config_id.unwrap_or(0);
        let result = match mode {
            0 => Ok(Report::ok(1, "test job ok")),
            1 => Err(JobError::Temporary("test job: temporary failure".into())),
            2 => Err(JobError::Permanent("test job: permanent failure".into())),
            3 => Ok(Report::from_counts(1, 1, "test job: 1 of 2 items failed")),
            4 => Ok(Report::from_counts(0, 2, "test job: all items failed")),
            5 => panic!("test job: panic on purpose"),
            n if n >= 1000 => {
                let until = Instant::now() + Duration::from_millis(n as u64);
                let mut r = Ok(Report::ok(1, format!("test job slept {n} ms")));
                while Instant::now() < until {
                    if ctx.cancelled() {
                        r = Err(JobError::Temporary("test job: cancelled".into()));
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(10));
                }
                r
            }
            n if n <= -1000 => {
                std::thread::sleep(Duration::from_millis(n.unsigned_abs()));
                Ok(Report::ok(1, format!("test job slept {} ms", -n)))
            }
            n => Err(JobError::Permanent(format!("test job: unknown configId {n}"))),
        };
        let line = format!(
            "{}\t{}\t{}\t{}\t{}\n",
            ctx.schedule_key,
            std::process::id(),
            start,
            epoch_ms(),
            match &result {
                Ok(r) => r.outcome.as_str().to_string(),
                Err(JobError::Temporary(_)) => "TEMPORARY".into(),
                Err(JobError::Permanent(_)) => "PERMANENT".into(),
            }
        );
        let path = ctx.base.join("test-job-runs.log");
        let mut f = std::fs::OpenOptions::new().create(true).append(true).open(&path).map_err(|e| JobError::Permanent(format!("{}: {e}", path.display())))?;
        f.write_all(line.as_bytes()).map_err(|e| JobError::Permanent(format!("{}: {e}", path.display())))?;
        result
    }
}

static TEST_JOB: TestJob = TestJob;

/// The test job for `def_id` when `IMPEX_TEST_JOBS=1`.
pub fn lookup(def_id: i64) -> Option<&'static dyn Job> {
    if def_id == TEST_JOB_ID && std::env::var("IMPEX_TEST_JOBS").as_deref() == Ok("1") {
        Some(&TEST_JOB)
    } else {
        None
    }
}
