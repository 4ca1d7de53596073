//! Deliver: local files to the remote directory under a temporary name, renamed into place,
//! then moved to the sent directory; and the repair of a delivery that stopped half-way.
use super::io::hash_file;
use super::*;

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

