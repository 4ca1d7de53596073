//! IOM's ATP 2.0 and Reservation 2.0 over HTTP (docs/api.md, "HTTP: ATP and reservations"):
//! the handlers read the path, query and body themselves, so that every unusable value is
//! answered with the spec's `HttpResponse*` body (`statusCode`, `errors` with the
//! `sourceField`), never with a plain-text rejection; then they check the caller's right for the
//! shop and call [`crate::inventory`]: ATP reads on the request's own thread, in the login's
//! snapshot ([`Credentials::read`]); reservations on a blocking thread.
//!
//! - `GET /servlets/services/atp/{shopId}/{id}?resvId=`: `ATP_READ` for the shop.
//! - `POST /servlets/services/reservation/{shopId}`: `RESERVATION_WRITE` for the shop.
//! - `GET|PUT|DELETE /servlets/services/reservation/{reservationId}`: `RESERVATION_WRITE` for the
//!   reservation's shop; a reservation of a shop the caller may not use is answered exactly as
//!   one that does not exist (404), so its existence does not leak.
// The handlers return early with a finished answer (`Err(Response)`); it is made once a request.
#![allow(clippy::result_large_err)]

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Serialize;
use serde_json::Value;

use super::auth::{Caller, Credentials};
use super::error::ApiError;
use super::state::AppState;
use crate::auth::Right;
use crate::inventory::api::{CodedException, FieldError, HttpResponseListAtp, HttpResponseReservation, ReservationRequest};
use crate::inventory::{self as inv, FieldProblem, InventoryError};

const ATP: &str = "/servlets/services/atp/{shopId}/{id}";
/// The ATP path with an empty id list (answered 400 naming `id`, not 404).
const ATP_NO_IDS: &str = "/servlets/services/atp/{shopId}/";
/// `{shopId}` for POST, `{reservationId}` for GET, PUT and DELETE: one pattern, one name.
const RESERVATION: &str = "/servlets/services/reservation/{id}";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(ATP, get(atp))
        .route(ATP_NO_IDS, get(atp_without_ids))
        .route(RESERVATION, get(get_reservation).post(create_reservation).put(update_reservation).delete(delete_reservation))
}

/// Which spec's body an answer has.
#[derive(Clone, Copy)]
enum Api {
    Atp,
    Reservation,
}

fn json<T: Serialize>(status: StatusCode, body: &T) -> Response {
    let mut r = (status, serde_json::to_vec(body).unwrap_or_default()).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

/// The answer of a service error, in the spec's body.
fn failure(api: Api, e: &InventoryError) -> Response {
    if let InventoryError::Storage(cause) = e {
        tracing::error!(error = %cause, "inventory request failed");
    }
    let status = StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    match api {
        Api::Atp => json(status, &e.to_atp_response()),
        Api::Reservation => json(status, &e.to_reservation_response()),
    }
}

fn invalid(api: Api, field: impl Into<String>, reason: impl Into<String>) -> Response {
    failure(api, &InventoryError::Invalid(vec![FieldProblem::new(field, reason)]))
}

/// A status of the request itself (415, 413) in the spec's body: one field error and one coded
/// exception.
fn refused(api: Api, status: StatusCode, code: &str, field: &str, message: &str) -> Response {
    let errors = vec![FieldError { message: Some(message.to_string()), source_field: Some(field.to_string()) }];
    let exceptions = vec![CodedException { message: Some(message.to_string()), code: Some(code.to_string()) }];
    let code = Some(status.as_u16() as i32);
    match api {
        Api::Atp => json(status, &HttpResponseListAtp { data: None, status_code: code, errors, exceptions }),
        Api::Reservation => json(status, &HttpResponseReservation { data: None, status_code: code, errors, exceptions }),
    }
}

/// The answer of an error outside the service (authentication, a failed blocking task).
fn api_error(e: ApiError) -> Response {
    e.into_response()
}

/// An `int64` path or query value.
fn int64(api: Api, field: &str, text: &str) -> Result<i64, Response> {
    text.parse::<i64>().map_err(|_| invalid(api, field, format!("an integer (int64) is required, not '{}'", shorten(text))))
}

/// At most 40 characters of a value quoted in a message.
fn shorten(text: &str) -> String {
    if text.chars().count() > 40 {
        format!("{}...", text.chars().take(40).collect::<String>())
    } else {
        text.to_string()
    }
}

fn path_values(api: Api, path: Result<Path<Vec<(String, String)>>, PathRejection>) -> Result<Vec<(String, String)>, Response> {
    match path {
        Ok(Path(values)) => Ok(values),
        Err(e) => Err(invalid(api, "path", format!("the path is unreadable: {}", e.body_text()))),
    }
}

fn value<'a>(values: &'a [(String, String)], name: &str) -> &'a str {
    values.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str()).unwrap_or("")
}

/// `GET /atp/{shopId}/{id}?resvId=`.
async fn atp(
    State(state): State<AppState>,
    credentials: Credentials,
    path: Result<Path<Vec<(String, String)>>, PathRejection>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    // the login comes first (401 before 400), in the same read as the answer
    let request = atp_request(path, query);
    let now = chrono::Utc::now();
    let answer = credentials
        .read(&state, |conn, caller| {
            let (shop, ids, resv_id) = match request {
                Ok(r) => r,
                Err(r) => return Ok(r),
            };
            caller.require_shop(Right::AtpRead, shop)?;
            Ok(match inv::atp(conn, shop, &ids, resv_id, now) {
                Ok(answer) => json(StatusCode::OK, &answer),
                Err(e) => failure(Api::Atp, &e),
            })
        })
        .await;
    answer.unwrap_or_else(api_error)
}

/// The shop, the product ids and the `resvId` of an ATP request.
fn atp_request(
    path: Result<Path<Vec<(String, String)>>, PathRejection>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<(i64, Vec<String>, Option<i64>), Response> {
    let values = path_values(Api::Atp, path)?;
    let shop = int64(Api::Atp, "shopId", value(&values, "shopId"))?;
    let query = match query {
        Ok(Query(q)) => q,
        Err(e) => return Err(invalid(Api::Atp, "query", format!("the query is unreadable: {}", e.body_text()))),
    };
    let mut resv_id = None;
    for (name, text) in &query {
        if name == "resvId" {
            if resv_id.is_some() {
                return Err(invalid(Api::Atp, "resvId", "resvId is given more than once"));
            }
            resv_id = Some(int64(Api::Atp, "resvId", text)?);
        }
    }
    Ok((shop, inv::parse_ids(value(&values, "id")), resv_id))
}

/// `GET /atp/{shopId}/`: no product id.
async fn atp_without_ids(_caller: Caller, path: Result<Path<Vec<(String, String)>>, PathRejection>) -> Response {
    let values = match path_values(Api::Atp, path) {
        Ok(v) => v,
        Err(r) => return r,
    };
    if let Err(r) = int64(Api::Atp, "shopId", value(&values, "shopId")) {
        return r;
    }
    invalid(Api::Atp, "id", "at least one product id is required")
}

/// The request body: `application/json` (415 otherwise where the spec declares it, POST; 400
/// for PUT, whose spec declares no 415), a JSON object whose values have the spec's types
/// (`null` is none of them), each problem named by its JSON path.
fn request_body(api: Api, headers: &HeaderMap, body: Result<Bytes, BytesRejection>, wrong_type: StatusCode) -> Result<ReservationRequest, Response> {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or("").trim();
    if !essence.eq_ignore_ascii_case("application/json") {
        let message = if content_type.is_empty() {
            "the request body must be application/json; the request has no Content-Type".to_string()
        } else {
            format!("the request body must be application/json, not '{}'", shorten(content_type))
        };
        return Err(if wrong_type == StatusCode::UNSUPPORTED_MEDIA_TYPE {
            refused(api, wrong_type, "UNSUPPORTED_MEDIA_TYPE", "Content-Type", &message)
        } else {
            invalid(api, "Content-Type", message)
        });
    }
    let bytes = match body {
        Ok(b) => b,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return Err(refused(api, StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE", "body", "the request body is too large"))
        }
        Err(e) => return Err(invalid(api, "body", format!("the request body is unreadable: {}", e.body_text()))),
    };
    let value: Value = serde_json::from_slice(&bytes).map_err(|e| invalid(api, "body", format!("the request body is not JSON: {e}")))?;
    if !value.is_object() {
        return Err(invalid(api, "body", "the request body is a JSON object (ReservationRequest)"));
    }
    if let Some(at) = first_null(&value, String::new()) {
        return Err(invalid(api, at, "null is not a value of this field"));
    }
    serde_path_to_error::deserialize::<_, ReservationRequest>(value).map_err(|e| {
        let field = e.path().to_string();
        let field = if field == "." || field.is_empty() { "body".to_string() } else { field };
        invalid(api, field, e.into_inner().to_string())
    })
}

/// The JSON path of the first `null` in `v` (`items[0].qty`).
fn first_null(v: &Value, at: String) -> Option<String> {
    match v {
        Value::Null => Some(at),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| first_null(item, format!("{at}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(k, item)| first_null(item, if at.is_empty() { k.clone() } else { format!("{at}.{k}") })),
        _ => None,
    }
}

/// `POST /reservation/{shopId}`: 200 (the spec's declared response).
async fn create_reservation(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<Vec<(String, String)>>, PathRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let api = Api::Reservation;
    let shop = match path_values(api, path).and_then(|v| int64(api, "shopId", value(&v, "id"))) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let req = match request_body(api, &headers, body, StatusCode::UNSUPPORTED_MEDIA_TYPE) {
        Ok(r) => r,
        Err(r) => return r,
    };
    if let Err(e) = caller.require_shop(Right::ReservationWrite, shop) {
        return api_error(e);
    }
    let now = chrono::Utc::now();
    match state.db(move |conn| Ok::<_, ApiError>(inv::create_reservation(conn, shop, &req, now))).await {
        Ok(Ok(answer)) => json(StatusCode::OK, &answer),
        Ok(Err(e)) => failure(api, &e),
        Err(e) => api_error(e),
    }
}

/// The reservation of the path, when the caller may use it: 403 without the right for any shop;
/// 404 when there is no such reservation or it is of a shop the caller may not use (the same
/// answer).
fn reservation_id(caller: Caller, path: Result<Path<Vec<(String, String)>>, PathRejection>) -> Result<(Caller, i64), Response> {
    let id = path_values(Api::Reservation, path).and_then(|v| int64(Api::Reservation, "reservationId", value(&v, "id")))?;
    if !caller.principal.may(Right::ReservationWrite) {
        return Err(api_error(ApiError::forbidden(format!("user {} lacks the right {}", caller.account(), Right::ReservationWrite.as_str()))));
    }
    Ok((caller, id))
}

/// The shop check inside the storage work: [`InventoryError::ReservationNotFound`] unless the
/// caller may use the reservation's shop.
fn owned(conn: &crate::db::Conn, caller: &Caller, id: i64) -> Result<(), InventoryError> {
    let shop = inv::reservation_shop(conn, id)?;
    if caller.principal.may_for_shop(Right::ReservationWrite, shop) {
        Ok(())
    } else {
        tracing::info!(user = %caller.account(), reservation = id, shop, "reservation of a shop the user may not use: answered as not found");
        Err(InventoryError::ReservationNotFound(id))
    }
}

/// `GET /reservation/{reservationId}`: 200.
async fn get_reservation(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<Vec<(String, String)>>, PathRejection>,
) -> Response {
    let (caller, id) = match reservation_id(caller, path) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let now = chrono::Utc::now();
    let work = move |conn: &mut crate::db::Conn| {
        Ok::<_, ApiError>(owned(conn, &caller, id).and_then(|()| inv::get_reservation(conn, id, now)))
    };
    match state.db(work).await {
        Ok(Ok(answer)) => json(StatusCode::OK, &answer),
        Ok(Err(e)) => failure(Api::Reservation, &e),
        Err(e) => api_error(e),
    }
}

/// `PUT /reservation/{reservationId}`: 201 (the spec's).
async fn update_reservation(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<Vec<(String, String)>>, PathRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let (caller, id) = match reservation_id(caller, path) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let req = match request_body(Api::Reservation, &headers, body, StatusCode::BAD_REQUEST) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let now = chrono::Utc::now();
    let work = move |conn: &mut crate::db::Conn| {
        Ok::<_, ApiError>(owned(conn, &caller, id).and_then(|()| inv::update_reservation(conn, id, &req, now)))
    };
    match state.db(work).await {
        Ok(Ok(answer)) => json(StatusCode::CREATED, &answer),
        Ok(Err(e)) => failure(Api::Reservation, &e),
        Err(e) => api_error(e),
    }
}

/// `DELETE /reservation/{reservationId}`: 204 without a body.
async fn delete_reservation(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<Vec<(String, String)>>, PathRejection>,
) -> Response {
    let (caller, id) = match reservation_id(caller, path) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let work = move |conn: &mut crate::db::Conn| Ok::<_, ApiError>(owned(conn, &caller, id).and_then(|()| inv::delete_reservation(conn, id)));
    match state.db(work).await {
        Ok(Ok(())) => StatusCode::NO_CONTENT.into_response(),
        Ok(Err(e)) => failure(Api::Reservation, &e),
        Err(e) => api_error(e),
    }
}

/// Rewrites the request body limit's plain-text 413 (answered before any handler) into the
/// `HttpResponse` body for the paths under `/servlets/services`.
pub async fn too_large(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let servlets = req.uri().path().starts_with("/servlets/services/");
    let api = if req.uri().path().starts_with("/servlets/services/atp/") { Api::Atp } else { Api::Reservation };
    let r = next.run(req).await;
    let plain = r.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|t| t.starts_with("text/plain"));
    if servlets && r.status() == StatusCode::PAYLOAD_TOO_LARGE && plain {
        return refused(api, StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE", "body", "the request body is too large");
    }
    r
}
