//! `impex run [--once] [--listen ADDR]`: the scheduler (see `crate::schedule::runner`). `--once`
//! runs what is due now and exits 1 if a run failed. With `--listen` the same process serves
//! IOM's REST API (as `impex serve` does) until the scheduler stops, so one systemd unit runs both.
use std::path::Path;
use std::time::Duration;

use anyhow::Context;

use super::Status;
use crate::schedule::{history, runner, zone};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Run every schedule that is due now (and pending retries), wait for them, exit; exit code
    /// 1 if a run failed.
    #[arg(long)]
    pub once: bool,
    /// The zone crons are read in (IANA name, e.g. Europe/Berlin); default: the server's zone
    /// (TZ, else /etc/localtime).
    #[arg(long, env = "IMPEX_TZ")]
    pub tz: Option<String>,
    /// Jobs running at the same time.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_jobs: u32,
    /// On SIGTERM/SIGINT, how long to wait for running jobs: seconds, or <n>s|m|h.
    #[arg(long, default_value = "60s")]
    pub shutdown_timeout: String,
    /// Days of job history ("JobRunDO") to keep.
    #[arg(long, default_value_t = history::DEFAULT_DAYS)]
    pub history_days: u32,
    /// Also serve IOM's REST API on this address (e.g. 127.0.0.1:8080), in this process.
    #[arg(long, env = "IMPEX_LISTEN")]
    pub listen: Option<std::net::SocketAddr>,
    /// PEM certificate chain for the API (HTTPS, with --tls-key).
    #[arg(long, requires_all = ["tls_key", "listen"])]
    pub tls_cert: Option<std::path::PathBuf>,
    /// PEM private key of --tls-cert.
    #[arg(long, requires = "tls_cert")]
    pub tls_key: Option<std::path::PathBuf>,
}

pub fn run(db_path: &Path, args: Args) -> anyhow::Result<Status> {
    let opts = options(args.tz.as_deref(), args.max_jobs, &args.shutdown_timeout, args.history_days)?;
    let mut r = runner::Runner::new(db_path, opts.clone())?;
    r.install_signals()?;
    let mode = if args.once { runner::Mode::Once } else { runner::Mode::Forever };
    tracing::info!(holder = r.holder(), tz = %opts.tz, once = args.once, "scheduler started");
    let api = match args.listen {
        Some(listen) => {
            let http = super::serve::HttpArgs { listen, tls_cert: args.tls_cert.clone(), tls_key: args.tls_key.clone() };
            Some(Api::start(db_path, http.options())?)
        }
        None => None,
    };
    let summary = r.run(mode);
    if let Some(api) = api {
        api.stop()?;
    }
    let summary = summary?;
    tracing::info!(runs = summary.runs, failed = summary.failed, "scheduler stopped");
    Ok(if args.once && summary.failed > 0 { Status::Problems } else { Status::Ok })
}

pub(super) fn options(tz: Option<&str>, max_jobs: u32, shutdown_timeout: &str, history_days: u32) -> anyhow::Result<runner::Options> {
    let tz = zone::resolve(tz).map_err(anyhow::Error::msg).context("--tz / IMPEX_TZ")?;
    let t = shutdown_timeout.trim();
    let shutdown_timeout = match t.parse::<u64>() {
        Ok(s) => Duration::from_secs(s),
        Err(_) => crate::time::parse_delay(t).with_context(|| format!("--shutdown-timeout `{t}`: expected seconds or <n>s, <n>m, <n>h"))?,
    };
    Ok(runner::Options { tz, max_jobs: max_jobs as usize, shutdown_timeout, history_days, ..runner::Options::default() })
}

/// The API served beside the scheduler: its own runtime on its own thread, stopped when the
/// scheduler stops (the scheduler owns the signals).
struct Api {
    stop: tokio::sync::oneshot::Sender<()>,
    thread: std::thread::JoinHandle<anyhow::Result<()>>,
}

impl Api {
    fn start(db_path: &Path, opts: crate::http::Options) -> anyhow::Result<Api> {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<anyhow::Result<()>>();
        let db_path = db_path.to_path_buf();
        let thread = std::thread::Builder::new().name("http".into()).spawn(move || -> anyhow::Result<()> {
            let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = ready_tx.send(Err(e.into()));
                    return Ok(());
                }
            };
            rt.block_on(async move {
                let (addr_tx, addr_rx) = tokio::sync::oneshot::channel();
                let notify = ready_tx.clone();
                tokio::spawn(async move {
                    if addr_rx.await.is_ok() {
                        let _ = notify.send(Ok(()));
                    }
                });
                let served = crate::http::serve(&db_path, opts, super::serve::authenticator(), async { let _ = stopped.await; }, Some(addr_tx)).await;
                if let Err(e) = &served {
                    let _ = ready_tx.send(Err(anyhow::anyhow!("{e:#}")));
                }
                served
            })
        })?;
        // a bad address or certificate stops the start, before the scheduler runs a job
        match ready_rx.recv() {
            Ok(Ok(())) => Ok(Api { stop, thread }),
            Ok(Err(e)) => Err(e.context("the API (--listen)")),
            Err(_) => Err(anyhow::anyhow!("the API (--listen) did not start")),
        }
    }

    fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        self.thread.join().map_err(|_| anyhow::anyhow!("the API thread panicked"))?
    }
}
