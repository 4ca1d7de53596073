//! One structured line per request through tracing: method, path (without the query), status,
//! duration and user. Never a header value, a query string or a body (they may carry
//! credentials).
use std::time::Instant;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

use super::auth::LoggedUser;

pub async fn log(mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let user = LoggedUser::default();
    req.extensions_mut().insert(user.clone());
    let response = next.run(req).await;
    let user = user.0.lock().unwrap_or_else(|p| p.into_inner()).clone().unwrap_or_default();
    super::metrics::request(method.as_str(), response.status().as_u16(), started.elapsed().as_secs_f64());
    tracing::info!(
        target: "impex::http::access",
        method = %method,
        path = %path,
        status = response.status().as_u16(),
        duration_ms = started.elapsed().as_secs_f64() * 1000.0,
        user = %user,
        "request"
    );
    response
}
