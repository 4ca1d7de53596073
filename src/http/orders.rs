//! IOM's order service 2.4 over HTTP: create and read orders, change requests
//! (`/rest/order-service/shops/{shopId}/orders...`; services in [`crate::order::intake`],
//! docs/orders.md "Orders in" and "Change requests"). Every operation needs ORDERS_WRITE for
//! the path's shop (401 without credentials, 403 for another shop). Request and answer bodies
//! are `application/vnd.intershop.order.v2+json` (another `Content-Type` is a 415); errors are
//! the spec's `ErrorReport` in `application/json`, one `Error` per bad field naming its JSON
//! path. Only the statuses the spec lists are answered (no 406: the spec declares none).
// The handlers return early with a finished answer (`Err(Response)`).
#![allow(clippy::result_large_err)]

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};

use super::auth::Caller;
use super::error::{ApiError, Style};
use super::state::AppState;
use crate::auth::Right;
use crate::order::intake::api::{ChangeRequestCreate, Order, MEDIA_TYPE};
use crate::order::intake::{self, OrderError, Problem};

const BASE: &str = "/rest/order-service";
const ORDERS: &str = "/rest/order-service/shops/{shopId}/orders";
const ORDER: &str = "/rest/order-service/shops/{shopId}/orders/{shopOrderNumber}";
const CHANGE_REQUESTS: &str = "/rest/order-service/shops/{shopId}/orders/{shopOrderNumber}/change-requests";
const CHANGE_REQUEST: &str = "/rest/order-service/shops/{shopId}/orders/{shopOrderNumber}/change-requests/{changeRequestId}";

/// Errors are `application/json` (the spec's 400 content).
const ERRORS: Style = Style::ErrorReport { media_type: "application/json" };

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(ORDERS, axum::routing::post(create_order))
        .route(ORDER, get(get_order))
        .route(CHANGE_REQUESTS, get(list_change_requests).post(create_change_request))
        .route(CHANGE_REQUEST, get(get_change_request))
}

fn report(status: StatusCode, errors: Vec<Value>) -> Response {
    let body = json!({ "status": status.as_u16(), "errors": errors });
    let mut r = (status, serde_json::to_vec(&body).unwrap_or_default()).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

fn problem(p: &Problem) -> Value {
    json!({ "code": p.code, "message": format!("{}: {}", p.field, p.reason), "value": { "attribute": p.field } })
}

pub(super) fn bad(field: impl Into<String>, reason: impl Into<String>) -> Response {
    let p = Problem { code: "VALIDATION_EXCEPTION", field: field.into(), reason: reason.into() };
    report(StatusCode::BAD_REQUEST, vec![problem(&p)])
}

pub(super) fn failure(e: OrderError) -> Response {
    match e {
        OrderError::Invalid(problems) => report(StatusCode::BAD_REQUEST, problems.iter().map(problem).collect()),
        OrderError::NotFound(m) => report(StatusCode::NOT_FOUND, vec![json!({ "code": "NOT_FOUND", "message": m })]),
        OrderError::Storage(cause) => ApiError::internal(cause).style(ERRORS).into_response(),
    }
}

pub(super) fn api_error(e: ApiError) -> Response {
    e.style(ERRORS).into_response()
}

/// The path's values: `shopId` (int64) and the others as they are (percent-decoded).
fn path_values(path: Result<Path<Vec<(String, String)>>, PathRejection>) -> Result<(i64, Vec<(String, String)>), Response> {
    let values = match path {
        Ok(Path(v)) => v,
        Err(e) => return Err(bad("path", format!("the path is unreadable: {}", e.body_text()))),
    };
    let text = values.iter().find(|(n, _)| n == "shopId").map(|(_, v)| v.as_str()).unwrap_or("");
    let shop = text.parse::<i64>().map_err(|_| bad("shopId", format!("`{}` is not an integer (int64) shop id", short(text))))?;
    Ok((shop, values))
}

fn value(values: &[(String, String)], name: &str) -> String {
    values.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_default()
}

fn short(text: &str) -> String {
    if text.chars().count() > 40 {
        format!("{}...", text.chars().take(40).collect::<String>())
    } else {
        text.to_string()
    }
}

/// The caller, the path's shop and the path's values.
type Admitted = (Caller, i64, Vec<(String, String)>);

/// Authentication (401), the path (400) and ORDERS_WRITE for its shop (403), in that order.
fn admit(caller: Result<Caller, ApiError>, path: Result<Path<Vec<(String, String)>>, PathRejection>) -> Result<Admitted, Response> {
    let caller = caller.map_err(api_error)?;
    let (shop, values) = path_values(path)?;
    caller.require_shop(Right::OrdersWrite, shop).map_err(api_error)?;
    Ok((caller, shop, values))
}

/// A JSON body in the spec's media type (415 otherwise), every value of the spec's types (a
/// `null` is none), read into `T` with the path of the first unusable value.
fn body<T: serde::de::DeserializeOwned>(headers: &HeaderMap, body: Result<Bytes, BytesRejection>, root: &str) -> Result<T, Response> {
    body_in(headers, body, root, MEDIA_TYPE)
}

/// [`body`] in media type `media_type` (the RMA service's).
pub(super) fn body_in<T: serde::de::DeserializeOwned>(headers: &HeaderMap, body: Result<Bytes, BytesRejection>, root: &str, media_type: &str) -> Result<T, Response> {
    let media_type_owned = media_type.to_string();
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if essence != media_type_owned {
        let shown = if content_type.is_empty() { "none".to_string() } else { short(content_type) };
        return Err(report(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            vec![json!({ "code": "UNSUPPORTED_MEDIA_TYPE", "message": format!("the request body must be {media_type_owned}, not {shown} (Content-Type)") })],
        ));
    }
    let bytes = match body {
        Ok(b) => b,
        Err(e) => return Err(bad("body", format!("the request body is unreadable: {}", e.body_text()))),
    };
    let v: Value = serde_json::from_slice(&bytes).map_err(|e| bad("body", format!("the request body is not JSON: {e}")))?;
    if !v.is_object() {
        return Err(bad("body", format!("the request body is a JSON object ({root})")));
    }
    if let Some(at) = first_null(&v, String::new()) {
        return Err(bad(at, "null is not allowed (leave the attribute out instead)"));
    }
    serde_path_to_error::deserialize::<_, T>(v).map_err(|e| {
        let mut field = e.path().to_string();
        let message = e.into_inner().to_string();
        if let Some(name) = message.strip_prefix("missing field `").and_then(|m| m.split('`').next()) {
            field = if field == "." || field.is_empty() { name.to_string() } else { format!("{field}.{name}") };
        }
        if field == "." || field.is_empty() {
            field = "body".into();
        }
        bad(field, message)
    })
}

fn first_null(v: &Value, at: String) -> Option<String> {
    match v {
        Value::Null => Some(if at.is_empty() { "body".into() } else { at }),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| first_null(item, format!("{at}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(k, item)| first_null(item, if at.is_empty() { k.clone() } else { format!("{at}.{k}") })),
        _ => None,
    }
}

/// A path segment percent-encoded (all but the unreserved characters).
pub(super) fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub(super) fn created(location: String) -> Response {
    let mut r = StatusCode::CREATED.into_response();
    match HeaderValue::from_str(&location) {
        Ok(v) => {
            r.headers_mut().insert(header::LOCATION, v);
            r
        }
        Err(e) => ApiError::internal(e).style(ERRORS).into_response(),
    }
}

fn ok<T: serde::Serialize>(body: &T) -> Response {
    ok_in(body, MEDIA_TYPE)
}

/// [`ok`] in media type `media_type`.
pub(super) fn ok_in<T: serde::Serialize>(body: &T, media_type: &'static str) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => {
            let mut r = (StatusCode::OK, bytes).into_response();
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
            r
        }
        Err(e) => ApiError::internal(e).style(ERRORS).into_response(),
    }
}

async fn run<T, F>(state: &AppState, f: F) -> Response
where
    T: Send + 'static,
    F: FnOnce(&mut crate::db::Conn) -> Result<T, OrderError> + Send + 'static,
    T: IntoAnswer,
{
    match state.db(move |conn| Ok::<_, crate::error::Error>(f(conn))).await {
        Ok(Ok(v)) => v.answer(),
        Ok(Err(e)) => failure(e),
        Err(e) => ApiError::internal(e).style(ERRORS).into_response(),
    }
}

/// How a service result becomes the answer.
trait IntoAnswer {
    fn answer(self) -> Response;
}

impl IntoAnswer for Response {
    fn answer(self) -> Response {
        self
    }
}

/// `POST /shops/{shopId}/orders`: 201 with `Location` once the order is stored (durably).
async fn create_order(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    path: Result<Path<Vec<(String, String)>>, PathRejection>,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> Response {
    let (caller, shop, _) = match admit(caller, path) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let order: Order = match body(&headers, raw, "Order") {
        Ok(o) => o,
        Err(r) => return r,
    };
    let who = caller.account().to_string();
    run(&state, move |conn| {
        intake::create_order(conn, shop, &order)?;
        tracing::info!(user = %who, shop, order = %order.shop_order_number, "order created");
        Ok(created(format!("{BASE}/shops/{shop}/orders/{}", segment(&order.shop_order_number))))
    })
    .await
}

/// `GET /shops/{shopId}/orders/{shopOrderNumber}`: 200, 404 for an order the shop does not have.
async fn get_order(State(state): State<AppState>, caller: Result<Caller, ApiError>, path: Result<Path<Vec<(String, String)>>, PathRejection>) -> Response {
    let (_, shop, values) = match admit(caller, path) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let no = value(&values, "shopOrderNumber");
    run(&state, move |conn| intake::get_order(conn, shop, &no).map(|o| ok(&o))).await
}

/// `POST .../change-requests`: 201 with `Location`; the change request's status says whether
/// the cancellation was applied.
async fn create_change_request(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    path: Result<Path<Vec<(String, String)>>, PathRejection>,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> Response {
    let (caller, shop, values) = match admit(caller, path) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let req: ChangeRequestCreate = match body(&headers, raw, "ChangeRequestCreate") {
        Ok(o) => o,
        Err(r) => return r,
    };
    let no = value(&values, "shopOrderNumber");
    let who = caller.account().to_string();
    run(&state, move |conn| {
        let id = intake::create_change_request(conn, shop, &no, &req, &who)?;
        Ok(created(format!("{BASE}/shops/{shop}/orders/{}/change-requests/{}", segment(&no), segment(&id))))
    })
    .await
}

/// `GET .../change-requests`: 200 with every change request of the order (`excludes` is
/// accepted and ignored: every attribute the spec requires is answered).
async fn list_change_requests(State(state): State<AppState>, caller: Result<Caller, ApiError>, path: Result<Path<Vec<(String, String)>>, PathRejection>) -> Response {
    let (_, shop, values) = match admit(caller, path) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let no = value(&values, "shopOrderNumber");
    run(&state, move |conn| intake::change_requests(conn, shop, &no).map(|v| ok(&v))).await
}

/// `GET .../change-requests/{changeRequestId}`: 200, 404 when the order or the change request
/// is unknown.
async fn get_change_request(State(state): State<AppState>, caller: Result<Caller, ApiError>, path: Result<Path<Vec<(String, String)>>, PathRejection>) -> Response {
    let (_, shop, values) = match admit(caller, path) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let no = value(&values, "shopOrderNumber");
    let id = value(&values, "changeRequestId");
    run(&state, move |conn| intake::change_request(conn, shop, &no, &id).map(|v| ok(&v))).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_percent_encoded() {
        assert_eq!(segment("2019-089013"), "2019-089013");
        assert_eq!(segment("a/b c?"), "a%2Fb%20c%3F");
        assert_eq!(segment("ü"), "%C3%BC");
    }
}
