//! The read side of the order service's order states (docs/orders.md, "Order states"): the
//! search of `GET /shops/{shopId}/order-states`, the change cursor of `.../modified`
//! (`"OrderChangeDO"`, kept by the triggers of schema.sql's "order states" block) and the rows
//! one order state is made of. Lists of order ids go in as one JSON array (`json_each`).
use super::ids_json;
use crate::db::params;
use crate::db::Value as SqlValue;

use crate::db::{Conn, StoreResult};

/// What `GET /shops/{shopId}/order-states` filters by (ANY of a list, ALL of the filters).
#[derive(Debug, Clone, Default)]
pub struct OrderSearch {
    pub shop: i64,
    pub shop_order_numbers: Vec<String>,
    pub shop_customer_numbers: Vec<String>,
    pub product_numbers: Vec<String>,
    pub emails: Vec<String>,
    /// `YYYY-MM-DD`, compared with the date part of `"orderCreationDate"`.
    pub created_from: Option<String>,
    pub created_to: Option<String>,
    pub order_by: SortColumn,
    pub descending: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SortColumn {
    ShopOrderNumber,
    ShopCustomerNumber,
    #[default]
    ShopOrderCreationDate,
}

fn search_where(s: &OrderSearch) -> (String, Vec<SqlValue>) {
    let mut sql = String::from(r#" FROM "OrderDO" o WHERE o."shopRef" = ?1"#);
    let mut args: Vec<SqlValue> = vec![SqlValue::Integer(s.shop)];
    let mut list = |sql: &mut String, values: &[String], cond: &str| {
        if !values.is_empty() {
            args.push(SqlValue::Text(serde_json::to_string(values).unwrap_or_else(|_| "[]".into())));
            sql.push_str(&cond.replace("?L", &format!("?{}", args.len())));
        }
    };
    list(&mut sql, &s.shop_order_numbers, r#" AND o."shopOrderNo" IN (SELECT "value" FROM json_each(?L))"#);
    list(&mut sql, &s.shop_customer_numbers, r#" AND o."shopCustomerNo" IN (SELECT "value" FROM json_each(?L))"#);
    list(
        &mut sql,
        &s.product_numbers,
        r#" AND EXISTS (SELECT 1 FROM "OrderPositionDO" p WHERE p."orderRef" = o."id" AND p."articleId" IN (SELECT "value" FROM json_each(?L)))"#,
    );
    list(
        &mut sql,
        &s.emails,
        r#" AND (lower(o."customerEmail") IN (SELECT lower("value") FROM json_each(?L))
               OR EXISTS (SELECT 1 FROM "OrderAddressDO" a WHERE a."orderRef" = o."id" AND lower(a."email") IN (SELECT lower("value") FROM json_each(?L))))"#,
    );
    for (date, op) in [(&s.created_from, ">="), (&s.created_to, "<=")] {
        if let Some(d) = date {
            args.push(SqlValue::Text(d.clone()));
            sql.push_str(&format!(r#" AND substr(o."orderCreationDate", 1, 10) {op} ?{}"#, args.len()));
        }
    }
    (sql, args)
}

fn order_clause(s: &OrderSearch) -> String {
    let column = match s.order_by {
        SortColumn::ShopOrderNumber => r#"o."shopOrderNo""#,
        SortColumn::ShopCustomerNumber => r#"o."shopCustomerNo""#,
        SortColumn::ShopOrderCreationDate => r#"o."orderCreationDate""#,
    };
    let dir = if s.descending { "DESC" } else { "ASC" };
    format!(" ORDER BY {column} {dir}, o.\"id\" {dir}")
}

/// The ids of the matching orders in the requested order, `offset`/`limit` applied when `page`
/// is given, and the number of all matches.
pub fn search(conn: &Conn, s: &OrderSearch, page: Option<(i64, i64)>) -> StoreResult<(Vec<i64>, i64)> {
    let (from, args) = search_where(s);
    let total: i64 = conn.query_row(&format!("SELECT count(*){from}"), &crate::db::refs(&args), |r| r.get(0))?;
    let mut sql = format!(r#"SELECT o."id"{from}{}"#, order_clause(s));
    if let Some((offset, limit)) = page {
        sql.push_str(&format!(" LIMIT {limit} OFFSET {offset}"));
    }
    let ids = conn.query_map(&sql, &crate::db::refs(&args), |r| r.get(0))?;
    Ok((ids, total))
}

/// One page of the change cursor: (order id, cursor) oldest change first, and the number of all
/// orders changed after `min_cursor` (and at or after `since`, UTC `YYYY-MM-DDTHH:MM:SS.sssZ`).
pub fn modified(conn: &Conn, shop: i64, min_cursor: i64, since: Option<&str>, limit: i64) -> StoreResult<(Vec<(i64, i64)>, i64)> {
    let from = r#" FROM "OrderChangeDO" c JOIN "OrderDO" o ON o."id" = c."orderRef"
                  WHERE c."shopRef" = ?1 AND c."cursor" > ?2 AND (?3 IS NULL OR c."changeDate" >= ?3)"#;
    let total: i64 = conn.query_row(&format!("SELECT count(*){from}"), params![shop, min_cursor, since], |r| r.get(0))?;
    let rows = conn.query_map(&format!(r#"SELECT c."orderRef", c."cursor"{from} ORDER BY c."cursor" LIMIT ?4"#), params![shop, min_cursor, since, limit], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok((rows, total))
}


/// The header of an order.
#[derive(Debug, Clone, Default)]
pub struct OrderRow {
    pub id: i64,
    pub shop_id: i64,
    pub shop_order_no: String,
    pub shop_customer_no: Option<String>,
    pub creation_date: String,
    pub currency: String,
    pub payment_method: Option<String>,
    pub payment_def_name: Option<String>,
    pub state_def: i64,
    pub ready_for_supplier: Option<String>,
    pub company_name: Option<String>,
    pub company_department: Option<String>,
    pub vat_no: Option<String>,
    pub salutation: Option<String>,
    pub title: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub telephone: Option<String>,
    pub mobile: Option<String>,
    pub fax: Option<String>,
    pub sum_net: Option<i64>,
    pub sum_gross: Option<i64>,
    pub total_net: Option<i64>,
    pub total_gross: Option<i64>,
    pub carrier: Option<String>,
    pub supplier: Option<String>,
    pub split_shipment_allowed: Option<bool>,
    pub optimization: Option<String>,
    /// Transmissions of the order (`SEND_ORDER`) not yet `PUSHED` nor `CANCELED`.
    pub pending_transmissions: i64,
}

/// The orders with these ids (in no particular order).
pub fn orders(conn: &Conn, ids: &[i64]) -> StoreResult<Vec<OrderRow>> {
    let rows = conn.query_map(r#"SELECT o."id", o."shopRef", o."shopOrderNo", o."shopCustomerNo", o."orderCreationDate", o."currency", o."paymentMethod",
                  pd."name", o."orderStateDefRef", o."readyForSupplier", o."customerCompanyName", o."customerCompanyDepartment",
                  o."customerVatNo", o."customerSalutation", o."customerTitle", o."customerFirstName", o."customerLastName",
                  o."customerEmail", o."customerTelephone", o."customerMobile", o."customerFax",
                  o."sumNet", o."sumGross", o."totalNet", o."totalGross", c."name", s."name", o."splitShipmentAllowed", o."optimization",
                  (SELECT count(*) FROM "TransmissionDO" t WHERE t."orderRef" = o."id" AND t."state" NOT IN ('PUSHED', 'CANCELED'))
           FROM "OrderDO" o
           LEFT JOIN "PaymentDefDO" pd ON pd."id" = o."paymentDefRef"
           LEFT JOIN "CarrierDO" c ON c."id" = o."carrierRef"
           LEFT JOIN "SupplierDO" s ON s."id" = o."supplierRef"
           WHERE o."id" IN (SELECT CAST("value" AS INTEGER) FROM json_each(?1))"#, params![ids_json(ids)], |r| {
        Ok(OrderRow {
            id: r.get(0)?,
            shop_id: r.get(1)?,
            shop_order_no: r.get(2)?,
            shop_customer_no: r.get(3)?,
            creation_date: r.get(4)?,
            currency: r.get(5)?,
            payment_method: r.get(6)?,
            payment_def_name: r.get(7)?,
            state_def: r.get(8)?,
            ready_for_supplier: r.get(9)?,
            company_name: r.get(10)?,
            company_department: r.get(11)?,
            vat_no: r.get(12)?,
            salutation: r.get(13)?,
            title: r.get(14)?,
            first_name: r.get(15)?,
            last_name: r.get(16)?,
            email: r.get(17)?,
            telephone: r.get(18)?,
            mobile: r.get(19)?,
            fax: r.get(20)?,
            sum_net: r.get(21)?,
            sum_gross: r.get(22)?,
            total_net: r.get(23)?,
            total_gross: r.get(24)?,
            carrier: r.get(25)?,
            supplier: r.get(26)?,
            split_shipment_allowed: r.get::<Option<i64>>(27)?.map(|v| v == 1),
            optimization: r.get(28)?,
            pending_transmissions: r.get(29)?,
        })
    })?;
    Ok(rows)
}

/// An address of an order (`"OrderAddressDO"`).
#[derive(Debug, Clone, Default)]
pub struct AddressRow {
    pub order_id: i64,
    pub kind: String,
    pub company_name: Option<String>,
    pub salutation: Option<String>,
    pub title: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub telephone: Option<String>,
    pub mobile: Option<String>,
    pub fax: Option<String>,
    pub street: Option<String>,
    pub house_number: Option<String>,
    pub po_box: Option<String>,
    pub packstation: Option<String>,
    pub addition1: Option<String>,
    pub addition2: Option<String>,
    pub district: Option<String>,
    pub city: String,
    pub post_code: String,
    pub country: String,
}

pub fn addresses(conn: &Conn, ids: &[i64]) -> StoreResult<Vec<AddressRow>> {
    conn.query_map(r#"SELECT "orderRef", "addressType", "companyName", "salutation", "title", "firstName", "lastName", "email", "telephone", "mobile",
                  "fax", "street", "houseNumber", "poBox", "packstation", "addition1", "addition2", "district", "city", "postCode", "country"
           FROM "OrderAddressDO" WHERE "orderRef" IN (SELECT CAST("value" AS INTEGER) FROM json_each(?1)) ORDER BY "id""#, params![ids_json(ids)], |r| {
        Ok(AddressRow {
            order_id: r.get(0)?,
            kind: r.get(1)?,
            company_name: r.get(2)?,
            salutation: r.get(3)?,
            title: r.get(4)?,
            first_name: r.get(5)?,
            last_name: r.get(6)?,
            email: r.get(7)?,
            telephone: r.get(8)?,
            mobile: r.get(9)?,
            fax: r.get(10)?,
            street: r.get(11)?,
            house_number: r.get(12)?,
            po_box: r.get(13)?,
            packstation: r.get(14)?,
            addition1: r.get(15)?,
            addition2: r.get(16)?,
            district: r.get(17)?,
            city: r.get(18)?,
            post_code: r.get(19)?,
            country: r.get(20)?,
        })
    })
}

/// A position of an order with the quantities its state is derived from.
#[derive(Debug, Clone, Default)]
pub struct PositionRow {
    pub id: i64,
    pub order_id: i64,
    pub number: i64,
    pub article_id: String,
    pub article_name: String,
    pub ean: Option<String>,
    pub isbn: Option<String>,
    pub quantity: i64,
    pub cancelled: i64,
    pub delivery_days: i64,
    pub selected_supplier: Option<String>,
    pub supplier: Option<String>,
    pub unit_net: Option<i64>,
    pub unit_gross: Option<i64>,
    pub sum_net: Option<i64>,
    pub sum_gross: Option<i64>,
    pub sum_tax: Option<i64>,
    pub tax_type: Option<String>,
    /// The first `PUSHED` transmission of the order to the position's supplier (or to a receiver
    /// that is no supplier): its sent date; `Some("")` when it has none.
    pub commissioned: Option<String>,
    pub dispatched: i64,
    /// Returned quantity of accepted or closed return announcements.
    pub returned: i64,
}

pub fn positions(conn: &Conn, ids: &[i64]) -> StoreResult<Vec<PositionRow>> {
    conn.query_map(r#"SELECT p."id", p."orderRef", p."number", p."articleId", p."articleName", p."ean", p."isbn", p."quantity", p."cancelledQuantity",
                  p."deliveryDays", p."selectedSupplier", s."name", p."unitNet", p."unitGross", p."sumNet", p."sumGross", p."sumTax", tt."name",
                  (SELECT coalesce(CAST(min(coalesce(t."sentDate", t."modificationDate")) AS TEXT), '') FROM "TransmissionDO" t
                     LEFT JOIN "PartnerReferrerDO" pr ON pr."id" = t."receivingPartnerReferrerRef"
                     WHERE t."orderRef" = o."id" AND t."state" = 'PUSHED'
                       AND (pr."supplierRef" IS NULL OR coalesce(p."supplierRef", o."supplierRef") IS NULL
                            OR pr."supplierRef" = coalesce(p."supplierRef", o."supplierRef"))
                     HAVING count(*) > 0),
                  (SELECT coalesce(sum(dp."quantity"), 0) FROM "DispatchPositionDO" dp WHERE dp."orderPositionRef" = p."id"),
                  (SELECT coalesce(sum(coalesce(ap."quantity", (SELECT count(*) FROM "ReturnAnnouncementItemDO" i WHERE i."returnAnnouncementPositionRef" = ap."id"))), 0)
                     FROM "ReturnAnnouncementPositionDO" ap JOIN "ReturnAnnouncementDO" a ON a."id" = ap."returnAnnouncementRef"
                     WHERE ap."orderPositionRef" = p."id" AND a."stateDefRef" IN (5000, 7000, 8000))
           FROM "OrderPositionDO" p JOIN "OrderDO" o ON o."id" = p."orderRef"
           LEFT JOIN "SupplierDO" s ON s."id" = coalesce(p."supplierRef", o."supplierRef")
           LEFT JOIN "TaxTypeDefDO" tt ON tt."id" = p."taxTypeDefRef"
           WHERE p."orderRef" IN (SELECT CAST("value" AS INTEGER) FROM json_each(?1)) ORDER BY p."orderRef", p."number""#, params![ids_json(ids)], |r| {
        Ok(PositionRow {
            id: r.get(0)?,
            order_id: r.get(1)?,
            number: r.get(2)?,
            article_id: r.get(3)?,
            article_name: r.get(4)?,
            ean: r.get(5)?,
            isbn: r.get(6)?,
            quantity: r.get(7)?,
            cancelled: r.get(8)?,
            delivery_days: r.get(9)?,
            selected_supplier: r.get(10)?,
            supplier: r.get(11)?,
            unit_net: r.get(12)?,
            unit_gross: r.get(13)?,
            sum_net: r.get(14)?,
            sum_gross: r.get(15)?,
            sum_tax: r.get(16)?,
            tax_type: r.get(17)?,
            commissioned: r.get(18)?,
            dispatched: r.get(19)?,
            returned: r.get(20)?,
        })
    })
}

/// A dispatched quantity of a position.
#[derive(Debug, Clone, Default)]
pub struct DispatchRow {
    pub position_id: i64,
    pub quantity: i64,
    pub delivery_note_no: Option<String>,
    pub dispatch_date: String,
    pub carrier: Option<String>,
    pub tracking_url: Option<String>,
    /// `"DispatchDO"."trackingNumbers"`: joined by `;`.
    pub tracking_numbers: Option<String>,
}

pub fn dispatches(conn: &Conn, ids: &[i64]) -> StoreResult<Vec<DispatchRow>> {
    conn.query_map(r#"SELECT dp."orderPositionRef", dp."quantity", d."deliveryNoteNo", d."dispatchDate", c."name", c."trackingUrl", d."trackingNumbers"
           FROM "DispatchDO" d JOIN "DispatchPositionDO" dp ON dp."dispatchRef" = d."id"
           LEFT JOIN "CarrierDO" c ON c."id" = d."carrierRef"
           WHERE d."orderRef" IN (SELECT CAST("value" AS INTEGER) FROM json_each(?1)) ORDER BY d."dispatchDate", d."id", dp."id""#, params![ids_json(ids)], |r| {
        Ok(DispatchRow {
            position_id: r.get(0)?,
            quantity: r.get(1)?,
            delivery_note_no: r.get(2)?,
            dispatch_date: r.get(3)?,
            carrier: r.get(4)?,
            tracking_url: r.get(5)?,
            tracking_numbers: r.get(6)?,
        })
    })
}

/// A returned (announced) quantity of a position, with its reason.
#[derive(Debug, Clone, Default)]
pub struct ReturnRow {
    pub position_id: i64,
    pub quantity: i64,
    pub reason: String,
    pub reason_type: Option<String>,
    pub state_def: i64,
    pub creation_date: String,
}

/// Return announcement positions of the orders, except rejected ones (6000).
pub fn returns(conn: &Conn, ids: &[i64]) -> StoreResult<Vec<ReturnRow>> {
    conn.query_map(r#"SELECT ap."orderPositionRef",
                  coalesce(ap."quantity", nullif((SELECT count(*) FROM "ReturnAnnouncementItemDO" i WHERE i."returnAnnouncementPositionRef" = ap."id"), 0), p."quantity"),
                  ap."returnReason", (SELECT rt."name" FROM "ReturnReasonDefDO" rr JOIN "ReturnTypeDefDO" rt ON rt."id" = rr."returnTypeDefRef" WHERE rr."name" = ap."returnReason" LIMIT 1),
                  a."stateDefRef", a."creationDate"
           FROM "ReturnAnnouncementPositionDO" ap JOIN "ReturnAnnouncementDO" a ON a."id" = ap."returnAnnouncementRef"
           JOIN "OrderPositionDO" p ON p."id" = ap."orderPositionRef"
           WHERE a."orderRef" IN (SELECT CAST("value" AS INTEGER) FROM json_each(?1)) AND a."stateDefRef" <> 6000 ORDER BY a."id", ap."id""#, params![ids_json(ids)], |r| {
        Ok(ReturnRow { position_id: r.get(0)?, quantity: r.get(1)?, reason: r.get(2)?, reason_type: r.get(3)?, state_def: r.get(4)?, creation_date: r.get(5)? })
    })
}

/// A sales price line of an order (`"OrderChargeDO"`: SUM, CHARGE, TOTAL).
#[derive(Debug, Clone, Default)]
pub struct ChargeRow {
    pub order_id: i64,
    pub kind: String,
    pub charge_type: Option<String>,
    pub net: Option<i64>,
    pub gross: Option<i64>,
    pub tax_type: Option<String>,
    pub tax: Option<i64>,
}

pub fn charges(conn: &Conn, ids: &[i64]) -> StoreResult<Vec<ChargeRow>> {
    conn.query_map(r#"SELECT "orderRef", "kind", "chargeType", "net", "gross", "taxType", "tax" FROM "OrderChargeDO"
           WHERE "orderRef" IN (SELECT CAST("value" AS INTEGER) FROM json_each(?1)) ORDER BY "id""#, params![ids_json(ids)], |r| {
        Ok(ChargeRow { order_id: r.get(0)?, kind: r.get(1)?, charge_type: r.get(2)?, net: r.get(3)?, gross: r.get(4)?, tax_type: r.get(5)?, tax: r.get(6)? })
    })
}

/// Properties of the orders (`"OrderPropertyDO"` without a position): (order, group, key, value).
pub fn properties(conn: &Conn, ids: &[i64]) -> StoreResult<Vec<(i64, String, String, String)>> {
    conn.query_map(r#"SELECT "orderRef", "groupId", "key", "value" FROM "OrderPropertyDO"
           WHERE "orderRef" IN (SELECT CAST("value" AS INTEGER) FROM json_each(?1)) AND "positionRef" IS NULL ORDER BY "id""#, params![ids_json(ids)], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
}
