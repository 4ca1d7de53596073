//! `impex run [--once]`: the scheduler (see `crate::schedule::runner`). `--once` runs what is due
//! now and exits 1 if a run failed.
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
}

pub fn run(db_path: &Path, args: Args) -> anyhow::Result<Status> {
    let opts = options(args.tz.as_deref(), args.max_jobs, &args.shutdown_timeout, args.history_days)?;
    let mut r = runner::Runner::new(db_path, opts.clone())?;
    r.install_signals()?;
    let mode = if args.once { runner::Mode::Once } else { runner::Mode::Forever };
    tracing::info!(holder = r.holder(), tz = %opts.tz, once = args.once, "scheduler started");
    let summary = r.run(mode)?;
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
