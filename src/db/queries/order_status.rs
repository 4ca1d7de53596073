//! The order and payment read model: `"OrderPaymentStatusView"` and
//! `"InvoicePaymentStatusView"` (for `impex order`, the demo and the REST API).
use crate::db::params;

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

fn order_status_row(r: &crate::db::Row<'_>) -> StoreResult<OrderPaymentStatus> {
    Ok(OrderPaymentStatus {
        order_id: r.get(0)?,
        shop_id: r.get(1)?,
        shop_order_no: r.get(2)?,
        currency: r.get(3)?,
        invoices: r.get(4)?,
        invoiced_amount: r.get::<Option<i64>>(5)?.unwrap_or(0),
        open_amount: r.get::<Option<i64>>(6)?.unwrap_or(0),
        payment_status: r.get(7)?,
        paid_percent: r.get::<Option<f64>>(8)?.unwrap_or(0.0),
    })
}

/// The orders with this shop order number (one per shop), optionally of one shop.
pub fn order_payment_status(conn: &Conn, shop_order_no: &str, shop: Option<i64>) -> StoreResult<Vec<OrderPaymentStatus>> {
    conn.query_map(&format!(r#"{ORDER_STATUS} WHERE "shopOrderNo" = ?1 AND (?2 IS NULL OR "shopRef" = ?2) ORDER BY "shopRef""#), params![shop_order_no, shop], order_status_row)
}

/// Every order's payment status, by order id.
pub fn all_order_payment_status(conn: &Conn) -> StoreResult<Vec<OrderPaymentStatus>> {
    conn.query_map(&format!(r#"{ORDER_STATUS} ORDER BY "orderRef""#), params![], order_status_row)
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
    conn.query_map(r#"SELECT "invoiceNo", "grossAmount", "invoicedAmount", "openAmount", "source" FROM "InvoicePaymentStatusView"
           WHERE "orderRef" = ?1 ORDER BY "invoiceNo""#, params![order_id], |r| {
        Ok(InvoiceStatus { invoice_no: r.get(0)?, gross_amount: r.get(1)?, invoiced_amount: r.get(2)?, open_amount: r.get(3)?, source: r.get(4)? })
    })
}

/// Header facts of an order for `impex order`: (creation date, customer name, total gross, state, payment method).
pub fn order_summary(conn: &Conn, order_id: i64) -> StoreResult<(String, String, Option<i64>, Option<String>)> {
    Ok(conn.query_row(
        r#"SELECT "orderCreationDate", trim(coalesce("customerCompanyName" || ' ', '') || coalesce("customerFirstName" || ' ', '') || coalesce("customerLastName", '')),
                  "totalGross", "paymentMethod" FROM "OrderDO" WHERE "id" = ?1"#,
        params![order_id],
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

/// The payment facts of these orders. The same rules as `"InvoicePaymentStatusView"` and
/// `"OrderPaymentStatusView"` (an invoice's amounts from its open position, else its payment
/// histories, else its gross amount as open; Paid / Part Paid / Not Paid), read by the orders'
/// invoices only: the views aggregate every invoice and order before they filter.
pub fn payment_facts(conn: &Conn, orders: &[i64]) -> StoreResult<Vec<PaymentFacts>> {
    let ids = serde_json::to_string(orders).unwrap_or_else(|_| "[]".into());
    let st_sql = r#"SELECT i."orderRef",
                  CASE WHEN op."id" IS NOT NULL THEN op."opAmount"
                       WHEN ph."n" > 0 AND ph."invoiced" <> 0 THEN ph."invoiced"
                       ELSE i."grossAmount" END,
                  CASE WHEN op."id" IS NOT NULL THEN op."openAmount"
                       WHEN ph."n" > 0 THEN (CASE WHEN ph."invoiced" <> 0 THEN ph."invoiced" ELSE i."grossAmount" END) - ph."paid"
                       ELSE i."grossAmount" END,
                  i."documentTypeDefRef", i."grossAmount", i."creationDate", op."importDate"
           FROM "InvoicingDO" i
           LEFT JOIN "OpenPositionDO" op ON op."invoicingRef" = i."id"
           LEFT JOIN (SELECT h."invoicingRef", count(*) AS "n",
                             coalesce(sum(CASE WHEN h."positionType" = 'R' THEN h."amount" ELSE 0 END), 0) AS "invoiced",
                             coalesce(sum(CASE WHEN h."positionType" = 'Z' THEN h."amount" ELSE 0 END), 0) AS "paid"
                      FROM "PaymentHistoryDO" h
                      WHERE h."invoicingRef" IN (SELECT x."id" FROM "InvoicingDO" x WHERE x."orderRef" IN (SELECT CAST("value" AS INTEGER) FROM json_each(?1)))
                      GROUP BY h."invoicingRef") ph ON ph."invoicingRef" = i."id"
           WHERE i."orderRef" IN (SELECT CAST("value" AS INTEGER) FROM json_each(?1))"#;
    type Invoice = (i64, i64, i64, i64, i64, String, Option<String>);
    let invoices = conn.query_map(st_sql, params![&ids], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)))?;
    let st_sql = r#"SELECT i."orderRef", h."kind", h."entryDate", h."importDate", h."amount"
           FROM "PaymentHistoryDO" h JOIN "InvoicingDO" i ON i."id" = h."invoicingRef"
           WHERE i."orderRef" IN (SELECT CAST("value" AS INTEGER) FROM json_each(?1))"#;
    let postings = conn.query_map(st_sql, params![&ids], |r| Ok((r.get::<i64>(0)?, r.get::<String>(1)?, r.get::<String>(2)?, r.get::<String>(3)?, r.get::<i64>(4)?)))?;
    let order_rows = conn.query_map(r#"SELECT "id", "creationDate" FROM "OrderDO" WHERE "id" IN (SELECT CAST("value" AS INTEGER) FROM json_each(?1))"#, params![&ids], |r| Ok((r.get::<i64>(0)?, r.get::<String>(1)?)))?;
    let mut out = Vec::with_capacity(order_rows.len());
    for (order_id, order_created) in order_rows {
        let own: Vec<&Invoice> = invoices.iter().filter(|i| i.0 == order_id).collect();
        let invoiced: i64 = own.iter().map(|i| i.1).sum();
        let open: i64 = own.iter().map(|i| i.2.max(0)).sum();
        let payment_status = if invoiced > 0 && open == 0 {
            "Paid"
        } else if invoiced > 0 && open < invoiced {
            "Part Paid"
        } else {
            "Not Paid"
        };
        let paid_percent = if invoiced > 0 { (10000.0 * (invoiced - open).clamp(0, invoiced) as f64 / invoiced as f64).round() / 100.0 } else { 0.0 };
        let mine: Vec<_> = postings.iter().filter(|p| p.0 == order_id).collect();
        let first_invoice = own.iter().map(|i| i.5.clone()).min();
        let latest_import = own.iter().filter_map(|i| i.6.clone()).chain(mine.iter().map(|p| p.3.clone())).max();
        let latest = |kind: &str| mine.iter().filter(|p| p.1 == kind).map(|p| p.2.clone()).max();
        out.push(PaymentFacts {
            order_id,
            invoices: own.len() as i64,
            invoiced_amount: invoiced,
            open_amount: open,
            payment_status: payment_status.to_string(),
            paid_percent,
            credit_note_amount: own.iter().filter(|i| i.3 == 19).map(|i| i.4.abs()).sum(),
            refunded_amount: mine.iter().filter(|p| p.1 == "REFUND").map(|p| p.4.abs()).sum(),
            creation_date: first_invoice.clone().unwrap_or_else(|| order_created.clone()),
            last_calculation_date: latest_import.or(first_invoice).unwrap_or(order_created),
            last_capture_date: latest("PAYMENT"),
            last_refund_date: latest("REFUND"),
        });
    }
    Ok(out)
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
    conn.query_map(r#"SELECT i."orderRef", i."invoiceNo", h."kind", h."amount", i."currency", h."entryDate", h."importDate", h."positionDetails",
                  (SELECT pd."name" FROM "PaymentDefDO" pd WHERE pd."id" = i."paymentDefRef")
           FROM "PaymentHistoryDO" h JOIN "InvoicingDO" i ON i."id" = h."invoicingRef"
           WHERE i."orderRef" IN (SELECT CAST("value" AS INTEGER) FROM json_each(?1)) ORDER BY h."entryDate", h."id""#, params![serde_json::to_string(orders).unwrap_or_else(|_| "[]".into())], |r| {
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
    })
}
