//! IOM's REST API over HTTP: axum on tokio, one router for every service, behind the storage
//! boundary (handlers call service functions; no SQL and no storage types here).
//!
//! Paths are IOM's (`/servlets/services/atp/...`, `/servlets/services/reservation/...`,
//! `/rest/schedules/...`, `/rest/transmissions/...`), the health endpoints sit under
//! `/monitoring/services` (IOM's prefix for them), the served OpenAPI files under `/openapi/`.
//! - [`server`]: `impex serve` (and the API of `impex run --listen`): listener, TLS, limits,
//!   timeouts, graceful shutdown.
//! - [`state`]: what handlers share: the database connections.
//! - [`auth`]: HTTP Basic, the caller and its rights.
//! - [`error`]: the specs' error bodies.
//! - [`access_log`]: one structured line per request; [`metrics`]: `/metrics` (Prometheus).
pub mod access_log;
pub mod auth;
pub mod error;
pub mod inventory;
pub mod metrics;
mod openapi;
pub mod server;
pub mod state;

use axum::Router;

pub use server::{serve, Options, Tls};
pub use state::AppState;

/// The whole API.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(openapi::routes())
        .merge(health_routes())
        .merge(inventory::routes())
        .with_state(state)
}

/// `GET /monitoring/services/health/status`: 200 when the database answers.
fn health_routes() -> Router<AppState> {
    use axum::routing::get;
    Router::new().route("/monitoring/services/health/status", get(health_status)).route("/metrics", get(metrics::get))
}

async fn health_status(axum::extract::State(state): axum::extract::State<AppState>) -> axum::response::Response {
    use axum::response::IntoResponse;
    match state.db(|conn| crate::db::queries::status::ping(conn).map_err(crate::error::Error::from)).await {
        Ok(()) => (axum::http::StatusCode::OK, axum::Json(serde_json::json!({"status": "OK"}))).into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "health: the database does not answer");
            (axum::http::StatusCode::SERVICE_UNAVAILABLE, axum::Json(serde_json::json!({"status": "ERROR"}))).into_response()
        }
    }
}
