//! The scheduler: Quartz cron from `"ScheduleDO"`, locks, retries, misfires, job history.
//!
//! - [`cron`]: parsing Quartz expressions (croner).
//! - [`api`]: the Schedule REST API 1.0 services (runtime values); [`health`]: the health
//!   service and the heartbeat of impex processes.
//! - [`zone`]: the time zone crons are read in.
//! - [`due`]: when a schedule is due (pure, clock injected).
//! - [`lock`]: lock holders and the stale-lock rule.
//! - `state`: every change of a schedule's state ([`crate::db::state::schedule`]).
//! - [`maintenance`]: the stale lock rescuer, the history pruner and the over-long job watcher.
//! - `signals`: SIGTERM/SIGINT.
//! - [`runner`]: the run loop (`impex run`, `run --once`, `trigger`) on std threads; `pool`:
//!   the worker threads its jobs run on.
pub mod api;
pub mod cron;
pub mod health;
pub mod due;
pub mod maintenance;
mod pool;
pub mod lock;
/// `"JobRunDO"` retention (see [`maintenance::pruner`]).
pub use maintenance::pruner as history;
pub mod runner;
mod signals;
pub use crate::db::state::schedule as state;
pub mod zone;
