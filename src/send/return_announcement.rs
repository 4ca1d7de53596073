//! ReturnAnnouncement export (reference: "IOM ImpEx Export RMA"): one return announcement with
//! only the positions of the receiving supplier. An announcement with no position for that
//! supplier is not sent: the transmission is CANCELED with the reason.
use crate::db::Conn;

use super::sender::{gone, Receiver, Sender};
use super::transmission::Ctx;
use super::writer::{a, date_time, Xml};
use super::{Rendered, SendError, SendResult};
use crate::db::queries::export::{self as q, Due};

pub fn render(conn: &Conn, ctx: &Ctx, id: i64) -> SendResult<Rendered> {
    let ra = q::return_announcement(conn, id)?.ok_or_else(|| SendError(format!("ReturnAnnouncementDO {id} no longer exists")))?;
    let supplier = ctx.supplier_ref.unwrap_or(0);
    let positions: Vec<_> =
        q::return_announcement_positions(conn, id)?.into_iter().filter(|p| p.i("supplierRef") == Some(supplier)).collect();
    if positions.is_empty() {
        return Ok(Rendered::Cancel(format!(
            "return announcement {id} (RMA {}) has no position for supplier {supplier}: nothing to send",
            ra.t("rmaNumber")
        )));
    }
    let order_ref = ra.i("orderRef").unwrap_or(0);
    let supplier_order_no = q::supplier_order_no(conn, order_ref, supplier)?;
    let props = q::return_announcement_properties(conn, id)?;

    let mut x = Xml::new();
    x.start(
        "ReturnAnnouncementExport",
        &[
            ("xmlns", a("http://types.theberlinbakery.com/v2_0")),
            ("xmlns:ns2", a("http://types.theberlinbakery.com/v1_0")),
            ("creationDate", a(date_time(&ctx.now))),
        ],
    );
    x.start(
        "ReturnAnnouncement",
        &[("id", a(id.to_string())), ("creationDate", a(date_time(ra.t("creationDate")))), ("type", a(ra.t("type")))],
    );
    x.elem("RMANumber", ra.t("rmaNumber"));
    x.elem("ShopOrderNumber", ra.t("shopOrderNo"));
    x.opt_elem("SupplierOrderNumber", supplier_order_no.as_deref());
    for p in &positions {
        x.start("Position", &[]);
        x.opt_elem("Quantity", p.s("quantity"));
        x.elem("ReturnReason", p.t("returnReason"));
        x.elem("ShopArticleNumber", p.t("articleId"));
        x.opt_elem("SupplierArticleNumber", p.s("supplierArticleNo"));
        x.elem("ShopArticleName", p.t("articleName"));
        for item in q::return_announcement_items(conn, p.i("id").unwrap_or(0))? {
            x.start("Item", &[]);
            x.elem("SerialNumber", item.t("serialNumber"));
            x.end("Item");
        }
        x.end("Position");
    }
    if ra.s("contactLastName").is_some() && ra.s("contactEmail").is_some() {
        x.start("ContactPerson", &[]);
        x.opt_elem("FirstName", ra.s("contactFirstName"));
        x.elem("LastName", ra.t("contactLastName"));
        x.opt_elem("CompanyName", ra.s("contactCompanyName"));
        x.opt_elem("Phone", ra.s("contactPhone"));
        x.elem("EmailAddress", ra.t("contactEmail"));
        x.opt_elem("CorrespondenceLanguage", ra.s("correspondenceLanguage"));
        x.end("ContactPerson");
    }
    if ra.t("type") == "PICKUP" {
        x.start("PickupAddress", &[]);
        x.opt_elem("FirstName", ra.s("pickupFirstName"));
        x.elem("LastName", ra.t("pickupLastName"));
        x.opt_elem("CompanyName", ra.s("pickupCompanyName"));
        x.elem("StreetName", ra.t("pickupStreetName"));
        x.opt_elem("StreetNumber", ra.s("pickupStreetNumber"));
        x.elem("City", ra.t("pickupCity"));
        x.elem("PostCode", ra.t("pickupPostCode"));
        x.opt_elem("District", ra.s("pickupDistrict"));
        x.opt_elem("Addition", ra.s("pickupAddition1"));
        x.opt_elem("Addition", ra.s("pickupAddition2"));
        x.elem("Country", ra.t("pickupCountry"));
        x.end("PickupAddress");
    }
    let mut groups: Vec<String> = Vec::new();
    for p in &props {
        if !groups.iter().any(|g| g == p.t("groupId")) {
            groups.push(p.t("groupId").to_string());
        }
    }
    for g in &groups {
        x.start("Properties", &[("id", a(g.as_str()))]);
        for p in props.iter().filter(|p| p.t("groupId") == g) {
            x.empty("ns2:Property", &[("key", a(p.t("key"))), ("value", a(p.t("value")))]);
        }
        x.end("Properties");
    }
    x.end("ReturnAnnouncement");
    x.end("ReturnAnnouncementExport");
    Ok(Rendered::Doc(x.finish()))
}

/// Return announcement to its supplier (`SEND_RETURN_ANNOUNCEMENT`):
/// `SEND_RETURN_ANNOUNCEMENT-SHOP__<ShopID>-SUPPLIER__<SupplierID>-<TransmissionID>.xml`.
pub struct ReturnAnnouncement;

impl Sender for ReturnAnnouncement {
    fn transmission_type(&self) -> &'static str {
        "SEND_RETURN_ANNOUNCEMENT"
    }
    fn receiver(&self) -> Receiver {
        Receiver::Supplier
    }
    fn file_name(&self, _: &Conn, ctx: &Ctx, _stamp: &str) -> SendResult<String> {
        Ok(format!("SEND_RETURN_ANNOUNCEMENT-SHOP__{}-SUPPLIER__{}-{}.xml", ctx.shop_ref, ctx.supplier_ref.unwrap_or(0), ctx.transmission_id))
    }
    fn render(&self, conn: &Conn, due: &Due, ctx: &Ctx) -> SendResult<Rendered> {
        match due.return_announcement_ref {
            Some(id) if q::return_announcement(conn, id)?.is_some() => render(conn, ctx, id),
            other => Ok(gone("ReturnAnnouncementDO", other)),
        }
    }
}
