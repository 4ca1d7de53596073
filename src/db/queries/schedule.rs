//! Queries on `"ScheduleDO"` (reads) and the job history `"JobRunDO"`. State changes of
//! `"ScheduleDO"` are in [`crate::schedule::state`].
//!
//! A [`ScheduleRow`] holds the **effective** values: the runtime value of `"ScheduleRuntimeDO"`
//! when one is set, else the configured one of `"ScheduleDO"` (active, cron, maxNoOfRetries,
//! retryDelay, reactivateOnStart). The scheduler works on these, so a runtime override takes
//! effect at the next tick. [`ScheduleApiRow`] adds the configured and runtime values apart
//! (the Schedule REST API's `scheduleconfigs`).
use crate::db::{Conn, StoreResult};
use crate::db::{params, Optional, Row};

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
    /// `"ScheduleRuntimeDO"."fixedNextRun"`: the next attempt regardless of cron, retries and a
    /// stop (cleared when the schedule is claimed).
    pub fixed_next_run: Option<String>,
}

/// The effective value of a column with a runtime equivalent.
macro_rules! eff {
    ($rt:literal, $cfg:literal) => {
        concat!("coalesce(rt.\"", $rt, "\", s.\"", $cfg, "\")")
    };
}

const SELECT: &str = concat!(
    r#"SELECT s."id", s."key", "#, eff!("activeRuntime", "active"), r#", s."configId", "#, eff!("cronRuntime", "cron"), r#", s."expectedRuntime",
       s."jobDefRef", j."name", s."lastRun", s."lockedSince", s."lockedBy", "#, eff!("maxNoOfRetriesRuntime", "maxNoOfRetries"), r#",
       "#, eff!("retryDelayRuntime", "retryDelay"), r#", s."countRetry", "#, eff!("reactivateOnStartRuntime", "reactivateOnStart"), r#", s."nextRetry", s."stoppedSince",
       s."lastOutcome", s."lastMessage", rt."fixedNextRun",
       s."active", s."cron", s."maxNoOfRetries", s."retryDelay", s."reactivateOnStart",
       rt."activeRuntime", rt."cronRuntime", rt."maxNoOfRetriesRuntime", rt."retryDelayRuntime", rt."reactivateOnStartRuntime",
       j."description"
  FROM "ScheduleDO" s LEFT JOIN "JobDefDO" j ON j."id" = s."jobDefRef"
  LEFT JOIN "ScheduleRuntimeDO" rt ON rt."scheduleRef" = s."id""#
);

fn row(r: &Row<'_>) -> StoreResult<ScheduleRow> {
    Ok(ScheduleRow {
        id: r.get(0)?,
        key: r.get(1)?,
        active: r.get::<i64>(2)? != 0,
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
        reactivate_on_start: r.get::<i64>(14)? != 0,
        next_retry: r.get(15)?,
        stopped_since: r.get(16)?,
        last_outcome: r.get(17)?,
        last_message: r.get(18)?,
        fixed_next_run: r.get(19)?,
    })
}

fn api_row(r: &Row<'_>) -> StoreResult<ScheduleApiRow> {
    let b = |i: usize| -> StoreResult<Option<bool>> { Ok(r.get::<Option<i64>>(i)?.map(|v| v != 0)) };
    Ok(ScheduleApiRow {
        effective: row(r)?,
        active_configured: r.get::<i64>(20)? != 0,
        cron_configured: r.get(21)?,
        max_no_of_retries_configured: r.get(22)?,
        retry_delay_configured: r.get(23)?,
        reactivate_on_start_configured: r.get::<i64>(24)? != 0,
        active_runtime: b(25)?,
        cron_runtime: r.get(26)?,
        max_no_of_retries_runtime: r.get(27)?,
        retry_delay_runtime: r.get(28)?,
        reactivate_on_start_runtime: b(29)?,
        description: r.get(30)?,
    })
}

/// A schedule with its effective, configured and runtime values (Schedule REST API).
#[derive(Debug, Clone)]
pub struct ScheduleApiRow {
    /// The effective values (runtime, else configured).
    pub effective: ScheduleRow,
    pub active_configured: bool,
    pub cron_configured: String,
    pub max_no_of_retries_configured: i64,
    pub retry_delay_configured: Option<String>,
    pub reactivate_on_start_configured: bool,
    pub active_runtime: Option<bool>,
    pub cron_runtime: Option<String>,
    pub max_no_of_retries_runtime: Option<i64>,
    pub retry_delay_runtime: Option<String>,
    pub reactivate_on_start_runtime: Option<bool>,
    /// `"JobDefDO"."description"` (ScheduleDO has none).
    pub description: Option<String>,
}

/// The sortable attributes of the Schedule REST API (`SortableScheduleAttribute`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ScheduleOrder {
    Id,
    Active,
    Key,
    JobName,
    #[default]
    LastRun,
    LockedSince,
    RetryCount,
    MaxNoOfRetries,
    NextRetryDate,
}

impl ScheduleOrder {
    fn column(self) -> &'static str {
        match self {
            ScheduleOrder::Id => r#"s."id""#,
            ScheduleOrder::Active => eff!("activeRuntime", "active"),
            ScheduleOrder::Key => r#"s."key""#,
            ScheduleOrder::JobName => r#"j."name""#,
            ScheduleOrder::LastRun => r#"s."lastRun""#,
            ScheduleOrder::LockedSince => r#"s."lockedSince""#,
            ScheduleOrder::RetryCount => r#"s."countRetry""#,
            ScheduleOrder::MaxNoOfRetries => eff!("maxNoOfRetriesRuntime", "maxNoOfRetries"),
            ScheduleOrder::NextRetryDate => r#"s."nextRetry""#,
        }
    }
}

/// Filters of `GET /schedulestates` and `GET /scheduleconfigs`; `None` / empty = no filter.
/// Attributes with a runtime equivalent are filtered on the effective value.
#[derive(Debug, Clone, Default)]
pub struct ScheduleFilter {
    pub active: Option<bool>,
    pub ids: Vec<i64>,
    pub job_names: Vec<String>,
    pub keys: Vec<String>,
    pub is_locked: Option<bool>,
    /// Inactive, or stopped (retries exhausted, a permanent error): will not run by itself.
    pub stopped: Option<bool>,
    /// Failed and a retry time is set.
    pub will_retry: Option<bool>,
    pub order_by: ScheduleOrder,
    pub descending: bool,
    pub limit: i64,
    pub offset: i64,
}

/// One page of schedules matching `f` and the total count without paging. Rows with equal sort
/// values are ordered by id (NULLs first ascending, last descending, as SQLite does).
pub fn search(conn: &Conn, f: &ScheduleFilter) -> StoreResult<(Vec<ScheduleApiRow>, i64)> {
    let mut conds: Vec<String> = Vec::new();
    let mut vals: Vec<V> = Vec::new();
    use crate::db::Value as V;
    // each value gets its numbered placeholder
    let mut ph = |v: V| {
        vals.push(v);
        format!("?{}", vals.len())
    };
    if let Some(a) = f.active {
        conds.push(format!("{} = {}", eff!("activeRuntime", "active"), ph(V::Integer(a as i64))));
    }
    if !f.ids.is_empty() {
        let l: Vec<String> = f.ids.iter().map(|i| ph(V::Integer(*i))).collect();
        conds.push(format!(r#"s."id" IN ({})"#, l.join(", ")));
    }
    if !f.job_names.is_empty() {
        let l: Vec<String> = f.job_names.iter().map(|i| ph(V::Text(i.clone()))).collect();
        conds.push(format!(r#"j."name" IN ({})"#, l.join(", ")));
    }
    if !f.keys.is_empty() {
        let l: Vec<String> = f.keys.iter().map(|i| ph(V::Text(i.clone()))).collect();
        conds.push(format!(r#"s."key" IN ({})"#, l.join(", ")));
    }
    if let Some(l) = f.is_locked {
        conds.push(if l { r#"s."lockedSince" IS NOT NULL"#.into() } else { r#"s."lockedSince" IS NULL"#.into() });
    }
    // (a flag as a condition, not compared with 0 or 1: PostgreSQL's flags are booleans)
    let stopped = concat!("(NOT ", eff!("activeRuntime", "active"), r#" OR s."stoppedSince" IS NOT NULL)"#);
    if let Some(st) = f.stopped {
        conds.push(if st { stopped.to_string() } else { format!("NOT {stopped}") });
    }
    if let Some(w) = f.will_retry {
        let c = r#"(s."nextRetry" IS NOT NULL AND s."countRetry" > 0 AND s."stoppedSince" IS NULL)"#;
        conds.push(if w { c.to_string() } else { format!("NOT {c}") });
    }
    let wher = if conds.is_empty() { String::new() } else { format!("WHERE {}", conds.join(" AND ")) };
    let dir = if f.descending { "DESC" } else { "ASC" };
    let total: i64 = conn.query_row(
        &format!(r#"SELECT count(*) FROM "ScheduleDO" s LEFT JOIN "JobDefDO" j ON j."id" = s."jobDefRef" LEFT JOIN "ScheduleRuntimeDO" rt ON rt."scheduleRef" = s."id" {wher}"#),
        &crate::db::refs(&vals),
        |r| r.get(0),
    )?;
    let n = vals.len();
    vals.push(V::Integer(f.limit));
    vals.push(V::Integer(f.offset));
    let sql = format!("{SELECT} {wher} ORDER BY {} {dir}, s.\"id\" {dir} LIMIT ?{} OFFSET ?{}", f.order_by.column(), n + 1, n + 2);
    let rows = conn.query_map(&sql, &crate::db::refs(&vals), api_row)?;
    Ok((rows, total))
}

/// One schedule with its configured and runtime values.
pub fn api_by_id(conn: &Conn, id: i64) -> StoreResult<Option<ScheduleApiRow>> {
    let st_sql = &format!(r#"{SELECT} WHERE s."id" = ?1"#);
    Ok(conn.query_row(st_sql, params![id], api_row).optional()?)
}

fn query(conn: &Conn, filter: &str, p: &[&dyn crate::db::Param]) -> StoreResult<Vec<ScheduleRow>> {
    let rows = conn.query_map(&format!("{SELECT} {filter}"), p, row)?;
    Ok(rows)
}

/// Every schedule, by key.
pub fn all(conn: &Conn) -> StoreResult<Vec<ScheduleRow>> {
    query(conn, r#"ORDER BY s."key""#, params![])
}

/// Schedules that may be claimed: active (effective value), not stopped (or with a fixed next
/// run), not locked.
pub fn runnable(conn: &Conn) -> StoreResult<Vec<ScheduleRow>> {
    query(
        conn,
        concat!("WHERE ", eff!("activeRuntime", "active"), r#" AND (s."stoppedSince" IS NULL OR rt."fixedNextRun" IS NOT NULL) AND s."lockedSince" IS NULL ORDER BY s."id""#),
        params![],
    )
}

/// Schedules that hold a lock.
pub fn locked(conn: &Conn) -> StoreResult<Vec<ScheduleRow>> {
    query(conn, r#"WHERE s."lockedSince" IS NOT NULL ORDER BY s."id""#, params![])
}

pub fn by_key(conn: &Conn, key: &str) -> StoreResult<Option<ScheduleRow>> {
    Ok(query(conn, r#"WHERE s."key" = ?1"#, params![key])?.into_iter().next())
}

pub fn by_id(conn: &Conn, id: i64) -> StoreResult<Option<ScheduleRow>> {
    Ok(query(conn, r#"WHERE s."id" = ?1"#, params![id])?.into_iter().next())
}

// ---------------------------------------------------------------------------------------------
// "JobRunDO"
// ---------------------------------------------------------------------------------------------

/// Inserts a history row in state RUNNING; returns its id.
pub fn insert_run(conn: &Conn, s: &ScheduleRow, due_time: Option<&str>, start: &str, run_by: &str) -> StoreResult<i64> {
    conn.insert(r#"INSERT INTO "JobRunDO" ("scheduleRef", "scheduleKey", "jobDefRef", "dueTime", "startTime", "outcome", "runBy")
           VALUES (?1, ?2, ?3, ?4, ?5, 'RUNNING', ?6)"#, params![s.id, s.key, s.job_def_ref, due_time, start, run_by])
}

/// [`insert_run`] for many runs at once: `(schedule, its fire time)` with one start and
/// holder; returns the run ids in the order of `runs`. One statement on PostgreSQL, a cached
/// one per row on SQLite.
pub fn insert_runs(conn: &Conn, runs: &[(&ScheduleRow, Option<String>)], start: &str, run_by: &str) -> StoreResult<Vec<i64>> {
    if !conn.is_postgres() {
        return runs.iter().map(|(s, due)| insert_run(conn, s, due.as_deref(), start, run_by)).collect();
    }
    if runs.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<serde_json::Value> =
        runs.iter().map(|(s, due)| serde_json::json!({ "scheduleRef": s.id, "scheduleKey": s.key, "jobDefRef": s.job_def_ref, "dueTime": due })).collect();
    let rows = serde_json::Value::Array(rows).to_string();
    let ids: std::collections::HashMap<i64, i64> = conn
        .query_map(
            r#"INSERT INTO "JobRunDO" ("scheduleRef", "scheduleKey", "jobDefRef", "dueTime", "startTime", "outcome", "runBy")
               SELECT v."scheduleRef", v."scheduleKey", v."jobDefRef", v."dueTime", CAST(?2 AS timestamptz), 'RUNNING', ?3
               FROM json_to_recordset(CAST(CAST(?1 AS text) AS json)) AS v("scheduleRef" int8, "scheduleKey" text, "jobDefRef" int8, "dueTime" timestamptz)
               RETURNING "scheduleRef", "id""#,
            params![rows, start, run_by],
            |r| Ok((r.get::<i64>(0)?, r.get::<i64>(1)?)),
        )?
        .into_iter()
        .collect();
    runs.iter()
        .map(|(s, _)| ids.get(&s.id).copied().ok_or_else(|| crate::db::StoreError::new(crate::db::StoreErrorKind::Other, format!("no history row was inserted for schedule {}", s.id))))
        .collect()
}

/// Schedules by id (those that exist), in one statement.
pub fn by_ids(conn: &Conn, ids: &[i64]) -> StoreResult<Vec<ScheduleRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    query(conn, r#"WHERE s."id" IN (SELECT CAST("value" AS INTEGER) FROM json_each(?1))"#, params![super::ids_json(ids)])
}

/// Inserts a finished history row (a run that never started, e.g. an unknown job).
pub fn insert_finished_run(conn: &Conn, s: &ScheduleRow, time: &str, outcome: &str, message: &str, run_by: &str) -> StoreResult<i64> {
    conn.insert(r#"INSERT INTO "JobRunDO" ("scheduleRef", "scheduleKey", "jobDefRef", "startTime", "endTime", "outcome", "message", "runBy")
           VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7)"#, params![s.id, s.key, s.job_def_ref, time, outcome, message, run_by])
}

/// Finishes a RUNNING history row.
pub fn finish_run(conn: &Conn, run_id: i64, end: &str, outcome: &str, ok_count: i64, failed_count: i64, message: &str) -> StoreResult<usize> {
    Ok(conn.execute(r#"UPDATE "JobRunDO" SET "endTime" = ?2, "outcome" = ?3, "okCount" = ?4, "failedCount" = ?5, "message" = ?6
           WHERE "id" = ?1 AND "outcome" = 'RUNNING'"#, params![run_id, end, outcome, ok_count, failed_count, message])?)
}

/// A finished run for [`finish_runs`].
#[derive(Debug, Clone)]
pub struct Finished<'a> {
    pub run_id: i64,
    pub outcome: &'a str,
    pub ok_count: i64,
    pub failed_count: i64,
    pub message: &'a str,
}

/// [`finish_run`] for many history rows at once (one statement on PostgreSQL, a cached one per
/// row on SQLite).
pub fn finish_runs(conn: &Conn, runs: &[Finished<'_>], end: &str) -> StoreResult<usize> {
    if !conn.is_postgres() {
        return runs.iter().map(|f| finish_run(conn, f.run_id, end, f.outcome, f.ok_count, f.failed_count, f.message)).sum();
    }
    if runs.is_empty() {
        return Ok(0);
    }
    let rows: Vec<serde_json::Value> = runs
        .iter()
        .map(|f| serde_json::json!({ "id": f.run_id, "outcome": f.outcome, "okCount": f.ok_count, "failedCount": f.failed_count, "message": f.message }))
        .collect();
    let rows = serde_json::Value::Array(rows).to_string();
    conn.execute(
        r#"UPDATE "JobRunDO" r SET "endTime" = CAST(?2 AS timestamptz), "outcome" = v."outcome", "okCount" = v."okCount", "failedCount" = v."failedCount", "message" = v."message"
           FROM json_to_recordset(CAST(CAST(?1 AS text) AS json)) AS v("id" int8, "outcome" text, "okCount" int8, "failedCount" int8, "message" text)
           WHERE r."id" = v."id" AND r."outcome" = 'RUNNING'"#,
        params![rows, end],
    )
}

/// Ends the RUNNING rows of one holder (a dead process, or this one at exit) as ERROR.
pub fn abandon_runs(conn: &Conn, schedule_id: Option<i64>, run_by: &str, end: &str, message: &str) -> StoreResult<usize> {
    Ok(conn.execute(r#"UPDATE "JobRunDO" SET "endTime" = ?3, "outcome" = 'ERROR', "message" = ?4
           WHERE "runBy" = ?2 AND "outcome" = 'RUNNING' AND (?1 IS NULL OR "scheduleRef" = ?1)"#, params![schedule_id, run_by, end, message])?)
}

/// Deletes history rows that started before `before`; returns how many.
pub fn prune_runs(conn: &Conn, before: &str) -> StoreResult<usize> {
    Ok(conn.execute(r#"DELETE FROM "JobRunDO" WHERE "startTime" < ?1 AND "outcome" <> 'RUNNING'"#, params![before])?)
}

/// The newest history row of a schedule: (startTime, outcome).
pub fn last_run_of(conn: &Conn, schedule_id: i64) -> StoreResult<Option<(String, String)>> {
    Ok(conn.query_row(
        r#"SELECT "startTime", "outcome" FROM "JobRunDO" WHERE "scheduleRef" = ?1 ORDER BY "id" DESC LIMIT 1"#,
        params![schedule_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()?)
}

/// (id, key) of the active schedules except the housekeeping job (-10003): file transfers (job 3,
/// the imports) first, then the others by id (the order in which `impex demo` runs them).
pub fn active_imports_first(conn: &Conn) -> StoreResult<Vec<(i64, String)>> {
    conn.query_map(r#"SELECT "id", "key" FROM "ScheduleDO" WHERE "active" = 1 AND "jobDefRef" <> -10003
           ORDER BY CASE "jobDefRef" WHEN 3 THEN 0 ELSE 1 END, "id""#, params![], |r| Ok((r.get(0)?, r.get(1)?)))
}

/// The newest history row of a schedule: (outcome, message or '').
pub fn last_outcome_of(conn: &Conn, schedule_id: i64) -> StoreResult<Option<(String, String)>> {
    Ok(conn
        .query_row(
            r#"SELECT "outcome", coalesce("message", '') FROM "JobRunDO" WHERE "scheduleRef" = ?1 ORDER BY "id" DESC LIMIT 1"#,
            params![schedule_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}
