//! The job history pruner: `"JobRunDO"` rows older than the retention are deleted, at most once
//! per [`PRUNE_EVERY`] by the run loop.
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::db::queries::schedule as q;
use crate::db::Conn;
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

    /// Deletes old rows if the last prune is more than [`PRUNE_EVERY`] ago; returns how many.
    pub fn run_once(&mut self, conn: &Conn, now: DateTime<Utc>) -> Result<usize> {
        if self.last.is_some_and(|l| l.elapsed() < PRUNE_EVERY) {
            return Ok(0);
        }
        self.last = Some(Instant::now());
        let before = crate::time::format(now - chrono::Duration::days(self.days as i64));
        Ok(q::prune_runs(conn, &before)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Finished rows older than the retention go, recent and RUNNING ones stay; the next pass
    /// within the hour does nothing.
    #[test]
    fn prunes_old_finished_runs_once_an_hour() {
        let conn = crate::db::memory();
        conn.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
        let now = Utc::now();
        let old = crate::time::format(now - chrono::Duration::days(40));
        let recent = crate::time::format(now - chrono::Duration::days(1));
        for (start, outcome) in [(&old, "OK"), (&old, "RUNNING"), (&recent, "OK")] {
            conn.execute(
                r#"INSERT INTO "JobRunDO" ("scheduleRef", "scheduleKey", "jobDefRef", "startTime", "outcome", "runBy") VALUES (1, 'k', 3, ?1, ?2, 'me')"#,
                &[start, &outcome],
            )
            .unwrap();
        }
        let mut p = Pruner::new(28);
        assert_eq!(p.run_once(&conn, now).unwrap(), 1);
        conn.execute(r#"INSERT INTO "JobRunDO" ("scheduleRef", "scheduleKey", "jobDefRef", "startTime", "outcome", "runBy") VALUES (1, 'k', 3, ?1, 'OK', 'me')"#, &[&old]).unwrap();
        assert_eq!(p.run_once(&conn, now).unwrap(), 0, "not again within the hour");
        assert_eq!(conn.query_i64(r#"SELECT count(*) FROM "JobRunDO""#, &[]).unwrap(), 3);
    }
}
