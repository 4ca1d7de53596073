//! The operators' services (docs/api.md) against real databases and real `impex run` / `impex
//! send` processes: a runtime override set through `schedule::api` is obeyed by a running
//! scheduler at once, transmission updates go through the state machine, `impex run` beats in
//! `"ProcessHeartbeatDO"` and the health service reads it.
use std::process::{Child, Stdio};
use std::time::Duration;

use impex::schedule::api::{self as sapi, ResetAttribute, ScheduleUpdate};
use impex::schedule::health;
use impex::send::api::{self as tapi, TransmissionUpdateRequest, TransmissionUpdateType};

use crate::support::env::{wait_for, TestEnv};
use crate::support::export as sup;

const TEST_JOB: i64 = 10999;
/// A cron that never fires in the lifetime of these tests (a schedule runs once, as first run).
const NEVER: &str = "0 0 0 1 1 ? 2099";
const DEADLINE: Duration = Duration::from_secs(20);

/// A background `impex run`, killed on drop.
struct Run {
    child: Child,
}

impl Run {
    fn start(env: &TestEnv) -> Run {
        let log = std::fs::File::create(env.path("run.stderr")).unwrap();
        let child = env.cmd(&["run"]).env("IMPEX_TEST_JOBS", "1").env("IMPEX_TZ", "UTC").stdout(Stdio::null()).stderr(log).spawn().unwrap();
        Run { child }
    }

    fn stop(&mut self) -> Option<i32> {
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let mut status = None;
        wait_for("impex run to exit", DEADLINE, || {
            status = self.child.try_wait().unwrap();
            status.is_some()
        });
        status.unwrap().code()
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn scheduler_env() -> TestEnv {
    let env = TestEnv::new(false);
    env.sql_ok(r#"INSERT INTO "JobDefDO" ("id", "name") VALUES (10999, 'TEST_JOB')"#);
    env
}

fn schedule(env: &TestEnv, key: &str, cron: &str) -> i64 {
    env.store()
        .query_i64(
            r#"INSERT INTO "ScheduleDO" ("active", "configId", "cron", "jobDefRef", "key", "maxNoOfRetries") VALUES (true, 0, ?1, ?2, ?3, 0) RETURNING "id""#,
            impex::db::params![cron, TEST_JOB, key],
        )
        .unwrap()
}

/// Finished runs of a schedule that started after `after` (impex timestamp text).
fn runs_after(env: &TestEnv, key: &str, after: &str) -> i64 {
    let after = if after.is_empty() { "0001-01-01 00:00:00.000" } else { after };
    env.store()
        .query_i64(r#"SELECT count(*) FROM "JobRunDO" WHERE "scheduleKey" = ?1 AND "startTime" > ?2 AND "outcome" <> 'RUNNING'"#, impex::db::params![key, after])
        .unwrap()
}

fn runs(env: &TestEnv, key: &str) -> i64 {
    runs_after(env, key, "")
}

fn patch(env: &TestEnv, id: i64, u: ScheduleUpdate) -> sapi::ScheduleState {
    let mut conn = impex::db::open_existing(&env.db()).unwrap();
    sapi::patch_schedule_state(&mut conn, id, &u).unwrap_or_else(|e| panic!("patch {id}: {e}"))
}

#[test]
fn runtime_overrides_are_obeyed_by_a_running_scheduler() {
    let env = scheduler_env();
    let tick = schedule(&env, "tick", "* * * * * ?");
    schedule(&env, "witness", "* * * * * ?");
    let later = schedule(&env, "later", NEVER);
    let fixed = schedule(&env, "fixed", NEVER);
    let mut run = Run::start(&env);
    wait_for("the first runs", DEADLINE, || runs(&env, "tick") >= 2 && runs(&env, "later") == 1 && runs(&env, "fixed") == 1);

    // activeRuntime = false: no run of `tick` starts after the change (claims check the
    // effective value in the same unit of work), while the witness keeps running
    let before = impex::time::now_text();
    let s = patch(&env, tick, ScheduleUpdate { active: Some(false), ..Default::default() });
    assert!(!s.active);
    wait_for("three witness runs after the change", DEADLINE, || runs_after(&env, "witness", &before) >= 3);
    assert_eq!(runs_after(&env, "tick", &before), 0, "an inactive (runtime) schedule was started");
    let cfg = sapi::get_schedule_config(&impex::db::open_existing(&env.db()).unwrap(), tick).unwrap();
    assert_eq!((cfg.active_configured, cfg.active_runtime), (true, Some(false)));

    // cronRuntime: the next fire time follows the runtime cron
    let t = impex::time::now_text();
    patch(&env, later, ScheduleUpdate { cron: Some("* * * * * ?".into()), ..Default::default() });
    wait_for("`later` to follow its runtime cron", DEADLINE, || runs_after(&env, "later", &t) >= 2);

    // fixedNextRun: runs once then, and the value is used up
    let t = impex::time::now_text();
    patch(&env, fixed, ScheduleUpdate { fixed_next_run: Some(impex::time::rfc3339(chrono::Utc::now())), ..Default::default() });
    wait_for("the fixed next run", DEADLINE, || runs_after(&env, "fixed", &t) == 1);
    let w = impex::time::now_text();
    wait_for("three more witness runs", DEADLINE, || runs_after(&env, "witness", &w) >= 3);
    assert_eq!(runs_after(&env, "fixed", &t), 1, "fixedNextRun runs once");
    let cfg = sapi::get_schedule_config(&impex::db::open_existing(&env.db()).unwrap(), fixed).unwrap();
    assert_eq!(cfg.fixed_next_run, None);

    // resetList: the configured values apply again
    let t = impex::time::now_text();
    let s = patch(&env, tick, ScheduleUpdate { reset_list: vec![ResetAttribute::Active], ..Default::default() });
    assert!(s.active);
    wait_for("`tick` to run again after the reset", DEADLINE, || runs_after(&env, "tick", &t) >= 2);
    let t = impex::time::now_text();
    patch(&env, later, ScheduleUpdate { reset_list: vec![ResetAttribute::Cron], ..Default::default() });
    let w = impex::time::now_text();
    wait_for("three more witness runs", DEADLINE, || runs_after(&env, "witness", &w) >= 3);
    assert!(runs_after(&env, "later", &t) <= 1, "`later` follows its configured cron again (at most a run claimed before the reset)");
    assert_eq!(run.stop(), Some(0));
}

#[test]
fn heartbeat_rows_of_a_running_scheduler_make_the_cluster_healthy() {
    let env = scheduler_env();
    let me = health::Node::this_process(health::Kind::Serve);
    let conn = impex::db::open_existing(&env.db()).unwrap();
    assert_eq!(health::status(&conn, &me, chrono::Utc::now()).http_status(), 503, "no scheduler yet");
    let mut run = Run::start(&env);
    let pid = run.child.id() as i64;
    let row = || -> Option<(String, String, String)> {
        let rows = env.store().query_rows(r#"SELECT "nodeId", "kind", "lastSeen" FROM "ProcessHeartbeatDO" WHERE "pid" = ?1"#, impex::db::params![pid]).unwrap();
        let r = rows.into_iter().next()?;
        let text = |v: &impex::db::Value| v.as_str().unwrap_or_default().to_string();
        Some((text(&r[0]), text(&r[1]), text(&r[2])))
    };
    wait_for("the first heartbeat", DEADLINE, || row().is_some());
    let (node, kind, first) = row().unwrap();
    assert_eq!(kind, "run");
    assert!(node.contains(&format!(":{pid}:")), "{node}");
    let s = health::status(&conn, &me, chrono::Utc::now());
    assert_eq!(s.http_status(), 200, "{s:?}");
    wait_for("a later heartbeat", DEADLINE, || row().is_some_and(|(_, _, seen)| seen > first));
    let cluster = health::cluster_status(&conn, chrono::Utc::now()).unwrap();
    let mine = cluster.iter().find(|c| c.server_id == node).expect("the scheduler in the cluster status");
    assert_eq!((mine.status_code, mine.server_type.as_str()), (200, "run"));
    // a clean exit removes the row: the scheduler is gone
    assert_eq!(run.stop(), Some(0));
    assert!(row().is_none());
    assert_eq!(health::status(&conn, &me, chrono::Utc::now()).status_code, 503);
}

/// The demo configuration with a second finance controller that lacks a payment mapping: the
/// dispatch's transmission to it fails, is retried after 1 s and ends in DO_MANUAL_CHECK (as in
/// export.rs). Returns (the PUSHED one, the DO_MANUAL_CHECK one).
pub(crate) fn manual_check_env() -> (TestEnv, i64, i64) {
    let env = TestEnv::new(true);
    env.sql_ok(sup::CONFIG);
    env.sql_ok(
        r#"INSERT INTO "FinanceControllerDO" ("id", "name") VALUES (2, 'Other Accounting');
           INSERT INTO "PartnerReferrerDO" ("id", "financeControllerRef") VALUES (5302, 2);
           INSERT INTO "Shop2FinanceControllerDO" ("id", "financeControllerRef", "shopRef", "financeControllerShopName") VALUES (2, 2, 10000, 'OTHER');
           INSERT INTO "CommunicationPartnerDO" ("id", "communicationRef", "sendingPartnerReferrerRef", "receivingPartnerReferrerRef", "maxNoOfRetries", "retryDelay")
               VALUES (9000, 100011, 10010, 5302, 1, '1s');
           INSERT INTO "DispatchDO" ("id", "orderRef", "supplierRef", "netAmount", "invoiceNo") VALUES (30001, 10002, 5000, 1200, 'INV-1');"#,
    );
    let ok = env.query_i64(r#"SELECT "id" FROM "TransmissionDO" WHERE "dispatchRef" = 30001 AND "communicationPartnerRef" <> 9000"#);
    let bad = env.query_i64(r#"SELECT "id" FROM "TransmissionDO" WHERE "dispatchRef" = 30001 AND "communicationPartnerRef" = 9000"#);
    let _ = env.run(&["send"]);
    wait_for("the transmission to reach DO_MANUAL_CHECK", DEADLINE, || {
        let _ = env.run(&["send"]);
        env.query_string(&format!(r#"SELECT "state" FROM "TransmissionDO" WHERE "id" = {bad}"#)) == "DO_MANUAL_CHECK"
    });
    assert_eq!(env.query_string(&format!(r#"SELECT "state" FROM "TransmissionDO" WHERE "id" = {ok}"#)), "PUSHED");
    (env, ok, bad)
}

pub(crate) fn row_text(env: &TestEnv, id: i64) -> String {
    env.query_string(&format!(
        r#"SELECT "state" || '|' || "retryCount" || '|' || coalesce(CAST("nextRetryDate" AS TEXT), '') || '|' || coalesce("errorText", '') || '|' || coalesce("fileName", '')
                  || '|' || CAST("modificationDate" AS TEXT) || '|' || coalesce(CAST("sentDate" AS TEXT), '') FROM "TransmissionDO" WHERE "id" = {id}"#
    ))
}

#[test]
fn resend_of_a_manual_check_transmission_makes_the_sending_job_write_it() {
    let (env, _ok, bad) = manual_check_env();
    let id = tapi::api_id("DISPATCHTRANSMISSION", bad);
    let mut conn = impex::db::open_existing(&env.db()).unwrap();
    let t = tapi::get_transmission(&conn, &id).unwrap();
    assert_eq!((t.status.as_str(), t.receiver_type.as_deref()), ("DO_MANUAL_CHECK", Some("FINANCECONTROLLER")));
    assert_eq!(t.order_references[0].id, Some(10002));
    assert_eq!(t.invoice_reference.as_ref().and_then(|r| r.reference_name.as_deref()), Some("INV-1"));
    // the search finds it by its state
    let found = tapi::search_transmissions(
        &conn,
        &serde_json::from_value(serde_json::json!({"transmissionFilter": {"transmissionTypeGroup": "DISPATCHTRANSMISSION", "transmissionStatuses": ["DO_MANUAL_CHECK"]}})).unwrap(),
    )
    .unwrap();
    assert_eq!(found.data.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(), [id.as_str()]);
    // the person fixes the mapping and resends through the API
    env.sql_ok(r#"INSERT INTO "FinanceController2PaymentDefDO" ("financeControllerRef", "financeControllerPaymentExportName", "paymentDefRef") VALUES (2, 'PAYPAL', 10)"#);
    let r = tapi::update_by_id(&mut conn, &[TransmissionUpdateRequest { id: id.clone(), update_type: TransmissionUpdateType::Resend }]).unwrap();
    assert_eq!((r.meta.success_count, r.data[0].status), (1, 200));
    assert!(row_text(&env, bad).starts_with("INITIAL|0|"));
    let before = sup::names(&sup::outbox(&env));
    assert!(!before.iter().any(|f| f.ends_with(&format!("_{bad}.xml"))));
    env.ok(&["send"]);
    let files = sup::names(&sup::outbox(&env));
    let file = files.iter().find(|f| f.ends_with(&format!("_{bad}.xml"))).expect("the resent transmission's file");
    let x = std::fs::read_to_string(sup::outbox(&env).join(file)).unwrap();
    assert!(x.contains("<MerchantID>OTHER</MerchantID>") && x.contains("<PayType>PAYPAL</PayType>"), "{x}");
    assert_eq!(tapi::get_transmission(&conn, &id).unwrap().status, "PUSHED");
}

#[test]
fn update_by_id_with_a_valid_and_an_invalid_item_changes_only_the_valid_one() {
    let (env, ok, bad) = manual_check_env();
    let before_ok = row_text(&env, ok);
    let mut conn = impex::db::open_existing(&env.db()).unwrap();
    let items = [
        TransmissionUpdateRequest { id: tapi::api_id("DISPATCHTRANSMISSION", bad), update_type: TransmissionUpdateType::Cancel },
        // PUSHED cannot be canceled
        TransmissionUpdateRequest { id: tapi::api_id("DISPATCHTRANSMISSION", ok), update_type: TransmissionUpdateType::Cancel },
        // no such transmission
        TransmissionUpdateRequest { id: tapi::api_id("DISPATCHTRANSMISSION", 987654), update_type: TransmissionUpdateType::Resend },
    ];
    let total = env.query_i64(r#"SELECT count(*) FROM "TransmissionDO""#);
    let r = tapi::update_by_id(&mut conn, &items).unwrap();
    assert_eq!((r.meta.success_count, r.meta.failure_count), (1, 2));
    assert_eq!(r.data.iter().map(|m| m.status).collect::<Vec<_>>(), [200, 409, 404]);
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "TransmissionDO""#), total);
    assert!(r.data[0].errors.is_empty());
    assert_eq!(r.data[1].errors[0].code, "CONFLICT");
    assert!(r.data[1].errors[0].message.contains("PUSHED"), "{:?}", r.data[1]);
    assert_eq!(row_text(&env, ok), before_ok, "the invalid item's transmission is unchanged");
    assert!(row_text(&env, bad).starts_with("CANCELED|"), "{}", row_text(&env, bad));
    // the sending job leaves the canceled one alone
    let files = sup::names(&sup::outbox(&env));
    env.ok(&["send"]);
    assert_eq!(sup::names(&sup::outbox(&env)), files);
}
