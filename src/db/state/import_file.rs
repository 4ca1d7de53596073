//! States of `"ImportFileDO"` rows (the only code that writes `"ImportFileDO"."state"`).
//!
//! - `IMPORTING`: inserted at the start of a file's transaction; [`finish_done`] sets DONE in
//!   the same transaction, so nobody outside ever sees IMPORTING (a rollback removes the row).
//! - `DONE`: the file's records are committed; the file is in `done/`.
//! - `ERROR`: inserted after the rollback of a failed file ([`record_error`]); the file is in
//!   `error/`. Final.
//! - `OBSOLETE`: no process matched the file and it was moved to `obsolete/`. Final.
use crate::db::{Conn, StoreResult};
use crate::db::params;

use crate::db::queries::import::{self as q, ErrorRow};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportFileState {
    Importing,
    Done,
    Error,
    Obsolete,
}

impl ImportFileState {
    pub fn as_str(self) -> &'static str {
        match self {
            ImportFileState::Importing => "IMPORTING",
            ImportFileState::Done => "DONE",
            ImportFileState::Error => "ERROR",
            ImportFileState::Obsolete => "OBSOLETE",
        }
    }
}

/// Inserts the IMPORTING row of a file inside its transaction; returns its id.
#[allow(clippy::too_many_arguments)]
pub fn start(
    tx: &Conn,
    name: &str,
    directory: &str,
    group_id: i64,
    process_id: i64,
    bean_id: i64,
    size: i64,
    modified: &str,
) -> StoreResult<i64> {
    q::insert_file(tx, name, directory, group_id, Some(process_id), Some(bean_id), ImportFileState::Importing.as_str(), size, modified)
}

/// IMPORTING -> DONE, in the file's transaction.
pub fn finish_done(tx: &Conn, id: i64, records: u64, moved_to: &str) -> StoreResult<()> {
    let n = tx.execute(
        r#"UPDATE "ImportFileDO" SET "state" = ?2, "records" = ?3, "movedTo" = ?4, "endDate" = now()
           WHERE "id" = ?1 AND "state" = ?5"#,
        params![id, ImportFileState::Done.as_str(), records as i64, moved_to, ImportFileState::Importing.as_str()],
    )?;
    if n != 1 {
        return Err(crate::db::StoreError::new(crate::db::StoreErrorKind::NoRow, "Query returned no rows"));
    }
    Ok(())
}

/// Records a failed file (ERROR) in its own transaction.
pub fn record_error(conn: &mut Conn, row: &ErrorRow<'_>) -> StoreResult<i64> {
    let tx = conn.write()?;
    let id = q::insert_final(&tx, row, ImportFileState::Error.as_str())?;
    tx.commit()?;
    Ok(id)
}

/// Records a file moved to obsolete/ (OBSOLETE).
pub fn record_obsolete(conn: &mut Conn, row: &ErrorRow<'_>) -> StoreResult<i64> {
    let tx = conn.write()?;
    let id = q::insert_final(&tx, row, ImportFileState::Obsolete.as_str())?;
    tx.commit()?;
    Ok(id)
}
