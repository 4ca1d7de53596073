//! IOM's RMA service 2.12 over HTTP (`/rest/rma/shops/{shopName}/...`; services in
//! [`crate::order::returns`], docs/orders.md "Returns"). Every operation needs RMA_WRITE for the
//! path's shop (401 without credentials, 404 for a shop name that does not exist, 403 for
//! another shop). Answers are `application/vnd.intershop.return-request.v1+json` (406 when
//! `Accept` refuses it); request bodies are that type, approvals
//! `application/vnd.intershop.approval.v1+json` (415 otherwise); errors are the spec's
//! `ErrorReport` in `application/json`, one `Error` per bad field naming its JSON path.
// The handlers return early with a finished answer (`Err(Response)`).
#![allow(clippy::result_large_err)]

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use super::auth::Caller;
use super::error::ApiError;
use super::orders::{api_error, bad, body_in, created, failure, ok_in, segment};
use super::state::AppState;
use crate::auth::Right;
use crate::order::intake::{OrderError, Problem};
use crate::order::returns::{self as rma, Shop as ShopRow, WriteApproval, WriteCustomAttribute, WriteReturnRequest, APPROVAL_MEDIA_TYPE, ATTRIBUTE_MEDIA_TYPE, CONTACT_MEDIA_TYPE, ITEM_MEDIA_TYPE, MEDIA_TYPE, PICKUP_MEDIA_TYPE, POSITION_MEDIA_TYPE};

const BASE: &str = "/rest/rma";
const REASONS: &str = "/rest/rma/shops/{shopName}/return-reasons";
const REQUESTS: &str = "/rest/rma/shops/{shopName}/orders/{shopOrderNumber}/return-requests";
const RETURNABLES: &str = "/rest/rma/shops/{shopName}/orders/{shopOrderNumber}/return-requests/returnables";
const REQUEST: &str = "/rest/rma/shops/{shopName}/orders/{shopOrderNumber}/return-requests/{returnRequestId}";
const APPROVALS: &str = "/rest/rma/shops/{shopName}/orders/{shopOrderNumber}/return-requests/{returnRequestId}/approvals";
const POSITIONS: &str = "/rest/rma/shops/{shopName}/orders/{shopOrderNumber}/return-requests/{returnRequestId}/positions";
const POSITION: &str = "/rest/rma/shops/{shopName}/orders/{shopOrderNumber}/return-requests/{returnRequestId}/positions/{returnRequestPositionId}";
const ITEMS: &str = "/rest/rma/shops/{shopName}/orders/{shopOrderNumber}/return-requests/{returnRequestId}/positions/{returnRequestPositionId}/items";
const CONTACTS: &str = "/rest/rma/shops/{shopName}/orders/{shopOrderNumber}/return-requests/{returnRequestId}/contact-persons";
const PICKUPS: &str = "/rest/rma/shops/{shopName}/orders/{shopOrderNumber}/return-requests/{returnRequestId}/pickup-addresses";
const ATTRIBUTES: &str = "/rest/rma/shops/{shopName}/orders/{shopOrderNumber}/return-requests/{returnRequestId}/custom-attributes";
const ATTRIBUTE: &str = "/rest/rma/shops/{shopName}/orders/{shopOrderNumber}/return-requests/{returnRequestId}/custom-attributes/{customAttributeId}";
const POSITION_ATTRIBUTES: &str = "/rest/rma/shops/{shopName}/orders/{shopOrderNumber}/return-requests/{returnRequestId}/positions/{returnRequestPositionId}/custom-attributes";
const POSITION_ATTRIBUTE: &str =
    "/rest/rma/shops/{shopName}/orders/{shopOrderNumber}/return-requests/{returnRequestId}/positions/{returnRequestPositionId}/custom-attributes/{customAttributeId}";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(REASONS, get(reasons))
        .route(REQUESTS, get(list_requests).post(create_request))
        .route(RETURNABLES, get(returnables))
        .route(REQUEST, get(get_request).put(replace_request))
        .route(APPROVALS, post(approve))
        .route(POSITIONS, get(positions))
        .route(POSITION, get(position))
        .route(ITEMS, get(items))
        .route(CONTACTS, get(contacts))
        .route(PICKUPS, get(pickups))
        .route(ATTRIBUTES, get(attributes).put(replace_attributes).post(add_attributes))
        .route(ATTRIBUTE, get(attribute).delete(delete_attribute))
        .route(POSITION_ATTRIBUTES, get(attributes).put(replace_attributes).post(add_attributes))
        .route(POSITION_ATTRIBUTE, get(attribute).delete(delete_attribute))
}

/// The path's values, percent-decoded.
struct Values(Vec<(String, String)>);

impl Values {
    fn text(&self, name: &str) -> String {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_default()
    }

    /// An int64 path value; another value names no request or position (404: the GET
    /// operations list no 400).
    fn id(&self, name: &str) -> Result<i64, Response> {
        let text = self.text(name);
        text.parse::<i64>().map_err(|_| failure(OrderError::NotFound(format!("{name} `{}` is not an id (int64)", text.chars().take(40).collect::<String>()))))
    }

    /// An int64 path value of a POST (400 naming it otherwise).
    fn posted_id(&self, name: &str) -> Result<i64, Response> {
        let text = self.text(name);
        text.parse::<i64>().map_err(|_| bad(name, format!("`{}` is not an integer (int64)", text.chars().take(40).collect::<String>())))
    }

    /// The URL path of the order's return requests.
    fn requests_url(&self) -> String {
        format!("{BASE}/shops/{}/orders/{}/return-requests", segment(&self.text("shopName")), segment(&self.text("shopOrderNumber")))
    }
}

/// Authentication (401), the path (400), `Accept` (406), the shop (404) and RMA_WRITE for it
/// (403), in that order.
async fn admit(state: &AppState, caller: Result<Caller, ApiError>, path: Result<Path<Vec<(String, String)>>, PathRejection>, headers: &HeaderMap, accept: Option<&'static str>) -> Result<(ShopRow, Values), Response> {
    let caller = caller.map_err(api_error)?;
    let values = match path {
        Ok(Path(v)) => Values(v),
        Err(e) => return Err(bad("path", format!("the path is unreadable: {}", e.body_text()))),
    };
    if let Some(media_type) = accept {
        super::rest::check_accept(headers, media_type).map_err(IntoResponse::into_response)?;
    }
    let name = values.text("shopName");
    let shop = match state.read(move |conn| Ok::<_, crate::error::Error>(rma::shop(conn, &name))).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) if accept.is_none() => return Err(failure(posted(e))),
        Ok(Err(e)) => return Err(failure(e)),
        Err(e) => return Err(api_error(ApiError::internal(e))),
    };
    caller.require_shop(Right::RmaWrite, shop.id).map_err(api_error)?;
    Ok((shop, values))
}

/// `f` on a blocking thread; its value as the answer (200 in the spec's media type).
async fn answer<T, F>(state: &AppState, media_type: &'static str, f: F) -> Response
where
    T: serde::Serialize + Send + 'static,
    F: FnOnce(&mut crate::db::Conn) -> Result<T, OrderError> + Send + 'static,
{
    match state.db(move |conn| Ok::<_, crate::error::Error>(f(conn))).await {
        Ok(Ok(v)) => ok_in(&v, media_type),
        Ok(Err(e)) => failure(e),
        Err(e) => api_error(ApiError::internal(e)),
    }
}

/// A POST names what it is about in its path: an unknown order or request is a 400 naming the
/// path value (the POST operations list no 404).
fn posted(e: OrderError) -> OrderError {
    match e {
        OrderError::NotFound(m) => OrderError::Invalid(vec![Problem { code: "VALIDATION_EXCEPTION", field: "path".into(), reason: m }]),
        e => e,
    }
}

macro_rules! admitted {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(r) => return r,
        }
    };
}

/// `GET /shops/{shopName}/return-reasons?type=`.
async fn reasons(State(state): State<AppState>, caller: Result<Caller, ApiError>, path: Result<Path<Vec<(String, String)>>, PathRejection>, headers: HeaderMap, RawQuery(raw): RawQuery) -> Response {
    let (shop, _) = admitted!(admit(&state, caller, path, &headers, Some(MEDIA_TYPE)).await);
    let mut types = Vec::new();
    let pairs = match super::rest::query_pairs(raw.as_deref()) {
        Ok(p) => p,
        Err(e) => return bad("query", e),
    };
    for (k, v) in pairs {
        if k == "type" {
            types.extend(v.split(',').map(str::trim).filter(|t| !t.is_empty()).map(str::to_string));
        }
    }
    answer(&state, MEDIA_TYPE, move |c| rma::reasons(c, &shop, &types)).await
}

/// `GET .../return-requests/returnables`.
async fn returnables(State(state): State<AppState>, caller: Result<Caller, ApiError>, path: Result<Path<Vec<(String, String)>>, PathRejection>, headers: HeaderMap) -> Response {
    let (shop, v) = admitted!(admit(&state, caller, path, &headers, Some(MEDIA_TYPE)).await);
    let (no, base) = (v.text("shopOrderNumber"), v.requests_url());
    answer(&state, MEDIA_TYPE, move |c| rma::returnables(c, &shop, &no, &base)).await
}

/// `GET .../return-requests`.
async fn list_requests(State(state): State<AppState>, caller: Result<Caller, ApiError>, path: Result<Path<Vec<(String, String)>>, PathRejection>, headers: HeaderMap) -> Response {
    let (shop, v) = admitted!(admit(&state, caller, path, &headers, Some(MEDIA_TYPE)).await);
    let (name, no, base) = (v.text("shopName"), v.text("shopOrderNumber"), v.requests_url());
    answer(&state, MEDIA_TYPE, move |c| rma::requests(c, &name, &shop, &no, &base)).await
}

/// `POST .../return-requests`: 201 with `Location` once stored (also for a retry with an RMA
/// number the order has: the request stored before).
async fn create_request(State(state): State<AppState>, caller: Result<Caller, ApiError>, path: Result<Path<Vec<(String, String)>>, PathRejection>, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Response {
    let (shop, v) = admitted!(admit(&state, caller, path, &headers, None).await);
    let request: WriteReturnRequest = admitted!(body_in(&headers, body, "WriteReturnRequest", MEDIA_TYPE));
    let no = v.text("shopOrderNumber");
    let base = v.requests_url();
    match state.db(move |conn| Ok::<_, crate::error::Error>(rma::create_request(conn, &shop, &no, &request))).await {
        Ok(Ok((id, _new))) => created(format!("{base}/{id}")),
        Ok(Err(e)) => failure(posted(e)),
        Err(e) => api_error(ApiError::internal(e)),
    }
}

/// `GET .../return-requests/{returnRequestId}`.
async fn get_request(State(state): State<AppState>, caller: Result<Caller, ApiError>, path: Result<Path<Vec<(String, String)>>, PathRejection>, headers: HeaderMap) -> Response {
    let (shop, v) = admitted!(admit(&state, caller, path, &headers, Some(MEDIA_TYPE)).await);
    let id = admitted!(v.id("returnRequestId"));
    let (name, no, base) = (v.text("shopName"), v.text("shopOrderNumber"), v.requests_url());
    answer(&state, MEDIA_TYPE, move |c| rma::request(c, &name, &shop, &no, id, &base)).await
}

/// `PUT .../return-requests/{returnRequestId}`: 200 with the replaced request.
async fn replace_request(State(state): State<AppState>, caller: Result<Caller, ApiError>, path: Result<Path<Vec<(String, String)>>, PathRejection>, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Response {
    let (shop, v) = admitted!(admit(&state, caller, path, &headers, None).await);
    let id = admitted!(v.posted_id("returnRequestId"));
    let request: WriteReturnRequest = admitted!(body_in(&headers, body, "WriteReturnRequest", MEDIA_TYPE));
    let (name, no, base) = (v.text("shopName"), v.text("shopOrderNumber"), v.requests_url());
    match state.db(move |conn| Ok::<_, crate::error::Error>(rma::replace_request(conn, &name, &shop, &no, id, &request, &base))).await {
        Ok(Ok(r)) => ok_in(&r, MEDIA_TYPE),
        Ok(Err(e)) => failure(posted(e)),
        Err(e) => api_error(ApiError::internal(e)),
    }
}

/// `POST .../{returnRequestId}/approvals`.
async fn approve(State(state): State<AppState>, caller: Result<Caller, ApiError>, path: Result<Path<Vec<(String, String)>>, PathRejection>, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Response {
    let (shop, v) = admitted!(admit(&state, caller, path, &headers, None).await);
    let id = admitted!(v.posted_id("returnRequestId"));
    let approval: WriteApproval = admitted!(body_in(&headers, body, "WriteApproval", APPROVAL_MEDIA_TYPE));
    let no = v.text("shopOrderNumber");
    let location = format!("{}/{id}/approvals", v.requests_url());
    match state.db(move |conn| Ok::<_, crate::error::Error>(rma::approve(conn, &shop, &no, id, &approval))).await {
        Ok(Ok(())) => created(location),
        Ok(Err(e)) => failure(posted(e)),
        Err(e) => api_error(ApiError::internal(e)),
    }
}

/// `GET .../{returnRequestId}/positions`.
async fn positions(State(state): State<AppState>, caller: Result<Caller, ApiError>, path: Result<Path<Vec<(String, String)>>, PathRejection>, headers: HeaderMap) -> Response {
    let (shop, v) = admitted!(admit(&state, caller, path, &headers, Some(POSITION_MEDIA_TYPE)).await);
    let id = admitted!(v.id("returnRequestId"));
    let (no, base) = (v.text("shopOrderNumber"), format!("{}/{id}", v.requests_url()));
    answer(&state, POSITION_MEDIA_TYPE, move |c| rma::positions(c, &shop, &no, id, &base)).await
}

/// `GET .../{returnRequestId}/positions/{returnRequestPositionId}`.
async fn position(State(state): State<AppState>, caller: Result<Caller, ApiError>, path: Result<Path<Vec<(String, String)>>, PathRejection>, headers: HeaderMap) -> Response {
    let (shop, v) = admitted!(admit(&state, caller, path, &headers, Some(POSITION_MEDIA_TYPE)).await);
    let id = admitted!(v.id("returnRequestId"));
    let pid = admitted!(v.id("returnRequestPositionId"));
    let (no, base) = (v.text("shopOrderNumber"), format!("{}/{id}", v.requests_url()));
    answer(&state, POSITION_MEDIA_TYPE, move |c| rma::position(c, &shop, &no, id, pid, &base)).await
}

/// `GET .../positions/{returnRequestPositionId}/items`.
async fn items(State(state): State<AppState>, caller: Result<Caller, ApiError>, path: Result<Path<Vec<(String, String)>>, PathRejection>, headers: HeaderMap) -> Response {
    let (shop, v) = admitted!(admit(&state, caller, path, &headers, Some(ITEM_MEDIA_TYPE)).await);
    let id = admitted!(v.id("returnRequestId"));
    let pid = admitted!(v.id("returnRequestPositionId"));
    let (no, base) = (v.text("shopOrderNumber"), format!("{}/{id}", v.requests_url()));
    answer(&state, ITEM_MEDIA_TYPE, move |c| rma::items(c, &shop, &no, id, pid, &base)).await
}

/// `GET .../{returnRequestId}/contact-persons`.
async fn contacts(State(state): State<AppState>, caller: Result<Caller, ApiError>, path: Result<Path<Vec<(String, String)>>, PathRejection>, headers: HeaderMap) -> Response {
    let (shop, v) = admitted!(admit(&state, caller, path, &headers, Some(CONTACT_MEDIA_TYPE)).await);
    let id = admitted!(v.id("returnRequestId"));
    let (no, base) = (v.text("shopOrderNumber"), format!("{}/{id}", v.requests_url()));
    answer(&state, CONTACT_MEDIA_TYPE, move |c| rma::contact_persons(c, &shop, &no, id, &base)).await
}

/// `GET .../{returnRequestId}/pickup-addresses`.
async fn pickups(State(state): State<AppState>, caller: Result<Caller, ApiError>, path: Result<Path<Vec<(String, String)>>, PathRejection>, headers: HeaderMap) -> Response {
    let (shop, v) = admitted!(admit(&state, caller, path, &headers, Some(PICKUP_MEDIA_TYPE)).await);
    let id = admitted!(v.id("returnRequestId"));
    let (no, base) = (v.text("shopOrderNumber"), format!("{}/{id}", v.requests_url()));
    answer(&state, PICKUP_MEDIA_TYPE, move |c| rma::pickup_addresses(c, &shop, &no, id, &base)).await
}

/// The request and (on the position paths) the position of a custom attribute path.
fn place(shop: ShopRow, v: &Values) -> Result<rma::Place, Response> {
    let id = v.id("returnRequestId")?;
    let position = if v.0.iter().any(|(n, _)| n == "returnRequestPositionId") { Some(v.id("returnRequestPositionId")?) } else { None };
    Ok(rma::Place { shop, no: v.text("shopOrderNumber"), id, position, base: format!("{}/{id}", v.requests_url()) })
}

/// A JSON array of custom attributes in their media type. The custom attribute operations list
/// no 415 (and PUT no 400): a wrong `Content-Type` or body is a 400 naming it, the nearest
/// status the specs use for a bad request.
fn attributes_body(headers: &HeaderMap, body: Result<Bytes, BytesRejection>) -> Result<Vec<WriteCustomAttribute>, Response> {
    let content_type = headers.get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase() != ATTRIBUTE_MEDIA_TYPE {
        return Err(bad("Content-Type", format!("the request body must be {ATTRIBUTE_MEDIA_TYPE}")));
    }
    let bytes = body.map_err(|e| bad("body", format!("the request body is unreadable: {}", e.body_text())))?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| bad("body", format!("the request body is not JSON: {e}")))?;
    if !value.is_array() {
        return Err(bad("body", "the request body is a JSON array of custom attributes (WriteCustomAttribute)"));
    }
    serde_path_to_error::deserialize::<_, Vec<WriteCustomAttribute>>(value).map_err(|e| {
        let field = format!("body{}", e.path()).replace("body.[", "body[");
        bad(field, e.into_inner().to_string())
    })
}

/// `GET .../custom-attributes` of a request or a position.
async fn attributes(State(state): State<AppState>, caller: Result<Caller, ApiError>, path: Result<Path<Vec<(String, String)>>, PathRejection>, headers: HeaderMap) -> Response {
    let (shop, v) = admitted!(admit(&state, caller, path, &headers, Some(ATTRIBUTE_MEDIA_TYPE)).await);
    let at = admitted!(place(shop, &v));
    answer(&state, ATTRIBUTE_MEDIA_TYPE, move |c| rma::custom_attributes(c, &at)).await
}

/// `GET .../custom-attributes/{customAttributeId}`.
async fn attribute(State(state): State<AppState>, caller: Result<Caller, ApiError>, path: Result<Path<Vec<(String, String)>>, PathRejection>, headers: HeaderMap) -> Response {
    let (shop, v) = admitted!(admit(&state, caller, path, &headers, Some(ATTRIBUTE_MEDIA_TYPE)).await);
    let at = admitted!(place(shop, &v));
    let attribute = admitted!(v.id("customAttributeId"));
    answer(&state, ATTRIBUTE_MEDIA_TYPE, move |c| rma::custom_attribute(c, &at, attribute)).await
}

async fn write_attributes(state: AppState, caller: Result<Caller, ApiError>, path: Result<Path<Vec<(String, String)>>, PathRejection>, headers: HeaderMap, body: Result<Bytes, BytesRejection>, replace: bool) -> Response {
    let (shop, v) = admitted!(admit(&state, caller, path, &headers, Some(ATTRIBUTE_MEDIA_TYPE)).await);
    let at = admitted!(place(shop, &v));
    let attributes = admitted!(attributes_body(&headers, body));
    match state.db(move |c| Ok::<_, crate::error::Error>(rma::write_custom_attributes(c, &at, &attributes, replace))).await {
        Ok(Ok(written)) => {
            let mut r = ok_in(&written, ATTRIBUTE_MEDIA_TYPE);
            if !replace {
                *r.status_mut() = axum::http::StatusCode::CREATED;
            }
            r
        }
        Ok(Err(e)) => failure(e),
        Err(e) => api_error(ApiError::internal(e)),
    }
}

/// `POST .../custom-attributes`: 201 with the added ones.
async fn add_attributes(State(state): State<AppState>, caller: Result<Caller, ApiError>, path: Result<Path<Vec<(String, String)>>, PathRejection>, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Response {
    write_attributes(state, caller, path, headers, body, false).await
}

/// `PUT .../custom-attributes`: 200 with the ones that replaced all before.
async fn replace_attributes(State(state): State<AppState>, caller: Result<Caller, ApiError>, path: Result<Path<Vec<(String, String)>>, PathRejection>, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Response {
    write_attributes(state, caller, path, headers, body, true).await
}

/// `DELETE .../custom-attributes/{customAttributeId}`: 200 without a body.
async fn delete_attribute(State(state): State<AppState>, caller: Result<Caller, ApiError>, path: Result<Path<Vec<(String, String)>>, PathRejection>, headers: HeaderMap) -> Response {
    let (shop, v) = admitted!(admit(&state, caller, path, &headers, Some(ATTRIBUTE_MEDIA_TYPE)).await);
    let at = admitted!(place(shop, &v));
    let attribute = admitted!(v.id("customAttributeId"));
    match state.db(move |c| Ok::<_, crate::error::Error>(rma::delete_custom_attribute(c, &at, attribute))).await {
        Ok(Ok(())) => axum::http::StatusCode::OK.into_response(),
        Ok(Err(e)) => failure(e),
        Err(e) => api_error(ApiError::internal(e)),
    }
}
