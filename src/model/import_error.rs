//! Why a file could not be imported, and where: the record, line and field of the file. The
//! storage layer returns it for rows the database refuses, the import beans for bad values.
use std::fmt;

use crate::error::StoreError;

/// Where a field is, for a message: the position of its element, or (a missing field) the line
/// of its record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Pos(u64),
    Line(u64),
}

/// Why a file could not be imported: where (record, line, field) and why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportError {
    /// The n-th record of the file (1 = first), when the error is inside a record.
    pub record: Option<u64>,
    pub line: Option<u64>,
    /// Element or attribute, e.g. `PayType` or `Debtor/@id`.
    pub field: Option<String>,
    pub reason: String,
    /// Where in the (decoded) file the error is, when the bean knew the position but not the
    /// line: `transform::resolve_line` turns it into `line` before the error is shown.
    pub pos: Option<u64>,
}

impl ImportError {
    /// An error about the file as a whole.
    pub fn file(reason: impl Into<String>) -> Self {
        ImportError { reason: reason.into(), ..Default::default() }
    }

    /// An error in a field of a record.
    pub fn at(record: u64, line: u64, field: impl Into<String>, reason: impl Into<String>) -> Self {
        ImportError { record: Some(record), line: Some(line), field: Some(field.into()), reason: reason.into(), pos: None }
    }

    /// An error in a field of a record at `place`.
    pub fn at_place(record: u64, place: Place, field: impl Into<String>, reason: impl Into<String>) -> Self {
        let (line, pos) = match place {
            Place::Line(l) => (Some(l), None),
            Place::Pos(p) => (None, Some(p)),
        };
        ImportError { record: Some(record), line, pos, field: Some(field.into()), reason: reason.into() }
    }

    /// Adds the record number when the error lacks one.
    pub fn in_record(mut self, record: u64) -> Self {
        if self.record.is_none() {
            self.record = Some(record);
        }
        self
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(r) = self.record {
            parts.push(format!("record {r}"));
        }
        if let Some(l) = self.line {
            parts.push(format!("line {l}"));
        }
        if let Some(fl) = &self.field {
            parts.push(format!("field {fl}"));
        }
        if parts.is_empty() {
            write!(f, "{}", self.reason)
        } else {
            write!(f, "{}: {}", parts.join(", "), self.reason)
        }
    }
}

impl From<StoreError> for ImportError {
    fn from(e: StoreError) -> Self {
        ImportError::file(format!("database: {e}"))
    }
}

