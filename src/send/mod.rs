//! Export: transmissions from business events and the file senders that write them.
//!
//! - Triggers in `schema.sql` (section "export triggers") create one `"TransmissionDO"` row per
//!   business event (dispatch, return, invoice, debtor change, order ready for its supplier,
//!   return announcement) and matching `"CommunicationPartnerDO"`; [`transmission`] routes a due
//!   transmission to its document format and file name.
//! - [`job`]: the sending job (`"JobDefDO"` -10001 SEND_TRANSMISSIONS, `impex send`): writes due
//!   transmissions into `<base>/communication/messages/out`, retries, crash safety.
//! - [`state`]: the only code that changes a transmission's state.
//! - [`sender`]: the file sender contract and the registry of document formats.
//! - One file per document format of the reference "IOM ImpEx Interfaces":
//!   [`purchase_orders`] (PurchaseOrders v1.1 for dispatches and returns), [`debtors`],
//!   [`sales_orders`] (Export Open Positions), [`store_order`] (Export Order for Order Placement),
//!   [`return_announcement`] (RMA export) and [`customers`] (Export Customer v1.1, `"JobDefDO"`
//!   -10002 CUSTOMER_EXPORT).
//! - [`writer`]: quick-xml writing helpers.
//! - [`api`]: the services behind the Transmission REST API 2.0 (search, updates by id and by
//!   filter).
pub mod api;
pub mod customers;
pub mod debtors;
pub mod job;
pub mod purchase_orders;
pub mod return_announcement;
pub mod sales_orders;
pub mod sender;
pub use crate::db::state::transmission as state;
pub mod store_order;
pub mod transmission;
pub mod writer;

use crate::db::Conn;

/// What a file sender makes of a transmission.
#[derive(Debug)]
pub enum Rendered {
    /// The document to write.
    Doc(Vec<u8>),
    /// Nothing to send for this receiver; the transmission is CANCELED with this reason.
    Cancel(String),
}

/// Why a transmission cannot be written (the transmission fails and is retried).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SendError(pub String);

impl From<crate::db::StoreError> for SendError {
    fn from(e: crate::db::StoreError) -> Self {
        SendError(format!("database: {e}"))
    }
}

pub type SendResult<T> = std::result::Result<T, SendError>;

/// Lines for `impex status`: transmissions per state and events with no partner configured.
pub fn status_lines(conn: &Conn) -> crate::db::StoreResult<Vec<String>> {
    use crate::db::queries::export as q;
    let counts = q::count_by_state(conn)?;
    let mut lines = Vec::new();
    if counts.is_empty() {
        lines.push("transmissions: none".to_string());
    } else {
        let parts: Vec<String> = counts.iter().map(|(s, n)| format!("{n} {s}")).collect();
        lines.push(format!("transmissions: {}", parts.join(", ")));
    }
    let unrouted = q::unrouted_count(conn)?;
    if unrouted > 0 {
        lines.push(format!(
            "transmissions: no partner configured for {unrouted} business event{} (see `impex transmissions`)",
            if unrouted == 1 { "" } else { "s" }
        ));
    }
    Ok(lines)
}
