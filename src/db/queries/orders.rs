//! The order service's queries (`src/order/intake.rs`, docs/orders.md "Orders in" and "Change
//! requests"): what an order names (carriers of the shop, the holdings of a reservation), the
//! rows an order is read back from, dispatched quantities, cancelled quantities, the order's
//! SEND_ORDER transmissions and the change request rows. Rows for reading come back as
//! [`Rec`] (columns by name, as text). The change requests' states are written by
//! [`crate::db::state::change_request`] only.
use crate::db::{params, Optional};

use crate::db::queries::export::many;
pub use crate::db::queries::export::Rec;
use crate::db::{Conn, StoreResult};

/// `"OrderDO"."supplierRef"`: the supplier of the whole order (all positions go to it).
pub fn set_order_supplier(tx: &Conn, order: i64, supplier: i64) -> StoreResult<()> {
    tx.execute(r#"UPDATE "OrderDO" SET "supplierRef" = ?2 WHERE "id" = ?1"#, params![order, supplier])?;
    Ok(())
}

/// Sets `"OrderDO"."readyForSupplier"` (once): the trigger `"OrderDO_export_ready"` creates the
/// SEND_ORDER transmissions to the order's suppliers.
pub fn release_to_suppliers(tx: &Conn, order: i64, now: &str) -> StoreResult<()> {
    tx.execute(r#"UPDATE "OrderDO" SET "readyForSupplier" = ?2 WHERE "id" = ?1 AND "readyForSupplier" IS NULL"#, params![order, now])?;
    Ok(())
}

/// A carrier by the shop's name for it (`"Shop2CarrierDO"."shopCarrierName"`), else by the
/// carrier's own name (`"CarrierDO"."name"`, case-insensitive, active carriers).
pub fn carrier_of_shop(conn: &Conn, shop: i64, name: &str) -> StoreResult<Option<i64>> {
    let mapped: Option<i64> = conn
        .query_row(r#"SELECT "carrierRef" FROM "Shop2CarrierDO" WHERE "shopRef" = ?1 AND "shopCarrierName" = ?2"#, params![shop, name], |r| r.get(0))
        .optional()?;
    if mapped.is_some() {
        return Ok(mapped);
    }
    Ok(conn
        .query_row(r#"SELECT "id" FROM "CarrierDO" WHERE upper("name") = upper(?1) AND "active" = 1 ORDER BY "id" LIMIT 1"#, params![name], |r| r.get(0))
        .optional()?)
}

/// What a reservation holds: (shop's product id, supplier, supplier's article number).
pub fn reservation_holdings(conn: &Conn, reservation: i64) -> StoreResult<Vec<(String, i64, String)>> {
    conn.query_map(r#"SELECT i."productId", s."supplierRef", s."supplierArticleNo"
           FROM "ReservationItemDO" i JOIN "ReservationItemStockDO" s ON s."reservationItemRef" = i."id"
           WHERE i."reservationRef" = ?1 ORDER BY i."number", s."quantity" DESC, s."id""#, params![reservation], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
}

/// The `"OrderDO"` id of a shop's order.
pub fn order_id(conn: &Conn, shop: i64, shop_order_no: &str) -> StoreResult<Option<i64>> {
    Ok(conn
        .query_row(r#"SELECT "id" FROM "OrderDO" WHERE "shopRef" = ?1 AND "shopOrderNo" = ?2"#, params![shop, shop_order_no], |r| r.get(0))
        .optional()?)
}

/// The order row with its payment method's name.
pub fn order(conn: &Conn, id: i64) -> StoreResult<Option<Rec>> {
    Ok(conn
        .query_row(r#"SELECT o.*, p."name" AS "paymentDefName", c."name" AS "carrierName"
               FROM "OrderDO" o LEFT JOIN "PaymentDefDO" p ON p."id" = o."paymentDefRef" LEFT JOIN "CarrierDO" c ON c."id" = o."carrierRef"
               WHERE o."id" = ?1"#, params![id], Rec::from_row)
        .optional()?)
}

/// The addresses of an order in the order they were written.
pub fn addresses(conn: &Conn, order: i64) -> StoreResult<Vec<Rec>> {
    many(conn, r#"SELECT * FROM "OrderAddressDO" WHERE "orderRef" = ?1 ORDER BY "id""#, order)
}

/// The positions of an order by number, with their tax type's name and dispatched quantity.
pub fn positions(conn: &Conn, order: i64) -> StoreResult<Vec<Rec>> {
    many(
        conn,
        r#"SELECT p.*, t."name" AS "taxTypeName",
                  (SELECT coalesce(sum(d."quantity"), 0) FROM "DispatchPositionDO" d WHERE d."orderPositionRef" = p."id") AS "dispatched"
           FROM "OrderPositionDO" p LEFT JOIN "TaxTypeDefDO" t ON t."id" = p."taxTypeDefRef"
           WHERE p."orderRef" = ?1 ORDER BY p."number""#,
        order,
    )
}

/// The price rows (SUM, CHARGE, TOTAL) of an order in the order they were written.
pub fn charges(conn: &Conn, order: i64) -> StoreResult<Vec<Rec>> {
    many(conn, r#"SELECT * FROM "OrderChargeDO" WHERE "orderRef" = ?1 ORDER BY "id""#, order)
}

/// The properties of an order and of its positions.
pub fn properties(conn: &Conn, order: i64) -> StoreResult<Vec<Rec>> {
    many(conn, r#"SELECT * FROM "OrderPropertyDO" WHERE "orderRef" = ?1 ORDER BY "id""#, order)
}

/// What has been dispatched of an order (all its positions).
pub fn dispatched_quantity(conn: &Conn, order: i64) -> StoreResult<i64> {
    Ok(conn
        .query_row(r#"SELECT coalesce(sum(d."quantity"), 0) FROM "DispatchPositionDO" d JOIN "OrderPositionDO" p ON p."id" = d."orderPositionRef"
               WHERE p."orderRef" = ?1"#, params![order], |r| r.get(0))?)
}

/// `"OrderPositionDO"."cancelledQuantity"` of a position of `order`.
pub fn set_cancelled(tx: &Conn, order: i64, position: i64, cancelled: i64) -> StoreResult<()> {
    tx.execute(r#"UPDATE "OrderPositionDO" SET "cancelledQuantity" = ?3 WHERE "id" = ?2 AND "orderRef" = ?1"#, params![order, position, cancelled])?;
    tx.execute(r#"UPDATE "OrderDO" SET "modificationDate" = strftime('%Y-%m-%d %H:%M:%f','now') WHERE "id" = ?1"#, params![order])?;
    Ok(())
}

/// The order's SEND_ORDER transmissions: (id, state).
pub fn order_transmissions(conn: &Conn, order: i64) -> StoreResult<Vec<(i64, String)>> {
    conn.query_map(r#"SELECT t."id", t."state" FROM "TransmissionDO" t JOIN "TransmissionTypeDefDO" d ON d."id" = t."transmissionTypeDefRef"
           WHERE t."orderRef" = ?1 AND d."name" = 'SEND_ORDER' ORDER BY t."id""#, params![order], |r| Ok((r.get(0)?, r.get(1)?)))
}

/// The change requests of an order, oldest first.
pub fn change_requests(conn: &Conn, order: i64) -> StoreResult<Vec<Rec>> {
    many(conn, r#"SELECT * FROM "OrderChangeRequestDO" WHERE "orderRef" = ?1 ORDER BY "id""#, order)
}

/// One change request of an order by the shop's change request id.
pub fn change_request(conn: &Conn, order: i64, change_request_id: &str) -> StoreResult<Option<Rec>> {
    Ok(conn
        .query_row(r#"SELECT * FROM "OrderChangeRequestDO" WHERE "orderRef" = ?1 AND "changeRequestId" = ?2"#, params![order, change_request_id], Rec::from_row)
        .optional()?)
}
