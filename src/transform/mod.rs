//! Import: transformer groups and one file per transformer bean.
//!
//! Contract used by the file transfer job: after a pull, [`run_group`] imports the files of a
//! transform directory (`<transfer dir>/in`) with the configuration's
//! `"TransformerProcessGroupDO"`; files move to the sibling folders `done/`, `error/` and
//! `obsolete/` of that directory.
use std::path::Path;

/// What a group run did.
#[derive(Debug, Default, Clone)]
pub struct GroupReport {
    /// Files imported completely (moved to done/).
    pub imported: i64,
    /// Files that failed (moved to error/ with a reason).
    pub failed: i64,
    /// Files no process matched (moved to obsolete/ or left in place).
    pub obsolete: i64,
    /// Records imported from all files.
    pub records: i64,
    /// One line per failed file: file name and reason.
    pub messages: Vec<String>,
}

/// A group that cannot run at all (unknown bean, invalid regex, missing group).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// Runs transformer group `group_id` on the files in `in_dir`.
pub fn run_group(db_path: &Path, group_id: i64, in_dir: &Path) -> Result<GroupReport, ConfigError> {
    let _ = (db_path, in_dir);
    Err(ConfigError(format!("transformer group {group_id}: import is not implemented yet")))
}
