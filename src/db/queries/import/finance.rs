//! The finance controller mappings an accounting import resolves (MerchantId, PayType,
//! dunning levels), cached per file by [`Lookups`].
use std::collections::HashMap;

use rusqlite::{params, OptionalExtension};

use crate::db::{Conn, StoreResult};

/// The finance controller whose `"financeControllerShopName"` for `shop` is `merchant`.
pub fn finance_controller_for(conn: &Conn, shop: i64, merchant: &str) -> StoreResult<Option<i64>> {
    Ok(conn.sql().query_row(
        r#"SELECT "financeControllerRef" FROM "Shop2FinanceControllerDO" WHERE "shopRef" = ?1 AND "financeControllerShopName" = ?2"#,
        params![shop, merchant],
        |r| r.get(0),
    )
    .optional()?)
}

/// `financeControllerPaymentImportName` -> `paymentDefRef` of a finance controller.
pub fn payment_import_names(conn: &Conn, fc: i64) -> StoreResult<HashMap<String, i64>> {
    let mut st = conn.sql().prepare(
        r#"SELECT "financeControllerPaymentImportName", "paymentDefRef" FROM "FinanceController2PaymentDefDO"
           WHERE "financeControllerRef" = ?1 AND "financeControllerPaymentImportName" IS NOT NULL"#,
    )?;
    let rows = st.query_map([fc], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect::<rusqlite::Result<_>>().map_err(Into::into)
}

/// `financeControllerDunningLevel` -> `dunningLevelDefRef` for a shop and finance controller.
pub fn dunning_levels(conn: &Conn, shop: i64, fc: i64) -> StoreResult<HashMap<String, i64>> {
    let mut st = conn.sql().prepare(
        r#"SELECT "financeControllerDunningLevel", "dunningLevelDefRef" FROM "Shop2DunningLevelDO"
           WHERE "shopRef" = ?1 AND "financeControllerRef" = ?2"#,
    )?;
    let rows = st.query_map([shop, fc], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect::<rusqlite::Result<_>>().map_err(Into::into)
}

/// Prepared lookups of the accounting beans, held for one file.
pub struct Lookups<'c> {
    invoice: rusqlite::Statement<'c>,
    debitor: rusqlite::Statement<'c>,
}

impl<'c> Lookups<'c> {
    pub fn new(conn: &'c Conn) -> StoreResult<Self> {
        Ok(Lookups {
            invoice: conn.sql().prepare(r#"SELECT "id", "shopRef", "debitorRef" FROM "InvoicingDO" WHERE "invoiceNo" = ?1"#)?,
            debitor: conn.sql().prepare(r#"SELECT "shopRef" FROM "DebitorDO" WHERE "id" = ?1"#)?,
        })
    }

    /// An invoice by number: (id, shopRef, debitorRef).
    pub fn invoice_by_no(&mut self, invoice_no: &str) -> StoreResult<Option<(i64, i64, Option<i64>)>> {
        Ok(self.invoice.query_row([invoice_no], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).optional()?)
    }

    /// The shop of a debtor.
    pub fn debitor_shop(&mut self, id: i64) -> StoreResult<Option<i64>> {
        Ok(self.debitor.query_row([id], |r| r.get(0)).optional()?)
    }
}
