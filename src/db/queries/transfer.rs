//! Queries of the file transfer job: its configuration (`"FileTransferConfigurationDO"`, the FTP
//! `"CommunicationPartnerDO"` and its `"ExecutionBeanValueDO"` rows) and the file ledger
//! `"TransferFileDO"`. State changes go through [`crate::transfer::state`].
use crate::db::{Conn, StoreError, StoreErrorKind, StoreResult};
use std::collections::HashMap;

use crate::db::{params, Optional, Row};

/// A `"FileTransferConfigurationDO"` row.
#[derive(Debug, Clone)]
pub struct ConfigRow {
    pub id: i64,
    pub base_path: Option<String>,
    pub transmission_type: Option<i64>,
    pub type_def_ref: i64,
    pub partner_referrer_ref: i64,
    pub description: Option<String>,
    pub group_ref: Option<i64>,
    /// impex addition: pins the FTP communication partner (see [`ftp_partner`]).
    pub communication_partner_ref: Option<i64>,
}

pub fn config(conn: &Conn, id: i64) -> StoreResult<Option<ConfigRow>> {
    Ok(conn.query_row(
        r#"SELECT "id", "basePath", "transmissionTypeDefRef", "typeDefRef", "partnerReferrerRef", "description",
                  "transformerProcessGroupRef", "communicationPartnerRef"
           FROM "FileTransferConfigurationDO" WHERE "id" = ?1"#,
        params![id],
        |r| {
            Ok(ConfigRow {
                id: r.get(0)?,
                base_path: r.get(1)?,
                transmission_type: r.get(2)?,
                type_def_ref: r.get(3)?,
                partner_referrer_ref: r.get(4)?,
                description: r.get(5)?,
                group_ref: r.get(6)?,
                communication_partner_ref: r.get(7)?,
            })
        },
    )
    .optional()?)
}

/// The FTP communication partner of a configuration: a `"CommunicationPartnerDO"` whose
/// communication key starts with `ANY###FTP_JOB###` and whose sending OR receiving partner is
/// the configuration's partner. When several match: the one whose communication has the
/// configuration's transmission type first, then a sending match before a receiving match,
/// then the lowest id. `"FileTransferConfigurationDO"."communicationPartnerRef"` (an impex
/// addition), when set, names the partner instead: needed when two pulls run between the same
/// two partners.
pub fn ftp_partner(conn: &Conn, partner_referrer: i64, transmission_type: Option<i64>) -> StoreResult<Option<i64>> {
    Ok(conn.query_row(
        r#"SELECT cp."id" FROM "CommunicationPartnerDO" cp
           JOIN "CommunicationDO" c ON c."id" = cp."communicationRef"
           WHERE substr(c."key", 1, 16) = 'ANY###FTP_JOB###'
             AND (cp."sendingPartnerReferrerRef" = ?1 OR cp."receivingPartnerReferrerRef" = ?1)
           ORDER BY (c."transmissionTypeDefRef" IS ?2) DESC, (cp."sendingPartnerReferrerRef" = ?1) DESC, cp."id"
           LIMIT 1"#,
        params![partner_referrer, transmission_type],
        |r| r.get(0),
    )
    .optional()?)
}

/// The `"ExecutionBeanValueDO"` values of a communication partner for the FTP job's keys
/// (`"ExecutionBeanDefDO"` 202), by parameter key.
pub fn partner_values(conn: &Conn, communication_partner: i64) -> StoreResult<HashMap<String, Option<String>>> {
    conn.query_map(r#"SELECT k."parameterKey", v."parameterValue" FROM "ExecutionBeanValueDO" v
           JOIN "ExecutionBeanKeyDefDO" k ON k."id" = v."executionBeanKeyDefRef"
           WHERE v."communicationPartnerRef" = ?1 AND k."executionBeanDefRef" = 202"#, params![communication_partner], |r| Ok((r.get::<String>(0)?, r.get::<Option<String>>(1)?))).map(|v| v.into_iter().collect())
}

/// The first `"ScheduleDO"` (lowest id) running the FTP job with this configuration: (id, key).
pub fn schedule_for_config(conn: &Conn, config_id: i64) -> StoreResult<Option<(i64, String)>> {
    Ok(conn.query_row(
        r#"SELECT "id", "key" FROM "ScheduleDO" WHERE "jobDefRef" = 3 AND "configId" = ?1 ORDER BY "id" LIMIT 1"#,
        params![config_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()?)
}

/// A `"TransferFileDO"` row.
#[derive(Debug, Clone)]
pub struct FileRow {
    pub id: i64,
    pub config_ref: i64,
    pub direction: String,
    pub remote_path: String,
    pub file_name: String,
    pub size: Option<i64>,
    pub mtime: Option<String>,
    pub content_hash: Option<String>,
    pub state: String,
    pub local_path: Option<String>,
    pub error: Option<String>,
    pub attempts: i64,
}

const COLS: &str = r#""id", "configRef", "direction", "remotePath", "fileName", "size", "mtime", "contentHash", "state",
    "localPath", "error", "attempts""#;

fn row(r: &Row) -> StoreResult<FileRow> {
    Ok(FileRow {
        id: r.get(0)?,
        config_ref: r.get(1)?,
        direction: r.get(2)?,
        remote_path: r.get(3)?,
        file_name: r.get(4)?,
        size: r.get(5)?,
        mtime: r.get(6)?,
        content_hash: r.get(7)?,
        state: r.get(8)?,
        local_path: r.get(9)?,
        error: r.get(10)?,
        attempts: r.get(11)?,
    })
}

/// A new ledger row.
pub struct NewFile<'a> {
    pub config_ref: i64,
    pub schedule_ref: Option<i64>,
    pub partner_ref: Option<i64>,
    pub direction: &'a str,
    pub remote_path: &'a str,
    pub file_name: &'a str,
    pub size: Option<i64>,
    pub mtime: Option<&'a str>,
    pub local_path: Option<&'a str>,
    pub state: &'a str,
    pub error: Option<&'a str>,
}

/// Inserts a row; returns its id. `OR IGNORE`: a second REJECTED row for the same file is not
/// inserted (then 0 is returned).
pub fn insert(conn: &Conn, f: &NewFile) -> StoreResult<i64> {
    let id = conn.insert_or_ignore(r#"INSERT OR IGNORE INTO "TransferFileDO" ("configRef", "scheduleRef", "partnerRef", "direction", "remotePath",
               "fileName", "size", "mtime", "localPath", "state", "error", "creationDate", "modificationDate")
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, now(), now())"#, params![f.config_ref, f.schedule_ref, f.partner_ref, f.direction, f.remote_path, f.file_name, f.size, f.mtime, f.local_path, f.state, f.error])?;
    Ok(id.unwrap_or(0))
}

/// The unfinished row of a file, if any.
pub fn active(conn: &Conn, config_ref: i64, direction: &str, remote_path: &str) -> StoreResult<Option<FileRow>> {
    Ok(conn.query_row(&format!(
        r#"SELECT {COLS} FROM "TransferFileDO" WHERE "configRef" = ?1 AND "direction" = ?2 AND "remotePath" = ?3
           AND "state" IN ('LISTED','DOWNLOADING','DOWNLOADED','UPLOADING','UPLOADED')"#
    ), params![config_ref, direction, remote_path], row)
    .optional()?)
}

/// Rows of a configuration and direction in one state, oldest first.
pub fn in_state(conn: &Conn, config_ref: i64, direction: &str, state: &str) -> StoreResult<Vec<FileRow>> {
    conn.query_map(&format!(
        r#"SELECT {COLS} FROM "TransferFileDO" WHERE "configRef" = ?1 AND "direction" = ?2 AND "state" = ?3 ORDER BY "id""#
    ), params![config_ref, direction, state], row)
}

/// A row already holding this content (pulled: DOWNLOADED or DONE), other than `except`.
pub fn pulled_with_hash(conn: &Conn, config_ref: i64, hash: &str, except: i64) -> StoreResult<Option<FileRow>> {
    Ok(conn.query_row(&format!(
        r#"SELECT {COLS} FROM "TransferFileDO" WHERE "configRef" = ?1 AND "direction" = 'PULL' AND "contentHash" = ?2
           AND "state" IN ('DOWNLOADED','DONE') AND "id" <> ?3 ORDER BY "id" LIMIT 1"#
    ), params![config_ref, hash, except], row)
    .optional()?)
}

pub fn get(conn: &Conn, id: i64) -> StoreResult<Option<FileRow>> {
    Ok(conn.query_row(&format!(r#"SELECT {COLS} FROM "TransferFileDO" WHERE "id" = ?1"#), params![id], row).optional()?)
}

/// Every row of a configuration, newest first (for `impex transfer --ledger`).
pub fn recent(conn: &Conn, config_ref: i64, limit: i64) -> StoreResult<Vec<FileRow>> {
    conn.query_map(&format!(
        r#"SELECT {COLS} FROM "TransferFileDO" WHERE "configRef" = ?1 ORDER BY "id" DESC LIMIT ?2"#
    ), params![config_ref, limit], row)
}

/// Optional column changes of a transition.
#[derive(Default)]
pub struct Changes<'a> {
    pub size: Option<i64>,
    pub mtime: Option<&'a str>,
    pub hash: Option<&'a str>,
    pub local_path: Option<&'a str>,
    pub error: Option<&'a str>,
    pub clear_error: bool,
    pub attempt: bool,
    pub done: bool,
}

/// `UPDATE ... SET state = to WHERE id = ? AND state = from`; an error when no row changed.
pub fn transition(conn: &Conn, id: i64, from: &str, to: &str, c: &Changes) -> StoreResult<()> {
    let n = conn.execute(r#"UPDATE "TransferFileDO" SET "state" = ?3,
               "size" = coalesce(?4, "size"), "mtime" = coalesce(?5, "mtime"), "contentHash" = coalesce(?6, "contentHash"),
               "localPath" = coalesce(?7, "localPath"),
               "error" = CASE WHEN ?8 IS NOT NULL THEN ?8 WHEN ?9 THEN NULL ELSE "error" END,
               "attempts" = "attempts" + ?10,
               "doneDate" = CASE WHEN ?11 THEN now() ELSE "doneDate" END,
               "modificationDate" = now()
           WHERE "id" = ?1 AND "state" = ?2"#, params![id, from, to, c.size, c.mtime, c.hash, c.local_path, c.error, c.clear_error, c.attempt as i64, c.done])?;
    if n == 0 {
        let now: Option<String> = conn.query_row(r#"SELECT "state" FROM "TransferFileDO" WHERE "id" = ?1"#, params![id], |r| r.get(0))
            .optional()?;
        return Err(StoreError::new(
            StoreErrorKind::Other,
            format!("\"TransferFileDO\" id {id}: cannot go from {from} to {to}: the row is {}", now.unwrap_or_else(|| "missing".into())),
        ));
    }
    Ok(())
}
