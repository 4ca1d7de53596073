//! One file's import: its unit of work (all records or none, with its `"ImportFileDO"` row),
//! the repair of a run interrupted after the commit or after recording a failure, and where the
//! file goes afterwards.
use std::path::{Path, PathBuf};

use crate::db::queries::import as q;
use crate::db::Conn;

use super::bean::{Ctx, Produced};
use super::group::{Observer, Process};
use super::moves::{file_meta, move_to_error, unique_target};
use super::{incoming, resolve_line, state, ImportError};

/// Imports the file `path` of the transform directory; a `given` file (`impex import FILE`) is
/// read from where it is and reaches `path` before the commit ([`incoming`]).
#[allow(clippy::too_many_arguments)]
pub(super) fn import_file(
    conn: &mut Conn,
    group_id: i64,
    group_name: &str,
    p: &Process,
    path: &Path,
    given: Option<&Path>,
    parent: &Path,
    obs: &mut dyn Observer,
) -> Result<u64, ImportError> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let directory = path.parent().map(|d| d.display().to_string()).unwrap_or_default();
    let (size, modified) = file_meta(given.unwrap_or(path));
    let mut copy = match given {
        Some(g) => Some(incoming::Copy::start(g, path).map_err(|e| ImportError::file(format!("cannot copy {} into {directory}: {e}", g.display())))?),
        None => None,
    };
    // the copy in place (before the file moves on, or before its transaction commits)
    let place = |copy: &mut Option<incoming::Copy>| copy.take().map_or(Ok(()), |c| c.finish());
    let placed = |copy: &mut Option<incoming::Copy>| place(copy).map_err(ImportError::file);
    // Committed before an interruption but never moved (its done/ copy is missing): move it now
    // instead of importing it twice. The same file delivered again after a completed run (its
    // done/ copy exists) is imported again.
    if let Some((records, moved_to)) = q::done_before(conn, &name, &directory, size, &modified)? {
        if let Some(target) = moved_to.map(PathBuf::from).filter(|t| !t.exists()) {
            placed(&mut copy)?;
            std::fs::rename(path, &target).map_err(|e| ImportError::file(format!("cannot move to done/: {e}")))?;
            tracing::info!(file = %name, "imported before an interruption; moved to done/ now");
            return Ok(records as u64);
        }
    }
    // Failed, its ERROR row committed, but interrupted before the file reached error/ (its error/
    // copy is missing): finish the move (and the .error.txt) instead of failing it a second time,
    // so that a failed file has exactly one ERROR row and one error/ copy with its reason.
    if let Some((record, line, field, reason, moved_to)) = q::failed_before(conn, &name, &directory, size, &modified)? {
        if let Some(target) = moved_to.map(PathBuf::from).filter(|t| !t.exists()) {
            let err = ImportError {
                record: record.map(|r| r as u64),
                line: line.map(|l| l as u64),
                field,
                reason: reason.unwrap_or_default(),
                pos: None,
            };
            placed(&mut copy)?;
            tracing::info!(file = %name, "failed before an interruption; moved to error/ now");
            move_to_error(&name, group_id, group_name, p, &err, path, &target);
            return Err(err);
        }
    }
    let done_target = unique_target(&parent.join("done"), &name);
    // a given file that did not reach in/: nothing to record or to move, the original stays
    let mut copy_failed: Option<String> = None;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut produced: Vec<Produced> = Vec::new();
    // produced files already under their final names (removed again when the commit fails)
    let mut placed_products: Vec<PathBuf> = Vec::new();
    let result = conn.write_trusted(p.transformer.checks_references(), |tx| -> Result<u64, ImportError> {
        let id = state::start(tx, &name, &directory, group_id, p.id, p.bean.def_id, size, &modified)?;
        let mut progress = |bytes: u64, records: u64| obs.progress(bytes, records);
        let mut ctx = Ctx { tx, import_file_id: id, file_name: &name, dir, progress: &mut progress, produced: &mut produced };
        let n = p.transformer.import(&mut ctx, given.unwrap_or(path)).map_err(|e| resolve_line(e, given.unwrap_or(path)))?;
        if let Err(e) = place(&mut copy) {
            copy_failed = Some(e.clone());
            return Err(ImportError::file(e));
        }
        state::finish_done(tx, id, n, &done_target.display().to_string())?;
        // Produced files get their names last, right before the commit: a crash before it
        // leaves only hidden temporaries (removed by the next run) and the file to redo.
        place_products(&mut produced, &mut placed_products, dir)?;
        Ok(n)
    });
    if result.is_err() {
        discard_products(&produced, &placed_products);
    }
    if result.is_err() && copy_failed.is_none() {
        copy_failed = place(&mut copy).err();
    }
    if let Some(e) = copy_failed {
        let err = match result {
            Err(err) if err.reason != e => ImportError { reason: format!("{}; {e}", err.reason), ..err },
            _ => ImportError::file(e),
        };
        tracing::warn!(file = %name, "import failed: {err}");
        return Err(err);
    }
    match result {
        Ok(n) => {
            if let Err(e) = std::fs::rename(path, &done_target) {
                tracing::warn!(file = %name, "imported, but cannot move to done/: {e}");
            }
            tracing::info!(file = %name, group = group_name, records = n, "imported");
            Ok(n)
        }
        Err(err) => {
            let target = unique_target(&parent.join("error"), &name);
            let row = q::ErrorRow {
                file_name: &name,
                directory: &directory,
                group_id,
                process_id: Some(p.id),
                bean_id: Some(p.bean.def_id),
                size,
                modified: &modified,
                error: &err,
                moved_to: &target.display().to_string(),
            };
            if let Err(e) = state::record_error(conn, &row) {
                tracing::warn!(file = %name, "cannot record the failed import: {e}");
            }
            move_to_error(&name, group_id, group_name, p, &err, path, &target);
            tracing::warn!(file = %name, group = group_name, "import failed: {err}");
            Err(err)
        }
    }
}

/// Renames the produced files to their final names and syncs the directory (so that the names
/// are durable before the commit that reports them).
fn place_products(produced: &mut [Produced], placed: &mut Vec<PathBuf>, dir: &Path) -> Result<(), ImportError> {
    for p in produced.iter() {
        std::fs::rename(&p.temporary, &p.target)
            .map_err(|e| ImportError::file(format!("cannot rename {} to {}: {e}", p.temporary.display(), p.target.display())))?;
        placed.push(p.target.clone());
    }
    if !produced.is_empty() {
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| ImportError::file(format!("cannot sync {}: {e}", dir.display())))?;
    }
    Ok(())
}

/// A failed unit of work leaves none of its produced files: neither temporaries nor (when the
/// commit itself failed after the renames) the renamed files.
fn discard_products(produced: &[Produced], placed: &[PathBuf]) {
    for p in produced {
        let _ = std::fs::remove_file(&p.temporary);
    }
    for t in placed {
        if let Err(e) = std::fs::remove_file(t) {
            tracing::warn!(file = %t.display(), "cannot remove a file produced by a failed import: {e}");
        }
    }
}
