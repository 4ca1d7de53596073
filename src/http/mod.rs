//! IOM's REST API over HTTP: axum on tokio, one router for every service, behind the storage
//! boundary (handlers call service functions; no SQL and no storage types here).
//!
//! Paths are IOM's (`/servlets/services/atp/...`, `/servlets/services/reservation/...`,
//! `/rest/schedules/...`, `/rest/transmissions/...`, `/rest/order-service/...`), the health endpoints sit under
//! `/monitoring/services` (IOM's prefix for them), the served OpenAPI files under `/openapi/`.
//! - [`server`]: `impex serve` (and the API of `impex run --listen`): listener, TLS, limits,
//!   timeouts, graceful shutdown.
//! - [`state`]: what handlers share: the database connections.
//! - [`auth`]: HTTP Basic, the caller and its rights.
//! - [`error`]: the specs' error bodies.
//! - [`access_log`]: one structured line per request; [`metrics`]: `/metrics` (Prometheus).
pub mod access_log;
pub mod auth;
pub mod documents;
pub mod error;
pub mod health;
pub mod inventory;
pub mod metrics;
mod openapi;
pub mod order_states;
pub mod orders;
mod rest;
pub mod rma;
pub mod schedules;
pub mod server;
pub mod state;
pub mod transmissions;

use axum::Router;

pub use server::{serve, Options, Tls};
pub use state::AppState;

/// The whole API.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(openapi::routes())
        .merge(health::routes())
        .merge(schedules::routes())
        .merge(transmissions::routes())
        .merge(inventory::routes())
        .merge(orders::routes())
        .merge(order_states::routes())
        .merge(documents::routes())
        .merge(rma::routes())
        .with_state(state)
        .layer(axum::middleware::from_fn(error::fill_empty))
}
