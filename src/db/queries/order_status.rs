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

/// What the order service's `PaymentState` of an order is made of (minor units).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct PaymentFacts {
    pub order_id: i64,
    /// `"OrderPaymentStatusView"`: invoiced, open, Paid / Part Paid / Not Paid, paid percent.
    pub invoices: i64,
    pub invoiced_amount: i64,
    pub open_amount: i64,
    pub payment_status: String,
    pub paid_percent: f64,
    /// Gross amounts of the order's credit notes (positive).
    pub credit_note_amount: i64,
    /// Refunds of the payment histories (positive).
    pub refunded_amount: i64,
    /// The first invoice's creation, else the order's.
    pub creation_date: String,
    /// The latest import of an open position or payment history of the order, else the
    /// creation date.
    pub last_calculation_date: String,
    pub last_capture_date: Option<String>,
    pub last_refund_date: Option<String>,
}

/// The payment facts of these orders.
pub fn payment_facts(conn: &Conn, orders: &[i64]) -> StoreResult<Vec<PaymentFacts>> {
    let mut st = conn.sql().prepare(
        r#"SELECT v."orderRef", v."invoices", v."invoicedAmount", v."openAmount", v."paymentStatus", v."paidPercent",
                  (SELECT coalesce(sum(abs(i."grossAmount")), 0) FROM "InvoicingDO" i WHERE i."orderRef" = v."orderRef" AND i."documentTypeDefRef" = 19),
                  (SELECT coalesce(sum(abs(h."amount")), 0) FROM "PaymentHistoryDO" h JOIN "InvoicingDO" i ON i."id" = h."invoicingRef"
                     WHERE i."orderRef" = v."orderRef" AND h."kind" = 'REFUND'),
                  coalesce((SELECT min(i."creationDate") FROM "InvoicingDO" i WHERE i."orderRef" = v."orderRef"), o."creationDate"),
                  coalesce(max((SELECT max(op."importDate") FROM "OpenPositionDO" op JOIN "InvoicingDO" i ON i."id" = op."invoicingRef" WHERE i."orderRef" = v."orderRef"),
                               (SELECT max(h."importDate") FROM "PaymentHistoryDO" h JOIN "InvoicingDO" i ON i."id" = h."invoicingRef" WHERE i."orderRef" = v."orderRef")),
                           (SELECT max(op."importDate") FROM "OpenPositionDO" op JOIN "InvoicingDO" i ON i."id" = op."invoicingRef" WHERE i."orderRef" = v."orderRef"),
                           (SELECT max(h."importDate") FROM "PaymentHistoryDO" h JOIN "InvoicingDO" i ON i."id" = h."invoicingRef" WHERE i."orderRef" = v."orderRef"),
                           (SELECT min(i."creationDate") FROM "InvoicingDO" i WHERE i."orderRef" = v."orderRef"), o."creationDate"),
                  (SELECT max(h."entryDate") FROM "PaymentHistoryDO" h JOIN "InvoicingDO" i ON i."id" = h."invoicingRef" WHERE i."orderRef" = v."orderRef" AND h."kind" = 'PAYMENT'),
                  (SELECT max(h."entryDate") FROM "PaymentHistoryDO" h JOIN "InvoicingDO" i ON i."id" = h."invoicingRef" WHERE i."orderRef" = v."orderRef" AND h."kind" = 'REFUND')
           FROM "OrderPaymentStatusView" v JOIN "OrderDO" o ON o."id" = v."orderRef"
           WHERE v."orderRef" IN (SELECT "value" FROM json_each(?1))"#,
    )?;
    let rows = st.query_map([serde_json::to_string(orders).unwrap_or_else(|_| "[]".into())], |r| {
        Ok(PaymentFacts {
            order_id: r.get(0)?,
            invoices: r.get(1)?,
            invoiced_amount: r.get::<_, Option<i64>>(2)?.unwrap_or(0),
            open_amount: r.get::<_, Option<i64>>(3)?.unwrap_or(0),
            payment_status: r.get(4)?,
            paid_percent: r.get::<_, Option<f64>>(5)?.unwrap_or(0.0),
            credit_note_amount: r.get(6)?,
            refunded_amount: r.get(7)?,
            creation_date: r.get(8)?,
            last_calculation_date: r.get(9)?,
            last_capture_date: r.get(10)?,
            last_refund_date: r.get(11)?,
        })
    })?;
    rows.collect::<rusqlite::Result<_>>().map_err(Into::into)
}

/// One line of an order's payment histories (`"PaymentHistoryDO"`), oldest first.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct PaymentHistoryLine {
    pub order_id: i64,
    pub invoice_no: String,
    pub kind: String,
    /// Minor units, signed as in the file.
    pub amount: i64,
    pub currency: String,
    pub entry_date: String,
    pub import_date: String,
    pub details: Option<String>,
    pub pay_type: Option<String>,
}

pub fn payment_history_lines(conn: &Conn, orders: &[i64]) -> StoreResult<Vec<PaymentHistoryLine>> {
    let mut st = conn.sql().prepare(
        r#"SELECT i."orderRef", i."invoiceNo", h."kind", h."amount", i."currency", h."entryDate", h."importDate", h."positionDetails",
                  (SELECT pd."name" FROM "PaymentDefDO" pd WHERE pd."id" = i."paymentDefRef")
           FROM "PaymentHistoryDO" h JOIN "InvoicingDO" i ON i."id" = h."invoicingRef"
           WHERE i."orderRef" IN (SELECT "value" FROM json_each(?1)) ORDER BY h."entryDate", h."id""#,
    )?;
    let rows = st.query_map([serde_json::to_string(orders).unwrap_or_else(|_| "[]".into())], |r| {
        Ok(PaymentHistoryLine {
            order_id: r.get(0)?,
            invoice_no: r.get(1)?,
            kind: r.get(2)?,
            amount: r.get(3)?,
            currency: r.get(4)?,
            entry_date: r.get(5)?,
            import_date: r.get(6)?,
            details: r.get(7)?,
            pay_type: r.get(8)?,
        })
    })?;
    rows.collect::<rusqlite::Result<_>>().map_err(Into::into)
}
