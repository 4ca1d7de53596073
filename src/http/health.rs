//! IOM's monitoring 1.0 API under `/monitoring/services` (services in
//! [`crate::schedule::health`]): `GET /health/status` without credentials (200 healthy, 503
//! not, with the `HealthCheckStatus` body either way) and `GET /health/clusterstatus` (the
//! global right HEALTH_READ); `application/json`. Also `/metrics` (Prometheus).
use std::sync::OnceLock;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::auth::Caller;
use super::error::ApiError;
use super::state::AppState;
use crate::schedule::health::{self, Kind, Node};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/monitoring/services/health/status", get(status))
        .route("/monitoring/services/health/clusterstatus", get(cluster_status))
        .route("/metrics", get(super::metrics::get))
}

/// This process as an HTTP server in `"ProcessHeartbeatDO"`. Its id is the lock holder text
/// with `/serve` appended, so that `impex run --listen` has a row for the scheduler and one for
/// the server.
pub fn node() -> &'static Node {
    static NODE: OnceLock<Node> = OnceLock::new();
    NODE.get_or_init(|| {
        let mut n = Node::this_process(Kind::Serve);
        n.id.push_str("/serve");
        n
    })
}

fn json<T: serde::Serialize>(status: StatusCode, body: &T) -> Response {
    (status, axum::Json(body)).into_response()
}

async fn status(State(state): State<AppState>) -> Response {
    let r = state.db(|conn| Ok::<_, crate::error::Error>(health::status(conn, node(), chrono::Utc::now()))).await;
    match r {
        Ok(s) => json(StatusCode::from_u16(s.http_status()).unwrap_or(StatusCode::SERVICE_UNAVAILABLE), &s),
        // no connection at all: the same body with the database as the failing service
        Err(e) => {
            tracing::warn!(error = %e, "health: the database cannot be opened");
            let now = chrono::Utc::now();
            let s = health::HealthCheckStatus {
                services: vec![health::HealthCheckServiceStatus { name: "database".into(), checked: true, status_code: 503, description: format!("the database cannot be opened: {e}") }],
                server_id: node().id.clone(),
                server_type: Kind::Serve.as_str().into(),
                status_code: 503,
                description: "unavailable: database".into(),
                last_check_epoch: Some(now.timestamp_millis()),
                last_successful_check_epoch: None,
                last_check: Some(crate::time::rfc3339(now)),
                last_successful_check: None,
            };
            json(StatusCode::SERVICE_UNAVAILABLE, &s)
        }
    }
}

async fn cluster_status(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    caller.require(crate::auth::Right::HealthRead)?;
    let r = state.db(|conn| Ok::<_, crate::error::Error>(health::cluster_status(conn, chrono::Utc::now()))).await?;
    match r {
        Ok(list) => Ok(json(StatusCode::OK, &list)),
        Err(e) => Err(ApiError::internal(e)),
    }
}

/// Beats for this process every [`Node::interval`] until the task is aborted; a failed beat is
/// logged and tried again at the next interval.
pub async fn heartbeat(state: AppState) {
    let mut every = tokio::time::interval(node().interval);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if let Err(e) = state.db(|conn| node().beat(conn, chrono::Utc::now())).await {
            tracing::warn!(error = %e, "heartbeat of the HTTP server");
        }
    }
}

/// Removes this process's row (clean shutdown).
pub async fn leave(state: &AppState) {
    if let Err(e) = state.db(|conn| node().leave(conn)).await {
        tracing::warn!(error = %e, "removing the HTTP server's heartbeat");
    }
}
