//! `impex trigger KEY`: runs one schedule now, regardless of its cron, `active` flag or a stop
//! (it still takes the lock). Exit 0 when the run succeeded (OK or WARN), 1 when it failed, 2
//! when the key is unknown or the schedule is locked. A successful run lifts a stop.
use std::path::Path;

use super::Status;
use crate::db::{self, queries::schedule as q};
use crate::schedule::runner;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// "ScheduleDO"."key" of the schedule to run.
    pub key: String,
    /// On SIGTERM/SIGINT, how long to wait for the job: seconds, or <n>s|m|h.
    #[arg(long, default_value = "60s")]
    pub shutdown_timeout: String,
}

pub fn run(db_path: &Path, args: Args) -> anyhow::Result<Status> {
    let conn = db::open_existing(db_path)?;
    let Some(s) = q::by_key(&conn, &args.key)? else {
        anyhow::bail!("no schedule with key `{}` (\"ScheduleDO\".\"key\")", args.key);
    };
    drop(conn);
    let opts = super::run::options(Some("UTC"), 1, &args.shutdown_timeout, crate::schedule::history::DEFAULT_DAYS)?;
    let mut r = runner::Runner::new(db_path, opts)?;
    r.install_signals()?;
    let summary = r.run(runner::Mode::Trigger(s.id))?;
    let conn = db::open_existing(db_path)?;
    if let Some(s) = q::by_key(&conn, &args.key)? {
        println!("{}: {}: {}", s.key, s.last_outcome.as_deref().unwrap_or("-"), s.last_message.as_deref().unwrap_or(""));
    }
    Ok(if summary.failed > 0 { Status::Problems } else { Status::Ok })
}
