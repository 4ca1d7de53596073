//! The download of an order's documents (IOM's DocumentServlet): a PDF by its unguessable key, checked against the caller's shop.
use axum::Router;

use super::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
