//! The sending job (`"JobDefDO"` -10001 SEND_TRANSMISSIONS; `impex send` runs it once).
//!
//! A run takes due transmissions (INITIAL, and DO_PUSH whose "nextRetryDate" has passed) in
//! batches, oldest first, and for each batch:
//! 1. claims: in one write transaction, chooses each new transmission's file name and stores it
//!    in "fileName" (so the name never changes afterwards);
//! 2. renders the documents (one read transaction), writes them into the staging directory
//!    `<base>/communication/messages/.staging/`, makes them durable with one file system sync
//!    for the whole batch (what [`crate::fs::atomic::write_atomic`] does per file: temporary name,
//!    sync, rename; one `fsync` per file limits a disk to a few hundred files per second), then
//!    renames them into the outbox `<base>/communication/messages/out/` and syncs the outbox
//!    directory;
//! 3. records the outcomes in one write transaction: PUSHED, CANCELED (nothing to send), or a
//!    failure: DO_PUSH with "retryCount" + 1 and "nextRetryDate" = now + the partner's
//!    "retryDelay", or DO_MANUAL_CHECK once "maxNoOfRetries" retries are used up.
//!
//! Steps 1-2a of batch k + 1 (this thread) overlap with the writing of batch k (a writer thread,
//! which splits the files over [`WRITERS`] threads, each with its own staging subdirectory), and
//! step 3 of batch k overlaps with the writing of batch k + 1.
//!
//! Crash safety: the outbox only ever receives complete files (by rename). A transmission is
//! PUSHED only after its file is in the outbox. When a run dies between the rename and step 3,
//! the next run finds the transmission due with a stored "fileName" whose file already exists
//! and marks it PUSHED without writing it again. Each run writes into its own directory in
//! staging, named by the process's identity; leftovers of runs that died are removed at the
//! start of each run.
//!
//! Runs at once: on SQLite one run at a time (a lock file `.send.lock` next to the outbox); on
//! PostgreSQL any number, on any number of nodes: a run claims each transmission it takes
//! (`q::claim`: an advisory lock of the run's database session per transmission, held until its
//! outcome is recorded), and skips those another run holds. A run that dies loses its claims
//! with its connection; the next run completes what it left as above.
use crate::db::Conn;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};


use super::state::{self, TransmissionState};
use super::transmission::{self, Prepared};
use super::Rendered;
use crate::fs::paths;
use crate::db::{self, queries::export as q};
use crate::model::job::{Job, JobContext, JobError, Report};

/// Transmissions per batch (one claim and one outcome transaction each).
pub const BATCH: i64 = 5000;

/// Transmissions per batch on PostgreSQL: each claimed transmission holds an advisory lock in
/// the server's shared lock table (`max_locks_per_transaction` × `max_connections` entries,
/// 6,400 by default, for every session together), and a run holds two batches at a time.
pub const BATCH_POSTGRES: i64 = 500;

/// The sending job.
pub struct SendTransmissionsJob;

impl Job for SendTransmissionsJob {
    fn def_id(&self) -> i64 {
        -10001
    }
    fn name(&self) -> &'static str {
        "SEND_TRANSMISSIONS"
    }
    fn run(&self, ctx: &JobContext) -> Result<Report, JobError> {
        let r = run_once(&ctx.db_path, &ctx.base, &ctx.cancel)?;
        Ok(r.to_report())
    }
}

/// What a sending run did.
#[derive(Debug, Default, Clone)]
pub struct RunReport {
    /// Files written and transmissions PUSHED.
    pub pushed: i64,
    /// PUSHED without writing: the file of an interrupted run was already in the outbox.
    pub recovered: i64,
    /// CANCELED: nothing to send for the receiver.
    pub canceled: i64,
    /// Failed tries (now DO_PUSH or DO_MANUAL_CHECK).
    pub failed: i64,
    /// Of the failed: moved to DO_MANUAL_CHECK.
    pub manual_check: i64,
    /// Another run held the lock: nothing done.
    pub skipped_locked: bool,
    /// One line per failure: transmission id and reason.
    pub messages: Vec<String>,
}

impl RunReport {
    pub fn summary(&self) -> String {
        if self.skipped_locked {
            return "another sending run is active; nothing done".into();
        }
        let mut s = format!(
            "{} written, {} completed from an interrupted run, {} canceled, {} failed ({} to DO_MANUAL_CHECK)",
            self.pushed, self.recovered, self.canceled, self.failed, self.manual_check
        );
        for m in self.messages.iter().take(5) {
            s.push_str("; ");
            s.push_str(m);
        }
        if self.messages.len() > 5 {
            s.push_str(&format!("; and {} more", self.messages.len() - 5));
        }
        s
    }

    pub fn to_report(&self) -> Report {
        Report::from_counts(self.pushed + self.recovered + self.canceled, self.failed, self.summary())
    }
}

/// The staging directory of the file senders (complete files are renamed from here into the outbox).
pub fn staging_dir(base: &Path) -> PathBuf {
    paths::outbox(base).parent().map(|p| p.join(".staging")).unwrap_or_else(|| base.join(".staging"))
}

fn temporary(e: impl std::fmt::Display) -> JobError {
    JobError::Temporary(e.to_string())
}

enum Outcome {
    Write { name: String, bytes: Vec<u8> },
    AlreadyThere,
    Cancel(String),
    Fail(String),
}

struct Item {
    due: q::Due,
    prepared: Option<Prepared>,
    name: Option<String>,
    fresh: bool,
    outcome: Option<Outcome>,
    /// Where the writer put the file before moving it into the outbox.
    staged: Option<PathBuf>,
}

/// Runs the sending job once. `cancel` stops it between batches.
pub fn run_once(db_path: &Path, base: &Path, cancel: &AtomicBool) -> Result<RunReport, JobError> {
    let outbox = paths::outbox(base);
    let staging = staging_dir(base);
    for d in [&outbox, &staging] {
        std::fs::create_dir_all(d).map_err(|e| JobError::Permanent(format!("cannot create {}: {e}", d.display())))?;
    }
    let mut conn = db::open_existing(db_path).map_err(temporary)?;
    let mut report = RunReport::default();
    // SQLite: one run at a time, by a lock file next to the outbox. PostgreSQL: runs on any
    // number of nodes at once, each with the transmissions it claimed (`q::claim`).
    let _lock = if conn.is_postgres() {
        None
    } else {
        let lock_path = staging.parent().unwrap_or(base).join(".send.lock");
        let lock = File::create(&lock_path).map_err(|e| JobError::Permanent(format!("{}: {e}", lock_path.display())))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                report.skipped_locked = true;
                return Ok(report);
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(temporary(format!("{}: {e}", lock_path.display()))),
        }
        Some(lock)
    };
    // this run's directory in staging is made by its first batch, after its first claim made
    // the run's session known as alive to the other nodes
    let mine = staging.join(run_staging_name());
    remove_leftovers(&conn, &staging, &mine);
    let mut after = 0i64;
    // A pipeline of two: while a writer thread writes batch k, this thread claims and renders
    // batch k + 1; the outcomes of batch k are recorded once its files are in the outbox.
    std::thread::scope(|scope| -> Result<(), JobError> {
        let mut writing: Option<std::thread::ScopedJoinHandle<'_, Result<Vec<Item>, JobError>>> = None;
        loop {
            let (items, last) = if cancel.load(Ordering::Relaxed) { (Vec::new(), true) } else { claim_and_render(&mut conn, &outbox, &mut after)? };
            let written = match writing.take() {
                Some(w) => Some(w.join().map_err(|_| JobError::Temporary("the writer thread panicked".into()))??),
                None => None,
            };
            // batch k + 1 starts writing before the outcomes of batch k are recorded
            if !items.is_empty() {
                let (o, st) = (&outbox, &mine);
                writing = Some(scope.spawn(move || write_batch(items, o, st)));
            }
            if let Some(done) = written {
                record(&mut conn, &done, &mut report)?;
            }
            if last {
                if let Some(w) = writing.take() {
                    let done = w.join().map_err(|_| JobError::Temporary("the writer thread panicked".into()))??;
                    record(&mut conn, &done, &mut report)?;
                }
                return Ok(());
            }
        }
    })?;
    let _ = std::fs::remove_dir_all(&mine);
    Ok(report)
}

/// The name of this run's own directory in staging: the process's identity (`host:pid:start`),
/// by which a run on another node knows whether it is still alive.
fn run_staging_name() -> String {
    crate::db::process_identity().map(str::to_string).unwrap_or_else(|| format!("pid-{}", std::process::id()))
}

/// Removes what interrupted runs left in staging (never complete in the outbox, safe to drop):
/// on SQLite everything (this run holds the sending lock); on PostgreSQL this process's own
/// directory, stray files, and the directories of runs whose process has no session on the
/// database any more. A live run's directory is kept.
fn remove_leftovers(conn: &Conn, staging: &Path, mine: &Path) {
    let Ok(entries) = std::fs::read_dir(staging) else { return };
    for e in entries.flatten() {
        let path = e.path();
        let is_dir = e.file_type().map(|t| t.is_dir()).unwrap_or(false);
        let alive = |holder: &str| db::queries::heartbeat::holder_alive(conn, holder).unwrap_or(Some(true)) == Some(true);
        let keep = is_dir && path != mine && e.file_name().to_str().is_some_and(alive);
        if !keep {
            let _ = if is_dir { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
        }
    }
}

/// Phases 1 and 2a: claims a batch (stores file names) and renders its documents. Also says
/// whether this was the last batch (no due transmission after it).
fn claim_and_render(conn: &mut Conn, outbox: &Path, after: &mut i64) -> Result<(Vec<Item>, bool), JobError> {
    // 1. claim: the due transmissions no other run holds; choose and store file names
    let t0 = std::time::Instant::now();
    transmission::clear_lookups();
    let now = crate::time::now_text();
    let mut items = Vec::new();
    let last;
    {
        let tx = conn.write().map_err(temporary)?;
        let batch = if tx.is_postgres() { BATCH_POSTGRES } else { BATCH };
        let mut due = Vec::new();
        loop {
            let want = batch - due.len() as i64;
            let found = q::due(&tx, &now, *after, want).map_err(temporary)?;
            let ids: Vec<i64> = found.iter().map(|d| d.id).collect();
            *after = ids.iter().copied().max().unwrap_or(*after);
            let held: std::collections::HashSet<i64> = q::claim(&tx, &ids).map_err(temporary)?.into_iter().collect();
            let n = found.len() as i64;
            due.extend(found.into_iter().filter(|d| held.contains(&d.id)));
            if n < want || due.len() as i64 >= batch {
                last = n < want;
                break;
            }
        }
        let mut names = Vec::new();
        for d in due {
            let mut item = Item { name: d.file_name.clone(), fresh: false, prepared: None, outcome: None, staged: None, due: d };
            match transmission::prepare(&tx, &item.due, &now) {
                Ok(p) => {
                    if item.name.is_none() {
                        match transmission::file_name(&tx, &p, &now) {
                            Ok(name) => {
                                names.push((item.due.id, name.clone()));
                                item.name = Some(name);
                                item.fresh = true;
                            }
                            Err(e) => item.outcome = Some(Outcome::Fail(e.0)),
                        }
                    }
                    item.prepared = Some(p);
                }
                Err(e) => item.outcome = Some(Outcome::Fail(e.0)),
            }
            items.push(item);
        }
        // (one statement for the batch: on PostgreSQL a statement is a round trip)
        q::set_file_names(&tx, &names).map_err(temporary)?;
        tx.commit().map_err(temporary)?;
    }
    if items.is_empty() {
        return Ok((items, last));
    }
    let t_claim = t0.elapsed();
    // 2. render (one read snapshot), then write
    {
        let tx = conn.snapshot().map_err(temporary)?;
        if tx.is_postgres() {
            // (one statement for the batch's dispatches and returns instead of one each)
            let open = || items.iter().filter(|it| it.outcome.is_none());
            let dispatches: Vec<i64> = open().filter_map(|it| it.due.dispatch_ref).collect();
            let returns: Vec<i64> = open().filter_map(|it| it.due.return_ref).collect();
            q::prefetch(&tx, &dispatches, &returns).map_err(temporary)?;
        }
        for it in items.iter_mut().filter(|it| it.outcome.is_none()) {
            let name = it.name.clone().unwrap_or_default();
            if !it.fresh && outbox.join(&name).exists() {
                it.outcome = Some(Outcome::AlreadyThere);
                continue;
            }
            let p = it.prepared.as_ref().expect("prepared");
            it.outcome = Some(match transmission::render(&tx, &it.due, p) {
                Ok(Rendered::Doc(bytes)) => Outcome::Write { name, bytes },
                Ok(Rendered::Cancel(reason)) => Outcome::Cancel(reason),
                Err(e) => Outcome::Fail(e.0),
            });
        }
        q::clear_prefetched();
        tx.commit().map_err(temporary)?;
    }
    tracing::debug!(batch = items.len(), "sending batch: claim {:?}, render {:?}", t_claim, t0.elapsed() - t_claim);
    Ok((items, last))
}

/// Writer threads per batch, each with its own staging subdirectory (file creation in one
/// directory is serialized by the file system).
const WRITERS: usize = 2;

/// Phase 2b: writes a batch into staging, syncs, renames the files into the outbox, syncs it.
fn write_batch(mut items: Vec<Item>, outbox: &Path, staging: &Path) -> Result<Vec<Item>, JobError> {
    let t0 = std::time::Instant::now();
    // Write every document of the batch into staging, make them durable with one file system
    // sync, then rename them into the outbox and sync the outbox directory once.
    let chunk = items.len().div_ceil(WRITERS).max(1);
    let staged: usize = std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks_mut(chunk)
            .enumerate()
            .map(|(k, part)| {
                let dir = staging.join(k.to_string());
                scope.spawn(move || {
                    let mut staged = 0;
                    let made = std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()));
                    for it in part.iter_mut() {
                        if let (Err(reason), Some(Outcome::Write { .. })) = (&made, &it.outcome) {
                            it.outcome = Some(Outcome::Fail(reason.clone()));
                            continue;
                        }
                        if let Some(Outcome::Write { name, bytes }) = &it.outcome {
                            let path = dir.join(name);
                            match std::fs::write(&path, bytes) {
                                Ok(()) => {
                                    it.staged = Some(path);
                                    staged += 1;
                                }
                                Err(e) => it.outcome = Some(Outcome::Fail(format!("writing {}: {e}", path.display()))),
                            }
                        }
                    }
                    staged
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_default()).sum()
    });
    if staged == 0 {
        return Ok(items);
    }
    let files: Vec<&Path> = items.iter().filter_map(|it| it.staged.as_deref()).collect();
    crate::fs::sync_files(staging, true, files.iter().copied()).map_err(|e| temporary(format!("syncing {}: {e}", staging.display())))?;
    std::thread::scope(|scope| {
        for part in items.chunks_mut(chunk) {
            scope.spawn(move || {
                for it in part.iter_mut() {
                    let (Some(Outcome::Write { name, .. }), Some(from)) = (&it.outcome, &it.staged) else { continue };
                    if let Err(e) = std::fs::rename(from, outbox.join(name)) {
                        let reason = format!("moving {name} into {}: {e}", outbox.display());
                        it.outcome = Some(Outcome::Fail(reason));
                    }
                }
            });
        }
    });
    File::open(outbox)
        .and_then(|d| d.sync_all())
        .map_err(|e| temporary(format!("syncing {}: {e}", outbox.display())))?;
    tracing::debug!(batch = items.len(), "sending batch: write+sync+rename {:?}", t0.elapsed());
    Ok(items)
}


/// Phase 3: records the outcomes of a written batch.
fn record(conn: &mut Conn, items: &[Item], report: &mut RunReport) -> Result<(), JobError> {
    // 3. outcomes
    let now = crate::time::now_text();
    let tx = conn.write().map_err(temporary)?;
    let from = |it: &Item| TransmissionState::parse(&it.due.state).unwrap_or(TransmissionState::Initial);
    // the files in the outbox: PUSHED in one statement
    let in_outbox: Vec<&Item> = items.iter().filter(|it| matches!(it.outcome, Some(Outcome::Write { .. } | Outcome::AlreadyThere))).collect();
    let pairs: Vec<(i64, TransmissionState)> = in_outbox.iter().map(|it| (it.due.id, from(it))).collect();
    let moved: std::collections::HashSet<i64> = state::mark_all_pushed(&tx, &pairs, &now).map_err(temporary)?.into_iter().collect();
    for it in in_outbox {
        if !moved.contains(&it.due.id) {
            tracing::warn!(transmission_id = it.due.id, "{}", state::not_moved(it.due.id, from(it), "PUSHED"));
        } else if matches!(it.outcome, Some(Outcome::AlreadyThere)) {
            report.recovered += 1;
        } else {
            report.pushed += 1;
        }
    }
    for it in items {
        let id = it.due.id;
        let from = from(it);
        let res = match it.outcome.as_ref().expect("outcome") {
            Outcome::Write { .. } | Outcome::AlreadyThere => continue,
            Outcome::Cancel(reason) => state::cancel(&tx, id, from, reason, &now).map(|_| report.canceled += 1),
            Outcome::Fail(reason) => {
                let delay = crate::time::parse_delay(&it.due.retry_delay).unwrap_or(std::time::Duration::from_secs(1800));
                let next = crate::time::format(chrono::Utc::now() + chrono::Duration::from_std(delay).unwrap_or_default());
                tracing::warn!(transmission_id = id, "transmission failed: {reason}");
                report.failed += 1;
                report.messages.push(format!("transmission {id}: {reason}"));
                state::mark_failed(
                    &tx,
                    id,
                    from,
                    &state::Failure { retry_count: it.due.retry_count, max_retries: it.due.max_retries, next_retry: &next, reason },
                    &now,
                ).map(|to| {
                    if to == TransmissionState::DoManualCheck {
                        report.manual_check += 1;
                    }
                })
            }
        };
        if let Err(e) = res {
            tracing::warn!(transmission_id = id, "{e}");
        }
    }
    tx.commit().map_err(temporary)?;
    let ids: Vec<i64> = items.iter().map(|it| it.due.id).collect();
    q::release(conn, &ids).map_err(temporary)
}
