//! Routing a due transmission: its file sender (by the `"CommunicationDO"` key, see
//! [`super::sender`]), its file name, and the context the file senders need (shop, receiving supplier or finance controller).
//!
//! File names (all contain the transmission id, so each transmission has exactly one file):
//!
//! | key (`XML###MESSAGE_FILE_SENDER_BEAN###…`) | file name |
//! |---|---|
//! | SEND_PURCHASE_ORDER_DISPATCH | `PurchaseOrders_DISPATCH_<ShopID>_<yyyyMMddHHmmss>_<TransmissionID>.xml` |
//! | SEND_PURCHASE_ORDER_RETURN | `PurchaseOrders_RETURN_<ShopID>_<yyyyMMddHHmmss>_<TransmissionID>.xml` |
//! | SEND_DEBITOR | `SEND_DEBTOR_<ShopID>_<ShopName>_<yyyyMMddHHmmss>_<TransmissionID>.xml` |
//! | SEND_OPEN_AMOUNT | `SalesOrders_<ShopID>_<yyyyMMddHHmmss>_<TransmissionID>.xml` |
//! | SEND_ORDER | `sendOrder_<ShopID>_<SupplierID>_<yyyyMMddHHmmss>_<TransmissionID>.xml` |
//! | SEND_RETURN_ANNOUNCEMENT | `SEND_RETURN_ANNOUNCEMENT-SHOP__<ShopID>-SUPPLIER__<SupplierID>-<TransmissionID>.xml` |
use crate::db::Conn;

use super::sender::{self, Receiver, Sender};
use super::{Rendered, SendError, SendResult};
use crate::db::queries::export::{self as q, Due};

thread_local! {
    /// Mapping lookups of the current batch: (kind, a, b) -> value. Cleared per batch.
    static LOOKUPS: std::cell::RefCell<std::collections::HashMap<(u8, i64, i64), Option<String>>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// Forgets the cached mapping lookups (the sending job calls it at the start of each batch).
pub fn clear_lookups() {
    LOOKUPS.with(|l| l.borrow_mut().clear());
}

fn cached(
    kind: u8,
    a: i64,
    b: i64,
    f: impl FnOnce() -> crate::db::StoreResult<Option<String>>,
) -> crate::db::StoreResult<Option<String>> {
    if let Some(v) = LOOKUPS.with(|l| l.borrow().get(&(kind, a, b)).cloned()) {
        return Ok(v);
    }
    let v = f()?;
    LOOKUPS.with(|l| l.borrow_mut().insert((kind, a, b), v.clone()));
    Ok(v)
}

/// Everything a file sender needs besides its business rows.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub transmission_id: i64,
    pub shop_ref: i64,
    /// The receiving supplier (orders, return announcements).
    pub supplier_ref: Option<i64>,
    /// The finance controller of accounting documents: the receiving one, or the shop's first.
    pub finance_controller: Option<i64>,
    /// The debtor event CD / UD / DD.
    pub event: Option<String>,
    /// When the transmission is written (xs:dateTime fields of the export).
    pub now: String,
}

impl Ctx {
    /// The finance controller, or an error saying how to configure one.
    pub fn fc(&self) -> SendResult<i64> {
        self.finance_controller.ok_or_else(|| {
            SendError(format!(
                "shop {} has no finance controller: add a \"Shop2FinanceControllerDO\" row (shopRef {}) or configure a finance controller as receiving partner",
                self.shop_ref, self.shop_ref
            ))
        })
    }

    /// The MerchantID: `"Shop2FinanceControllerDO"."financeControllerShopName"`.
    pub fn merchant_id(&self, conn: &Conn) -> SendResult<String> {
        let fc = self.fc()?;
        cached(1, self.shop_ref, fc, || q::merchant_id(conn, self.shop_ref, fc))?.ok_or_else(|| {
            SendError(format!(
                "no MerchantID for shop {} at finance controller {fc}: add \"Shop2FinanceControllerDO\" (financeControllerRef {fc}, shopRef {}) with financeControllerShopName",
                self.shop_ref, self.shop_ref
            ))
        })
    }

    /// The PayType: `"FinanceController2PaymentDefDO"."financeControllerPaymentExportName"`.
    pub fn pay_type(&self, conn: &Conn, payment_def: Option<i64>, what: &str) -> SendResult<String> {
        let fc = self.fc()?;
        let pd = payment_def.ok_or_else(|| SendError(format!("{what} has no payment method (paymentDefRef is NULL)")))?;
        cached(2, fc, pd, || q::payment_export_name(conn, fc, pd))?.ok_or_else(|| {
            SendError(format!(
                "payment method {pd} of {what} has no export name: add \"FinanceController2PaymentDefDO\" (financeControllerRef {fc}, paymentDefRef {pd}) with financeControllerPaymentExportName"
            ))
        })
    }

    /// The Tax code: `"FinanceController2TaxTypeDefDO"."financeControllerTaxTypeExportName"`.
    pub fn tax_code(&self, conn: &Conn, tax_type: i64, what: &str) -> SendResult<String> {
        let fc = self.fc()?;
        cached(3, fc, tax_type, || q::tax_export_name(conn, fc, tax_type))?.ok_or_else(|| {
            SendError(format!(
                "tax type {tax_type} of {what} has no export name: add \"FinanceController2TaxTypeDefDO\" (financeControllerRef {fc}, taxTypeDefRef {tax_type}) with financeControllerTaxTypeExportName"
            ))
        })
    }
}

/// A prepared transmission: its sender and context.
pub struct Prepared {
    pub sender: &'static dyn Sender,
    pub ctx: Ctx,
}

/// Resolves the sender and context of a due transmission.
pub fn prepare(conn: &Conn, due: &Due, now: &str) -> SendResult<Prepared> {
    let sender = sender::for_key(&due.key).ok_or_else(|| {
        SendError(format!("communication key `{}` has no file sender in this impex", due.key))
    })?;
    let shop_ref = due.shop_ref.ok_or_else(|| {
        SendError("the sending partner is not a shop (\"PartnerReferrerDO\".\"shopRef\" is NULL)".into())
    })?;
    let finance_controller = match sender.receiver() {
        Receiver::FinanceController => match due.receiving_finance_controller {
            Some(fc) => Some(fc),
            None => q::shop_finance_controllers(conn, shop_ref)?.first().copied(),
        },
        Receiver::Supplier => None,
    };
    let supplier_ref = due.receiving_supplier;
    if sender.receiver() == Receiver::Supplier && supplier_ref.is_none() {
        return Err(SendError(format!(
            "the receiving partner (\"PartnerReferrerDO\" {}) is not a supplier",
            due.receiving_partner_ref
        )));
    }
    Ok(Prepared {
        sender,
        ctx: Ctx {
            transmission_id: due.id,
            shop_ref,
            supplier_ref,
            finance_controller,
            event: due.event.clone(),
            now: now.to_string(),
        },
    })
}

/// `yyyyMMddHHmmss` of an impex timestamp.
fn stamp(now: &str) -> String {
    now.chars().filter(|c| c.is_ascii_digit()).take(14).collect()
}

/// The file name of a transmission (see the module documentation).
pub fn file_name(conn: &Conn, p: &Prepared, now: &str) -> SendResult<String> {
    p.sender.file_name(conn, &p.ctx, &stamp(now))
}

/// Renders the document of a transmission. A business object that no longer exists cancels it.
pub fn render(conn: &Conn, due: &Due, p: &Prepared) -> SendResult<Rendered> {
    p.sender.render(conn, due, &p.ctx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps() {
        assert_eq!(stamp("2016-06-08 15:09:55.123"), "20160608150955");
    }
}
