//! `impex transfer CONFIG_ID`: runs the file transfer job (FTP_JOB, JobDefDO 3) once for a
//! `"FileTransferConfigurationDO"` id, in the foreground, without the scheduler. `--ledger`
//! prints the newest rows of the file ledger instead.
//!
//! Exit code: 0 OK or WARN, 1 ERROR (every file failed), 2 the run failed as a whole
//! (unreachable server: "temporary: ..."; bad credentials, host key, configuration: the reason).
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use anyhow::Context;

use super::Status;
use crate::db::{self, queries};
use crate::jobs::{JobContext, Outcome};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// "FileTransferConfigurationDO"."id".
    pub config_id: i64,
    /// The schedule key naming the work directory <base>/share/<KEY> when basePath is NULL
    /// (default: the key of the FTP_JOB "ScheduleDO" with this configId, else transfer_<ID>).
    #[arg(long)]
    pub key: Option<String>,
    /// Print the newest ledger rows ("TransferFileDO") of this configuration and exit.
    #[arg(long)]
    pub ledger: bool,
}

pub fn run(db_path: &Path, args: Args) -> anyhow::Result<Status> {
    let conn = db::open_existing(db_path)?;
    if args.ledger {
        for r in queries::transfer::recent(&conn, args.config_id, 100)? {
            println!(
                "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                r.id,
                r.direction,
                r.state,
                r.remote_path.escape_debug(),
                r.size.map(|s| s.to_string()).unwrap_or_default(),
                r.content_hash.as_deref().unwrap_or(""),
                r.error.as_deref().unwrap_or("")
            );
        }
        return Ok(Status::Ok);
    }
    let base = queries::config::base_path(&conn)?.context("no base directory: run `impex init --base DIR`")?;
    let schedule = queries::transfer::schedule_for_config(&conn, args.config_id)?;
    drop(conn);
    let (schedule_id, key) = match (args.key, schedule) {
        (Some(k), s) => (s.map(|s| s.0).unwrap_or(0), k),
        (None, Some((id, k))) => (id, k),
        (None, None) => (0, format!("transfer_{}", args.config_id)),
    };
    let cancel = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        let _ = signal_hook::flag::register(sig, Arc::clone(&cancel));
    }
    let ctx = JobContext {
        db_path: db_path.to_path_buf(),
        base,
        schedule_id,
        schedule_key: key,
        config_id: Some(args.config_id),
        cancel,
    };
    let report = crate::transfer::job::run(&ctx).map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("{}: {}", report.outcome.as_str(), report.message);
    Ok(if report.outcome == Outcome::Error { Status::Problems } else { Status::Ok })
}
