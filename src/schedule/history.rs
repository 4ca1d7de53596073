//! Job history retention: `"JobRunDO"` rows older than the retention are deleted, at most once
//! per [`PRUNE_EVERY`] by the run loop.
use crate::db::Conn;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::db::queries::schedule as q;
use crate::error::Result;

/// Default retention (`impex run --history-days`).
pub const DEFAULT_DAYS: u32 = 28;
/// How often the run loop prunes.
pub const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// Prunes the history when due.
#[derive(Debug)]
pub struct Pruner {
    days: u32,
    last: Option<Instant>,
}

impl Pruner {
    pub fn new(days: u32) -> Self {
        Pruner { days, last: None }
    }

    /// Deletes old rows if the last prune is more than an hour ago; returns how many.
    pub fn maybe_prune(&mut self, conn: &Conn, now: DateTime<Utc>) -> Result<usize> {
        if self.last.is_some_and(|l| l.elapsed() < PRUNE_EVERY) {
            return Ok(0);
        }
        self.last = Some(Instant::now());
        let before = crate::time::format(now - chrono::Duration::days(self.days as i64));
        Ok(q::prune_runs(conn, &before)?)
    }
}
