//! The stale lock rescuer: a schedule whose lock holder is gone (or, on another host, that
//! holds the lock longer than its allowance, see [`crate::schedule::lock`]) is released, so
//! that it runs again as soon as possible; the abandoned run is not counted as a failure and
//! its RUNNING history row is closed.
use chrono::{DateTime, Utc};
use tracing::warn;

use crate::db::queries::heartbeat as hb;
use crate::db::queries::schedule as q;
use crate::db::Conn;
use crate::error::Result;
use crate::schedule::lock::{self, Holder};
use crate::schedule::state;
use crate::time;

/// What one pass released: (schedule key, message) per lock.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RescueReport {
    pub released: Vec<(String, String)>,
}

/// The rescuer of one scheduler process.
#[derive(Debug, Clone)]
pub struct Rescuer {
    me: Holder,
    holder: String,
}

impl Rescuer {
    pub fn new(me: Holder) -> Self {
        Rescuer { holder: me.to_string(), me }
    }

    /// Releases every stale lock; `runs_job(id)` says whether this process runs schedule `id`
    /// (its own lock without a running job is stale: that run's outcome could not be
    /// recorded).
    pub fn run_once(&self, conn: &mut Conn, runs_job: impl Fn(i64) -> bool, now: DateTime<Utc>) -> Result<RescueReport> {
        let mut report = RescueReport::default();
        for r in q::locked(conn)? {
            let reason = if r.locked_by.as_deref() == Some(self.holder.as_str()) {
                if runs_job(r.id) {
                    continue;
                }
                "this process holds the lock but runs no job for it".to_string()
            } else {
                let since = r.locked_since.as_deref().and_then(time::parse);
                let remote = r.locked_by.as_deref().and_then(Holder::parse).filter(|h| h.host != self.me.host);
                let session_alive = match (&remote, &r.locked_by) {
                    (Some(_), Some(by)) => hb::holder_alive(conn, by)?,
                    _ => None,
                };
                let Some(reason) = lock::stale_reason(r.locked_by.as_deref(), since, r.expected_runtime, &self.me, now, session_alive) else { continue };
                reason
            };
            let now_text = time::format(now);
            let msg = format!("stale lock released: {reason}; the abandoned run is not counted as a failure");
            let tx = conn.write()?;
            let released = state::release_stale(&tx, r.id, r.locked_by.as_deref(), r.locked_since.as_deref().unwrap_or(""), &now_text, &msg)?;
            if released {
                if let Some(by) = &r.locked_by {
                    q::abandon_runs(&tx, Some(r.id), by, &now_text, &format!("abandoned: {reason}"))?;
                }
            }
            tx.commit()?;
            if released {
                warn!(schedule = %r.key, "{msg}");
                report.released.push((r.key, msg));
            }
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A lock of a gone process on this host is released once; a lock of this process with a
    /// running job is kept.
    #[test]
    fn releases_the_lock_of_a_gone_holder_and_keeps_a_running_one() {
        let mut conn = crate::db::memory();
        let me = Holder::this_process();
        let gone = Holder { host: me.host.clone(), pid: u32::MAX, start: 1 };
        conn.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
        for (id, by) in [(1, gone.to_string()), (2, me.to_string())] {
            conn.execute(
                r#"INSERT INTO "ScheduleDO" ("id", "key", "active", "cron", "jobDefRef", "lockedSince", "lockedBy") VALUES (?1, ?2, 1, '0 0 * * * ?', 3, now(), ?3)"#,
                &[&id, &format!("s{id}"), &by],
            )
            .unwrap();
        }
        let rescuer = Rescuer::new(me);
        let report = rescuer.run_once(&mut conn, |id| id == 2, Utc::now()).unwrap();
        assert_eq!(report.released.len(), 1, "{report:?}");
        assert_eq!(report.released[0].0, "s1");
        assert!(report.released[0].1.contains("is gone"), "{report:?}");
        assert_eq!(conn.query_i64(r#"SELECT count(*) FROM "ScheduleDO" WHERE "lockedSince" IS NOT NULL"#, &[]).unwrap(), 1);
        assert!(rescuer.run_once(&mut conn, |id| id == 2, Utc::now()).unwrap().released.is_empty());
        // without its job, this process's own lock is stale too
        assert_eq!(rescuer.run_once(&mut conn, |_| false, Utc::now()).unwrap().released.len(), 1);
    }
}
