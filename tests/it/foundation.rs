//! Issue 2: the IOM table mirror, `impex init`, `impex sql` (the dialect bridge) and `impex check`.
use crate::support::env::TestEnv;

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/reference_sql/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs `impex sql` with the given fixture files in one invocation (one session).
fn sql_files(env: &TestEnv, files: &[&str]) -> std::process::Output {
    let paths: Vec<String> = files.iter().map(|f| fixture(f)).collect();
    let mut args = vec!["sql"];
    args.extend(paths.iter().map(|s| s.as_str()));
    env.run(&args)
}

fn assert_ok(o: &std::process::Output, what: &str) {
    assert!(o.status.success(), "{what} failed:\n{}", stderr(o));
}

#[test]
fn reference_snippets_run_unchanged() {
    // Groups that belong together run in one invocation; groups that would configure the same
    // thing twice (the reference repeats itself across chapters) run on separate databases.
    let groups: &[&[&str]] = &[
        &["guide_general.sql", "dispatch.sql", "debtors.sql", "customer_export.sql", "storeorder.sql"],
        &["guide_general.sql", "return.sql"],
        &["guide_general.sql", "openpositions_mappings.sql", "openpositions_dunning.sql", "openpositions_transfer.sql"],
        &["guide_general.sql", "paymenthistories_transfer.sql"],
        &["guide_general.sql", "salesorders.sql"],
    ];
    for files in groups {
        let env = TestEnv::new(true);
        assert_ok(&sql_files(&env, files), &format!("{files:?}"));
    }
    // what the OpenPositions chapter configures is there, wired together
    let env = TestEnv::new(true);
    assert_ok(&sql_files(&env, groups[2]), "openpositions");
    assert_eq!(env.query_i64(r#"SELECT "id" FROM "FinanceControllerDO" WHERE "name" = 'Name of FinanceController'"#), 10000);
    assert_eq!(
        env.query_string(r#"SELECT "filenameRegex" FROM "TransformerProcessDO" WHERE "transformerBeanDefRef" = 22"#),
        r"OpenPositionsImport_[0-9]*\.xml"
    );
    assert_eq!(
        env.query_i64(
            r#"SELECT count(*) FROM "ScheduleDO" s JOIN "FileTransferConfigurationDO" f ON f."id" = s."configId"
               WHERE s."key" = 'import_openpositions' AND s."jobDefRef" = 3 AND s."cron" = '0 0/10 * 1/1 * ? *'"#
        ),
        1
    );
    assert_eq!(
        env.query_string(
            r#"SELECT v."parameterValue" FROM "ExecutionBeanValueDO" v JOIN "ExecutionBeanKeyDefDO" k ON k."id" = v."executionBeanKeyDefRef"
               WHERE k."parameterKey" = 'pullFtpAccount'"#
        ),
        "ftp-omtdata:ftp-omtdata@localhost"
    );
    assert_eq!(env.query_string(r#"SELECT "description" FROM "Shop2DunningLevelDO""#), "No dunning level");
}

#[test]
fn jobs_scripts_run_in_order_on_a_demo_database() {
    let env = TestEnv::new(true);
    let dir = format!("{}/jobs", env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .filter(|p| p.ends_with(".sql"))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "one script per interface: {files:?}");
    // each script separately, in order, as a consultant would run them
    for f in &files {
        let o = env.run(&["sql", f]);
        assert_ok(&o, f);
    }
    for key in [
        "XML###MESSAGE_FILE_SENDER_BEAN###SEND_PURCHASE_ORDER_DISPATCH",
        "XML###MESSAGE_FILE_SENDER_BEAN###SEND_PURCHASE_ORDER_RETURN",
        "XML###MESSAGE_FILE_SENDER_BEAN###SEND_DEBITOR",
        "XML###MESSAGE_FILE_SENDER_BEAN###SEND_OPEN_AMOUNT",
        "XML###MESSAGE_FILE_SENDER_BEAN###SEND_ORDER",
        "XML###MESSAGE_FILE_SENDER_BEAN###SEND_RETURN_ANNOUNCEMENT",
    ] {
        let n = env.query_i64(&format!(
            r#"SELECT count(*) FROM "CommunicationPartnerDO" p JOIN "CommunicationDO" c ON c."id" = p."communicationRef" WHERE c."key" = '{key}'"#
        ));
        assert_eq!(n, 1, "{key}");
    }
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "ScheduleDO" WHERE "jobDefRef" = 3"#), 5);
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "CustomerExportConfigDO" WHERE "shopRef" = 10000"#), 1);
    // parameter 4 is attached to its own process (the reference's hard-coded 10000 is an erratum)
    assert_eq!(
        env.query_i64(
            r#"SELECT count(*) FROM "TransformerProcessParameterDO" p JOIN "TransformerProcessDO" t ON t."id" = p."transformerProcessesRef"
               WHERE p."transformerProcessesParameterKeyDefRef" = 4 AND p."parameterValue" = t."filenameRegex""#
        ),
        3
    );
}

#[test]
fn dialect_features() {
    let env = TestEnv::new(false);
    let script = r#"
/* block comment; with a semicolon
   over lines */
INSERT INTO oms."ShopDO" ("id", "name") VALUES (nextval('"ShopDO_id_seq"'), 'it''s; a "shop" \ with backslash'); -- trailing; comment
INSERT INTO oms."PartnerReferrerDO" ("id", "shopRef")
    VALUES (nextval('oms."PartnerReferrerDO_id_seq"'),
            currval('"ShopDO_id_seq"'));
INSERT INTO oms."ShopDO" ("id", "name", "active") VALUES (nextval('"ShopDO_id_seq"'), E'tab\there', FALSE);
SELECT setval('"SupplierDO_id_seq"', 500);
INSERT INTO "SupplierDO" ("id", "name", "active", "creationDate") VALUES (nextval('"SupplierDO_id_seq"'), 'casted'::varchar(20), TRUE, current_timestamp);
INSERT INTO customer."CustomerExportConfigDO" ("id", "exportName", "exportStartDate", "intervalFullInDays", "intervalIncrementInMinutes", "shopRef")
    VALUES (1, 'X', now(), 1, 60, currval('"ShopDO_id_seq"'));
"#;
    env.sql_ok(script);
    // sequences start at 10000 like IOM's, currval is the session's last nextval
    assert_eq!(env.query_string(r#"SELECT "name" FROM "ShopDO" WHERE "id" = 10000"#), r#"it's; a "shop" \ with backslash"#);
    assert_eq!(env.query_i64(r#"SELECT "shopRef" FROM "PartnerReferrerDO" WHERE "id" = 10000"#), 10000);
    assert_eq!(env.query_string(r#"SELECT "name" FROM "ShopDO" WHERE "id" = 10001"#), "tab\there");
    assert_eq!(env.query_i64(r#"SELECT "active" FROM "ShopDO" WHERE "id" = 10001"#), 0);
    // setval: the next nextval continues after it
    assert_eq!(env.query_i64(r#"SELECT "id" FROM "SupplierDO" WHERE "name" = 'casted'"#), 501);
    // now() and current_timestamp produce impex's one timestamp format
    let ts = env.query_string(r#"SELECT "creationDate" FROM "SupplierDO" WHERE "id" = 501"#);
    let ts2 = env.query_string(r#"SELECT "exportStartDate" FROM "CustomerExportConfigDO" WHERE "id" = 1"#);
    for t in [&ts, &ts2] {
        assert!(impex::time::parse(t).is_some() && t.len() == 23 && &t[10..11] == " ", "{t}");
    }
    // a new session: currval before nextval is an error, and nothing is applied
    let o = env.sql("INSERT INTO \"ShopDO\" (\"id\", \"name\") VALUES (20000, 'x');\nSELECT currval('\"ShopDO_id_seq\"');");
    assert!(!o.status.success());
    assert!(stderr(&o).contains("<stdin>:2"), "{}", stderr(&o));
    assert!(stderr(&o).contains("nextval"), "{}", stderr(&o));
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "ShopDO" WHERE "id" = 20000"#), 0);
    // nextval never collides with ids inserted explicitly
    env.sql_ok(r#"INSERT INTO "ShopDO" ("id", "name") VALUES (30000, 'explicit'); INSERT INTO "ShopDO" ("id", "name") VALUES (nextval('"ShopDO_id_seq"'), 'after');"#);
    assert_eq!(env.query_i64(r#"SELECT "id" FROM "ShopDO" WHERE "name" = 'after'"#), 30001);
}

/// Every row of every table, for before/after comparisons.
fn dump(env: &TestEnv) -> Vec<String> {
    let conn = env.conn();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut out = Vec::new();
    for t in tables {
        let mut st = conn.prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
        let n = st.column_count();
        let rows = st
            .query_map([], |r| {
                let mut s = format!("{t}:");
                for i in 0..n {
                    s.push_str(&format!("{:?}|", r.get::<_, rusqlite::types::Value>(i)?));
                }
                Ok(s)
            })
            .unwrap();
        out.extend(rows.map(Result::unwrap));
    }
    out
}

#[test]
fn a_failing_seventh_statement_changes_nothing() {
    let env = TestEnv::new(true);
    let before = dump(&env);
    let script = r#"INSERT INTO "FinanceControllerDO" ("id", "name") VALUES (nextval('"FinanceControllerDO_id_seq"'), 'FC');
INSERT INTO "PartnerReferrerDO" ("id", "financeControllerRef") VALUES (nextval('"PartnerReferrerDO_id_seq"'), currval('"FinanceControllerDO_id_seq"'));
UPDATE "ShopDO" SET "name" = 'renamed' WHERE "id" = 10000;
DELETE FROM "CarrierDO" WHERE "id" = 999;
INSERT INTO "Shop2FinanceControllerDO" ("id", "financeControllerRef", "shopRef", "financeControllerShopName")
    VALUES (nextval('"Shop2FinanceControllerDO_id_seq"'), currval('"FinanceControllerDO_id_seq"'), 10000, 'ABC');
SELECT setval('"ScheduleDO_id_seq"', 40000);
INSERT INTO "CommunicationPartnerDO" ("id", "communicationRef", "sendingPartnerReferrerRef", "receivingPartnerReferrerRef")
VALUES (
    nextval('"CommunicationPartnerDO_id_seq"'),
    (select id from "CommunicationDO" where "key" = 'XML###MESSAGE_FILE_SENDER_BEAN###SEND_NOTHING'),
    (select id from "PartnerReferrerDO" where "shopRef" = 10000),
    NULL);
INSERT INTO "CarrierDO" ("id", "name") VALUES (7777, 'never');
"#;
    let path = env.path("broken.sql");
    std::fs::write(&path, script).unwrap();
    let o = env.run(&["sql", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    // file, line where the statement starts, its first line, and the key that was not found
    assert!(err.contains("broken.sql:8:"), "{err}");
    assert!(err.contains(r#"INSERT INTO "CommunicationPartnerDO""#), "{err}");
    assert!(err.contains("communicationRef"), "{err}");
    assert!(err.contains("'XML###MESSAGE_FILE_SENDER_BEAN###SEND_NOTHING'") && err.contains("found no row"), "{err}");
    assert_eq!(before, dump(&env), "a failed script must leave every table as it was");
}

#[test]
fn errors_are_explained() {
    let env = TestEnv::new(true);
    let cases: &[(&str, &[&str])] = &[
        // a nested sub-select: the innermost one that found nothing is named
        (
            r#"INSERT INTO "PartnerReferrerDO" ("id", "financeControllerRef") VALUES (1, (SELECT "id" FROM "FinanceControllerDO" WHERE "name" = 'Nobody'));"#,
            &["exactly one", "PartnerReferrerDO", "financeControllerRef", "'Nobody'", "found no row"],
        ),
        (
            r#"INSERT INTO "CommunicationPartnerDO" ("id", "communicationRef", "sendingPartnerReferrerRef") VALUES (1, 2, (select id from "PartnerReferrerDO" where "financeControllerRef" = (SELECT "id" FROM "FinanceControllerDO" WHERE "name" = 'Nobody')));"#,
            &[r#"(SELECT "id" FROM "FinanceControllerDO" WHERE "name" = 'Nobody')"#, "sendingPartnerReferrerRef"],
        ),
        (r#"INSERT INTO "ScheduleDO" ("id", "cron", "jobDefRef", "key") VALUES (100, '* * * * * ?', 4242, 'k');"#, &["jobDefRef", "4242", "JobDefDO"]),
        (r#"INSERT INTO "ShopDO" ("id", "name") VALUES (10000, 'dup');"#, &["already exists", "ShopDO.id"]),
        (r#"INSERT INTO "Shop2DunningLevelDO" (id, description, "dunningLevelDefRef", "financeControllerDunningLevel", "financeControllerRef", "shopRef") VALUES (10000, "No dunning level", 1, "INITIAL", 1, 10000);"#, &["single quotes"]),
        ("INSERT INTO \"ShopDO\" (\"id\", \"name\") VALUES (1, 'unterminated);", &["never closed"]),
        ("SELEC 1;", &["syntax error"]),
    ];
    for (sql, needles) in cases {
        let o = env.sql(sql);
        assert_eq!(o.status.code(), Some(2), "{sql}");
        let err = stderr(&o);
        assert!(err.contains("<stdin>:1"), "{err}");
        for n in *needles {
            assert!(err.contains(n), "expected `{n}` in: {err}");
        }
    }
}

#[test]
fn partner_referrer_and_communication_partner_constraints() {
    let env = TestEnv::new(true);
    // exactly one partner column
    assert!(!env.sql(r#"INSERT INTO "PartnerReferrerDO" ("id", "shopRef", "supplierRef") VALUES (1, 100, 5000);"#).status.success());
    assert!(!env.sql(r#"INSERT INTO "PartnerReferrerDO" ("id") VALUES (1);"#).status.success());
    // one row per partner
    assert!(!env.sql(r#"INSERT INTO "PartnerReferrerDO" ("id", "shopRef") VALUES (1, 10000);"#).status.success());
    // unique on communication + sending + receiving, also when receiving is NULL (= all partners)
    env.sql_ok(r#"INSERT INTO "CommunicationPartnerDO" ("id", "communicationRef", "sendingPartnerReferrerRef") VALUES (1, 100005, 10010);"#);
    let o = env.sql(r#"INSERT INTO "CommunicationPartnerDO" ("id", "communicationRef", "sendingPartnerReferrerRef") VALUES (2, 100005, 10010);"#);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("already exists"), "{}", stderr(&o));
    // IOM's admin helper: adds once, with IOM's defaults
    for _ in 0..2 {
        env.sql_ok(r#"SELECT admin.add_communication_partner(NULL, FALSE, (SELECT "id" FROM "CommunicationDO" WHERE "key" = 'XML###MESSAGE_FILE_SENDER_BEAN###SEND_RETURN_ANNOUNCEMENT'), (SELECT "id" FROM "PartnerReferrerDO" WHERE "shopRef" = 10000), NULL);"#);
    }
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "CommunicationPartnerDO" WHERE "communicationRef" = 100013 AND "maxNoOfRetries" = 12 AND "retryDelay" = '30m'"#), 1);
}

#[test]
fn init_is_idempotent_and_keeps_data() {
    let env = TestEnv::new(true);
    let base = env.base();
    for d in ["communication/messages/out", "importarticle/export", "share"] {
        assert!(base.join(d).is_dir(), "{d}");
    }
    assert_eq!(env.query_string(r#"SELECT "omtBasePath" FROM "PlatformConfigDO""#), base.to_str().unwrap());
    env.sql_ok(r#"INSERT INTO "CarrierDO" ("id", "name") VALUES (77, 'kept');"#);
    let before = dump(&env);
    let out = env.ok(&["init", "--demo"]);
    assert!(out.contains("nothing changed"), "{out}");
    assert_eq!(before, dump(&env));
    // the database holds passwords: owner only
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(env.db()).unwrap().permissions().mode() & 0o777, 0o600);
    }
    // names as IOM writes them, seen by the plain sqlite3 shell
    if let Ok(o) = std::process::Command::new("sqlite3").arg(env.db()).arg(".tables").output() {
        let tables = String::from_utf8_lossy(&o.stdout);
        for t in ["ScheduleDO", "CommunicationPartnerDO", "PartnerReferrerDO", "TransformerProcessParameterDO", "CustomerExportConfigDO"] {
            assert!(tables.contains(t), "{t} missing in {tables}");
        }
    }
}

#[test]
fn old_schema_is_upgraded_newer_refused() {
    let env = TestEnv::new(false);
    // a database of a future impex is refused, not damaged
    env.conn().pragma_update(None, "user_version", 999).unwrap();
    let o = env.run(&["sql"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("newer impex"), "{}", stderr(&o));
    // a database of an older impex (a table of today's schema missing) is upgraded in place
    let env = TestEnv::new(false);
    env.sql_ok(r#"INSERT INTO "CarrierDO" ("id", "name") VALUES (77, 'kept');"#);
    {
        let c = env.conn();
        c.execute_batch(r#"DROP TABLE "ReturnAnnouncementPropertyDO"; PRAGMA user_version = 0;"#).unwrap();
    }
    // version 0 with tables = made before versioning: init brings it up to date and keeps rows
    let out = env.ok(&["init"]);
    assert!(out.contains("created") || out.contains("upgraded"), "{out}");
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "CarrierDO" WHERE "id" = 77"#), 1);
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "ReturnAnnouncementPropertyDO""#), 0);
}

#[test]
fn check_finds_each_kind_of_problem() {
    let env = TestEnv::new(true);
    let clean = env.run(&["check"]);
    assert_eq!(clean.status.code(), Some(0), "{}", String::from_utf8_lossy(&clean.stdout));
    // Problems written the way an operator might: the sqlite3 shell does not enforce foreign keys.
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.execute_batch(
        r#"
        PRAGMA foreign_keys = OFF;
        INSERT INTO "TransformerProcessGroupDO" ("id", "name") VALUES (1, 'g');
        INSERT INTO "TransformerProcessDO" ("id", "index", "transformerBeanDefRef", "transformerProcessGroupRef", "filenameRegex") VALUES (1, 1, 22, 1, 'Open[0-9');
        INSERT INTO "TransformerProcessParameterDO" ("id", "parameterValue", "transformerProcessesParameterKeyDefRef", "transformerProcessesRef") VALUES (1, '(unclosed', 4, 1);
        INSERT INTO "TransformerBeanDefDO" ("id", "name") VALUES (777, 'SomeOtherBean');
        INSERT INTO "TransformerProcessDO" ("id", "index", "transformerBeanDefRef", "transformerProcessGroupRef", "filenameRegex") VALUES (2, 2, 777, 1, 'x.*');
        INSERT INTO "TransformerProcessParameterDO" ("id", "parameterValue", "transformerProcessesParameterKeyDefRef", "transformerProcessesRef") VALUES (2, '10000', 1, 999);
        INSERT INTO "ScheduleDO" ("id", "cron", "jobDefRef", "key", "retryDelay", "configId") VALUES (100, '0 61 * * * ?', 3, 'bad_cron', '5 minutes', 4711);
        INSERT INTO "CommunicationPartnerDO" ("id", "communicationRef", "sendingPartnerReferrerRef", "retryDelay") VALUES (1, 100020, 10010, 'soon');
        INSERT INTO "ExecutionBeanValueDO" ("id", "executionBeanKeyDefRef", "parameterValue", "communicationPartnerRef") VALUES (1, 1333, '*.xml', 1);
        INSERT INTO "Shop2FinanceControllerDO" ("id", "financeControllerRef", "shopRef", "financeControllerShopName") VALUES (1, 1, 10000, 'XYZ');
        "#,
    )
    .unwrap();
    drop(conn);
    let o = env.run(&["check"]);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    for needle in [
        r#""ScheduleDO" id 100 "cron""#,
        r#""ScheduleDO" id 100 "retryDelay""#,
        r#""ScheduleDO" id 100 "configId": no "FileTransferConfigurationDO" with id 4711"#,
        r#""TransformerProcessDO" id 1 "filenameRegex": invalid regex"#,
        r#""TransformerProcessDO" id 2 "transformerBeanDefRef": no transformer bean with TransformerBeanDefDO id 777"#,
        r#""TransformerProcessParameterDO" id 1 "parameterValue": invalid regex"#,
        r#""ExecutionBeanValueDO" id 1 "parameterValue": invalid regex"#,
        r#""CommunicationPartnerDO" id 1 "retryDelay""#,
        r#""TransformerProcessParameterDO" id 2 "transformerProcessesRef": refers to "TransformerProcessDO" id 999"#,
        "paymentDefRef 3",
        "paymentDefRef 10",
    ] {
        assert!(out.contains(needle), "expected `{needle}` in:\n{out}");
    }
    // --json for scripts
    let o = env.run(&["check", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v.as_array().unwrap().len() >= 10);
}
