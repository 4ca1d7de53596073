//! Library errors. Each variant says where: the file and line of a script, the table, row and
//! column of a configuration problem. The binary wraps them with anyhow in `cli`.
//!
//! [`StoreError`] is what the storage layer ([`crate::db`]) returns: its kind says what a caller
//! may do about it (wait and retry, report a constraint), its message is the database's own.
//! No storage library type appears in a public error.
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
    /// The storage layer failed (a statement, a constraint, a busy database).
    #[error(transparent)]
    Storage(#[from] StoreError),
    /// A row is no longer in the state its change expected: another process (or a person)
    /// changed it first, e.g. released a lock as stale or resent a transmission.
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Other(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }
}

/// What kind of storage failure: the scheduler retries [`StoreErrorKind::Busy`] later, an
/// import reports a [`StoreErrorKind::Constraint`] as a problem of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreErrorKind {
    /// Another process holds the write lock longer than the busy timeout, or the disk is full:
    /// trying again later may work.
    Busy,
    /// A constraint (NOT NULL, UNIQUE, CHECK, foreign key) refused a row.
    Constraint,
    /// A query that must return a row returned none.
    NoRow,
    /// Anything else (a broken statement, an unreadable file, a corrupt database).
    Other,
}

/// A failure of the storage layer, with the database's message.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct StoreError {
    pub kind: StoreErrorKind,
    pub message: String,
}

impl StoreError {
    pub fn new(kind: StoreErrorKind, message: impl Into<String>) -> Self {
        StoreError { kind, message: message.into() }
    }

    /// Another process holds the database (trying again later may work).
    pub fn is_busy(&self) -> bool {
        self.kind == StoreErrorKind::Busy
    }
}
