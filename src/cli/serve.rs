//! `impex serve [--listen ADDR] [--tls-cert PEM --tls-key PEM]`: IOM's REST API (see
//! `crate::http`) until SIGTERM/SIGINT, which lets requests in flight finish.
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;

use super::Status;
use crate::http;

#[derive(clap::Args, Debug, Clone)]
pub struct HttpArgs {
    /// Address the API listens on (IOM's port is 8080).
    #[arg(long, env = "IMPEX_LISTEN", default_value = http::server::DEFAULT_LISTEN)]
    pub listen: SocketAddr,
    /// PEM certificate chain: the API speaks HTTPS (with --tls-key). SIGHUP reloads both.
    #[arg(long, requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert.
    #[arg(long, requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
}

impl HttpArgs {
    pub fn options(&self) -> http::Options {
        let tls = match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => Some(http::Tls { cert: cert.clone(), key: key.clone() }),
            _ => None,
        };
        http::Options { listen: self.listen, tls, ..http::Options::default() }
    }
}

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub http: HttpArgs,
}

pub fn run(db_path: &Path, args: Args) -> anyhow::Result<Status> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the HTTP runtime")?;
    rt.block_on(http::serve(db_path, args.http.options(), authenticator(), http::server::termination(), None))?;
    Ok(Status::Ok)
}

/// The API's authenticator (the users of `impex user`).
pub fn authenticator() -> Arc<crate::auth::Authenticator> {
    Arc::new(crate::auth::Authenticator::default())
}
