//! The order service under load with a kill -9 (docs/orders.md, "Orders in"): 64 client
//! connections post orders (`POST /rest/order-service/shops/10000/orders`) for a minute (env
//! `IMPEX_LOAD_SECS`); in the middle the server is killed with SIGKILL and started again on the
//! same port. A create that got no answer is sent again with the same order number, as a shop
//! retries (answered 201, or 400 DUPLICATE_ORDER when the first one was stored). Then:
//!
//! - every order answered 201 is in the database exactly once, whole: its position with the
//!   quantity sent, its two addresses, its prices, its supplier and `readyForSupplier`;
//! - every order in the database was answered 201, or its create got no answer (then it is
//!   whole too, and its retry was answered DUPLICATE_ORDER): nothing half-written, nothing twice;
//! - no answer was a 5xx, and the restarted server answered.
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use super::{agent, basic, call, under_load, Load, product, setup, Outcome, Rng, CONNECTIONS, LOAD, PRODUCTS, SHOP};

#[derive(Default)]
struct Tally {
    /// Orders answered 201: number -> quantity.
    created: BTreeMap<String, i64>,
    /// Orders whose create got no answer: number -> quantity.
    unsure: BTreeMap<String, i64>,
    /// Unsure orders whose retry was answered DUPLICATE_ORDER (the first one was stored).
    duplicates: BTreeSet<String>,
    statuses: BTreeMap<u16, u64>,
    problems: Vec<String>,
}

fn body(no: &str, product: &str, qty: i64) -> String {
    let address = json!({
        "location": {"type": "AddressLocationStreet", "street": "Load Street", "streetNumber": "7", "city": "Jena", "postCode": "07743", "countryCode": "DEU"},
        "contact": {"email": "load@example.com"},
        "receiver": {"addressReceiverType": "PERSON", "person": {"lastName": "Load"}}
    });
    let cents = |c: i64| c as f64 / 100.0;
    let (net, gross, tax) = (1000 * qty, 1190 * qty, 190 * qty);
    json!({
        "shopOrderNumber": no,
        "shopOrderCreationDate": "2026-12-02T10:00:00Z",
        "customerData": {"customerDataType": "PERSON"},
        "invoiceAddress": address,
        "payment": {"paymentMethod": "INVOICE"},
        "sales": {"currencyCode": "EUR",
                  "subTotal": {"net": {"amount": cents(net)}, "gross": {"amount": cents(gross)}, "taxes": [{"type": "FullTax", "amount": cents(tax)}]},
                  "total": {"net": {"amount": cents(net)}, "gross": {"amount": cents(gross)}, "taxes": [{"type": "FullTax", "amount": cents(tax)}]}},
        "shippingBuckets": [{"shippingAddress": address, "positions": [{
            "product": {"name": "Load article", "number": product}, "quantity": qty,
            "sum": {"net": {"amount": cents(net)}, "gross": {"amount": cents(gross)}, "taxes": [{"type": "FullTax", "amount": cents(tax)}]},
            "shipping": {"deliveryDate": {"deliveryDateType": "STANDARD"}, "expectedDeliveryDays": 1}}]}]
    })
    .to_string()
}

/// One connection: orders with numbers of its own until `stop`; an unanswered create is sent
/// again (same number, same body) until it gets an answer.
fn client(base: String, n: u64, stop: Arc<AtomicBool>, answered: Arc<AtomicU64>) -> Tally {
    let agent = agent();
    let auth = basic();
    let mut rng = Rng(n.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut t = Tally::default();
    let mut seq = 0u64;
    // (number, quantity, product, sent before without an answer)
    let mut pending: Option<(String, i64, String, bool)> = None;
    while !stop.load(Ordering::Relaxed) || pending.as_ref().is_some_and(|p| p.3) {
        let (no, qty, prod, retry) = match pending.take() {
            Some(p) => p,
            None => {
                seq += 1;
                (format!("L{n:02}-{seq:06}"), 1 + rng.below(3) as i64, product(rng.below(PRODUCTS as u64) as usize), false)
            }
        };
        let req = agent
            .post(format!("{base}/rest/order-service/shops/{SHOP}/orders"))
            .header("Authorization", &auth)
            .header("Content-Type", "application/vnd.intershop.order.v2+json")
            .send(body(&no, &prod, qty).as_str());
        match call(req) {
            Outcome::Answer(status, text) => {
                *t.statuses.entry(status).or_default() += 1;
                answered.fetch_add(1, Ordering::Relaxed);
                match status {
                    201 => {
                        if t.created.insert(no.clone(), qty).is_some() {
                            t.problems.push(format!("order {no} answered 201 twice"));
                        }
                    }
                    400 if retry && text.contains("DUPLICATE_ORDER") => {
                        t.duplicates.insert(no.clone());
                    }
                    _ => t.problems.push(format!("{no}: {status} {text}")),
                }
            }
            Outcome::Refused => {
                pending = Some((no, qty, prod, retry));
                std::thread::sleep(Duration::from_millis(20));
            }
            Outcome::Broken => {
                t.unsure.insert(no.clone(), qty);
                pending = Some((no, qty, prod, true));
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
    t
}

#[test]
fn orders_survive_a_kill_under_load() {
    let _one_at_a_time = LOAD.lock().unwrap_or_else(|p| p.into_inner());
    let env = setup();
    let Load { secs, results, total, before_kill, restarted, mut server, .. } = under_load(&env, client);
    let mut t = Tally::default();
    for c in results {
        for (no, q) in c.created {
            if t.created.insert(no.clone(), q).is_some() {
                t.problems.push(format!("order {no} answered to two connections"));
            }
        }
        t.unsure.extend(c.unsure);
        t.duplicates.extend(c.duplicates);
        for (s, n) in c.statuses {
            *t.statuses.entry(s).or_default() += n;
        }
        t.problems.extend(c.problems);
    }
    println!(
        "{secs} s, {CONNECTIONS} connections: {total} answers ({before_kill} before the kill, {} after the restart), statuses {:?}, {} orders created, {} creates unanswered, {} of them stored before the kill (DUPLICATE_ORDER on retry)",
        total - restarted,
        t.statuses,
        t.created.len(),
        t.unsure.len(),
        t.duplicates.len()
    );
    assert!(t.problems.is_empty(), "unexpected answers ({}):\n{}", t.problems.len(), t.problems.iter().take(20).cloned().collect::<Vec<_>>().join("\n"));
    assert!(total > restarted, "the restarted server answered nothing");
    assert!(t.statuses.keys().all(|s| *s < 500), "{:?}", t.statuses);
    assert!(!t.created.is_empty(), "no order was created");

    // every order in the database, whole: (number, quantity, positions, addresses, prices, supplier set, released)
    let c = env.conn();
    let mut st = c
        .prepare(
            r#"SELECT o."shopOrderNo",
                      (SELECT sum(p."quantity") FROM "OrderPositionDO" p WHERE p."orderRef" = o."id"),
                      (SELECT count(*) FROM "OrderPositionDO" p WHERE p."orderRef" = o."id" AND p."supplierRef" IS NOT NULL),
                      (SELECT count(*) FROM "OrderAddressDO" a WHERE a."orderRef" = o."id"),
                      (SELECT count(*) FROM "OrderChargeDO" ch WHERE ch."orderRef" = o."id"),
                      o."readyForSupplier" IS NOT NULL
               FROM "OrderDO" o WHERE o."shopRef" = ?1"#,
        )
        .unwrap();
    let rows: Vec<(String, i64, i64, i64, i64, bool)> =
        st.query_map([SHOP], |r| Ok((r.get(0)?, r.get::<_, Option<i64>>(1)?.unwrap_or(0), r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))).unwrap().map(|r| r.unwrap()).collect();
    let mut seen = BTreeSet::new();
    for (no, qty, supplied, addresses, prices, released) in &rows {
        if !no.starts_with('L') {
            continue; // the demo's orders
        }
        assert!(seen.insert(no.clone()), "order {no} is in the database twice");
        let want = t.created.get(no).or(t.unsure.get(no)).unwrap_or_else(|| panic!("order {no} is in the database but its create was answered otherwise"));
        assert_eq!((*qty, *supplied, *addresses, *prices, *released), (*want, 1, 2, 2, true), "order {no} is not whole");
    }
    let lost: Vec<&String> = t.created.keys().filter(|no| !seen.contains(*no)).collect();
    assert!(lost.is_empty(), "{} orders answered 201 are lost: {:?}", lost.len(), &lost[..lost.len().min(20)]);
    for no in &t.duplicates {
        assert!(seen.contains(no), "order {no} was refused as a duplicate but is not there");
    }
    let log = std::fs::read_to_string(env.path("serve.stderr")).unwrap_or_default();
    assert!(!log.contains("panicked"), "the server panicked:\n{log}");
    server.kill().unwrap();
    server.wait().unwrap();
}
