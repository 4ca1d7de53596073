//! The file sender contract and the registry of document formats.
//!
//! A file sender writes one document format of the reference "IOM ImpEx Interfaces" for the
//! transmissions whose `"CommunicationDO"` key is `XML###MESSAGE_FILE_SENDER_BEAN###<TYPE>`.
//! Adding a format: one file with a unit struct implementing [`Sender`], one line in
//! [`SENDERS`], and its `"CommunicationDO"` / `"TransmissionTypeDefDO"` seed rows and trigger.
use crate::db::queries::export::Due;
use crate::db::Conn;

use super::transmission::Ctx;
use super::{Rendered, SendResult};

/// The `"CommunicationDO"` key prefix of the file senders.
pub const KEY_PREFIX: &str = "XML###MESSAGE_FILE_SENDER_BEAN###";

/// Who receives a format's documents, and so what [`Ctx`] is filled in before a sender runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Receiver {
    /// An accounting document: `Ctx::finance_controller` is the receiving finance controller,
    /// or the shop's first.
    FinanceController,
    /// A document for a supplier: the receiving partner must be one (`Ctx::supplier_ref`).
    Supplier,
}

/// A document format.
pub trait Sender: Sync {
    /// `<TYPE>` of the `"CommunicationDO"` key, e.g. `SEND_DEBITOR`.
    fn transmission_type(&self) -> &'static str;
    /// Who receives the documents.
    fn receiver(&self) -> Receiver;
    /// The file name of the transmission (it contains the transmission id, so each transmission
    /// has exactly one file); `stamp` is the time of writing as `yyyyMMddHHmmss`.
    fn file_name(&self, conn: &Conn, ctx: &Ctx, stamp: &str) -> SendResult<String>;
    /// The document, or [`Rendered::Cancel`] when there is nothing to send (the business row
    /// is gone, no position for this receiver).
    fn render(&self, conn: &Conn, due: &Due, ctx: &Ctx) -> SendResult<Rendered>;
}

/// Every document format impex writes for transmissions (the customer export is a job of its
/// own: [`super::customers`]).
pub static SENDERS: &[&dyn Sender] = &[
    &super::purchase_orders::PurchaseOrdersDispatch,
    &super::purchase_orders::PurchaseOrdersReturn,
    &super::debtors::Debtors,
    &super::sales_orders::SalesOrders,
    &super::store_order::StoreOrder,
    &super::return_announcement::ReturnAnnouncement,
];

/// The sender of a `"CommunicationDO"` key.
pub fn for_key(key: &str) -> Option<&'static dyn Sender> {
    let ty = key.strip_prefix(KEY_PREFIX)?;
    SENDERS.iter().copied().find(|s| s.transmission_type() == ty)
}

/// The transmission of a business row that no longer exists is canceled.
pub fn gone(what: &str, id: Option<i64>) -> Rendered {
    Rendered::Cancel(format!("{what} {} no longer exists: nothing to send", id.map(|i| i.to_string()).unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_unique_and_found_by_key() {
        let mut types: Vec<&str> = SENDERS.iter().map(|s| s.transmission_type()).collect();
        types.sort();
        types.dedup();
        assert_eq!(types.len(), SENDERS.len());
        assert_eq!(for_key("XML###MESSAGE_FILE_SENDER_BEAN###SEND_ORDER").unwrap().transmission_type(), "SEND_ORDER");
        assert!(for_key("ANY###FTP_JOB###EXT_TRANSFER_FILE").is_none());
    }

    /// Every seeded file sender key (`"CommunicationDO"`) has a sender.
    #[test]
    fn every_seeded_sender_key_has_a_sender() {
        let conn = crate::db::memory();
        conn.execute_batch(crate::db::seed::REFERENCE).unwrap();
        let rows = conn.query_rows(r#"SELECT "key" FROM "CommunicationDO" WHERE "key" LIKE 'XML###MESSAGE_FILE_SENDER_BEAN###%'"#, &[]).unwrap();
        assert!(rows.len() >= 6);
        for r in rows {
            let key = r[0].as_str().unwrap();
            assert!(for_key(key).is_some(), "{key} has no sender");
        }
    }
}
