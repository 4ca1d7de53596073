//! Schema creation and in-place upgrade.
//!
//! `schema.sql` is idempotent and always describes the newest schema. The schema version is
//! `PRAGMA user_version`. [`init`] creates a new database or upgrades an old one: first the
//! explicit [`STEPS`] for the versions the database lacks (column changes to existing tables),
//! then `schema.sql` again (new tables, indexes, views, triggers), all in one transaction. A
//! database is never recreated; data stays.
use crate::db::Conn;

use crate::error::Result;

/// The schema, embedded in the binary.
pub const SCHEMA: &str = include_str!("../../schema.sql");

/// Upgrade steps: `STEPS[i]` brings a database from version `i + 1` to `i + 2`.
/// Version 1 is the first released schema; append steps, never edit old ones. A step may also
/// drop what `schema.sql` no longer creates (an index).
pub const STEPS: &[&str] = &[
    // 1 -> 2: the debtor index of the open positions is gone (bulk imports maintained it for
    // no query of impex; see schema.sql)
    r#"DROP INDEX IF EXISTS "OpenPositionDO_debitor";"#,
    // 2 -> 3: a unique index on exactly the three partner columns, which IOM's
    // `ON CONFLICT ("communicationRef", "sendingPartnerReferrerRef", "receivingPartnerReferrerRef")`
    // names (schema.sql creates it; the step only marks the version)
    r#"SELECT 1;"#,
    // 3 -> 4: constraints real IOM configurations do not keep (free-text "CommunicationDO"."key",
    // NULL "TransformerProcessDO"."filenameRegex", bean definitions without a name): those
    // tables are rebuilt from schema.sql ([`REBUILDS`])
    r#"SELECT 1;"#,
    // 4 -> 5: the columns real IOM scripts write ("ShopDO"."parentShopRef" is IOM's
    // "parentRef"), and impex's own rows move to negative ids out of the ranges real
    // installations use: [`CODE_STEPS`]; new tables come from schema.sql
    r#"SELECT 1;"#,
    // 5 -> 6: the REST API's tables (IOM's users, roles, rights and organizations; reservations;
    // schedule runtime values; process heartbeats), from schema.sql
    r#"SELECT 1;"#,
    // 6 -> 7: a reservation's id is never given again after its reservation was deleted
    // ("ReservationDO"."id" AUTOINCREMENT; the table is rebuilt, [`REBUILDS`])
    r#"SELECT 1;"#,
    // 7 -> 8: the order service's tables (order documents, change requests, the order change
    // cursor) from schema.sql, and the columns of [`V8_COLUMNS`]
    r#"SELECT 1;"#,
    // 8 -> 9: the RMA service's return requests: the columns of [`V9_COLUMNS`]; return slips
    // become IOM's document type 7 (`v9_document_types`)
    r#"SELECT 1;"#,
    // 9 -> 10: a return announcement has a return slip and a return label: "DocumentDO" is
    // rebuilt ([`REBUILDS`]) with one document per announcement and type; the rebuild also
    // brings the export triggers of schema.sql (an announcement stored as ACCEPTED)
    r#"SELECT 1;"#,
];

/// Work of an upgrade step that plain SQL cannot do safely on every database: (version
/// reached, function). Each is idempotent (it looks before it changes) and runs in the
/// upgrade's transaction, after [`STEPS`], with reference checks off and checked as a whole
/// before the commit.
pub type CodeStep = fn(&Conn) -> Result<()>;

pub const CODE_STEPS: &[(i64, CodeStep)] = &[(5, v5_columns), (5, v5_move_impex_ids), (8, v8_columns), (9, v9_columns), (9, v9_document_types)];

/// Columns of version 8 (the order service): (table, column, definition). schema.sql has them
/// in its `CREATE TABLE` too.
const V8_COLUMNS: &[(&str, &str, &str)] = &[
    // what change requests cancelled of a position (the order states count it as canceled)
    ("OrderPositionDO", "cancelledQuantity", r#"INTEGER NOT NULL DEFAULT 0 CHECK ("cancelledQuantity" >= 0)"#),
];

/// Columns of version 9 (the RMA service): (table, column, definition).
const V9_COLUMNS: &[(&str, &str, &str)] = &[("ReturnAnnouncementDO", "comment", "TEXT"), ("ReturnAnnouncementDO", "approvalComment", "TEXT")];

fn v8_columns(conn: &Conn) -> Result<()> {
    add_columns(conn, V8_COLUMNS)
}

fn v9_columns(conn: &Conn) -> Result<()> {
    add_columns(conn, V9_COLUMNS)
}

/// Version 9: return slips are IOM's document type 7 RETURN_SLIP (and 1 RETURN_LABEL), not
/// impex's -20 of version 8; the stored documents move with it.
fn v9_document_types(conn: &Conn) -> Result<()> {
    conn.sql().execute_batch(r#"INSERT OR IGNORE INTO "DocumentTypeDefDO" ("id", "name", "description") VALUES (1, 'RETURN_LABEL', 'return label'), (7, 'RETURN_SLIP', 'return slip');"#)?;
    // a database older than version 8 has no documents yet (schema.sql creates the table)
    if !columns_of(conn, "DocumentDO")?.is_empty() {
        conn.sql().execute_batch(r#"UPDATE "DocumentDO" SET "documentTypeDefRef" = 7 WHERE "documentTypeDefRef" = -20;"#)?;
    }
    conn.sql().execute_batch(r#"DELETE FROM "DocumentTypeDefDO" WHERE "id" = -20;"#)?;
    Ok(())
}

/// Adds the columns a table does not have yet.
fn add_columns(conn: &Conn, columns: &[(&str, &str, &str)]) -> Result<()> {
    for (table, column, definition) in columns {
        if !columns_of(conn, table)?.iter().any(|c| c == column) {
            conn.sql().execute_batch(&format!(r#"ALTER TABLE "{table}" ADD COLUMN "{column}" {definition}"#))?;
        }
    }
    Ok(())
}

/// Columns of version 5: (table, column, definition).
const V5_COLUMNS: &[(&str, &str, &str)] = &[
    ("TransmissionTypeDefDO", "roleDefRef", "INTEGER"),
    ("TransmissionTypeDefDO", "messageTypeName", "TEXT"),
    ("ExecutionBeanDefDO", "decisionBeanDefRef", r#"INTEGER REFERENCES "DecisionBeanDefDO"("id")"#),
    ("ExecutionBeanKeyDefDO", "parameterTypeDefRef", "INTEGER"),
    ("ExecutionBeanKeyDefDO", "mandatory", r#"INTEGER CHECK ("mandatory" IN (0,1))"#),
    ("ExecutionBeanKeyDefDO", "defaultValue", "TEXT"),
    ("ExecutionBeanKeyDefDO", "activeOMT", r#"INTEGER CHECK ("activeOMT" IN (0,1))"#),
    ("ShopDO", "shopName", "TEXT"),
    ("ShopDO", "internalShopName", "TEXT"),
    ("ShopDO", "isB2B", r#"INTEGER NOT NULL DEFAULT 0 CHECK ("isB2B" IN (0,1))"#),
    ("ShopDO", "returnDeadline", "INTEGER"),
    ("ShopDO", "returnCharge", "NUMERIC"),
    ("ShopDO", "shopRMANumberSequenceName", "TEXT"),
    ("ShopDO", "shopRMANumberSequenceFormatString", "TEXT"),
    ("ShopDO", "shopOrderSequenceName", "TEXT"),
    ("ShopDO", "shopOrderSequenceNumberFormatString", "TEXT"),
    ("ShopDO", "shopCustomerSequenceName", "TEXT"),
    ("ShopDO", "availabilityTolerance", "INTEGER"),
    ("ShopDO", "countryDefRef", "INTEGER"),
    ("ShopDO", "mapArticleId", r#"INTEGER CHECK ("mapArticleId" IN (0,1))"#),
    ("ShopDO", "orderOptimizeDefRef", "INTEGER"),
    ("ShopDO", "overwriteSelectedSupplierAllowed", r#"INTEGER CHECK ("overwriteSelectedSupplierAllowed" IN (0,1))"#),
    ("ShopDO", "singleArticleInfo", r#"INTEGER CHECK ("singleArticleInfo" IN (0,1))"#),
    ("ShopDO", "shopAddressRef", "INTEGER"),
    ("ShopDO", "shopOrderValidationRef", "INTEGER"),
    ("ShopDO", "hasSupplierPrefix", r#"INTEGER CHECK ("hasSupplierPrefix" IN (0,1))"#),
    ("ShopDO", "hasInformShopReturn", r#"INTEGER CHECK ("hasInformShopReturn" IN (0,1))"#),
    ("ShopDO", "shopUsesOMT", r#"INTEGER CHECK ("shopUsesOMT" IN (0,1))"#),
    ("ShopDO", "preferredSupplierOnly", r#"INTEGER CHECK ("preferredSupplierOnly" IN (0,1))"#),
    ("ShopDO", "orderProcessingDelay", "TEXT"),
    ("ShopDO", "orderTokenValidityDuration", "TEXT"),
    ("ShopDO", "amountDaysForPaymentReminderMailOfPrepaidOrders", "INTEGER"),
    ("ShopDO", "amountDaysForAutoCancellationOfPrepaidOrders", "INTEGER"),
    ("ShopDO", "isReservationWithDOSE", r#"INTEGER CHECK ("isReservationWithDOSE" IN (0,1))"#),
    ("ShopDO", "version", "INTEGER NOT NULL DEFAULT 0"),
    ("CarrierDO", "trackingUrl", "TEXT"),
    ("CarrierDO", "modificationDate", "TEXT"),
    ("CarrierDO", "version", "INTEGER NOT NULL DEFAULT 0"),
    ("CommunicationDO", "communicationVersionDefRef", "INTEGER"),
    ("CommunicationDO", "transmissionFormDefRef", "INTEGER"),
    ("CommunicationPartnerDO", "splitTransmissionPerSupplier", r#"INTEGER NOT NULL DEFAULT 0 CHECK ("splitTransmissionPerSupplier" IN (0,1))"#),
    ("DispatchDO", "trackingNumbers", "TEXT"),
    ("DispatchDO", "dispatchNotificationId", "TEXT"),
    ("DispatchDO", "importFileRef", r#"INTEGER REFERENCES "ImportFileDO"("id")"#),
];

fn columns_of(conn: &Conn, table: &str) -> Result<Vec<String>> {
    let sql = conn.sql();
    let mut st = sql.prepare("SELECT name FROM pragma_table_info(?1)")?;
    let v = st.query_map([table], |r| r.get(0))?.collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(v)
}

fn v5_columns(conn: &Conn) -> Result<()> {
    let shop = columns_of(conn, "ShopDO")?;
    if shop.iter().any(|c| c == "parentShopRef") && !shop.iter().any(|c| c == "parentRef") {
        conn.sql().execute_batch(r#"ALTER TABLE "ShopDO" RENAME COLUMN "parentShopRef" TO "parentRef""#)?;
    }
    for (table, column, definition) in V5_COLUMNS {
        if !columns_of(conn, table)?.iter().any(|c| c == column) {
            conn.sql().execute_batch(&format!(r#"ALTER TABLE "{table}" ADD COLUMN "{column}" {definition}"#))?;
        }
    }
    Ok(())
}

/// impex's own rows before version 5 and where they are now: (table, the column that names
/// the row, its name, old id, new id). seed/reference.sql lists the same ids.
pub const MOVED_IDS: &[(&str, &str, &str, i64, i64)] = &[
    ("DocumentFormatDefDO", "name", "ANY", 10, -10),
    ("TransmissionTypeDefDO", "name", "SEND_DEBITOR", 500, -500),
    ("TransmissionTypeDefDO", "name", "SEND_OPEN_AMOUNT", 510, -510),
    ("TransmissionTypeDefDO", "name", "SEND_PURCHASE_ORDER_DISPATCH", 520, -520),
    ("TransmissionTypeDefDO", "name", "SEND_PURCHASE_ORDER_RETURN", 530, -530),
    ("ExecutionBeanDefDO", "name", "MESSAGE_FILE_SENDER_BEAN", 100, -100),
    ("ExecutionBeanKeyDefDO", "parameterKey", "pushFtpAccount", 10001, -10001),
    ("ExecutionBeanKeyDefDO", "parameterKey", "deliverDirectory", 10002, -10002),
    ("ExecutionBeanKeyDefDO", "parameterKey", "deliverRemoteDirectory", 10003, -10003),
    ("ExecutionBeanKeyDefDO", "parameterKey", "deliverFilenameRegex", 10004, -10004),
    ("ExecutionBeanKeyDefDO", "parameterKey", "remoteArchiveDirectory", 10005, -10005),
    ("ExecutionBeanKeyDefDO", "parameterKey", "knownHostsFile", 10006, -10006),
    ("ExecutionBeanKeyDefDO", "parameterKey", "acceptNewHostKey", 10007, -10007),
    ("ExecutionBeanKeyDefDO", "parameterKey", "connectTimeout", 10008, -10008),
    ("ExecutionBeanKeyDefDO", "parameterKey", "ioTimeout", 10009, -10009),
    ("ExecutionBeanKeyDefDO", "parameterKey", "minFileAge", 10010, -10010),
    ("ExecutionBeanKeyDefDO", "parameterKey", "pullPrivateKeyPassphrase", 10011, -10011),
    ("ExecutionBeanKeyDefDO", "parameterKey", "ftpsCaFile", 10012, -10012),
    ("ExecutionBeanKeyDefDO", "parameterKey", "deliverSentDirectory", 10013, -10013),
    ("ExecutionBeanKeyDefDO", "parameterKey", "sftpConnections", 10014, -10014),
    ("JobDefDO", "name", "SEND_TRANSMISSIONS", 10001, -10001),
    ("JobDefDO", "name", "CUSTOMER_EXPORT", 10002, -10002),
    ("JobDefDO", "name", "CLEAN_SHARED_FS_JOB", 10003, -10003),
    ("ScheduleDO", "key", "send_transmissions", 1, -1),
    ("ScheduleDO", "key", "customer_export", 2, -2),
    ("ScheduleDO", "key", "clean_shared_fs", 3, -3),
    ("TransformerBeanDefDO", "name", "ImportXmlStoreOrderBean", 10000, -10000),
    ("CommunicationDO", "key", "ANY###FTP_JOB###EXT_TRANSFER_FILE_2", 100023, -100023),
    ("CommunicationDO", "key", "ANY###FTP_JOB###EXT_TRANSFER_FILE_3", 100024, -100024),
];

/// Columns that hold ids of another table without a declared reference: (table, column,
/// the table whose ids they hold).
const SOFT_REFERENCES: &[(&str, &str, &str)] = &[("JobRunDO", "jobDefRef", "JobDefDO"), ("TransferFileDO", "scheduleRef", "ScheduleDO")];

/// Moves each of impex's rows of [`MOVED_IDS`] that is still at its old id (and is impex's: it
/// has impex's name there) to its new id, with every column that refers to it. A row an
/// operator put at an old id under another name stays where it is.
fn v5_move_impex_ids(conn: &Conn) -> Result<()> {
    let sql = conn.sql();
    let references: Vec<(String, String, String)> = {
        let mut st = sql.prepare(
            "SELECT m.name, f.\"from\", f.\"table\" FROM sqlite_schema m JOIN pragma_foreign_key_list(m.name) f WHERE m.type = 'table'",
        )?;
        let mut v = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<Vec<_>>>()?;
        v.extend(SOFT_REFERENCES.iter().map(|(t, c, p)| (t.to_string(), c.to_string(), p.to_string())));
        v
    };
    for (table, name_column, name, old, new) in MOVED_IDS {
        let ours: i64 = sql.query_row(&format!(r#"SELECT count(*) FROM "{table}" WHERE "id" = ?1 AND "{name_column}" = ?2"#), rusqlite::params![old, name], |r| r.get(0))?;
        let taken: i64 = sql.query_row(&format!(r#"SELECT count(*) FROM "{table}" WHERE "id" = ?1"#), [new], |r| r.get(0))?;
        if ours == 0 || taken > 0 {
            continue;
        }
        for (child, column, _) in references.iter().filter(|(_, _, parent)| parent == table) {
            if columns_of(conn, child)?.iter().any(|c| c == column) {
                sql.execute(&format!(r#"UPDATE "{child}" SET "{column}" = ?1 WHERE "{column}" = ?2"#), [new, old])?;
            }
        }
        sql.execute(&format!(r#"UPDATE "{table}" SET "id" = ?1 WHERE "id" = ?2"#), [new, old])?;
    }
    Ok(())
}

/// Tables rebuilt from their `schema.sql` definition when a database passes a version: SQLite
/// cannot change a column's constraints in place. (version reached, tables)
pub const REBUILDS: &[(i64, &[&str])] =
    &[(4, &["CommunicationDO", "TransformerProcessDO", "ExecutionBeanDefDO", "DecisionBeanDefDO"]), (7, &["ReservationDO"]), (10, &["DocumentDO"])];

/// The schema version this impex writes.
pub const LATEST: i64 = 1 + STEPS.len() as i64;

pub fn version(conn: &Conn) -> Result<i64> {
    Ok(conn.sql().pragma_query_value(None, "user_version", |r| r.get(0))?)
}

/// What [`init`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitOutcome {
    Created,
    Upgraded { from: i64, to: i64 },
    UpToDate,
}

/// Creates the schema in a new database or upgrades an older one.
pub fn init(conn: &mut Conn) -> Result<InitOutcome> {
    let from = version(conn)?;
    if from > LATEST {
        return Err(crate::error::Error::Other(format!(
            "the database was made by a newer impex (schema version {from}, this impex knows {LATEST})"
        )));
    }
    if from == LATEST {
        return Ok(InitOutcome::UpToDate);
    }
    let rebuilds: Vec<&str> = REBUILDS.iter().filter(|(v, _)| from > 0 && *v > from).flat_map(|(_, t)| t.iter().copied()).collect();
    let code_steps: Vec<CodeStep> = CODE_STEPS.iter().filter(|(v, _)| from > 0 && *v > from).map(|(_, f)| *f).collect();
    // A rebuild drops and re-creates tables that others refer to, a code step moves ids that
    // others refer to: the reference checks are off for them (they cannot change inside a
    // transaction) and checked as a whole before the commit.
    let unchecked = !rebuilds.is_empty() || !code_steps.is_empty();
    if unchecked {
        conn.sql().pragma_update(None, "foreign_keys", "OFF")?;
    }
    let result = (|| -> Result<()> {
        let tx = conn.write()?;
        if from > 0 {
            for step in &STEPS[(from - 1) as usize..] {
                tx.sql().execute_batch(step)?;
            }
            for step in &code_steps {
                step(&tx)?;
            }
        }
        let saved = if rebuilds.is_empty() { Vec::new() } else { rebuild(&tx, &rebuilds)? };
        tx.sql().execute_batch(SCHEMA)?;
        // views and triggers schema.sql does not make (an operator's own) come back as they were
        for (name, sql) in saved {
            let exists: i64 = tx.sql().query_row("SELECT count(*) FROM sqlite_schema WHERE name = ?1", [&name], |r| r.get(0))?;
            if exists == 0 {
                tx.sql().execute_batch(&sql)?;
            }
        }
        tx.sql().pragma_update(None, "user_version", LATEST)?;
        if unchecked {
            let broken: i64 = tx.sql().query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| r.get(0))?;
            if broken > 0 {
                return Err(crate::error::Error::Other(format!(
                    "upgrading the schema to version {LATEST}: {broken} rows refer to rows that do not exist; nothing was changed (see `impex check` with the older impex)"
                )));
            }
        }
        tx.commit()?;
        Ok(())
    })();
    if unchecked {
        conn.sql().pragma_update(None, "foreign_keys", "ON")?;
    }
    result?;
    Ok(if from == 0 { InitOutcome::Created } else { InitOutcome::Upgraded { from, to: LATEST } })
}

/// Re-creates `tables` with their definition in `schema.sql`, keeping every row (the columns
/// both versions have). Views and triggers are dropped first (renaming a table re-reads every
/// view and trigger, and they name the old table); `schema.sql`, run next, creates its own again,
/// and the indexes; the others are returned (name, SQL) to be created again after it.
fn rebuild(tx: &Conn, tables: &[&str]) -> Result<Vec<(String, String)>> {
    let sql = tx.sql();
    let mut st = sql.prepare("SELECT type, name, sql FROM sqlite_schema WHERE type IN ('view', 'trigger') AND sql IS NOT NULL")?;
    let objects: Vec<(String, String, String)> = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?;
    drop(st);
    let saved = objects.iter().map(|(_, name, sql)| (name.clone(), sql.clone())).collect();
    for (kind, name, _) in objects {
        sql.execute_batch(&format!("DROP {} IF EXISTS \"{}\"", kind.to_uppercase(), name.replace('"', "\"\"")))?;
    }
    for table in tables {
        let exists: i64 = sql.query_row("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?1", [table], |r| r.get(0))?;
        if exists == 0 {
            // a table of a later version than the database's: schema.sql creates it
            continue;
        }
        let ddl = table_ddl(SCHEMA, table).ok_or_else(|| crate::error::Error::Other(format!("schema.sql has no table {table}")))?;
        let new = format!("{table}__new");
        sql.execute_batch(&ddl.replacen(&format!("\"{table}\""), &format!("\"{new}\""), 1))?;
        let columns = |t: &str| -> rusqlite::Result<Vec<String>> {
            let mut st = sql.prepare(&format!("SELECT name FROM pragma_table_info('{t}')"))?;
            let v = st.query_map([], |r| r.get(0))?.collect();
            v
        };
        let old_cols = columns(table)?;
        let keep: Vec<String> = columns(&new)?.into_iter().filter(|c| old_cols.contains(c)).map(|c| format!("\"{c}\"")).collect();
        let keep = keep.join(", ");
        sql.execute_batch(&format!(
            "INSERT INTO \"{new}\" ({keep}) SELECT {keep} FROM \"{table}\"; DROP TABLE \"{table}\"; ALTER TABLE \"{new}\" RENAME TO \"{table}\";"
        ))?;
    }
    Ok(saved)
}

/// The `CREATE TABLE IF NOT EXISTS "<table>" (...);` statement of `schema`.
fn table_ddl<'s>(schema: &'s str, table: &str) -> Option<&'s str> {
    let start = schema.find(&format!("CREATE TABLE IF NOT EXISTS \"{table}\" ("))?;
    let end = schema[start..].find("\n);")? + start + 3;
    Some(&schema[start..end])
}

/// Upgrades an existing database (see [`init`]).
pub fn upgrade(conn: &mut Conn) -> Result<InitOutcome> {
    init(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A version-6 database's reservations (plain INTEGER PRIMARY KEY: a deleted highest id was
    /// given again) keep their rows and items; from then on a deleted id is never given again.
    #[test]
    fn version_6_reservations_get_ids_that_are_never_given_again() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = crate::db::open(&dir.path().join("t.db")).unwrap();
        init(&mut conn).unwrap();
        let sql = conn.sql();
        sql.execute_batch(
            r#"PRAGMA foreign_keys = OFF; BEGIN;
               CREATE TABLE "ReservationDO__old" ("id" INTEGER PRIMARY KEY, "shopRef" INTEGER NOT NULL REFERENCES "ShopDO"("id"),
                   "type" TEXT NOT NULL, "state" TEXT NOT NULL, "lifetime" INTEGER NOT NULL, "expiryDate" TEXT NOT NULL,
                   "creationDate" TEXT NOT NULL, "modificationDate" TEXT NOT NULL);
               DROP TABLE "ReservationDO"; ALTER TABLE "ReservationDO__old" RENAME TO "ReservationDO";
               INSERT INTO "ShopDO" ("id", "name") VALUES (10, 'shop');
               INSERT INTO "ReservationDO" VALUES (1, 10, 'COMPLETE', 'RESERVED', 60, '2099-01-01 00:00:00', '2026-12-01 00:00:00', '2026-12-01 00:00:00'),
                                                  (2, 10, 'PARTLY', 'RESERVED', 60, '2099-01-01 00:00:00', '2026-12-01 00:00:00', '2026-12-01 00:00:00');
               INSERT INTO "ReservationItemDO" ("id", "reservationRef", "number", "productId", "requestedQuantity", "reservedQuantity") VALUES (5, 2, 1, 'P', 3, 3);
               PRAGMA user_version = 6; COMMIT; PRAGMA foreign_keys = ON;"#,
        )
        .unwrap();
        assert_eq!(init(&mut conn).unwrap(), InitOutcome::Upgraded { from: 6, to: LATEST });
        let sql = conn.sql();
        let count = |q: &str| -> i64 { sql.query_row(q, [], |r| r.get(0)).unwrap() };
        assert_eq!(count(r#"SELECT count(*) FROM "ReservationDO""#), 2);
        assert_eq!(count(r#"SELECT count(*) FROM "ReservationItemDO" WHERE "reservationRef" = 2"#), 1, "the items stay");
        assert_eq!(count("SELECT count(*) FROM pragma_foreign_key_check"), 0);
        sql.execute(r#"DELETE FROM "ReservationDO" WHERE "id" = 2"#, []).unwrap();
        assert_eq!(count(r#"SELECT count(*) FROM "ReservationItemDO""#), 0, "items still go with their reservation");
        sql.execute(r#"INSERT INTO "ReservationDO" ("shopRef", "type", "state", "lifetime", "expiryDate") VALUES (10, 'COMPLETE', 'RESERVED', 60, '2099-01-01')"#, []).unwrap();
        assert_eq!(sql.last_insert_rowid(), 3, "the deleted id 2 is not given again");
    }

    /// A version-8 database: return announcements get the RMA columns, and a return slip stored
    /// with impex's type -20 becomes IOM's type 7; -20 is gone.
    #[test]
    fn version_8_return_slips_become_type_7() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = crate::db::open(&dir.path().join("t.db")).unwrap();
        init(&mut conn).unwrap();
        conn.sql()
            .execute_batch(
                r#"PRAGMA foreign_keys = OFF; BEGIN;
                   ALTER TABLE "ReturnAnnouncementDO" DROP COLUMN "comment"; ALTER TABLE "ReturnAnnouncementDO" DROP COLUMN "approvalComment";
                   INSERT INTO "DocumentTypeDefDO" ("id", "name") VALUES (-20, 'RETURN_SLIP_OLD');
                   INSERT OR IGNORE INTO "DocumentFormatDefDO" ("id", "name") VALUES (1, 'PDF');
                   INSERT INTO "ShopDO" ("id", "name") VALUES (10, 'shop');
                   INSERT INTO "OrderDO" ("id", "shopRef", "shopOrderNo", "orderCreationDate", "currency") VALUES (20, 10, 'O-1', '2026-12-01', 'EUR');
                   INSERT INTO "ReturnAnnouncementDO" ("id", "orderRef", "rmaNumber") VALUES (30, 20, 'RMA-1');
                   INSERT INTO "DocumentDO" ("id", "documentTypeDefRef", "orderRef", "shopRef", "returnAnnouncementRef", "key", "fileName", "path")
                   VALUES (40, -20, 20, 10, 30, printf('%064d', 0), 'ReturnSlip_RMA-1.pdf', 'documents/x.pdf');
                   PRAGMA user_version = 8; COMMIT; PRAGMA foreign_keys = ON;"#,
            )
            .unwrap();
        assert_eq!(init(&mut conn).unwrap(), InitOutcome::Upgraded { from: 8, to: LATEST });
        let sql = conn.sql();
        let count = |q: &str| -> i64 { sql.query_row(q, [], |r| r.get(0)).unwrap() };
        assert_eq!(count(r#"SELECT "documentTypeDefRef" FROM "DocumentDO" WHERE "id" = 40"#), 7);
        assert_eq!(count(r#"SELECT count(*) FROM "DocumentTypeDefDO" WHERE "id" = -20"#), 0);
        assert_eq!(count(r#"SELECT count(*) FROM pragma_table_info('ReturnAnnouncementDO') WHERE "name" IN ('comment', 'approvalComment')"#), 2);
        assert_eq!(count("SELECT count(*) FROM pragma_foreign_key_check"), 0);
    }

    /// A version-1 database (with the open positions' debtor index) is upgraded in place: the
    /// index is dropped, rows stay, the version is the latest.
    #[test]
    fn version_1_database_loses_the_debtor_index() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = crate::db::open(&dir.path().join("t.db")).unwrap();
        init(&mut conn).unwrap();
        conn.sql().execute_batch(
            r#"CREATE INDEX "OpenPositionDO_debitor" ON "OpenPositionDO" ("debitorRef");
               INSERT INTO "CarrierDO" ("id", "name") VALUES (77, 'kept');
               PRAGMA user_version = 1;"#,
        )
        .unwrap();
        assert_eq!(init(&mut conn).unwrap(), InitOutcome::Upgraded { from: 1, to: LATEST });
        let indexes: i64 = conn.sql()
            .query_row(r#"SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name = 'OpenPositionDO_debitor'"#, [], |r| r.get(0))
            .unwrap();
        assert_eq!(indexes, 0);
        let kept: i64 = conn.sql().query_row(r#"SELECT count(*) FROM "CarrierDO" WHERE "id" = 77"#, [], |r| r.get(0)).unwrap();
        assert_eq!(kept, 1);
        assert_eq!(version(&conn).unwrap(), LATEST);
    }

    /// A version-2 database gets the three-column partner index; then IOM's upsert of a
    /// partner runs twice, with a receiver and with a NULL receiver, and adds each row once.
    #[test]
    fn version_2_database_takes_iom_partner_upserts() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = crate::db::open(&dir.path().join("t.db")).unwrap();
        init(&mut conn).unwrap();
        let src = |name: &str, text: &str| crate::db::script::Source { name: name.into(), text: text.into() };
        crate::db::script::run(&mut conn, &[src("reference", crate::db::seed::REFERENCE), src("demo", crate::db::seed::DEMO)]).unwrap();
        conn.execute_batch(r#"DROP INDEX "CommunicationPartnerDO_partners"; PRAGMA user_version = 2;"#).unwrap();
        assert_eq!(init(&mut conn).unwrap(), InitOutcome::Upgraded { from: 2, to: LATEST });
        let index = r#"SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name = 'CommunicationPartnerDO_partners'"#;
        assert_eq!(conn.query_i64(index, &[]).unwrap(), 1);
        let script = r#"
            INSERT INTO oms."CommunicationPartnerDO" ("id", "communicationRef", "sendingPartnerReferrerRef", "receivingPartnerReferrerRef")
            VALUES (nextval('"CommunicationPartnerDO_id_seq"'), 100005, 10010, (SELECT "id" FROM "PartnerReferrerDO" WHERE "supplierRef" = 5000))
            ON CONFLICT ("communicationRef", "sendingPartnerReferrerRef", "receivingPartnerReferrerRef") DO NOTHING;
            INSERT INTO oms."CommunicationPartnerDO" ("id", "communicationRef", "sendingPartnerReferrerRef", "receivingPartnerReferrerRef")
            VALUES (nextval('"CommunicationPartnerDO_id_seq"'), 100013, 10010, NULL)
            ON CONFLICT ("communicationRef", "sendingPartnerReferrerRef", "receivingPartnerReferrerRef") DO NOTHING;"#;
        let count = r#"SELECT count(*) FROM "CommunicationPartnerDO" WHERE "sendingPartnerReferrerRef" = 10010 AND "communicationRef" IN (100005, 100013)"#;
        let before = conn.query_i64(count, &[]).unwrap();
        crate::db::script::run(&mut conn, &[src("upsert", script)]).unwrap();
        let once = conn.query_i64(count, &[]).unwrap();
        crate::db::script::run(&mut conn, &[src("upsert", script)]).unwrap();
        assert_eq!(conn.query_i64(count, &[]).unwrap(), once, "the second run adds nothing");
        assert_eq!(once, before + 2, "one row with a receiver, one with none");
    }

    /// A version-3 database (with the old constraints, configuration rows and rows referring to
    /// them) is rebuilt in place: every row stays, references hold, views and triggers are
    /// back, and what real configurations write is accepted.
    #[test]
    fn version_3_database_accepts_real_configurations() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = crate::db::open(&dir.path().join("t.db")).unwrap();
        init(&mut conn).unwrap();
        let src = |name: &str, text: &str| crate::db::script::Source { name: name.into(), text: text.into() };
        let seeds = [src("reference", crate::db::seed::REFERENCE), src("demo", crate::db::seed::DEMO), src("02", include_str!("../../jobs/02_import_openpositions.sql"))];
        crate::db::script::run(&mut conn, &seeds).unwrap();
        let objects = r#"SELECT count(*) FROM sqlite_schema WHERE type IN ('view', 'trigger', 'index')"#;
        let fresh_objects = conn.query_i64(objects, &[]).unwrap();
        let counts = |c: &Conn| -> Vec<i64> {
            ["CommunicationDO", "TransformerProcessDO", "ExecutionBeanDefDO", "DecisionBeanDefDO", "CommunicationPartnerDO", "TransformerProcessParameterDO"]
                .iter()
                .map(|t| c.query_i64(&format!(r#"SELECT count(*) FROM "{t}""#), &[]).unwrap())
                .collect()
        };
        let before = counts(&conn);
        assert!(before.iter().all(|n| *n > 0), "{before:?}");
        // the version-3 definitions of the four tables
        let old = [
            (
                "CommunicationDO",
                r#"CREATE TABLE "CommunicationDO__old" ("id" INTEGER PRIMARY KEY, "key" TEXT NOT NULL UNIQUE CHECK ("key" LIKE '%###%###%'),
                   "documentFormatDefRef" INTEGER REFERENCES "DocumentFormatDefDO"("id"), "executionBeanDefRef" INTEGER REFERENCES "ExecutionBeanDefDO"("id"),
                   "transmissionTypeDefRef" INTEGER REFERENCES "TransmissionTypeDefDO"("id"), "active" INTEGER NOT NULL DEFAULT 1 CHECK ("active" IN (0,1)), "description" TEXT)"#,
            ),
            (
                "TransformerProcessDO",
                r#"CREATE TABLE "TransformerProcessDO__old" ("id" INTEGER PRIMARY KEY, "index" INTEGER NOT NULL,
                   "transformerBeanDefRef" INTEGER NOT NULL REFERENCES "TransformerBeanDefDO"("id"),
                   "transformerProcessGroupRef" INTEGER NOT NULL REFERENCES "TransformerProcessGroupDO"("id"), "filenameRegex" TEXT NOT NULL,
                   "moveObsoleteFiles" INTEGER NOT NULL DEFAULT 0 CHECK ("moveObsoleteFiles" IN (0,1)))"#,
            ),
            ("ExecutionBeanDefDO", r#"CREATE TABLE "ExecutionBeanDefDO__old" ("id" INTEGER PRIMARY KEY, "name" TEXT NOT NULL UNIQUE, "description" TEXT)"#),
            ("DecisionBeanDefDO", r#"CREATE TABLE "DecisionBeanDefDO__old" ("id" INTEGER PRIMARY KEY, "name" TEXT NOT NULL UNIQUE, "description" TEXT)"#),
        ];
        conn.execute_batch("PRAGMA foreign_keys = OFF; PRAGMA legacy_alter_table = ON; BEGIN;").unwrap();
        for (t, ddl) in old {
            conn.execute_batch(ddl).unwrap();
            let cols = columns_of(&conn, &format!("{t}__old")).unwrap().iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ");
            conn.execute_batch(&format!(r#"INSERT INTO "{t}__old" SELECT {cols} FROM "{t}"; DROP TABLE "{t}"; ALTER TABLE "{t}__old" RENAME TO "{t}";"#)).unwrap();
        }
        conn.execute_batch("PRAGMA user_version = 3; COMMIT; PRAGMA legacy_alter_table = OFF; PRAGMA foreign_keys = ON;").unwrap();
        // an operator's own view on a rebuilt table
        conn.execute_batch(r#"CREATE VIEW "myCommunications" AS SELECT "key" FROM "CommunicationDO""#).unwrap();
        let fresh_objects = fresh_objects + 1;
        assert!(conn.execute(r#"INSERT INTO "CommunicationDO" ("id", "key") VALUES (999, 'shopMessageTransmitterOrder')"#, &[]).is_err(), "the old CHECK is in place");

        assert_eq!(init(&mut conn).unwrap(), InitOutcome::Upgraded { from: 3, to: LATEST });
        assert_eq!(counts(&conn), before, "every row stays");
        assert_eq!(conn.query_i64("SELECT count(*) FROM pragma_foreign_key_check", &[]).unwrap(), 0);
        assert_eq!(conn.query_i64(objects, &[]).unwrap(), fresh_objects, "views, triggers and indexes are back");
        assert!(conn.query_i64(r#"SELECT count(*) FROM "myCommunications""#, &[]).unwrap() > 0, "the operator's view works");
        // references into the rebuilt tables are still checked
        assert!(conn.execute(r#"INSERT INTO "CommunicationPartnerDO" ("communicationRef", "sendingPartnerReferrerRef") VALUES (424242, 10010)"#, &[]).is_err());
        // what real configurations write
        conn.execute(r#"INSERT INTO "CommunicationDO" ("id", "key") VALUES (999, 'shopMessageTransmitterOrder')"#, &[]).unwrap();
        conn.execute(r#"INSERT INTO "DecisionBeanDefDO" ("id", "description") VALUES (30000, 'project decision bean')"#, &[]).unwrap();
        conn.execute(r#"INSERT INTO "ExecutionBeanDefDO" ("id", "description") VALUES (30000, 'project execution bean')"#, &[]).unwrap();
        conn.execute(r#"UPDATE "TransformerProcessDO" SET "filenameRegex" = NULL"#, &[]).unwrap();
    }
}
