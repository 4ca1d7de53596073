//! `GET /metrics`: Prometheus text format. Request counts and latencies of this process (from
//! the access log middleware), and from the database (shared by every impex process): job runs
//! by job and outcome, transmissions by state, imported files by state.
use std::sync::OnceLock;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use super::auth::Caller;
use super::error::ApiError;
use super::state::AppState;


static RECORDER: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process's recorder (installed once; the first server of the process installs it).
pub fn handle() -> &'static PrometheusHandle {
    RECORDER.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets(&[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0])
            .expect("buckets")
            .build_recorder();
        let handle = recorder.handle();
        // a second recorder in the same process (tests) keeps the first one
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

/// Counts a request (called by the access log).
pub fn request(method: &str, status: u16, seconds: f64) {
    let labels = [("method", method.to_string()), ("status", status.to_string())];
    metrics::counter!("impex_http_requests_total", &labels).increment(1);
    metrics::histogram!("impex_http_request_duration_seconds", &labels).record(seconds);
}

pub async fn get(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    caller.require(crate::auth::Right::HealthRead)?;
    let counts = state.db(|conn| crate::db::queries::status::counts(conn).map_err(crate::error::Error::from)).await?;
    let mut text = handle().render();
    let mut gauge = |name: &str, help: &str, rows: Vec<(Vec<(&str, String)>, i64)>| {
        text.push_str(&format!("# HELP {name} {help}\n# TYPE {name} gauge\n"));
        for (labels, v) in rows {
            let l: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))).collect();
            text.push_str(&format!("{name}{{{}}} {v}\n", l.join(",")));
        }
    };
    gauge(
        "impex_job_runs",
        "Job runs in the history (JobRunDO) by job and outcome.",
        counts.job_runs.into_iter().map(|(j, o, n)| (vec![("job", j), ("outcome", o)], n)).collect(),
    );
    gauge("impex_transmissions", "Transmissions (TransmissionDO) by state.", counts.transmissions.into_iter().map(|(s, n)| (vec![("state", s)], n)).collect());
    gauge("impex_import_files", "Imported files (ImportFileDO) by state.", counts.import_files.into_iter().map(|(s, n)| (vec![("state", s)], n)).collect());
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response())
}
