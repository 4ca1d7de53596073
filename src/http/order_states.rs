//! IOM's order service 2.4 over HTTP: `order-states` and `order-states/modified`
//! (`/rest/order-service/shops/{shopId}/order-states...`; services in [`crate::order::states`],
//! rules in docs/orders.md, "Order states").
//!
//! Both need ORDER_STATES_READ for the shop (403 otherwise), answer
//! `application/vnd.intershop.order.v2+json` (406 for an `Accept` without it) and a 400
//! `ErrorReport` naming the parameter for a value outside the spec's types, enums and ranges.
//! The spec lists no 404: an unknown shop has no orders (an empty page).
use axum::extract::{rejection::PathRejection, Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, NaiveDate, Utc};

use super::auth::Caller;
use super::error::ApiError;
use super::rest::{self, Query};
use super::state::AppState;
use crate::auth::Right;
use crate::error::ServiceError;
use crate::order::states::{self, ModifiedQuery, OrderSearch, OrderStatus, SortColumn, StatesQuery, MEDIA_TYPE};

/// The media type of the spec's `ErrorReport` (400) answers.
const ERROR_MEDIA_TYPE: &str = "application/json";

/// The spec's default page size of both operations.
const DEFAULT_LIMIT: i64 = 50;
/// The spec's maximum `limit` of `order-states/modified`.
const MAX_MODIFIED_LIMIT: i64 = 10_000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/rest/order-service/shops/{shopId}/order-states", get(order_states))
        .route("/rest/order-service/shops/{shopId}/order-states/modified", get(modified))
}

fn bad(name: &str, message: impl Into<String>) -> ApiError {
    let mut e = ApiError::field(name, message);
    e.fields[0].value = Some(serde_json::json!({ "attribute": name }));
    e.style(rest::style(ERROR_MEDIA_TYPE))
}

/// The path's shop, authentication, `Accept` and the right for the shop (400, 401, 406, 403).
fn admit(caller: Result<Caller, ApiError>, path: Result<Path<String>, PathRejection>, headers: &HeaderMap) -> Result<i64, ApiError> {
    let style = rest::style(ERROR_MEDIA_TYPE);
    let caller = caller.map_err(|e| e.style(style))?;
    let text = path.map(|Path(p)| p).unwrap_or_default();
    let shop = text.parse::<i64>().map_err(|_| bad("shopId", format!("`{}` is not an integer (int64) shop id", shorten(&text))))?;
    rest::check_accept(headers, MEDIA_TYPE).map_err(|e| e.style(style))?;
    caller.require_shop(Right::OrderStatesRead, shop).map_err(|e| e.style(style))?;
    Ok(shop)
}

fn shorten(text: &str) -> String {
    if text.chars().count() > 40 {
        format!("{}...", text.chars().take(40).collect::<String>())
    } else {
        text.to_string()
    }
}

/// An `int32` parameter at least `min` (and at most `max`).
fn int32(q: &Query<'_>, name: &str, min: i64, max: i64) -> Result<Option<i64>, ApiError> {
    let v = q.int(name).map_err(|_| bad(name, "an integer (int32) is required"))?;
    match v {
        Some(v) if v < min || v > max || v > i32::MAX as i64 => Err(bad(name, format!("{v} is out of range ({min} to {})", max.min(i32::MAX as i64)))),
        v => Ok(v),
    }
}

fn once<'a>(pairs: &'a [(String, String)], name: &str) -> Result<Option<&'a str>, ApiError> {
    let mut values = pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let first = values.next();
    if values.next().is_some() {
        return Err(bad(name, "is given more than once"));
    }
    Ok(first)
}

fn date(pairs: &[(String, String)], name: &str) -> Result<Option<String>, ApiError> {
    match once(pairs, name)? {
        None => Ok(None),
        Some(v) => NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .ok()
            .filter(|_| v.len() == 10)
            .map(|d| Some(d.format("%Y-%m-%d").to_string()))
            .ok_or_else(|| bad(name, format!("`{}` is not a date (YYYY-MM-DD)", shorten(v)))),
    }
}

/// Arrays of strings: repeated (`a=1&a=2`) or comma-separated (`a=1,2`).
fn strings(q: &Query<'_>, name: &str) -> Vec<String> {
    q.strings(name).iter().flat_map(|v| v.split(',')).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

fn states_query(shop: i64, raw: Option<&str>) -> Result<StatesQuery, ApiError> {
    let pairs = rest::query_pairs(raw).map_err(|m| bad("query", m))?;
    let q = Query::new(&pairs, MEDIA_TYPE);
    let order_by = match once(&pairs, "orderBy")? {
        None | Some("shopOrderCreationDate") => SortColumn::ShopOrderCreationDate,
        Some("shopOrderNumber") => SortColumn::ShopOrderNumber,
        Some("shopCustomerNumber") => SortColumn::ShopCustomerNumber,
        Some(v) => return Err(bad("orderBy", format!("`{}` is not one of shopOrderNumber, shopCustomerNumber, shopOrderCreationDate", shorten(v)))),
    };
    let descending = match once(&pairs, "sortDirection")? {
        None | Some("ASC") => false,
        Some("DESC") => true,
        Some(v) => return Err(bad("sortDirection", format!("`{}` is not one of ASC, DESC", shorten(v)))),
    };
    // a name impex never answers matches no order (not an error: the spec's list is open)
    let names = strings(&q, "statuses");
    let statuses: Option<Vec<OrderStatus>> = (!names.is_empty()).then(|| names.iter().filter_map(|n| OrderStatus::from_name(n)).collect());
    let search = OrderSearch {
        shop,
        shop_order_numbers: strings(&q, "shopOrderNumbers"),
        shop_customer_numbers: strings(&q, "shopCustomerNumbers"),
        product_numbers: strings(&q, "productNumbers"),
        emails: strings(&q, "emails"),
        created_from: date(&pairs, "shopOrderCreationDate[gte]")?,
        created_to: date(&pairs, "shopOrderCreationDate[lte]")?,
        order_by,
        descending,
    };
    once(&pairs, "offset")?;
    once(&pairs, "limit")?;
    let offset = int32(&q, "offset", 0, i32::MAX as i64)?.unwrap_or(0);
    let limit = int32(&q, "limit", 1, i32::MAX as i64)?.unwrap_or(DEFAULT_LIMIT);
    Ok(StatesQuery { search, statuses, offset, limit })
}

fn modified_query(shop: i64, raw: Option<&str>) -> Result<ModifiedQuery, ApiError> {
    let pairs = rest::query_pairs(raw).map_err(|m| bad("query", m))?;
    let q = Query::new(&pairs, MEDIA_TYPE);
    once(&pairs, "minCursor")?;
    once(&pairs, "limit")?;
    let min_cursor = q.int("minCursor").map_err(|_| bad("minCursor", "an integer (int64) is required"))?;
    let modified_since = match once(&pairs, "modifiedSince")? {
        None => None,
        Some(v) => Some(
            DateTime::parse_from_rfc3339(v)
                .map(|d| d.with_timezone(&Utc))
                .map_err(|_| bad("modifiedSince", format!("`{}` is not a date-time (ISO-8601 with a zone, e.g. 2019-06-03T15:57:33.521+02:00)", shorten(v))))?,
        ),
    };
    if min_cursor.is_some() && modified_since.is_some() {
        return Err(bad("minCursor", "only one of minCursor and modifiedSince may be given"));
    }
    let limit = int32(&q, "limit", 1, MAX_MODIFIED_LIMIT)?.unwrap_or(DEFAULT_LIMIT);
    Ok(ModifiedQuery { shop, min_cursor, modified_since, limit })
}

/// Scheme and host of the request, for absolute download links: the URI's own (HTTP/2), else
/// `X-Forwarded-Proto` or `http`, and the `Host` header.
fn base_url(uri: &Uri, headers: &HeaderMap) -> String {
    let scheme = uri
        .scheme_str()
        .map(str::to_string)
        .or_else(|| headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).map(|s| s.split(',').next().unwrap_or("http").trim().to_string()))
        .filter(|s| s == "http" || s == "https")
        .unwrap_or_else(|| "http".into());
    let host = uri
        .authority()
        .map(|a| a.to_string())
        .or_else(|| headers.get(header::HOST).and_then(|v| v.to_str().ok()).map(str::to_string))
        .filter(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c)))
        .unwrap_or_else(|| "localhost".into());
    format!("{scheme}://{host}")
}

async fn run<F>(state: &AppState, f: F) -> Result<serde_json::Value, ApiError>
where
    F: FnOnce(&mut crate::db::Conn) -> Result<serde_json::Value, ServiceError> + Send + 'static,
{
    state.db(move |conn| f(conn)).await.map_err(|e| rest::service_error(e, ERROR_MEDIA_TYPE))
}

/// `GET /shops/{shopId}/order-states`.
async fn order_states(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    path: Result<Path<String>, PathRejection>,
    uri: Uri,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let shop = admit(caller, path, &headers)?;
    let query = states_query(shop, raw.as_deref())?;
    let base = base_url(&uri, &headers);
    let body = run(&state, move |c| states::search(c, &query, &base)).await?;
    Ok(rest::ok(StatusCode::OK, MEDIA_TYPE, &body))
}

/// `GET /shops/{shopId}/order-states/modified`.
async fn modified(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    path: Result<Path<String>, PathRejection>,
    uri: Uri,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let shop = admit(caller, path, &headers)?;
    let query = modified_query(shop, raw.as_deref())?;
    let base = base_url(&uri, &headers);
    let body = run(&state, move |c| states::modified(c, &query, &base)).await?;
    Ok(rest::ok(StatusCode::OK, MEDIA_TYPE, &body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_checked() {
        assert_eq!(states_query(1, Some("limit=0")).unwrap_err().status, 400);
        assert_eq!(states_query(1, Some("offset=-1")).unwrap_err().status, 400);
        assert_eq!(states_query(1, Some("limit=2147483648")).unwrap_err().status, 400);
        assert_eq!(states_query(1, Some("orderBy=x")).unwrap_err().status, 400);
        assert_eq!(states_query(1, Some("sortDirection=asc")).unwrap_err().status, 400);
        assert_eq!(states_query(1, Some("shopOrderCreationDate%5Bgte%5D=2019-13-01")).unwrap_err().status, 400);
        let q = states_query(1, Some("statuses=STATE_COMMISSIONED,DISPATCHED&orderBy=shopOrderNumber&sortDirection=DESC&limit=5&offset=2")).unwrap();
        assert_eq!(q.statuses, Some(vec![OrderStatus::Commissioned, OrderStatus::Dispatched]));
        assert_eq!(states_query(1, Some("statuses=SHIPPED")).unwrap().statuses, Some(vec![]));
        assert_eq!(states_query(1, None).unwrap().statuses, None);
        assert!(q.search.descending && q.limit == 5 && q.offset == 2 && q.search.order_by == SortColumn::ShopOrderNumber);
        assert_eq!(modified_query(1, Some("limit=10001")).unwrap_err().status, 400);
        assert_eq!(modified_query(1, Some("minCursor=1&modifiedSince=2019-06-03T15:57:33.521%2B02:00")).unwrap_err().status, 400);
        assert_eq!(modified_query(1, Some("modifiedSince=yesterday")).unwrap_err().status, 400);
        let m = modified_query(1, Some("modifiedSince=2019-06-03T15:57:33.521%2B02:00")).unwrap();
        assert_eq!(m.modified_since.unwrap().to_rfc3339(), "2019-06-03T13:57:33.521+00:00");
        assert_eq!(modified_query(1, None).unwrap().limit, 50);
    }
}
