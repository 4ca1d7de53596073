//! The HTTP server: listener (plain or HTTPS with rustls), request body limit, header and
//! request timeouts, access log, graceful shutdown that lets requests in flight finish.
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

use super::state::AppState;

/// IOM's port.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// A certificate chain and its private key, PEM files.
#[derive(Debug, Clone)]
pub struct Tls {
    pub cert: PathBuf,
    pub key: PathBuf,
}

#[derive(Debug, Clone)]
pub struct Options {
    pub listen: SocketAddr,
    pub tls: Option<Tls>,
    /// Largest request body.
    pub body_limit: usize,
    /// Time to read a request's headers.
    pub header_timeout: Duration,
    /// Time to answer a request.
    pub request_timeout: Duration,
    /// On shutdown, how long requests in flight may take.
    pub shutdown_timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            listen: DEFAULT_LISTEN.parse().expect("default address"),
            tls: None,
            body_limit: 1 << 20,
            header_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            shutdown_timeout: Duration::from_secs(30),
        }
    }
}

/// Serves the API until `stop` completes (then finishes requests in flight, at most
/// `shutdown_timeout`). `ready` gets the bound address (port 0 picks a free one).
pub async fn serve(
    db_path: &Path,
    opts: Options,
    auth: Arc<crate::auth::Authenticator>,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
    ready: Option<tokio::sync::oneshot::Sender<SocketAddr>>,
) -> anyhow::Result<()> {
    // the database must exist and have impex's schema before the first request
    drop(crate::db::open_existing(db_path)?);
    let state = AppState::new(db_path, auth);
    super::metrics::handle();
    // listening comes first: a server that cannot listen never shows as a node
    let listener = std::net::TcpListener::bind(opts.listen).with_context(|| format!("listening on {}", opts.listen))?;
    // the heartbeat of this server ("ProcessHeartbeatDO"), removed again at shutdown
    let beating = tokio::spawn(super::health::heartbeat(state.clone()));
    let app = super::router(state.clone())
        .layer(axum::middleware::from_fn(super::access_log::log))
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::SERVICE_UNAVAILABLE, opts.request_timeout))
        .layer(RequestBodyLimitLayer::new(opts.body_limit))
        .layer(axum::middleware::from_fn(super::inventory::too_large));
    // whatever ends the serving (a stop, a port in use, a bad certificate), the heartbeat row
    // goes with it
    let served: anyhow::Result<()> = async {
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let handle = axum_server::Handle::new();
        let shutdown = handle.clone();
        let grace = opts.shutdown_timeout;
        tokio::spawn(async move {
            stop.await;
            tracing::info!("http: shutting down, finishing requests in flight");
            shutdown.graceful_shutdown(Some(grace));
        });
        let scheme = if opts.tls.is_some() { "https" } else { "http" };
        tracing::info!(address = %addr, scheme, "http: listening");
        if let Some(tx) = ready {
            let _ = tx.send(addr);
        }
        match &opts.tls {
            None => {
                let mut server = axum_server::from_tcp(listener)?.handle(handle);
                server.http_builder().http1().timer(hyper_util::rt::TokioTimer::new()).header_read_timeout(opts.header_timeout);
                server.serve(app.into_make_service()).await?;
            }
            Some(tls) => {
                let _ = rustls::crypto::ring::default_provider().install_default();
                let config = axum_server::tls_rustls::RustlsConfig::from_pem_file(&tls.cert, &tls.key)
                    .await
                    .with_context(|| format!("TLS certificate {} and key {}", tls.cert.display(), tls.key.display()))?;
                reload_on_sighup(config.clone(), tls.clone());
                let mut server = axum_server::from_tcp_rustls(listener, config)?.handle(handle);
                server.http_builder().http1().timer(hyper_util::rt::TokioTimer::new()).header_read_timeout(opts.header_timeout);
                server.serve(app.into_make_service()).await?;
            }
        }
        Ok(())
    }
    .await;
    beating.abort();
    super::health::leave(&state).await;
    tracing::info!("http: stopped");
    served
}

/// SIGHUP reads the certificate and key again (a renewed certificate without a restart).
fn reload_on_sighup(config: axum_server::tls_rustls::RustlsConfig, tls: Tls) {
    tokio::spawn(async move {
        let Ok(mut hup) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) else { return };
        while hup.recv().await.is_some() {
            match config.reload_from_pem_file(&tls.cert, &tls.key).await {
                Ok(()) => tracing::info!(cert = %tls.cert.display(), "http: TLS certificate reloaded"),
                Err(e) => tracing::warn!(cert = %tls.cert.display(), error = %e, "http: TLS certificate not reloaded; the old one stays"),
            }
        }
    });
}

/// SIGTERM or SIGINT.
pub async fn termination() {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
    let mut int = signal(SignalKind::interrupt()).expect("SIGINT handler");
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
}
