//! Queries on `"ScheduleDO"` (reads) and the job history `"JobRunDO"`. State changes of
//! `"ScheduleDO"` are in [`crate::schedule::state`].
use crate::db::{Conn, StoreResult};
use rusqlite::{params, OptionalExtension, Row};

/// A `"ScheduleDO"` row with its job's name.
#[derive(Debug, Clone)]
pub struct ScheduleRow {
    pub id: i64,
    pub key: String,
    pub active: bool,
    pub config_id: Option<i64>,
    pub cron: String,
    pub expected_runtime: Option<i64>,
    pub job_def_ref: i64,
    pub job_name: Option<String>,
    pub last_run: Option<String>,
    pub locked_since: Option<String>,
    pub locked_by: Option<String>,
    pub max_no_of_retries: i64,
    pub retry_delay: Option<String>,
    pub count_retry: i64,
    pub reactivate_on_start: bool,
    pub next_retry: Option<String>,
    pub stopped_since: Option<String>,
    pub last_outcome: Option<String>,
    pub last_message: Option<String>,
}

const SELECT: &str = r#"SELECT s."id", s."key", s."active", s."configId", s."cron", s."expectedRuntime",
       s."jobDefRef", j."name", s."lastRun", s."lockedSince", s."lockedBy", s."maxNoOfRetries",
       s."retryDelay", s."countRetry", s."reactivateOnStart", s."nextRetry", s."stoppedSince",
       s."lastOutcome", s."lastMessage"
  FROM "ScheduleDO" s LEFT JOIN "JobDefDO" j ON j."id" = s."jobDefRef""#;

fn row(r: &Row<'_>) -> rusqlite::Result<ScheduleRow> {
    Ok(ScheduleRow {
        id: r.get(0)?,
        key: r.get(1)?,
        active: r.get::<_, i64>(2)? != 0,
        config_id: r.get(3)?,
        cron: r.get(4)?,
        expected_runtime: r.get(5)?,
        job_def_ref: r.get(6)?,
        job_name: r.get(7)?,
        last_run: r.get(8)?,
        locked_since: r.get(9)?,
        locked_by: r.get(10)?,
        max_no_of_retries: r.get(11)?,
        retry_delay: r.get(12)?,
        count_retry: r.get(13)?,
        reactivate_on_start: r.get::<_, i64>(14)? != 0,
        next_retry: r.get(15)?,
        stopped_since: r.get(16)?,
        last_outcome: r.get(17)?,
        last_message: r.get(18)?,
    })
}

fn query(conn: &Conn, filter: &str, p: impl rusqlite::Params) -> StoreResult<Vec<ScheduleRow>> {
    let mut st = conn.sql().prepare_cached(&format!("{SELECT} {filter}"))?;
    let rows = st.query_map(p, row)?;
    rows.collect::<rusqlite::Result<_>>().map_err(Into::into)
}

/// Every schedule, by key.
pub fn all(conn: &Conn) -> StoreResult<Vec<ScheduleRow>> {
    query(conn, r#"ORDER BY s."key""#, [])
}

/// Schedules that may be claimed: active, not stopped, not locked.
pub fn runnable(conn: &Conn) -> StoreResult<Vec<ScheduleRow>> {
    query(conn, r#"WHERE s."active" = 1 AND s."stoppedSince" IS NULL AND s."lockedSince" IS NULL ORDER BY s."id""#, [])
}

/// Schedules that hold a lock.
pub fn locked(conn: &Conn) -> StoreResult<Vec<ScheduleRow>> {
    query(conn, r#"WHERE s."lockedSince" IS NOT NULL ORDER BY s."id""#, [])
}

pub fn by_key(conn: &Conn, key: &str) -> StoreResult<Option<ScheduleRow>> {
    Ok(query(conn, r#"WHERE s."key" = ?1"#, [key])?.into_iter().next())
}

pub fn by_id(conn: &Conn, id: i64) -> StoreResult<Option<ScheduleRow>> {
    Ok(query(conn, r#"WHERE s."id" = ?1"#, [id])?.into_iter().next())
}

// ---------------------------------------------------------------------------------------------
// "JobRunDO"
// ---------------------------------------------------------------------------------------------

/// Inserts a history row in state RUNNING; returns its id.
pub fn insert_run(conn: &Conn, s: &ScheduleRow, due_time: Option<&str>, start: &str, run_by: &str) -> StoreResult<i64> {
    conn.sql().prepare_cached(
        r#"INSERT INTO "JobRunDO" ("scheduleRef", "scheduleKey", "jobDefRef", "dueTime", "startTime", "outcome", "runBy")
           VALUES (?1, ?2, ?3, ?4, ?5, 'RUNNING', ?6)"#,
    )?
    .execute(params![s.id, s.key, s.job_def_ref, due_time, start, run_by])?;
    Ok(conn.sql().last_insert_rowid())
}

/// Inserts a finished history row (a run that never started, e.g. an unknown job).
pub fn insert_finished_run(conn: &Conn, s: &ScheduleRow, time: &str, outcome: &str, message: &str, run_by: &str) -> StoreResult<i64> {
    conn.sql().prepare_cached(
        r#"INSERT INTO "JobRunDO" ("scheduleRef", "scheduleKey", "jobDefRef", "startTime", "endTime", "outcome", "message", "runBy")
           VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7)"#,
    )?
    .execute(params![s.id, s.key, s.job_def_ref, time, outcome, message, run_by])?;
    Ok(conn.sql().last_insert_rowid())
}

/// Finishes a RUNNING history row.
pub fn finish_run(conn: &Conn, run_id: i64, end: &str, outcome: &str, ok_count: i64, failed_count: i64, message: &str) -> StoreResult<usize> {
    Ok(conn.sql().prepare_cached(
        r#"UPDATE "JobRunDO" SET "endTime" = ?2, "outcome" = ?3, "okCount" = ?4, "failedCount" = ?5, "message" = ?6
           WHERE "id" = ?1 AND "outcome" = 'RUNNING'"#,
    )?
    .execute(params![run_id, end, outcome, ok_count, failed_count, message])?)
}

/// Ends the RUNNING rows of one holder (a dead process, or this one at exit) as ERROR.
pub fn abandon_runs(conn: &Conn, schedule_id: Option<i64>, run_by: &str, end: &str, message: &str) -> StoreResult<usize> {
    Ok(conn.sql().prepare_cached(
        r#"UPDATE "JobRunDO" SET "endTime" = ?3, "outcome" = 'ERROR', "message" = ?4
           WHERE "runBy" = ?2 AND "outcome" = 'RUNNING' AND (?1 IS NULL OR "scheduleRef" = ?1)"#,
    )?
    .execute(params![schedule_id, run_by, end, message])?)
}

/// Deletes history rows that started before `before`; returns how many.
pub fn prune_runs(conn: &Conn, before: &str) -> StoreResult<usize> {
    Ok(conn.sql().execute(r#"DELETE FROM "JobRunDO" WHERE "startTime" < ?1 AND "outcome" <> 'RUNNING'"#, [before])?)
}

/// The newest history row of a schedule: (startTime, outcome).
pub fn last_run_of(conn: &Conn, schedule_id: i64) -> StoreResult<Option<(String, String)>> {
    Ok(conn.sql().query_row(
        r#"SELECT "startTime", "outcome" FROM "JobRunDO" WHERE "scheduleRef" = ?1 ORDER BY "id" DESC LIMIT 1"#,
        [schedule_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()?)
}

/// (id, key) of the active schedules except the housekeeping job (-10003): file transfers (job 3,
/// the imports) first, then the others by id (the order in which `impex demo` runs them).
pub fn active_imports_first(conn: &Conn) -> StoreResult<Vec<(i64, String)>> {
    let mut st = conn.sql().prepare(
        r#"SELECT "id", "key" FROM "ScheduleDO" WHERE "active" = 1 AND "jobDefRef" <> -10003
           ORDER BY CASE "jobDefRef" WHEN 3 THEN 0 ELSE 1 END, "id""#,
    )?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The newest history row of a schedule: (outcome, message or '').
pub fn last_outcome_of(conn: &Conn, schedule_id: i64) -> StoreResult<Option<(String, String)>> {
    Ok(conn
        .sql()
        .query_row(
            r#"SELECT "outcome", coalesce("message", '') FROM "JobRunDO" WHERE "scheduleRef" = ?1 ORDER BY "id" DESC LIMIT 1"#,
            [schedule_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}
