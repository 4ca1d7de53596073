//! Queries behind `impex status` beyond the schedules (the state of the transmissions), and
//! the payment status of orders (`"OrderPaymentStatusView"`).
use crate::db::{Conn, StoreResult};

/// Transmissions by state, and events that found no partner.
#[derive(Debug, Default, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TransmissionSummary {
    /// (state, count), every state that has rows.
    pub by_state: Vec<(String, i64)>,
    /// Transmissions waiting for a person (DO_MANUAL_CHECK).
    pub manual_check: i64,
    /// Business events with no communication partner configured (`"ExportUnroutedEventDO"`).
    pub no_partner: i64,
}

pub fn transmissions(conn: &Conn) -> StoreResult<TransmissionSummary> {
    let mut st = conn.sql().prepare(r#"SELECT "state", count(*) FROM "TransmissionDO" GROUP BY "state" ORDER BY "state""#)?;
    let by_state: Vec<(String, i64)> = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
    let manual_check = by_state.iter().find(|(s, _)| s == "DO_MANUAL_CHECK").map(|(_, n)| *n).unwrap_or(0);
    let no_partner = conn.sql().query_row(r#"SELECT count(*) FROM "ExportUnroutedEventDO""#, [], |r| r.get(0))?;
    Ok(TransmissionSummary { by_state, manual_check, no_partner })
}

/// One order's payment status (`"OrderPaymentStatusView"`); amounts in minor units.
#[derive(Debug, Clone)]
pub struct OrderPaymentStatus {
    pub shop_order_no: String,
    pub invoices: i64,
    pub invoiced: i64,
    pub open: i64,
    pub status: String,
    pub paid_percent: f64,
    pub currency: String,
}

/// The payment status of every order, by order id.
pub fn order_payment_status(conn: &Conn) -> StoreResult<Vec<OrderPaymentStatus>> {
    let mut st = conn.sql().prepare(
        r#"SELECT "shopOrderNo", "invoices", "invoicedAmount", "openAmount", "paymentStatus", "paidPercent", "currency"
           FROM "OrderPaymentStatusView" ORDER BY "orderRef""#,
    )?;
    let rows = st.query_map([], |r| {
        Ok(OrderPaymentStatus {
            shop_order_no: r.get(0)?,
            invoices: r.get(1)?,
            invoiced: r.get::<_, Option<i64>>(2)?.unwrap_or(0),
            open: r.get::<_, Option<i64>>(3)?.unwrap_or(0),
            status: r.get(4)?,
            paid_percent: r.get::<_, Option<f64>>(5)?.unwrap_or(0.0),
            currency: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
