//! The inventory service behind IOM's ATP 2.0 and Reservation 2.0 REST APIs, as a library: the
//! HTTP layer calls these functions and serializes their answers ([`api`]) or their errors
//! ([`InventoryError`]). docs/api.md, "Inventory: ATP and reservations", has the rules.
//!
//! - [`atp`]: `GET /atp/{shopId}/{id}` (one statement for the whole list of ids).
//! - [`create_reservation`], [`get_reservation`], [`update_reservation`],
//!   [`delete_reservation`]: `/reservation/...`.
//! - [`expire_once`]: the maintenance service that marks reservations past their lifetime.
//!
//! Every function takes the current time: a reservation counts while its expiry is after it.
//! Reservations check the availability and write in one unit of work ([`Conn::write`], the
//! database's write lock), so concurrent reservations never together take more than the ATP.
pub mod api;
pub mod error;

use chrono::{DateTime, Utc};

use crate::db::queries::inventory::{self as q, StockRow};
use crate::db::state::reservation::{self as state, ReservationState};
use crate::db::Conn;
pub use crate::inventory::error::{code, FieldProblem, InventoryError, Shortage};
use crate::time;
use api::*;

/// At most this many product ids in one ATP request.
pub const MAX_IDS: usize = 100;
/// At most this many items in one reservation.
pub const MAX_ITEMS: usize = 100;
/// The spec's `Atp.id` `maxLength`.
pub const MAX_ID_LEN: usize = 30;
/// The lifetime of a reservation whose request names none (seconds).
pub const DEFAULT_LIFETIME: i64 = 1800;
/// The longest lifetime accepted (31 days, in seconds).
pub const MAX_LIFETIME: i64 = 31 * 86400;

type Result<T> = std::result::Result<T, InventoryError>;

/// The product ids of the ATP path's `{id}`: separated by commas (the spec's `style: simple`),
/// each as it is.
pub fn parse_ids(path_segment: &str) -> Vec<String> {
    path_segment.split(',').map(String::from).collect()
}

/// The ids to look up, each once, with its index in the request.
fn check_ids(ids: &[String]) -> Result<Vec<(usize, String)>> {
    let mut problems = Vec::new();
    if ids.is_empty() {
        problems.push(FieldProblem::new("id", "at least one product id is required"));
    }
    if ids.len() > MAX_IDS {
        problems.push(FieldProblem::new("id", format!("at most {MAX_IDS} product ids, not {}", ids.len())));
    }
    for (i, id) in ids.iter().enumerate() {
        if let Some(reason) = id_problem(id) {
            problems.push(FieldProblem::new(format!("id[{i}]"), reason));
        }
    }
    if !problems.is_empty() {
        return Err(InventoryError::Invalid(problems));
    }
    let mut unique: Vec<(usize, String)> = Vec::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        if !unique.iter().any(|(_, u)| u == id) {
            unique.push((i, id.clone()));
        }
    }
    Ok(unique)
}

fn id_problem(id: &str) -> Option<String> {
    if id.is_empty() {
        Some("an empty product id".into())
    } else if id.chars().count() > MAX_ID_LEN {
        Some(format!("a product id has at most {MAX_ID_LEN} characters"))
    } else {
        None
    }
}

fn clamp(v: i64) -> i32 {
    v.clamp(i32::MIN as i64, i32::MAX as i64) as i32
}

/// What a stock row has available: stock − blocked − reserved, at least 0.
fn available(r: &StockRow) -> i64 {
    (r.stock - r.blocked - r.reserved).max(0)
}

/// The state of a product at a location: available when the ATP is positive; temporarily not
/// available when it is 0 but the supplier restocks (`availabilityInDays` > 0) or reservations
/// hold stock that comes back when they end; sold out otherwise.
pub fn atp_state(atp: i64, reserved: i64, availability_in_days: Option<i64>) -> AtpState {
    if atp > 0 {
        AtpState::Available
    } else if availability_in_days.is_some_and(|d| d > 0) || reserved > 0 {
        AtpState::TemporarilyNotAvailable
    } else {
        AtpState::SoldOut
    }
}

/// `GET /atp/{shopId}/{id}?resvId=`: the availability of each product (duplicates answered
/// once) at each active supplier of the shop that has a stock row for it, in request order.
/// The quantities of reservation `resv_id` do not count as reserved. A product no supplier has
/// is answered as sold out (stock, reserved, blocked and atp 0, no location) with a
/// `FieldError` of `id` saying so; the answer's `statusCode` is 200.
pub fn atp(conn: &Conn, shop: i64, ids: &[String], resv_id: Option<i64>, now: DateTime<Utc>) -> Result<HttpResponseListAtp> {
    let wanted = check_ids(ids)?;
    if !q::shop_exists(conn, shop)? {
        return Err(InventoryError::UnknownShop(shop));
    }
    let ids: Vec<String> = wanted.iter().map(|(_, id)| id.clone()).collect();
    let rows = q::stock_rows(conn, shop, &ids, &time::format(now), resv_id)?;
    let mut data = Vec::with_capacity(rows.len().max(ids.len()));
    let mut errors = Vec::new();
    for (pos, (index, id)) in wanted.iter().enumerate() {
        let mine: Vec<&StockRow> = rows.iter().filter(|r| r.pos == pos).collect();
        if mine.is_empty() {
            data.push(Atp {
                id: Some(id.clone()),
                location: None,
                stock: Some(0),
                reserved: Some(0),
                blocked: Some(0),
                atp: Some(0),
                modification_date: None,
                state: Some(AtpState::SoldOut),
            });
            errors.push(FieldError { message: Some(format!("no supplier of shop {shop} has product '{id}'")), source_field: Some(format!("id[{index}]")) });
            continue;
        }
        for r in mine {
            let atp = available(r);
            data.push(Atp {
                id: Some(id.clone()),
                location: r.location.clone(),
                stock: Some(clamp(r.stock)),
                reserved: Some(clamp(r.reserved)),
                blocked: Some(clamp(r.blocked)),
                atp: Some(clamp(atp)),
                modification_date: time::parse(&r.modified),
                state: Some(atp_state(atp, r.reserved, r.availability_in_days)),
            });
        }
    }
    Ok(HttpResponseListAtp { data: Some(data), status_code: Some(200), errors, exceptions: Vec::new() })
}

/// A checked reservation request.
struct Wanted {
    kind: ReservationType,
    lifetime: i64,
    /// (product id, quantity), in request order
    items: Vec<(String, i64)>,
}

fn check_lifetime(lifetime: Option<i64>, default: i64, problems: &mut Vec<FieldProblem>) -> i64 {
    match lifetime {
        None => default,
        Some(l) if l <= 0 => {
            problems.push(FieldProblem::new("lifetime", "the lifetime is a positive number of seconds"));
            default
        }
        Some(l) if l > MAX_LIFETIME => {
            problems.push(FieldProblem::new("lifetime", format!("the lifetime is at most {MAX_LIFETIME} seconds (31 days)")));
            default
        }
        Some(l) => l,
    }
}

fn check_items(items: &[ReservationItem], problems: &mut Vec<FieldProblem>) -> Vec<(String, i64)> {
    if items.is_empty() {
        problems.push(FieldProblem::new("items", "at least one item is required"));
    }
    if items.len() > MAX_ITEMS {
        problems.push(FieldProblem::new("items", format!("at most {MAX_ITEMS} items, not {}", items.len())));
    }
    let mut out: Vec<(String, i64)> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        match item.id.as_deref() {
            None => problems.push(FieldProblem::new(format!("items[{i}].id"), "the product id is required")),
            Some(id) => {
                if let Some(reason) = id_problem(id) {
                    problems.push(FieldProblem::new(format!("items[{i}].id"), reason));
                } else if out.iter().any(|(o, _)| o == id) {
                    problems.push(FieldProblem::new(format!("items[{i}].id"), format!("product '{id}' is in the reservation twice")));
                }
            }
        }
        match item.qty {
            None => problems.push(FieldProblem::new(format!("items[{i}].qty"), "the quantity is required")),
            Some(q) if q <= 0 => problems.push(FieldProblem::new(format!("items[{i}].qty"), "the quantity is a positive number")),
            Some(q) if q > i32::MAX as i64 => problems.push(FieldProblem::new(format!("items[{i}].qty"), format!("the quantity is at most {}", i32::MAX))),
            Some(_) => {}
        }
        if let (Some(id), Some(q)) = (item.id.as_deref(), item.qty) {
            out.push((id.to_string(), q));
        }
    }
    out
}

fn check_request(req: &ReservationRequest) -> Result<Wanted> {
    let mut problems = Vec::new();
    let lifetime = check_lifetime(req.lifetime, DEFAULT_LIFETIME, &mut problems);
    let items = match &req.items {
        Some(items) => check_items(items, &mut problems),
        None => {
            problems.push(FieldProblem::new("items", "at least one item is required"));
            Vec::new()
        }
    };
    if !problems.is_empty() {
        return Err(InventoryError::Invalid(problems));
    }
    Ok(Wanted { kind: req.kind.unwrap_or_default(), lifetime, items })
}

/// Where one item's quantity is held: (supplier, supplier article number, quantity).
type Holding = (i64, String, i64);

/// Decides what each item gets, from the availability inside the unit of work: all of it from
/// the first location (by `"Shop2SupplierDO"` id) that has enough, otherwise from the
/// locations with the most available first. COMPLETE: every item in full, or
/// [`InventoryError::NotEnoughStock`].
fn allocate(tx: &Conn, shop: i64, kind: ReservationType, items: &[(String, i64)], now: &str) -> Result<Vec<Vec<Holding>>> {
    let ids: Vec<String> = items.iter().map(|(id, _)| id.clone()).collect();
    let rows = q::stock_rows(tx, shop, &ids, now, None)?;
    let mut out = Vec::with_capacity(items.len());
    let mut short = Vec::new();
    for (pos, (id, want)) in items.iter().enumerate() {
        let mut mine: Vec<(&StockRow, i64)> = rows.iter().filter(|r| r.pos == pos).map(|r| (r, available(r))).filter(|(_, a)| *a > 0).collect();
        let total: i64 = mine.iter().map(|(_, a)| a).sum();
        if total < *want && kind == ReservationType::Complete {
            short.push(Shortage { index: pos, product_id: id.clone(), requested: *want, available: total });
            continue;
        }
        let mut holdings = Vec::new();
        if let Some((r, _)) = mine.iter().find(|(_, a)| a >= want) {
            holdings.push((r.supplier, r.supplier_article_no.clone(), *want));
        } else {
            mine.sort_by_key(|(_, a)| std::cmp::Reverse(*a));
            let mut left = *want;
            for (r, a) in mine {
                if left == 0 {
                    break;
                }
                let take = a.min(left);
                holdings.push((r.supplier, r.supplier_article_no.clone(), take));
                left -= take;
            }
        }
        out.push(holdings);
    }
    if !short.is_empty() {
        return Err(InventoryError::NotEnoughStock(short));
    }
    Ok(out)
}

fn write_items(tx: &Conn, resv: i64, items: &[(String, i64)], holdings: &[Vec<Holding>]) -> Result<()> {
    for (n, ((id, want), held)) in items.iter().zip(holdings).enumerate() {
        let reserved: i64 = held.iter().map(|h| h.2).sum();
        let item = q::insert_item(tx, resv, n as i64 + 1, id, *want, reserved)?;
        for (supplier, article, qty) in held {
            q::insert_item_stock(tx, resv, item, *supplier, article, *qty)?;
        }
    }
    Ok(())
}

fn expiry_of(now: DateTime<Utc>, lifetime: i64) -> DateTime<Utc> {
    now + chrono::Duration::seconds(lifetime)
}

/// The answer for reservation `id` as it is stored.
fn response(conn: &Conn, id: i64, now: DateTime<Utc>, status: i32) -> Result<HttpResponseReservation> {
    let r = q::reservation(conn, id)?.ok_or(InventoryError::ReservationNotFound(id))?;
    let expired = r.state == ReservationState::Expired.as_str() || r.expiry <= time::format(now);
    let item_state = if expired { ReservationItemState::Expired } else { ReservationItemState::Reserved };
    let items = q::reservation_items(conn, id)?
        .into_iter()
        .map(|i| ReservationItem { id: Some(i.product_id), qty: Some(i.reserved), state: Some(item_state) })
        .collect();
    Ok(HttpResponseReservation {
        data: Some(ReservationResponse { valid_until: time::parse(&r.expiry), resv_id: Some(r.id), items: Some(items) }),
        status_code: Some(status),
        errors: Vec::new(),
        exceptions: Vec::new(),
    })
}

/// `POST /reservation/{shopId}`: reserves the items for `lifetime` seconds (default
/// [`DEFAULT_LIFETIME`]). COMPLETE (the default): every item in full or nothing
/// ([`InventoryError::NotEnoughStock`]); PARTLY: per item what is available (possibly 0). The
/// answer's items carry the reserved quantities; `statusCode` 200 (the spec's response).
pub fn create_reservation(conn: &mut Conn, shop: i64, req: &ReservationRequest, now: DateTime<Utc>) -> Result<HttpResponseReservation> {
    let w = check_request(req)?;
    let now_text = time::format(now);
    let tx = conn.write()?;
    if !q::shop_exists(&tx, shop)? {
        return Err(InventoryError::UnknownShop(shop));
    }
    let holdings = allocate(&tx, shop, w.kind, &w.items, &now_text)?;
    let id = q::insert_reservation(&tx, shop, w.kind.as_str(), w.lifetime, &time::format(expiry_of(now, w.lifetime)), &now_text)?;
    write_items(&tx, id, &w.items, &holdings)?;
    let answer = response(&tx, id, now, 200)?;
    tx.commit()?;
    Ok(answer)
}

/// The shop reservation `id` belongs to: the paths of get, update and delete name no shop, so
/// the HTTP layer checks the caller's rights for this one before it calls them.
pub fn reservation_shop(conn: &Conn, id: i64) -> Result<i64> {
    Ok(q::reservation(conn, id)?.ok_or(InventoryError::ReservationNotFound(id))?.shop)
}

/// `GET /reservation/{reservationId}`: the reservation with its reserved quantities; its items
/// are `expired` once its lifetime has passed. `statusCode` 200.
pub fn get_reservation(conn: &Conn, id: i64, now: DateTime<Utc>) -> Result<HttpResponseReservation> {
    response(conn, id, now, 200)
}

/// `PUT /reservation/{reservationId}`: the reservation gets the request's items (products not
/// named are released, quantities changed, new products added), type and lifetime, each
/// defaulting to what it had; its expiry is `now` + lifetime. Its own quantities are free for
/// the update. COMPLETE short of stock: [`InventoryError::NotEnoughStock`], the reservation is
/// unchanged. An expired reservation is made anew the same way and the answer carries the
/// spec's exception 21004. `statusCode` 201 (the spec's response).
pub fn update_reservation(conn: &mut Conn, id: i64, req: &ReservationRequest, now: DateTime<Utc>) -> Result<HttpResponseReservation> {
    let now_text = time::format(now);
    let tx = conn.write()?;
    let old = q::reservation(&tx, id)?.ok_or(InventoryError::ReservationNotFound(id))?;
    let mut problems = Vec::new();
    let lifetime = check_lifetime(req.lifetime, old.lifetime, &mut problems);
    let items = match &req.items {
        Some(items) => check_items(items, &mut problems),
        None => q::reservation_items(&tx, id)?.into_iter().map(|i| (i.product_id, i.requested)).collect(),
    };
    if !problems.is_empty() {
        return Err(InventoryError::Invalid(problems));
    }
    let kind = req.kind.or_else(|| ReservationType::parse(&old.kind)).unwrap_or_default();
    let from = ReservationState::parse(&old.state).unwrap_or(ReservationState::Reserved);
    let expired = from == ReservationState::Expired || old.expiry <= now_text;
    q::delete_items(&tx, id)?;
    let holdings = allocate(&tx, old.shop, kind, &items, &now_text)?;
    state::renew(&tx, id, from, kind.as_str(), lifetime, &time::format(expiry_of(now, lifetime)), &now_text)?;
    write_items(&tx, id, &items, &holdings)?;
    let mut answer = response(&tx, id, now, 201)?;
    tx.commit()?;
    if expired {
        answer.exceptions.push(CodedException { message: Some(format!("The reservation with id {id} has already expired")), code: Some(code::EXPIRED.into()) });
    }
    Ok(answer)
}

/// `DELETE /reservation/{reservationId}`: removes the reservation; its quantities are free at
/// once. The HTTP answer is 204 without a body.
pub fn delete_reservation(conn: &mut Conn, id: i64) -> Result<()> {
    let tx = conn.write()?;
    if !q::delete_reservation(&tx, id)? {
        return Err(InventoryError::ReservationNotFound(id));
    }
    tx.commit()?;
    Ok(())
}

/// The maintenance service: marks every RESERVED reservation whose expiry is at or before
/// `now` EXPIRED; returns how many. (Reads never count an expired reservation, marked or not;
/// this keeps the rows' states true for operators and queries.)
pub fn expire_once(conn: &mut Conn, now: DateTime<Utc>) -> Result<usize> {
    let tx = conn.write()?;
    let n = state::expire_due(&tx, &time::format(now))?;
    tx.commit()?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_follow_the_documented_rules() {
        assert_eq!(atp_state(1, 0, None), AtpState::Available);
        assert_eq!(atp_state(0, 0, Some(3)), AtpState::TemporarilyNotAvailable, "the supplier restocks");
        assert_eq!(atp_state(0, 2, None), AtpState::TemporarilyNotAvailable, "reservations hold it");
        assert_eq!(atp_state(0, 0, None), AtpState::SoldOut);
        assert_eq!(atp_state(0, 0, Some(0)), AtpState::SoldOut);
    }

    /// Bad ids and bodies are field errors with their path; the HTTP status of each error.
    #[test]
    fn bad_requests_name_their_fields() {
        let e = check_ids(&parse_ids("a,,bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")).unwrap_err();
        let fields: Vec<Option<String>> = e.field_errors().into_iter().map(|f| f.source_field).collect();
        assert_eq!(fields, [Some("id[1]".to_string()), Some("id[2]".to_string())]);
        assert_eq!(e.http_status(), 400);
        assert_eq!(check_ids(&parse_ids("a,b,a,c")).unwrap(), [(0, "a".to_string()), (1, "b".to_string()), (3, "c".to_string())], "duplicates answered once");
        let req = ReservationRequest {
            lifetime: Some(0),
            kind: None,
            items: Some(vec![
                ReservationItem { id: Some("x".into()), qty: Some(0), state: None },
                ReservationItem { id: Some("x".into()), qty: Some(1), state: None },
                ReservationItem { id: None, qty: None, state: None },
            ]),
        };
        let Err(InventoryError::Invalid(p)) = check_request(&req) else { panic!("invalid") };
        let fields: Vec<&str> = p.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["lifetime", "items[0].qty", "items[1].id", "items[2].id", "items[2].qty"]);
        assert!(matches!(check_request(&ReservationRequest::default()), Err(InventoryError::Invalid(_))), "items are required");
        let w = check_request(&ReservationRequest { items: Some(vec![ReservationItem { id: Some("x".into()), qty: Some(2), state: None }]), ..Default::default() }).unwrap();
        assert_eq!((w.kind, w.lifetime), (ReservationType::Complete, DEFAULT_LIFETIME), "the defaults");
        assert_eq!(InventoryError::ReservationNotFound(1).http_status(), 404);
        assert_eq!(InventoryError::NotEnoughStock(vec![]).http_status(), 400);
        assert_eq!(InventoryError::from(crate::error::StoreError::new(crate::error::StoreErrorKind::Busy, "locked")).http_status(), 503);
        let body = serde_json::to_value(InventoryError::Storage(crate::error::StoreError::new(crate::error::StoreErrorKind::Other, "disk I/O error")).to_reservation_response()).unwrap();
        assert_eq!(body, serde_json::json!({"statusCode": 500, "exceptions": [{"code": "INTERNAL_ERROR", "message": "an unexpected error occurred"}]}), "the database's message stays out of the answer");
    }
}
