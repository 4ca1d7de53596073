//! The download of an order's documents (IOM's DocumentServlet): a PDF by its unguessable key,
//! checked against the caller's shop (docs/orders.md, "Documents").
//!
//! `GET /servlets/DocumentServlet/v1.0/{type}/{file}?k=<key>&i=<id>&s=<shop>`: HTTP Basic with
//! `ORDER_STATES_READ` for shop `s`. A missing or malformed `k`, `i` or `s` is a 400 naming it.
//! Everything else that does not match (no such id, a wrong key, another shop's document, a
//! shop the caller may not read, another type or file name than the link's) is the same 404,
//! so that a document's existence does not leak. The key is never logged (the access log logs
//! the path without the query).
// The handlers return early with a finished answer (`Err(Response)`).
#![allow(clippy::result_large_err)]

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::auth::Caller;
use super::error::ApiError;
use super::state::AppState;
use crate::auth::Right;
use crate::document::{self, Download};

const DOWNLOAD: &str = "/servlets/DocumentServlet/v1.0/{type}/{file}";

pub fn routes() -> Router<AppState> {
    Router::new().route(DOWNLOAD, get(download))
}

fn not_found() -> Response {
    ApiError::not_found("no such document").into_response()
}

/// The one value of query parameter `name`.
fn parameter<'a>(query: &'a [(String, String)], name: &str) -> Result<&'a str, Response> {
    let mut found = query.iter().filter(|(n, _)| n == name);
    match (found.next(), found.next()) {
        (Some((_, v)), None) if !v.is_empty() => Ok(v),
        (Some(_), Some(_)) => Err(ApiError::field(name, format!("{name} is given more than once")).into_response()),
        _ => Err(ApiError::field(name, format!("the query parameter {name} is required")).into_response()),
    }
}

fn int64(query: &[(String, String)], name: &str) -> Result<i64, Response> {
    let text = parameter(query, name)?;
    text.parse::<i64>().map_err(|_| ApiError::field(name, "an integer (int64) is required").into_response())
}

async fn download(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<(String, String)>, PathRejection>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let Ok(Path((type_name, file_name))) = path else { return not_found() };
    let query = match query {
        Ok(Query(q)) => q,
        Err(e) => return ApiError::field("query", format!("the query is unreadable: {}", e.body_text())).into_response(),
    };
    let (key, id, shop) = match (parameter(&query, "k"), int64(&query, "i"), int64(&query, "s")) {
        (Ok(k), Ok(i), Ok(s)) => (k.to_string(), i, s),
        (Err(r), _, _) | (_, Err(r), _) | (_, _, Err(r)) => return r,
    };
    if caller.require_shop(Right::OrderStatesRead, shop).is_err() {
        return not_found();
    }
    let found = state.db(move |conn| document::download(conn, id, &key).map_err(ApiError::internal)).await;
    let (doc, bytes) = match found {
        Ok(Download::Found(doc, bytes)) => (doc, bytes),
        Ok(Download::NotFound) => return not_found(),
        Err(e) => return e.into_response(),
    };
    if doc.shop_id != shop || doc.type_name != type_name || doc.file_name != file_name {
        return not_found();
    }
    let mut r = (StatusCode::OK, bytes).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
    // the file name is letters, digits, '-', '_' and ".pdf" (document::safe_name)
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{}\"", doc.file_name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    // the link carries a secret: no shared caches
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    r
}
