//! IOM's order service 2.4 over HTTP: `order-states` and `order-states/modified` (`/rest/order-service/shops/{shopId}/order-states...`).
use axum::Router;

use super::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
