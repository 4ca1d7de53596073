//! The inventory read model and the reservation rows (`src/inventory`, docs/api.md "Inventory:
//! ATP and reservations"): stock per product and supplier location of a shop, what reservations
//! and open order positions hold of it, and the rows of `"ReservationDO"`,
//! `"ReservationItemDO"`, `"ReservationItemStockDO"`. Their states are written by
//! [`crate::db::state::reservation`] only.
use crate::db::{params, Optional};

use crate::db::{Conn, StoreResult};

/// Order states (`"OrderDO"."orderStateDefRef"`, IOM's order status model) whose open positions
/// no longer hold stock: cancelled (999 NOT_CHECKED_DO_CANCEL, 2099 NOT_ANNOUNCED_DO_CANCEL,
/// 6200 CANCELED), not approved (1599), entirely dispatched or returned (5000 DISPATCHED, 5100
/// DISPATCHED_PARTLY_RETURNED, 6000 RETURNED) and picked up (5300 PICKED_UP).
pub const CLOSED_ORDER_STATES: &[i64] = &[999, 1599, 2099, 5000, 5100, 5300, 6000, 6200];

/// One product at one supplier location of the shop that has a stock row for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockRow {
    /// Index of the product in the request (from 0).
    pub pos: usize,
    /// The product id as the shop sent it.
    pub product_id: String,
    pub supplier: i64,
    /// `"Shop2SupplierDO"."shopSupplierName"`.
    pub location: Option<String>,
    /// `"ArticleStockDO"."supplierArticleNo"` the product id maps to at this supplier.
    pub supplier_article_no: String,
    /// `"ArticleStockDO"."stockLevel"` (NULL: 0).
    pub stock: i64,
    pub availability_in_days: Option<i64>,
    /// Quantities of RESERVED, unexpired reservations other than the excluded one.
    pub reserved: i64,
    /// Ordered, not cancelled and not dispatched quantities of open orders of the shop at this
    /// supplier.
    pub blocked: i64,
    /// The newest `modificationDate` of the stock row, the counted reservations and orders.
    pub modified: String,
}

/// Stock rows of `ids` at every active supplier of `shop`, in request order, then by
/// `"Shop2SupplierDO"` id: one statement for the whole batch. A product id maps to the
/// supplier's article number as it is, or, when the supplier's `"useSupplierArticleNoAsShopArticleNo"`
/// is set with a `"shopArticleNoPrefix"`, without that prefix (an id without the prefix is not
/// that supplier's). `now` is an impex timestamp: reservations expiring at or before it count
/// no more. `exclude`: a reservation whose quantities do not count.
pub fn stock_rows(conn: &Conn, shop: i64, ids: &[String], now: &str, exclude: Option<i64>) -> StoreResult<Vec<StockRow>> {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let sql = SQL.get_or_init(stock_sql);
    let json = serde_json::to_string(ids).expect("strings serialize");
    let rows = conn.query_map(sql, params![json, shop, now, exclude], |r| {
        let stock_mod: String = r.get(7)?;
        let (reserved_text, blocked_text): (String, String) = (r.get(8)?, r.get(9)?);
        let (reserved, reserved_mod) = sum_and_newest(&reserved_text);
        let (blocked, blocked_mod) = sum_and_newest(&blocked_text);
        let modified = [Some(stock_mod.as_str()), reserved_mod, blocked_mod].into_iter().flatten().max().unwrap_or_default().to_string();
        Ok(StockRow {
            pos: r.get::<i64>(0)? as usize,
            product_id: r.get(1)?,
            supplier: r.get(2)?,
            location: r.get(3)?,
            supplier_article_no: r.get(4)?,
            stock: r.get(5)?,
            availability_in_days: r.get(6)?,
            reserved,
            blocked,
            modified,
        })
    })?;
    Ok(rows)
}

/// `"<sum>|<newest modificationDate>"` of a holding sub-statement of [`stock_sql`]: one pass
/// over the rows for both (an empty date: no rows).
fn sum_and_newest(text: &str) -> (i64, Option<&str>) {
    let (sum, newest) = text.split_once('|').unwrap_or((text, ""));
    (sum.parse().unwrap_or(0), Some(newest).filter(|d| !d.is_empty()))
}

/// The statement of [`stock_rows`]. `CROSS JOIN` fixes the order of the loops (SQLite keeps
/// it): the request's ids, then the shop's suppliers, then the stock row by its unique key;
/// reservation holdings by article before their reservation (the test below keeps the plan).
fn stock_sql() -> String {
    let closed = CLOSED_ORDER_STATES.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", ");
    let reserved_from = r#"FROM "ReservationItemStockDO" a CROSS JOIN "ReservationDO" r ON r."id" = a."reservationRef"
           WHERE a."supplierArticleNo" = loc."sano" AND a."supplierRef" = loc."supplierRef" AND r."shopRef" = ?2
             AND r."state" = 'RESERVED' AND r."expiryDate" > ?3 AND r."id" IS NOT ?4"#;
    let blocked_from = format!(
        r#"FROM "OrderPositionDO" op CROSS JOIN "OrderDO" o ON o."id" = op."orderRef"
           WHERE (op."supplierArticleNo" = loc."sano" OR (op."supplierArticleNo" IS NULL AND op."articleId" = loc."pid"))
             AND o."shopRef" = ?2 AND coalesce(op."supplierRef", o."supplierRef") = loc."supplierRef"
             AND o."orderStateDefRef" NOT IN ({closed})"#
    );
    format!(
        r#"WITH ids AS (SELECT CAST("key" AS INTEGER) AS "pos", CAST("value" AS TEXT) AS "pid" FROM json_each(?1)),
           loc AS (
             SELECT ids."pos", ids."pid", s."id" AS "s2s", s."supplierRef", s."shopSupplierName",
                    CASE WHEN s."useSupplierArticleNoAsShopArticleNo" = 1 AND coalesce(s."shopArticleNoPrefix", '') <> ''
                         THEN CASE WHEN substr(ids."pid", 1, length(s."shopArticleNoPrefix")) = s."shopArticleNoPrefix"
                                   THEN substr(ids."pid", length(s."shopArticleNoPrefix") + 1) END
                         ELSE ids."pid" END AS "sano"
             FROM ids CROSS JOIN "Shop2SupplierDO" s ON s."shopRef" = ?2 AND s."active" = 1)
           SELECT loc."pos", loc."pid", loc."supplierRef", loc."shopSupplierName", loc."sano",
                  coalesce(st."stockLevel", 0), st."availabilityInDays", st."modificationDate",
                  (SELECT coalesce(sum(a."quantity"), 0) || '|' || coalesce(CAST(max(r."modificationDate") AS TEXT), '') {reserved_from}),
                  (SELECT coalesce(sum(max(op."quantity" - op."cancelledQuantity" - coalesce((SELECT sum(dp."quantity") FROM "DispatchPositionDO" dp WHERE dp."orderPositionRef" = op."id"), 0), 0)), 0)
                          || '|' || coalesce(CAST(max(o."modificationDate") AS TEXT), '') {blocked_from})
           FROM loc CROSS JOIN "ArticleStockDO" st ON st."shopRef" = ?2 AND st."supplierRef" = loc."supplierRef" AND st."supplierArticleNo" = loc."sano"
           ORDER BY loc."pos", loc."s2s""#
    )
}

/// Whether `"ShopDO"` `shop` exists.
pub fn shop_exists(conn: &Conn, shop: i64) -> StoreResult<bool> {
    let n: i64 = conn.query_row(r#"SELECT count(*) FROM "ShopDO" WHERE "id" = ?1"#, params![shop], |r| r.get(0))?;
    Ok(n > 0)
}

/// A `"ReservationDO"` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReservationRow {
    pub id: i64,
    pub shop: i64,
    /// COMPLETE or PARTLY.
    pub kind: String,
    /// RESERVED or EXPIRED ([`crate::db::state::reservation::ReservationState`]).
    pub state: String,
    pub lifetime: i64,
    pub expiry: String,
    pub created: String,
    pub modified: String,
}

/// The reservation `id`, if there is one.
pub fn reservation(conn: &Conn, id: i64) -> StoreResult<Option<ReservationRow>> {
    let st_sql = r#"SELECT "id", "shopRef", "type", "state", "lifetime", "expiryDate", "creationDate", "modificationDate" FROM "ReservationDO" WHERE "id" = ?1"#;
    Ok(conn.query_row(st_sql, params![id], |r| {
            Ok(ReservationRow {
                id: r.get(0)?,
                shop: r.get(1)?,
                kind: r.get(2)?,
                state: r.get(3)?,
                lifetime: r.get(4)?,
                expiry: r.get(5)?,
                created: r.get(6)?,
                modified: r.get(7)?,
            })
        })
        .optional()?)
}

/// A `"ReservationItemDO"` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReservationItemRow {
    pub product_id: String,
    pub requested: i64,
    pub reserved: i64,
}

/// The items of reservation `id` in request order.
pub fn reservation_items(conn: &Conn, id: i64) -> StoreResult<Vec<ReservationItemRow>> {
    conn.query_map(r#"SELECT "productId", "requestedQuantity", "reservedQuantity" FROM "ReservationItemDO" WHERE "reservationRef" = ?1 ORDER BY "number""#, params![id], |r| Ok(ReservationItemRow { product_id: r.get(0)?, requested: r.get(1)?, reserved: r.get(2)? }))
}

/// Inserts a RESERVED reservation; returns its id (the API's resvId).
pub fn insert_reservation(tx: &Conn, shop: i64, kind: &str, lifetime: i64, expiry: &str, now: &str) -> StoreResult<i64> {
    tx.insert(r#"INSERT INTO "ReservationDO" ("shopRef", "type", "state", "lifetime", "expiryDate", "creationDate", "modificationDate")
               VALUES (?1, ?2, 'RESERVED', ?3, ?4, ?5, ?5)"#, params![shop, kind, lifetime, expiry, now])
}

/// Inserts an item of reservation `reservation`; returns its id.
pub fn insert_item(tx: &Conn, reservation: i64, number: i64, product_id: &str, requested: i64, reserved: i64) -> StoreResult<i64> {
    tx.insert(r#"INSERT INTO "ReservationItemDO" ("reservationRef", "number", "productId", "requestedQuantity", "reservedQuantity")
               VALUES (?1, ?2, ?3, ?4, ?5)"#, params![reservation, number, product_id, requested, reserved])
}

/// Records that `item` of `reservation` holds `quantity` of a supplier's article.
pub fn insert_item_stock(tx: &Conn, reservation: i64, item: i64, supplier: i64, supplier_article_no: &str, quantity: i64) -> StoreResult<()> {
    tx.execute(r#"INSERT INTO "ReservationItemStockDO" ("reservationItemRef", "reservationRef", "supplierRef", "supplierArticleNo", "quantity")
               VALUES (?1, ?2, ?3, ?4, ?5)"#, params![item, reservation, supplier, supplier_article_no, quantity])?;
    Ok(())
}

/// Removes every item of reservation `id` (and what they hold).
pub fn delete_items(tx: &Conn, id: i64) -> StoreResult<()> {
    tx.execute(r#"DELETE FROM "ReservationItemStockDO" WHERE "reservationRef" = ?1"#, params![id])?;
    tx.execute(r#"DELETE FROM "ReservationItemDO" WHERE "reservationRef" = ?1"#, params![id])?;
    Ok(())
}

/// Removes reservation `id` with its items; false when there was none.
pub fn delete_reservation(tx: &Conn, id: i64) -> StoreResult<bool> {
    delete_items(tx, id)?;
    Ok(tx.execute(r#"DELETE FROM "ReservationDO" WHERE "id" = ?1"#, params![id])? > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ATP of 20 products is one statement whose lookups all use indexes: no table is
    /// scanned but the request's ids.
    #[test]
    fn the_atp_statement_uses_indexes() {
        let conn = crate::db::memory();
        let ids: Vec<String> = (0..20).map(|i| format!("p{i}")).collect();
        assert!(stock_rows(&conn, 1, &ids, "2026-01-01 00:00:00.000", None).unwrap().is_empty());
        let plan = conn.query_rows(&format!("EXPLAIN QUERY PLAN {}", stock_sql()), &[&"[]", &1i64, &"x", &None::<i64>]).unwrap();
        let steps: Vec<String> = plan.iter().filter_map(|r| r.last().and_then(|v| v.as_str()).map(String::from)).collect();
        let scans: Vec<&String> = steps.iter().filter(|s| s.starts_with("SCAN") && !s.contains("json_each")).collect();
        assert!(scans.is_empty(), "table scans in the ATP statement: {scans:?}\n{}", steps.join("\n"));
        assert!(steps.iter().any(|s| s.contains("ArticleStockDO_1 (shopRef=? AND supplierRef=? AND supplierArticleNo=?)")), "{}", steps.join("\n"));
        assert!(steps[0].contains("json_each"), "the ids are the outer loop:\n{}", steps.join("\n"));
        for index in ["ArticleStockDO", "ReservationItemStockDO_article", "OrderPositionDO_supplierArticleNo", "OrderPositionDO_articleId", "DispatchPositionDO_orderPositionRef"] {
            assert!(steps.iter().any(|s| s.contains(index)), "{index} is not used:\n{}", steps.join("\n"));
        }
    }
}
