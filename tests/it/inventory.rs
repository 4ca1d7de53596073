//! The inventory service (`impex::inventory`) on the demo database: ATP with stock, blocked and
//! reserved quantities, reservations (COMPLETE, PARTLY, update, delete, expiry) and concurrent
//! reservations that never take more than the stock. Shop 10000 and its supplier 5000
//! ("inTRONICS Distribution") are the demo's; the tests add a second supplier.
use chrono::{DateTime, Duration, TimeZone, Utc};
use impex::db::Conn;
use impex::inventory::api::{AtpState, HttpResponseListAtp, ReservationItem, ReservationItemState, ReservationRequest, ReservationType};
use impex::inventory::{self as inv, InventoryError};

use crate::support::env::TestEnv;

const SHOP: i64 = 10000;
const DEMO_LOCATION: &str = "inTRONICS Distribution";

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 2, 10, 0, 0).unwrap()
}

fn setup() -> TestEnv {
    let env = TestEnv::new(true);
    env.store()
        .execute_batch(
            r#"INSERT INTO "SupplierDO" ("id", "name") VALUES (5001, 'Second'), (5002, 'Inactive');
               INSERT INTO "Shop2SupplierDO" ("id", "shopRef", "supplierRef", "shopSupplierName") VALUES (10001, 10000, 5001, 'Second Supplier');
               INSERT INTO "Shop2SupplierDO" ("id", "shopRef", "supplierRef", "shopSupplierName", "active") VALUES (10002, 10000, 5002, 'Inactive Supplier', false);"#,
        )
        .unwrap();
    env
}

fn conn(env: &TestEnv) -> Conn {
    impex::db::open_existing(&env.db()).unwrap()
}

/// A stock row of the shop (as the BCG import writes it).
fn stock(env: &TestEnv, supplier: i64, article: &str, level: i64, days: Option<i64>, modified: &str) {
    env.store()
        .execute(
            r#"INSERT INTO "ArticleStockDO" ("shopRef", "supplierRef", "supplierArticleNo", "stockLevel", "availabilityInDays", "modificationDate")
               VALUES (?1, ?2, ?3, ?4, ?5, ?6)"#,
            impex::db::params![SHOP, supplier, article, level, days, modified],
        )
        .unwrap();
}

/// An order of the shop in `state` with one position of `qty` of `article` at `supplier`, of
/// which `dispatched` went out; returns the order's id.
#[allow(clippy::too_many_arguments)]
fn order(env: &TestEnv, no: &str, state: i64, supplier: i64, article: &str, qty: i64, dispatched: i64, modified: &str) -> i64 {
    let c = env.store();
    let order = c
        .query_i64(
            r#"INSERT INTO "OrderDO" ("shopRef", "shopOrderNo", "orderCreationDate", "orderStateDefRef", "modificationDate") VALUES (?1, ?2, ?3, ?4, ?5) RETURNING "id""#,
            impex::db::params![SHOP, no, modified, state, modified],
        )
        .unwrap();
    let position = c
        .query_i64(
            r#"INSERT INTO "OrderPositionDO" ("orderRef", "number", "articleId", "articleName", "supplierArticleNo", "quantity", "supplierRef")
               VALUES (?1, 1, ?2, 'Article', ?2, ?3, ?4) RETURNING "id""#,
            impex::db::params![order, article, qty, supplier],
        )
        .unwrap();
    if dispatched > 0 {
        let dispatch = c
            .query_i64(r#"INSERT INTO "DispatchDO" ("orderRef", "supplierRef", "netAmount") VALUES (?1, ?2, 0) RETURNING "id""#, impex::db::params![order, supplier])
            .unwrap();
        c.execute(
            r#"INSERT INTO "DispatchPositionDO" ("dispatchRef", "orderPositionRef", "number", "quantity") VALUES (?1, ?2, 1, ?3)"#,
            impex::db::params![dispatch, position, dispatched],
        )
        .unwrap();
    }
    order
}

fn ids(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// (id, location, stock, reserved, blocked, atp, state) of each answer row.
type Line = (String, Option<String>, i32, i32, i32, i32, AtpState);

fn lines(r: &HttpResponseListAtp) -> Vec<Line> {
    r.data
        .as_ref()
        .unwrap()
        .iter()
        .map(|a| (a.id.clone().unwrap(), a.location.clone(), a.stock.unwrap(), a.reserved.unwrap(), a.blocked.unwrap(), a.atp.unwrap(), a.state.unwrap()))
        .collect()
}

fn line(id: &str, location: Option<&str>, stock: i32, reserved: i32, blocked: i32, atp: i32, state: AtpState) -> Line {
    (id.into(), location.map(String::from), stock, reserved, blocked, atp, state)
}

fn request(kind: ReservationType, lifetime: i64, items: &[(&str, i64)]) -> ReservationRequest {
    ReservationRequest {
        lifetime: Some(lifetime),
        kind: Some(kind),
        items: Some(items.iter().map(|(id, q)| ReservationItem { id: Some(id.to_string()), qty: Some(*q), state: None }).collect()),
    }
}

/// (id, qty, state) of a reservation answer's items.
fn reserved_items(r: &impex::inventory::api::HttpResponseReservation) -> Vec<(String, i64, ReservationItemState)> {
    r.data.as_ref().unwrap().items.as_ref().unwrap().iter().map(|i| (i.id.clone().unwrap(), i.qty.unwrap(), i.state.unwrap())).collect()
}

/// Stock per active supplier location; blocked = ordered minus dispatched of open orders (not
/// cancelled ones, not other suppliers'); reserved = active reservations, not the `resvId`
/// given; an unknown product is sold out with a field error; the modification date is the
/// newest of the rows involved.
#[test]
fn atp_counts_stock_blocked_and_reserved_per_location() {
    let env = setup();
    stock(&env, 5000, "INV-1", 10, None, "2026-12-01 08:00:00.000");
    stock(&env, 5001, "INV-1", 4, Some(5), "2026-12-01 09:00:00.000");
    stock(&env, 5002, "INV-1", 100, None, "2026-12-01 09:00:00.000");
    order(&env, "INV-O1", 4500, 5000, "INV-1", 3, 1, "2026-12-01 12:00:00.000");
    order(&env, "INV-O2", 6200, 5000, "INV-1", 5, 0, "2026-12-01 13:00:00.000"); // cancelled
    order(&env, "INV-O3", 5000, 5000, "INV-1", 2, 0, "2026-12-01 13:00:00.000"); // dispatched
    let o4 = order(&env, "INV-O4", 0, 5001, "INV-1", 4, 0, "2026-12-01 10:00:00.000");
    let o5 = order(&env, "INV-O5", 4200, 5001, "INV-1", 1, 0, "2026-12-01 10:00:00.000");
    // a position without the supplier's article number counts by the shop's (articleId); one
    // without a supplier by its order's
    env.store()
        .execute_batch(&format!(
            r#"UPDATE "OrderPositionDO" SET "supplierArticleNo" = NULL WHERE "orderRef" = {o4};
               UPDATE "OrderPositionDO" SET "supplierRef" = NULL WHERE "orderRef" = {o5};
               UPDATE "OrderDO" SET "supplierRef" = 5001 WHERE "id" = {o5};"#
        ))
        .unwrap();
    let mut c = conn(&env);

    let r = inv::atp(&c, SHOP, &ids(&["INV-1", "INV-1", "NOPE"]), None, t0()).unwrap();
    assert_eq!(
        lines(&r),
        [
            line("INV-1", Some(DEMO_LOCATION), 10, 0, 2, 8, AtpState::Available),
            line("INV-1", Some("Second Supplier"), 4, 0, 5, 0, AtpState::TemporarilyNotAvailable),
            line("NOPE", None, 0, 0, 0, 0, AtpState::SoldOut),
        ],
        "more blocked than stock is atp 0; the inactive supplier is not a location; a product asked for twice is answered once"
    );
    assert_eq!(r.status_code, Some(200));
    assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
    assert_eq!(r.errors[0].source_field.as_deref(), Some("id[2]"), "the index in the request");
    assert!(r.errors[0].message.as_deref().unwrap().contains("NOPE"));
    let data = r.data.unwrap();
    assert_eq!(data[0].modification_date, Some(Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap()), "the open order is the newest row");
    assert_eq!(data[2].modification_date, None);

    let resv = inv::create_reservation(&mut c, SHOP, &request(ReservationType::Complete, 600, &[("INV-1", 3)]), t0()).unwrap();
    let resv_id = resv.data.unwrap().resv_id.unwrap();
    let later = t0() + Duration::seconds(1);
    let r = inv::atp(&c, SHOP, &ids(&["INV-1"]), None, later).unwrap();
    assert_eq!(lines(&r)[0], line("INV-1", Some(DEMO_LOCATION), 10, 3, 2, 5, AtpState::Available));
    assert_eq!(r.data.unwrap()[0].modification_date, Some(t0()), "the reservation is the newest row");
    let r = inv::atp(&c, SHOP, &ids(&["INV-1"]), Some(resv_id), later).unwrap();
    assert_eq!(lines(&r)[0], line("INV-1", Some(DEMO_LOCATION), 10, 0, 2, 8, AtpState::Available), "resvId leaves out its own quantities");
    let r = inv::atp(&c, SHOP, &ids(&["INV-1"]), Some(resv_id + 1000), later).unwrap();
    assert_eq!(lines(&r)[0].3, 3, "another reservation's id excludes nothing");

    // the shop, the ids
    assert!(matches!(inv::atp(&c, 4242, &ids(&["INV-1"]), None, t0()), Err(InventoryError::UnknownShop(4242))));
    let e = inv::atp(&c, SHOP, &inv::parse_ids("INV-1,"), None, t0()).unwrap_err();
    assert_eq!(e.http_status(), 400);
    assert_eq!(e.field_errors()[0].source_field.as_deref(), Some("id[1]"));
}

/// The shop's product id is the supplier's article number, or, for a supplier that says so,
/// the article number behind the supplier's prefix.
#[test]
fn product_ids_map_to_supplier_article_numbers() {
    let env = setup();
    env.store()
        .execute_batch(r#"UPDATE "Shop2SupplierDO" SET "useSupplierArticleNoAsShopArticleNo" = true, "shopArticleNoPrefix" = 'S2-' WHERE "id" = 10001"#)
        .unwrap();
    stock(&env, 5000, "INV-1", 7, None, "2026-12-01 08:00:00.000");
    stock(&env, 5001, "INV-1", 9, None, "2026-12-01 08:00:00.000");
    let c = conn(&env);
    let r = inv::atp(&c, SHOP, &ids(&["S2-INV-1", "INV-1"]), None, t0()).unwrap();
    assert_eq!(
        lines(&r),
        [line("S2-INV-1", Some("Second Supplier"), 9, 0, 0, 9, AtpState::Available), line("INV-1", Some(DEMO_LOCATION), 7, 0, 0, 7, AtpState::Available)]
    );
}

/// A reservation lowers the ATP until its lifetime has passed; from then on reads count it no
/// more (before and after the maintenance function marks it), and its items read `expired`.
/// Updating it makes it anew with the spec's exception 21004.
#[test]
fn a_reservation_holds_stock_until_it_expires() {
    let env = setup();
    stock(&env, 5000, "INV-2", 5, None, "2026-12-01 08:00:00.000");
    let mut c = conn(&env);
    let atp = |c: &Conn, at: DateTime<Utc>| inv::atp(c, SHOP, &ids(&["INV-2"]), None, at).unwrap().data.unwrap()[0].atp.unwrap();

    let r = inv::create_reservation(&mut c, SHOP, &request(ReservationType::Complete, 60, &[("INV-2", 3)]), t0()).unwrap();
    assert_eq!(r.status_code, Some(200));
    let data = r.data.clone().unwrap();
    let id = data.resv_id.unwrap();
    assert_eq!(data.valid_until, Some(t0() + Duration::seconds(60)));
    assert_eq!(reserved_items(&r), [("INV-2".to_string(), 3, ReservationItemState::Reserved)]);
    assert_eq!(atp(&c, t0()), 2);
    assert_eq!(atp(&c, t0() + Duration::milliseconds(59_999)), 2);
    assert_eq!(atp(&c, t0() + Duration::seconds(60)), 5, "expired, not yet marked");
    let got = inv::get_reservation(&c, id, t0() + Duration::seconds(61)).unwrap();
    assert_eq!(reserved_items(&got), [("INV-2".to_string(), 3, ReservationItemState::Expired)]);
    assert_eq!(inv::expire_once(&mut c, t0() + Duration::seconds(59)).unwrap(), 0);
    assert_eq!(inv::expire_once(&mut c, t0() + Duration::seconds(61)).unwrap(), 1);
    assert_eq!(inv::expire_once(&mut c, t0() + Duration::seconds(62)).unwrap(), 0);
    assert_eq!(env.query_string(&format!(r#"SELECT "state" FROM "ReservationDO" WHERE "id" = {id}"#)), "EXPIRED");
    assert_eq!(atp(&c, t0() + Duration::seconds(62)), 5);

    let at = t0() + Duration::seconds(120);
    let u = inv::update_reservation(&mut c, id, &request(ReservationType::Complete, 300, &[("INV-2", 4)]), at).unwrap();
    assert_eq!(u.status_code, Some(201));
    assert_eq!(u.exceptions[0].code.as_deref(), Some("21004"));
    assert_eq!(u.exceptions[0].message.as_deref(), Some(format!("The reservation with id {id} has already expired").as_str()));
    assert_eq!(reserved_items(&u), [("INV-2".to_string(), 4, ReservationItemState::Reserved)]);
    assert_eq!(u.data.unwrap().valid_until, Some(at + Duration::seconds(300)));
    assert_eq!(atp(&c, at), 1);
    // expired again (not marked): an update with the lifetime only reserves the same again
    let at = t0() + Duration::seconds(500);
    assert_eq!(atp(&c, at), 5);
    let u = inv::update_reservation(&mut c, id, &ReservationRequest { lifetime: Some(60), ..Default::default() }, at).unwrap();
    assert_eq!(u.exceptions[0].code.as_deref(), Some("21004"));
    assert_eq!(reserved_items(&u), [("INV-2".to_string(), 4, ReservationItemState::Reserved)]);
    assert_eq!(atp(&c, at), 1);
}

/// COMPLETE takes every item in full or nothing; PARTLY what there is per item. A quantity
/// larger than one location has comes from several.
#[test]
fn complete_takes_all_or_nothing_partly_what_there_is() {
    let env = setup();
    stock(&env, 5000, "INV-3", 5, None, "2026-12-01 08:00:00.000");
    stock(&env, 5000, "INV-4", 4, None, "2026-12-01 08:00:00.000");
    stock(&env, 5001, "INV-4", 3, None, "2026-12-01 08:00:00.000");
    let mut c = conn(&env);
    let at = |s: i64| t0() + Duration::seconds(s);

    let e = inv::create_reservation(&mut c, SHOP, &request(ReservationType::Complete, 600, &[("INV-3", 3), ("NOPE", 1), ("INV-4", 8)]), at(0)).unwrap_err();
    let InventoryError::NotEnoughStock(short) = &e else { panic!("{e:?}") };
    assert_eq!(short.iter().map(|s| (s.index, s.product_id.as_str(), s.requested, s.available)).collect::<Vec<_>>(), [(1, "NOPE", 1, 0), (2, "INV-4", 8, 7)]);
    assert_eq!(e.http_status(), 400);
    assert_eq!(e.field_errors()[1].source_field.as_deref(), Some("items[2].qty"));
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "ReservationDO""#), 0, "nothing was reserved");

    let r = inv::create_reservation(&mut c, SHOP, &request(ReservationType::Partly, 600, &[("INV-3", 7), ("NOPE", 1), ("INV-4", 6)]), at(1)).unwrap();
    assert_eq!(
        reserved_items(&r),
        [("INV-3".to_string(), 5, ReservationItemState::Reserved), ("NOPE".to_string(), 0, ReservationItemState::Reserved), ("INV-4".to_string(), 6, ReservationItemState::Reserved)]
    );
    let a = inv::atp(&c, SHOP, &ids(&["INV-3", "INV-4"]), None, at(2)).unwrap();
    assert_eq!(
        lines(&a),
        [
            line("INV-3", Some(DEMO_LOCATION), 5, 5, 0, 0, AtpState::TemporarilyNotAvailable),
            line("INV-4", Some(DEMO_LOCATION), 4, 4, 0, 0, AtpState::TemporarilyNotAvailable),
            line("INV-4", Some("Second Supplier"), 3, 2, 0, 1, AtpState::Available),
        ]
    );
    // one location that has enough gives all of it
    let r = inv::create_reservation(&mut c, SHOP, &request(ReservationType::Complete, 600, &[("INV-4", 1)]), at(3)).unwrap();
    assert_eq!(reserved_items(&r)[0].1, 1);
    assert_eq!(lines(&inv::atp(&c, SHOP, &ids(&["INV-4"]), None, at(4)).unwrap())[1].5, 0);
}

/// An update replaces the items (its own quantities are free for it); a COMPLETE update short
/// of stock changes nothing; a deleted reservation is gone and frees its stock.
#[test]
fn update_and_delete() {
    let env = setup();
    stock(&env, 5000, "INV-5", 10, None, "2026-12-01 08:00:00.000");
    stock(&env, 5000, "INV-6", 2, None, "2026-12-01 08:00:00.000");
    let mut c = conn(&env);
    let at = |s: i64| t0() + Duration::seconds(s);
    let atp = |c: &Conn, s: i64| lines(&inv::atp(c, SHOP, &ids(&["INV-5", "INV-6"]), None, at(s)).unwrap()).iter().map(|l| l.5).collect::<Vec<_>>();

    let r = inv::create_reservation(&mut c, SHOP, &request(ReservationType::Complete, 600, &[("INV-5", 8), ("INV-6", 1)]), at(0)).unwrap();
    let id = r.data.unwrap().resv_id.unwrap();
    assert_eq!(inv::reservation_shop(&c, id).unwrap(), SHOP);
    assert_eq!(atp(&c, 1), [2, 1]);
    // 8 -> 9 of INV-5 needs its own 8 back; INV-6 is released
    let u = inv::update_reservation(&mut c, id, &request(ReservationType::Complete, 600, &[("INV-5", 9)]), at(2)).unwrap();
    assert!(u.exceptions.is_empty());
    assert_eq!(reserved_items(&u), [("INV-5".to_string(), 9, ReservationItemState::Reserved)]);
    assert_eq!(atp(&c, 3), [1, 2]);
    // short of stock: unchanged
    let e = inv::update_reservation(&mut c, id, &request(ReservationType::Complete, 600, &[("INV-5", 11)]), at(4)).unwrap_err();
    assert!(matches!(e, InventoryError::NotEnoughStock(_)), "{e:?}");
    assert_eq!(reserved_items(&inv::get_reservation(&c, id, at(5)).unwrap()), [("INV-5".to_string(), 9, ReservationItemState::Reserved)]);
    // only the lifetime: the items stay, the expiry moves
    let u = inv::update_reservation(&mut c, id, &ReservationRequest { lifetime: Some(30), ..Default::default() }, at(6)).unwrap();
    assert_eq!(u.data.unwrap().valid_until, Some(at(36)));
    assert_eq!(atp(&c, 7), [1, 2]);

    inv::delete_reservation(&mut c, id).unwrap();
    assert_eq!(atp(&c, 8), [10, 2]);
    for e in [inv::reservation_shop(&c, id).unwrap_err(), inv::get_reservation(&c, id, at(9)).unwrap_err(), inv::delete_reservation(&mut c, id).unwrap_err(), inv::update_reservation(&mut c, id, &request(ReservationType::Partly, 60, &[("INV-5", 1)]), at(9)).unwrap_err()] {
        assert!(matches!(e, InventoryError::ReservationNotFound(i) if i == id), "{e:?}");
        assert_eq!(e.http_status(), 404);
    }
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "ReservationItemStockDO""#), 0);
    // the id of a deleted reservation is never given again (a shop still holding it must not
    // reach a newer reservation with it)
    let next = inv::create_reservation(&mut c, SHOP, &request(ReservationType::Partly, 60, &[("INV-5", 1)]), at(10)).unwrap();
    assert!(next.data.unwrap().resv_id.unwrap() > id);
    assert!(matches!(inv::create_reservation(&mut c, 4242, &request(ReservationType::Partly, 60, &[("INV-5", 1)]), at(10)), Err(InventoryError::UnknownShop(4242))));
}

/// 8 threads on their own connections reserve the same article at once: together they never
/// hold more than the stock, and each one that gets nothing is told "not enough stock".
#[test]
fn concurrent_reservations_never_exceed_the_stock() {
    let env = setup();
    const STOCK: i64 = 25;
    stock(&env, 5000, "INV-7", STOCK, None, "2026-12-01 08:00:00.000");
    let db = env.db();
    let start = std::sync::Arc::new(std::sync::Barrier::new(8));
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let db = db.clone();
            let start = start.clone();
            std::thread::spawn(move || {
                let mut c = impex::db::open_existing(&db).unwrap();
                start.wait();
                let (mut got, mut refused) = (0i64, 0);
                for i in 0..6 {
                    let qty = 1 + (t + i) % 3;
                    match inv::create_reservation(&mut c, SHOP, &request(ReservationType::Complete, 600, &[("INV-7", qty)]), t0()) {
                        Ok(r) => got += reserved_items(&r)[0].1,
                        Err(InventoryError::NotEnoughStock(_)) => refused += 1,
                        Err(e) => panic!("thread {t}: {e:?}"),
                    }
                }
                (got, refused)
            })
        })
        .collect();
    let results: Vec<(i64, i32)> = threads.into_iter().map(|h| h.join().unwrap()).collect();
    let got: i64 = results.iter().map(|r| r.0).sum();
    let refused: i32 = results.iter().map(|r| r.1).sum();
    // 48 requests of 1 to 3 ask for far more than 25
    assert!(refused > 0, "{results:?}");
    assert!(got <= STOCK, "reserved {got} of {STOCK}");
    assert!(got >= STOCK - 2, "a refusal means less than the request's quantity was left: {got}");
    assert_eq!(env.query_i64(r#"SELECT sum("quantity") FROM "ReservationItemStockDO""#), got);
    let c = conn(&env);
    let a = lines(&inv::atp(&c, SHOP, &ids(&["INV-7"]), None, t0()).unwrap());
    assert_eq!((a[0].3 as i64, a[0].5 as i64), (got, STOCK - got));
}

/// The stock the ATP answers from is what the supplier's BCG file says: imported by the real
/// `impex import` (jobs/13, ImportCsvArticleBean), then updated by a later file.
#[test]
fn the_atp_answers_from_imported_bcg_files() {
    let env = setup();
    env.sql_ok(include_str!("../../jobs/13_import_articles.sql"));
    let header = "supplierArticleNo|currency|purchasePrice|listPrice|stockLevel|stockType|availabilityInDays|salesPrice|basicPrice|basicPriceUnitValue|basicPriceUnit|salesPriceOld|provisionType|provisionPercentage|taxType|isBestseller";
    let import = |name: &str, rows: &[&str]| {
        let p = env.path(name);
        let text: String = std::iter::once(header).chain(rows.iter().copied()).map(|l| format!("{l}\r\n")).collect();
        std::fs::write(&p, text).unwrap();
        env.ok(&["import", "--group", "import_articles", p.to_str().unwrap()]);
    };
    import("10000_5000_20261202100000_BCG.csv", &["INV-8|EUR|1|2|12|1|0|3|||||||FullTax|0", "INV-9|EUR|1|2|0|1|7|3|||||||FullTax|0"]);
    let mut c = conn(&env);
    let r = inv::atp(&c, SHOP, &ids(&["INV-8", "INV-9"]), None, t0()).unwrap();
    assert_eq!(
        lines(&r),
        [line("INV-8", Some(DEMO_LOCATION), 12, 0, 0, 12, AtpState::Available), line("INV-9", Some(DEMO_LOCATION), 0, 0, 0, 0, AtpState::TemporarilyNotAvailable)],
        "INV-9 restocks in 7 days"
    );
    inv::create_reservation(&mut c, SHOP, &request(ReservationType::Complete, 600, &[("INV-8", 10)]), t0()).unwrap();
    import("10000_5000_20261202110000_BCG.csv", &["INV-8|EUR|1|2|4|1||3|||||||FullTax|0"]);
    let r = inv::atp(&c, SHOP, &ids(&["INV-8"]), None, t0()).unwrap();
    assert_eq!(lines(&r), [line("INV-8", Some(DEMO_LOCATION), 4, 10, 0, 0, AtpState::TemporarilyNotAvailable)], "less stock than reserved: atp 0, never negative");
}
