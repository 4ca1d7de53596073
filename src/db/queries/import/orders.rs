//! Order intake (storeOrder): the lookups of an order file and its rows.
use crate::db::{params, Optional};

use crate::db::{Conn, StoreResult};

/// An existing order of a shop: (id, creationDate).
pub fn order_by_shop_no(conn: &Conn, shop: i64, shop_order_no: &str) -> StoreResult<Option<(i64, String)>> {
    Ok(conn.query_row(r#"SELECT "id", "creationDate" FROM "OrderDO" WHERE "shopRef" = ?1 AND "shopOrderNo" = ?2"#, params![shop, shop_order_no],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()?)
}

pub fn customer_by_no(conn: &Conn, shop: i64, no: &str) -> StoreResult<Option<i64>> {
    Ok(conn.query_row(r#"SELECT "id" FROM "CustomerDO" WHERE "shopRef" = ?1 AND "shopCustomerNo" = ?2"#, params![shop, no], |r| r.get(0))
        .optional()?)
}

/// A `"PaymentDefDO"` id by name (case-insensitive), e.g. `PAYPAL`.
pub fn payment_def_by_name(conn: &Conn, name: &str) -> StoreResult<Option<i64>> {
    Ok(conn.query_row(r#"SELECT "id" FROM "PaymentDefDO" WHERE upper("name") = upper(?1)"#, params![name], |r| r.get(0)).optional()?)
}

/// A `"TaxTypeDefDO"` id by name (case-insensitive), e.g. `FullTax`.
pub fn tax_type_by_name(conn: &Conn, name: &str) -> StoreResult<Option<i64>> {
    Ok(conn.query_row(r#"SELECT "id" FROM "TaxTypeDefDO" WHERE upper("name") = upper(?1)"#, params![name], |r| r.get(0)).optional()?)
}

/// A `"CarrierDO"` id by its name or its id written as text.
pub fn carrier_by_name_or_id(conn: &Conn, name: &str) -> StoreResult<Option<i64>> {
    Ok(conn
        .query_row(r#"SELECT "id" FROM "CarrierDO" WHERE "name" = ?1 OR CAST("id" AS TEXT) = ?1"#, params![name], |r| r.get(0))
        .optional()?)
}

/// `"ShopDO"."defaultCurrency"` of a shop.
pub fn shop_default_currency(conn: &Conn, shop: i64) -> StoreResult<String> {
    Ok(conn.query_row(r#"SELECT "defaultCurrency" FROM "ShopDO" WHERE "id" = ?1"#, params![shop], |r| r.get(0))?)
}

/// Inserts a row given as column/value pairs into `table` (the order intake writes many
/// optional columns); returns the new id.
pub fn insert_row(conn: &Conn, table: &str, cols: &[(&str, crate::db::Value)]) -> StoreResult<i64> {
    let names: Vec<String> = cols.iter().map(|(c, _)| format!("\"{c}\"")).collect();
    let marks: Vec<String> = (1..=cols.len()).map(|i| format!("?{i}")).collect();
    let sql = format!(r#"INSERT INTO "{table}" ({}) VALUES ({})"#, names.join(", "), marks.join(", "));
    let values: Vec<&dyn crate::db::Param> = cols.iter().map(|(_, v)| v as &dyn crate::db::Param).collect();
    conn.insert(&sql, &values)
}
