//! In-place upgrades of databases made by earlier releases of impex.
//!
//! `tests/fixtures/migrate/v4_release.sql` is the `.dump` of a database that impex at schema
//! version 4 made and used: `impex init --demo`, every `jobs/*.sql` applied, three transmissions
//! (two PUSHED, one INITIAL: in flight), job runs of the seeded schedules, and a storeOrder file
//! pulled and imported by the ImportXmlStoreOrderBean.
use std::collections::BTreeMap;

use crate::support::env::TestEnv;

fn v4_release() -> TestEnv {
    let env = TestEnv::empty();
    let conn = impex::db::open_library_connection(&env.db()).unwrap();
    conn.execute_batch(include_str!("../fixtures/migrate/v4_release.sql")).unwrap();
    conn.execute(r#"UPDATE "PlatformConfigDO" SET "omtBasePath" = ?1"#, [env.base().to_str().unwrap()]).unwrap();
    drop(conn);
    std::fs::create_dir_all(env.base()).unwrap();
    env
}

/// Rows per table (every table of the old database).
fn row_counts(env: &TestEnv) -> BTreeMap<String, i64> {
    let conn = env.conn();
    let mut st = conn.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").unwrap();
    let tables: Vec<String> = st.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    tables.into_iter().map(|t| {
        let n = conn.query_row(&format!(r#"SELECT count(*) FROM "{t}""#), [], |r| r.get(0)).unwrap();
        (t, n)
    }).collect()
}

/// (table, column, declared type, not null) of every table.
fn columns(env: &TestEnv) -> Vec<(String, String, String, bool)> {
    let conn = env.conn();
    let mut st = conn
        .prepare("SELECT m.name, c.name, c.type, c.\"notnull\" FROM sqlite_schema m JOIN pragma_table_info(m.name) c WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, c.name")
        .unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).unwrap().map(Result::unwrap).collect()
}

/// Every impex row moves out of the ids real IOM installations use, with every reference to
/// it; nothing is lost, the transmission in flight is still sent, and a second `impex init`
/// changes nothing.
#[test]
fn version_4_release_database_moves_impex_ids_and_keeps_everything() {
    let env = v4_release();
    assert_eq!(env.query_i64("PRAGMA user_version"), 4);
    let before = row_counts(&env);
    let out = env.ok(&["init"]);
    assert!(out.contains("upgraded database") && out.contains("from schema version 4 to 10"), "{out}");

    // nothing lost: every old table has its rows (reference rows may be added, never removed)
    let after = row_counts(&env);
    for (table, n) in &before {
        let now = after.get(table).copied().unwrap_or(-1);
        if table.ends_with("DefDO") {
            assert!(now >= *n, "{table}: {n} rows before, {now} after");
        } else {
            assert_eq!(now, *n, "{table}");
        }
    }
    assert_eq!(env.query_i64("SELECT count(*) FROM pragma_foreign_key_check"), 0);

    // the moved rows, by name, and nothing left at the old ids
    for (table, column, name, old, new) in impex::db::migrate::MOVED_IDS {
        let id = env.query_i64(&format!(r#"SELECT "id" FROM "{table}" WHERE "{column}" = '{name}'"#));
        assert_eq!(id, *new, "{table} {name}");
        assert_eq!(env.query_i64(&format!(r#"SELECT count(*) FROM "{table}" WHERE "id" = {old}"#)), 0, "{table} {old}");
    }
    // ... and what refers to them
    let types = env.query_string(r#"SELECT group_concat("transmissionTypeDefRef" || ':' || "state", ',') FROM (SELECT * FROM "TransmissionDO" ORDER BY "id")"#);
    assert_eq!(types, "-520:PUSHED,-530:PUSHED,-520:INITIAL");
    assert_eq!(env.query_i64(r#"SELECT "transmissionTypeDefRef" FROM "CommunicationDO" WHERE "key" = 'XML###MESSAGE_FILE_SENDER_BEAN###SEND_DEBITOR'"#), -500);
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "CommunicationDO" WHERE "executionBeanDefRef" = -100"#), 6);
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "CommunicationDO" WHERE "documentFormatDefRef" = 10"#), 0);
    assert_eq!(env.query_string(r#"SELECT group_concat("key" || ':' || "jobDefRef", ',') FROM (SELECT * FROM "ScheduleDO" WHERE "id" < 0 ORDER BY "id" DESC)"#),
        "send_transmissions:-10001,customer_export:-10002,clean_shared_fs:-10003");
    let runs = env.query_string(r#"SELECT group_concat("scheduleRef" || ':' || "jobDefRef", ',') FROM (SELECT * FROM "JobRunDO" ORDER BY "id")"#);
    assert_eq!(runs, "-1:-10001,10002:3,-3:-10003,10002:3");
    assert_eq!(env.query_i64(r#"SELECT "transformerBeanDefRef" FROM "TransformerProcessDO" WHERE "filenameRegex" LIKE 'storeOrder%' OR "id" IN
        (SELECT "transformerProcessesRef" FROM "TransformerProcessParameterDO" WHERE "parameterValue" LIKE 'storeOrder%')"#), -10000);
    assert_eq!(env.query_i64(r#"SELECT "transformerBeanDefRef" FROM "ImportFileDO""#), -10000);
    // the renamed column kept its values
    assert_eq!(env.query_i64(r#"SELECT "parentRef" FROM "ShopDO" WHERE "id" = 10000"#), 100);

    // the transmission in flight goes out; the configuration is still valid
    let sent = env.ok(&["send"]);
    assert!(sent.contains("1 written"), "{sent}");
    let out_dir = env.base().join("communication/messages/out");
    assert!(crate::support::env::files_under(&out_dir).iter().any(|f| f.starts_with("PurchaseOrders_DISPATCH_10000_")), "{:?}", crate::support::env::files_under(&out_dir));
    env.ok(&["check"]);

    // the upgraded database has every table and column a new one has
    let fresh = TestEnv::new(false);
    assert_eq!(columns(&env), columns(&fresh), "schema of the upgraded database = schema of a new one");

    let again = env.ok(&["init"]);
    assert!(again.contains("is up to date"), "{again}");
    assert_eq!(row_counts(&env), after);
}
