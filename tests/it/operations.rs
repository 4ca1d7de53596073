//! Issue 7: operations (housekeeping).
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::support::env::TestEnv;
use impex::jobs::{self, JobContext};

fn touch(path: &std::path::Path, age_days: u64) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, b"x").unwrap();
    let f = std::fs::File::options().write(true).open(path).unwrap();
    f.set_modified(SystemTime::now() - Duration::from_secs(age_days * 86_400)).unwrap();
}

fn ctx(env: &TestEnv) -> JobContext {
    JobContext {
        db_path: env.db(),
        base: env.base(),
        schedule_id: 3,
        schedule_key: "clean_shared_fs".into(),
        config_id: None,
        cancel: Arc::new(AtomicBool::new(false)),
    }
}

#[test]
fn housekeeping_deletes_old_finished_files_only() {
    let env = TestEnv::new(false);
    let share = env.base().join("share/import_openpositions");
    let old_done = share.join("done/a.xml");
    let new_done = share.join("done/b.xml");
    let old_obsolete = share.join("obsolete/c.xml");
    let old_error = share.join("error/d.xml");
    let old_in = share.join("in/e.xml");
    let old_sent = env.base().join("communication/messages/out/sent/f.xml");
    let old_outbox = env.base().join("communication/messages/out/g.xml");
    for (p, age) in [(&old_done, 40), (&new_done, 1), (&old_obsolete, 29), (&old_error, 400), (&old_in, 400), (&old_sent, 30), (&old_outbox, 400)] {
        touch(p, age);
    }
    let job = jobs::lookup(-10003).expect("housekeeping job registered");
    let report = job.run(&ctx(&env)).unwrap();
    assert_eq!(report.outcome, jobs::Outcome::Ok, "{}", report.message);
    assert!(!old_done.exists() && !old_obsolete.exists() && !old_sent.exists());
    assert!(new_done.exists(), "younger than the retention");
    assert!(old_error.exists(), "error/ is never touched");
    assert!(old_in.exists(), "pending work is never touched");
    assert!(old_outbox.exists(), "the outbox itself is pending work");
    // the retention is configurable
    env.sql_ok(r#"UPDATE "PlatformConfigDO" SET "housekeepingRetentionDays" = 1;"#);
    touch(&new_done, 2);
    job.run(&ctx(&env)).unwrap();
    assert!(!new_done.exists());
    // seeded and visible in "ScheduleDO"
    assert_eq!(env.query_string(r#"SELECT "key" FROM "ScheduleDO" WHERE "jobDefRef" = -10003"#), "clean_shared_fs");
}

fn jobs_script(name: &str) -> String {
    format!("{}/jobs/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// `impex status` is a health check: exit 1 (also with --json) when a transmission waits for a
/// person; events without a partner are visible.
#[test]
fn status_reports_transmissions_needing_a_person() {
    let env = TestEnv::new(true);
    env.ok(&["sql", &jobs_script("01_finance_controller.sql"), &jobs_script("04_export_purchaseorders_dispatch.sql")]);
    env.sql_ok(
        r#"INSERT INTO "DispatchDO" ("id", "orderRef", "supplierRef", "netAmount") VALUES (1, 10001, 5000, 100);
           INSERT INTO "ReturnDO" ("id", "orderRef", "supplierRef", "netAmount") VALUES (1, 10002, 5000, 100);"#,
    );
    let out = env.run(&["status"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("transmissions: INITIAL 1"), "{text}");
    assert!(text.contains("no communication partner configured"), "the return has no partner: {text}");
    // a transmission whose retries are exhausted waits for a person
    env.store().execute_batch(r#"UPDATE "TransmissionDO" SET "state" = 'DO_MANUAL_CHECK'"#).unwrap();
    let out = env.run(&["status"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("DO_MANUAL_CHECK"));
    let out = env.run(&["status", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["transmissions"]["manualCheck"], 1);
    assert!(v["transmissions"]["noPartner"].as_i64().unwrap() >= 1);
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "ExportUnroutedEventDO" WHERE "businessTable" = 'ReturnDO' AND "businessRef" = 1"#), 1);
    assert!(v["schedules"].as_array().unwrap().iter().any(|s| s["key"] == "send_transmissions"));
}

/// Housekeeping deletes old job history and finished transmissions, never a transmission that
/// waits for a person or one still to be sent.
#[test]
fn housekeeping_prunes_finished_rows_only() {
    let env = TestEnv::new(true);
    env.ok(&["sql", &jobs_script("01_finance_controller.sql"), &jobs_script("04_export_purchaseorders_dispatch.sql")]);
    env.sql_ok(
        r#"INSERT INTO "DispatchDO" ("id", "orderRef", "supplierRef", "netAmount") VALUES (1, 10001, 5000, 100), (2, 10001, 5000, 200), (3, 10001, 5000, 300), (4, 10001, 5000, 400);
           INSERT INTO "JobRunDO" ("scheduleKey", "jobDefRef", "startTime", "endTime", "outcome", "runBy") VALUES
               ('old', 3, '2020-01-01 00:00:00.000', '2020-01-01 00:00:01.000', 'OK', 'h:1:1'),
               ('new', 3, now(), now(), 'OK', 'h:1:1');"#,
    );
    let conn = env.store();
    conn.execute_batch(
        r#"UPDATE "TransmissionDO" SET "state" = 'PUSHED', "modificationDate" = '2020-01-01 00:00:00.000' WHERE "dispatchRef" = 1;
           UPDATE "TransmissionDO" SET "state" = 'DO_MANUAL_CHECK', "modificationDate" = '2020-01-01 00:00:00.000' WHERE "dispatchRef" = 2;
           UPDATE "TransmissionDO" SET "modificationDate" = '2020-01-01 00:00:00.000' WHERE "dispatchRef" = 3;
           UPDATE "TransmissionDO" SET "state" = 'PUSHED' WHERE "dispatchRef" = 4;"#,
    )
    .unwrap();
    let report = jobs::lookup(-10003).unwrap().run(&ctx(&env)).unwrap();
    assert!(report.message.contains("2 rows"), "{}", report.message);
    let left: Vec<i64> = conn.query_rows(r#"SELECT "dispatchRef" FROM "TransmissionDO" ORDER BY 1"#, &[]).unwrap().iter().map(|r| r[0].as_i64().unwrap()).collect();
    assert_eq!(left, vec![2, 3, 4], "old PUSHED deleted; DO_MANUAL_CHECK, pending and recent kept");
    assert_eq!(env.query_string(r#"SELECT min("scheduleKey") || ' ' || count(*) FROM "JobRunDO""#), "new 1");
}
