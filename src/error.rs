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

/// The error of an operators' service (Schedule, Transmission and Health REST APIs, see
/// docs/api.md): what the HTTP layer turns into a status code ([`ServiceError::http_status`])
/// and an `ErrorReport` body.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServiceError {
    /// The request is invalid (an unknown enum value, a bad cron, a limit out of range): 400.
    #[error("{message}")]
    Validation {
        /// `VALIDATION_EXCEPTION`, or a more specific code.
        code: &'static str,
        /// The attribute, when one is to blame.
        field: Option<String>,
        message: String,
    },
    /// No such schedule or transmission: 404.
    #[error("{0}")]
    NotFound(String),
    /// The change is not allowed in the object's current state (e.g. cancel a PUSHED
    /// transmission), or someone else changed it first: 409.
    #[error("{0}")]
    Conflict(String),
    /// The database is busy (another writer held it longer than the busy timeout): 503.
    #[error("database busy: {0}")]
    Busy(String),
    /// Anything else: 500.
    #[error(transparent)]
    Internal(Error),
}

impl ServiceError {
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        ServiceError::Validation { code: "VALIDATION_EXCEPTION", field: Some(field.to_string()), message: message.into() }
    }

    /// The HTTP status the specs give this error.
    pub fn http_status(&self) -> u16 {
        match self {
            ServiceError::Validation { .. } => 400,
            ServiceError::NotFound(_) => 404,
            ServiceError::Conflict(_) => 409,
            ServiceError::Busy(_) => 503,
            ServiceError::Internal(_) => 500,
        }
    }

    /// The `code` of the spec's `Error` object.
    pub fn code(&self) -> &'static str {
        match self {
            ServiceError::Validation { code, .. } => code,
            ServiceError::NotFound(_) => "NOT_FOUND",
            ServiceError::Conflict(_) => "CONFLICT",
            ServiceError::Busy(_) => "SERVICE_UNAVAILABLE",
            ServiceError::Internal(_) => "INTERNAL_ERROR",
        }
    }
}

impl From<Error> for ServiceError {
    fn from(e: Error) -> Self {
        match e {
            Error::Conflict(m) => ServiceError::Conflict(m),
            Error::Storage(s) => s.into(),
            other => ServiceError::Internal(other),
        }
    }
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e.kind {
            StoreErrorKind::Busy => ServiceError::Busy(e.message),
            _ => ServiceError::Internal(Error::Storage(e)),
        }
    }
}

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
