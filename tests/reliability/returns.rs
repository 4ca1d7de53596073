//! The RMA service under load with a kill -9 (docs/orders.md, "Returns"): 64 client
//! connections post return requests for the positions of one order (10 positions, each
//! dispatched 1,000 times, so that the load runs them out) for a minute (env `IMPEX_LOAD_SECS`);
//! in the middle the server is killed with SIGKILL and started again on the same port. Each
//! request has an RMA number of its own; a request that got no answer is sent again with the
//! same number, as a shop retries (answered 201 again when the first one was stored). Then:
//!
//! - no position holds more than was dispatched of it: nothing over-returned;
//! - every request answered 201 is in the database exactly once, whole (its position with the
//!   quantity sent); every request in the database was answered 201 or got no answer;
//! - a refusal names the position and the quantity; no answer was a 5xx.
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use super::{agent, basic, call, under_load, Load, setup, Outcome, Rng, CONNECTIONS, LOAD};

const POSITIONS: i64 = 10;
const DISPATCHED: i64 = 1000;
const ORDER: &str = "LOAD-RMA";

#[derive(Default)]
struct Tally {
    /// Requests answered 201: RMA number -> (position, quantity).
    created: BTreeMap<String, (i64, i64)>,
    /// Requests sent without an answer.
    unsure: BTreeMap<String, (i64, i64)>,
    /// Refused for the quantity (the position ran out).
    refused: u64,
    statuses: BTreeMap<u16, u64>,
    problems: Vec<String>,
}

fn client(base: String, n: u64, stop: Arc<AtomicBool>, answered: Arc<AtomicU64>) -> Tally {
    let agent = agent();
    let auth = basic();
    let mut rng = Rng(n.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut t = Tally::default();
    let mut seq = 0u64;
    let mut pending: Option<(String, i64, i64, bool)> = None;
    let url = format!("{base}/rest/rma/shops/inTRONICS/orders/{ORDER}/return-requests");
    while !stop.load(Ordering::Relaxed) || pending.as_ref().is_some_and(|p| p.3) {
        let (rma, position, qty, retry) = match pending.take() {
            Some(p) => p,
            None => {
                seq += 1;
                (format!("L{n:02}-{seq:06}"), 1 + rng.below(POSITIONS as u64) as i64, 1 + rng.below(3) as i64, false)
            }
        };
        let body = json!({"type": "RETURN", "rmaNumber": rma,
                          "positions": [{"positionNumber": position, "productNumber": format!("RMA-{position}"), "quantity": qty, "reason": "RET020"}]});
        let req = agent.post(&url).header("Authorization", &auth).header("Content-Type", "application/vnd.intershop.return-request.v1+json").send(body.to_string().as_str());
        match call(req) {
            Outcome::Answer(status, text) => {
                *t.statuses.entry(status).or_default() += 1;
                answered.fetch_add(1, Ordering::Relaxed);
                match status {
                    201 => {
                        if t.created.insert(rma.clone(), (position, qty)).is_some() {
                            t.problems.push(format!("request {rma} answered 201 twice"));
                        }
                    }
                    400 if text.contains(&format!("position {position} can return")) => t.refused += 1,
                    _ => t.problems.push(format!("{rma}: {status} {text}")),
                }
            }
            Outcome::Refused => {
                pending = Some((rma, position, qty, retry));
                std::thread::sleep(Duration::from_millis(20));
            }
            Outcome::Broken => {
                t.unsure.insert(rma.clone(), (position, qty));
                pending = Some((rma, position, qty, true));
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
    t
}

#[test]
fn return_requests_survive_a_kill_under_load() {
    let _one_at_a_time = LOAD.lock().unwrap_or_else(|p| p.into_inner());
    let env = setup();
    let returns = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("jobs/14_returns.sql");
    env.ok(&["sql", returns.to_str().unwrap()]);
    let mut sql = String::from(
        r#"INSERT INTO "OrderDO" ("id", "shopRef", "shopOrderNo", "orderCreationDate", "supplierRef", "currency") VALUES (700000, 10000, 'LOAD-RMA', '2026-12-02 10:00:00.000', 5000, 'EUR');
           INSERT INTO "DispatchDO" ("id", "orderRef", "supplierRef", "netAmount") VALUES (700000, 700000, 5000, 0);"#,
    );
    for p in 1..=POSITIONS {
        sql.push_str(&format!(
            r#"INSERT INTO "OrderPositionDO" ("id", "orderRef", "number", "articleId", "articleName", "supplierArticleNo", "quantity", "supplierRef")
               VALUES ({id}, 700000, {p}, 'RMA-{p}', 'Article {p}', 'RMA-{p}', {DISPATCHED}, 5000);
               INSERT INTO "DispatchPositionDO" ("dispatchRef", "orderPositionRef", "number", "quantity") VALUES (700000, {id}, {p}, {DISPATCHED});"#,
            id = 700000 + p
        ));
    }
    env.conn().execute_batch(&sql).unwrap();
    let Load { secs, results, total, before_kill, restarted, mut server, .. } = under_load(&env, client);
    let mut t = Tally::default();
    for c in results {
        for (rma, v) in c.created {
            if t.created.insert(rma.clone(), v).is_some() {
                t.problems.push(format!("request {rma} answered to two connections"));
            }
        }
        t.unsure.extend(c.unsure);
        t.refused += c.refused;
        for (s, n) in c.statuses {
            *t.statuses.entry(s).or_default() += n;
        }
        t.problems.extend(c.problems);
    }
    println!(
        "{secs} s, {CONNECTIONS} connections: {total} answers ({before_kill} before the kill, {} after the restart), statuses {:?}, {} requests created, {} refused for the quantity, {} sent without an answer",
        total - restarted,
        t.statuses,
        t.created.len(),
        t.refused,
        t.unsure.len()
    );
    assert!(t.problems.is_empty(), "unexpected answers ({}):\n{}", t.problems.len(), t.problems.iter().take(20).cloned().collect::<Vec<_>>().join("\n"));
    assert!(total > restarted, "the restarted server answered nothing");
    assert!(!t.created.is_empty(), "no request was created");

    let c = env.conn();
    // nothing over-returned
    let mut st = c
        .prepare(r#"SELECT op."number", coalesce(sum(rp."quantity"), 0) FROM "OrderPositionDO" op LEFT JOIN "ReturnAnnouncementPositionDO" rp ON rp."orderPositionRef" = op."id" WHERE op."orderRef" = 700000 GROUP BY op."id""#)
        .unwrap();
    let held: Vec<(i64, i64)> = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(|r| r.unwrap()).collect();
    for (p, q) in &held {
        assert!(*q <= DISPATCHED, "position {p} holds {q} of {DISPATCHED} dispatched");
    }
    // every request whole and once: (RMA number, positions, position number, quantity)
    let mut st = c
        .prepare(
            r#"SELECT a."rmaNumber", count(rp."id"), min(op."number"), coalesce(sum(rp."quantity"), 0)
               FROM "ReturnAnnouncementDO" a LEFT JOIN "ReturnAnnouncementPositionDO" rp ON rp."returnAnnouncementRef" = a."id"
               LEFT JOIN "OrderPositionDO" op ON op."id" = rp."orderPositionRef"
               WHERE a."orderRef" = 700000 GROUP BY a."id""#,
        )
        .unwrap();
    let rows: Vec<(String, i64, Option<i64>, i64)> = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).unwrap().map(|r| r.unwrap()).collect();
    let mut seen = BTreeSet::new();
    for (rma, n, position, qty) in &rows {
        assert!(seen.insert(rma.clone()), "request {rma} is in the database twice");
        let want = t.created.get(rma).or(t.unsure.get(rma)).unwrap_or_else(|| panic!("request {rma} is in the database but was answered otherwise"));
        assert_eq!((*n, position.unwrap_or(0), *qty), (1, want.0, want.1), "request {rma} is not whole");
    }
    let lost: Vec<&String> = t.created.keys().filter(|r| !seen.contains(*r)).collect();
    assert!(lost.is_empty(), "{} requests answered 201 are lost: {:?}", lost.len(), &lost[..lost.len().min(20)]);
    let log = std::fs::read_to_string(env.path("serve.stderr")).unwrap_or_default();
    assert!(!log.contains("panicked"), "the server panicked:\n{log}");
    server.kill().unwrap();
    server.wait().unwrap();
}
