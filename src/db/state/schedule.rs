//! The one place that changes a schedule's state in `"ScheduleDO"`.
//!
//! A schedule is, at any time, in one of these states (derived from its columns):
//! - **idle**: `lockedSince` NULL, `stoppedSince` NULL; due by cron or `nextRetry` (see `due`).
//!   Left by [`claim`] / [`claim_forced`] (the scheduler) or [`stop_unrunnable`].
//! - **running**: `lockedSince`/`lockedBy` set. Left by [`finish`] (the holder), by
//!   [`release_stale`] (any scheduler, when the holder is gone or the lock is too old, see
//!   `lock`), or by [`release_own`] (the holder at exit).
//! - **retrying**: idle with `countRetry` > 0 and `nextRetry` set.
//! - **stopped**: `stoppedSince` set (retries exhausted, a permanent error, an unknown job or a
//!   bad cron); `lastMessage` says why. Only a person leaves it: `UPDATE "ScheduleDO" SET
//!   "stoppedSince" = NULL, "countRetry" = 0`, a successful `impex trigger`, or
//!   `reactivateOnStart` = 1 when `impex run` starts ([`reactivate_on_start`]).
//!
//! `lastOutcome` ([`LastOutcome`], CHECK list in schema.sql) is the outcome of the last run.
use crate::db::Conn;
use chrono::{DateTime, Utc};
use crate::db::params;

use crate::db::queries::schedule::ScheduleRow;
use crate::error::{Error, Result};
use crate::model::job::{JobError, Outcome, Report};
use crate::time;

/// `"ScheduleDO"."lastOutcome"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LastOutcome {
    Ok,
    Warn,
    Error,
    Retry,
}

impl LastOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            LastOutcome::Ok => "OK",
            LastOutcome::Warn => "WARN",
            LastOutcome::Error => "ERROR",
            LastOutcome::Retry => "RETRY",
        }
    }

    fn from_report(o: Outcome) -> Self {
        match o {
            Outcome::Ok => LastOutcome::Ok,
            Outcome::Warn => LastOutcome::Warn,
            Outcome::Error => LastOutcome::Error,
        }
    }
}

/// What a finished run does to its schedule ([`after_run`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterRun {
    /// The job returned a report (OK, WARN or ERROR): retries are reset, a stop is lifted.
    Done { outcome: LastOutcome, message: String },
    /// A temporary failure with retries left: try again at `next_retry` (NULL = next cron time).
    Retry { count: i64, next_retry: Option<DateTime<Utc>>, message: String },
    /// A permanent failure or retries exhausted: the schedule stops.
    Stop { count: i64, message: String },
    /// The job gave up because impex is shutting down: run again as soon as possible, no retry
    /// is counted.
    Interrupted { message: String },
}

impl AfterRun {
    /// The `"JobRunDO"."outcome"` of the run.
    pub fn history_outcome(&self) -> &'static str {
        match self {
            AfterRun::Done { outcome, .. } => outcome.as_str(),
            AfterRun::Retry { .. } | AfterRun::Interrupted { .. } => "RETRY",
            AfterRun::Stop { .. } => "ERROR",
        }
    }

    pub fn message(&self) -> &str {
        match self {
            AfterRun::Done { message, .. } | AfterRun::Retry { message, .. } | AfterRun::Stop { message, .. } | AfterRun::Interrupted { message } => message,
        }
    }

    /// Whether `run --once` and `trigger` count the run as failed.
    pub fn failed(&self) -> bool {
        !matches!(self, AfterRun::Done { outcome: LastOutcome::Ok | LastOutcome::Warn, .. })
    }
}

/// What a run that returned a report does to its schedule (whatever the schedule's retry
/// settings: [`after_run`] with an `Ok` result).
pub fn after_report(r: &Report) -> AfterRun {
    AfterRun::Done { outcome: LastOutcome::from_report(r.outcome), message: r.message.clone() }
}

/// Decides what a run's result does to the schedule. Retry rule: `countRetry` counts failed runs
/// since the last success; after a temporary failure it grows by one, and when it exceeds
/// `maxNoOfRetries` the schedule stops (so `maxNoOfRetries` = 2 allows the first run plus two
/// retries; 0 stops at the first failure). The next try is `retryDelay` later; a NULL or
/// unreadable `retryDelay` means the next cron fire time.
pub fn after_run(s: &ScheduleRow, result: &std::result::Result<Report, JobError>, now: DateTime<Utc>, shutting_down: bool) -> AfterRun {
    match result {
        Ok(r) => after_report(r),
        Err(JobError::Temporary(m)) if shutting_down => AfterRun::Interrupted { message: format!("interrupted by shutdown: {m}") },
        Err(JobError::Temporary(m)) => {
            let count = s.count_retry + 1;
            if count > s.max_no_of_retries {
                AfterRun::Stop {
                    count,
                    message: format!("{m}; retries exhausted ({} failed run{} in a row, maxNoOfRetries {}): schedule stopped", count, if count == 1 { "" } else { "s" }, s.max_no_of_retries),
                }
            } else {
                let delay = s.retry_delay.as_deref().and_then(time::parse_delay);
                let next_retry = delay.and_then(|d| chrono::Duration::from_std(d).ok()).map(|d| now + d);
                let when = match (&next_retry, &s.retry_delay) {
                    (Some(_), Some(d)) => format!("in {d}"),
                    (None, Some(d)) => format!("at the next cron time (retryDelay `{d}` is unreadable)"),
                    _ => "at the next cron time".into(),
                };
                AfterRun::Retry { count, next_retry, message: format!("{m}; retry {count} of {} {when}", s.max_no_of_retries) }
            }
        }
        Err(JobError::Permanent(m)) => AfterRun::Stop { count: s.count_retry, message: format!("{m}; schedule stopped") },
    }
}

/// Claims an idle, due schedule for `holder`: sets the lock and `lastRun`, and clears a
/// `fixedNextRun` (it is used up by this attempt). Optimistic: only if the row still has the
/// `lastRun`, `nextRetry` and `fixedNextRun` that were read (another process that ran it in
/// between changed them) and is still active (the effective value: an `activeRuntime` = false
/// set meanwhile wins). Returns false when someone else was first.
pub fn claim(conn: &Conn, s: &ScheduleRow, holder: &str, now: &str) -> Result<bool> {
    let n = conn.execute(r#"UPDATE "ScheduleDO" SET "lockedSince" = ?2, "lockedBy" = ?3, "lastRun" = ?2
               WHERE "id" = ?1 AND "lockedSince" IS NULL AND "lastRun" IS ?4 AND "nextRetry" IS ?5
                 AND coalesce((SELECT "activeRuntime" FROM "ScheduleRuntimeDO" WHERE "scheduleRef" = ?1), "active")
                 AND (SELECT "fixedNextRun" FROM "ScheduleRuntimeDO" WHERE "scheduleRef" = ?1) IS ?6
                 AND ("stoppedSince" IS NULL OR ?6 IS NOT NULL)"#, params![s.id, now, holder, s.last_run, s.next_retry, s.fixed_next_run])?;
    if n == 1 && s.fixed_next_run.is_some() {
        clear_fixed_next_run(conn, s.id)?;
    }
    Ok(n == 1)
}

/// [`claim`] for many schedules at once (one scheduling round): each `(row as read, fire time)`
/// is claimed under the same conditions. Returns the ids claimed. On PostgreSQL one statement
/// claims them all (a round trip per statement is most of a round's time there); on SQLite a
/// cached statement per row costs less than building one for many.
pub fn claim_all(conn: &Conn, items: &[(ScheduleRow, DateTime<Utc>)], holder: &str, now: &str) -> Result<Vec<i64>> {
    let mut claimed = Vec::with_capacity(items.len());
    if !conn.is_postgres() {
        for (s, _) in items {
            if claim(conn, s, holder, now)? {
                claimed.push(s.id);
            }
        }
        return Ok(claimed);
    }
    if items.is_empty() {
        return Ok(claimed);
    }
    // (in the order of the ids: the claims of two nodes lock their rows in one order, and
    // cannot wait for each other; they take no writers' turn: Conn::write_rows)
    let mut by_id: Vec<&ScheduleRow> = items.iter().map(|(s, _)| s).collect();
    by_id.sort_by_key(|s| s.id);
    let rows: Vec<serde_json::Value> = by_id
        .iter()
        .map(|s| serde_json::json!({ "id": s.id, "lastRun": s.last_run, "nextRetry": s.next_retry, "fixedNextRun": s.fixed_next_run }))
        .collect();
    let rows = serde_json::Value::Array(rows).to_string();
    claimed = conn.query_map(
        r#"UPDATE "ScheduleDO" s SET "lockedSince" = CAST(?2 AS timestamptz), "lockedBy" = ?3, "lastRun" = CAST(?2 AS timestamptz)
           FROM (SELECT v.*, rt."activeRuntime", rt."fixedNextRun" AS "fixedNow"
                 FROM json_to_recordset(CAST(CAST(?1 AS text) AS json)) AS v("id" int8, "lastRun" timestamptz, "nextRetry" timestamptz, "fixedNextRun" timestamptz)
                 LEFT JOIN "ScheduleRuntimeDO" rt ON rt."scheduleRef" = v."id") v
           WHERE s."id" = v."id" AND s."lockedSince" IS NULL
             AND s."lastRun" IS NOT DISTINCT FROM v."lastRun" AND s."nextRetry" IS NOT DISTINCT FROM v."nextRetry"
             AND coalesce(v."activeRuntime", s."active") AND v."fixedNow" IS NOT DISTINCT FROM v."fixedNextRun"
             AND (s."stoppedSince" IS NULL OR v."fixedNextRun" IS NOT NULL)
           RETURNING s."id""#,
        params![rows, now, holder],
        |r| r.get::<i64>(0),
    )?;
    for (s, _) in items {
        if s.fixed_next_run.is_some() && claimed.contains(&s.id) {
            clear_fixed_next_run(conn, s.id)?;
        }
    }
    Ok(claimed)
}

fn clear_fixed_next_run(conn: &Conn, id: i64) -> Result<()> {
    conn.execute(r#"UPDATE "ScheduleRuntimeDO" SET "fixedNextRun" = NULL, "modificationDate" = ?2 WHERE "scheduleRef" = ?1 AND "fixedNextRun" IS NOT NULL"#, params![id, time::now_text()])?;
    Ok(())
}

/// Claims a schedule regardless of cron, `active` and a stop (`impex trigger`); only a lock
/// stops it. A `fixedNextRun` is used up by it. Returns false when it is locked.
pub fn claim_forced(conn: &Conn, id: i64, holder: &str, now: &str) -> Result<bool> {
    let n = conn.execute(
        r#"UPDATE "ScheduleDO" SET "lockedSince" = ?2, "lockedBy" = ?3, "lastRun" = ?2
           WHERE "id" = ?1 AND "lockedSince" IS NULL"#,
        params![id, now, holder],
    )?;
    if n == 1 {
        clear_fixed_next_run(conn, id)?;
    }
    Ok(n == 1)
}

/// A change of one runtime value (`PATCH /schedulestates/{id}`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Change<T> {
    /// Left as it is.
    #[default]
    Keep,
    /// The runtime value is set: it is used instead of the configured one.
    Set(T),
    /// The runtime value is removed: the configured one applies again.
    Reset,
}

/// The runtime values to change of one schedule (`"ScheduleRuntimeDO"`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuntimeChange {
    pub active: Change<bool>,
    /// Validated by the caller (Quartz syntax).
    pub cron: Change<String>,
    pub reactivate_on_start: Change<bool>,
    pub max_no_of_retries: Change<i64>,
    /// Validated by the caller (`<n>s|m|h|d`).
    pub retry_delay: Change<String>,
    /// impex timestamp text (UTC).
    pub fixed_next_run: Change<String>,
    /// Releases the lock (`lockedSince`, `lockedBy`); the holder's own `finish` then fails
    /// with a conflict and is logged. May lead to the job running twice at the same time.
    pub remove_lock: bool,
}

/// Applies `c` to schedule `id` in the caller's unit of work. Returns false when there is no
/// such schedule (nothing is changed).
pub fn set_runtime(conn: &Conn, id: i64, c: &RuntimeChange, now: &str) -> Result<bool> {
    use crate::db::Value as V;
    let exists: i64 = conn.query_row(r#"SELECT count(*) FROM "ScheduleDO" WHERE "id" = ?1"#, params![id], |r| r.get(0))?;
    if exists == 0 {
        return Ok(false);
    }
    conn.execute(r#"INSERT OR IGNORE INTO "ScheduleRuntimeDO" ("scheduleRef", "modificationDate") VALUES (?1, ?2)"#, params![id, now])?;
    fn v<T: Clone>(c: &Change<T>, f: impl Fn(T) -> V) -> Option<V> {
        match c {
            Change::Keep => None,
            Change::Set(x) => Some(f(x.clone())),
            Change::Reset => Some(V::Null),
        }
    }
    let cols: [(&str, Option<V>); 6] = [
        ("activeRuntime", v(&c.active, |b| V::Integer(b as i64))),
        ("cronRuntime", v(&c.cron, V::Text)),
        ("reactivateOnStartRuntime", v(&c.reactivate_on_start, |b| V::Integer(b as i64))),
        ("maxNoOfRetriesRuntime", v(&c.max_no_of_retries, V::Integer)),
        ("retryDelayRuntime", v(&c.retry_delay, V::Text)),
        ("fixedNextRun", v(&c.fixed_next_run, V::Text)),
    ];
    for (col, val) in cols {
        if let Some(val) = val {
            conn.execute(
                &format!(r#"UPDATE "ScheduleRuntimeDO" SET "{col}" = ?2, "modificationDate" = ?3 WHERE "scheduleRef" = ?1"#),
                params![id, val, now],
            )?;
        }
    }
    if c.remove_lock {
        conn.execute(r#"UPDATE "ScheduleDO" SET "lockedSince" = NULL, "lockedBy" = NULL WHERE "id" = ?1"#, params![id])?;
    }
    Ok(true)
}

/// Ends a run: releases `holder`'s lock and applies `after`. Fails when `holder` no longer holds
/// the lock (it was released as stale by another process).
pub fn finish(conn: &Conn, id: i64, holder: &str, after: &AfterRun, now: &str) -> Result<()> {
    let sql = match after {
        AfterRun::Done { .. } => {
            r#"UPDATE "ScheduleDO" SET "lockedSince" = NULL, "lockedBy" = NULL, "countRetry" = 0, "nextRetry" = NULL,
                   "stoppedSince" = NULL, "lastOutcome" = ?3, "lastMessage" = ?4
               WHERE "id" = ?1 AND "lockedBy" = ?2"#
        }
        AfterRun::Retry { .. } => {
            r#"UPDATE "ScheduleDO" SET "lockedSince" = NULL, "lockedBy" = NULL, "countRetry" = ?5, "nextRetry" = ?6,
                   "lastOutcome" = ?3, "lastMessage" = ?4
               WHERE "id" = ?1 AND "lockedBy" = ?2"#
        }
        AfterRun::Stop { .. } => {
            r#"UPDATE "ScheduleDO" SET "lockedSince" = NULL, "lockedBy" = NULL, "countRetry" = ?5, "nextRetry" = NULL,
                   "stoppedSince" = ?6, "lastOutcome" = ?3, "lastMessage" = ?4
               WHERE "id" = ?1 AND "lockedBy" = ?2"#
        }
        AfterRun::Interrupted { .. } => {
            r#"UPDATE "ScheduleDO" SET "lockedSince" = NULL, "lockedBy" = NULL, "nextRetry" = ?5,
                   "lastOutcome" = ?3, "lastMessage" = ?4
               WHERE "id" = ?1 AND "lockedBy" = ?2"#
        }
    };
    let (outcome, count, next) = match after {
        AfterRun::Done { outcome, .. } => (outcome.as_str(), None, None),
        AfterRun::Retry { count, next_retry, .. } => ("RETRY", Some(*count), next_retry.map(time::format)),
        AfterRun::Stop { count, .. } => ("ERROR", Some(*count), None),
        AfterRun::Interrupted { .. } => ("RETRY", None, None),
    };
    let n = match after {
        AfterRun::Done { .. } => conn.execute(sql, params![id, holder, outcome, after.message()])?,
        AfterRun::Retry { .. } => conn.execute(sql, params![id, holder, outcome, after.message(), count, next])?,
        AfterRun::Stop { .. } => conn.execute(sql, params![id, holder, outcome, after.message(), count, now])?,
        AfterRun::Interrupted { .. } => conn.execute(sql, params![id, holder, outcome, after.message(), now])?,
    };
    if n != 1 {
        return Err(Error::Conflict(format!("ScheduleDO id {id}: the lock is no longer held by {holder} (released as stale by another process?)")));
    }
    Ok(())
}

/// [`finish`] for many runs at once (one round): `(schedule id, what the run does to it)`.
/// Returns the ids whose lock `holder` no longer held (nothing is changed for those). On
/// PostgreSQL one statement, on SQLite a cached one per row (as [`claim_all`]).
pub fn finish_all(conn: &Conn, items: &[(i64, &AfterRun)], holder: &str, now: &str) -> Result<Vec<i64>> {
    let mut lost = Vec::new();
    if !conn.is_postgres() {
        for (id, after) in items {
            match finish(conn, *id, holder, after, now) {
                Ok(()) => {}
                Err(Error::Conflict(_)) => lost.push(*id),
                Err(e) => return Err(e),
            }
        }
        return Ok(lost);
    }
    if items.is_empty() {
        return Ok(lost);
    }
    let rows: Vec<serde_json::Value> = items
        .iter()
        .map(|(id, after)| {
            let (kind, count, next) = match after {
                AfterRun::Done { .. } => ("done", None, None),
                AfterRun::Retry { count, next_retry, .. } => ("retry", Some(*count), next_retry.map(time::format)),
                AfterRun::Stop { count, .. } => ("stop", Some(*count), None),
                AfterRun::Interrupted { .. } => ("interrupted", None, None),
            };
            serde_json::json!({ "id": id, "kind": kind, "outcome": after.history_outcome(), "message": after.message(), "count": count, "nextRetry": next })
        })
        .collect();
    let rows = serde_json::Value::Array(rows).to_string();
    // (the columns as `finish` sets them for each kind of outcome)
    let done = conn.query_map(
        r#"UPDATE "ScheduleDO" s SET "lockedSince" = NULL, "lockedBy" = NULL,
               "countRetry" = CASE v."kind" WHEN 'done' THEN 0 WHEN 'interrupted' THEN s."countRetry" ELSE v."count" END,
               "nextRetry" = CASE v."kind" WHEN 'retry' THEN v."nextRetry" WHEN 'interrupted' THEN CAST(?3 AS timestamptz) ELSE NULL END,
               "stoppedSince" = CASE v."kind" WHEN 'done' THEN NULL WHEN 'stop' THEN CAST(?3 AS timestamptz) ELSE s."stoppedSince" END,
               "lastOutcome" = v."outcome", "lastMessage" = v."message"
           FROM json_to_recordset(CAST(CAST(?1 AS text) AS json)) AS v("id" int8, "kind" text, "outcome" text, "message" text, "count" int8, "nextRetry" timestamptz)
           WHERE s."id" = v."id" AND s."lockedBy" = ?2
           RETURNING s."id""#,
        params![rows, holder, now],
        |r| r.get::<i64>(0),
    )?;
    lost.extend(items.iter().map(|(id, _)| *id).filter(|id| !done.contains(id)));
    Ok(lost)
}

/// Stops an idle schedule that cannot run (unknown job, bad cron); `message` says why.
pub fn stop_unrunnable(conn: &Conn, id: i64, now: &str, message: &str) -> Result<bool> {
    let n = conn.execute(
        r#"UPDATE "ScheduleDO" SET "stoppedSince" = ?2, "lastOutcome" = 'ERROR', "lastMessage" = ?3
           WHERE "id" = ?1 AND "stoppedSince" IS NULL AND "lockedSince" IS NULL"#,
        params![id, now, message],
    )?;
    Ok(n == 1)
}

/// Releases a stale lock (still exactly as it was read). The abandoned run is not counted as a
/// failure; the schedule runs again as soon as possible (`nextRetry` = now).
pub fn release_stale(conn: &Conn, id: i64, locked_by: Option<&str>, locked_since: &str, now: &str, message: &str) -> Result<bool> {
    let n = conn.execute(
        r#"UPDATE "ScheduleDO" SET "lockedSince" = NULL, "lockedBy" = NULL, "nextRetry" = ?4, "lastMessage" = ?5
           WHERE "id" = ?1 AND "lockedBy" IS ?2 AND "lockedSince" = ?3"#,
        params![id, locked_by, locked_since, now, message],
    )?;
    Ok(n == 1)
}

/// Releases every lock `holder` still has (at exit); those schedules run again as soon as
/// possible. Returns how many.
pub fn release_own(conn: &Conn, holder: &str, now: &str, message: &str) -> Result<usize> {
    Ok(conn.execute(
        r#"UPDATE "ScheduleDO" SET "lockedSince" = NULL, "lockedBy" = NULL, "nextRetry" = ?2, "lastOutcome" = 'RETRY', "lastMessage" = ?3
           WHERE "lockedBy" = ?1"#,
        params![holder, now, message],
    )?)
}

/// `reactivateOnStart` = 1 (the effective value: `reactivateOnStartRuntime`, else the
/// configured one): lifts the stop and resets the retries. Returns how many.
pub fn reactivate_on_start(conn: &Conn) -> Result<usize> {
    Ok(conn.execute(
        r#"UPDATE "ScheduleDO" SET "stoppedSince" = NULL, "countRetry" = 0, "nextRetry" = NULL
           WHERE coalesce((SELECT "reactivateOnStartRuntime" FROM "ScheduleRuntimeDO" r WHERE r."scheduleRef" = "ScheduleDO"."id"), "reactivateOnStart")
             AND ("stoppedSince" IS NOT NULL OR "countRetry" > 0)"#,
        params![],
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn row(count: i64, max: i64, delay: Option<&str>) -> ScheduleRow {
        ScheduleRow {
            id: 1,
            key: "k".into(),
            active: true,
            config_id: None,
            cron: "* * * * * ?".into(),
            expected_runtime: None,
            job_def_ref: 1,
            job_name: None,
            last_run: None,
            locked_since: None,
            locked_by: None,
            max_no_of_retries: max,
            retry_delay: delay.map(String::from),
            count_retry: count,
            reactivate_on_start: false,
            next_retry: None,
            stopped_since: None,
            last_outcome: None,
            last_message: None,
            fixed_next_run: None,
        }
    }

    #[test]
    fn runtime_values_steer_claims_and_reactivation() {
        use crate::db::queries::schedule as q;
        let mut c = crate::db::memory();
        c.execute_batch(
            r#"INSERT INTO "JobDefDO" ("id", "name") VALUES (1, 'j');
               INSERT INTO "ScheduleDO" ("id", "active", "cron", "jobDefRef", "key", "stoppedSince", "countRetry", "reactivateOnStart")
               VALUES (1, 1, '* * * * * ?', 1, 'a', NULL, 0, 0), (2, 1, '* * * * * ?', 1, 'b', '2026-01-01 00:00:00.000', 3, 0);"#,
        )
        .unwrap();
        let now = "2026-01-01 00:00:01.000";
        let set = |c: &mut Conn, id: i64, ch: RuntimeChange| {
            let tx = c.write().unwrap();
            assert!(set_runtime(&tx, id, &ch, now).unwrap());
            tx.commit().unwrap();
        };
        // activeRuntime = false: not runnable, and a claim from an older read fails
        let read = q::by_id(&c, 1).unwrap().unwrap();
        set(&mut c, 1, RuntimeChange { active: Change::Set(false), ..Default::default() });
        assert!(q::runnable(&c).unwrap().is_empty());
        assert!(!claim(&c, &read, "me", now).unwrap());
        set(&mut c, 1, RuntimeChange { active: Change::Reset, cron: Change::Set("0 0 * * * ?".into()), ..Default::default() });
        let r = q::by_id(&c, 1).unwrap().unwrap();
        assert_eq!((r.active, r.cron.as_str()), (true, "0 0 * * * ?"));
        // fixedNextRun makes a stopped schedule runnable; the claim uses it up
        set(&mut c, 2, RuntimeChange { fixed_next_run: Change::Set(now.into()), ..Default::default() });
        let r = q::runnable(&c).unwrap().into_iter().find(|r| r.id == 2).expect("a stopped schedule with a fixed next run is runnable");
        assert!(claim(&c, &r, "me", now).unwrap());
        assert_eq!(q::by_id(&c, 2).unwrap().unwrap().fixed_next_run, None);
        // reactivateOnStartRuntime counts at start
        finish(&c, 2, "me", &AfterRun::Stop { count: 4, message: "x".into() }, now).unwrap();
        assert_eq!(reactivate_on_start(&c).unwrap(), 0);
        set(&mut c, 2, RuntimeChange { reactivate_on_start: Change::Set(true), ..Default::default() });
        assert_eq!(reactivate_on_start(&c).unwrap(), 1);
        // no such schedule: nothing written
        let tx = c.write().unwrap();
        assert!(!set_runtime(&tx, 99, &RuntimeChange { active: Change::Set(true), ..Default::default() }, now).unwrap());
    }

    #[test]
    fn retry_rule() {
        let now = Utc.with_ymd_and_hms(2026, 5, 1, 12, 0, 0).unwrap();
        let temp = Err(JobError::Temporary("server down".into()));
        match after_run(&row(0, 2, Some("5m")), &temp, now, false) {
            AfterRun::Retry { count: 1, next_retry: Some(t), .. } => assert_eq!(t, now + chrono::Duration::minutes(5)),
            other => panic!("{other:?}"),
        }
        assert!(matches!(after_run(&row(1, 2, Some("5m")), &temp, now, false), AfterRun::Retry { count: 2, .. }));
        assert!(matches!(after_run(&row(2, 2, Some("5m")), &temp, now, false), AfterRun::Stop { count: 3, .. }));
        assert!(matches!(after_run(&row(0, 0, Some("5m")), &temp, now, false), AfterRun::Stop { count: 1, .. }));
        assert!(matches!(after_run(&row(0, 2, None), &temp, now, false), AfterRun::Retry { next_retry: None, .. }));
        assert!(matches!(after_run(&row(0, 2, None), &temp, now, true), AfterRun::Interrupted { .. }));
        let perm = Err(JobError::Permanent("bad password".into()));
        let a = after_run(&row(0, 5, Some("1m")), &perm, now, false);
        assert!(matches!(a, AfterRun::Stop { .. }) && a.failed() && a.history_outcome() == "ERROR");
        let warn = Ok(Report::from_counts(1, 1, "1 of 2 failed"));
        let a = after_run(&row(3, 5, Some("1m")), &warn, now, false);
        assert_eq!(a, AfterRun::Done { outcome: LastOutcome::Warn, message: "1 of 2 failed".into() });
        assert!(!a.failed());
        assert!(after_run(&row(0, 5, None), &Ok(Report::from_counts(0, 2, "all failed")), now, false).failed());
    }
}
