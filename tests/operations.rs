//! Issue 7: operations (housekeeping).
mod common;

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use common::TestEnv;
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
    let job = jobs::lookup(10003).expect("housekeeping job registered");
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
    assert_eq!(env.query_string(r#"SELECT "key" FROM "ScheduleDO" WHERE "jobDefRef" = 10003"#), "clean_shared_fs");
}
