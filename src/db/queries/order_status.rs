//! The order and payment read model: `"OrderPaymentStatusView"` and
//! `"InvoicePaymentStatusView"` (for `impex order`, the demo and the REST API).
use rusqlite::params;

use crate::db::{Conn, StoreResult};

/// `"OrderPaymentStatusView"` of one order.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OrderPaymentStatus {
    pub order_id: i64,
    pub shop_id: i64,
    pub shop_order_no: String,
    pub currency: String,
    pub invoices: i64,
    pub invoiced_amount: i64,
    pub open_amount: i64,
    pub payment_status: String,
    pub paid_percent: f64,
}

const ORDER_STATUS: &str = r#"SELECT "orderRef", "shopRef", "shopOrderNo", "currency", "invoices", "invoicedAmount", "openAmount",
                  "paymentStatus", "paidPercent"
           FROM "OrderPaymentStatusView""#;

fn order_status_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OrderPaymentStatus> {
    Ok(OrderPaymentStatus {
        order_id: r.get(0)?,
        shop_id: r.get(1)?,
        shop_order_no: r.get(2)?,
        currency: r.get(3)?,
        invoices: r.get(4)?,
        invoiced_amount: r.get::<_, Option<i64>>(5)?.unwrap_or(0),
        open_amount: r.get::<_, Option<i64>>(6)?.unwrap_or(0),
        payment_status: r.get(7)?,
        paid_percent: r.get::<_, Option<f64>>(8)?.unwrap_or(0.0),
    })
}

/// The orders with this shop order number (one per shop), optionally of one shop.
pub fn order_payment_status(conn: &Conn, shop_order_no: &str, shop: Option<i64>) -> StoreResult<Vec<OrderPaymentStatus>> {
    let mut st = conn.sql().prepare(&format!(r#"{ORDER_STATUS} WHERE "shopOrderNo" = ?1 AND (?2 IS NULL OR "shopRef" = ?2) ORDER BY "shopRef""#))?;
    let rows = st.query_map(params![shop_order_no, shop], order_status_row)?;
    rows.collect::<rusqlite::Result<_>>().map_err(Into::into)
}

/// Every order's payment status, by order id.
pub fn all_order_payment_status(conn: &Conn) -> StoreResult<Vec<OrderPaymentStatus>> {
    let mut st = conn.sql().prepare(&format!(r#"{ORDER_STATUS} ORDER BY "orderRef""#))?;
    let rows = st.query_map([], order_status_row)?;
    rows.collect::<rusqlite::Result<_>>().map_err(Into::into)
}

/// One invoice of an order with its payment state.
#[derive(Debug, Clone, serde::Serialize)]
pub struct InvoiceStatus {
    pub invoice_no: String,
    pub gross_amount: i64,
    pub invoiced_amount: i64,
    pub open_amount: i64,
    pub source: String,
}

pub fn invoice_statuses(conn: &Conn, order_id: i64) -> StoreResult<Vec<InvoiceStatus>> {
    let mut st = conn.sql().prepare(
        r#"SELECT "invoiceNo", "grossAmount", "invoicedAmount", "openAmount", "source" FROM "InvoicePaymentStatusView"
           WHERE "orderRef" = ?1 ORDER BY "invoiceNo""#,
    )?;
    let rows = st.query_map([order_id], |r| {
        Ok(InvoiceStatus { invoice_no: r.get(0)?, gross_amount: r.get(1)?, invoiced_amount: r.get(2)?, open_amount: r.get(3)?, source: r.get(4)? })
    })?;
    rows.collect::<rusqlite::Result<_>>().map_err(Into::into)
}

/// Header facts of an order for `impex order`: (creation date, customer name, total gross, state, payment method).
pub fn order_summary(conn: &Conn, order_id: i64) -> StoreResult<(String, String, Option<i64>, Option<String>)> {
    Ok(conn.sql().query_row(
        r#"SELECT "orderCreationDate", trim(coalesce("customerCompanyName" || ' ', '') || coalesce("customerFirstName" || ' ', '') || coalesce("customerLastName", '')),
                  "totalGross", "paymentMethod" FROM "OrderDO" WHERE "id" = ?1"#,
        [order_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?)
}
