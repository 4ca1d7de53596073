//! Debtors (reference: "Debtor Management - Export Customer Information (Debtor Service)"): one
//! `Debtor` per transmission, with the event that caused it (CD create, UD update, DD
//! deactivate). Company (type 1) or Person (type 2); the billing address (`type="2"`) with its
//! children in the v1_1 namespace (`ns2:` as in the example); Currency and Language always empty.
use crate::db::Conn;

use super::sender::{gone, Receiver, Sender};
use super::transmission::Ctx;
use super::writer::{a, Xml};
use super::{Rendered, SendResult};
use crate::db::queries::export::{self as q, Due, Rec};

pub fn render(conn: &Conn, ctx: &Ctx, d: &Rec) -> SendResult<Vec<u8>> {
    let merchant = ctx.merchant_id(conn)?;
    let id = d.i("id").unwrap_or(0);
    let props = q::debitor_properties(conn, id)?;
    let mut x = Xml::new();
    x.start(
        "Debtors",
        &[("xmlns", a("http://types.theberlinbakery.com/v1_0")), ("xmlns:ns2", a("http://types.theberlinbakery.com/v1_1"))],
    );
    x.elem("MerchantID", &merchant);
    x.elem("TransID", &ctx.transmission_id.to_string());
    x.start("Debtor", &[("id", a(id.to_string())), ("type", a(d.t("type")))]);
    x.elem("Event", ctx.event.as_deref().unwrap_or("CD"));
    if d.i("type") == Some(1) {
        x.empty(
            "Company",
            &[
                ("name", d.s("companyName").map(Into::into)),
                ("department", d.s("department").map(Into::into)),
                ("lineOfBusiness", d.s("lineOfBusiness").map(Into::into)),
                ("costNo", d.s("costNo").map(Into::into)),
                ("commercialRegisterId", d.s("commercialRegisterId").map(Into::into)),
                ("commercialRegisterLocation", d.s("commercialRegisterLocation").map(Into::into)),
                ("type", d.s("companyType").map(Into::into)),
                ("vatNo", d.s("vatNo").map(Into::into)),
            ],
        );
    } else {
        x.empty(
            "Person",
            &[
                ("salutation", d.s("salutation").map(Into::into)),
                ("title", d.s("title").map(Into::into)),
                ("firstName", d.s("firstName").map(Into::into)),
                ("middleName", d.s("middleName").map(Into::into)),
                ("lastName", d.s("lastName").map(Into::into)),
            ],
        );
    }
    if d.s("city").is_some() && d.s("postCode").is_some() {
        x.start("Address", &[("type", a("2"))]);
        x.elem("ns2:City", d.t("city"));
        x.elem("ns2:PostCode", d.t("postCode"));
        x.opt_elem("ns2:State", d.s("state"));
        x.opt_elem("ns2:District", d.s("district"));
        if let (Some(pb), None) = (d.s("poBox"), d.s("street")) {
            x.elem("ns2:POBox", pb);
        } else {
            x.opt_elem("ns2:Street", d.s("street"));
            x.opt_elem("ns2:HouseNumber", d.s("houseNumber"));
        }
        for c in ["addition1", "addition2", "addition3", "addition4"] {
            x.opt_elem("ns2:Addition", d.s(c));
        }
        x.opt_elem("ns2:Country", d.s("country"));
        x.end("Address");
    }
    x.opt_elem("Email", d.s("email"));
    x.opt_elem("Telephone", d.s("telephone"));
    x.elem("Currency", "");
    x.elem("Language", "");
    if let Some(iban) = d.s("iban") {
        x.empty(
            "Bank",
            &[("owner", d.s("bankOwner").map(Into::into)), ("iban", a(iban)), ("bic", d.s("bic").map(Into::into)), ("bankName", d.s("bankName").map(Into::into))],
        );
    }
    for p in &props {
        x.empty("Property", &[("key", a(p.t("key"))), ("value", a(p.t("value")))]);
    }
    x.end("Debtor");
    x.end("Debtors");
    Ok(x.finish())
}

/// Debtors (`SEND_DEBITOR`): `SEND_DEBTOR_<ShopID>_<ShopName>_<yyyyMMddHHmmss>_<TransmissionID>.xml`
/// (path separators and control characters of the shop name replaced by `-`).
pub struct Debtors;

impl Sender for Debtors {
    fn transmission_type(&self) -> &'static str {
        "SEND_DEBITOR"
    }
    fn receiver(&self) -> Receiver {
        Receiver::FinanceController
    }
    fn file_name(&self, conn: &Conn, ctx: &Ctx, stamp: &str) -> SendResult<String> {
        let name = q::shop(conn, ctx.shop_ref)?.and_then(|r| r.o("name")).unwrap_or_default();
        Ok(format!("SEND_DEBTOR_{}_{}_{stamp}_{}.xml", ctx.shop_ref, name_part(&name), ctx.transmission_id))
    }
    fn render(&self, conn: &Conn, due: &Due, ctx: &Ctx) -> SendResult<Rendered> {
        match due.debitor_ref.map(|id| q::debitor(conn, id)).transpose()?.flatten() {
            Some(rec) => render(conn, ctx, &rec).map(Rendered::Doc),
            None => Ok(gone("DebitorDO", due.debitor_ref)),
        }
    }
}

/// A shop name usable in a file name: path separators and control characters replaced by `-`.
fn name_part(s: &str) -> String {
    s.chars().map(|c| if c == '/' || c == '\\' || c.is_control() { '-' } else { c }).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn shop_names_in_file_names_lose_path_separators() {
        assert_eq!(super::name_part("PCompanyUK - Demo/Shop"), "PCompanyUK - Demo-Shop");
        assert_eq!(super::name_part("a\\b\nc"), "a-b-c");
    }
}
