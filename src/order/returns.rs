//! IOM's RMA service 2.12 (docs/orders.md, "Returns"): the shop's return reasons, what an
//! order can still return, and return requests, stored as return announcements
//! (`"ReturnAnnouncementDO"` with positions and items) that the RMA export sends to the supplier
//! (SEND_RETURN_ANNOUNCEMENT: at once, or once accepted for partners with decision bean 180).
//!
//! - **Returnable**: per order position, what was dispatched (`"DispatchPositionDO"`) minus what
//!   requests that are not REJECTED hold of it. A request asks for at most that, checked in the
//!   write transaction: two requests racing for the last item cannot both be stored.
//! - **RMA number**: the request's own, else the shop's format (`"shopRMANumberSequenceFormatString"`,
//!   `{0}` replaced) with the next value of its sequence (`"shopRMANumberSequenceName"`; without
//!   one, `"<shop id>_rma_seq"`); without a format the number alone. A request whose RMA number
//!   the order has already is the same request again (a retry): nothing new is stored and its
//!   id is answered.
//! - **Approvals**: APPROVED makes the request ACCEPTED, NOT_APPROVED makes it REJECTED
//!   ([`crate::db::state::return_request`]); a decided request takes no second approval.
use serde::{Deserialize, Serialize};

use super::intake::{OrderError, Problem};
use crate::db::queries::returns as q;
use crate::db::state::return_request as st;
use crate::db::Conn;

/// A shop of the RMA API (found by its name).
pub use crate::db::queries::returns::ShopRow as Shop;

pub const MEDIA_TYPE: &str = "application/vnd.intershop.return-request.v1+json";
pub const APPROVAL_MEDIA_TYPE: &str = "application/vnd.intershop.approval.v1+json";
pub const POSITION_MEDIA_TYPE: &str = "application/vnd.intershop.return-request-position.v1+json";
pub const ITEM_MEDIA_TYPE: &str = "application/vnd.intershop.return-request-item.v1+json";
pub const CONTACT_MEDIA_TYPE: &str = "application/vnd.intershop.contact-person.v1+json";
pub const PICKUP_MEDIA_TYPE: &str = "application/vnd.intershop.pickup-address.v1+json";
pub const ATTRIBUTE_MEDIA_TYPE: &str = "application/vnd.intershop.custom-attribute.v1+json";

type Result<T> = std::result::Result<T, OrderError>;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WriteReturnRequest {
    #[serde(rename = "type")]
    pub kind: String,
    pub rma_number: Option<String>,
    pub comment: Option<String>,
    pub positions: Vec<WritePosition>,
    pub pickup_address: Option<WritePickupAddress>,
    pub contact_persons: Option<Vec<WriteContactPerson>>,
    pub custom_attributes: Option<Vec<WriteCustomAttribute>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WritePosition {
    pub position_number: i32,
    pub product_number: String,
    pub reason: String,
    pub quantity: i32,
    pub items: Option<Vec<WriteItem>>,
    pub custom_attributes: Option<Vec<WriteCustomAttribute>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WriteItem {
    pub product_serial_number: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WriteCustomAttribute {
    pub key: String,
    pub value: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WriteContactPerson {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    pub last_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    pub email_address: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WritePickupAddress {
    pub company: Option<String>,
    pub first_name: Option<String>,
    pub last_name: String,
    pub street_name: String,
    pub house_number: Option<String>,
    pub post_code: String,
    pub city: String,
    pub country_code: String,
    pub district: Option<String>,
    pub addition_first_line: Option<String>,
    pub addition_second_line: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WriteApproval {
    pub status: String,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Link {
    pub href: String,
    pub rel: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ShopReturnReason {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReturnableData {
    pub links: Vec<Link>,
    pub positions: Vec<ReturnablePosition>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReturnablePosition {
    pub position_number: i64,
    pub quantity: i64,
    pub items: Vec<ReturnableItem>,
    pub product: Product,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReturnableItem {
    pub product_serial_number: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Product {
    pub number: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadReturnRequest {
    pub links: Vec<Link>,
    #[serde(rename = "type")]
    pub kind: String,
    pub rma_number: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    pub id: i64,
    pub creation_date: String,
    pub shop_order_number: String,
    pub shop_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supplier_order_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supplier_name: Option<String>,
    pub status: &'static str,
    pub business_status: &'static str,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadPosition {
    pub links: Vec<Link>,
    pub position_number: i64,
    pub product_number: String,
    pub reason: String,
    pub quantity: i64,
    pub id: i64,
    pub product_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supplier_product_number: Option<String>,
    pub custom_attributes: Vec<ReadCustomAttribute>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReadCustomAttribute {
    pub links: Vec<Link>,
    pub key: String,
    pub value: String,
    pub id: i64,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadItem {
    pub links: Vec<Link>,
    pub product_serial_number: String,
    pub id: i64,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactPerson {
    pub links: Vec<Link>,
    #[serde(flatten)]
    pub person: WriteContactPerson,
    pub id: i64,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadPickupAddress {
    pub links: Vec<Link>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    pub last_name: String,
    pub street_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub house_number: Option<String>,
    pub post_code: String,
    pub city: String,
    pub country_code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub addition_first_line: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub addition_second_line: Option<String>,
    pub id: i64,
}

fn problem(field: impl Into<String>, reason: impl Into<String>) -> Problem {
    Problem { code: "VALIDATION_EXCEPTION", field: field.into(), reason: reason.into() }
}

/// The shop of the path (404 when there is none of that name).
pub fn shop(conn: &Conn, name: &str) -> Result<q::ShopRow> {
    q::shop_by_name(conn, name)?.ok_or_else(|| OrderError::NotFound(format!("there is no shop named '{name}'")))
}

fn order(conn: &Conn, shop: &q::ShopRow, no: &str) -> Result<q::OrderRow> {
    q::order(conn, shop.id, no)?.ok_or_else(|| OrderError::NotFound(format!("shop {} has no order '{no}'", shop.id)))
}

/// The shop's return reasons, of the types `types` (all when empty).
pub fn reasons(conn: &Conn, shop: &q::ShopRow, types: &[String]) -> Result<Vec<ShopReturnReason>> {
    Ok(q::reasons(conn, shop.id)?
        .into_iter()
        .filter(|r| types.is_empty() || types.iter().any(|t| t == &r.kind))
        .map(|r| ShopReturnReason { name: r.name, description: r.description, kind: r.kind })
        .collect())
}

/// What order `no` can still return, per position that has something returnable.
pub fn returnables(conn: &Conn, shop: &q::ShopRow, no: &str, base: &str) -> Result<ReturnableData> {
    let o = order(conn, shop, no)?;
    let positions = q::returnable_positions(conn, o.id, None)?
        .into_iter()
        .filter(|p| p.returnable() > 0)
        .map(|p| ReturnablePosition { position_number: p.number, quantity: p.returnable(), items: Vec::new(), product: Product { number: p.article_id.clone(), name: p.article_name.clone() } })
        .collect();
    Ok(ReturnableData { links: vec![Link { href: format!("{base}/returnables"), rel: "self".into() }], positions })
}

/// The problems of a body before the database is asked.
fn check_body(r: &WriteReturnRequest) -> Vec<Problem> {
    let mut problems = Vec::new();
    if r.kind != "RETURN" && r.kind != "PICKUP" {
        problems.push(problem("type", format!("'{}' is not a type (RETURN, PICKUP)", r.kind)));
    }
    if r.kind == "PICKUP" && r.pickup_address.is_none() {
        problems.push(problem("pickupAddress", "a PICKUP needs a pickup address"));
    }
    if let Some(n) = &r.rma_number {
        if n.trim().is_empty() || n.chars().count() > 50 {
            problems.push(problem("rmaNumber", "an RMA number has 1 to 50 characters"));
        }
    }
    if r.comment.as_ref().is_some_and(|c| c.chars().count() > 255) {
        problems.push(problem("comment", "a comment has at most 255 characters"));
    }
    if r.positions.is_empty() {
        problems.push(problem("positions", "a return request has at least one position"));
    }
    for (i, p) in r.positions.iter().enumerate() {
        if p.quantity < 1 {
            problems.push(problem(format!("positions[{i}].quantity"), format!("the quantity is at least 1, not {}", p.quantity)));
        }
        for (j, item) in p.items.iter().flatten().enumerate() {
            if item.product_serial_number.is_empty() || item.product_serial_number.chars().count() > 70 {
                problems.push(problem(format!("positions[{i}].items[{j}].productSerialNumber"), "a serial number has 1 to 70 characters"));
            }
        }
    }
    problems.extend(check_attributes(r.custom_attributes.as_deref().unwrap_or_default(), "customAttributes"));
    for (i, p) in r.positions.iter().enumerate() {
        problems.extend(check_attributes(p.custom_attributes.as_deref().unwrap_or_default(), &format!("positions[{i}].customAttributes")));
    }
    for (i, c) in r.contact_persons.iter().flatten().enumerate() {
        if c.language.as_ref().is_some_and(|l| l.chars().count() > 2) {
            problems.push(problem(format!("contactPersons[{i}].language"), "a language is a 2-letter code"));
        }
    }
    problems
}

/// The problems of custom attributes (`at`: their JSON path).
pub fn check_attributes(attributes: &[WriteCustomAttribute], at: &str) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (i, a) in attributes.iter().enumerate() {
        if a.key.is_empty() || a.key.chars().count() > 250 {
            problems.push(problem(format!("{at}[{i}].key"), "a key has 1 to 250 characters"));
        }
        if a.value.chars().count() > 1000 {
            problems.push(problem(format!("{at}[{i}].value"), "a value has at most 1000 characters"));
        }
    }
    problems
}

fn add_attributes(tx: &Conn, owner: q::Owner, attributes: &[WriteCustomAttribute]) -> Result<Vec<i64>> {
    attributes.iter().map(|a| q::insert_attribute(tx, owner, &a.key, &a.value).map_err(Into::into)).collect()
}

/// The RMA number of a new request without its own.
fn next_rma_number(tx: &Conn, shop: &q::ShopRow) -> Result<String> {
    let sequence = shop.sequence.clone().filter(|s| !s.trim().is_empty()).unwrap_or_else(|| format!("{}_rma_seq", shop.id));
    let n = q::next_value(tx, &sequence)?;
    Ok(match shop.format.as_deref().filter(|f| f.contains("{0}")) {
        Some(f) => f.replace("{0}", &n.to_string()),
        None => n.to_string(),
    })
}

/// The order positions of the body's positions (index in the body, order position), checked
/// against what the order can still return, in the write transaction `tx`.
fn checked_positions<'p>(tx: &Conn, shop: &q::ShopRow, no: &str, r: &WriteReturnRequest, positions: &'p [q::ReturnablePosition]) -> Result<Vec<(usize, &'p q::ReturnablePosition)>> {
    let reasons = q::reasons(tx, shop.id)?;
    let mut problems = Vec::new();
    let mut wanted: Vec<(usize, &q::ReturnablePosition)> = Vec::new();
    for (i, p) in r.positions.iter().enumerate() {
        let Some(op) = positions.iter().find(|op| op.number == i64::from(p.position_number)) else {
            problems.push(problem(format!("positions[{i}].positionNumber"), format!("order '{no}' has no position {}", p.position_number)));
            continue;
        };
        if op.article_id != p.product_number && op.supplier_article_no.as_deref() != Some(p.product_number.as_str()) {
            problems.push(problem(format!("positions[{i}].productNumber"), format!("position {} of order '{no}' is product '{}', not '{}'", op.number, op.article_id, p.product_number)));
        }
        if !reasons.iter().any(|x| x.name == p.reason) {
            problems.push(problem(format!("positions[{i}].reason"), format!("'{}' is not a return reason of the shop", p.reason)));
        }
        let asked: i64 = r.positions.iter().filter(|x| x.position_number == p.position_number).map(|x| i64::from(x.quantity.max(0))).sum();
        if !wanted.iter().any(|(_, w)| w.id == op.id) && asked > op.returnable() {
            problems.push(problem(
                format!("positions[{i}].quantity"),
                format!("position {} can return {} more (dispatched {}, requested before {}), not {asked}", op.number, op.returnable(), op.dispatched, op.requested),
            ));
        }
        wanted.push((i, op));
    }
    if problems.is_empty() {
        Ok(wanted)
    } else {
        Err(OrderError::Invalid(problems))
    }
}

/// The request's contact person and pickup address as stored.
fn parties(r: &WriteReturnRequest) -> (Option<q::Contact<'_>>, Option<q::Pickup<'_>>) {
    let contact = r.contact_persons.as_ref().and_then(|c| c.first()).map(|c| q::Contact {
        first_name: c.first_name.as_deref(),
        last_name: &c.last_name,
        company: c.company.as_deref(),
        phone: c.phone_number.as_deref(),
        email: &c.email_address,
        language: c.language.as_deref(),
    });
    let pickup = r.pickup_address.as_ref().map(|p| q::Pickup {
        first_name: p.first_name.as_deref(),
        last_name: &p.last_name,
        company: p.company.as_deref(),
        street: &p.street_name,
        house_number: p.house_number.as_deref(),
        city: &p.city,
        post_code: &p.post_code,
        district: p.district.as_deref(),
        addition1: p.addition_first_line.as_deref(),
        addition2: p.addition_second_line.as_deref(),
        country: &p.country_code,
    });
    (contact, pickup)
}

fn insert_positions(tx: &Conn, id: i64, r: &WriteReturnRequest, wanted: Vec<(usize, &q::ReturnablePosition)>) -> Result<()> {
    for (i, op) in wanted {
        let p = &r.positions[i];
        let pid = q::insert_position(tx, id, op.id, i64::from(p.quantity), &p.reason)?;
        for item in p.items.iter().flatten() {
            q::insert_item(tx, pid, &item.product_serial_number)?;
        }
        add_attributes(tx, q::Owner::Position(pid), p.custom_attributes.as_deref().unwrap_or_default())?;
    }
    Ok(())
}

/// Stores a return request of order `no`; returns its id and whether it is new (false: the
/// order has a request with this RMA number already, which is answered instead).
pub fn create_request(conn: &mut Conn, shop: &q::ShopRow, no: &str, r: &WriteReturnRequest) -> Result<(i64, bool)> {
    let problems = check_body(r);
    if !problems.is_empty() {
        return Err(OrderError::Invalid(problems));
    }
    let tx = conn.write()?;
    let o = order(&tx, shop, no)?;
    if let Some(n) = &r.rma_number {
        if let Some(id) = q::request_by_rma_number(&tx, o.id, n)? {
            return Ok((id, false));
        }
    }
    let numbers: Vec<i64> = r.positions.iter().map(|p| i64::from(p.position_number)).collect();
    let positions = q::returnable_positions(&tx, o.id, Some(&numbers))?;
    let wanted = checked_positions(&tx, shop, no, r, &positions)?;
    let rma_number = match &r.rma_number {
        Some(n) => n.clone(),
        None => next_rma_number(&tx, shop)?,
    };
    let (contact, pickup) = parties(r);
    let id = q::insert_request(&tx, &q::NewRequest { order: o.id, rma_number: &rma_number, kind: &r.kind, comment: r.comment.as_deref(), contact, pickup })?;
    insert_positions(&tx, id, r, wanted)?;
    add_attributes(&tx, q::Owner::Request(id), r.custom_attributes.as_deref().unwrap_or_default())?;
    tx.commit()?;
    Ok((id, true))
}

/// Replaces request `id` while it is INITIAL (not yet decided): its type, comment, contact,
/// pickup address, RMA number (when given) and positions, checked as a new request is,
/// without the request's own old positions counting against it.
pub fn replace_request(conn: &mut Conn, shop_name: &str, shop: &q::ShopRow, no: &str, id: i64, r: &WriteReturnRequest, base: &str) -> Result<ReadReturnRequest> {
    let problems = check_body(r);
    if !problems.is_empty() {
        return Err(OrderError::Invalid(problems));
    }
    let tx = conn.write()?;
    let (o, old) = stored(&tx, shop, no, id)?;
    if old.state != st::INITIAL {
        let (status, _) = st::names(old.state);
        return Err(OrderError::Invalid(vec![problem("status", format!("return request {id} is {status}: only an INITIAL request can be replaced"))]));
    }
    if let Some(n) = &r.rma_number {
        if q::request_by_rma_number(&tx, o.id, n)?.is_some_and(|other| other != id) {
            return Err(OrderError::Invalid(vec![problem("rmaNumber", format!("order '{no}' has another return request with RMA number '{n}'"))]));
        }
    }
    q::delete_positions(&tx, id)?;
    let numbers: Vec<i64> = r.positions.iter().map(|p| i64::from(p.position_number)).collect();
    let positions = q::returnable_positions(&tx, o.id, Some(&numbers))?;
    let wanted = checked_positions(&tx, shop, no, r, &positions)?;
    let rma_number = r.rma_number.clone().unwrap_or_else(|| old.rma_number.clone());
    let (contact, pickup) = parties(r);
    q::update_request(&tx, id, &q::NewRequest { order: o.id, rma_number: &rma_number, kind: &r.kind, comment: r.comment.as_deref(), contact, pickup })?;
    insert_positions(&tx, id, r, wanted)?;
    if let Some(attributes) = &r.custom_attributes {
        q::delete_attributes(&tx, q::Owner::Request(id), None)?;
        add_attributes(&tx, q::Owner::Request(id), attributes)?;
    }
    let new = q::request(&tx, o.id, id)?.ok_or_else(|| OrderError::NotFound(format!("order '{no}' has no return request {id}")))?;
    tx.commit()?;
    Ok(read_request(shop_name, &o, &new, base))
}

fn read_request(shop_name: &str, o: &q::OrderRow, r: &q::RequestRow, base: &str) -> ReadReturnRequest {
    let (status, business) = st::names(r.state);
    ReadReturnRequest {
        links: vec![Link { href: format!("{base}/{}", r.id), rel: "self".into() }],
        kind: r.kind.clone(),
        rma_number: r.rma_number.clone(),
        comment: r.comment.clone(),
        id: r.id,
        creation_date: super::states::date_time(&r.created),
        shop_order_number: o.shop_order_no.clone(),
        shop_name: shop_name.to_string(),
        supplier_order_number: o.supplier_order_no.clone(),
        supplier_name: o.supplier_name.clone(),
        status,
        business_status: business,
    }
}

/// The return requests of order `no`. `base`: the URL of the order's `return-requests`.
pub fn requests(conn: &Conn, shop_name: &str, shop: &q::ShopRow, no: &str, base: &str) -> Result<Vec<ReadReturnRequest>> {
    let o = order(conn, shop, no)?;
    Ok(q::requests(conn, o.id)?.iter().map(|r| read_request(shop_name, &o, r, base)).collect())
}

fn stored(conn: &Conn, shop: &q::ShopRow, no: &str, id: i64) -> Result<(q::OrderRow, q::RequestRow)> {
    let o = order(conn, shop, no)?;
    let r = q::request(conn, o.id, id)?.ok_or_else(|| OrderError::NotFound(format!("order '{no}' has no return request {id}")))?;
    Ok((o, r))
}

pub fn request(conn: &Conn, shop_name: &str, shop: &q::ShopRow, no: &str, id: i64, base: &str) -> Result<ReadReturnRequest> {
    let (o, r) = stored(conn, shop, no, id)?;
    Ok(read_request(shop_name, &o, &r, base))
}

/// The positions of request `id`. `base`: the URL of the request.
pub fn positions(conn: &Conn, shop: &q::ShopRow, no: &str, id: i64, base: &str) -> Result<Vec<ReadPosition>> {
    let (_, r) = stored(conn, shop, no, id)?;
    q::request_positions(conn, r.id)?
        .into_iter()
        .map(|p| {
            let here = format!("{base}/positions/{}", p.id);
            let custom_attributes = read_attributes(conn, q::Owner::Position(p.id), &here)?;
            Ok(ReadPosition {
            links: vec![Link { href: here, rel: "self".into() }],
            position_number: p.position_number,
            product_number: p.article_id,
            reason: p.reason,
            quantity: p.quantity,
            id: p.id,
            product_name: p.article_name,
            supplier_product_number: p.supplier_article_no,
            custom_attributes,
        })
        })
        .collect()
}

pub fn position(conn: &Conn, shop: &q::ShopRow, no: &str, id: i64, position: i64, base: &str) -> Result<ReadPosition> {
    positions(conn, shop, no, id, base)?.into_iter().find(|p| p.id == position).ok_or_else(|| OrderError::NotFound(format!("return request {id} has no position {position}")))
}

/// The items of a position of request `id`.
pub fn items(conn: &Conn, shop: &q::ShopRow, no: &str, id: i64, position: i64, base: &str) -> Result<Vec<ReadItem>> {
    let p = self::position(conn, shop, no, id, position, base)?;
    Ok(q::request_items(conn, p.id)?
        .into_iter()
        .map(|(item, serial)| ReadItem { links: vec![Link { href: format!("{base}/positions/{}/items/{item}", p.id), rel: "self".into() }], product_serial_number: serial, id: item })
        .collect())
}

/// The request's contact person (impex stores one: the first of the request).
pub fn contact_persons(conn: &Conn, shop: &q::ShopRow, no: &str, id: i64, base: &str) -> Result<Vec<ContactPerson>> {
    let (_, r) = stored(conn, shop, no, id)?;
    Ok(r.contact
        .into_iter()
        .map(|c| ContactPerson {
            links: vec![Link { href: format!("{base}/contact-persons"), rel: "self".into() }],
            person: WriteContactPerson { company: c.company, first_name: c.first_name, last_name: c.last_name, phone_number: c.phone, email_address: c.email.unwrap_or_default(), language: c.language },
            id: r.id,
        })
        .collect())
}

pub fn pickup_addresses(conn: &Conn, shop: &q::ShopRow, no: &str, id: i64, base: &str) -> Result<Vec<ReadPickupAddress>> {
    let (_, r) = stored(conn, shop, no, id)?;
    Ok(r.pickup
        .into_iter()
        .map(|p| ReadPickupAddress {
            links: vec![Link { href: format!("{base}/pickup-addresses"), rel: "self".into() }],
            company: p.company,
            first_name: p.first_name,
            last_name: p.last_name,
            street_name: p.street,
            house_number: p.house_number,
            post_code: p.post_code,
            city: p.city,
            country_code: p.country,
            district: p.district,
            addition_first_line: p.addition1,
            addition_second_line: p.addition2,
            id: r.id,
        })
        .collect())
}

/// Decides request `id`: APPROVED or NOT_APPROVED.
pub fn approve(conn: &mut Conn, shop: &q::ShopRow, no: &str, id: i64, a: &WriteApproval) -> Result<()> {
    let approved = match a.status.as_str() {
        "APPROVED" => true,
        "NOT_APPROVED" => false,
        other => return Err(OrderError::Invalid(vec![problem("status", format!("'{other}' is not an approval status (APPROVED, NOT_APPROVED)"))])),
    };
    let tx = conn.write()?;
    let (_, r) = stored(&tx, shop, no, id)?;
    if !st::approve(&tx, r.id, approved, a.comment.as_deref())? {
        let (status, _) = st::names(r.state);
        return Err(OrderError::Invalid(vec![problem("status", format!("return request {id} is {status}: it is not waiting for an approval"))]));
    }
    tx.commit()?;
    Ok(())
}

/// The custom attributes of `owner` (`base`: the owner's URL).
fn read_attributes(conn: &Conn, owner: q::Owner, base: &str) -> Result<Vec<ReadCustomAttribute>> {
    Ok(q::attributes(conn, owner)?
        .into_iter()
        .map(|(id, key, value)| ReadCustomAttribute { links: vec![Link { href: format!("{base}/custom-attributes/{id}"), rel: "self".into() }], key, value, id })
        .collect())
}

/// Whose custom attributes a request names: request `id` of order `no` of `shop`, or its
/// position `position`; `base` is the request's URL.
#[derive(Debug, Clone)]
pub struct Place {
    pub shop: q::ShopRow,
    pub no: String,
    pub id: i64,
    pub position: Option<i64>,
    pub base: String,
}

/// The owner of the place's custom attributes (404 for a position of another request) and its
/// URL.
fn owner(conn: &Conn, at: &Place) -> Result<(q::Owner, String)> {
    let (_, r) = stored(conn, &at.shop, &at.no, at.id)?;
    match at.position {
        None => Ok((q::Owner::Request(r.id), at.base.clone())),
        Some(p) if q::request_positions(conn, r.id)?.iter().any(|x| x.id == p) => Ok((q::Owner::Position(p), format!("{}/positions/{p}", at.base))),
        Some(p) => Err(OrderError::NotFound(format!("return request {} has no position {p}", at.id))),
    }
}

/// The custom attributes of a request or of one of its positions.
pub fn custom_attributes(conn: &Conn, at: &Place) -> Result<Vec<ReadCustomAttribute>> {
    let (owner, here) = owner(conn, at)?;
    read_attributes(conn, owner, &here)
}

pub fn custom_attribute(conn: &Conn, at: &Place, attribute: i64) -> Result<ReadCustomAttribute> {
    custom_attributes(conn, at)?.into_iter().find(|a| a.id == attribute).ok_or_else(|| OrderError::NotFound(format!("there is no custom attribute {attribute} here")))
}

/// Adds custom attributes (`replace`: instead of the ones there); returns the new ones.
pub fn write_custom_attributes(conn: &mut Conn, at: &Place, attributes: &[WriteCustomAttribute], replace: bool) -> Result<Vec<ReadCustomAttribute>> {
    let problems = check_attributes(attributes, "body");
    if !problems.is_empty() {
        return Err(OrderError::Invalid(problems));
    }
    let tx = conn.write()?;
    let (owner, here) = owner(&tx, at)?;
    if replace {
        q::delete_attributes(&tx, owner, None)?;
    }
    let ids = add_attributes(&tx, owner, attributes)?;
    let all = read_attributes(&tx, owner, &here)?;
    tx.commit()?;
    Ok(all.into_iter().filter(|a| ids.contains(&a.id)).collect())
}

pub fn delete_custom_attribute(conn: &mut Conn, at: &Place, attribute: i64) -> Result<()> {
    let tx = conn.write()?;
    let (owner, _) = owner(&tx, at)?;
    if q::delete_attributes(&tx, owner, Some(attribute))? == 0 {
        return Err(OrderError::NotFound(format!("there is no custom attribute {attribute} here")));
    }
    tx.commit()?;
    Ok(())
}
