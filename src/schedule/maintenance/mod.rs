//! The scheduler's maintenance services, each in its own file with a `run_once` that returns
//! what it did (as river's `internal/maintenance` and Oban's plugins do). The run loop calls
//! them every tick; their tests call `run_once` directly.
//!
//! - [`rescuer`]: releases stale locks of other holders (and this process's own locks whose
//!   job is gone), closing the abandoned history rows.
//! - [`pruner`]: deletes `"JobRunDO"` rows older than the retention, at most once an hour.
//! - [`overlong`]: asks jobs that run longer than their lock allowance to stop.
//! - [`expirer`]: marks reservations past their lifetime EXPIRED, every 10 seconds.
//! - [`documents`]: renders the order documents that are missing, every 10 seconds.
pub mod documents;
pub mod expirer;
pub mod overlong;
pub mod pruner;
pub mod rescuer;
