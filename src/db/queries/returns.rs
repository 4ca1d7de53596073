//! The rows of the RMA service (`src/order/returns.rs`, docs/orders.md "Returns"): the shop's
//! return reasons, what an order's positions can still return, and return requests stored as
//! `"ReturnAnnouncementDO"` with positions and items. The request's status is written by
//! [`crate::db::state::return_request`] only.
use crate::db::{params, Optional};

use crate::db::state::return_request::REJECTED;
use crate::db::{Conn, StoreResult};

/// A shop found by its name (the RMA API's `shopName`).
#[derive(Debug, Clone)]
pub struct ShopRow {
    pub id: i64,
    /// `"shopRMANumberSequenceName"`.
    pub sequence: Option<String>,
    /// `"shopRMANumberSequenceFormatString"`, e.g. `rma-number-{0}`.
    pub format: Option<String>,
}

pub fn shop_by_name(conn: &Conn, name: &str) -> StoreResult<Option<ShopRow>> {
    Ok(conn
        .query_row(r#"SELECT "id", "shopRMANumberSequenceName", "shopRMANumberSequenceFormatString" FROM "ShopDO" WHERE "name" = ?1 ORDER BY "id" LIMIT 1"#, params![name], |r| Ok(ShopRow { id: r.get(0)?, sequence: r.get(1)?, format: r.get(2)? }))
        .optional()?)
}

/// One of the shop's return reasons: the shop's name for it, the reference text, and the shop's
/// name of its return type (the reference name when the shop has none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReasonRow {
    pub name: String,
    pub description: Option<String>,
    pub kind: String,
}

/// The shop's reasons (`"Shop2ReturnReasonDefDO"`), by name.
pub fn reasons(conn: &Conn, shop: i64) -> StoreResult<Vec<ReasonRow>> {
    conn.query_map(r#"SELECT sr."shopReturnReasonName", d."description", coalesce(st."shopReturnTypeName", t."name")
           FROM "Shop2ReturnReasonDefDO" sr
           JOIN "ReturnReasonDefDO" d ON d."id" = sr."returnReasonDefRef"
           JOIN "ReturnTypeDefDO" t ON t."id" = d."returnTypeDefRef"
           LEFT JOIN "Shop2ReturnTypeDefDO" st ON st."shopRef" = sr."shopRef" AND st."returnTypeDefRef" = t."id"
           WHERE sr."shopRef" = ?1 ORDER BY sr."shopReturnReasonName""#, params![shop], |r| Ok(ReasonRow { name: r.get(0)?, description: r.get(1)?, kind: r.get(2)? }))
}

/// The order of a shop with the shop's order number.
#[derive(Debug, Clone)]
pub struct OrderRow {
    pub id: i64,
    pub shop_order_no: String,
    /// The supplier's order number, from the order's first dispatch that has one.
    pub supplier_order_no: Option<String>,
    pub supplier_name: Option<String>,
}

pub fn order(conn: &Conn, shop: i64, shop_order_no: &str) -> StoreResult<Option<OrderRow>> {
    Ok(conn
        .query_row(r#"SELECT o."id", o."shopOrderNo",
                      (SELECT d."supplierOrderNo" FROM "DispatchDO" d WHERE d."orderRef" = o."id" AND d."supplierOrderNo" IS NOT NULL ORDER BY d."id" LIMIT 1), s."name" FROM "OrderDO" o LEFT JOIN "SupplierDO" s ON s."id" = o."supplierRef"
               WHERE o."shopRef" = ?1 AND o."shopOrderNo" = ?2 ORDER BY o."id" LIMIT 1"#, params![shop, shop_order_no], |r| Ok(OrderRow { id: r.get(0)?, shop_order_no: r.get(1)?, supplier_order_no: r.get(2)?, supplier_name: r.get(3)? }))
        .optional()?)
}

/// A position of an order with what was dispatched of it and what return requests that are not
/// rejected hold of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnablePosition {
    pub id: i64,
    pub number: i64,
    pub article_id: String,
    pub article_name: String,
    pub supplier_article_no: Option<String>,
    pub dispatched: i64,
    pub requested: i64,
}

impl ReturnablePosition {
    /// What can still be returned: dispatched and not requested.
    pub fn returnable(&self) -> i64 {
        (self.dispatched - self.requested).max(0)
    }
}

/// The positions of order `order` by number (`only`: these position numbers). A request position
/// without a quantity holds the whole position.
pub fn returnable_positions(conn: &Conn, order: i64, only: Option<&[i64]>) -> StoreResult<Vec<ReturnablePosition>> {
    let st_sql = &format!(
        r#"SELECT op."id", op."number", op."articleId", op."articleName", op."supplierArticleNo",
                  coalesce((SELECT sum(dp."quantity") FROM "DispatchPositionDO" dp WHERE dp."orderPositionRef" = op."id"), 0),
                  coalesce((SELECT sum(coalesce(rp."quantity", op."quantity")) FROM "ReturnAnnouncementPositionDO" rp
                            JOIN "ReturnAnnouncementDO" ra ON ra."id" = rp."returnAnnouncementRef"
                            WHERE rp."orderPositionRef" = op."id" AND ra."stateDefRef" <> {REJECTED}), 0)
           FROM "OrderPositionDO" op WHERE op."orderRef" = ?1 AND (?2 IS NULL OR op."number" IN (SELECT CAST("value" AS INTEGER) FROM json_each(?2))) ORDER BY op."number""#
    );
    let only = only.map(|n| serde_json::to_string(n).expect("numbers serialize"));
    let rows = conn.query_map(st_sql, params![order, only], |r| {
        Ok(ReturnablePosition {
            id: r.get(0)?,
            number: r.get(1)?,
            article_id: r.get(2)?,
            article_name: r.get(3)?,
            supplier_article_no: r.get(4)?,
            dispatched: r.get(5)?,
            requested: r.get(6)?,
        })
    })?;
    Ok(rows)
}

/// The next value of a sequence (`nextval`, src/db/functions.rs).
/// On PostgreSQL a real sequence, made at its first use (a name with a dot is
/// `schema.sequence`, else in the first schema of the search path, `oms`).
pub fn next_value(tx: &Conn, sequence: &str) -> StoreResult<i64> {
    if tx.is_postgres() {
        let quoted = sequence.split('.').map(|p| format!("\"{}\"", p.trim_matches('"').replace('"', "\"\""))).collect::<Vec<_>>().join(".");
        tx.execute(&format!("CREATE SEQUENCE IF NOT EXISTS {quoted} START {}", crate::db::functions::SEQUENCE_START), params![])?;
        return tx.query_row("SELECT nextval(CAST(?1 AS TEXT))", params![quoted], |r| r.get(0));
    }
    tx.query_row("SELECT nextval(?1)", params![sequence], |r| r.get(0))
}

/// The request of order `order` with this RMA number, if there is one.
pub fn request_by_rma_number(conn: &Conn, order: i64, rma_number: &str) -> StoreResult<Option<i64>> {
    Ok(conn
        .query_row(r#"SELECT "id" FROM "ReturnAnnouncementDO" WHERE "orderRef" = ?1 AND "rmaNumber" = ?2 ORDER BY "id" LIMIT 1"#, params![order, rma_number], |r| r.get(0))
        .optional()?)
}

/// What a new request stores.
#[derive(Debug, Clone, Default)]
pub struct NewRequest<'a> {
    pub order: i64,
    pub rma_number: &'a str,
    /// RETURN or PICKUP.
    pub kind: &'a str,
    pub comment: Option<&'a str>,
    pub contact: Option<Contact<'a>>,
    pub pickup: Option<Pickup<'a>>,
}

#[derive(Debug, Clone, Default)]
pub struct Contact<'a> {
    pub first_name: Option<&'a str>,
    pub last_name: &'a str,
    pub company: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub email: &'a str,
    pub language: Option<&'a str>,
}

#[derive(Debug, Clone, Default)]
pub struct Pickup<'a> {
    pub first_name: Option<&'a str>,
    pub last_name: &'a str,
    pub company: Option<&'a str>,
    pub street: &'a str,
    pub house_number: Option<&'a str>,
    pub city: &'a str,
    pub post_code: &'a str,
    pub district: Option<&'a str>,
    pub addition1: Option<&'a str>,
    pub addition2: Option<&'a str>,
    pub country: &'a str,
}

/// The values of [`insert_request`] and [`update_request`] in their column order, from
/// `"rmaNumber"` on.
fn request_values(r: &NewRequest<'_>) -> Vec<Option<String>> {
    let c = r.contact.clone().unwrap_or_default();
    let p = r.pickup.clone().unwrap_or_default();
    let (has_c, has_p) = (r.contact.is_some(), r.pickup.is_some());
    let opt = |present: bool, v: &str| present.then(|| v.to_string());
    let own = |v: Option<&str>| v.map(str::to_string);
    vec![
        Some(r.rma_number.to_string()),
        Some(r.kind.to_string()),
        own(r.comment),
        own(c.first_name),
        opt(has_c, c.last_name),
        own(c.company),
        own(c.phone),
        opt(has_c, c.email),
        own(c.language),
        own(p.first_name),
        opt(has_p, p.last_name),
        own(p.company),
        opt(has_p, p.street),
        own(p.house_number),
        opt(has_p, p.city),
        opt(has_p, p.post_code),
        own(p.district),
        own(p.addition1),
        own(p.addition2),
        opt(has_p, p.country),
    ]
}

const WRITTEN_COLUMNS: [&str; 20] = [
    "rmaNumber",
    "type",
    "comment",
    "contactFirstName",
    "contactLastName",
    "contactCompanyName",
    "contactPhone",
    "contactEmail",
    "correspondenceLanguage",
    "pickupFirstName",
    "pickupLastName",
    "pickupCompanyName",
    "pickupStreetName",
    "pickupStreetNumber",
    "pickupCity",
    "pickupPostCode",
    "pickupDistrict",
    "pickupAddition1",
    "pickupAddition2",
    "pickupCountry",
];

/// Inserts a request in status INITIAL ([`crate::db::state::return_request`]); returns its id.
pub fn insert_request(tx: &Conn, r: &NewRequest<'_>) -> StoreResult<i64> {
    let columns = WRITTEN_COLUMNS.iter().map(|c| format!(r#""{c}""#)).collect::<Vec<_>>().join(", ");
    let marks = (2..=WRITTEN_COLUMNS.len() + 1).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ");
    let mut values = vec![crate::db::Value::Integer(r.order)];
    values.extend(request_values(r).into_iter().map(|v| v.map_or(crate::db::Value::Null, crate::db::Value::Text)));
    tx.insert(&format!(r#"INSERT INTO "ReturnAnnouncementDO" ("orderRef", {columns}) VALUES (?1, {marks})"#), &crate::db::refs(&values))
}

/// Writes a replaced request's values (its state stays).
pub fn update_request(tx: &Conn, id: i64, r: &NewRequest<'_>) -> StoreResult<()> {
    let sets = WRITTEN_COLUMNS.iter().enumerate().map(|(i, c)| format!(r#""{c}" = ?{}"#, i + 2)).collect::<Vec<_>>().join(", ");
    let mut values = vec![crate::db::Value::Integer(id)];
    values.extend(request_values(r).into_iter().map(|v| v.map_or(crate::db::Value::Null, crate::db::Value::Text)));
    tx.execute(&format!(r#"UPDATE "ReturnAnnouncementDO" SET {sets} WHERE "id" = ?1"#), &crate::db::refs(&values))?;
    Ok(())
}

/// Removes the positions (with their items and custom attributes) of request `id`.
pub fn delete_positions(tx: &Conn, id: i64) -> StoreResult<()> {
    tx.execute(r#"DELETE FROM "ReturnAnnouncementItemDO" WHERE "returnAnnouncementPositionRef" IN (SELECT "id" FROM "ReturnAnnouncementPositionDO" WHERE "returnAnnouncementRef" = ?1)"#, params![id])?;
    tx.execute(r#"DELETE FROM "ReturnAnnouncementPositionPropertyDO" WHERE "returnAnnouncementPositionRef" IN (SELECT "id" FROM "ReturnAnnouncementPositionDO" WHERE "returnAnnouncementRef" = ?1)"#, params![id])?;
    tx.execute(r#"DELETE FROM "ReturnAnnouncementPositionDO" WHERE "returnAnnouncementRef" = ?1"#, params![id])?;
    Ok(())
}

/// Inserts a position of request `request`; returns its id.
pub fn insert_position(tx: &Conn, request: i64, order_position: i64, quantity: i64, reason: &str) -> StoreResult<i64> {
    tx.insert(r#"INSERT INTO "ReturnAnnouncementPositionDO" ("returnAnnouncementRef", "orderPositionRef", "quantity", "returnReason") VALUES (?1, ?2, ?3, ?4)"#, params![request, order_position, quantity, reason])
}

pub fn insert_item(tx: &Conn, position: i64, serial_number: &str) -> StoreResult<()> {
    tx.execute(r#"INSERT INTO "ReturnAnnouncementItemDO" ("returnAnnouncementPositionRef", "serialNumber") VALUES (?1, ?2)"#, params![position, serial_number])?;
    Ok(())
}

/// A stored request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRow {
    pub id: i64,
    pub rma_number: String,
    pub kind: String,
    pub state: i64,
    pub comment: Option<String>,
    pub created: String,
    pub contact: Option<ContactRow>,
    pub pickup: Option<PickupRow>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactRow {
    pub first_name: Option<String>,
    pub last_name: String,
    pub company: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub language: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickupRow {
    pub first_name: Option<String>,
    pub last_name: String,
    pub company: Option<String>,
    pub street: String,
    pub house_number: Option<String>,
    pub city: String,
    pub post_code: String,
    pub district: Option<String>,
    pub addition1: Option<String>,
    pub addition2: Option<String>,
    pub country: String,
}

const REQUEST_COLUMNS: &str = r#""id", "rmaNumber", "type", "stateDefRef", "comment", "creationDate",
    "contactFirstName", "contactLastName", "contactCompanyName", "contactPhone", "contactEmail", "correspondenceLanguage",
    "pickupFirstName", "pickupLastName", "pickupCompanyName", "pickupStreetName", "pickupStreetNumber", "pickupCity",
    "pickupPostCode", "pickupDistrict", "pickupAddition1", "pickupAddition2", "pickupCountry""#;

fn request_row(r: &crate::db::Row<'_>) -> StoreResult<RequestRow> {
    let contact = r.get::<Option<String>>(7)?.map(|last_name| -> StoreResult<ContactRow> {
        Ok(ContactRow { first_name: r.get(6)?, last_name, company: r.get(8)?, phone: r.get(9)?, email: r.get(10)?, language: r.get(11)? })
    });
    let pickup = match (r.get::<Option<String>>(13)?, r.get::<Option<String>>(15)?, r.get::<Option<String>>(17)?, r.get::<Option<String>>(18)?, r.get::<Option<String>>(22)?) {
        (Some(last_name), Some(street), Some(city), Some(post_code), Some(country)) => Some(PickupRow {
            first_name: r.get(12)?,
            last_name,
            company: r.get(14)?,
            street,
            house_number: r.get(16)?,
            city,
            post_code,
            district: r.get(19)?,
            addition1: r.get(20)?,
            addition2: r.get(21)?,
            country,
        }),
        _ => None,
    };
    Ok(RequestRow { id: r.get(0)?, rma_number: r.get(1)?, kind: r.get(2)?, state: r.get(3)?, comment: r.get(4)?, created: r.get(5)?, contact: contact.transpose()?, pickup })
}

/// The requests of order `order`, oldest first.
pub fn requests(conn: &Conn, order: i64) -> StoreResult<Vec<RequestRow>> {
    let rows = conn.query_map(&format!(r#"SELECT {REQUEST_COLUMNS} FROM "ReturnAnnouncementDO" WHERE "orderRef" = ?1 ORDER BY "id""#), params![order], request_row)?;
    Ok(rows)
}

/// Request `id` of order `order`.
pub fn request(conn: &Conn, order: i64, id: i64) -> StoreResult<Option<RequestRow>> {
    Ok(conn
        .query_row(&format!(r#"SELECT {REQUEST_COLUMNS} FROM "ReturnAnnouncementDO" WHERE "orderRef" = ?1 AND "id" = ?2"#), params![order, id], request_row)
        .optional()?)
}

/// A position of a request with its order position's product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestPositionRow {
    pub id: i64,
    pub position_number: i64,
    pub article_id: String,
    pub article_name: String,
    pub supplier_article_no: Option<String>,
    pub quantity: i64,
    pub reason: String,
}

pub fn request_positions(conn: &Conn, request: i64) -> StoreResult<Vec<RequestPositionRow>> {
    conn.query_map(r#"SELECT rp."id", op."number", op."articleId", op."articleName", op."supplierArticleNo", coalesce(rp."quantity", op."quantity"), rp."returnReason"
           FROM "ReturnAnnouncementPositionDO" rp JOIN "OrderPositionDO" op ON op."id" = rp."orderPositionRef"
           WHERE rp."returnAnnouncementRef" = ?1 ORDER BY rp."id""#, params![request], |r| {
        Ok(RequestPositionRow {
            id: r.get(0)?,
            position_number: r.get(1)?,
            article_id: r.get(2)?,
            article_name: r.get(3)?,
            supplier_article_no: r.get(4)?,
            quantity: r.get(5)?,
            reason: r.get(6)?,
        })
    })
}

/// The items (serial numbers) of request position `position`: (id, serial number).
pub fn request_items(conn: &Conn, position: i64) -> StoreResult<Vec<(i64, String)>> {
    conn.query_map(r#"SELECT "id", "serialNumber" FROM "ReturnAnnouncementItemDO" WHERE "returnAnnouncementPositionRef" = ?1 ORDER BY "id""#, params![position], |r| Ok((r.get(0)?, r.get(1)?)))
}

/// Whose custom attributes: a request's (`"ReturnAnnouncementPropertyDO"` of group
/// [`CUSTOM_ATTRIBUTES`]) or a request position's (`"ReturnAnnouncementPositionPropertyDO"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Request(i64),
    Position(i64),
}

/// The property group of a request's custom attributes.
pub const CUSTOM_ATTRIBUTES: &str = "customAttributes";

impl Owner {
    /// (table, owner column, extra condition of the table's rows, owner id)
    fn place(self) -> (&'static str, &'static str, &'static str, i64) {
        match self {
            Owner::Request(id) => ("ReturnAnnouncementPropertyDO", "returnAnnouncementRef", r#" AND "groupId" = 'customAttributes'"#, id),
            Owner::Position(id) => ("ReturnAnnouncementPositionPropertyDO", "returnAnnouncementPositionRef", "", id),
        }
    }
}

/// The custom attributes of `owner`: (id, key, value), oldest first.
pub fn attributes(conn: &Conn, owner: Owner) -> StoreResult<Vec<(i64, String, String)>> {
    let (table, column, extra, id) = owner.place();
        conn.query_map(&format!(r#"SELECT "id", "key", "value" FROM "{table}" WHERE "{column}" = ?1{extra} ORDER BY "id""#), params![id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
}

/// Adds a custom attribute to `owner`; returns its id.
pub fn insert_attribute(tx: &Conn, owner: Owner, key: &str, value: &str) -> StoreResult<i64> {
    match owner {
        Owner::Request(id) => tx
            .insert(r#"INSERT INTO "ReturnAnnouncementPropertyDO" ("returnAnnouncementRef", "groupId", "key", "value") VALUES (?1, 'customAttributes', ?2, ?3)"#, params![id, key, value]),
        Owner::Position(id) => tx
            .insert(r#"INSERT INTO "ReturnAnnouncementPositionPropertyDO" ("returnAnnouncementPositionRef", "key", "value") VALUES (?1, ?2, ?3)"#, params![id, key, value]),
    }
}

/// Removes custom attribute `attribute` of `owner` (every one when None); returns how many.
pub fn delete_attributes(tx: &Conn, owner: Owner, attribute: Option<i64>) -> StoreResult<usize> {
    let (table, column, extra, id) = owner.place();
    Ok(tx
        .execute(&format!(r#"DELETE FROM "{table}" WHERE "{column}" = ?1{extra} AND (?2 IS NULL OR "id" = ?2)"#), params![id, attribute])?)
}
