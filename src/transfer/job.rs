//! The file transfer job (`"JobDefDO"` 3, FTP_JOB): pull from FTP, FTPS, SFTP or a local
//! directory into the local `pushDirectory`, deliver local files when `deliverRemoteDirectory` is set, then run
//! the configuration's transformer group.
//!
//! Configuration lookup (reference: "FTP Pull / Scheduler / ExecutionBean Configuration"):
//! 1. `"ScheduleDO"."configId"` = `"FileTransferConfigurationDO"."id"`;
//! 2. the FTP communication partner: a `"CommunicationPartnerDO"` whose `"CommunicationDO"."key"`
//!    starts with `ANY###FTP_JOB###` and whose `sendingPartnerReferrerRef` OR
//!    `receivingPartnerReferrerRef` is the configuration's `partnerReferrerRef` (the reference
//!    scripts make the finance controller the sender and the shop the receiver). Several: the
//!    one whose communication has the configuration's `transmissionTypeDefRef` first, then a
//!    sender match, then the lowest id;
//! 3. its `"ExecutionBeanValueDO"` rows for the keys of `"ExecutionBeanDefDO"` 202.
//!
//! Work directory: [`crate::fs::paths::transfer_dir`]; pulled files land in its
//! `pushDirectory` (default `in`); partial downloads in `.partial/`; a lock file
//! `.impex-transfer.lock` keeps two runs of one configuration apart.
use crate::db::Conn;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;


use super::ledger::{self, Counts, Spec};
use super::{Account, ConnectOptions, ErrorKind, Scheme, Secret, TransferError};
use crate::db::queries;
use crate::model::job::{Job, JobContext, JobError, Outcome, Report};

/// The FTP job, `"JobDefDO"` 3.
pub struct FileTransferJob;

pub static FILE_TRANSFER_JOB: FileTransferJob = FileTransferJob;

impl Job for FileTransferJob {
    fn def_id(&self) -> i64 {
        3
    }
    fn name(&self) -> &'static str {
        "FTP_JOB"
    }
    fn run(&self, ctx: &JobContext) -> Result<Report, JobError> {
        run(ctx)
    }
}

fn to_job(e: TransferError) -> JobError {
    match e.kind {
        ErrorKind::Temporary => JobError::Temporary(e.message),
        ErrorKind::Permanent | ErrorKind::File => JobError::Permanent(e.message),
    }
}

fn db(e: impl std::fmt::Display) -> JobError {
    JobError::Temporary(format!("database: {e}"))
}

/// Everything the job needs, read from the configuration rows.
#[derive(Debug)]
pub struct Plan {
    pub config: queries::transfer::ConfigRow,
    pub partner: i64,
    pub account: Account,
    pub push_account: Account,
    pub options: ConnectOptions,
    pub work_dir: PathBuf,
    pub pull: Spec,
    pub deliver: Option<Spec>,
}

fn value<'a>(v: &'a HashMap<String, Option<String>>, key: &str) -> Option<&'a str> {
    v.get(key).and_then(|x| x.as_deref()).map(str::trim).filter(|s| !s.is_empty())
}

fn bad(config: i64, key: &str, reason: impl std::fmt::Display) -> JobError {
    JobError::Permanent(format!("\"FileTransferConfigurationDO\" id {config}: ExecutionBeanValueDO {key}: {reason}"))
}

fn seconds(v: &HashMap<String, Option<String>>, config: i64, key: &str, default: Duration) -> Result<Duration, JobError> {
    match value(v, key) {
        None => Ok(default),
        Some(s) => s
            .parse::<f64>()
            .ok()
            .filter(|x| *x >= 0.0 && x.is_finite())
            .map(Duration::from_secs_f64)
            .ok_or_else(|| bad(config, key, format!("`{s}` is not a number of seconds"))),
    }
}

/// Resolves a local path option: absolute, or relative to `base`.
fn local_path(base: &Path, p: &str) -> PathBuf {
    let p = Path::new(p);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    }
}

/// Reads and checks the configuration of one run.
pub fn plan(conn: &Conn, base: &Path, config_id: i64, schedule_id: Option<i64>, schedule_key: &str) -> Result<Plan, JobError> {
    let config = queries::transfer::config(conn, config_id)
        .map_err(db)?
        .ok_or_else(|| JobError::Permanent(format!("no \"FileTransferConfigurationDO\" with id {config_id}")))?;
    let found = match config.communication_partner_ref {
        Some(pinned) => Some(pinned),
        None => queries::transfer::ftp_partner(conn, config.partner_referrer_ref, config.transmission_type).map_err(db)?,
    };
    let partner = found
        .ok_or_else(|| {
            JobError::Permanent(format!(
                "\"FileTransferConfigurationDO\" id {config_id}: no \"CommunicationPartnerDO\" with a communication key \
                 ANY###FTP_JOB###... whose sending or receiving partner is \"PartnerReferrerDO\" id {}",
                config.partner_referrer_ref
            ))
        })?;
    let v = queries::transfer::partner_values(conn, partner).map_err(db)?;
    let account = Account::parse(value(&v, "pullFtpAccount")).map_err(|e| bad(config_id, "pullFtpAccount", e))?;
    let push_account = match value(&v, "pushFtpAccount") {
        Some(a) => Account::parse(Some(a)).map_err(|e| bad(config_id, "pushFtpAccount", e))?,
        None => account.clone(),
    };
    let bool_opt = |key: &str| -> Result<bool, JobError> {
        match value(&v, key).map(str::to_ascii_lowercase).as_deref() {
            None | Some("false") | Some("0") | Some("no") => Ok(false),
            Some("true") | Some("1") | Some("yes") => Ok(true),
            Some(o) => Err(bad(config_id, key, format!("`{o}` is not true or false"))),
        }
    };
    let options = ConnectOptions {
        connect_timeout: seconds(&v, config_id, "connectTimeout", super::CONNECT_TIMEOUT)?,
        io_timeout: seconds(&v, config_id, "ioTimeout", super::IO_TIMEOUT)?,
        private_key: value(&v, "pullPrivateKeyFile").map(|p| local_path(base, p)),
        passphrase: value(&v, "pullPrivateKeyPassphrase").map(Secret::new),
        known_hosts: value(&v, "knownHostsFile").map(|p| local_path(base, p)),
        accept_new_host_key: bool_opt("acceptNewHostKey")?,
        ca_file: value(&v, "ftpsCaFile").map(|p| local_path(base, p)),
    };
    let work_dir = crate::fs::paths::transfer_dir(base, config.base_path.as_deref(), schedule_key);
    let pull_dir = value(&v, "pullDirectory")
        .ok_or_else(|| bad(config_id, "pullDirectory", "missing: the directory to pull from is required"))?;
    let remote_dir = if account.scheme == Scheme::Local {
        local_path(base, pull_dir).to_string_lossy().into_owned()
    } else {
        pull_dir.to_string()
    };
    let target = local_path(&work_dir, value(&v, "pushDirectory").unwrap_or("in"));
    let pull = Spec {
        config_id,
        schedule_id,
        partner_ref: Some(partner),
        remote_dir,
        regex: ledger::compile(value(&v, "pullFilenameRegex")).map_err(|e| bad(config_id, "pullFilenameRegex", e))?,
        local_dir: target,
        aux_dir: work_dir.join(".partial"),
        min_age: seconds(&v, config_id, "minFileAge", Duration::from_secs(10))?,
        archive_dir: value(&v, "remoteArchiveDirectory").map(|a| {
            if account.scheme == Scheme::Local { local_path(base, a).to_string_lossy().into_owned() } else { a.to_string() }
        }),
    };
    // IOM's typeDefRef 30 ("pull and push") pulls into the local pushDirectory like 10; no
    // remote delivery is involved. Delivering local files to the partner is impex's option:
    // it happens when deliverRemoteDirectory is set, for any type.
    let deliver = if let Some(remote) = value(&v, "deliverRemoteDirectory") {
        let remote_dir = if push_account.scheme == Scheme::Local { local_path(base, remote).to_string_lossy().into_owned() } else { remote.to_string() };
        let local_dir = value(&v, "deliverDirectory").map(|d| local_path(base, d)).unwrap_or_else(|| crate::fs::paths::outbox(base));
        let sent = value(&v, "deliverSentDirectory").map(|d| local_path(base, d)).unwrap_or_else(|| local_dir.join("sent"));
        Some(Spec {
            config_id,
            schedule_id,
            partner_ref: Some(partner),
            remote_dir,
            regex: ledger::compile(value(&v, "deliverFilenameRegex")).map_err(|e| bad(config_id, "deliverFilenameRegex", e))?,
            local_dir,
            aux_dir: sent,
            min_age: Duration::ZERO,
            archive_dir: None,
        })
    } else {
        None
    };
    Ok(Plan { config, partner, account, push_account, options, work_dir, pull, deliver })
}

/// Takes the file lock of a transfer configuration (SQLite), or says another run holds it.
fn lock_file(lock_path: &Path, config_id: i64) -> Result<std::fs::File, JobError> {
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(lock_path)
        .map_err(|e| JobError::Permanent(format!("{}: {e}", lock_path.display())))?;
    match lock.try_lock() {
        Ok(()) => Ok(lock),
        Err(std::fs::TryLockError::WouldBlock) => Err(JobError::Temporary(format!("another run of \"FileTransferConfigurationDO\" {config_id} holds {}", lock_path.display()))),
        Err(std::fs::TryLockError::Error(e)) => Err(JobError::Temporary(format!("{}: {e}", lock_path.display()))),
    }
}

/// Runs the job for `ctx.config_id`.
pub fn run(ctx: &JobContext) -> Result<Report, JobError> {
    let config_id = ctx
        .config_id
        .ok_or_else(|| JobError::Permanent(format!("\"ScheduleDO\" {}: the FTP job needs configId", ctx.schedule_key)))?;
    let mut conn = crate::db::open_existing(&ctx.db_path).map_err(db)?;
    let schedule_id = (ctx.schedule_id > 0).then_some(ctx.schedule_id);
    let p = plan(&conn, &ctx.base, config_id, schedule_id, &ctx.schedule_key)?;
    let span = tracing::info_span!("transfer", schedule = %ctx.schedule_key, config = config_id, account = %p.account);
    let _g = span.enter();
    std::fs::create_dir_all(&p.work_dir).map_err(|e| JobError::Permanent(format!("creating {}: {e}", p.work_dir.display())))?;
    // One run per configuration at a time: a claim in the database on PostgreSQL (any node),
    // a file lock in the work directory on SQLite.
    let claim = format!("FileTransferConfigurationDO:{config_id}");
    let held = crate::db::queries::claims::try_claim(&conn, &claim).map_err(db)?;
    let _lock = match held {
        Some(true) => None,
        Some(false) => return Err(JobError::Temporary(format!("another run of \"FileTransferConfigurationDO\" {config_id} (on this or another node) is working on it"))),
        None => Some(lock_file(&p.work_dir.join(".impex-transfer.lock"), config_id)?),
    };
    let cancel = || ctx.cancelled();
    let mut t = super::connect(&p.account, &p.options).map_err(to_job)?;
    tracing::info!(from = %p.pull.remote_dir, to = %p.pull.local_dir.display(), "pulling");
    let pulled = ledger::pull(&mut conn, t.as_mut(), &p.pull, &cancel).map_err(to_job)?;
    let mut total = pulled.clone();
    let mut parts = vec![summary("pulled", &pulled)];
    if let Some(d) = &p.deliver {
        let mut pt = if p.push_account == p.account { t } else { super::connect(&p.push_account, &p.options).map_err(to_job)? };
        tracing::info!(from = %d.local_dir.display(), to = %d.remote_dir, "delivering");
        let sent = ledger::deliver(&mut conn, pt.as_mut(), d, &cancel).map_err(to_job)?;
        parts.push(summary("delivered", &sent));
        total.transferred += sent.transferred;
        total.failed += sent.failed;
        total.messages.extend(sent.messages);
    }
    let mut warn = None;
    if let Some(g) = p.config.group_ref {
        match crate::transform::run_group(&ctx.db_path, g, &p.pull.local_dir) {
            Ok(r) => parts.push(format!("import: {} file(s) imported, {} failed", r.imported, r.failed)),
            Err(e) => {
                tracing::warn!(group = g, error = %e, "transformer group failed");
                warn = Some(format!("transformer group {g}: {e}"));
            }
        }
    }
    for m in &total.messages {
        tracing::warn!("{m}");
    }
    let mut msg = parts.join("; ");
    if let Some(w) = &warn {
        msg.push_str(&format!("; WARN {w}"));
    }
    const SHOWN: usize = 20;
    if !total.messages.is_empty() {
        msg.push_str(&format!("; {}", total.messages.iter().take(SHOWN).cloned().collect::<Vec<_>>().join("; ")));
        if total.messages.len() > SHOWN {
            msg.push_str(&format!("; ... and {} more (see the log and `impex transfer {config_id} --ledger`)", total.messages.len() - SHOWN));
        }
    }
    let mut report = Report::from_counts(total.transferred + total.duplicates, total.failed + total.rejected, msg);
    if warn.is_some() && report.outcome == Outcome::Ok {
        report.outcome = Outcome::Warn;
    }
    Ok(report)
}

fn summary(what: &str, c: &Counts) -> String {
    let mut s = format!("{what} {} file(s) ({} bytes)", c.transferred, c.bytes);
    for (n, label) in [(c.failed, "failed"), (c.skipped, "skipped"), (c.duplicates, "duplicate"), (c.rejected, "rejected")] {
        if n > 0 {
            s.push_str(&format!(", {n} {label}"));
        }
    }
    s
}
