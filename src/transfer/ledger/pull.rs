//! Pull: remote files into the target directory, each once (see the module documentation of
//! [`super`]), and the repair of a pull that stopped half-way.
use super::io::*;
use super::*;

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
fn pull_one(conn: &mut Conn, t: &mut dyn Transport, spec: &Spec, path: &str, entry: &crate::transfer::RemoteFile, now: i64, c: &mut Counts) -> TResult<Option<Fetched>> {
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
            Some(m) => crate::transfer::RemoteFile { mtime: m, ..entry.clone() },
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
        let (n, file, hash) = if before.size >= PIPE_MIN_SIZE {
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

