//! IOM's order service 2.4 over HTTP: create and read orders, change requests (`/rest/order-service/shops/{shopId}/orders...`).
use axum::Router;

use super::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
