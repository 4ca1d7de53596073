//! IOM's Transmission REST API 2.0 under `/rest` (services in [`crate::send::api`]):
//! `POST /transmissions/by-type`, `GET /transmissions/{transmissionId}`,
//! `GET /transmissions/types`, `POST /transmission-updates/by-id` (207) and
//! `POST /transmission-updates/by-filter` (202). Reads need the global right
//! TRANSMISSIONS_READ, updates TRANSMISSIONS_WRITE; bodies are
//! `application/vnd.intershop.transmission.v2+json`.
use axum::body::Bytes;
use axum::extract::{rejection::PathRejection, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use super::auth::Caller;
use super::error::ApiError;
use super::rest;
use super::state::AppState;
use crate::auth::Right;
use crate::error::ServiceError;
use crate::send::api::{self, TransmissionBulkUpdateRequest, TransmissionSearchRequest, TransmissionUpdateRequest, MEDIA_TYPE};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/rest/transmissions/by-type", post(search))
        .route("/rest/transmissions/types", get(types))
        .route("/rest/transmissions/{transmissionId}", get(one))
        .route("/rest/transmission-updates/by-id", post(update_by_id))
        .route("/rest/transmission-updates/by-filter", post(update_by_filter))
}

/// Authentication, the right and `Accept`, in that order (401, 403, 406).
fn admit(caller: Result<Caller, ApiError>, right: Right, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let style = rest::style(MEDIA_TYPE);
    let caller = caller.map_err(|e| e.style(style))?;
    caller.require(right).map_err(|e| e.style(style))?;
    rest::check_accept(headers, MEDIA_TYPE)?;
    Ok(caller)
}

async fn run<T, F>(state: &AppState, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut crate::db::Conn) -> Result<T, ServiceError> + Send + 'static,
{
    state.db(move |conn| f(conn)).await.map_err(|e| rest::service_error(e, MEDIA_TYPE))
}

fn missing_body(field: &str) -> ApiError {
    ApiError::field(field, "the request body is required").style(rest::style(MEDIA_TYPE))
}

/// The spec lists no 415 for the search: a foreign `Content-Type` is a 400 there.
async fn search(State(state): State<AppState>, caller: Result<Caller, ApiError>, headers: HeaderMap, body: Bytes) -> Result<Response, ApiError> {
    admit(caller, Right::TransmissionsRead, &headers)?;
    let req: TransmissionSearchRequest = rest::json_body(&headers, &body, MEDIA_TYPE, StatusCode::BAD_REQUEST)?.ok_or_else(|| missing_body("transmissionFilter"))?;
    let body = run(&state, move |c| api::search_transmissions(c, &req)).await?;
    Ok(rest::ok(StatusCode::OK, MEDIA_TYPE, &body))
}

async fn one(State(state): State<AppState>, caller: Result<Caller, ApiError>, headers: HeaderMap, path: Result<Path<String>, PathRejection>) -> Result<Response, ApiError> {
    admit(caller, Right::TransmissionsRead, &headers)?;
    let id = path.map(|Path(p)| p).map_err(|e| ApiError::field("transmissionId", e.body_text()).style(rest::style(MEDIA_TYPE)))?;
    let body = run(&state, move |c| api::get_transmission(c, &id)).await?;
    Ok(rest::ok(StatusCode::OK, MEDIA_TYPE, &body))
}

async fn types(State(state): State<AppState>, caller: Result<Caller, ApiError>, headers: HeaderMap) -> Result<Response, ApiError> {
    admit(caller, Right::TransmissionsRead, &headers)?;
    let body = run(&state, |c| api::transmission_types(c)).await?;
    Ok(rest::ok(StatusCode::OK, MEDIA_TYPE, &body))
}

/// 207 with one result per item; no body (the spec does not require one) is an empty list.
async fn update_by_id(State(state): State<AppState>, caller: Result<Caller, ApiError>, headers: HeaderMap, body: Bytes) -> Result<Response, ApiError> {
    let caller = admit(caller, Right::TransmissionsWrite, &headers)?;
    let items: Vec<TransmissionUpdateRequest> = rest::json_body(&headers, &body, MEDIA_TYPE, StatusCode::UNSUPPORTED_MEDIA_TYPE)?.unwrap_or_default();
    let who = caller.account().to_string();
    let body = run(&state, move |c| api::update_by_id(c, &items)).await?;
    tracing::info!(user = %who, succeeded = body.meta.success_count, failed = body.meta.failure_count, "transmission updates by id");
    Ok(rest::ok(StatusCode::MULTI_STATUS, MEDIA_TYPE, &body))
}

/// 202 without a body (as the spec); the headers `Impex-Accepted` and `Impex-Skipped` count the
/// changed and the skipped transmissions (all changes are done when the answer is sent).
async fn update_by_filter(State(state): State<AppState>, caller: Result<Caller, ApiError>, headers: HeaderMap, body: Bytes) -> Result<Response, ApiError> {
    let caller = admit(caller, Right::TransmissionsWrite, &headers)?;
    let req: TransmissionBulkUpdateRequest = rest::json_body(&headers, &body, MEDIA_TYPE, StatusCode::UNSUPPORTED_MEDIA_TYPE)?.ok_or_else(|| missing_body("updateType"))?;
    let who = caller.account().to_string();
    let r = run(&state, move |c| api::update_by_filter(c, &req)).await?;
    tracing::info!(user = %who, accepted = r.accepted, skipped = r.skipped, "transmission updates by filter");
    let mut resp = StatusCode::ACCEPTED.into_response();
    resp.headers_mut().insert("impex-accepted", HeaderValue::from(r.accepted));
    resp.headers_mut().insert("impex-skipped", HeaderValue::from(r.skipped));
    Ok(resp)
}
