//! The directory tree under `"PlatformConfigDO"."omtBasePath"`.
//!
//! ```text
//! <base>/communication/messages/out/   exported documents (file senders)
//! <base>/importarticle/export/         customer exports
//! <base>/share/<ScheduleDO.key>/       work directory of a file transfer configuration with NULL basePath
//!     in/ done/ error/ obsolete/       pulled files and what became of them
//! ```
use std::path::{Path, PathBuf};

/// Directories `impex init` creates under the base.
pub const TREE: &[&str] = &["communication/messages/out", "importarticle/export", "share"];

pub fn outbox(base: &Path) -> PathBuf {
    base.join("communication/messages/out")
}

pub fn customer_export_dir(base: &Path) -> PathBuf {
    base.join("importarticle/export")
}

/// The work directory of a file transfer configuration: its `basePath` (absolute, or relative
/// to the base), or `<base>/share/<schedule key>` when NULL.
pub fn transfer_dir(base: &Path, base_path: Option<&str>, schedule_key: &str) -> PathBuf {
    match base_path {
        Some(p) if !p.trim().is_empty() => base.join(p),
        _ => base.join("share").join(schedule_key),
    }
}

/// Creates the tree; returns the directories that did not exist before.
pub fn create_tree(base: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut created = Vec::new();
    for d in TREE {
        let p = base.join(d);
        if !p.is_dir() {
            std::fs::create_dir_all(&p)?;
            created.push(p);
        }
    }
    Ok(created)
}
