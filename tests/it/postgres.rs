//! The PostgreSQL backend against a real PostgreSQL 15 (support::postgres): `impex init --db
//! postgres://...` makes the same tables and columns as on SQLite in IOM's schemas, with real
//! sequences; `impex sql` passes scripts to the server as they are (jobs/, the blueprint's
//! configuration, PL/pgSQL `DO` blocks calling the helper functions), all or nothing, with the
//! file and line of a failing statement; the password comes from the URL, PGPASSWORD or a
//! password file and is never printed.
use std::path::Path;
use std::process::{Command, Output};

use crate::support::env::TestEnv;
use crate::support::postgres::{Postgres, PASSWORD};

/// Runs impex with `--db url` in `dir`, without any password from the test's environment
/// unless given in `env`.
fn impex(dir: &Path, url: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_impex"));
    c.arg("--db").arg(url).args(args).current_dir(dir);
    for v in ["IMPEX_DB", "PGPASSWORD", "PGPASSFILE"] {
        c.env_remove(v);
    }
    c.env("HOME", dir);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run impex")
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn ok(dir: &Path, url: &str, args: &[&str]) -> String {
    let out = impex(dir, url, args, &[("PGPASSWORD", PASSWORD)]);
    assert!(out.status.success(), "impex {args:?} failed:\n{}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs a script file with `impex sql`.
fn sql(dir: &Path, url: &str, name: &str, script: &str) -> Output {
    let file = dir.join(name);
    std::fs::write(&file, script).unwrap();
    impex(dir, url, &["sql", file.to_str().unwrap()], &[("PGPASSWORD", PASSWORD)])
}

fn sql_ok(dir: &Path, url: &str, name: &str, script: &str) -> String {
    let out = sql(dir, url, name, script);
    assert!(out.status.success(), "impex sql {name} failed:\n{}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn init_makes_the_sqlite_tables_and_columns_in_ioms_schemas_with_sequences() {
    let pg = Postgres::start();
    let url = pg.create_db("iom");
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base");
    let out = ok(dir.path(), &url, &["init", "--base", base.to_str().unwrap()]);
    assert!(out.contains("created impex schema version") && out.contains("loaded"), "{out}");
    assert!(base.join("share").is_dir(), "the base directory tree is made as on SQLite");

    // every table and column of the SQLite schema, in the same order
    let lite = TestEnv::new(false);
    let conn = lite.conn();
    let mut tables: Vec<String> = conn
        .prepare(r#"SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'impexSequence' ORDER BY name"#)
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    tables.sort();
    let on_pg: Vec<String> = pg
        .psql("iom", "SELECT table_name FROM information_schema.tables WHERE table_schema IN ('oms','customer','product','admin') AND table_type = 'BASE TABLE' AND table_name <> 'impexSchemaVersion' ORDER BY table_name COLLATE \"C\"")
        .lines()
        .map(String::from)
        .collect();
    let mut sorted = on_pg.clone();
    sorted.sort();
    assert_eq!(sorted, tables);
    for t in &tables {
        let lite_cols: Vec<String> = conn.prepare(&format!(r#"SELECT name FROM pragma_table_info('{t}') ORDER BY cid"#)).unwrap().query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap();
        let pg_cols = pg.psql("iom", &format!("SELECT column_name FROM information_schema.columns WHERE table_name = '{t}' ORDER BY ordinal_position"));
        assert_eq!(pg_cols.lines().collect::<Vec<_>>(), lite_cols, "columns of {t}");
    }
    // IOM's schemas and types; a real sequence per table, starting at 10000
    assert_eq!(pg.psql("iom", "SELECT table_schema FROM information_schema.tables WHERE table_name = 'CustomerDO'"), "customer");
    assert_eq!(pg.psql("iom", "SELECT table_schema FROM information_schema.tables WHERE table_name = 'ArticleStockDO'"), "product");
    assert_eq!(pg.psql("iom", "SELECT data_type FROM information_schema.columns WHERE table_name = 'ScheduleDO' AND column_name = 'active'"), "boolean");
    assert_eq!(pg.psql("iom", "SELECT data_type FROM information_schema.columns WHERE table_name = 'ScheduleDO' AND column_name = 'creationDate'"), "timestamp with time zone");
    assert_eq!(pg.psql("iom", "SELECT data_type FROM information_schema.columns WHERE table_name = 'ShopDO' AND column_name = 'id'"), "bigint");
    assert_eq!(pg.psql("iom", r#"SELECT nextval('oms."ShopDO_id_seq"')"#), "10000");
    // the reference rows, as on SQLite
    for t in ["TransmissionTypeDefDO", "ExecutionBeanKeyDefDO", "ReturnReasonDefDO", "RightDefDO"] {
        assert_eq!(
            pg.psql("iom", &format!(r#"SELECT count(*) FROM "{t}""#)).parse::<i64>().unwrap(),
            lite.query_i64(&format!(r#"SELECT count(*) FROM "{t}""#)),
            "{t}"
        );
    }
    // psql sessions of the user find the tables without a schema prefix
    assert_eq!(pg.psql("iom", r#"SELECT "cron" FROM "ScheduleDO" WHERE "key" = 'send_transmissions'"#), "0/10 * * * * ?");

    // a second init changes nothing; a database without the schema is refused by `impex sql`
    let again = ok(dir.path(), &url, &["init"]);
    assert!(again.contains("up to date"), "{again}");
    let empty = pg.create_db("empty");
    let out = sql(dir.path(), &empty, "a.sql", "SELECT 1;");
    assert!(!out.status.success() && text(&out).contains("has no impex schema; run `impex init"), "{}", text(&out));
}

/// A configuration in the blueprint's PL/pgSQL style: a `DO` block with variables, an array,
/// `FOREACH`, `IF NOT EXISTS`, `PERFORM` of the helper functions, `ON CONFLICT` on the partner
/// triple.
const DO_BLOCK: &str = r#"
DO $$
DECLARE
    shop_intronics int8 = 10000;
    suppliers int8[] = ARRAY[10030, 10031];
    supplier int8;
    partner int8;
    process int8;
BEGIN
    FOREACH supplier IN ARRAY suppliers LOOP
        IF NOT EXISTS (SELECT * FROM oms."SupplierDO" WHERE id = supplier) THEN
            INSERT INTO oms."SupplierDO" (id, name) VALUES (supplier, 'Supplier ' || supplier);
            INSERT INTO oms."PartnerReferrerDO" (id, "supplierRef") VALUES (nextval('"PartnerReferrerDO_id_seq"'), supplier);
        END IF;
        INSERT INTO oms."CommunicationPartnerDO" (id, "communicationRef", "sendingPartnerReferrerRef", "receivingPartnerReferrerRef", "maxNoOfRetries", "retryDelay")
        SELECT nextval('"CommunicationPartnerDO_id_seq"'), (SELECT id FROM "CommunicationDO" WHERE key = 'ANY###FTP_JOB###EXT_TRANSFER_FILE'),
               (SELECT id FROM "PartnerReferrerDO" WHERE "supplierRef" = supplier), (SELECT id FROM "PartnerReferrerDO" WHERE "shopRef" = shop_intronics), 12, '30m'
        ON CONFLICT ("communicationRef", "sendingPartnerReferrerRef", "receivingPartnerReferrerRef") DO NOTHING;
        partner = (SELECT id FROM "CommunicationPartnerDO" WHERE "sendingPartnerReferrerRef" = (SELECT id FROM "PartnerReferrerDO" WHERE "supplierRef" = supplier)
                      AND "receivingPartnerReferrerRef" = (SELECT id FROM "PartnerReferrerDO" WHERE "shopRef" = shop_intronics)
                      AND "communicationRef" = (SELECT id FROM "CommunicationDO" WHERE key = 'ANY###FTP_JOB###EXT_TRANSFER_FILE'));
        PERFORM upsert_eb_value(1332, 'orders/in/', partner);
        PERFORM upsert_eb_value(1333, 'storeOrder_' || supplier || '_[0-9]+\.xml', partner);
    END LOOP;
    process = (SELECT id FROM "TransformerProcessDO" ORDER BY id LIMIT 1);
    PERFORM upsert_tp_parameter(4, 'OpenPositionsImport_[0-9]+\.xml', process);
    PERFORM admin.add_communication_partner(NULL, false, (SELECT id FROM "CommunicationDO" WHERE key = 'ANY###FTP_JOB###EXT_TRANSFER_FILE'),
        (SELECT id FROM "PartnerReferrerDO" WHERE "supplierRef" = 10030), NULL);
END $$;
"#;

#[test]
fn scripts_run_on_the_server_as_they_are_written() {
    let pg = Postgres::start();
    let url = pg.create_db("iom");
    let dir = tempfile::tempdir().unwrap();
    ok(dir.path(), &url, &["init", "--demo"]);
    // every job script of jobs/, unchanged
    let jobs = Path::new(env!("CARGO_MANIFEST_DIR")).join("jobs");
    let mut files: Vec<_> = std::fs::read_dir(&jobs).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|x| x == "sql")).collect();
    files.sort();
    let mut args = vec!["sql".to_string()];
    args.extend(files.iter().map(|f| f.to_str().unwrap().to_string()));
    let out = ok(dir.path(), &url, &args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(out.starts_with("ok: "), "{out}");
    // the same rows as the same scripts make on SQLite
    let lite = TestEnv::new(true);
    lite.ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    for t in ["TransformerProcessGroupDO", "TransformerProcessDO", "TransformerProcessParameterDO", "CommunicationPartnerDO", "ExecutionBeanValueDO", "ScheduleDO", "SupplierReturnAddressDO", "PartnerReferrerDO"] {
        let q = format!(r#"SELECT count(*) FROM "{t}""#);
        assert_eq!(pg.psql("iom", &q).parse::<i64>().unwrap(), lite.query_i64(&q), "{t}");
    }
    assert_eq!(pg.psql("iom", r#"SELECT "shopRMANumberSequenceFormatString" FROM "ShopDO" WHERE id = 10000"#), "rma-number-{0}");

    // business rows written with SQL: the export and change triggers, now PL/pgSQL, make the
    // same transmissions, unrouted events and order changes as SQLite's
    let business = Path::new(env!("CARGO_MANIFEST_DIR")).join("seed/demo/business.sql");
    ok(dir.path(), &url, &["sql", business.to_str().unwrap()]);
    lite.ok(&["sql", business.to_str().unwrap()]);
    for q in [
        r#"SELECT count(*) FROM "TransmissionDO""#,
        r#"SELECT count(*) FROM "ExportUnroutedEventDO""#,
        r#"SELECT count(*) FROM "OrderChangeDO""#,
        r#"SELECT count(*) FROM "TransmissionDO" WHERE "returnAnnouncementRef" IS NOT NULL"#,
    ] {
        assert_eq!(pg.psql("iom", q).parse::<i64>().unwrap(), lite.query_i64(q), "{q}");
    }
    // a later change of an order moves it behind the others
    let first = pg.psql("iom", r#"SELECT "orderRef" FROM "OrderChangeDO" ORDER BY "cursor" LIMIT 1"#);
    sql_ok(dir.path(), &url, "touch.sql", &format!(r#"UPDATE "OrderDO" SET "modificationDate" = now() WHERE id = {first};"#));
    assert_eq!(pg.psql("iom", r#"SELECT "orderRef" FROM "OrderChangeDO" ORDER BY "cursor" DESC LIMIT 1"#), first);

    // the blueprint's configuration twice: the second run adds nothing
    let blueprint = format!("{}\n{}", crate::blueprint::PARTNERS, crate::blueprint::import_job("/srv/supplier/orders"));
    let count = || pg.psql("iom", r#"SELECT (SELECT count(*) FROM "CommunicationPartnerDO") || ' ' || (SELECT count(*) FROM "ExecutionBeanValueDO") || ' ' || (SELECT count(*) FROM "ScheduleDO")"#);
    sql_ok(dir.path(), &url, "blueprint.sql", &blueprint);
    let once = count();
    sql_ok(dir.path(), &url, "blueprint.sql", &blueprint);
    assert_eq!(count(), once);
    assert_eq!(pg.psql("iom", r#"SELECT "splitTransmissionPerSupplier" FROM "CommunicationPartnerDO" WHERE "decisionBeanDefRef" = 40000"#), "t");

    // PL/pgSQL, twice as well
    sql_ok(dir.path(), &url, "do.sql", DO_BLOCK);
    let once = count();
    sql_ok(dir.path(), &url, "do.sql", DO_BLOCK);
    assert_eq!(count(), once);
    assert_eq!(pg.psql("iom", r#"SELECT count(*) FROM "SupplierDO" WHERE id IN (10030, 10031)"#), "2");
    assert_eq!(
        pg.psql("iom", r#"SELECT "parameterValue" FROM "ExecutionBeanValueDO" v JOIN "CommunicationPartnerDO" p ON p.id = v."communicationPartnerRef" JOIN "PartnerReferrerDO" r ON r.id = p."sendingPartnerReferrerRef" WHERE r."supplierRef" = 10031 AND v."executionBeanKeyDefRef" = 1333"#),
        r"storeOrder_10031_[0-9]+\.xml"
    );
    assert_eq!(pg.psql("iom", r#"SELECT "parameterValue" FROM "TransformerProcessParameterDO" WHERE "transformerProcessesParameterKeyDefRef" = 4 AND "transformerProcessesRef" = (SELECT min(id) FROM "TransformerProcessDO")"#), r"OpenPositionsImport_[0-9]+\.xml");
}

#[test]
fn a_broken_script_changes_nothing_and_names_file_line_and_the_servers_words() {
    let pg = Postgres::start();
    let url = pg.create_db("iom");
    let dir = tempfile::tempdir().unwrap();
    ok(dir.path(), &url, &["init"]);
    let before = pg.psql("iom", r#"SELECT count(*) FROM "ShopDO""#);
    std::fs::write(dir.path().join("a.sql"), "INSERT INTO oms.\"ShopDO\" (id, name) VALUES (20000, 'first');\n").unwrap();
    // a misspelt column on line 4 of the second file
    std::fs::write(dir.path().join("b.sql"), "-- the second file\nINSERT INTO oms.\"ShopDO\" (id, name) VALUES (20001, 'second');\nUPDATE oms.\"ShopDO\"\n   SET \"nmae\" = 'x'\n WHERE id = 20001;\n").unwrap();
    let out = impex(dir.path(), &url, &["sql", "a.sql", "b.sql"], &[("PGPASSWORD", PASSWORD)]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains("b.sql:4:") && t.contains("\"nmae\"") && t.contains("does not exist") && t.contains("42703"), "{t}");
    assert_eq!(pg.psql("iom", r#"SELECT count(*) FROM "ShopDO""#), before, "nothing of a.sql either");

    // an error inside a DO block: the server's context names the block's line
    let out = sql(dir.path(), &url, "c.sql", "SELECT 1;\n\nDO $$\nBEGIN\n  INSERT INTO oms.\"ShopDO\" (id, name) VALUES (20002, 'third');\n  PERFORM upsert_tp_parameter(4, 'x', 999999);\nEND $$;\n");
    let t = text(&out);
    assert!(!out.status.success() && t.contains("c.sql:3:") && t.contains("foreign key") && t.contains("where:"), "{t}");
    assert_eq!(pg.psql("iom", r#"SELECT count(*) FROM "ShopDO" WHERE id = 20002"#), "0");
    // a script that cannot even be cut into statements
    let out = sql(dir.path(), &url, "d.sql", "SELECT 1;\nDO $$ BEGIN PERFORM 1;\n");
    let t = text(&out);
    assert!(!out.status.success() && t.contains("d.sql:2:") && t.contains("unterminated dollar quote"), "{t}");
}

#[test]
fn the_password_comes_from_the_url_pgpassword_or_a_password_file_and_is_never_shown() {
    let pg = Postgres::start();
    let url = pg.create_db("iom");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // no password: the server refuses, and impex says where it connected
    let out = impex(d, &url, &["init"], &[]);
    assert!(!out.status.success() && text(&out).contains(&format!("connecting to {url}")), "{}", text(&out));
    // in the URL
    let with = pg.url_with_password("iom");
    let out = impex(d, &with, &["init"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!text(&out).contains(PASSWORD), "{}", text(&out));
    // PGPASSWORD
    let out = impex(d, &url, &["init"], &[("PGPASSWORD", PASSWORD)]);
    assert!(out.status.success() && text(&out).contains("up to date"), "{}", text(&out));
    // a password file, as libpq reads it; one that others can read is ignored
    let pgpass = d.join("pgpass");
    std::fs::write(&pgpass, format!("# impex\n127.0.0.1:{}:iom:postgres:{PASSWORD}\n", pg.port)).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = impex(d, &url, &["init"], &[("PGPASSFILE", pgpass.to_str().unwrap())]);
    assert!(out.status.success(), "{}", text(&out));
    std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = impex(d, &url, &["init"], &[("PGPASSFILE", pgpass.to_str().unwrap())]);
    assert!(!out.status.success() && text(&out).contains("ignored"), "{}", text(&out));
    // a wrong password: refused, and neither password is printed
    let wrong = with.replace(PASSWORD, "wrong-password-9");
    let out = impex(d, &wrong, &["init"], &[]);
    let t = text(&out);
    assert!(!out.status.success() && t.contains("password authentication failed") && !t.contains("wrong-password-9"), "{t}");
    // the engine's commands run on it and never print the password (their logs and output
    // name the database without it)
    for args in [&["run", "--once"][..], &["status"], &["transmissions"], &["check"]] {
        let out = impex(d, &with, args, &[]);
        let t = text(&out);
        assert!(out.status.success() && !t.contains(PASSWORD), "impex {args:?}: {t}");
    }
    assert!(std::fs::read_to_string(pg.log()).map(|l| !l.contains(PASSWORD)).unwrap_or(true));
}

#[test]
fn migrate_moves_a_sqlite_database_into_an_empty_postgres_one_with_every_row() {
    let pg = Postgres::start();
    let url = pg.url_with_password("moved");
    pg.create_db("moved");
    // a SQLite database in use: configuration, business rows and their transmissions, files
    // written by the sender, a user with a hashed password
    let lite = TestEnv::new(true);
    for job in ["jobs/01_finance_controller.sql", "jobs/04_export_purchaseorders_dispatch.sql", "jobs/08_export_storeorder.sql", "jobs/14_returns.sql"] {
        lite.ok(&["sql", Path::new(env!("CARGO_MANIFEST_DIR")).join(job).to_str().unwrap()]);
    }
    lite.ok(&["sql", Path::new(env!("CARGO_MANIFEST_DIR")).join("seed/demo/business.sql").to_str().unwrap()]);
    lite.ok(&["send"]);
    crate::http::add_user(&lite, "webshop", "shop-secret-2", "ShopServiceClient", &["--shop", "10000"]);

    let out = lite.run(&["migrate", "--to", &url]);
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert!(t.contains("the row counts match") && !t.contains(PASSWORD), "{t}");
    // every table has the same number of rows
    let conn = lite.conn();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'impexSequence'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for table in &tables {
        let q = format!(r#"SELECT count(*) FROM "{table}""#);
        assert_eq!(pg.psql("moved", &q).parse::<i64>().unwrap(), lite.query_i64(&q), "{table}");
    }
    assert!(lite.query_i64(r#"SELECT count(*) FROM "TransmissionDO""#) > 0);
    // values keep their meaning: flags, instants, hashes, texts with tabs and newlines
    let (id, created): (i64, String) = conn.query_row(r#"SELECT "id", "creationDate" FROM "TransmissionDO" ORDER BY "id" LIMIT 1"#, [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    assert_eq!(
        pg.psql("moved", &format!(r#"SELECT to_char("creationDate" AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS') FROM "TransmissionDO" WHERE "id" = {id}"#)),
        created
    );
    assert_eq!(pg.psql("moved", r#"SELECT "active" FROM "ScheduleDO" WHERE "key" = 'send_transmissions'"#), "t");
    assert_eq!(pg.psql("moved", r#"SELECT "cryptedPassword" FROM "UserDO" WHERE "accountName" = 'webshop'"#), lite.query_string(r#"SELECT "cryptedPassword" FROM "UserDO" WHERE "accountName" = 'webshop'"#));
    // the triggers exist and work on the moved database; the sequences are past the ids
    let before = pg.psql("moved", r#"SELECT count(*) FROM "TransmissionDO""#).parse::<i64>().unwrap();
    pg.psql("moved", r#"INSERT INTO "DispatchDO" ("orderRef", "supplierRef", "netAmount") VALUES (10002, 5000, 100)"#);
    assert_eq!(pg.psql("moved", r#"SELECT count(*) FROM "TransmissionDO""#).parse::<i64>().unwrap(), before + 1, "a dispatch's export (jobs/04)");
    let top = pg.psql("moved", r#"SELECT max("id") FROM "TransmissionDO""#).parse::<i64>().unwrap();
    assert!(top >= 10000, "new ids come from the sequence, past the moved ones: {top}");

    // a second move into the same database is refused, and changes nothing
    let out = lite.run(&["migrate", "--to", &url]);
    let t = text(&out);
    assert!(!out.status.success() && t.contains("is not empty") && !t.contains(PASSWORD), "{t}");
    assert_eq!(pg.psql("moved", r#"SELECT count(*) FROM "TransmissionDO""#).parse::<i64>().unwrap(), before + 1);

    // a value PostgreSQL cannot take names its table, row and column, and moves nothing
    pg.create_db("second");
    lite.sql_ok(r#"UPDATE "JobRunDO" SET "startTime" = 'yesterday' WHERE "id" = (SELECT min("id") FROM "JobRunDO");"#);
    if lite.query_i64(r#"SELECT count(*) FROM "JobRunDO""#) == 0 {
        lite.sql_ok(r#"UPDATE "TransmissionDO" SET "creationDate" = 'yesterday' WHERE "id" = (SELECT min("id") FROM "TransmissionDO");"#);
    }
    let out = lite.run(&["migrate", "--to", &pg.url_with_password("second")]);
    let t = text(&out);
    assert!(!out.status.success() && t.contains("\"yesterday\" is not a timestamp") && t.contains("nothing was moved"), "{t}");
    assert_eq!(pg.psql("second", "SELECT count(*) FROM pg_namespace WHERE nspname = 'oms'"), "0", "the target stays empty");
}

#[test]
fn tls_to_the_server_verifies_its_certificate() {
    let pg = Postgres::start_tls();
    pg.create_db("iom");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cert = pg.cert();
    // the server takes TCP connections with TLS only: without it, refused
    let out = impex(d, &pg.url("iom"), &["init"], &[("PGPASSWORD", PASSWORD)]);
    assert!(!out.status.success() && text(&out).contains("no pg_hba.conf entry"), "{}", text(&out));
    // with TLS and the server's certificate as the root: works
    let url = format!("{}?sslmode=verify-full&sslrootcert={}", pg.url("iom"), cert.display());
    let out = impex(d, &url, &["init"], &[("PGPASSWORD", PASSWORD)]);
    assert!(out.status.success(), "{}", text(&out));
    // sslmode=require verifies too: a certificate no root vouches for is refused
    let out = impex(d, &format!("{}?sslmode=require", pg.url("iom")), &["init"], &[("PGPASSWORD", PASSWORD)]);
    let t = text(&out);
    assert!(!out.status.success() && t.to_lowercase().contains("certificate"), "{t}");
}

/// The session that runs impex's SQLite statements on PostgreSQL: translated placeholders,
/// flags and `IS`, values adapted both ways (a flag reads 0/1, a timestamp impex's text), and
/// write units of work that take turns across sessions.
#[test]
fn a_session_runs_sqlite_statements_with_sqlites_values() {
    use impex::db::pg::{Session, Target};
    use impex::db::Value;
    let pg = Postgres::start();
    let url = pg.url_with_password("iom");
    pg.create_db("iom");
    let dir = tempfile::tempdir().unwrap();
    ok(dir.path(), &url, &["init"]);
    let target = Target::parse(&url).unwrap();
    let mut s = Session::connect(&target).unwrap();

    let rows = s.query(r#"SELECT "id", "active", "creationDate", "nextRetry" FROM "ScheduleDO" WHERE "active" = 1 AND "key" = ?1"#, &[&"send_transmissions"]).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!((&rows[0][0], &rows[0][1], &rows[0][3]), (&Value::Integer(-1), &Value::Integer(1), &Value::Null));
    // a timestamp written as impex's text comes back as the same text; NULL compares with IS
    let at = "2026-12-03 01:02:03.456";
    assert_eq!(s.execute(r#"UPDATE "ScheduleDO" SET "creationDate" = ?2, "active" = ?3 WHERE "id" = ?1"#, &[&-1i64, &at, &0i64]).unwrap(), 1);
    let rows = s.query(r#"SELECT "creationDate", "active" FROM "ScheduleDO" WHERE "id" = ? AND "nextRetry" IS ?"#, &[&-1i64, &Value::Null]).unwrap();
    assert_eq!(rows, vec![vec![Value::Text(at.into()), Value::Integer(0)]]);
    // INSERT OR IGNORE
    let insert = r#"INSERT OR IGNORE INTO "ShopDO" ("id", "name") VALUES (?1, ?2)"#;
    assert_eq!(s.execute(insert, &[&30000i64, &"a shop"]).unwrap(), 1);
    assert_eq!(s.execute(insert, &[&30000i64, &"a shop"]).unwrap(), 0);
    // a bad value names the parameter
    let e = s.execute(r#"UPDATE "ScheduleDO" SET "creationDate" = ?1 WHERE "id" = -1"#, &[&"soon"]).unwrap_err();
    assert!(e.to_string().contains("parameter 1") && e.to_string().contains("not a timestamp"), "{e}");

    // writers take turns: a second writer waits until the first commits
    s.write().unwrap();
    s.execute(r#"UPDATE "ShopDO" SET "name" = 'first' WHERE "id" = 30000"#, &[]).unwrap();
    let second = std::thread::spawn({
        let target = target.clone();
        move || {
            let mut t = Session::connect(&target).unwrap();
            t.write().unwrap();
            let name = t.query(r#"SELECT "name" FROM "ShopDO" WHERE "id" = 30000"#, &[]).unwrap();
            t.commit().unwrap();
            name
        }
    });
    crate::support::env::wait_for("the second writer to wait for the lock", std::time::Duration::from_secs(10), || {
        pg.psql("iom", "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'advisory'") == "1"
    });
    s.commit().unwrap();
    assert_eq!(second.join().unwrap(), vec![vec![Value::Text("first".into())]], "it ran after the first's commit");
}

/// One body, two backends: the heartbeat operations (`db::queries::heartbeat`, moved to the
/// statements both backends run) give the same answers on SQLite and on PostgreSQL, and a
/// write unit of work rolls back on both when it is dropped.
#[test]
fn heartbeats_work_the_same_on_both_backends() {
    use impex::db::queries::heartbeat::{self, Heartbeat};
    fn body(conn: &mut impex::db::Conn) -> Vec<(String, String)> {
        let hb = |node: &str, seen: &str| Heartbeat {
            node_id: node.into(),
            host: "h".into(),
            pid: 7,
            kind: "run".into(),
            started: "2026-01-01 00:00:00.000".into(),
            last_seen: seen.into(),
            interval_ms: 5000,
        };
        heartbeat::beat(conn, &hb("a", "2026-01-01 00:00:00.000")).unwrap();
        heartbeat::beat(conn, &hb("a", "2026-01-01 00:00:05.000")).unwrap();
        heartbeat::beat(conn, &hb("b", "2026-01-01 00:00:06.000")).unwrap();
        let mut seen: Vec<(String, String)> = heartbeat::all(conn).unwrap().into_iter().map(|h| (h.node_id, h.last_seen)).collect();
        // a day later, "a" is gone
        heartbeat::beat(conn, &hb("b", "2026-01-02 00:00:06.000")).unwrap();
        seen.extend(heartbeat::all(conn).unwrap().into_iter().map(|h| (h.node_id, h.last_seen)));
        // a dropped unit of work changes nothing
        {
            let tx = conn.write().unwrap();
            heartbeat::remove(&tx, "b").unwrap();
        }
        assert_eq!(heartbeat::all(conn).unwrap().len(), 1);
        heartbeat::ping(conn).unwrap();
        assert_eq!(heartbeat::remove(conn, "b").unwrap(), 1);
        seen
    }
    let lite = TestEnv::new(false);
    let on_sqlite = body(&mut impex::db::open(&lite.db()).unwrap());
    let pg = Postgres::start();
    let url = pg.url_with_password("iom");
    pg.create_db("iom");
    let dir = tempfile::tempdir().unwrap();
    ok(dir.path(), &url, &["init"]);
    let mut conn = impex::db::connect(&impex::db::pg::Target::parse(&url).unwrap()).unwrap();
    assert!(conn.is_postgres());
    assert_eq!(body(&mut conn), on_sqlite);
    assert_eq!(
        on_sqlite,
        [("a", "2026-01-01 00:00:05.000"), ("b", "2026-01-01 00:00:06.000"), ("b", "2026-01-02 00:00:06.000")].map(|(a, b)| (a.to_string(), b.to_string()))
    );
}

/// A schedule lock held on another node is released at once when no session of that node is
/// left on the server, and never while one is (its process's liveness lock).
#[test]
fn a_lock_of_a_node_without_a_session_is_released_at_once_and_one_with_a_session_is_kept() {
    use impex::schedule::lock::Holder;
    use impex::schedule::maintenance::rescuer::Rescuer;
    let pg = Postgres::start();
    let url = pg.url_with_password("iom");
    pg.create_db("iom");
    let dir = tempfile::tempdir().unwrap();
    ok(dir.path(), &url, &["init", "--demo"]);
    // two schedules locked by processes on other hosts, an hour ago; "alive" keeps a session
    let hour_ago = impex::time::format(chrono::Utc::now() - chrono::Duration::hours(2));
    let key = |holder: &str| format!("hashtextextended('{holder}', 0)");
    pg.psql(
        "iom",
        &format!(
            r#"UPDATE oms."ScheduleDO" SET "lockedSince" = '{hour_ago}', "lockedBy" = CASE "id" WHEN -1 THEN 'gone-host:1:1' ELSE 'alive-host:2:2' END WHERE "id" IN (-1, -2)"#
        ),
    );
    let mut alive = postgres::Client::connect(&format!("host=127.0.0.1 port={} user=postgres password={} dbname=iom", pg.port, PASSWORD), postgres::NoTls).unwrap();
    alive.batch_execute(&format!("SELECT pg_advisory_lock_shared({})", key("alive-host:2:2"))).unwrap();
    let mut conn = impex::db::connect(&impex::db::pg::Target::parse(&url).unwrap()).unwrap();
    let report = Rescuer::new(Holder::this_process()).run_once(&mut conn, |_| false, chrono::Utc::now()).unwrap();
    assert_eq!(report.released.len(), 1, "{report:?}");
    assert!(report.released[0].1.contains("gone-host:1:1 has no session on the database"), "{report:?}");
    let locked = |id: i64| pg.psql("iom", &format!(r#"SELECT coalesce("lockedBy", '-') FROM oms."ScheduleDO" WHERE "id" = {id}"#));
    assert_eq!(locked(-1), "-");
    assert_eq!(locked(-2), "alive-host:2:2", "a holder with a session is not overruled, however old its lock");
    // its session ends (the node died): released at the next pass
    // (the server ends the backend, and with it the lock, a moment after the client hangs up)
    drop(alive);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let free = format!("SELECT pg_try_advisory_lock({0}) AND pg_advisory_unlock({0})", key("alive-host:2:2"));
    while pg.psql("iom", &free) != "t" {
        assert!(std::time::Instant::now() < deadline, "the closed session's advisory lock is still held");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let report = Rescuer::new(Holder::this_process()).run_once(&mut conn, |_| false, chrono::Utc::now()).unwrap();
    assert_eq!(report.released.len(), 1, "{report:?}");
    assert_eq!(locked(-2), "-");
}

/// A sending run's claim of a transmission is held by its database session: another session
/// skips it, gets it once it is released, and gets the rest when the first session ends (a node
/// killed mid-run loses its claims with its connection).
#[test]
fn a_claimed_transmission_is_skipped_by_other_sessions_until_released_or_its_session_ends() {
    use impex::db::queries::export::{claim, release};
    let pg = Postgres::start();
    let url = pg.url_with_password("iom");
    pg.create_db("iom");
    let dir = tempfile::tempdir().unwrap();
    ok(dir.path(), &url, &["init"]);
    let connect = || impex::db::connect(&impex::db::pg::Target::parse(&url).unwrap()).unwrap();
    let (a, b) = (connect(), connect());
    assert_eq!(claim(&a, &[1, 2, 3]).unwrap(), vec![1, 2, 3]);
    assert_eq!(claim(&b, &[2, 3, 4]).unwrap(), vec![4], "held by the other session");
    assert_eq!(claim(&a, &[5]).unwrap(), vec![5]);
    release(&a, &[2]).unwrap();
    assert_eq!(claim(&b, &[2, 3]).unwrap(), vec![2], "released");
    drop(a);
    // the server ends the backend, and with it its locks, a moment after the client hangs up
    let mut got = Vec::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while got.len() < 3 {
        assert!(std::time::Instant::now() < deadline, "claims of a closed session still held: got {got:?}");
        let left: Vec<i64> = [1, 3, 5].into_iter().filter(|i| !got.contains(i)).collect();
        got.extend(claim(&b, &left).unwrap());
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    got.sort();
    assert_eq!(got, vec![1, 3, 5]);
}

/// Timestamps are kept to the millisecond: a schedule whose `lastRun` a psql script set with
/// `now()` (microseconds) is claimed and run, as one impex wrote (the claim compares the
/// `lastRun` it read; with microseconds kept it never matched and the schedule never ran).
#[test]
fn a_schedule_whose_last_run_psql_set_with_now_runs() {
    let pg = Postgres::start();
    let url = pg.url_with_password("iom");
    pg.create_db("iom");
    let dir = tempfile::tempdir().unwrap();
    ok(dir.path(), &url, &["init", "--base", dir.path().join("base").to_str().unwrap()]);
    pg.psql(
        "iom",
        r#"UPDATE oms."ScheduleDO" SET "active" = false;
           INSERT INTO oms."JobDefDO" ("id", "name") VALUES (10999, 'TEST_JOB');
           INSERT INTO oms."ScheduleDO" ("active", "configId", "cron", "jobDefRef", "key", "lastRun")
           VALUES (true, 0, '* * * * * ?', 10999, 'set-by-psql', now() - interval '10 seconds')"#,
    );
    assert_eq!(pg.psql("iom", r#"SELECT CAST(extract(microseconds FROM "lastRun") AS bigint) % 1000 FROM oms."ScheduleDO" WHERE "key" = 'set-by-psql'"#), "0", "stored to the millisecond");
    let out = impex(dir.path(), &url, &["run", "--once"], &[("PGPASSWORD", PASSWORD), ("IMPEX_TEST_JOBS", "1")]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(pg.psql("iom", r#"SELECT count(*) FROM oms."JobRunDO" WHERE "scheduleKey" = 'set-by-psql' AND "outcome" = 'OK'"#), "1", "{}", text(&out));
}

/// A node of the cluster test: `impex run` with the test job, its stderr in a file.
struct Node {
    child: std::process::Child,
}

impl Node {
    fn start(dir: &Path, url: &str, k: usize) -> Node {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(dir.join(format!("node-{k}.log"))).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_impex"))
            .arg("--db")
            .arg(url)
            .args(["run", "--max-jobs", "8"])
            .current_dir(dir)
            .env("IMPEX_TEST_JOBS", "1")
            .env("IMPEX_TZ", "UTC")
            .env("PGPASSWORD", PASSWORD)
            .env_remove("IMPEX_DB")
            .stdout(std::process::Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        Node { child }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// psql that may fail (the server is down for a moment): the rows, or None.
fn try_psql(pg: &Postgres, sql: &str) -> Option<String> {
    let out = Command::new("psql")
        .args(["-X", "-At", "-v", "ON_ERROR_STOP=1", "-h"])
        .arg(pg.dir.path())
        .args(["-p", &pg.port.to_string(), "-U", "postgres", "-d", "iom", "-c", sql])
        .output()
        .ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim_end().to_string())
}

/// Three nodes on one PostgreSQL (the cluster soak): every schedule fires each second (test
/// jobs, some running 1.5 s, and the sending run), dispatches keep coming, nodes are killed
/// with `kill -9` and started again, and the server itself is stopped as in a crash and
/// started again. Afterwards: no fire time ran twice, every dispatch has one transmission,
/// PUSHED, whose file is in the outbox exactly once, and every node that lived through the
/// server's restart ran jobs again after it (it connected again by itself). The failover time
/// of each killed node's schedules is printed.
#[test]
fn three_nodes_with_kill_9_and_a_server_restart_run_each_fire_time_once_and_write_each_file_once() {
    use std::time::{Duration, Instant};
    let pg = Postgres::start();
    let url = pg.url("iom");
    pg.create_db("iom");
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base");
    ok(dir.path(), &url, &["init", "--demo", "--base", base.to_str().unwrap()]);
    let jobs_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("jobs");
    let mut jobs: Vec<String> = std::fs::read_dir(&jobs_dir).unwrap().flatten().map(|e| e.path().display().to_string()).filter(|p| p.ends_with(".sql")).collect();
    jobs.sort();
    let mut args = vec!["sql"];
    args.extend(jobs.iter().map(String::as_str));
    ok(dir.path(), &url, &args);
    pg.psql(
        "iom",
        r#"UPDATE oms."ScheduleDO" SET "active" = ("key" = 'send_transmissions'), "cron" = '0/1 * * * * ?', "retryDelay" = '1s', "maxNoOfRetries" = 1000000;
           UPDATE oms."CommunicationPartnerDO" SET "retryDelay" = '1s', "maxNoOfRetries" = 1000
               WHERE "communicationRef" = (SELECT "id" FROM oms."CommunicationDO" WHERE "key" = 'XML###MESSAGE_FILE_SENDER_BEAN###SEND_PURCHASE_ORDER_DISPATCH');
           INSERT INTO oms."JobDefDO" ("id", "name") VALUES (10999, 'TEST_JOB');
           INSERT INTO oms."ScheduleDO" ("active", "configId", "cron", "jobDefRef", "key", "retryDelay", "maxNoOfRetries")
           SELECT true, CASE WHEN i <= 4 THEN -1500 ELSE 0 END, '* * * * * ?', 10999, 'cluster-' || i, '1s', 1000000 FROM generate_series(1, 16) i;"#,
    );
    let t0 = Instant::now();
    let mut nodes: Vec<Node> = (0..3).map(|k| Node::start(dir.path(), &url, k)).collect();
    let (mut dispatches, mut kills, mut failovers) = (0usize, 0usize, Vec::new());
    let kill_at = [Duration::from_secs(4), Duration::from_secs(8), Duration::from_secs(18)];
    let restart_at = Duration::from_secs(12);
    let (mut restarted, mut survivors, mut restart_time) = (false, Vec::new(), String::new());
    while t0.elapsed() < Duration::from_secs(24) {
        let n = dispatches + 1;
        let insert = format!(
            r#"INSERT INTO oms."DispatchDO" ("orderRef", "supplierRef", "carrierRef", "supplierOrderNo", "deliveryNoteNo", "invoiceNo", "creditorId", "companyCode", "netAmount", "currency")
               VALUES (10001, 5000, 5100, 'CLUSTER-PO-{n}', 'CLUSTER-DN-{n}', '2014000001', 'CRED-5000', '001', {}, 'EUR')"#,
            1000 + n
        );
        if try_psql(&pg, &insert).is_some() {
            dispatches += 1;
        }
        if kills < kill_at.len() && t0.elapsed() >= kill_at[kills] {
            // the node with the most locks held goes
            let k = kills % nodes.len();
            let pid = nodes[k].child.id();
            unsafe { libc::kill(pid as i32, libc::SIGKILL) };
            let _ = nodes[k].child.wait();
            let killed = Instant::now();
            let held = format!(r#"SELECT count(*) FROM oms."ScheduleDO" WHERE "lockedBy" LIKE '%:{pid}:%'"#);
            let deadline = killed + Duration::from_secs(60);
            while try_psql(&pg, &held).as_deref() != Some("0") {
                assert!(Instant::now() < deadline, "the schedules of killed node {pid} are still locked after 60 s");
                std::thread::sleep(Duration::from_millis(20));
            }
            failovers.push(killed.elapsed());
            nodes[k] = Node::start(dir.path(), &url, k);
            kills += 1;
        }
        if !restarted && t0.elapsed() >= restart_at {
            survivors = nodes.iter().map(|n| n.child.id()).collect();
            pg.restart();
            restart_time = pg.psql("iom", "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS')");
            restarted = true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    // drain: every dispatch's transmission sent, every node that lived through the restart
    // running jobs again
    let deadline = Instant::now() + Duration::from_secs(120);
    let pending = r#"SELECT count(*) FROM oms."DispatchDO" d WHERE "supplierOrderNo" LIKE 'CLUSTER-%'
                       AND NOT EXISTS (SELECT 1 FROM oms."TransmissionDO" t WHERE t."dispatchRef" = d."id" AND t."state" = 'PUSHED')"#;
    while try_psql(&pg, pending).as_deref() != Some("0") {
        assert!(Instant::now() < deadline, "transmissions not sent after 120 s: {:?}", try_psql(&pg, pending));
        std::thread::sleep(Duration::from_millis(100));
    }
    for pid in &survivors {
        let after = format!(r#"SELECT count(*) FROM oms."JobRunDO" WHERE "runBy" LIKE '%:{pid}:%' AND "startTime" > '{restart_time}' AND "outcome" = 'OK'"#);
        while try_psql(&pg, &after).as_deref().unwrap_or("0") == "0" {
            assert!(Instant::now() < deadline, "node {pid} ran nothing after the server's restart (it did not connect again)");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    for n in &nodes {
        unsafe { libc::kill(n.child.id() as i32, libc::SIGTERM) };
    }
    for n in &mut nodes {
        let _ = n.child.wait();
    }
    // no fire time twice
    let twice = pg.psql("iom", r#"SELECT count(*) FROM (SELECT 1 FROM oms."JobRunDO" WHERE "dueTime" IS NOT NULL GROUP BY "scheduleKey", "dueTime" HAVING count(*) > 1) d"#);
    assert_eq!(twice, "0", "fire times run more than once");
    // one transmission per dispatch, its file once in the outbox
    let rows = pg.psql(
        "iom",
        r#"SELECT t."id" || ' ' || t."fileName" FROM oms."TransmissionDO" t JOIN oms."DispatchDO" d ON d."id" = t."dispatchRef" WHERE d."supplierOrderNo" LIKE 'CLUSTER-%' AND t."state" = 'PUSHED'"#,
    );
    let sent: Vec<(String, String)> = rows.lines().map(|l| l.split_once(' ').map(|(a, b)| (a.to_string(), b.to_string())).unwrap()).collect();
    assert_eq!(sent.len(), dispatches, "one PUSHED transmission per dispatch");
    let out = base.join("communication/messages/out");
    let files: Vec<String> = std::fs::read_dir(&out).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).filter(|f| !f.starts_with('.')).collect();
    for (id, name) in &sent {
        assert_eq!(files.iter().filter(|f| *f == name).count(), 1, "transmission {id}: its file {name} once in the outbox");
        assert_eq!(files.iter().filter(|f| f.trim_end_matches(".xml").rsplit('_').next() == Some(id.as_str())).count(), 1, "transmission {id}: one file");
    }
    let runs = pg.psql("iom", r#"SELECT count(*) FROM oms."JobRunDO""#);
    eprintln!(
        "cluster: {dispatches} dispatches sent once each, {runs} runs, {kills} kills, failover of the killed nodes' schedules {:?}, one server restart",
        failovers
    );
}
