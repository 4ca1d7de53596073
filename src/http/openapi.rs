//! The API's OpenAPI documents: IOM's files (MIT licence, `tests/openapi/README.md`), served
//! unmodified under `/openapi/<name>.yaml`.
use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::state::AppState;

const FILES: &[(&str, &str)] = &[
    ("intershop-order-management-atp-2.0.yaml", include_str!("../../tests/openapi/intershop-order-management-atp-2.0.yaml")),
    ("intershop-order-management-reservation-2.0.yaml", include_str!("../../tests/openapi/intershop-order-management-reservation-2.0.yaml")),
    ("intershop-order-management-schedule-1.0.yaml", include_str!("../../tests/openapi/intershop-order-management-schedule-1.0.yaml")),
    ("intershop-order-management-transmission-2.0.yaml", include_str!("../../tests/openapi/intershop-order-management-transmission-2.0.yaml")),
    ("intershop-order-management-monitoring-1.0.yaml", include_str!("../../tests/openapi/intershop-order-management-monitoring-1.0.yaml")),
    ("intershop-order-management-order-2.4.yaml", include_str!("../../tests/openapi/intershop-order-management-order-2.4.yaml")),
    ("intershop-order-management-rma-2.12.yaml", include_str!("../../tests/openapi/intershop-order-management-rma-2.12.yaml")),
];

pub fn routes() -> Router<AppState> {
    Router::new().route("/openapi/", get(index)).route("/openapi/{name}", get(file))
}

async fn index() -> Response {
    let names: Vec<&str> = FILES.iter().map(|(n, _)| *n).collect();
    axum::Json(names).into_response()
}

async fn file(Path(name): Path<String>) -> Response {
    match FILES.iter().find(|(n, _)| *n == name) {
        Some((_, text)) => ([(header::CONTENT_TYPE, "application/yaml")], *text).into_response(),
        None => (StatusCode::NOT_FOUND, "no such document").into_response(),
    }
}
