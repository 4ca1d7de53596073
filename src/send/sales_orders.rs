//! SalesOrders (reference: "Export Open Positions"): one `SalesOrder` per invoice.
//!
//! - MerchantID = `"Shop2FinanceControllerDO"."financeControllerShopName"`, TransID = the
//!   transmission id, RefNr = the invoice number.
//! - PayType via `"FinanceController2PaymentDefDO"`, `Tax/@code` via
//!   `"FinanceController2TaxTypeDefDO"`, one `Tax` per `"InvoicingTaxDO"` row.
//! - InvoiceDate as in the example, `YYYY-MM-DD` (the field table's DDMMYY is a documented
//!   erratum).
//! - `Gross`/`Net` inside `Sale`, before `Taxes`, with text `0`, exactly as the example shows;
//!   amounts in minor units.
use crate::db::Conn;

use super::sender::{gone, Receiver, Sender};
use super::transmission::Ctx;
use super::writer::{a, Xml};
use super::{Rendered, SendResult};
use crate::db::queries::export::{self as q, Due, Rec};

pub fn render(conn: &Conn, ctx: &Ctx, inv: &Rec) -> SendResult<Vec<u8>> {
    let id = inv.i("id").unwrap_or(0);
    let what = format!("InvoicingDO {id} (invoice {})", inv.t("invoiceNo"));
    let merchant = ctx.merchant_id(conn)?;
    let pay_type = ctx.pay_type(conn, inv.i("paymentDefRef"), &what)?;
    let mut taxes = Vec::new();
    for t in q::invoicing_taxes(conn, id)? {
        let code = ctx.tax_code(conn, t.i("taxTypeDefRef").unwrap_or(0), &what)?;
        taxes.push((code, t.t("netAmount").to_string(), t.t("taxAmount").to_string()));
    }
    let mut x = Xml::new();
    x.start(
        "SalesOrders",
        &[
            ("xmlns", a("http://types.theberlinbakery.com/v1_0")),
            ("xmlns:ns2", a("http://types.theberlinbakery.com/v1_1")),
            ("xmlns:ns3", a("http://types.theberlinbakery.com/customer/v1_0")),
        ],
    );
    x.elem("MerchantID", &merchant);
    x.elem("TransID", &ctx.transmission_id.to_string());
    x.start("SalesOrder", &[]);
    x.elem("RefNr", inv.t("invoiceNo"));
    x.elem("Currency", inv.s("currency").unwrap_or("EUR"));
    x.elem("EventToken", "OC");
    x.elem("PayType", &pay_type);
    x.empty("Debtor", &[("id", a(inv.t("debitorRef"))), ("type", a(inv.s("debitorType").unwrap_or("2")))]);
    // Customer is optional and its id has at most 20 characters: longer shop customer numbers
    // (e.g. UUIDs) are left out rather than cut.
    if let Some(c) = inv.s("shopCustomerNo").filter(|c| c.chars().count() <= 20) {
        x.empty("Customer", &[("id", a(c))]);
    }
    x.opt_elem("CompanyCode", inv.s("companyCode"));
    x.opt_elem("PayTerm", inv.s("payTerm"));
    x.elem("InvoiceDate", &super::writer::date(inv.t("invoiceDate")));
    x.start("Sale", &[]);
    x.elem_attrs("Gross", &[("amount", a(inv.t("grossAmount")))], "0");
    x.elem_attrs("Net", &[("amount", a(inv.t("netAmount")))], "0");
    x.start("Taxes", &[]);
    for (code, net, tax) in &taxes {
        x.empty("Tax", &[("code", a(code.as_str())), ("netAmount", a(net.as_str())), ("taxAmount", a(tax.as_str()))]);
    }
    x.end("Taxes");
    x.end("Sale");
    x.end("SalesOrder");
    x.end("SalesOrders");
    Ok(x.finish())
}

/// SalesOrders of an invoice's open amount (`SEND_OPEN_AMOUNT`):
/// `SalesOrders_<ShopID>_<yyyyMMddHHmmss>_<TransmissionID>.xml`.
pub struct SalesOrders;

impl Sender for SalesOrders {
    fn transmission_type(&self) -> &'static str {
        "SEND_OPEN_AMOUNT"
    }
    fn receiver(&self) -> Receiver {
        Receiver::FinanceController
    }
    fn file_name(&self, _: &Conn, ctx: &Ctx, stamp: &str) -> SendResult<String> {
        Ok(format!("SalesOrders_{}_{stamp}_{}.xml", ctx.shop_ref, ctx.transmission_id))
    }
    fn render(&self, conn: &Conn, due: &Due, ctx: &Ctx) -> SendResult<Rendered> {
        match due.invoicing_ref.map(|id| q::invoicing(conn, id)).transpose()?.flatten() {
            Some(rec) => render(conn, ctx, &rec).map(Rendered::Doc),
            None => Ok(gone("InvoicingDO", due.invoicing_ref)),
        }
    }
}
