//! The housekeeping job (JobDefDO -10003 `CLEAN_SHARED_FS_JOB`, like IOM's job of that name):
//! deletes old files and finished rows so that impex can run for months.
//!
//! Deleted when older than `"PlatformConfigDO"."housekeepingRetentionDays"` (default 28):
//! - files in `done/`, `obsolete/`, `sent/` and `archive/` folders under `<base>/share/` and in
//!   the outbox's `sent/` folder (by modification time);
//! - finished rows: job history, finished transmissions (PUSHED, CANCELED), file ledger rows in a
//!   final state, import file rows of imported/obsolete files.
//!
//! Never touched: `error/` folders, pending work (files in `in/`, the outbox itself, ledger rows
//! not in a final state), and transmissions waiting in DO_MANUAL_CHECK.
use std::path::Path;
use std::time::{Duration, SystemTime};

use super::{Job, JobContext, JobError, Report};

/// Folder names whose old files are deleted.
pub const CLEANED_FOLDERS: &[&str] = &["done", "obsolete", "sent", "archive"];

pub struct Housekeeping;

impl Job for Housekeeping {
    fn def_id(&self) -> i64 {
        -10003
    }

    fn name(&self) -> &'static str {
        "CLEAN_SHARED_FS_JOB"
    }

    fn run(&self, ctx: &JobContext) -> Result<Report, JobError> {
        let mut conn = crate::db::open_existing(&ctx.db_path)?;
        let days = crate::db::queries::config::retention_days(&conn)?;
        let cutoff = SystemTime::now() - Duration::from_secs(days.max(0) as u64 * 86_400);
        let mut files = 0i64;
        let mut failed = 0i64;
        for root in [ctx.base.join("share"), crate::fs::paths::outbox(&ctx.base)] {
            let (ok, bad) = clean_tree(&root, cutoff);
            files += ok;
            failed += bad;
        }
        let cutoff_text = crate::time::format(chrono::Utc::now() - chrono::Duration::days(days));
        let rows = crate::db::queries::housekeeping::prune(&mut conn, &cutoff_text)?;
        let msg = format!("deleted {files} files and {rows} rows older than {days} days{}", if failed > 0 { format!("; {failed} files could not be deleted") } else { String::new() });
        Ok(Report { outcome: if failed > 0 { super::Outcome::Warn } else { super::Outcome::Ok }, ok_count: files + rows, failed_count: failed, message: msg })
    }
}

/// Deletes files older than `cutoff` in the cleaned folders anywhere under `root`.
/// Returns (deleted, failed).
pub fn clean_tree(root: &Path, cutoff: SystemTime) -> (i64, i64) {
    let mut deleted = 0;
    let mut failed = 0;
    let Ok(rd) = std::fs::read_dir(root) else { return (0, 0) };
    for e in rd.flatten() {
        let p = e.path();
        let Ok(ft) = e.file_type() else { continue };
        if !ft.is_dir() {
            continue;
        }
        let name = e.file_name().to_string_lossy().into_owned();
        if name == "error" {
            continue; // never touched
        }
        if CLEANED_FOLDERS.contains(&name.as_str()) {
            let Ok(files) = std::fs::read_dir(&p) else { continue };
            for f in files.flatten() {
                let fp = f.path();
                let old = f.metadata().ok().filter(|m| m.is_file()).and_then(|m| m.modified().ok()).is_some_and(|t| t < cutoff);
                if old {
                    match std::fs::remove_file(&fp) {
                        Ok(()) => deleted += 1,
                        Err(e) => {
                            tracing::warn!(file = %fp.display(), error = %e, "housekeeping: cannot delete");
                            failed += 1;
                        }
                    }
                }
            }
        } else {
            let (d, f) = clean_tree(&p, cutoff);
            deleted += d;
            failed += f;
        }
    }
    (deleted, failed)
}
