//! The reservation API under load with a kill -9 (docs/testing.md, "Load test"): 64 client
//! connections create, read and delete reservations against `impex serve` for a minute (env
//! `IMPEX_LOAD_SECS`); in the middle the server is killed with SIGKILL and started again on the
//! same port. Then:
//!
//! - every reservation answered 200 is in the database with the items and quantities of its
//!   answer, unless a 204 deleted it; every one answered 204 on DELETE is gone;
//! - the database holds no reservation beyond those, except at most one per create that got no
//!   answer (the connection broke with the kill): nothing is duplicated;
//! - the ATP of every product and location equals a recount from the rows (stock minus the
//!   quantities of the reservations held), and no product is reserved beyond its stock;
//! - no answer was a 5xx, and the restarted server answered.
//!
//! `orders` (tests/reliability/orders.rs) does the same with orders of the order service.
//!
//! Its own test binary: cargo runs it after the integration tests, so that its load does not
//! share the cores with them.
#[allow(dead_code)]
#[path = "../it/support/env.rs"]
mod env;
#[allow(dead_code)]
#[path = "../it/support/postgres.rs"]
mod postgres;
#[allow(dead_code)]
#[path = "../it/support/transfer.rs"]
mod transfer;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use env::{wait_for, TestEnv};

// The order service's orders under the same load and kill.
mod orders;
// The RMA service's return requests under the same load and kill.
mod returns;

/// The load tests run one at a time (each wants the cores to itself).
pub(crate) static LOAD: std::sync::Mutex<()> = std::sync::Mutex::new(());
use serde_json::{json, Value};

pub(crate) const SHOP: i64 = 10000;
pub(crate) const CONNECTIONS: usize = 64;
pub(crate) const PRODUCTS: usize = 20;
/// Per product and location: small enough that the load runs products out of stock.
const STOCK: i64 = 300;
const USER: &str = "loadshop";
const PASSWORD: &str = "load-secret-1";
const LOCATIONS: [&str; 2] = ["inTRONICS Distribution", "Second Supplier"];

pub(crate) fn product(i: usize) -> String {
    format!("LOAD-{i:02}")
}

/// xorshift64*, seeded per connection.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }
}

/// What one connection saw.
#[derive(Default)]
struct Tally {
    /// Reservations answered 200: id -> (product, reserved quantity) as answered.
    created: BTreeMap<i64, Vec<(String, i64)>>,
    /// Reservations deleted with a 204.
    deleted: BTreeSet<i64>,
    /// Creates without an answer (the connection broke).
    unsure_creates: u64,
    /// Deletes without an answer: the reservation may or may not be gone.
    unsure_deletes: BTreeSet<i64>,
    statuses: BTreeMap<u16, u64>,
    /// Unexpected answers, with their bodies.
    problems: Vec<String>,
}

pub(crate) fn setup() -> TestEnv {
    let env = TestEnv::new(true);
    let mut sql = String::from(
        r#"INSERT INTO "SupplierDO" ("id", "name") VALUES (5001, 'Second');
           INSERT INTO "Shop2SupplierDO" ("id", "shopRef", "supplierRef", "shopSupplierName") VALUES (10001, 10000, 5001, 'Second Supplier');"#,
    );
    for i in 0..PRODUCTS {
        for supplier in [5000, 5001] {
            sql.push_str(&format!(
                r#"INSERT INTO "ArticleStockDO" ("shopRef", "supplierRef", "supplierArticleNo", "stockLevel", "modificationDate")
                   VALUES ({SHOP}, {supplier}, '{}', {STOCK}, '2026-12-01 08:00:00.000');"#,
                product(i)
            ));
        }
    }
    env.conn().execute_batch(&sql).unwrap();
    let mut child = env
        .cmd(&["user", "add", USER, "--role", "ShopServiceClient", "--shop", &SHOP.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(format!("{PASSWORD}\n").as_bytes()).unwrap();
    assert!(child.wait().unwrap().success(), "impex user add");
    env
}

/// `impex serve` on `port`, its stderr appended to `serve.stderr`; returns when it answers.
pub(crate) fn serve(env: &TestEnv, port: u16) -> Child {
    let log = std::fs::OpenOptions::new().create(true).append(true).open(env.path("serve.stderr")).unwrap();
    let child = env.cmd(&["serve", "--listen", &format!("127.0.0.1:{port}")]).stdout(Stdio::null()).stderr(log).spawn().unwrap();
    let agent = agent();
    let url = format!("http://127.0.0.1:{port}/monitoring/services/health/status");
    wait_for("the API answers", Duration::from_secs(30), || matches!(call(agent.get(&url).call()), Outcome::Answer(..)));
    child
}

pub(crate) fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(20)))
        .max_idle_connections_per_host(1)
        .build()
        .into()
}

pub(crate) fn basic() -> String {
    use base64::Engine;
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}")))
}

/// How a request ended.
pub(crate) enum Outcome {
    Answer(u16, String),
    /// Refused: the server is down, the request was not sent.
    Refused,
    /// Sent (perhaps), no answer: the connection broke.
    Broken,
}

pub(crate) fn call(req: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Outcome {
    match req {
        Ok(mut resp) => match resp.body_mut().read_to_string() {
            Ok(body) => Outcome::Answer(resp.status().as_u16(), body),
            Err(_) => Outcome::Broken,
        },
        Err(ureq::Error::Io(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => Outcome::Refused,
        Err(_) => Outcome::Broken,
    }
}

/// The answer of a request that must get one.
fn answer(req: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> (u16, String) {
    match call(req) {
        Outcome::Answer(status, body) => (status, body),
        _ => panic!("no answer"),
    }
}

/// One connection's loop until `stop`: 60 % creates (COMPLETE or PARTLY, 1-3 products, 1-5
/// each), 25 % deletes of one of its own reservations, 15 % ATP reads of 5 products.
fn client(base: String, seed: u64, stop: Arc<AtomicBool>, answered: Arc<AtomicU64>) -> Tally {
    let agent = agent();
    let auth = basic();
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut t = Tally::default();
    let mut live: Vec<i64> = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        let op = rng.below(100);
        let answer = if op < 60 || live.is_empty() {
            let n = 1 + rng.below(3) as usize;
            let first = rng.below(PRODUCTS as u64) as usize;
            let items: Vec<Value> = (0..n).map(|k| json!({"id": product((first + k * 7) % PRODUCTS), "qty": 1 + rng.below(5)})).collect();
            let kind = if rng.below(2) == 0 { "COMPLETE" } else { "PARTLY" };
            let body = json!({"type": kind, "lifetime": 3600, "items": items}).to_string();
            let req = agent
                .post(format!("{base}/servlets/services/reservation/{SHOP}"))
                .header("Authorization", &auth)
                .header("Content-Type", "application/json")
                .send(body.as_str());
            match call(req) {
                Outcome::Answer(200, text) => {
                    let v: Value = serde_json::from_str(&text).unwrap_or_default();
                    let Some(id) = v["data"]["resvId"].as_i64() else {
                        t.problems.push(format!("a 200 without a resvId: {text}"));
                        continue;
                    };
                    let items = v["data"]["items"].as_array().cloned().unwrap_or_default();
                    let items: Vec<(String, i64)> =
                        items.iter().map(|i| (i["id"].as_str().unwrap_or("").to_string(), i["qty"].as_i64().unwrap_or(-1))).collect();
                    if t.created.insert(id, items).is_some() {
                        t.problems.push(format!("reservation {id} answered twice"));
                    }
                    live.push(id);
                    Some(200)
                }
                // COMPLETE short of stock
                Outcome::Answer(400, text) if text.contains("items[") => Some(400),
                Outcome::Answer(status, text) => {
                    t.problems.push(format!("create: {status} {text}"));
                    Some(status)
                }
                Outcome::Refused => None,
                Outcome::Broken => {
                    t.unsure_creates += 1;
                    None
                }
            }
        } else if op < 85 {
            let id = live.swap_remove(rng.below(live.len() as u64) as usize);
            let req = agent.delete(format!("{base}/servlets/services/reservation/{id}")).header("Authorization", &auth).call();
            match call(req) {
                Outcome::Answer(204, _) => {
                    t.deleted.insert(id);
                    Some(204)
                }
                Outcome::Answer(status, text) => {
                    t.problems.push(format!("delete {id}: {status} {text}"));
                    Some(status)
                }
                Outcome::Refused => {
                    live.push(id);
                    None
                }
                Outcome::Broken => {
                    t.unsure_deletes.insert(id);
                    None
                }
            }
        } else {
            let first = rng.below(PRODUCTS as u64) as usize;
            let ids: Vec<String> = (0..5).map(|k| product((first + k) % PRODUCTS)).collect();
            let req = agent.get(format!("{base}/servlets/services/atp/{SHOP}/{}", ids.join(","))).header("Authorization", &auth).call();
            match call(req) {
                Outcome::Answer(200, text) => {
                    let v: Value = serde_json::from_str(&text).unwrap_or_default();
                    let lines = v["data"].as_array().map(|a| a.len()).unwrap_or(0);
                    if lines != 5 * LOCATIONS.len() || text.contains("\"atp\":-") {
                        t.problems.push(format!("atp: {text}"));
                    }
                    Some(200)
                }
                Outcome::Answer(status, text) => {
                    t.problems.push(format!("atp: {status} {text}"));
                    Some(status)
                }
                Outcome::Refused | Outcome::Broken => None,
            }
        };
        match answer {
            Some(status) => {
                *t.statuses.entry(status).or_default() += 1;
                answered.fetch_add(1, Ordering::Relaxed);
            }
            // the server is down: try again shortly
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    t
}

fn merge(all: Vec<Tally>) -> Tally {
    let mut t = Tally::default();
    for c in all {
        for (id, items) in c.created {
            if t.created.insert(id, items).is_some() {
                t.problems.push(format!("reservation {id} answered to two connections"));
            }
        }
        t.deleted.extend(c.deleted);
        t.unsure_creates += c.unsure_creates;
        t.unsure_deletes.extend(c.unsure_deletes);
        for (s, n) in c.statuses {
            *t.statuses.entry(s).or_default() += n;
        }
        t.problems.extend(c.problems);
    }
    t
}

/// What [`under_load`] saw.
pub(crate) struct Load<T> {
    pub(crate) secs: u64,
    /// The server's URL.
    pub(crate) base: String,
    /// Each connection's result.
    pub(crate) results: Vec<T>,
    /// Answers in all, before the kill, and when the restarted server was up.
    pub(crate) total: u64,
    pub(crate) before_kill: u64,
    pub(crate) killed_at: Duration,
    pub(crate) restarted: u64,
    /// The restarted server.
    pub(crate) server: Child,
}

/// [`CONNECTIONS`] clients (`client(base URL, connection number from 1, stop, answers)`, each
/// counting its answers) against `impex serve` for `IMPEX_LOAD_SECS` (default 60) seconds, with
/// a kill -9 of the server in the middle and a restart on the same port; the clients end when
/// `stop` is set.
pub(crate) fn under_load<T: Send + 'static>(env: &TestEnv, client: fn(String, u64, Arc<AtomicBool>, Arc<AtomicU64>) -> T) -> Load<T> {
    let secs: u64 = std::env::var("IMPEX_LOAD_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(60);
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = serve(env, port);
    let stop = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let clients: Vec<_> = (0..CONNECTIONS)
        .map(|i| {
            let (base, stop, answered) = (base.clone(), stop.clone(), answered.clone());
            std::thread::spawn(move || client(base, i as u64 + 1, stop, answered))
        })
        .collect();
    // the middle: kill -9 while the load runs, then start again on the same port
    std::thread::sleep(Duration::from_secs(secs / 2));
    let before_kill = answered.load(Ordering::Relaxed);
    assert!(before_kill > 0, "no answer before the kill");
    server.kill().unwrap();
    server.wait().unwrap();
    let killed_at = start.elapsed();
    server = serve(env, port);
    let restarted = answered.load(Ordering::Relaxed);
    std::thread::sleep(Duration::from_secs(secs).saturating_sub(start.elapsed()).max(Duration::from_secs(5)));
    stop.store(true, Ordering::Relaxed);
    let results = clients.into_iter().map(|c| c.join().unwrap()).collect();
    Load { secs, base, results, total: answered.load(Ordering::Relaxed), before_kill, killed_at, restarted, server }
}

#[test]
fn reservations_survive_a_kill_under_load() {
    let _one_at_a_time = LOAD.lock().unwrap_or_else(|p| p.into_inner());
    let env = setup();
    let Load { secs, base, results, total, before_kill, killed_at, restarted, mut server } = under_load(&env, client);
    let t = merge(results);
    println!(
        "{secs} s, {CONNECTIONS} connections: {total} answers ({before_kill} before the kill at {killed_at:?}, {} after the restart), statuses {:?}, {} reservations answered, {} deleted, {} creates and {} deletes unanswered",
        total - restarted,
        t.statuses,
        t.created.len(),
        t.deleted.len(),
        t.unsure_creates,
        t.unsure_deletes.len()
    );
    assert!(t.problems.is_empty(), "unexpected answers ({}):\n{}", t.problems.len(), t.problems.iter().take(20).cloned().collect::<Vec<_>>().join("\n"));
    assert!(total > restarted, "the restarted server answered nothing");
    assert!(t.statuses.keys().all(|s| *s < 500), "{:?}", t.statuses);

    // every answered reservation is there as answered; every deleted one is gone
    let c = env.conn();
    let mut in_db: BTreeMap<i64, Vec<(String, i64)>> = BTreeMap::new();
    let mut q = c
        .prepare(r#"SELECT r."id", i."productId", i."reservedQuantity" FROM "ReservationDO" r JOIN "ReservationItemDO" i ON i."reservationRef" = r."id" WHERE r."shopRef" = ?1 ORDER BY r."id", i."number""#)
        .unwrap();
    let rows = q.query_map([SHOP], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?))).unwrap();
    for row in rows {
        let (id, product, qty) = row.unwrap();
        in_db.entry(id).or_default().push((product, qty));
    }
    let ids: BTreeSet<i64> = c
        .prepare(r#"SELECT "id" FROM "ReservationDO" WHERE "shopRef" = ?1"#)
        .unwrap()
        .query_map([SHOP], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    let mut lost = Vec::new();
    for (id, items) in &t.created {
        if t.deleted.contains(id) {
            assert!(!ids.contains(id), "reservation {id} was deleted (204) but is still there");
        } else if !t.unsure_deletes.contains(id) {
            match in_db.get(id) {
                Some(rows) => assert_eq!(rows, items, "reservation {id} differs from its answer"),
                None => lost.push(*id),
            }
        }
    }
    assert!(lost.is_empty(), "{} reservations answered 200 are lost: {:?}", lost.len(), &lost[..lost.len().min(20)]);
    let unanswered: Vec<i64> = ids.iter().filter(|id| !t.created.contains_key(id)).copied().collect();
    assert!(
        unanswered.len() as u64 <= t.unsure_creates,
        "{} reservations in the database were never answered, but only {} creates got no answer: {:?}",
        unanswered.len(),
        t.unsure_creates,
        &unanswered[..unanswered.len().min(20)]
    );
    println!("{} reservations in the database got no answer (of {} creates without one)", unanswered.len(), t.unsure_creates);
    // an item's reserved quantity is the sum of where it is held
    let mismatched = env.query_i64(
        r#"SELECT count(*) FROM "ReservationItemDO" i
           WHERE i."reservedQuantity" <> (SELECT coalesce(sum(s."quantity"), 0) FROM "ReservationItemStockDO" s WHERE s."reservationItemRef" = i."id")"#,
    );
    assert_eq!(mismatched, 0, "items whose reserved quantity is not the sum of their holdings");

    // the ATP equals a recount from the rows, and nothing is reserved beyond the stock
    let agent = agent();
    let all: Vec<String> = (0..PRODUCTS).map(product).collect();
    let (status, text) = answer(agent.get(format!("{base}/servlets/services/atp/{SHOP}/{}", all.join(","))).header("Authorization", &basic()).call());
    assert_eq!(status, 200, "{text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    let lines = v["data"].as_array().unwrap();
    assert_eq!(lines.len(), PRODUCTS * LOCATIONS.len(), "{text}");
    let mut reserved_total = 0;
    for line in lines {
        let (id, location) = (line["id"].as_str().unwrap(), line["location"].as_str().unwrap());
        let supplier = if location == LOCATIONS[0] { 5000 } else { 5001 };
        let held = env.query_i64(&format!(
            r#"SELECT coalesce(sum(s."quantity"), 0) FROM "ReservationItemStockDO" s JOIN "ReservationDO" r ON r."id" = s."reservationRef"
               WHERE r."shopRef" = {SHOP} AND r."state" = 'RESERVED' AND s."supplierRef" = {supplier} AND s."supplierArticleNo" = '{id}'"#
        ));
        assert!(held <= STOCK, "{id} at {location}: {held} reserved of a stock of {STOCK}");
        let want = (line["stock"].as_i64(), line["reserved"].as_i64(), line["blocked"].as_i64(), line["atp"].as_i64());
        assert_eq!(want, (Some(STOCK), Some(held), Some(0), Some(STOCK - held)), "{id} at {location}: {line}");
        reserved_total += held;
    }
    assert!(reserved_total > 0, "the load reserved nothing");

    let log = std::fs::read_to_string(env.path("serve.stderr")).unwrap_or_default();
    assert!(!log.contains("panicked"), "the server panicked:\n{log}");
    server.kill().unwrap();
    server.wait().unwrap();
}
