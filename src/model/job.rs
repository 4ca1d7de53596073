//! The job contract: what the scheduler hands a job ([`JobContext`]), what a job returns
//! ([`Report`] with its [`Outcome`], or a [`JobError`] whose kind decides retry or stop), and
//! the [`Job`] trait every job implements. The registry of jobs is [`crate::jobs`].
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Everything a job run needs. The job opens its own connection(s) from `db_path`.
#[derive(Clone, Debug)]
pub struct JobContext {
    pub db_path: PathBuf,
    /// `"PlatformConfigDO"."omtBasePath"`.
    pub base: PathBuf,
    pub schedule_id: i64,
    pub schedule_key: String,
    /// `"ScheduleDO"."configId"`.
    pub config_id: Option<i64>,
    /// Set when the process is shutting down: a long job should stop at a safe point.
    pub cancel: Arc<AtomicBool>,
}

impl JobContext {
    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

/// The outcome of a run that did not fail as a whole (IOM: OK / WARN / ERROR).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything worked.
    Ok,
    /// Some items failed (e.g. 1 of 5 files went to error/); the rest is done.
    Warn,
    /// Every item failed.
    Error,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "OK",
            Outcome::Warn => "WARN",
            Outcome::Error => "ERROR",
        }
    }
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct Report {
    pub outcome: Outcome,
    /// Items handled successfully (files, transmissions, ...).
    pub ok_count: i64,
    /// Items that failed.
    pub failed_count: i64,
    /// One line for the history and the log.
    pub message: String,
}

impl Report {
    pub fn ok(ok_count: i64, message: impl Into<String>) -> Self {
        Report { outcome: Outcome::Ok, ok_count, failed_count: 0, message: message.into() }
    }

    /// OK, WARN or ERROR from the counts: ERROR when every item failed.
    pub fn from_counts(ok_count: i64, failed_count: i64, message: impl Into<String>) -> Self {
        let outcome = match (ok_count, failed_count) {
            (_, 0) => Outcome::Ok,
            (0, _) => Outcome::Error,
            _ => Outcome::Warn,
        };
        Report { outcome, ok_count, failed_count, message: message.into() }
    }
}

/// Why a run failed as a whole.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// A resource is temporarily unavailable (server unreachable, timeout, database busy):
    /// the scheduler retries after `retryDelay`.
    #[error("temporary: {0}")]
    Temporary(String),
    /// The situation needs a person (bad configuration, bad credentials, host key mismatch):
    /// the schedule stops and `impex status` says why.
    #[error("{0}")]
    Permanent(String),
}

/// A storage failure during a run is temporary: the database may be busy or the disk full for
/// a while; the scheduler retries after `retryDelay` and stops the schedule when the retries
/// are used up.
impl From<crate::error::StoreError> for JobError {
    fn from(e: crate::error::StoreError) -> Self {
        JobError::Temporary(e.to_string())
    }
}

/// Opening the database failed (missing file, newer schema, busy): temporary, as above.
impl From<crate::error::Error> for JobError {
    fn from(e: crate::error::Error) -> Self {
        JobError::Temporary(e.to_string())
    }
}

/// A job. Implementations are listed in the registry [`crate::jobs::REGISTRY`].
pub trait Job: Sync {
    /// `"JobDefDO"."id"`.
    fn def_id(&self) -> i64;
    /// `"JobDefDO"."name"`.
    fn name(&self) -> &'static str;
    /// Runs once. Must be safe to run again after a crash at any point.
    fn run(&self, ctx: &JobContext) -> Result<Report, JobError>;
}

