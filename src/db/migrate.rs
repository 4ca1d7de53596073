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
];

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
    let tx = conn.write()?;
    if from > 0 {
        for step in &STEPS[(from - 1) as usize..] {
            tx.sql().execute_batch(step)?;
        }
    }
    tx.sql().execute_batch(SCHEMA)?;
    tx.sql().pragma_update(None, "user_version", LATEST)?;
    tx.commit()?;
    Ok(if from == 0 { InitOutcome::Created } else { InitOutcome::Upgraded { from, to: LATEST } })
}

/// Upgrades an existing database (see [`init`]).
pub fn upgrade(conn: &mut Conn) -> Result<InitOutcome> {
    init(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
