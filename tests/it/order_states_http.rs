//! The order service's order states over real HTTP (docs/orders.md, "Order states"): a partial
//! dispatch moves an order to COMMISSIONED_PARTLY_DISPATCHED and lowers its ATP `blocked`; the
//! filters, sorting and paging of `order-states`; the `modified` cursor paged by a reader while
//! another client writes (every change seen once, none skipped); rights; the contract test.
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::http::{add_user, curl, Server};
use crate::support::env::TestEnv;

const SHOP: i64 = 10000;
const USER: &str = "webshop:shop-secret-1";
const MEDIA: &str = "application/vnd.intershop.order.v2+json";

fn setup() -> (TestEnv, Server) {
    let env = TestEnv::new(true);
    add_user(&env, "webshop", "shop-secret-1", "ShopServiceClient", &["--shop", "10000"]);
    let s = Server::start(&env, &["serve"], false);
    (env, s)
}

fn get(s: &Server, path: &str) -> (u16, Value) {
    let (status, head, body) = curl(&["-u", USER, &s.url(path)]);
    if status == 200 {
        assert!(head.to_ascii_lowercase().contains(&format!("content-type: {MEDIA}")), "{head}");
    }
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

fn states(s: &Server, query: &str) -> Value {
    let (status, body) = get(s, &format!("/rest/order-service/shops/{SHOP}/order-states?{query}"));
    assert_eq!(status, 200, "{query}: {body}");
    body
}

fn numbers(body: &Value) -> Vec<String> {
    body["data"].as_array().unwrap().iter().map(|o| o["shopOrderNumber"].as_str().unwrap().to_string()).collect()
}

/// An order of the shop with one position of `qty` of `article` at the demo's supplier 5000.
fn order(env: &TestEnv, no: &str, customer: &str, created: &str, article: &str, qty: i64, email: &str) -> (i64, i64) {
    let c = env.store();
    let order = c
        .query_i64(
            r#"INSERT INTO "OrderDO" ("shopRef", "shopOrderNo", "shopCustomerNo", "orderCreationDate", "supplierRef", "currency", "paymentMethod",
                                      "customerFirstName", "customerLastName", "customerEmail")
               VALUES (?1, ?2, ?3, ?4, 5000, 'EUR', 'INVOICE', 'Jo', 'Doe', ?5) RETURNING "id""#,
            impex::db::params![SHOP, no, customer, created, email],
        )
        .unwrap();
    c.execute(
        r#"INSERT INTO "OrderAddressDO" ("orderRef", "addressType", "firstName", "lastName", "street", "houseNumber", "city", "postCode", "country")
           VALUES (?1, 'BILLING', 'Jo', 'Doe', 'Main St', '1', 'Jena', '07743', 'DEU'), (?1, 'DELIVERY', 'Jo', 'Doe', 'Side St', '2', 'Jena', '07745', 'DEU')"#,
        impex::db::params![order],
    )
    .unwrap();
    let position = c
        .query_i64(
            r#"INSERT INTO "OrderPositionDO" ("orderRef", "number", "articleId", "articleName", "supplierArticleNo", "quantity", "supplierRef", "sumNet", "sumGross", "sumTax")
               VALUES (?1, 1, ?2, 'Article', ?2, ?3, 5000, 1000, 1190, 190) RETURNING "id""#,
            impex::db::params![order, article, qty],
        )
        .unwrap();
    (order, position)
}

/// A dispatch of `qty` of `position` with DHL (the demo's carrier 5100) and two tracking numbers.
fn dispatch(env: &TestEnv, order: i64, position: i64, qty: i64) {
    let c = env.store();
    let d = c
        .query_i64(
            r#"INSERT INTO "DispatchDO" ("orderRef", "supplierRef", "carrierRef", "netAmount", "deliveryNoteNo", "trackingNumbers") VALUES (?1, 5000, 5100, 0, 'DN-1', 'TN-1;TN-2') RETURNING "id""#,
            impex::db::params![order],
        )
        .unwrap();
    c.execute(r#"INSERT INTO "DispatchPositionDO" ("dispatchRef", "orderPositionRef", "number", "quantity") VALUES (?1, ?2, 1, ?3)"#, impex::db::params![d, position, qty])
        .unwrap();
}

/// The order sent to supplier 5000 (a PUSHED SEND_ORDER transmission).
fn commission(env: &TestEnv, order: i64) {
    env.store()
        .execute_batch(&format!(
            r#"INSERT OR IGNORE INTO "PartnerReferrerDO" ("id", "supplierRef") VALUES (95000, 5000);
               INSERT OR IGNORE INTO "CommunicationPartnerDO" ("id", "communicationRef", "sendingPartnerReferrerRef", "receivingPartnerReferrerRef")
               VALUES (95001, 100005, 10010, 95000);
               INSERT INTO "TransmissionDO" ("transmissionTypeDefRef", "communicationPartnerRef", "sendingPartnerReferrerRef", "receivingPartnerReferrerRef", "orderRef", "state", "sentDate")
               VALUES (10, 95001, 10010, 95000, {order}, 'PUSHED', '2026-01-02 03:04:05.000');"#
        ))
        .unwrap();
}

fn blocked(s: &Server, article: &str) -> i64 {
    let (status, _, body) = curl(&["-u", USER, &s.url(&format!("/servlets/services/atp/{SHOP}/{article}"))]);
    assert_eq!(status, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    v["data"][0]["blocked"].as_i64().unwrap_or_else(|| panic!("{body}"))
}

#[test]
fn a_partial_dispatch_makes_an_order_commissioned_partly_dispatched() {
    let (env, s) = setup();
    env.store()
        .execute(r#"INSERT INTO "ArticleStockDO" ("shopRef", "supplierRef", "supplierArticleNo", "stockLevel") VALUES (?1, 5000, 'OS-ART', 10)"#, impex::db::params![SHOP])
        .unwrap();
    let (order_id, position) = order(&env, "OS-1", "CUST-1", "2026-03-01 10:00:00.000", "OS-ART", 3, "jo@example.com");
    let state = |s: &Server| states(s, "shopOrderNumbers=OS-1")["data"][0].clone();
    assert_eq!(state(&s)["status"], "INITIAL");
    assert_eq!(blocked(&s, "OS-ART"), 3);

    commission(&env, order_id);
    let o = state(&s);
    assert_eq!(o["status"], "COMMISSIONED", "{o}");
    assert_eq!(o["additionalAttributes"]["impexOrderStatus"]["shopStatus"], "transmitted");
    let p = &o["shippingBuckets"][0]["positions"][0];
    assert_eq!(p["commissioned"]["name"], "inTRONICS Distribution", "{p}");
    assert_eq!(p["commissioned"]["commissionDate"], "2026-01-02T03:04:05.000Z");

    dispatch(&env, order_id, position, 1);
    let o = state(&s);
    assert_eq!(o["status"], "COMMISSIONED_PARTLY_DISPATCHED", "{o}");
    let p = &o["shippingBuckets"][0]["positions"][0];
    assert_eq!(p["status"], "COMMISSIONED_PARTLY_DISPATCHED");
    assert_eq!(p["ordered"]["quantity"], 3);
    let d = &p["dispatched"][0];
    assert_eq!(d["quantity"], 1, "{p}");
    assert_eq!(d["deliveryNoteNumber"], "DN-1");
    assert_eq!(d["carrier"]["name"], "DHL");
    assert_eq!(d["carrier"]["packages"], 2);
    assert_eq!(d["carrier"]["shipmentTracking"]["number"], "TN-1");
    assert_eq!(d["carrier"]["shipmentTracking"]["url"], "https://www.dhl.com/en-us/home/tracking.html?AWB=TN-1");
    assert_eq!(o["shippingBuckets"][0]["shippingAddress"]["location"]["street"], "Side St");
    assert_eq!(o["invoiceAddress"]["location"]["street"], "Main St");
    // the ATP's blocked counts what is still to be dispatched
    assert_eq!(blocked(&s, "OS-ART"), 2);

    // the rest dispatched, then one returned (an accepted return announcement)
    dispatch(&env, order_id, position, 2);
    assert_eq!(state(&s)["status"], "DISPATCHED");
    env.store()
        .execute_batch(&format!(
            r#"INSERT INTO "ReturnAnnouncementDO" ("id", "orderRef", "rmaNumber", "stateDefRef") VALUES (97000, {order_id}, 'RMA-1', 5000);
               INSERT INTO "ReturnAnnouncementPositionDO" ("returnAnnouncementRef", "orderPositionRef", "quantity", "returnReason") VALUES (97000, {position}, 1, 'RET010');"#
        ))
        .unwrap();
    let o = state(&s);
    assert_eq!(o["status"], "DISPATCHED_PARTLY_RETURNED", "{o}");
    let r = &o["shippingBuckets"][0]["positions"][0]["returned"][0];
    assert_eq!((r["quantity"].as_i64(), r["status"].as_str(), r["returnReason"]["value"].as_str()), (Some(1), Some("ACCEPTED"), Some("RET010")), "{r}");
    // `impex order` shows the state and the web shop's name of it
    let out = env.ok(&["order", "OS-1"]);
    assert!(out.contains("state:    DISPATCHED_PARTLY_RETURNED (5100); the web shop shows: shipped"), "{out}");
    assert!(out.contains("COMMISSIONED = transmitted") && out.contains("RETURNED = returned"), "{out}");
}

#[test]
fn rights_media_types_and_bad_parameters() {
    let (env, s) = setup();
    add_user(&env, "other", "other-secret-1", "ShopServiceClient", &["--organization", "Elsewhere"]);
    let path = s.url(&format!("/rest/order-service/shops/{SHOP}/order-states"));
    // another shop's user: 403, for both operations
    for p in [path.clone(), format!("{path}/modified")] {
        assert_eq!(curl(&["-u", "other:other-secret-1", &p]).0, 403, "{p}");
        assert_eq!(curl(&[&p]).0, 401, "{p}");
        assert_eq!(curl(&["-u", USER, &p]).0, 200, "{p}");
        assert_eq!(curl(&["-u", USER, "-H", "Accept: text/html", &p]).0, 406, "{p}");
    }
    assert_eq!(curl(&["-u", USER, &s.url("/rest/order-service/shops/10999/order-states")]).0, 403);
    for (query, field) in [
        ("limit=0", "limit"),
        ("offset=-1", "offset"),
        ("limit=x", "limit"),
        ("orderBy=id", "orderBy"),
        ("sortDirection=up", "sortDirection"),
        ("shopOrderCreationDate%5Bgte%5D=2019-02-30", "shopOrderCreationDate[gte]"),
    ] {
        let (status, _, body) = curl(&["-u", USER, &format!("{path}?{query}")]);
        assert_eq!(status, 400, "{query}: {body}");
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["status"], 400);
        assert!(v["errors"][0]["message"].as_str().unwrap().starts_with(&format!("{field}: ")), "{query}: {body}");
    }
    for (query, field) in [("limit=10001", "limit"), ("minCursor=abc", "minCursor"), ("modifiedSince=2019-06-03", "modifiedSince"), ("minCursor=1&modifiedSince=2019-06-03T15:57:33Z", "minCursor")] {
        let (status, _, body) = curl(&["-u", USER, &format!("{path}/modified?{query}")]);
        assert_eq!(status, 400, "{query}: {body}");
        assert!(body.contains(&format!("\"{field}: ")), "{query}: {body}");
    }
}

#[test]
fn filters_sorting_and_paging() {
    let (env, s) = setup();
    order(&env, "F-1", "C-A", "2026-01-05 10:00:00.000", "ART-1", 1, "a@example.com");
    order(&env, "F-2", "C-B", "2026-01-03 10:00:00.000", "ART-2", 1, "b@example.com");
    order(&env, "F-3", "C-A", "2026-01-04 10:00:00.000", "ART-2", 2, "c@example.com");
    let (o4, p4) = order(&env, "F-4", "C-C", "2026-01-01 10:00:00.000", "ART-3", 1, "d@example.com");
    dispatch(&env, o4, p4, 1);
    let only = "shopOrderNumbers=F-1,F-2&shopOrderNumbers=F-3&shopOrderNumbers=F-4";
    // default: by creation date ascending
    assert_eq!(numbers(&states(&s, only)), ["F-4", "F-2", "F-3", "F-1"]);
    assert_eq!(numbers(&states(&s, &format!("{only}&orderBy=shopOrderNumber&sortDirection=DESC"))), ["F-4", "F-3", "F-2", "F-1"]);
    assert_eq!(numbers(&states(&s, &format!("{only}&orderBy=shopCustomerNumber"))), ["F-1", "F-3", "F-2", "F-4"]);
    assert_eq!(numbers(&states(&s, "shopCustomerNumbers=C-A")), ["F-3", "F-1"]);
    assert_eq!(numbers(&states(&s, "productNumbers=ART-2&productNumbers=ART-3")), ["F-4", "F-2", "F-3"]);
    assert_eq!(numbers(&states(&s, "emails=B@example.com,d@example.com")), ["F-4", "F-2"]);
    assert_eq!(numbers(&states(&s, &format!("{only}&shopOrderCreationDate%5Bgte%5D=2026-01-03&shopOrderCreationDate%5Blte%5D=2026-01-04"))), ["F-2", "F-3"]);
    // ANY within a list, ALL across filters
    assert_eq!(numbers(&states(&s, "shopCustomerNumbers=C-A&productNumbers=ART-2")), ["F-3"]);
    // statuses: derived, with or without the spec's STATE_ prefix
    assert_eq!(numbers(&states(&s, &format!("{only}&statuses=DISPATCHED"))), ["F-4"]);
    let page = states(&s, &format!("{only}&statuses=STATE_INITIAL&limit=1&offset=1"));
    assert_eq!((numbers(&page), page["meta"]["totalCount"].as_i64()), (vec!["F-3".to_string()], Some(3)));
    assert_eq!(numbers(&states(&s, &format!("{only}&statuses=NOTHING"))), Vec::<String>::new());
    // paging
    let page = states(&s, &format!("{only}&limit=2&offset=1"));
    assert_eq!(numbers(&page), ["F-2", "F-3"]);
    assert_eq!(page["meta"]["totalCount"], 4);
    assert_eq!(numbers(&states(&s, &format!("{only}&limit=2&offset=4"))), Vec::<String>::new());
    // the demo's order with its invoice, and payments of it as the PaymentHistories import writes them
    env.store()
        .execute_batch(
            r#"PRAGMA foreign_keys = OFF;
               INSERT INTO "PaymentHistoryDO" ("shopRef", "financeControllerRef", "invoicingRef", "merchantId", "transId", "refNr", "debitorRef", "entryDate",
                                               "voucherNo", "voucherDate", "positionType", "kind", "amount", "importFileRef")
               VALUES (10000, 1, 10001, 'M', 'T1', '2014000001', 10000, '2015-01-20', 'V1', '2015-01-20', 'R', 'INVOICE', 12345, 1),
                      (10000, 1, 10001, 'M', 'T2', '2014000001', 10000, '2015-02-01', 'V2', '2015-02-01', 'Z', 'PAYMENT', 10000, 1);"#,
        )
        .unwrap();
    let o = &states(&s, "shopOrderNumbers=2014000001")["data"][0];
    let p = &o["paymentState"];
    assert!(p["invoicingDebitAmount"].as_f64().unwrap() > 0.0, "{p}");
    assert_eq!(p["currencyCode"], "EUR");
    let status = o["additionalAttributes"]["impexPaymentStatus"]["status"].as_str().unwrap();
    assert_eq!(status, "Part Paid", "{o}");
    assert_eq!(p["chargedDebitAmount"].as_f64(), Some(100.0), "{p}");
    assert_eq!(p["lastCaptureDate"], "2015-02-01T00:00:00.000Z", "{p}");
    let history = p["paymentHistory"].as_array().unwrap();
    assert_eq!(history.len(), 2, "{p}");
    assert_eq!((history[1]["type"].as_str(), history[1]["action"].as_str(), history[1]["amount"].as_f64()), (Some("INBOUND"), Some("CAPTURE"), Some(100.0)));
    let open = p["chargedOpenAmount"].as_f64().unwrap();
    assert_eq!(open == 0.0, status == "Paid", "{p}");
    // the same figures as `impex order` (the payment views)
    let cli: Value = serde_json::from_str(&env.ok(&["order", "2014000001", "--json"])).unwrap();
    let view = &cli[0]["order"];
    assert_eq!(view["payment_status"].as_str(), Some(status), "{cli}");
    assert_eq!(view["invoiced_amount"].as_f64().map(|a| a / 100.0), p["invoicingDebitAmount"].as_f64(), "{cli} {p}");
    assert_eq!(view["open_amount"].as_f64().map(|a| -a / 100.0), Some(open), "{cli} {p}");
    assert_eq!(
        format!("{:.2}", view["paid_percent"].as_f64().unwrap()),
        o["additionalAttributes"]["impexPaymentStatus"]["paidPercent"].as_str().unwrap()
    );
}

/// A writer changes orders (one change per transaction) while a reader pages
/// `order-states/modified` by `minCursor`: the cursors the reader sees only grow, no order state
/// is answered twice for the same change, and every change is seen (itself, or the order's later
/// state), none skipped.
#[test]
fn the_modified_cursor_misses_and_repeats_nothing_under_concurrent_writes() {
    let (env, s) = setup();
    let mut orders = Vec::new();
    for i in 0..8 {
        orders.push(order(&env, &format!("M-{i}"), "C-M", "2026-02-01 10:00:00.000", &format!("M-ART-{i}"), 5, "m@example.com"));
    }
    let done = Arc::new(AtomicBool::new(false));
    let db = env.db();
    let flag = done.clone();
    let list = orders.clone();
    let writer = std::thread::spawn(move || {
        // impex's storage handle: the same writes on either backend
        let mut c = impex::db::open_existing(&db).unwrap();
        let mut changes = Vec::new();
        for round in 0..120 {
            let (order, position) = list[(round * 3) % list.len()];
            let tx = c.write().unwrap();
            match round % 3 {
                0 => {
                    tx.execute(r#"UPDATE "OrderPositionDO" SET "cancelledQuantity" = min("cancelledQuantity" + 1, 1) WHERE "id" = ?1"#, impex::db::params![position]).unwrap();
                }
                1 => {
                    let d = tx.query_i64(r#"INSERT INTO "DispatchDO" ("orderRef", "supplierRef", "netAmount") VALUES (?1, 5000, 0) RETURNING "id""#, impex::db::params![order]).unwrap();
                    tx.execute(r#"INSERT INTO "DispatchPositionDO" ("dispatchRef", "orderPositionRef", "number", "quantity") VALUES (?1, ?2, 1, 1)"#, impex::db::params![d, position]).unwrap();
                }
                _ => {
                    tx.execute(r#"UPDATE "OrderDO" SET "modificationDate" = strftime('%Y-%m-%d %H:%M:%f','now') WHERE "id" = ?1"#, impex::db::params![order]).unwrap();
                }
            }
            let cursor = tx.query_i64(r#"SELECT "cursor" FROM "OrderChangeDO" WHERE "orderRef" = ?1"#, impex::db::params![order]).unwrap();
            tx.commit().unwrap();
            changes.push((order, cursor));
            std::thread::sleep(Duration::from_millis(3));
        }
        flag.store(true, Ordering::SeqCst);
        changes
    });
    let start: i64 = env.query_i64(r#"SELECT coalesce(max("cursor"), 0) FROM "OrderChangeDO""#);
    let ids: BTreeMap<String, i64> = orders.iter().enumerate().map(|(i, (o, _))| (format!("M-{i}"), *o)).collect();
    let mut cursor = start;
    let mut seen: Vec<(i64, i64)> = Vec::new();
    let mut pages_while_writing = 0;
    loop {
        let finished = done.load(Ordering::SeqCst);
        let (status, page) = get(&s, &format!("/rest/order-service/shops/{SHOP}/order-states/modified?minCursor={cursor}&limit=3"));
        assert_eq!(status, 200, "{page}");
        let data = page["data"].as_array().unwrap();
        for o in data {
            let c: i64 = o["additionalAttributes"]["impexChange"]["cursor"].as_str().unwrap().parse().unwrap();
            seen.push((ids[o["shopOrderNumber"].as_str().unwrap()], c));
        }
        assert_eq!(page["meta"]["pageSize"].as_u64(), Some(data.len() as u64));
        if !finished && !data.is_empty() {
            pages_while_writing += 1;
        }
        if let Some(max) = page["meta"]["maxCursor"].as_i64() {
            assert!(max >= cursor, "{page}");
            cursor = max;
        }
        if data.is_empty() && finished {
            break;
        }
    }
    let changes = writer.join().unwrap();
    // the reader really paged while the writer wrote
    assert!(pages_while_writing >= 2, "{pages_while_writing} pages while writing");
    // the cursors only grow: nothing is answered twice
    assert!(seen.windows(2).all(|w| w[0].1 < w[1].1), "{seen:?}");
    let seen_set: BTreeSet<(i64, i64)> = seen.iter().copied().collect();
    let written: BTreeSet<(i64, i64)> = changes.iter().copied().collect();
    // every answered state is one the writer made
    assert!(seen_set.is_subset(&written), "seen {seen:?} written {changes:?}");
    // every change is seen: itself, or a later change of the same order
    for (order, c) in &changes {
        assert!(seen.iter().any(|(o, sc)| o == order && sc >= c), "change {c} of order {order} was skipped: {seen:?}");
    }
    // each order's last change is seen exactly once
    for (order, _) in &orders {
        let last = changes.iter().filter(|(o, _)| o == order).map(|(_, c)| *c).max();
        if let Some(last) = last {
            assert_eq!(seen.iter().filter(|(o, c)| o == order && *c == last).count(), 1);
        }
    }
    // modifiedSince: everything changed since before the first write
    let (status, page) = get(&s, &format!("/rest/order-service/shops/{SHOP}/order-states/modified?modifiedSince=2000-01-01T00:00:00Z&limit=10000"));
    assert_eq!(status, 200);
    assert_eq!(page["meta"]["totalCount"].as_i64(), Some(env.query_i64(r#"SELECT count(*) FROM "OrderDO" WHERE "shopRef" = 10000"#)));
}

/// The contract of the two order-states operations (schemathesis), with the demo's orders in
/// the spec's example shop 1000 so that real states are checked against the schema.
#[test]
fn order_states_conform_to_the_spec() {
    if !crate::http::schemathesis_installed() {
        return;
    }
    let env = TestEnv::new(true);
    add_user(&env, "everywhere", "contract-secret-1", "ShopServiceClient", &[]);
    let (o, p) = order(&env, "C-1", "C-X", "2026-01-01 10:00:00.000", "C-ART", 2, "x@example.com");
    commission(&env, o);
    dispatch(&env, o, p, 1);
    env.store().execute_batch(r#"PRAGMA foreign_keys = OFF; UPDATE "OrderDO" SET "shopRef" = 1000; UPDATE "OrderChangeDO" SET "shopRef" = 1000;"#).unwrap();
    let s = Server::start(&env, &["serve"], false);
    let contract = crate::http::Contract {
        spec: "intershop-order-management-order-2.4.yaml",
        base: "/rest/order-service",
        auth: "everywhere:contract-secret-1",
        cases: 40,
        config: false,
    };
    crate::http::schemathesis(&env, &s, &contract, &["--include-path-regex", "order-states", "--exclude-checks", "positive_data_acceptance"]);
    // the demo's orders were answered (not only empty pages)
    let (status, _, body) = curl(&["-u", "everywhere:contract-secret-1", &s.url("/rest/order-service/shops/1000/order-states")]);
    assert_eq!(status, 200);
    assert!(body.contains("2014000001") && body.contains("COMMISSIONED_PARTLY_DISPATCHED"), "{body}");
}
