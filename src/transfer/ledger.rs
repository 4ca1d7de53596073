//! The pull and deliver algorithms over the `"TransferFileDO"` ledger: a crash at any point
//! neither loses a file nor transfers it twice (see [`super::state`] for what each state means
//! after a crash).
//!
//! Pull, per remote file whose name matches `pullFilenameRegex`:
//! 1. unsafe names (`/`, `..`, control characters) get one REJECTED row and are left alone;
//! 2. files younger than `minFileAge` (by their remote mtime) are skipped this run;
//! 3. LISTED -> DOWNLOADING (committed), stream to `<work dir>/.partial/<id>.part` while hashing
//!    (SHA-256), fsync; the remote size and mtime are checked again: a file that changed during
//!    the transfer is discarded and tried next run;
//! 4. same content hash as a file pulled before: DUPLICATE, local copy dropped, remote removed;
//! 5. otherwise DOWNLOADED (committed), rename into the target directory, fsync the directory;
//! 6. delete the remote file (or move it to `remoteArchiveDirectory`), then DONE.
//!
//! Deliver, per local file matching `deliverFilenameRegex`: LISTED -> UPLOADING, upload as
//! `.<name>.<id>.impex-part`, compare the remote size, rename into place (replacing), UPLOADED
//! (committed), move the local file to the sent directory, DONE.
use crate::db::Conn;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use regex::Regex;
use sha2::{Digest, Sha256};

use super::state::{self, Direction, FileState};
use super::{join, unsafe_name, ErrorKind, TResult, TransferError, Transport};
use crate::db::queries::transfer::{self as q, NewFile};

/// What a pull or deliver run is about.
#[derive(Debug, Clone)]
pub struct Spec {
    pub config_id: i64,
    pub schedule_id: Option<i64>,
    pub partner_ref: Option<i64>,
    /// Pull: the remote directory; deliver: the remote target directory.
    pub remote_dir: String,
    /// Only names that match completely.
    pub regex: Option<Regex>,
    /// Pull: where files land; deliver: the local source directory.
    pub local_dir: PathBuf,
    /// Pull: partial downloads; deliver: where sent files go.
    pub aux_dir: PathBuf,
    /// Pull: remote files younger than this are left for the next run.
    pub min_age: Duration,
    /// Pull: move remote files here instead of deleting them.
    pub archive_dir: Option<String>,
}

/// What a run did.
#[derive(Debug, Default, Clone)]
pub struct Counts {
    pub transferred: i64,
    pub failed: i64,
    pub skipped: i64,
    pub duplicates: i64,
    pub rejected: i64,
    pub bytes: u64,
    /// One line per failed, skipped, duplicate or rejected file.
    pub messages: Vec<String>,
}

fn db(e: crate::db::StoreError) -> TransferError {
    TransferError::temporary(format!("database: {e}"))
}

fn io(what: impl std::fmt::Display, e: std::io::Error) -> TransferError {
    TransferError::temporary(format!("{what}: {e}"))
}

fn mtime_text(secs: Option<i64>) -> Option<String> {
    secs.and_then(|s| chrono::DateTime::from_timestamp(s, 0)).map(crate::time::format)
}

fn full_match(re: &Option<Regex>, name: &str) -> bool {
    match re {
        None => !name.starts_with('.'),
        Some(r) => r.find(name).is_some_and(|m| m.start() == 0 && m.end() == name.len()),
    }
}

/// Compiles a configured file name regex (Java `matches()` semantics: the whole name).
pub fn compile(re: Option<&str>) -> Result<Option<Regex>, String> {
    match re.map(str::trim) {
        None | Some("") => Ok(None),
        Some(r) => Regex::new(&format!("^(?:{r})$")).map(Some).map_err(|e| format!("invalid regex `{r}`: {e}")),
    }
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Writes to a file while hashing (small files: no thread).
struct HashingWriter {
    file: std::fs::File,
    hash: Sha256,
}

impl Write for HashingWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

/// From this size on, hashing and writing run on a second thread.
const PIPE_MIN_SIZE: u64 = 1024 * 1024;

/// Writes to a file (around the page cache, see [`super::direct`]) and hashes on a second
/// thread, so that the network transfer, the hashing and the disk writes overlap. At most [`PIPE_DEPTH`] buffers are in flight (constant memory).
struct PipeWriter {
    tx: Option<std::sync::mpsc::SyncSender<Vec<u8>>>,
    /// Buffers the worker has finished with, for reuse.
    pool: std::sync::mpsc::Receiver<Vec<u8>>,
    worker: Option<std::thread::JoinHandle<std::io::Result<(std::fs::File, Sha256)>>>,
}

const PIPE_DEPTH: usize = 4;

impl PipeWriter {
    fn new(file: std::fs::File) -> Self {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(PIPE_DEPTH);
        let (ptx, prx) = std::sync::mpsc::channel::<Vec<u8>>();
        let worker = std::thread::spawn(move || {
            let mut out = crate::fs::direct::BlockWriter::new(file);
            let mut hash = Sha256::new();
            for buf in rx {
                hash.update(&buf);
                out.write_all(&buf)?;
                let _ = ptx.send(buf);
            }
            Ok((out.finish()?, hash))
        });
        PipeWriter { tx: Some(tx), pool: prx, worker: Some(worker) }
    }

    fn join(&mut self) -> std::io::Result<(std::fs::File, Sha256)> {
        drop(self.tx.take());
        match self.worker.take() {
            Some(w) => w.join().unwrap_or_else(|_| Err(std::io::Error::other("the writer thread panicked"))),
            None => Err(std::io::Error::other("the writer thread already ended")),
        }
    }

    /// Waits for every buffer to be written; returns the file and the hex SHA-256.
    fn finish(mut self) -> std::io::Result<(std::fs::File, String)> {
        let (f, h) = self.join()?;
        Ok((f, hex::encode(h.finalize())))
    }
}

impl Write for PipeWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let mut buf = self.pool.try_recv().unwrap_or_default();
        buf.clear();
        buf.extend_from_slice(data);
        let sent = self.tx.as_ref().map(|tx| tx.send(buf).is_ok()).unwrap_or(false);
        if !sent {
            // The worker stopped: report its error.
            return Err(self.join().err().unwrap_or_else(|| std::io::Error::other("the writer thread ended")));
        }
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for PipeWriter {
    fn drop(&mut self) {
        let _ = self.join();
    }
}

fn partial_path(spec: &Spec, id: i64) -> PathBuf {
    spec.aux_dir.join(format!("{id}.part"))
}

/// Deletes or archives a pulled remote file.
fn remote_cleanup(t: &mut dyn Transport, spec: &Spec, remote_path: &str, name: &str) -> TResult<()> {
    match &spec.archive_dir {
        Some(a) => match t.rename(remote_path, &join(a, name)) {
            // Already moved (a previous run stopped right after the move).
            Err(e) if e.kind == ErrorKind::File && t.stat(remote_path)?.is_none() => Ok(()),
            r => r,
        },
        None => t.remove(remote_path),
    }
}

/// Finishes DOWNLOADED rows (a previous run stopped after the download) and resets
/// DOWNLOADING rows (a previous run died during the download).
fn recover_pull(conn: &mut Conn, t: &mut dyn Transport, spec: &Spec, c: &mut Counts) -> TResult<()> {
    let dir = Direction::Pull.as_str();
    for r in q::in_state(conn, spec.config_id, dir, FileState::Downloading.as_str()).map_err(db)? {
        let _ = std::fs::remove_file(partial_path(spec, r.id));
        state::download_failed(conn, r.id, "interrupted (the previous run stopped during the download); retried").map_err(db)?;
    }
    let downloaded = q::in_state(conn, spec.config_id, dir, FileState::Downloaded.as_str()).map_err(db)?;
    if downloaded.is_empty() {
        return Ok(());
    }
    // Renames of the stopped run (and of place_local) may not be durable yet.
    let mut dirs = std::collections::BTreeSet::from([spec.local_dir.clone()]);
    for r in &downloaded {
        if let Some(d) = place_local(spec, r)? {
            dirs.insert(d);
        }
    }
    for d in &dirs {
        sync_dir(d);
    }
    let rows: Vec<Pulled> = downloaded.into_iter().map(|r| Pulled { id: r.id, remote_path: r.remote_path, name: r.file_name }).collect();
    finish_remote(conn, t, spec, &rows, c)
}

/// Of a DOWNLOADED row whose run stopped before the rename: moves `.partial/<id>.part` to the
/// local path (next to it, as `<name>.<id>`, when someone else's file of that name arrived
/// meanwhile). Returns the directory it renamed into.
fn place_local(spec: &Spec, r: &q::FileRow) -> TResult<Option<PathBuf>> {
    let part = partial_path(spec, r.id);
    if let (Some(lp), true) = (&r.local_path, part.exists()) {
        let lp = Path::new(lp);
        let to = if lp.exists() { lp.with_file_name(format!("{}.{}", r.file_name, r.id)) } else { lp.to_path_buf() };
        std::fs::rename(&part, &to).map_err(|e| io(format!("renaming {} to {}", part.display(), to.display()), e))?;
        return Ok(to.parent().map(Path::to_path_buf));
    }
    Ok(None)
}

/// A DOWNLOADED file whose remote copy is to be removed.
struct Pulled {
    id: i64,
    remote_path: String,
    name: String,
}

/// DOWNLOADED -> DONE for `rows` (their local files are in place and durable): removes or
/// archives the remote files, then records all outcomes in one transaction. A file whose
/// removal the server refuses stays DOWNLOADED with the reason (retried next run); a broken
/// connection records what was done before it and ends the run. A crash after a removal but
/// before the commit is harmless: the next run finds the remote file gone, which counts as
/// removed.
fn finish_remote(conn: &mut Conn, t: &mut dyn Transport, spec: &Spec, rows: &[Pulled], c: &mut Counts) -> TResult<()> {
    let mut outcomes: Vec<(i64, Option<String>)> = Vec::with_capacity(rows.len());
    let mut stopped = None;
    for r in rows {
        match remote_cleanup(t, spec, &r.remote_path, &r.name) {
            Ok(()) => outcomes.push((r.id, None)),
            Err(e) if e.kind == ErrorKind::File => {
                let m = format!("pulled, but the remote file could not be removed (retried next run): {}", e.message);
                c.messages.push(format!("{}: {m}", r.remote_path));
                outcomes.push((r.id, Some(m)));
            }
            Err(e) => {
                stopped = Some(e);
                break;
            }
        }
    }
    let tx = conn.write().map_err(db)?;
    for (id, error) in &outcomes {
        match error {
            None => state::pull_done(&tx, *id),
            Some(m) => state::cleanup_failed(&tx, *id, m),
        }
        .map_err(db)?;
    }
    tx.commit().map_err(db)?;
    stopped.map_or(Ok(()), Err)
}

/// Pulls every matching file of `spec.remote_dir` into `spec.local_dir`.
pub fn pull(conn: &mut Conn, t: &mut dyn Transport, spec: &Spec, cancel: &dyn Fn() -> bool) -> TResult<Counts> {
    let mut c = Counts::default();
    std::fs::create_dir_all(&spec.local_dir).map_err(|e| TransferError::permanent(format!("creating {}: {e}", spec.local_dir.display())))?;
    std::fs::create_dir_all(&spec.aux_dir).map_err(|e| TransferError::permanent(format!("creating {}: {e}", spec.aux_dir.display())))?;
    recover_pull(conn, t, spec, &mut c)?;
    t.check_dir(&spec.remote_dir)?;
    let mut entries = t.list(&spec.remote_dir)?;
    entries.retain(|e| e.is_file && e.name != "." && e.name != "..");
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    let dir = Direction::Pull.as_str();
    let listed: std::collections::HashSet<String> = entries.iter().map(|e| join(&spec.remote_dir, &e.name)).collect();
    // LISTED rows whose file is gone.
    for r in q::in_state(conn, spec.config_id, dir, FileState::Listed.as_str()).map_err(db)? {
        if !listed.contains(&r.remote_path) && t.stat(&r.remote_path)?.is_none() {
            state::vanished(conn, r.id, "the remote file disappeared before it was pulled").map_err(db)?;
        }
    }
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    // Fetched files, committed in batches (see commit_batch).
    let mut fetched: Vec<Fetched> = Vec::new();
    let mut batch_bytes = 0u64;
    for e in entries {
        if cancel() {
            c.messages.push("stopped: shutting down".into());
            break;
        }
        let path = join(&spec.remote_dir, &e.name);
        if let Some(why) = unsafe_name(&e.name) {
            // Rejected when it would otherwise be pulled; the last path segment counts too,
            // which catches path tricks like `../Import_1.xml`.
            let last = e.name.rsplit(['/', '\\']).next().unwrap_or("");
            if spec.regex.is_some() && !full_match(&spec.regex, &e.name) && !full_match(&spec.regex, last) {
                continue;
            }
            let id = q::insert(conn, &NewFile {
                config_ref: spec.config_id,
                schedule_ref: spec.schedule_id,
                partner_ref: spec.partner_ref,
                direction: dir,
                remote_path: &path,
                file_name: &e.name,
                size: Some(e.size as i64),
                mtime: mtime_text(e.mtime).as_deref(),
                local_path: None,
                state: FileState::Rejected.as_str(),
                error: Some(why),
            })
            .map_err(db)?;
            if id != 0 {
                c.rejected += 1;
                c.messages.push(format!("{}: rejected: {why}", path.escape_debug()));
            }
            continue;
        }
        if !full_match(&spec.regex, &e.name) {
            continue;
        }
        match pull_one(conn, t, spec, &path, &e, now, &mut c) {
            Ok(Some(f)) => {
                batch_bytes += f.size;
                fetched.push(f);
                if fetched.len() >= CLEANUP_BATCH || batch_bytes >= BATCH_BYTES {
                    commit_batch(conn, t, spec, &mut fetched, &mut c)?;
                    batch_bytes = 0;
                }
            }
            Ok(None) => {}
            Err(err) if err.kind == ErrorKind::File => {
                c.failed += 1;
                c.messages.push(format!("{path}: {}", err.message));
            }
            Err(err) => {
                // Files fetched but not committed stay DOWNLOADING: the next run fetches them
                // again. Committed ones stay DOWNLOADED: the next run removes the remote copies.
                return Err(err.context(format!(
                    "after {} of the files of {} ({} pulled)",
                    c.transferred + c.failed + c.skipped + c.duplicates,
                    spec.remote_dir,
                    c.transferred
                )))
            }
        }
    }
    commit_batch(conn, t, spec, &mut fetched, &mut c)?;
    Ok(c)
}

/// How many fetched files share one `syncfs` and one directory fsync.
const CLEANUP_BATCH: usize = 64;
/// A batch is committed at the latest after this many bytes.
const BATCH_BYTES: u64 = 256 * 1024 * 1024;

/// A file downloaded to `.partial/` (not yet durable), its row DOWNLOADING.
struct Fetched {
    id: i64,
    path: String,
    name: String,
    part: PathBuf,
    target: PathBuf,
    hash: String,
    size: u64,
}

/// Makes the fetched files durable with one `syncfs`, then records each as DUPLICATE or
/// DOWNLOADED (one transaction for the batch), renames the DOWNLOADED ones into the target
/// directory, fsyncs it once and removes the remote copies (see [`finish_remote`]).
fn commit_batch(conn: &mut Conn, t: &mut dyn Transport, spec: &Spec, fetched: &mut Vec<Fetched>, c: &mut Counts) -> TResult<()> {
    if fetched.is_empty() {
        return Ok(());
    }
    crate::fs::sync_files(&spec.aux_dir, fetched.len() > 4, fetched.iter().map(|f| f.part.as_path())).map_err(|e| TransferError::temporary(e.to_string()))?;
    let mut duplicate_msgs: Vec<Option<String>> = Vec::with_capacity(fetched.len());
    let tx = conn.write().map_err(db)?;
    for f in fetched.iter() {
        // Earlier files of this batch are visible here: the same content twice in one batch is a
        // duplicate too.
        if let Some(prev) = q::pulled_with_hash(&tx, spec.config_id, &f.hash, f.id).map_err(db)? {
            let m = format!(
                "same content (sha256 {}) as {} pulled before (\"TransferFileDO\" id {}); not imported again",
                f.hash, prev.remote_path, prev.id
            );
            state::duplicate(&tx, f.id, &f.hash, &m).map_err(db)?;
            duplicate_msgs.push(Some(m));
        } else {
            state::downloaded(&tx, f.id, &f.hash, &f.target.to_string_lossy()).map_err(db)?;
            duplicate_msgs.push(None);
        }
    }
    tx.commit().map_err(db)?;
    // Committed: a crash from here on leaves DOWNLOADED rows, which the next run renames
    // (place_local) and finishes.
    let mut rows = Vec::with_capacity(fetched.len());
    for (f, dup) in fetched.drain(..).zip(duplicate_msgs) {
        match dup {
            Some(m) => {
                let _ = std::fs::remove_file(&f.part);
                c.duplicates += 1;
                c.messages.push(format!("{}: duplicate: {m}", f.path));
                // DUPLICATE is final: a failed removal is reported, not retried.
                if let Err(e) = remote_cleanup(t, spec, &f.path, &f.name) {
                    if e.kind != ErrorKind::File {
                        return Err(e);
                    }
                    c.messages.push(format!("{}: the duplicate could not be removed remotely: {}", f.path, e.message));
                }
            }
            None => {
                std::fs::rename(&f.part, &f.target)
                    .map_err(|e| io(format!("renaming {} to {}", f.part.display(), f.target.display()), e))?;
                c.transferred += 1;
                c.bytes += f.size;
                rows.push(Pulled { id: f.id, remote_path: f.path, name: f.name });
            }
        }
    }
    if rows.is_empty() {
        return Ok(());
    }
    sync_dir(&spec.local_dir);
    finish_remote(conn, t, spec, &rows, c)
}


/// Fetches one file into `.partial/` (row DOWNLOADING); [`commit_batch`] does the rest.
fn pull_one(conn: &mut Conn, t: &mut dyn Transport, spec: &Spec, path: &str, entry: &super::RemoteFile, now: i64, c: &mut Counts) -> TResult<Option<Fetched>> {
    let name = entry.name.as_str();
    let dir = Direction::Pull.as_str();
    let existing = q::active(conn, spec.config_id, dir, path).map_err(db)?;
    if let Some(r) = &existing {
        if r.state == FileState::Downloaded.as_str() {
            // Remote removal failed earlier and again in recovery: nothing to pull.
            c.skipped += 1;
            return Ok(None);
        }
    }
    let target = spec.local_dir.join(name);
    if target.exists() {
        c.skipped += 1;
        c.messages.push(format!("{path}: skipped: {} exists (not imported yet); pulled next run", target.display()));
        return Ok(None);
    }
    let before = if t.listing_is_exact() {
        entry.clone()
    } else {
        // FTP: LIST has the size, MDTM the exact time.
        match t.mtime(path)? {
            Some(m) => super::RemoteFile { mtime: m, ..entry.clone() },
            None => return Ok(None),
        }
    };
    if let Some(m) = before.mtime {
        if m + spec.min_age.as_secs() as i64 > now {
            c.skipped += 1;
            c.messages.push(format!("{path}: skipped: modified {}s ago, less than minFileAge {}s (still being written?)", (now - m).max(0), spec.min_age.as_secs()));
            return Ok(None);
        }
    }
    let mtime = mtime_text(before.mtime);
    // The row (new or LISTED again) and LISTED -> DOWNLOADING in one commit.
    let tx = conn.write().map_err(db)?;
    let id = match existing {
        Some(r) => r.id,
        None => q::insert(&tx, &NewFile {
            config_ref: spec.config_id,
            schedule_ref: spec.schedule_id,
            partner_ref: spec.partner_ref,
            direction: dir,
            remote_path: path,
            file_name: name,
            size: Some(before.size as i64),
            mtime: mtime.as_deref(),
            local_path: None,
            state: FileState::Listed.as_str(),
            error: None,
        })
        .map_err(db)?,
    };
    state::start_download(&tx, id, before.size, mtime.as_deref()).map_err(db)?;
    tx.commit().map_err(db)?;
    let part = partial_path(spec, id);
    let result = (|| -> TResult<(u64, String)> {
        let file = std::fs::File::create(&part).map_err(|e| io(format!("creating {}", part.display()), e))?;
        let second = if before.size >= super::segmented::MIN_SIZE {
            match t.reconnect() {
                Some(Ok(s)) => Some(s),
                Some(Err(e)) => {
                    tracing::debug!(file = %path, "no second connection for a segmented download ({}); one stream", e.message);
                    None
                }
                None => None,
            }
        } else {
            None
        };
        let (n, file, hash) = if let Some(second) = second {
            super::segmented::download(t, second, path, before.size, file)?
        } else if before.size >= PIPE_MIN_SIZE {
            let mut w = PipeWriter::new(file);
            let n = t.get(path, Some(before.size), &mut w)?;
            let (file, hash) = w.finish().map_err(|e| io(format!("writing {}", part.display()), e))?;
            (n, file, hash)
        } else {
            let mut w = HashingWriter { file, hash: Sha256::new() };
            let n = t.get(path, Some(before.size), &mut w)?;
            (n, w.file, hex::encode(w.hash.finalize()))
        };
        drop(file);
        // A file modified recently is asked again after the transfer: if size or mtime moved,
        // it was still being written. An older file is only checked against the bytes read.
        let young = before.mtime.is_none_or(|m| m + (spec.min_age.as_secs() as i64).max(60) * 2 > now);
        let after = if young {
            t.stat(path)?
        } else {
            Some(before.clone())
        };
        let changed = match &after {
            None => Some("the remote file disappeared during the transfer".to_string()),
            Some(a) if a.size != before.size || a.mtime != before.mtime || n != a.size => Some(format!(
                "the remote file changed during the transfer (size {} -> {}, {} bytes read); pulled next run",
                before.size, a.size, n
            )),
            _ => None,
        };
        if let Some(m) = changed {
            return Err(TransferError { kind: ErrorKind::Temporary, message: format!("CHANGED:{m}") });
        }
        Ok((n, hash))
    })();
    let (n, hash) = match result {
        Ok(v) => v,
        Err(e) => {
            let _ = std::fs::remove_file(&part);
            if let Some(m) = e.message.strip_prefix("CHANGED:") {
                state::download_failed(conn, id, m).map_err(db)?;
                c.skipped += 1;
                c.messages.push(format!("{path}: skipped: {m}"));
                return Ok(None);
            }
            let _ = state::download_failed(conn, id, &e.message);
            return Err(e);
        }
    };
    Ok(Some(Fetched { id, path: path.to_string(), name: name.to_string(), part, target, hash, size: n }))
}

/// Finishes UPLOADED rows and resolves UPLOADING rows of an interrupted run.
fn recover_push(conn: &mut Conn, t: &mut dyn Transport, spec: &Spec) -> TResult<()> {
    let dir = Direction::Push.as_str();
    for r in q::in_state(conn, spec.config_id, dir, FileState::Uploading.as_str()).map_err(db)? {
        let tmp = temp_remote(spec, &r.file_name, r.id);
        let final_stat = t.stat(&r.remote_path)?;
        let tmp_stat = t.stat(&tmp)?;
        if tmp_stat.is_none() && final_stat.is_some_and(|s| Some(s.size as i64) == r.size) {
            // The rename happened; only the ledger update was lost.
            state::uploaded(conn, r.id).map_err(db)?;
        } else {
            if tmp_stat.is_some() {
                t.remove(&tmp)?;
            }
            state::upload_failed(conn, r.id, "interrupted (the previous run stopped during the upload); retried").map_err(db)?;
        }
    }
    for r in q::in_state(conn, spec.config_id, dir, FileState::Uploaded.as_str()).map_err(db)? {
        move_to_sent(conn, spec, &r)?;
    }
    Ok(())
}

fn temp_remote(spec: &Spec, name: &str, id: i64) -> String {
    join(&spec.remote_dir, &format!(".{name}.{id}.impex-part"))
}

fn move_to_sent(conn: &mut Conn, spec: &Spec, r: &q::FileRow) -> TResult<()> {
    std::fs::create_dir_all(&spec.aux_dir).map_err(|e| io(format!("creating {}", spec.aux_dir.display()), e))?;
    let mut sent = spec.aux_dir.join(&r.file_name);
    if sent.exists() {
        sent = spec.aux_dir.join(format!("{}.{}", r.file_name, r.id));
    }
    if let Some(src) = &r.local_path {
        match std::fs::rename(src, &sent) {
            Ok(()) => sync_dir(&spec.aux_dir),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(format!("moving {src} to {}", sent.display()), e)),
        }
    }
    state::push_done(conn, r.id, &sent.to_string_lossy()).map_err(db)
}

fn hash_file(path: &Path) -> std::io::Result<(u64, String)> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; super::BUF_SIZE];
    let mut n = 0u64;
    loop {
        let k = std::io::Read::read(&mut f, &mut buf)?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        n += k as u64;
    }
    Ok((n, hex::encode(h.finalize())))
}

/// Delivers every matching file of `spec.local_dir` to `spec.remote_dir`.
pub fn deliver(conn: &mut Conn, t: &mut dyn Transport, spec: &Spec, cancel: &dyn Fn() -> bool) -> TResult<Counts> {
    let mut c = Counts::default();
    std::fs::create_dir_all(&spec.local_dir).map_err(|e| TransferError::permanent(format!("creating {}: {e}", spec.local_dir.display())))?;
    recover_push(conn, t, spec)?;
    for r in q::in_state(conn, spec.config_id, Direction::Push.as_str(), FileState::Listed.as_str()).map_err(db)? {
        if r.local_path.as_ref().is_some_and(|p| !Path::new(p).exists()) {
            state::vanished(conn, r.id, "the local file disappeared before it was delivered").map_err(db)?;
        }
    }
    t.check_dir(&spec.remote_dir)?;
    let mut names: Vec<String> = std::fs::read_dir(&spec.local_dir)
        .map_err(|e| TransferError::permanent(format!("listing {}: {e}", spec.local_dir.display())))?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().map(|t| t.is_file()).unwrap_or(false))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.') && !n.ends_with(".tmp") && full_match(&spec.regex, n))
        .collect();
    names.sort();
    let dir = Direction::Push.as_str();
    for name in names {
        if cancel() {
            c.messages.push("stopped: shutting down".into());
            break;
        }
        if let Some(why) = unsafe_name(&name) {
            c.rejected += 1;
            c.messages.push(format!("{}: rejected: {why}", name.escape_debug()));
            continue;
        }
        let local = spec.local_dir.join(&name);
        let remote = join(&spec.remote_dir, &name);
        let local_text = local.to_string_lossy().into_owned();
        let id = match q::active(conn, spec.config_id, dir, &remote).map_err(db)? {
            Some(r) if r.state == FileState::Listed.as_str() => r.id,
            Some(_) => continue,
            None => q::insert(conn, &NewFile {
                config_ref: spec.config_id,
                schedule_ref: spec.schedule_id,
                partner_ref: spec.partner_ref,
                direction: dir,
                remote_path: &remote,
                file_name: &name,
                size: None,
                mtime: None,
                local_path: Some(&local_text),
                state: FileState::Listed.as_str(),
                error: None,
            })
            .map_err(db)?,
        };
        let (size, hash) = match hash_file(&local) {
            Ok(v) => v,
            Err(e) => {
                c.failed += 1;
                c.messages.push(format!("{local_text}: {e}"));
                continue;
            }
        };
        state::start_upload(conn, id, size, &hash).map_err(db)?;
        let tmp = temp_remote(spec, &name, id);
        let r = (|| -> TResult<()> {
            let mut f = std::fs::File::open(&local).map_err(|e| TransferError::file(format!("{local_text}: {e}")))?;
            let n = t.put(&tmp, &mut f)?;
            let st = t.stat(&tmp)?;
            if n != size || st.as_ref().map(|s| s.size) != Some(size) {
                return Err(TransferError::temporary(format!(
                    "{tmp}: uploaded {n} of {size} bytes, the server has {:?}",
                    st.map(|s| s.size)
                )));
            }
            t.rename(&tmp, &remote)
        })();
        match r {
            Ok(()) => {
                state::uploaded(conn, id).map_err(db)?;
                c.transferred += 1;
                c.bytes += size;
                let row = q::get(conn, id).map_err(db)?.expect("row just updated");
                move_to_sent(conn, spec, &row)?;
            }
            Err(e) => {
                let _ = t.remove(&tmp);
                state::upload_failed(conn, id, &e.message).map_err(db)?;
                if e.kind == ErrorKind::File {
                    c.failed += 1;
                    c.messages.push(format!("{remote}: {}", e.message));
                } else {
                    return Err(e.context(format!("delivering to {} ({} delivered)", spec.remote_dir, c.transferred)));
                }
            }
        }
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regex_is_a_full_match() {
        let r = compile(Some(r"OpenPositionsImport_[0-9]*\.xml")).unwrap();
        assert!(full_match(&r, "OpenPositionsImport_1234.xml"));
        assert!(!full_match(&r, "x_OpenPositionsImport_1234.xml"));
        assert!(!full_match(&r, "OpenPositionsImport_1234.xml.tmp"));
        assert!(full_match(&None, "a.xml"));
        assert!(!full_match(&None, ".hidden"));
        assert!(compile(Some("(")).is_err());
    }

    /// A run that stopped after committing a batch as DOWNLOADED (before its renames, or
    /// before the remote removals and the DONE commit) is finished by the next run: every file
    /// ends in the target directory once, its remote copy is removed, nothing is fetched again.
    #[test]
    fn next_run_finishes_a_committed_batch() {
        let tmp = tempfile::tempdir().unwrap();
        let (remote, local, aux) = (tmp.path().join("remote"), tmp.path().join("in"), tmp.path().join(".partial"));
        for d in [&remote, &local, &aux] {
            std::fs::create_dir_all(d).unwrap();
        }
        let mut conn = crate::db::memory();
        conn.execute_batch("PRAGMA foreign_keys = OFF").unwrap(); // no configuration rows here
        let spec = Spec {
            config_id: 1,
            schedule_id: None,
            partner_ref: None,
            remote_dir: remote.display().to_string(),
            regex: None,
            local_dir: local.clone(),
            aux_dir: aux.clone(),
            min_age: Duration::ZERO,
            archive_dir: None,
        };
        let downloaded = |conn: &Conn, name: &str| -> i64 {
            let path = join(&spec.remote_dir, name);
            let target = local.join(name).display().to_string();
            let id = q::insert(conn, &NewFile {
                config_ref: 1,
                schedule_ref: None,
                partner_ref: None,
                direction: "PULL",
                remote_path: &path,
                file_name: name,
                size: Some(1),
                mtime: None,
                local_path: None,
                state: "LISTED",
                error: None,
            })
            .unwrap();
            state::start_download(conn, id, 1, None).unwrap();
            state::downloaded(conn, id, &format!("hash-{name}"), &target).unwrap();
            id
        };
        // a: committed, not renamed yet; b: renamed, remote not removed yet; c: new.
        for n in ["a.xml", "b.xml", "c.xml"] {
            std::fs::write(remote.join(n), format!("remote {n}")).unwrap();
        }
        let a = downloaded(&conn, "a.xml");
        std::fs::write(partial_path(&spec, a), "pulled a.xml").unwrap();
        let b = downloaded(&conn, "b.xml");
        std::fs::write(local.join("b.xml"), "pulled b.xml").unwrap();

        let mut t = super::super::local::Local;
        let c = pull(&mut conn, &mut t, &spec, &|| false).unwrap();
        assert_eq!(c.transferred, 1, "only c.xml is fetched: {:?}", c.messages);
        assert_eq!(std::fs::read_to_string(local.join("a.xml")).unwrap(), "pulled a.xml");
        assert_eq!(std::fs::read_to_string(local.join("b.xml")).unwrap(), "pulled b.xml");
        assert_eq!(std::fs::read_to_string(local.join("c.xml")).unwrap(), "remote c.xml");
        assert_eq!(std::fs::read_dir(&remote).unwrap().count(), 0, "remote copies removed");
        assert_eq!(std::fs::read_dir(&aux).unwrap().count(), 0, "no partial files left");
        let states: Vec<String> = conn
            .query_rows(r#"SELECT "state" FROM "TransferFileDO" ORDER BY "id""#, &[])
            .unwrap()
            .iter()
            .filter_map(|r| r[0].as_str().map(String::from))
            .collect();
        assert_eq!(states, ["DONE", "DONE", "DONE"]);
        assert!(a < b);
    }
}
