//! The operators' HTTP APIs (Schedule 1.0, Transmission 2.0, monitoring 1.0) over real sockets
//! with curl: rights, vendor media types (406, 415), a resend through HTTP that the sending job
//! then writes, health and the cluster status; and the contract tests with schemathesis against
//! the specs in tests/openapi.
use std::time::Duration;

use crate::http::{add_user, curl, schemathesis_installed, Contract, Server};
use crate::operations_api::{manual_check_env, row_text};
use crate::support::env::{wait_for, TestEnv};
use crate::support::export as sup;

const SCHEDULE: &str = "application/vnd.intershop.schedule.v1+json";
const TRANSMISSION: &str = "application/vnd.intershop.transmission.v2+json";
const OPS: &str = "ops:ops-secret-1";
const SHOP: &str = "webshop:shop-secret-2";

fn users(env: &TestEnv) {
    add_user(env, "ops", "ops-secret-1", "Operator", &[]);
    add_user(env, "webshop", "shop-secret-2", "ShopServiceClient", &["--shop", "10000"]);
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

fn content_type(head: &str) -> String {
    head.lines().find_map(|l| l.to_ascii_lowercase().strip_prefix("content-type:").map(|v| v.trim().to_string())).unwrap_or_default()
}

#[test]
fn schedules_over_http_with_rights_and_media_types() {
    let env = TestEnv::new(true);
    users(&env);
    let s = Server::start(&env, &["serve"], false);
    let states = s.url("/rest/schedules/schedulestates");
    let (status, head, body) = curl(&["-u", OPS, &states]);
    assert_eq!(status, 200, "{head}{body}");
    assert_eq!(content_type(&head), SCHEDULE);
    let list = json(&body);
    let total = list["meta"]["totalCount"].as_i64().unwrap();
    assert!(total > 0 && list["data"].as_array().unwrap().len() as i64 == total, "{list}");
    let id = list["data"][0]["id"].as_i64().unwrap();
    let id2 = list["data"][1]["id"].as_i64().unwrap();
    // repeated array parameters, paging, sorting
    let (status, _, body) = curl(&["-u", OPS, &format!("{states}?ids={id}&ids={id2}&orderBy=id&sortDirection=DESC&limit=1")]);
    let page = json(&body);
    assert_eq!((status, page["meta"]["totalCount"].as_i64(), page["data"][0]["id"].as_i64()), (200, Some(2), Some(id.max(id2))), "{page}");
    let (status, _, body) = curl(&["-u", OPS, &s.url("/rest/schedules/scheduleconfigs")]);
    assert_eq!(status, 200);
    assert!(json(&body)["data"][0].get("activeConfigured").is_some(), "{body}");

    // PATCH activeRuntime false, read back from both views
    let one = s.url(&format!("/rest/schedules/schedulestates/{id}"));
    let ct = format!("Content-Type: {SCHEDULE}");
    let (status, head, body) = curl(&["-u", OPS, "-X", "PATCH", "-H", &ct, "-d", r#"{"active": false}"#, &one]);
    assert_eq!(status, 200, "{head}{body}");
    assert_eq!(json(&body)["active"], false);
    let (_, _, body) = curl(&["-u", OPS, &one]);
    assert_eq!(json(&body)["active"], false);
    let (_, _, body) = curl(&["-u", OPS, &s.url(&format!("/rest/schedules/scheduleconfigs/{id}"))]);
    let cfg = json(&body);
    assert_eq!(cfg["activeRuntime"], false, "{cfg}");

    // errors: ErrorReport in the vendor type, naming the field
    let (status, head, body) = curl(&["-u", OPS, "-X", "PATCH", "-H", &ct, "-d", r#"{"cron": "every minute"}"#, &one]);
    assert_eq!((status, content_type(&head).as_str()), (400, SCHEDULE), "{body}");
    let e = json(&body);
    assert_eq!(e["status"], 400);
    assert!(e["errors"][0]["message"].as_str().unwrap().starts_with("cron: "), "{e}");
    let (status, _, body) = curl(&["-u", OPS, &format!("{states}?ids=seven")]);
    assert!(status == 400 && body.contains("ids: "), "{status} {body}");
    let (status, _, body) = curl(&["-u", OPS, &s.url("/rest/schedules/schedulestates/abc")]);
    assert!(status == 400 && body.contains("scheduleId"), "{status} {body}");
    let (status, head, _) = curl(&["-u", OPS, &s.url("/rest/schedules/schedulestates/987654")]);
    assert_eq!((status, content_type(&head).as_str()), (404, SCHEDULE));
    // media types: 406 and 415
    assert_eq!(curl(&["-u", OPS, "-H", "Accept: application/xml", &states]).0, 406);
    assert_eq!(curl(&["-u", OPS, "-H", &format!("Accept: text/plain, {SCHEDULE}"), &states]).0, 200);
    assert_eq!(curl(&["-u", OPS, "-X", "PATCH", "-H", "Content-Type: application/json", "-d", r#"{"active": true}"#, &one]).0, 415);
    let (_, _, body) = curl(&["-u", OPS, &one]);
    assert_eq!(json(&body)["active"], false, "the refused PATCH changed nothing");
    // rights: the shop's technical user may not; no credentials is 401
    assert_eq!(curl(&["-u", SHOP, &states]).0, 403);
    assert_eq!(curl(&["-u", SHOP, "-X", "PATCH", "-H", &ct, "-d", r#"{"active": true}"#, &one]).0, 403);
    assert_eq!(curl(&[&states]).0, 401);
}

#[test]
fn resend_through_http_makes_the_sending_job_write_the_file_again() {
    let (env, ok, bad) = manual_check_env();
    users(&env);
    let s = Server::start(&env, &["serve"], false);
    let ct = format!("Content-Type: {TRANSMISSION}");
    let id = format!("DISPATCHTRANSMISSION-{bad}");
    // found by its state
    let search = s.url("/rest/transmissions/by-type");
    let filter = r#"{"transmissionFilter": {"transmissionTypeGroup": "DISPATCHTRANSMISSION", "transmissionStatuses": ["DO_MANUAL_CHECK"]}}"#;
    let (status, head, body) = curl(&["-u", OPS, "-H", &ct, "-d", filter, &search]);
    assert_eq!((status, content_type(&head).as_str()), (200, TRANSMISSION), "{body}");
    assert_eq!(json(&body)["data"][0]["id"], id.as_str());
    let (status, _, body) = curl(&["-u", OPS, &s.url(&format!("/rest/transmissions/{id}"))]);
    assert_eq!((status, json(&body)["status"].as_str()), (200, Some("DO_MANUAL_CHECK")));
    assert_eq!(curl(&["-u", OPS, &s.url("/rest/transmissions/DISPATCHTRANSMISSION-987654")]).0, 404);
    let (status, _, body) = curl(&["-u", OPS, &s.url("/rest/transmissions/types")]);
    assert!(status == 200 && body.contains("SEND_PURCHASE_ORDER_DISPATCH"), "{body}");
    assert_eq!(curl(&["-u", SHOP, "-H", &ct, "-d", filter, &search]).0, 403);

    // an invalid transition is a per-item error and changes nothing
    let by_id = s.url("/rest/transmission-updates/by-id");
    let before_ok = row_text(&env, ok);
    let cancel = format!(r#"[{{"id": "DISPATCHTRANSMISSION-{ok}", "updateType": "CANCEL"}}]"#);
    let (status, _, body) = curl(&["-u", OPS, "-H", &ct, "-d", &cancel, &by_id]);
    let r = json(&body);
    assert_eq!((status, r["meta"]["failureCount"].as_i64(), r["data"][0]["status"].as_i64()), (207, Some(1), Some(409)), "{r}");
    assert_eq!(r["data"][0]["errors"][0]["code"], "CONFLICT");
    assert_eq!(row_text(&env, ok), before_ok);
    // media types, rights
    let resend = format!(r#"[{{"id": "{id}", "updateType": "RESEND"}}]"#);
    assert_eq!(curl(&["-u", OPS, "-H", "Content-Type: application/json", "-d", &resend, &by_id]).0, 415);
    assert_eq!(curl(&["-u", OPS, "-H", &ct, "-H", "Accept: application/json", "-d", &resend, &by_id]).0, 406);
    assert_eq!(curl(&["-u", SHOP, "-H", &ct, "-d", &resend, &by_id]).0, 403);
    assert!(row_text(&env, bad).starts_with("DO_MANUAL_CHECK|"), "refused requests changed nothing");

    // the person fixes the mapping and resends through HTTP
    env.sql_ok(r#"INSERT INTO "FinanceController2PaymentDefDO" ("financeControllerRef", "financeControllerPaymentExportName", "paymentDefRef") VALUES (2, 'PAYPAL', 10)"#);
    let (status, head, body) = curl(&["-u", OPS, "-H", &ct, "-d", &resend, &by_id]);
    assert_eq!((status, content_type(&head).as_str()), (207, TRANSMISSION), "{body}");
    let r = json(&body);
    assert_eq!(r["meta"], serde_json::json!({"successCount": 1, "failureCount": 0}));
    assert_eq!(r["data"][0], serde_json::json!({"link": {"href": format!("/transmissions/{id}"), "rel": "self"}, "status": 200}));
    assert!(row_text(&env, bad).starts_with("INITIAL|0|"));
    env.ok(&["send"]);
    let files = sup::names(&sup::outbox(&env));
    assert!(files.iter().any(|f| f.ends_with(&format!("_{bad}.xml"))), "{files:?}");
    let (_, _, body) = curl(&["-u", OPS, &s.url(&format!("/rest/transmissions/{id}"))]);
    assert_eq!(json(&body)["status"], "PUSHED");

    // by filter: 202
    let bulk = r#"{"updateType": "CANCEL", "transmissionFilter": {"transmissionTypeGroup": "MAILTRANSMISSION"}}"#;
    let (status, head, _) = curl(&["-u", OPS, "-H", &ct, "-d", bulk, &s.url("/rest/transmission-updates/by-filter")]);
    assert!(status == 202 && head.to_ascii_lowercase().contains("impex-accepted: 0"), "{head}");
}

#[test]
fn health_without_credentials_and_the_cluster_status_with_the_serving_process() {
    let env = TestEnv::new(true);
    users(&env);
    let s = Server::start(&env, &["run"], false);
    let url = s.url("/monitoring/services/health/status");
    wait_for("a healthy status", Duration::from_secs(20), || curl(&[&url]).0 == 200);
    let (_, head, body) = curl(&[&url]);
    assert!(content_type(&head).starts_with("application/json"), "{head}");
    let st = json(&body);
    assert_eq!((st["statusCode"].as_i64(), st["serverType"].as_str()), (Some(200), Some("serve")), "{st}");
    let cluster = s.url("/monitoring/services/health/clusterstatus");
    assert_eq!(curl(&[&cluster]).0, 401);
    assert_eq!(curl(&["-u", SHOP, &cluster]).0, 403);
    let pid = s.child.id();
    let (status, _, body) = curl(&["-u", OPS, &cluster]);
    let list = json(&body);
    let mine: Vec<&str> = list.as_array().unwrap().iter().filter(|n| n["serverId"].as_str().unwrap().contains(&format!(":{pid}:"))).map(|n| n["serverType"].as_str().unwrap()).collect();
    assert_eq!(status, 200);
    assert!(mine.contains(&"serve") && mine.contains(&"run"), "{list}");
    assert!(list.as_array().unwrap().iter().all(|n| n["statusCode"] == 200), "{list}");
    // a clean exit removes both rows
    let (code, log) = s.terminate();
    assert_eq!(code, Some(0), "{log}");
    assert_eq!(env.query_i64(&format!(r#"SELECT count(*) FROM "ProcessHeartbeatDO" WHERE "pid" = {pid}"#)), 0);
}

/// Runs schemathesis against a running `impex serve`; `extra` are further arguments.
fn schemathesis(env: &TestEnv, s: &Server, spec: &str, base: &str, extra: &[&str]) {
    crate::http::schemathesis(env, s, &Contract { spec, base, auth: OPS, cases: 30, config: false }, extra);
}

/// A server with the demo configuration and a transmission in DO_MANUAL_CHECK, or None (skipped
/// outside CI) without tests/.venv.
fn contract_server(command: &str) -> Option<(TestEnv, Server)> {
    if !schemathesis_installed() {
        return None;
    }
    let (env, _, _) = manual_check_env();
    users(&env);
    let s = Server::start(&env, &[command], false);
    Some((env, s))
}

/// The Schedule spec lists no 404, but an unknown `scheduleId` is one (docs/api.md): the
/// operations by id run without the status code check.
#[test]
fn schedule_api_conforms_to_its_spec() {
    let Some((env, s)) = contract_server("serve") else { return };
    let base = "/rest/schedules";
    let spec = "intershop-order-management-schedule-1.0.yaml";
    schemathesis(&env, &s, spec, base, &["--exclude-path-regex", r"\{scheduleId\}", "--exclude-checks", "positive_data_acceptance"]);
    schemathesis(&env, &s, spec, base, &["--include-path-regex", r"\{scheduleId\}", "--exclude-checks", "positive_data_acceptance,status_code_conformance"]);
}

#[test]
fn transmission_api_conforms_to_its_spec() {
    let Some((env, s)) = contract_server("serve") else { return };
    schemathesis(&env, &s, "intershop-order-management-transmission-2.0.yaml", "/rest", &["--exclude-checks", "positive_data_acceptance"]);
}

/// With `impex run --listen`: the status is healthy (a 503 would count as a server error).
#[test]
fn monitoring_api_conforms_to_its_spec() {
    let Some((env, s)) = contract_server("run") else { return };
    let url = s.url("/monitoring/services/health/status");
    wait_for("a healthy status", Duration::from_secs(20), || curl(&[&url]).0 == 200);
    schemathesis(&env, &s, "intershop-order-management-monitoring-1.0.yaml", "/monitoring/services", &[]);
}
