//! Dispatches imported from openTRANS DISPATCHNOTIFICATION files: the lookups of a file's
//! orders, positions and suppliers, and the `"DispatchDO"` / `"DispatchPositionDO"` rows.
use crate::db::{params, Optional};

use crate::db::{Conn, StoreResult};

/// An order a dispatch refers to.
#[derive(Debug, Clone)]
pub struct DispatchOrder {
    pub id: i64,
    /// `"OrderDO"."supplierRef"` (the supplier of positions that name none).
    pub supplier: Option<i64>,
    pub currency: String,
}

/// The order `shop_order_no` of `shop`.
pub fn dispatch_order(conn: &Conn, shop: i64, shop_order_no: &str) -> StoreResult<Option<DispatchOrder>> {
    Ok(conn
        .query_row(r#"SELECT "id", "supplierRef", "currency" FROM "OrderDO" WHERE "shopRef" = ?1 AND "shopOrderNo" = ?2"#, params![shop, shop_order_no], |r| Ok(DispatchOrder { id: r.get(0)?, supplier: r.get(1)?, currency: r.get(2)? }))
        .optional()?)
}

/// An order position a dispatch item refers to, with what earlier dispatches shipped of it.
#[derive(Debug, Clone)]
pub struct DispatchPosition {
    pub id: i64,
    /// `"OrderPositionDO"."supplierRef"`, else the order's.
    pub supplier: Option<i64>,
    /// Ordered quantity.
    pub quantity: i64,
    /// Sum of the position's `"DispatchPositionDO"` rows (rows written earlier in the same
    /// transaction included).
    pub dispatched: i64,
    pub purchase_unit_net: Option<i64>,
    pub purchase_sum_net: Option<i64>,
}

/// Position `number` of order `order`.
pub fn dispatch_position(conn: &Conn, order: i64, number: i64) -> StoreResult<Option<DispatchPosition>> {
    Ok(conn
        .query_row(r#"SELECT p."id", coalesce(p."supplierRef", o."supplierRef"), p."quantity",
                      (SELECT coalesce(sum(d."quantity"), 0) FROM "DispatchPositionDO" d WHERE d."orderPositionRef" = p."id"),
                      p."purchaseUnitNet", p."purchaseSumNet"
               FROM "OrderPositionDO" p JOIN "OrderDO" o ON o."id" = p."orderRef"
               WHERE p."orderRef" = ?1 AND p."number" = ?2 ORDER BY p."id" LIMIT 1"#, params![order, number], |r| {
            Ok(DispatchPosition {
                id: r.get(0)?,
                supplier: r.get(1)?,
                quantity: r.get(2)?,
                dispatched: r.get(3)?,
                purchase_unit_net: r.get(4)?,
                purchase_sum_net: r.get(5)?,
            })
        })
        .optional()?)
}

/// The `"SupplierDO"` a PARTY_ID names: its id written as text, else its name.
pub fn supplier_by_party_id(conn: &Conn, party_id: &str) -> StoreResult<Option<i64>> {
    Ok(conn
        .query_row(r#"SELECT "id" FROM "SupplierDO" WHERE CAST("id" AS TEXT) = ?1
               UNION ALL SELECT "id" FROM "SupplierDO" WHERE "name" = ?1 LIMIT 1"#, params![party_id], |r| r.get(0))
        .optional()?)
}

/// The carrier of a dispatch of `supplier` for `order`, the one place of this rule. When the
/// supplier has carriers (`"Supplier2CarrierDO"`): the order's carrier if it is one of them, else
/// the supplier's carrier if it has exactly one, else NULL. A supplier without carriers: the
/// order's carrier (`"OrderDO"."carrierRef"`, NULL when the order names none).
pub fn dispatch_carrier(conn: &Conn, supplier: i64, order: i64) -> StoreResult<Option<i64>> {
    Ok(conn
        .query_row(r#"SELECT CASE WHEN EXISTS (SELECT 1 FROM "Supplier2CarrierDO" WHERE "supplierRef" = ?1)
                      THEN coalesce(
                             (SELECT sc."carrierRef" FROM "Supplier2CarrierDO" sc JOIN "OrderDO" o ON o."carrierRef" = sc."carrierRef"
                               WHERE sc."supplierRef" = ?1 AND o."id" = ?2 LIMIT 1),
                             (SELECT CASE WHEN count(DISTINCT "carrierRef") = 1 THEN min("carrierRef") END
                                FROM "Supplier2CarrierDO" WHERE "supplierRef" = ?1))
                      ELSE (SELECT "carrierRef" FROM "OrderDO" WHERE "id" = ?2) END"#, params![supplier, order], |r| r.get(0))?)
}

/// A dispatch of the file being imported: (id, supplier, tracking numbers). Found through the
/// order (index "DispatchDO_orderRef": an order has few dispatches).
pub fn dispatch_of_file(conn: &Conn, import_file: i64, order: i64) -> StoreResult<Option<(i64, i64, Option<String>)>> {
    Ok(conn
        .query_row(r#"SELECT "id", "supplierRef", "trackingNumbers" FROM "DispatchDO" WHERE "importFileRef" = ?1 AND "orderRef" = ?2"#, params![import_file, order], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?)
}

/// A new dispatch (its amount and tracking numbers grow with its positions).
#[derive(Debug, Clone)]
pub struct NewDispatch<'a> {
    pub order: i64,
    pub supplier: i64,
    pub carrier: Option<i64>,
    pub supplier_order_no: Option<&'a str>,
    pub dispatch_notification_id: &'a str,
    pub currency: &'a str,
    pub dispatch_date: &'a str,
    pub import_file: i64,
}

/// Inserts a dispatch with "netAmount" 0 (the export trigger creates its transmissions now;
/// the transmission is sent after the file's transaction commits, with the final amount).
pub fn insert_dispatch(conn: &Conn, d: &NewDispatch<'_>) -> StoreResult<i64> {
    conn.insert(r#"INSERT INTO "DispatchDO" ("orderRef", "supplierRef", "carrierRef", "supplierOrderNo", "deliveryNoteNo",
                   "dispatchNotificationId", "netAmount", "currency", "dispatchDate", "importFileRef")
               VALUES (?1, ?2, ?3, ?4, ?5, ?5, 0, ?6, ?7, ?8)"#, params![d.order, d.supplier, d.carrier, d.supplier_order_no, d.dispatch_notification_id, d.currency, d.dispatch_date, d.import_file])
}

/// One shipped order position.
#[derive(Debug, Clone)]
pub struct NewDispatchPosition<'a> {
    pub dispatch: i64,
    pub order_position: i64,
    pub number: i64,
    pub quantity: i64,
    pub line_item_id: Option<&'a str>,
    pub supplier_pid: Option<&'a str>,
    pub order_unit: Option<&'a str>,
}

/// Inserts a dispatch position and adds it to its dispatch: `net` to "netAmount", the
/// dispatch's tracking numbers set to `tracking` (all of them so far), the supplier order
/// number when the dispatch has none yet.
pub fn add_dispatch_position(conn: &Conn, p: &NewDispatchPosition<'_>, net: i64, tracking: Option<&str>, supplier_order_no: Option<&str>) -> StoreResult<()> {
    conn.execute(r#"INSERT INTO "DispatchPositionDO" ("dispatchRef", "orderPositionRef", "number", "quantity", "lineItemId", "supplierPid", "orderUnit")
               VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"#, params![p.dispatch, p.order_position, p.number, p.quantity, p.line_item_id, p.supplier_pid, p.order_unit])?;
    conn.execute(r#"UPDATE "DispatchDO" SET "netAmount" = "netAmount" + ?2, "trackingNumbers" = ?3,
                   "supplierOrderNo" = coalesce("supplierOrderNo", ?4) WHERE "id" = ?1"#, params![p.dispatch, net, tracking, supplier_order_no])?;
    Ok(())
}
