//! The finance controller mappings an accounting import resolves (MerchantId, PayType,
//! dunning levels), cached per file by [`Lookups`].
use std::collections::HashMap;

use crate::db::{params, Optional};

use crate::db::{Conn, StoreResult};

/// The finance controller whose `"financeControllerShopName"` for `shop` is `merchant`.
pub fn finance_controller_for(conn: &Conn, shop: i64, merchant: &str) -> StoreResult<Option<i64>> {
    Ok(conn.query_row(
        r#"SELECT "financeControllerRef" FROM "Shop2FinanceControllerDO" WHERE "shopRef" = ?1 AND "financeControllerShopName" = ?2"#,
        params![shop, merchant],
        |r| r.get(0),
    )
    .optional()?)
}

/// `financeControllerPaymentImportName` -> `paymentDefRef` of a finance controller.
pub fn payment_import_names(conn: &Conn, fc: i64) -> StoreResult<HashMap<String, i64>> {
    conn.query_map(r#"SELECT "financeControllerPaymentImportName", "paymentDefRef" FROM "FinanceController2PaymentDefDO"
           WHERE "financeControllerRef" = ?1 AND "financeControllerPaymentImportName" IS NOT NULL"#, params![fc], |r| Ok((r.get(0)?, r.get(1)?))).map(|v| v.into_iter().collect())
}

/// `financeControllerDunningLevel` -> `dunningLevelDefRef` for a shop and finance controller.
pub fn dunning_levels(conn: &Conn, shop: i64, fc: i64) -> StoreResult<HashMap<String, i64>> {
    conn.query_map(r#"SELECT "financeControllerDunningLevel", "dunningLevelDefRef" FROM "Shop2DunningLevelDO"
           WHERE "shopRef" = ?1 AND "financeControllerRef" = ?2"#, params![shop, fc], |r| Ok((r.get(0)?, r.get(1)?))).map(|v| v.into_iter().collect())
}

/// The lookups of the accounting beans, held for one file (their statements stay prepared in
/// the connection's cache).
pub struct Lookups<'c> {
    conn: &'c Conn,
}

impl<'c> Lookups<'c> {
    pub fn new(conn: &'c Conn) -> StoreResult<Self> {
        Ok(Lookups { conn })
    }

    /// An invoice by number: (id, shopRef, debitorRef).
    pub fn invoice_by_no(&mut self, invoice_no: &str) -> StoreResult<Option<(i64, i64, Option<i64>)>> {
        self.conn.query_opt(r#"SELECT "id", "shopRef", "debitorRef" FROM "InvoicingDO" WHERE "invoiceNo" = ?1"#, params![invoice_no], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
    }

    /// The shop of a debtor.
    pub fn debitor_shop(&mut self, id: i64) -> StoreResult<Option<i64>> {
        self.conn.query_opt(r#"SELECT "shopRef" FROM "DebitorDO" WHERE "id" = ?1"#, params![id], |r| r.get(0))
    }
}
