//! Library errors. Each variant says where: the file and line of a script, the table, row and
//! column of a configuration problem. The binary wraps them with anyhow in `cli`.
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A statement of an `impex sql` script failed; nothing of the script was applied.
    #[error("{file}:{line}: statement `{first_line}` failed: {reason}")]
    Script {
        file: String,
        line: usize,
        first_line: String,
        reason: String,
    },
    /// A configuration row is unusable.
    #[error("{table} id {id}: {column}: {reason}")]
    Config {
        table: &'static str,
        id: i64,
        column: &'static str,
        reason: String,
    },
    /// The database file could not be used.
    #[error("database {path}: {reason}")]
    Database { path: PathBuf, reason: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error("{0}")]
    Other(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }
}
