//! The services behind IOM's Schedule REST API 1.0 (`tests/openapi/intershop-order-management-schedule-1.0.yaml`):
//! `GET /schedulestates`, `GET /schedulestates/{id}`, `PATCH /schedulestates/{id}`,
//! `GET /scheduleconfigs`, `GET /scheduleconfigs/{id}`. Requests and answers use the media
//! type [`MEDIA_TYPE`] (the HTTP layer's business); the types here serialize as the spec's
//! schemas (camelCase names, date-times in RFC 3339, absent values left out).
//!
//! The runtime model (docs/api.md): `"ScheduleDO"` holds the configured values,
//! `"ScheduleRuntimeDO"` the runtime values an operator set with PATCH. The effective value is the
//! runtime one when set, else the configured one; the running scheduler uses the effective
//! values from its next tick (at most a second later). `fixedNextRun` has no configured value:
//! the schedule is attempted once at that time (regardless of cron, `nextRetry`, a stop and
//! `maxNoOfRetries`; only the effective `active` counts) and the value is cleared when the run
//! is claimed.
use chrono::Utc;
use serde::{Deserialize, Serialize};

use crate::db::queries::schedule::{self as q, ScheduleApiRow, ScheduleFilter, ScheduleOrder};
use crate::db::state::schedule::{self as state, Change, RuntimeChange};
use crate::db::Conn;
use crate::error::ServiceError;
use crate::time;

/// The vendor media type of every request and answer body of the Schedule API.
pub const MEDIA_TYPE: &str = "application/vnd.intershop.schedule.v1+json";
/// The spec's default `limit`.
pub const DEFAULT_LIMIT: i64 = 1000;

/// `ScheduleState`: the current (effective) values of a schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleState {
    pub id: i64,
    pub active: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config_id: Option<i64>,
    pub key: String,
    pub cron: String,
    pub reactivate_on_start: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_run: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locked_since: Option<String>,
    /// `"countRetry"`: failed runs since the last success.
    pub retry_count: i64,
    pub max_no_of_retries: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_delay: Option<String>,
    /// The next attempt set by hand (`fixedNextRun`), else the pending retry (`nextRetry`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_run: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// `Schedule`: configured (`...Configured`) and runtime (`...Runtime`) values apart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Schedule {
    pub id: i64,
    pub active_configured: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active_runtime: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config_id: Option<i64>,
    pub key: String,
    pub cron_configured: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cron_runtime: Option<String>,
    pub reactivate_on_start_configured: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reactivate_on_start_runtime: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_run: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locked_since: Option<String>,
    pub retry_count: i64,
    pub max_no_of_retries_configured: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_no_of_retries_runtime: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_delay_configured: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_delay_runtime: Option<String>,
    /// `"nextRetry"`: when a failed schedule is retried.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_retry_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed_next_run: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// `CollectionMetaData`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CollectionMetaData {
    /// Matching schedules without offset and limit.
    pub total_count: i64,
}

/// `ScheduleStateCollectionContainer`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleStateCollectionContainer {
    pub meta: CollectionMetaData,
    pub data: Vec<ScheduleState>,
}

/// `ScheduleCollectionContainer`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleCollectionContainer {
    pub meta: CollectionMetaData,
    pub data: Vec<Schedule>,
}

/// An attribute of `resetList`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ResetAttribute {
    Active,
    Cron,
    ReactivateOnStart,
    MaxNoOfRetries,
    RetryDelay,
    FixedNextRun,
}

/// `ScheduleUpdate`, the PATCH body: only the attributes to change; `resetList` removes runtime
/// values (and wins over a value given for the same attribute).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cron: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reactivate_on_start: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_no_of_retries: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_delay: Option<String>,
    /// RFC 3339 date-time with any offset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_next_run: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remove_lock: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reset_list: Vec<ResetAttribute>,
}

impl ScheduleUpdate {
    /// Reads a PATCH body; an unreadable body or an unknown `resetList` value is a 400.
    pub fn from_json(body: &[u8]) -> Result<Self, ServiceError> {
        serde_json::from_slice(body).map_err(|e| ServiceError::Validation { code: "VALIDATION_EXCEPTION", field: None, message: format!("invalid ScheduleUpdate: {e}") })
    }
}

/// `SortableScheduleAttribute` (default `lastRun`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SortableScheduleAttribute {
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

/// `SortDirection` (default `ASC`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum SortDirection {
    #[default]
    #[serde(rename = "ASC")]
    Asc,
    #[serde(rename = "DESC")]
    Desc,
}

/// The query parameters of `GET /schedulestates` (`stopped`) and `GET /scheduleconfigs`
/// (`willRetry`); a parameter the operation does not have is ignored by it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ScheduleQuery {
    pub active: Option<bool>,
    pub ids: Vec<i64>,
    pub job_names: Vec<String>,
    pub keys: Vec<String>,
    pub is_locked: Option<bool>,
    /// `schedulestates` only: inactive or stopped (will not run by itself).
    pub stopped: Option<bool>,
    /// `scheduleconfigs` only: failed, with a retry time.
    pub will_retry: Option<bool>,
    pub order_by: Option<SortableScheduleAttribute>,
    pub sort_direction: Option<SortDirection>,
    /// Default 1000.
    pub limit: Option<i64>,
    /// Default 0.
    pub offset: Option<i64>,
}

fn filter(p: &ScheduleQuery, states: bool) -> Result<ScheduleFilter, ServiceError> {
    let limit = p.limit.unwrap_or(DEFAULT_LIMIT);
    if limit < 0 {
        return Err(ServiceError::validation("limit", format!("limit must be 0 or more, not {limit}")));
    }
    let offset = p.offset.unwrap_or(0);
    if offset < 0 {
        return Err(ServiceError::validation("offset", format!("offset must be 0 or more, not {offset}")));
    }
    let order_by = match p.order_by.unwrap_or_default() {
        SortableScheduleAttribute::Id => ScheduleOrder::Id,
        SortableScheduleAttribute::Active => ScheduleOrder::Active,
        SortableScheduleAttribute::Key => ScheduleOrder::Key,
        SortableScheduleAttribute::JobName => ScheduleOrder::JobName,
        SortableScheduleAttribute::LastRun => ScheduleOrder::LastRun,
        SortableScheduleAttribute::LockedSince => ScheduleOrder::LockedSince,
        SortableScheduleAttribute::RetryCount => ScheduleOrder::RetryCount,
        SortableScheduleAttribute::MaxNoOfRetries => ScheduleOrder::MaxNoOfRetries,
        SortableScheduleAttribute::NextRetryDate => ScheduleOrder::NextRetryDate,
    };
    Ok(ScheduleFilter {
        active: p.active,
        ids: p.ids.clone(),
        job_names: p.job_names.clone(),
        keys: p.keys.clone(),
        is_locked: p.is_locked,
        stopped: if states { p.stopped } else { None },
        will_retry: if states { None } else { p.will_retry },
        order_by,
        descending: p.sort_direction == Some(SortDirection::Desc),
        limit,
        offset,
    })
}

fn ts(col: &Option<String>) -> Option<String> {
    col.as_deref().and_then(time::column_rfc3339)
}

fn to_state(r: &ScheduleApiRow) -> ScheduleState {
    let s = &r.effective;
    ScheduleState {
        id: s.id,
        active: s.active,
        config_id: s.config_id,
        key: s.key.clone(),
        cron: s.cron.clone(),
        reactivate_on_start: s.reactivate_on_start,
        job_name: s.job_name.clone(),
        last_run: ts(&s.last_run),
        locked_since: ts(&s.locked_since),
        retry_count: s.count_retry,
        max_no_of_retries: s.max_no_of_retries,
        retry_delay: s.retry_delay.clone(),
        next_run: ts(&s.fixed_next_run).or_else(|| ts(&s.next_retry)),
        description: r.description.clone(),
    }
}

fn to_config(r: &ScheduleApiRow) -> Schedule {
    let s = &r.effective;
    Schedule {
        id: s.id,
        active_configured: r.active_configured,
        active_runtime: r.active_runtime,
        config_id: s.config_id,
        key: s.key.clone(),
        cron_configured: r.cron_configured.clone(),
        cron_runtime: r.cron_runtime.clone(),
        reactivate_on_start_configured: r.reactivate_on_start_configured,
        reactivate_on_start_runtime: r.reactivate_on_start_runtime,
        job_name: s.job_name.clone(),
        last_run: ts(&s.last_run),
        locked_since: ts(&s.locked_since),
        retry_count: s.count_retry,
        max_no_of_retries_configured: r.max_no_of_retries_configured,
        max_no_of_retries_runtime: r.max_no_of_retries_runtime,
        retry_delay_configured: r.retry_delay_configured.clone(),
        retry_delay_runtime: r.retry_delay_runtime.clone(),
        next_retry_date: ts(&s.next_retry),
        fixed_next_run: ts(&s.fixed_next_run),
        description: r.description.clone(),
    }
}

fn not_found(id: i64) -> ServiceError {
    ServiceError::NotFound(format!("no schedule with id {id}"))
}

/// `GET /schedulestates`: filters on the effective values, ordered by `orderBy` (ties by id).
pub fn list_schedule_states(conn: &Conn, p: &ScheduleQuery) -> Result<ScheduleStateCollectionContainer, ServiceError> {
    let (rows, total) = q::search(conn, &filter(p, true)?)?;
    Ok(ScheduleStateCollectionContainer { meta: CollectionMetaData { total_count: total }, data: rows.iter().map(to_state).collect() })
}

/// `GET /schedulestates/{scheduleId}`.
pub fn get_schedule_state(conn: &Conn, id: i64) -> Result<ScheduleState, ServiceError> {
    q::api_by_id(conn, id)?.as_ref().map(to_state).ok_or_else(|| not_found(id))
}

/// `GET /scheduleconfigs`: as [`list_schedule_states`], with `willRetry` instead of `stopped`.
pub fn list_schedule_configs(conn: &Conn, p: &ScheduleQuery) -> Result<ScheduleCollectionContainer, ServiceError> {
    let (rows, total) = q::search(conn, &filter(p, false)?)?;
    Ok(ScheduleCollectionContainer { meta: CollectionMetaData { total_count: total }, data: rows.iter().map(to_config).collect() })
}

/// `GET /scheduleconfigs/{scheduleId}`.
pub fn get_schedule_config(conn: &Conn, id: i64) -> Result<Schedule, ServiceError> {
    q::api_by_id(conn, id)?.as_ref().map(to_config).ok_or_else(|| not_found(id))
}

/// Checks a PATCH body and turns it into the runtime change (the `resetList` wins).
pub fn runtime_change(u: &ScheduleUpdate) -> Result<RuntimeChange, ServiceError> {
    fn pick<T: Clone>(v: &Option<T>, reset: bool) -> Change<T> {
        match (reset, v) {
            (true, _) => Change::Reset,
            (false, Some(x)) => Change::Set(x.clone()),
            (false, None) => Change::Keep,
        }
    }
    let r = |a: ResetAttribute| u.reset_list.contains(&a);
    if !r(ResetAttribute::Cron) {
        if let Some(c) = &u.cron {
            super::cron::parse(c).map_err(|e| ServiceError::validation("cron", e))?;
        }
    }
    if !r(ResetAttribute::RetryDelay) {
        if let Some(d) = &u.retry_delay {
            if time::parse_delay(d).is_none() {
                return Err(ServiceError::validation("retryDelay", format!("`{d}` is not of the form <n>s, <n>m, <n>h or <n>d")));
            }
        }
    }
    if !r(ResetAttribute::MaxNoOfRetries) {
        if let Some(m) = u.max_no_of_retries {
            if m < 0 {
                return Err(ServiceError::validation("maxNoOfRetries", format!("maxNoOfRetries must be 0 or more, not {m}")));
            }
        }
    }
    let fixed = match (&u.fixed_next_run, r(ResetAttribute::FixedNextRun)) {
        (Some(t), false) => Some(time::format(
            time::parse_rfc3339(t).ok_or_else(|| ServiceError::validation("fixedNextRun", format!("`{t}` is not an RFC 3339 date-time (e.g. 2019-07-03T15:57:33.521+02:00)")))?,
        )),
        _ => None,
    };
    Ok(RuntimeChange {
        active: pick(&u.active, r(ResetAttribute::Active)),
        cron: pick(&u.cron.as_ref().map(|c| c.trim().to_string()), r(ResetAttribute::Cron)),
        reactivate_on_start: pick(&u.reactivate_on_start, r(ResetAttribute::ReactivateOnStart)),
        max_no_of_retries: pick(&u.max_no_of_retries, r(ResetAttribute::MaxNoOfRetries)),
        retry_delay: pick(&u.retry_delay.as_ref().map(|d| d.trim().to_string()), r(ResetAttribute::RetryDelay)),
        fixed_next_run: pick(&fixed, r(ResetAttribute::FixedNextRun)),
        remove_lock: u.remove_lock == Some(true),
    })
}

/// `PATCH /schedulestates/{scheduleId}`: sets or resets runtime values in one unit of work and
/// returns the schedule's new state. Nothing is changed when the body is invalid (400) or the
/// schedule does not exist (404).
pub fn patch_schedule_state(conn: &mut Conn, id: i64, update: &ScheduleUpdate) -> Result<ScheduleState, ServiceError> {
    let change = runtime_change(update)?;
    let tx = conn.write()?;
    if !state::set_runtime(&tx, id, &change, &time::format(Utc::now()))? {
        return Err(not_found(id));
    }
    let s = q::api_by_id(&tx, id)?.as_ref().map(to_state).ok_or_else(|| not_found(id))?;
    tx.commit()?;
    Ok(s)
}

/// The spec's `Error` (with the offending `value` when there is one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Error {
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<serde_json::Value>,
}

/// The spec's `ErrorReport`, the body of a 400 answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorReport {
    pub status: u16,
    pub errors: Vec<Error>,
}

/// The `ErrorReport` of an error; its `status` is [`ServiceError::http_status`].
pub fn error_report(e: &ServiceError) -> ErrorReport {
    let value = match e {
        ServiceError::Validation { field: Some(f), .. } => Some(serde_json::json!({ "attribute": f })),
        _ => None,
    };
    ErrorReport { status: e.http_status(), errors: vec![Error { code: e.code().to_string(), message: e.to_string(), value }] }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Conn {
        let c = crate::db::memory();
        c.execute_batch(
            r#"INSERT INTO "JobDefDO" ("id", "name", "description") VALUES (1, 'checkForDatapackFiles', 'Check for Datapack files.'), (2, 'other', NULL);
               INSERT INTO "ScheduleDO" ("id", "active", "configId", "cron", "jobDefRef", "key", "maxNoOfRetries", "retryDelay", "countRetry", "lastRun", "lockedSince", "nextRetry", "stoppedSince")
               VALUES (107, 1, 1, '0 45 23 L 1/1 ? *', 1, 'CHECK_FOR_DATAPACK_FILES', 25, '7m', 2, '2019-07-03 13:57:33.521', NULL, '2019-07-03 14:04:33.521', NULL),
                      (108, 0, NULL, '0 0 * * * ?', 2, 'B', 0, NULL, 0, '2019-07-01 00:00:00.000', NULL, NULL, NULL),
                      (109, 1, NULL, '0 0 * * * ?', 2, 'C', 3, '1m', 4, NULL, '2019-07-04 00:00:00.000', NULL, '2019-07-04 00:00:00.000');"#,
        )
        .unwrap();
        c
    }

    fn ids(c: &Conn, p: ScheduleQuery) -> Vec<i64> {
        list_schedule_states(c, &p).unwrap().data.iter().map(|s| s.id).collect()
    }

    #[test]
    fn state_serializes_as_the_spec_example() {
        let c = db();
        let s = get_schedule_state(&c, 107).unwrap();
        let v = serde_json::to_value(&s).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "id": 107, "active": true, "configId": 1, "key": "CHECK_FOR_DATAPACK_FILES", "cron": "0 45 23 L 1/1 ? *",
                "reactivateOnStart": false, "jobName": "checkForDatapackFiles", "lastRun": "2019-07-03T13:57:33.521Z",
                "retryCount": 2, "maxNoOfRetries": 25, "retryDelay": "7m", "nextRun": "2019-07-03T14:04:33.521Z",
                "description": "Check for Datapack files."
            })
        );
        assert!(matches!(get_schedule_state(&c, 1), Err(ServiceError::NotFound(_))));
    }

    #[test]
    fn filters_ordering_and_paging() {
        let c = db();
        // default order: lastRun ascending (NULL first), ties by id
        assert_eq!(ids(&c, ScheduleQuery::default()), [109, 108, 107]);
        assert_eq!(ids(&c, ScheduleQuery { sort_direction: Some(SortDirection::Desc), ..Default::default() }), [107, 108, 109]);
        assert_eq!(ids(&c, ScheduleQuery { order_by: Some(SortableScheduleAttribute::Key), ..Default::default() }), [108, 109, 107]);
        assert_eq!(ids(&c, ScheduleQuery { order_by: Some(SortableScheduleAttribute::RetryCount), sort_direction: Some(SortDirection::Desc), ..Default::default() }), [109, 107, 108]);
        assert_eq!(ids(&c, ScheduleQuery { active: Some(false), ..Default::default() }), [108]);
        assert_eq!(ids(&c, ScheduleQuery { ids: vec![107, 108], ..Default::default() }), [108, 107]);
        assert_eq!(ids(&c, ScheduleQuery { job_names: vec!["other".into()], order_by: Some(SortableScheduleAttribute::Id), ..Default::default() }), [108, 109]);
        assert_eq!(ids(&c, ScheduleQuery { keys: vec!["C".into()], ..Default::default() }), [109]);
        assert_eq!(ids(&c, ScheduleQuery { is_locked: Some(true), ..Default::default() }), [109]);
        // stopped = inactive or stopped
        assert_eq!(ids(&c, ScheduleQuery { stopped: Some(true), order_by: Some(SortableScheduleAttribute::Id), ..Default::default() }), [108, 109]);
        assert_eq!(ids(&c, ScheduleQuery { stopped: Some(false), ..Default::default() }), [107]);
        let p = ScheduleQuery { order_by: Some(SortableScheduleAttribute::Id), limit: Some(1), offset: Some(1), ..Default::default() };
        let page = list_schedule_states(&c, &p).unwrap();
        assert_eq!((page.meta.total_count, page.data.iter().map(|s| s.id).collect::<Vec<_>>()), (3, vec![108]));
        let cfg = list_schedule_configs(&c, &ScheduleQuery { will_retry: Some(true), ..Default::default() }).unwrap();
        assert_eq!(cfg.data.iter().map(|s| s.id).collect::<Vec<_>>(), [107]);
        assert!(matches!(list_schedule_states(&c, &ScheduleQuery { limit: Some(-1), ..Default::default() }), Err(ServiceError::Validation { .. })));
        // the query parameters' names and enum values as the spec spells them
        let q: ScheduleQuery = serde_json::from_str(r#"{"orderBy":"nextRetryDate","sortDirection":"DESC","jobNames":["x"],"isLocked":false}"#).unwrap();
        assert_eq!((q.order_by, q.sort_direction, q.is_locked), (Some(SortableScheduleAttribute::NextRetryDate), Some(SortDirection::Desc), Some(false)));
    }

    #[test]
    fn patch_sets_runtime_values_reset_list_wins_and_filters_use_them() {
        let mut c = db();
        let u = ScheduleUpdate::from_json(br#"{"active": false, "cron": "0 0/5 * * * ?", "maxNoOfRetries": 30, "retryDelay": "1m", "fixedNextRun": "2019-07-03T15:57:33.521+02:00"}"#).unwrap();
        let s = patch_schedule_state(&mut c, 107, &u).unwrap();
        assert_eq!((s.active, s.cron.as_str(), s.max_no_of_retries, s.retry_delay.as_deref()), (false, "0 0/5 * * * ?", 30, Some("1m")));
        assert_eq!(s.next_run.as_deref(), Some("2019-07-03T13:57:33.521Z"));
        let cfg = get_schedule_config(&c, 107).unwrap();
        assert_eq!((cfg.active_configured, cfg.active_runtime), (true, Some(false)));
        assert_eq!((cfg.cron_configured.as_str(), cfg.cron_runtime.as_deref()), ("0 45 23 L 1/1 ? *", Some("0 0/5 * * * ?")));
        assert_eq!((cfg.max_no_of_retries_configured, cfg.max_no_of_retries_runtime), (25, Some(30)));
        assert_eq!(cfg.fixed_next_run.as_deref(), Some("2019-07-03T13:57:33.521Z"));
        assert_eq!(cfg.next_retry_date.as_deref(), Some("2019-07-03T14:04:33.521Z"));
        // filters and ordering use the effective value
        assert_eq!(ids(&c, ScheduleQuery { active: Some(false), order_by: Some(SortableScheduleAttribute::Id), ..Default::default() }), [107, 108]);
        // reset wins over a value given in the same request; other runtime values stay
        let u = ScheduleUpdate { active: Some(true), reset_list: vec![ResetAttribute::Active, ResetAttribute::Cron, ResetAttribute::FixedNextRun], ..Default::default() };
        let s = patch_schedule_state(&mut c, 107, &u).unwrap();
        assert_eq!((s.active, s.cron.as_str(), s.max_no_of_retries), (true, "0 45 23 L 1/1 ? *", 30));
        let cfg = get_schedule_config(&c, 107).unwrap();
        assert_eq!((cfg.active_runtime, cfg.cron_runtime.as_deref(), cfg.fixed_next_run.as_deref()), (None, None, None));
        assert_eq!(cfg.max_no_of_retries_runtime, Some(30));
        let v = serde_json::to_value(&cfg).unwrap();
        assert!(v.get("activeRuntime").is_none() && v["activeConfigured"] == true && v["maxNoOfRetriesRuntime"] == 30, "{v}");
        // an active runtime false on an inactive configured one, and back
        let s = patch_schedule_state(&mut c, 108, &ScheduleUpdate { active: Some(true), ..Default::default() }).unwrap();
        assert!(s.active);
        // removeLock
        let s = patch_schedule_state(&mut c, 109, &ScheduleUpdate { remove_lock: Some(true), ..Default::default() }).unwrap();
        assert_eq!(s.locked_since, None);
        // an empty patch changes nothing
        assert_eq!(patch_schedule_state(&mut c, 107, &ScheduleUpdate::default()).unwrap(), get_schedule_state(&c, 107).unwrap());
    }

    #[test]
    fn invalid_patches_change_nothing() {
        let mut c = db();
        let before = get_schedule_config(&c, 107).unwrap();
        for (body, field) in [
            (r#"{"cron": "0 61 * * * ?", "active": false}"#, "cron"),
            (r#"{"cron": "* * * * *"}"#, "cron"),
            (r#"{"retryDelay": "7 minutes"}"#, "retryDelay"),
            (r#"{"maxNoOfRetries": -1}"#, "maxNoOfRetries"),
            (r#"{"fixedNextRun": "tomorrow"}"#, "fixedNextRun"),
        ] {
            let e = patch_schedule_state(&mut c, 107, &ScheduleUpdate::from_json(body.as_bytes()).unwrap()).unwrap_err();
            assert_eq!(e.http_status(), 400, "{body}");
            let r = error_report(&e);
            assert_eq!((r.status, r.errors[0].code.as_str()), (400, "VALIDATION_EXCEPTION"));
            assert_eq!(r.errors[0].value, Some(serde_json::json!({ "attribute": field })));
        }
        // a bad cron in the reset list is not looked at
        patch_schedule_state(&mut c, 107, &ScheduleUpdate { cron: Some("bad".into()), reset_list: vec![ResetAttribute::Cron], ..Default::default() }).unwrap();
        assert_eq!(get_schedule_config(&c, 107).unwrap(), before);
        assert!(ScheduleUpdate::from_json(br#"{"resetList": ["lockedSince"]}"#).is_err());
        assert_eq!(patch_schedule_state(&mut c, 1, &ScheduleUpdate::default()).unwrap_err().http_status(), 404);
    }
}
