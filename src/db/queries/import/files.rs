//! `"ImportFileDO"`: the rows of imported, failed and obsolete files, and what an interrupted
//! run left behind.
use crate::db::{params, Optional};

use crate::db::{Conn, StoreResult};
use crate::model::import_error::ImportError;

/// The newest DONE import of the same file (name, directory, size, mtime): (records, movedTo).
pub fn done_before(conn: &Conn, name: &str, directory: &str, size: i64, modified: &str) -> StoreResult<Option<(i64, Option<String>)>> {
    Ok(conn.query_row(
        r#"SELECT "records", "movedTo" FROM "ImportFileDO" WHERE "fileName" = ?1 AND "directory" = ?2 AND "fileSize" = ?3
           AND "fileModified" = ?4 AND "state" = 'DONE' ORDER BY "id" DESC LIMIT 1"#,
        params![name, directory, size, modified],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()?)
}

/// Error columns of an ERROR row: record, line, field, reason, and where the file was to be moved.
pub type FailedBefore = (Option<i64>, Option<i64>, Option<String>, Option<String>, Option<String>);

/// The newest ERROR row of this very file (name, directory, size, mtime). Used to finish a
/// failed file whose row was committed before an interruption (`kill -9`) but which was never
/// moved.
pub fn failed_before(
    conn: &Conn,
    name: &str,
    directory: &str,
    size: i64,
    modified: &str,
) -> StoreResult<Option<FailedBefore>> {
    Ok(conn.query_row(
        r#"SELECT "errorRecord", "errorLine", "errorField", "errorText", "movedTo" FROM "ImportFileDO"
           WHERE "fileName" = ?1 AND "directory" = ?2 AND "fileSize" = ?3 AND "fileModified" = ?4 AND "state" = 'ERROR'
           ORDER BY "id" DESC LIMIT 1"#,
        params![name, directory, size, modified],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
    )
    .optional()?)
}

/// Where an OBSOLETE row of the same file (name, directory, size, mtime) said it was moving
/// it (the newest such row).
pub fn obsolete_before(conn: &Conn, name: &str, directory: &str, size: i64, modified: &str) -> StoreResult<Option<String>> {
    Ok(conn.query_row(
        r#"SELECT "movedTo" FROM "ImportFileDO"
           WHERE "fileName" = ?1 AND "directory" = ?2 AND "fileSize" = ?3 AND "fileModified" = ?4 AND "state" = 'OBSOLETE'
           ORDER BY "id" DESC LIMIT 1"#,
        params![name, directory, size, modified],
        |r| r.get(0),
    )
    .optional()
    .map(Option::flatten)?)
}

#[allow(clippy::too_many_arguments)]
pub fn insert_file(
    conn: &Conn,
    name: &str,
    directory: &str,
    group_id: i64,
    process_id: Option<i64>,
    bean_id: Option<i64>,
    state: &str,
    size: i64,
    modified: &str,
) -> StoreResult<i64> {
    conn.insert(
        r#"INSERT INTO "ImportFileDO" ("fileName", "directory", "transformerProcessGroupRef", "transformerProcessRef",
               "transformerBeanDefRef", "state", "fileSize", "fileModified", "startDate")
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, now())"#,
        params![name, directory, group_id, process_id, bean_id, state, size, modified],
    )
}

/// A failed or obsolete file.
pub struct ErrorRow<'a> {
    pub file_name: &'a str,
    pub directory: &'a str,
    pub group_id: i64,
    pub process_id: Option<i64>,
    pub bean_id: Option<i64>,
    pub size: i64,
    pub modified: &'a str,
    pub error: &'a ImportError,
    pub moved_to: &'a str,
}

pub fn insert_final(conn: &Conn, row: &ErrorRow<'_>, state: &str) -> StoreResult<i64> {
    conn.insert(
        r#"INSERT INTO "ImportFileDO" ("fileName", "directory", "transformerProcessGroupRef", "transformerProcessRef",
               "transformerBeanDefRef", "state", "fileSize", "fileModified", "records", "errorRecord", "errorLine",
               "errorField", "errorText", "movedTo", "startDate", "endDate")
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, ?9, ?10, ?11, ?12, ?13, now(), now())"#,
        params![
            row.file_name,
            row.directory,
            row.group_id,
            row.process_id,
            row.bean_id,
            state,
            row.size,
            row.modified,
            row.error.record.map(|r| r as i64),
            row.error.line.map(|r| r as i64),
            row.error.field,
            row.error.reason,
            row.moved_to
        ],
    )
}
