//! storeOrder (reference: "Export Order for Order Placement"): the order for one supplier, with
//! only that supplier's positions. Amounts are decimals with 5 places (`48.00000`) as in the
//! example; the database holds minor units. An order with no position for the receiving
//! supplier is not sent (the transmission is CANCELED with the reason).
use crate::db::Conn;

use super::sender::{gone, Receiver, Sender};
use super::transmission::Ctx;
use super::writer::{a, decimal5, Xml};
use super::{Rendered, SendError, SendResult};
use crate::db::queries::export::{self as q, Due, Rec};

fn money(x: &mut Xml, name: &str, v: Option<i64>) {
    if let Some(v) = v {
        x.empty(name, &[("amount", a(decimal5(v)))]);
    }
}

fn receiver(x: &mut Xml, r: &Rec) {
    x.start("Receiver", &[]);
    if let Some(c) = r.s("companyName") {
        x.elem("CompanyName", c);
        x.empty(
            "ContactPerson",
            &[("salutation", r.s("salutation").map(Into::into)), ("title", r.s("title").map(Into::into)), ("firstName", r.s("firstName").map(Into::into)), ("lastName", a(r.t("lastName")))],
        );
    } else {
        x.empty(
            "Person",
            &[("salutation", r.s("salutation").map(Into::into)), ("title", r.s("title").map(Into::into)), ("firstName", r.s("firstName").map(Into::into)), ("lastName", a(r.t("lastName")))],
        );
    }
    x.end("Receiver");
}

fn address_body(x: &mut Xml, r: &Rec) {
    receiver(x, r);
    if r.s("email").is_some() || r.s("telephone").is_some() {
        x.empty(
            "Contact",
            &[("email", a(r.t("email"))), ("telephone", r.s("telephone").map(Into::into)), ("mobile", r.s("mobile").map(Into::into)), ("fax", r.s("fax").map(Into::into))],
        );
    }
    x.start("Location", &[]);
    x.elem("City", r.t("city"));
    x.elem("PostCode", r.t("postCode"));
    x.opt_elem("District", r.s("district"));
    if let Some(street) = r.s("street") {
        let s = match r.s("houseNumber") {
            Some(n) => format!("{street} {n}"),
            None => street.to_string(),
        };
        x.elem("Street", &s);
    } else if let Some(pb) = r.s("poBox") {
        x.elem("POBox", pb);
    } else if let Some(ps) = r.s("packstation") {
        x.elem("Packstation", ps);
    }
    x.opt_elem("Addition", r.s("addition1"));
    x.opt_elem("Addition", r.s("addition2"));
    x.elem("Country", r.t("country"));
    x.end("Location");
}

fn properties(x: &mut Xml, props: &[&Rec]) {
    let mut groups: Vec<&str> = Vec::new();
    for p in props {
        let g = p.t("groupId");
        if !groups.contains(&g) {
            groups.push(g);
        }
    }
    for g in groups {
        x.start("Properties", &[("id", a(g))]);
        for p in props.iter().filter(|p| p.t("groupId") == g) {
            x.empty("Property", &[("key", a(p.t("key"))), ("value", a(p.t("value")))]);
        }
        x.end("Properties");
    }
}

/// What is left of a position after the change requests' cancellations.
fn remaining(p: &Rec) -> i64 {
    p.i("quantity").unwrap_or(0) - p.i("cancelledQuantity").unwrap_or(0)
}

pub fn render(conn: &Conn, ctx: &Ctx, order_id: i64) -> SendResult<Rendered> {
    let o = q::order(conn, order_id)?.ok_or_else(|| SendError(format!("OrderDO {order_id} no longer exists")))?;
    let supplier = ctx.supplier_ref.unwrap_or(0);
    // what change requests cancelled before the file was written is not ordered: a position's
    // quantity is what is left, a position with nothing left is not in the file
    let positions: Vec<Rec> = q::order_positions(conn, order_id)?
        .into_iter()
        .filter(|p| p.i("effectiveSupplierRef") == Some(supplier) && remaining(p) > 0)
        .collect();
    if positions.is_empty() {
        return Ok(Rendered::Cancel(format!("order {order_id} has no position (left) for supplier {supplier}: nothing to send")));
    }
    let addresses = q::order_addresses(conn, order_id)?;
    let charges = q::order_charges(conn, order_id)?;
    let props = q::order_properties(conn, order_id)?;

    let mut x = Xml::new();
    x.start(
        "storeOrder",
        &[
            ("xmlns", a("http://types.theberlinbakery.com/v1_0")),
            ("xmlns:ns2", a("http://types.theberlinbakery.com/customer/v1_0")),
            ("xmlns:ns3", a("http://types.theberlinbakery.com/as/v1_0")),
            ("xmlns:ns4", a("http://types.theberlinbakery.com/immaterialorderstate/v1_0")),
            ("xmlns:ns5", a("http://types.theberlinbakery.com/validatearticle/v1_0")),
            ("xmlns:ns6", a("http://types.theberlinbakery.com/v1_1")),
        ],
    );
    let message_id = o.o("messageId").unwrap_or_else(|| format!("{order_id}-{}", ctx.transmission_id));
    x.elem("MessageId", &message_id);
    x.elem("User", "");
    x.elem("Password", "");
    x.elem("Shop", o.t("shopName"));
    x.start("Order", &[]);
    // Customer
    x.start("Customer", &[("orderId", a(o.t("shopOrderNo")))]);
    if let Some(company) = o.s("customerCompanyName") {
        x.empty(
            "Company",
            &[("name", a(company)), ("department", o.s("customerCompanyDepartment").map(Into::into)), ("vatNo", o.s("customerVatNo").map(Into::into))],
        );
        x.empty(
            "ContactPerson",
            &[
                ("salutation", o.s("customerSalutation").map(Into::into)),
                ("title", o.s("customerTitle").map(Into::into)),
                ("firstName", o.s("customerFirstName").map(Into::into)),
                ("lastName", a(o.t("customerLastName"))),
            ],
        );
    } else {
        x.empty(
            "Person",
            &[
                ("salutation", o.s("customerSalutation").map(Into::into)),
                ("title", o.s("customerTitle").map(Into::into)),
                ("firstName", o.s("customerFirstName").map(Into::into)),
                ("lastName", a(o.t("customerLastName"))),
            ],
        );
    }
    if o.s("customerEmail").is_some() {
        x.empty(
            "Contact",
            &[
                ("email", a(o.t("customerEmail"))),
                ("telephone", o.s("customerTelephone").map(Into::into)),
                ("mobile", o.s("customerMobile").map(Into::into)),
                ("fax", o.s("customerFax").map(Into::into)),
            ],
        );
    }
    x.end("Customer");
    x.empty(
        "Shop",
        &[
            ("orderCreationDate", a(super::writer::date_time(o.t("orderCreationDate")))),
            ("customerId", o.s("shopCustomerNo").map(Into::into)),
            ("companyId", o.s("shopCompanyNo").map(Into::into)),
            ("orderId", a(o.t("shopOrderNo"))),
            ("invoiceId", o.s("shopInvoiceNo").map(Into::into)),
        ],
    );
    if o.i("isImmaterial") == Some(1) {
        x.start("Immaterial", &[]);
        x.elem("Email", o.t("immaterialEmail"));
        x.opt_elem("Telephone", o.s("immaterialTelephone"));
        x.opt_elem("Other", o.s("immaterialOther"));
        x.end("Immaterial");
    } else {
        x.opt_elem("Carrier", o.s("carrierName"));
        if let Some(d) = addresses.iter().find(|r| r.t("addressType") == "DELIVERY") {
            x.start("DeliveryAddress", &[]);
            address_body(&mut x, d);
            x.end("DeliveryAddress");
        }
    }
    for ad in addresses.iter().filter(|r| r.t("addressType") != "DELIVERY") {
        let ty = ad.o("typeName").unwrap_or_else(|| ad.t("addressType").to_string());
        x.start("Address", &[("type", a(ty))]);
        address_body(&mut x, ad);
        x.end("Address");
    }
    // Sales of the order
    if o.i("noSales") == Some(1) {
        x.elem("NoSales", "true");
    } else {
        x.start("Sales", &[("method", o.s("paymentMethod").map(Into::into)), ("currency", a(o.t("currency")))]);
        let sum = charges.iter().find(|c| c.t("kind") == "SUM");
        x.start("Sum", &[]);
        money(&mut x, "Net", sum.and_then(|c| c.i("net")).or(o.i("sumNet")));
        money(&mut x, "Gross", sum.and_then(|c| c.i("gross")).or(o.i("sumGross")));
        if let Some(c) = sum.filter(|c| c.i("tax").is_some()) {
            x.empty("Tax", &[("type", c.s("taxType").map(Into::into)), ("amount", a(decimal5(c.i("tax").unwrap_or(0))))]);
        }
        x.end("Sum");
        for c in charges.iter().filter(|c| c.t("kind") == "CHARGE") {
            x.start("Charge", &[("type", c.s("chargeType").map(Into::into))]);
            money(&mut x, "Net", c.i("net"));
            money(&mut x, "Gross", c.i("gross"));
            if c.i("tax").is_some() {
                x.empty("Tax", &[("type", c.s("taxType").map(Into::into)), ("amount", a(decimal5(c.i("tax").unwrap_or(0))))]);
            }
            x.end("Charge");
        }
        let total = charges.iter().find(|c| c.t("kind") == "TOTAL");
        x.start("Total", &[]);
        money(&mut x, "Net", total.and_then(|c| c.i("net")).or(o.i("totalNet")));
        money(&mut x, "Gross", total.and_then(|c| c.i("gross")).or(o.i("totalGross")));
        if let Some(c) = total.filter(|c| c.i("tax").is_some()) {
            x.empty("Tax", &[("type", c.s("taxType").map(Into::into)), ("amount", a(decimal5(c.i("tax").unwrap_or(0))))]);
        }
        x.end("Total");
        x.end("Sales");
    }
    x.opt_elem("Optimization", o.s("optimization"));
    if let Some(b) = o.b("splitShipmentAllowed") {
        x.elem("SplitShipmentAllowed", b);
    }
    for p in &positions {
        x.start("Position", &[("number", a(p.t("number")))]);
        x.empty(
            "Article",
            &[("name", a(p.t("articleName"))), ("articleId", a(p.t("articleId"))), ("ean", p.s("ean").map(Into::into)), ("isbn", p.s("isbn").map(Into::into))],
        );
        x.opt_elem("SelectedSupplier", p.s("selectedSupplier"));
        let left = remaining(p);
        let partly = left < p.i("quantity").unwrap_or(0);
        // a partly cancelled position's sums are its unit prices times what is left
        let sum = |col: &str, unit: &str| if partly { p.i(unit).map(|u| u * left).or(p.i(col)) } else { p.i(col) };
        let (sum_net, sum_gross) = (sum("sumNet", "unitNet"), sum("sumGross", "unitGross"));
        let sum_tax = if partly { sum_gross.zip(sum_net).map(|(g, n)| g - n).or(p.i("sumTax")) } else { p.i("sumTax") };
        x.empty("Ordered", &[("quantity", a(left.to_string())), ("deliveryDays", a(p.s("deliveryDays").unwrap_or("0")))]);
        x.start("Sales", &[]);
        x.start("Sum", &[]);
        money(&mut x, "Net", sum_net);
        money(&mut x, "Gross", sum_gross);
        if let Some(t) = sum_tax {
            x.empty("Tax", &[("type", p.s("taxTypeName").map(Into::into)), ("amount", a(decimal5(t)))]);
        }
        x.end("Sum");
        x.start("Unit", &[]);
        money(&mut x, "Net", p.i("unitNet"));
        money(&mut x, "Gross", p.i("unitGross"));
        x.end("Unit");
        x.end("Sales");
        if p.i("purchaseSumNet").is_some() || p.i("purchaseUnitNet").is_some() {
            x.start("Purchase", &[]);
            x.start("Sum", &[]);
            money(&mut x, "Net", sum("purchaseSumNet", "purchaseUnitNet"));
            x.end("Sum");
            x.start("Unit", &[]);
            money(&mut x, "Net", p.i("purchaseUnitNet"));
            x.end("Unit");
            x.end("Purchase");
        }
        let pid = p.t("id");
        let pprops: Vec<&Rec> = props.iter().filter(|r| r.s("positionRef") == Some(pid)).collect();
        properties(&mut x, &pprops);
        x.end("Position");
    }
    let oprops: Vec<&Rec> = props.iter().filter(|r| r.s("positionRef").is_none()).collect();
    properties(&mut x, &oprops);
    x.end("Order");
    x.end("storeOrder");
    Ok(Rendered::Doc(x.finish()))
}

/// storeOrder to the order's supplier (`SEND_ORDER`):
/// `sendOrder_<ShopID>_<SupplierID>_<yyyyMMddHHmmss>_<TransmissionID>.xml`.
pub struct StoreOrder;

impl Sender for StoreOrder {
    fn transmission_type(&self) -> &'static str {
        "SEND_ORDER"
    }
    fn receiver(&self) -> Receiver {
        Receiver::Supplier
    }
    fn file_name(&self, _: &Conn, ctx: &Ctx, stamp: &str) -> SendResult<String> {
        Ok(format!("sendOrder_{}_{}_{stamp}_{}.xml", ctx.shop_ref, ctx.supplier_ref.unwrap_or(0), ctx.transmission_id))
    }
    fn render(&self, conn: &Conn, due: &Due, ctx: &Ctx) -> SendResult<Rendered> {
        match due.order_ref {
            Some(id) if q::order(conn, id)?.is_some() => render(conn, ctx, id),
            other => Ok(gone("OrderDO", other)),
        }
    }
}
