//! PurchaseOrders v1.1 (reference: "Creditor Management - Export Open Payments a.k.a. Unpaid
//! Amounts of Dispatches / of Returns"): one `PurchaseOrder` per dispatch or return.
//!
//! - `MerchantID` and `TransID` as in the field table (the example's `MerchantId`/`TransId` is a
//!   documented erratum): MerchantID = `"Shop2FinanceControllerDO"."financeControllerShopName"`,
//!   TransID = the transmission id.
//! - RefNr = the dispatch's / return's invoiceNo, else the shop order number.
//! - PayType = the order's payment method mapped by `"FinanceController2PaymentDefDO"`.
//! - `Net/@amount` in minor units: positive for dispatches, negative for returns.
//! - Element order as in the reference example: ..., CompanyCode, PayTerm, Purchase,
//!   DeliveryNoteNo (dispatches only; "not used" for returns).
use crate::db::Conn;

use super::sender::{gone, Receiver, Sender};
use super::transmission::Ctx;
use super::writer::{a, Xml};
use super::{Rendered, SendResult};
use crate::db::queries::export::{self as q, Due, Rec};

pub fn render(conn: &Conn, ctx: &Ctx, rec: &Rec, is_return: bool) -> SendResult<Vec<u8>> {
    let what = format!("{} {} (order {})", if is_return { "ReturnDO" } else { "DispatchDO" }, rec.t("id"), rec.t("orderRef"));
    let merchant = ctx.merchant_id(conn)?;
    let pay_type = ctx.pay_type(conn, rec.i("paymentDefRef"), &what)?;
    let net = rec.i("netAmount").unwrap_or(0).abs();
    let amount = if is_return { -net } else { net };
    let creditor = rec.o("creditorId").unwrap_or_else(|| rec.t("supplierRef").to_string());

    let mut x = Xml::new();
    x.start("PurchaseOrders", &[("xmlns:xsi", a("http://www.w3.org/2001/XMLSchema-instance"))]);
    x.elem("MerchantID", &merchant);
    x.elem("TransID", &ctx.transmission_id.to_string());
    x.start("PurchaseOrder", &[]);
    x.elem("RefNr", rec.s("invoiceNo").or(rec.s("shopOrderNo")).unwrap_or(""));
    x.opt_elem("PurchaseOrderNo", rec.s("supplierOrderNo"));
    x.elem("Currency", rec.s("currency").unwrap_or("EUR"));
    x.elem("EventToken", "OC");
    x.elem("PayType", &pay_type);
    x.empty("Creditor", &[("id", a(creditor.as_str()))]);
    // Customer is optional and its id has at most 20 characters: longer shop customer numbers
    // (e.g. UUIDs) are left out rather than cut.
    if let Some(c) = rec.s("shopCustomerNo").filter(|c| c.chars().count() <= 20) {
        x.empty("Customer", &[("id", a(c))]);
    }
    x.opt_elem("CompanyCode", rec.s("companyCode"));
    x.elem("PayTerm", rec.t("payTerm"));
    x.start("Purchase", &[]);
    x.empty("Net", &[("amount", a(amount.to_string()))]);
    x.end("Purchase");
    if !is_return {
        x.opt_elem("DeliveryNoteNo", rec.s("deliveryNoteNo"));
    }
    x.end("PurchaseOrder");
    x.end("PurchaseOrders");
    Ok(x.finish())
}

/// PurchaseOrders of a dispatch (`SEND_PURCHASE_ORDER_DISPATCH`):
/// `PurchaseOrders_DISPATCH_<ShopID>_<yyyyMMddHHmmss>_<TransmissionID>.xml`.
pub struct PurchaseOrdersDispatch;

impl Sender for PurchaseOrdersDispatch {
    fn transmission_type(&self) -> &'static str {
        "SEND_PURCHASE_ORDER_DISPATCH"
    }
    fn receiver(&self) -> Receiver {
        Receiver::FinanceController
    }
    fn file_name(&self, _: &Conn, ctx: &Ctx, stamp: &str) -> SendResult<String> {
        Ok(format!("PurchaseOrders_DISPATCH_{}_{stamp}_{}.xml", ctx.shop_ref, ctx.transmission_id))
    }
    fn render(&self, conn: &Conn, due: &Due, ctx: &Ctx) -> SendResult<Rendered> {
        match due.dispatch_ref.map(|id| q::dispatch(conn, id)).transpose()?.flatten() {
            Some(rec) => render(conn, ctx, &rec, false).map(Rendered::Doc),
            None => Ok(gone("DispatchDO", due.dispatch_ref)),
        }
    }
}

/// PurchaseOrders of a return (`SEND_PURCHASE_ORDER_RETURN`):
/// `PurchaseOrders_RETURN_<ShopID>_<yyyyMMddHHmmss>_<TransmissionID>.xml`.
pub struct PurchaseOrdersReturn;

impl Sender for PurchaseOrdersReturn {
    fn transmission_type(&self) -> &'static str {
        "SEND_PURCHASE_ORDER_RETURN"
    }
    fn receiver(&self) -> Receiver {
        Receiver::FinanceController
    }
    fn file_name(&self, _: &Conn, ctx: &Ctx, stamp: &str) -> SendResult<String> {
        Ok(format!("PurchaseOrders_RETURN_{}_{stamp}_{}.xml", ctx.shop_ref, ctx.transmission_id))
    }
    fn render(&self, conn: &Conn, due: &Due, ctx: &Ctx) -> SendResult<Rendered> {
        match due.return_ref.map(|id| q::return_row(conn, id)).transpose()?.flatten() {
            Some(rec) => render(conn, ctx, &rec, true).map(Rendered::Doc),
            None => Ok(gone("ReturnDO", due.return_ref)),
        }
    }
}
