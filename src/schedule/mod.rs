//! The scheduler: Quartz cron from `"ScheduleDO"`, locks, retries, misfires, job history.
//!
//! - [`cron`]: parsing Quartz expressions (croner).
//! - [`zone`]: the time zone crons are read in.
//! - [`due`]: when a schedule is due (pure, clock injected).
//! - [`lock`]: lock holders and the stale-lock rule.
//! - `state`: every change of a schedule's state ([`crate::db::state::schedule`]).
//! - [`history`]: `"JobRunDO"` retention.
//! - `signals`: SIGTERM/SIGINT.
//! - [`runner`]: the run loop (`impex run`, `run --once`, `trigger`) on std threads.
pub mod cron;
pub mod due;
pub mod history;
pub mod lock;
pub mod runner;
mod signals;
pub use crate::db::state::schedule as state;
pub mod zone;
