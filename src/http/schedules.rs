//! IOM's Schedule REST API 1.0 under `/rest/schedules` (services in [`crate::schedule::api`]):
//! `GET /schedulestates`, `GET|PATCH /schedulestates/{scheduleId}`, `GET /scheduleconfigs`,
//! `GET /scheduleconfigs/{scheduleId}`. Reads need the global right SCHEDULES_READ, the PATCH
//! SCHEDULES_WRITE; bodies are `application/vnd.intershop.schedule.v1+json`.
use axum::body::Bytes;
use axum::extract::{rejection::PathRejection, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use super::auth::Caller;
use super::error::ApiError;
use super::rest::{self, Query};
use super::state::AppState;
use crate::auth::Right;
use crate::error::ServiceError;
use crate::schedule::api::{self, ScheduleQuery, ScheduleUpdate, MEDIA_TYPE};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/rest/schedules/schedulestates", get(list_states))
        .route("/rest/schedules/schedulestates/{scheduleId}", get(get_state).patch(patch_state))
        .route("/rest/schedules/scheduleconfigs", get(list_configs))
        .route("/rest/schedules/scheduleconfigs/{scheduleId}", get(get_config))
}

/// Authentication, the right and `Accept`, in that order (401, 403, 406).
fn admit(caller: Result<Caller, ApiError>, right: Right, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let style = rest::style(MEDIA_TYPE);
    let caller = caller.map_err(|e| e.style(style))?;
    caller.require(right).map_err(|e| e.style(style))?;
    rest::check_accept(headers, MEDIA_TYPE)?;
    Ok(caller)
}

fn schedule_id(path: Result<Path<String>, PathRejection>) -> Result<i64, ApiError> {
    let text = path.map(|Path(p)| p).unwrap_or_default();
    text.parse::<i64>().map_err(|_| {
        let mut e = ApiError::field("scheduleId", format!("`{text}` is not an integer schedule id"));
        e.fields[0].value = Some(serde_json::json!({ "attribute": "scheduleId" }));
        e.style(rest::style(MEDIA_TYPE))
    })
}

fn query(raw: Option<&str>) -> Result<ScheduleQuery, ApiError> {
    let pairs = rest::query_pairs(raw).map_err(|m| ApiError::field("query", m).style(rest::style(MEDIA_TYPE)))?;
    let q = Query::new(&pairs, MEDIA_TYPE);
    Ok(ScheduleQuery {
        active: q.bool("active")?,
        ids: q.ints("ids")?,
        job_names: q.strings("jobNames"),
        keys: q.strings("keys"),
        is_locked: q.bool("isLocked")?,
        stopped: q.bool("stopped")?,
        will_retry: q.bool("willRetry")?,
        order_by: q.enumerated("orderBy", "id, active, key, jobName, lastRun, lockedSince, retryCount, maxNoOfRetries, nextRetryDate")?,
        sort_direction: q.enumerated("sortDirection", "ASC, DESC")?,
        limit: q.int("limit")?,
        offset: q.int("offset")?,
    })
}

async fn run<T, F>(state: &AppState, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut crate::db::Conn) -> Result<T, ServiceError> + Send + 'static,
{
    state.db(move |conn| f(conn)).await.map_err(|e| rest::service_error(e, MEDIA_TYPE))
}

async fn list_states(State(state): State<AppState>, caller: Result<Caller, ApiError>, headers: HeaderMap, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    admit(caller, Right::SchedulesRead, &headers)?;
    let q = query(raw.as_deref())?;
    let body = run(&state, move |c| api::list_schedule_states(c, &q)).await?;
    Ok(rest::ok(StatusCode::OK, MEDIA_TYPE, &body))
}

async fn list_configs(State(state): State<AppState>, caller: Result<Caller, ApiError>, headers: HeaderMap, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    admit(caller, Right::SchedulesRead, &headers)?;
    let q = query(raw.as_deref())?;
    let body = run(&state, move |c| api::list_schedule_configs(c, &q)).await?;
    Ok(rest::ok(StatusCode::OK, MEDIA_TYPE, &body))
}

async fn get_state(State(state): State<AppState>, caller: Result<Caller, ApiError>, headers: HeaderMap, path: Result<Path<String>, PathRejection>) -> Result<Response, ApiError> {
    admit(caller, Right::SchedulesRead, &headers)?;
    let id = schedule_id(path)?;
    let body = run(&state, move |c| api::get_schedule_state(c, id)).await?;
    Ok(rest::ok(StatusCode::OK, MEDIA_TYPE, &body))
}

async fn get_config(State(state): State<AppState>, caller: Result<Caller, ApiError>, headers: HeaderMap, path: Result<Path<String>, PathRejection>) -> Result<Response, ApiError> {
    admit(caller, Right::SchedulesRead, &headers)?;
    let id = schedule_id(path)?;
    let body = run(&state, move |c| api::get_schedule_config(c, id)).await?;
    Ok(rest::ok(StatusCode::OK, MEDIA_TYPE, &body))
}

/// The body is optional (the spec does not require it): none changes nothing and answers the
/// current state.
async fn patch_state(State(state): State<AppState>, caller: Result<Caller, ApiError>, headers: HeaderMap, path: Result<Path<String>, PathRejection>, body: Bytes) -> Result<Response, ApiError> {
    let caller = admit(caller, Right::SchedulesWrite, &headers)?;
    let id = schedule_id(path)?;
    let update: ScheduleUpdate = rest::json_body(&headers, &body, MEDIA_TYPE, StatusCode::UNSUPPORTED_MEDIA_TYPE)?.unwrap_or_default();
    let who = caller.account().to_string();
    let body = run(&state, move |c| api::patch_schedule_state(c, id, &update)).await?;
    tracing::info!(user = %who, schedule = id, "schedule runtime values changed");
    Ok(rest::ok(StatusCode::OK, MEDIA_TYPE, &body))
}
