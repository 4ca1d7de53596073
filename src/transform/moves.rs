//! Where files go after a run: done/, error/ (with `<file>.error.txt`) and obsolete/, under
//! names that never overwrite an earlier file.
use std::path::{Path, PathBuf};

use crate::db::queries::import as q;
use crate::db::Conn;

use super::group::Process;
use super::{state, ImportError};

/// Records a file that no process matches (OBSOLETE, with its target), then moves it to
/// obsolete/. The row comes first, so a file in obsolete/ always has one; when impex is killed
/// in between, the next run finds the row and finishes the move instead of recording it twice.
pub(super) fn move_to_obsolete(conn: &mut Conn, group_id: i64, f: &Path, in_dir: &Path, parent: &Path) {
    let name = f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let directory = in_dir.display().to_string();
    let meta = file_meta(f);
    let earlier = q::obsolete_before(conn, &name, &directory, meta.0, &meta.1).ok().flatten().map(PathBuf::from);
    let target = match earlier.filter(|t| !t.exists()) {
        Some(t) => {
            tracing::info!(file = %name, "recorded as obsolete before an interruption; moved to obsolete/ now");
            t
        }
        None => {
            let target = unique_target(&parent.join("obsolete"), &name);
            let row = q::ErrorRow {
                file_name: &name,
                directory: &directory,
                group_id,
                process_id: None,
                bean_id: None,
                size: meta.0,
                modified: &meta.1,
                error: &ImportError::file("no transformer process of the group matches the file name"),
                moved_to: &target.display().to_string(),
            };
            if let Err(e) = state::record_obsolete(conn, &row) {
                tracing::warn!(file = %name, "cannot record the obsolete file (left in place): {e}");
                return;
            }
            target
        }
    };
    if let Err(e) = std::fs::rename(f, &target) {
        tracing::warn!(file = %f.display(), "cannot move to obsolete/: {e}");
    }
}

/// Size and mtime (impex timestamp) of a file.
pub(super) fn file_meta(path: &Path) -> (i64, String) {
    let m = std::fs::metadata(path).ok();
    let size = m.as_ref().map(|m| m.len() as i64).unwrap_or(0);
    let modified = m
        .and_then(|m| m.modified().ok())
        .map(|t| crate::time::format(chrono::DateTime::<chrono::Utc>::from(t)))
        .unwrap_or_default();
    (size, modified)
}

/// `dir/name`, or `dir/name.1`, `dir/name.2`, ... when taken.
pub(super) fn unique_target(dir: &Path, name: &str) -> PathBuf {
    let mut t = dir.join(name);
    let mut n = 1;
    while t.exists() || dir.join(format!("{}.error.txt", t.file_name().unwrap().to_string_lossy())).exists() {
        t = dir.join(format!("{name}.{n}"));
        n += 1;
    }
    t
}

/// Writes `<target>.error.txt`, then moves the failed file to `target` in error/. The reason is
/// written first so that a file in error/ always has its reason beside it, even when impex is
/// killed in between (the ERROR row, committed before, lets the next run finish the move).
pub(super) fn move_to_error(name: &str, group_id: i64, group_name: &str, p: &Process, err: &ImportError, path: &Path, target: &Path) {
    let txt = error_text(name, group_id, group_name, p, err);
    let txt_path = PathBuf::from(format!("{}.error.txt", target.display()));
    if let Err(e) = crate::fs::atomic::write_atomic(&txt_path, txt.as_bytes()) {
        tracing::warn!(file = %name, "cannot write {}: {e}", txt_path.display());
    }
    if let Err(e) = std::fs::rename(path, target) {
        tracing::warn!(file = %name, "cannot move to error/: {e}");
    }
}

fn error_text(name: &str, group_id: i64, group_name: &str, p: &Process, err: &ImportError) -> String {
    let mut s = String::new();
    s.push_str(&format!("file:    {name}\n"));
    s.push_str(&format!("group:   {group_name} (\"TransformerProcessGroupDO\" id {group_id})\n"));
    s.push_str(&format!("process: \"TransformerProcessDO\" id {}, bean {} ({})\n", p.id, p.bean.name, p.bean.def_id));
    s.push_str(&format!("time:    {} UTC\n", crate::time::now_text()));
    if let Some(r) = err.record {
        s.push_str(&format!("record:  {r}\n"));
    }
    if let Some(l) = err.line {
        s.push_str(&format!("line:    {l}\n"));
    }
    if let Some(f) = &err.field {
        s.push_str(&format!("field:   {f}\n"));
    }
    s.push_str(&format!("reason:  {}\n", err.reason));
    s.push_str("\nNothing of this file was imported. Fix the file (or the configuration) and put it into the\ntransform directory again.\n");
    s
}
