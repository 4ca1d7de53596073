//! ImportXmlStoreOrderBean (`"TransformerBeanDefDO"` -10000, an impex project bean): order
//! intake from storeOrder files (root `storeOrder`, the OrderService-v1.0 format of the
//! reference's "Export Order for Order Placement") into `"OrderDO"`, `"OrderPositionDO"`,
//! `"OrderAddressDO"`, `"OrderChargeDO"` and `"OrderPropertyDO"`; the customer is found or
//! created in `"CustomerDO"` by shop and `Shop/@customerId`.
//!
//! - One order per file; the file is the record (record 1). Fields are named by path, e.g.
//!   `Order/Position[2]/Ordered/@quantity`.
//! - The shop order number is `Shop/@orderId`, else `Customer/@orderId`. A second file with the
//!   same shop order number for the shop is rejected as a duplicate (nothing imported).
//! - Amounts are decimals with up to 5 places. Sums, charges, totals and taxes must be whole
//!   minor units (cents): `57.12000` is 5712, `57.12300` is an error. Unit prices
//!   (`Sales/Unit`, `Purchase/Unit`) are rounded half to even to minor units and kept exactly
//!   in the `*Decimal` text columns (the reference example has `0.03808`).
//! - The file is read into a typed [`NewOrder`] (all checks of its content); the order intake
//!   ([`crate::order::writer`]) writes it, resolving carrier, payment method and tax types.
//! - `Password` and `User` are read but never stored. `Shop` (the shop system's name) is not
//!   checked; the shop is the process's SHOP_ID.
use crate::db::Conn;
use crate::model::order::{Address, At, Immaterial, NewOrder, Party, Position, Price, Property, Tax};

use super::open_positions::checked_shop;
use crate::order::writer as order_intake;
use super::values::{decimal_to_minor, Rounding};
use super::xml_input::{Node, XmlInput};
use super::{ConfigError, Ctx, ImportError, Params, Transformer};

/// Elements per file at most (a storeOrder is one order).
const MAX_NODES: usize = 200_000;

pub fn build(conn: &Conn, params: &Params) -> Result<Box<dyn Transformer>, ConfigError> {
    Ok(Box::new(StoreOrder { shop: checked_shop(conn, params)? }))
}

struct StoreOrder {
    shop: i64,
}

fn err(node: &Node, field: impl Into<String>, reason: impl Into<String>) -> ImportError {
    ImportError::at(1, node.line(), field, reason)
}

/// Fails on children not in `allowed`.
fn check(node: &Node, path: &str, allowed: &[&str]) -> Result<(), ImportError> {
    for c in &node.children {
        if !allowed.iter().any(|a| a.eq_ignore_ascii_case(c.name())) {
            return Err(err(
                c,
                format!("{path}/{}", c.name()),
                format!("unknown element <{}> in <{}> (known: {})", c.name(), node.name(), allowed.join(", ")),
            ));
        }
    }
    if !node.children.is_empty() && node.value().is_some() {
        return Err(err(node, path, format!("unexpected text in <{}>", node.name())));
    }
    Ok(())
}

fn req<'a>(node: &'a Node, path: &str, name: &str) -> Result<&'a Node, ImportError> {
    node.child(name).ok_or_else(|| err(node, format!("{path}/{name}"), format!("mandatory element <{name}> is missing in <{}>", node.name())))
}

fn req_attr(node: &Node, path: &str, name: &str) -> Result<String, ImportError> {
    match node.attr(name).map(str::trim) {
        Some(v) if !v.is_empty() => Ok(v.to_string()),
        Some(_) => Err(err(node, format!("{path}/@{name}"), "mandatory attribute is empty")),
        None => Err(err(node, format!("{path}/@{name}"), format!("mandatory attribute {name} is missing"))),
    }
}

fn opt_attr(node: Option<&Node>, name: &str) -> Option<String> {
    match node.and_then(|n| n.attr(name)).map(str::trim) {
        Some(v) if !v.is_empty() => Some(v.to_string()),
        _ => None,
    }
}

fn text_of(node: Option<&Node>) -> Option<String> {
    node.and_then(|n| n.value())
}

fn at(node: &Node, field: impl Into<String>) -> At {
    At { line: node.line(), field: field.into() }
}

fn amount(node: &Node, path: &str, rounding: Rounding) -> Result<Option<i64>, ImportError> {
    match node.attr("amount").map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => decimal_to_minor(v, rounding).map(Some).map_err(|r| err(node, format!("{path}/@amount"), r)),
    }
}

fn boolean(node: &Node, path: &str) -> Result<bool, ImportError> {
    match node.value().unwrap_or_default().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        other => Err(err(node, path, format!("`{other}` is not a boolean (true or false)"))),
    }
}

fn integer(node: &Node, path: &str, name: &str) -> Result<i64, ImportError> {
    let v = req_attr(node, path, name)?;
    v.parse().map_err(|_| err(node, format!("{path}/@{name}"), format!("`{v}` is not an integer")))
}

fn price(node: &Node, path: &str, rounding: Rounding) -> Result<Price, ImportError> {
    check(node, path, &["Net", "Gross", "Tax"])?;
    let net = match node.child("Net") {
        Some(n) => amount(n, &format!("{path}/Net"), rounding)?,
        None => None,
    };
    let gross = match node.child("Gross") {
        Some(n) => amount(n, &format!("{path}/Gross"), rounding)?,
        None => None,
    };
    let mut taxes = Vec::new();
    for (i, t) in node.all("Tax").enumerate() {
        let tp = format!("{path}/Tax[{}]", i + 1);
        let ty = t.attr("type").unwrap_or("").trim().to_string();
        let amount = amount(t, &tp, Rounding::Exact)?.unwrap_or(0);
        taxes.push(Tax { ty, amount });
    }
    Ok(Price { net, gross, taxes })
}

/// Person / Company / ContactPerson / Contact of a customer or receiver.
fn party(node: &Node, contact: Option<&Node>) -> Party {
    let person = node.child("Person").or_else(|| node.child("ContactPerson"));
    let company = node.child("Company");
    Party {
        company: opt_attr(company, "name").or_else(|| text_of(node.child("CompanyName"))),
        department: opt_attr(company, "department"),
        vat_no: opt_attr(company, "vatNo"),
        salutation: opt_attr(person, "salutation"),
        title: opt_attr(person, "title"),
        first_name: opt_attr(person, "firstName"),
        last_name: opt_attr(person, "lastName"),
        email: opt_attr(contact, "email"),
        telephone: opt_attr(contact, "telephone"),
        mobile: opt_attr(contact, "mobile"),
        fax: opt_attr(contact, "fax"),
    }
}

fn check_party_parts(node: &Node, path: &str) -> Result<(), ImportError> {
    if let Some(p) = node.child("Person") {
        req_attr(p, &format!("{path}/Person"), "lastName")?;
    }
    if let Some(c) = node.child("Company") {
        req_attr(c, &format!("{path}/Company"), "name")?;
    }
    if let Some(c) = node.child("ContactPerson") {
        req_attr(c, &format!("{path}/ContactPerson"), "lastName")?;
    }
    Ok(())
}

fn order_date(node: &Node, path: &str) -> Result<String, ImportError> {
    let v = req_attr(node, path, "orderCreationDate")?;
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(&v) {
        return Ok(crate::time::format(t.with_timezone(&chrono::Utc)));
    }
    for f in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(n) = chrono::NaiveDateTime::parse_from_str(&v, f) {
            return Ok(crate::time::format(n.and_utc()));
        }
    }
    Err(err(node, format!("{path}/@orderCreationDate"), format!("`{v}` is not an xs:dateTime (e.g. 2015-09-17T14:22:59.462+02:00)")))
}

impl Transformer for StoreOrder {
    fn import(&self, ctx: &mut Ctx<'_>, file: &std::path::Path) -> Result<u64, ImportError> {
        let mut x = XmlInput::open(file)?;
        let root = x.root()?;
        if root.name != "storeOrder" {
            return Err(ImportError {
                line: Some(root.line),
                ..ImportError::file(format!("wrong root element <{}>: ImportXmlStoreOrderBean expects <storeOrder>", root.name))
            });
        }
        let doc = x.tree(root, MAX_NODES)?;
        x.finish()?;
        ctx.progress(x.position(), 0);
        check(&doc, "storeOrder", &["MessageId", "User", "Password", "Shop", "Order"])?;
        let orders: Vec<&Node> = doc.all("Order").collect();
        let order = match orders.as_slice() {
            [o] => *o,
            [] => return Err(err(&doc, "storeOrder/Order", "mandatory element <Order> is missing")),
            [_, second, ..] => return Err(err(second, "storeOrder/Order", "only one <Order> per storeOrder file")),
        };
        let new_order = parse_order(&doc, order)?;
        order_intake::write(ctx.tx, self.shop, &new_order)?;
        ctx.progress(x.position(), 1);
        Ok(1)
    }
}


/// Reads and checks the `<Order>` of a storeOrder document.
fn parse_order(doc: &Node, o: &Node) -> Result<NewOrder, ImportError> {
    let p = "Order";
    check(
        o,
        p,
        &[
            "Customer", "Shop", "Immaterial", "Carrier", "DeliveryAddress", "Address", "Sales", "NoSales", "Optimization",
            "SplitShipmentAllowed", "Position", "Properties",
        ],
    )?;
    // customer
    let customer = req(o, p, "Customer")?;
    check(customer, "Order/Customer", &["Contact", "Person", "Company", "ContactPerson"])?;
    check_party_parts(customer, "Order/Customer")?;
    let customer_order_id = req_attr(customer, "Order/Customer", "orderId")?;
    let shop_el = req(o, p, "Shop")?;
    check(shop_el, "Order/Shop", &[])?;
    let created = order_date(shop_el, "Order/Shop")?;
    let order_no = match shop_el.attr("orderId").map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) if s != customer_order_id => {
            return Err(err(shop_el, "Order/Shop/@orderId", format!("`{s}` differs from Customer/@orderId `{customer_order_id}`")))
        }
        Some(s) => s.to_string(),
        None => customer_order_id.clone(),
    };
    let contact = customer.child("Contact");
    if let Some(c) = contact {
        req_attr(c, "Order/Customer/Contact", "email")?;
    }
    let customer_no = shop_el.attr("customerId").map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    // delivery: physical or immaterial
    let immaterial = o.child("Immaterial");
    let delivery = o.child("DeliveryAddress");
    if immaterial.is_none() && delivery.is_none() {
        return Err(err(o, "Order/DeliveryAddress", "either <DeliveryAddress> or <Immaterial> is required"));
    }
    if let Some(i) = immaterial {
        check(i, "Order/Immaterial", &["Email", "Telephone", "Other"])?;
        req(i, "Order/Immaterial", "Email")?.value().ok_or_else(|| err(i, "Order/Immaterial/Email", "mandatory element is empty"))?;
    }
    let carrier = o.child("Carrier").and_then(|c| c.value().map(|v| (v, at(c, "Order/Carrier"))));
    // sales
    let (method, currency, sum, charges, total) = match o.child("Sales") {
        None => (None, None, None, Vec::new(), None),
        Some(s) => {
            check(s, "Order/Sales", &["Sum", "Charge", "Total"])?;
            let sum = s.child("Sum").map(|n| price(n, "Order/Sales/Sum", Rounding::Exact)).transpose()?;
            let mut charges = Vec::new();
            for (i, c) in s.all("Charge").enumerate() {
                let ty = c.attr("type").map(str::to_string);
                charges.push((ty, price(c, &format!("Order/Sales/Charge[{}]", i + 1), Rounding::Exact)?));
            }
            let total = s.child("Total").map(|n| price(n, "Order/Sales/Total", Rounding::Exact)).transpose()?;
            let currency = s.attr("currency").map(str::trim).filter(|c| !c.is_empty()).map(str::to_string);
            if let Some(c) = &currency {
                if c.len() != 3 || !c.bytes().all(|b| b.is_ascii_alphabetic()) {
                    return Err(err(s, "Order/Sales/@currency", format!("`{c}` is not a 3-letter currency code")));
                }
            }
            (opt_attr(Some(s), "method"), currency, sum, charges, total)
        }
    };
    let split = match o.child("SplitShipmentAllowed") {
        Some(n) => Some(boolean(n, "Order/SplitShipmentAllowed")?),
        None => None,
    };
    let no_sales = match o.child("NoSales") {
        Some(n) => n.value().map(|v| !v.eq_ignore_ascii_case("false") && v != "0").unwrap_or(true),
        None => false,
    };
    let position_nodes: Vec<&Node> = o.all("Position").collect();
    if position_nodes.is_empty() {
        return Err(err(o, "Order/Position", "at least one <Position> is required"));
    }
    // addresses
    let mut addresses = Vec::new();
    if let Some(d) = delivery {
        addresses.push(address(d, "Order/DeliveryAddress", "DELIVERY", None)?);
    }
    for (i, a) in o.all("Address").enumerate() {
        let ty = a.attr("type").map(str::trim).unwrap_or("").to_string();
        let kind = match ty.to_ascii_uppercase().as_str() {
            "BILLING" | "INVOICE" => "BILLING",
            "DELIVERY" | "SHIPPING" => "DELIVERY",
            _ => "OTHER",
        };
        addresses.push(address(a, &format!("Order/Address[{}]", i + 1), kind, Some(ty))?);
    }
    let mut numbers = std::collections::HashSet::new();
    let mut positions = Vec::new();
    for (i, pos) in position_nodes.iter().enumerate() {
        positions.push(position(pos, &format!("Order/Position[{}]", i + 1), &mut numbers)?);
    }
    let mut properties = Vec::new();
    for (i, props) in o.all("Properties").enumerate() {
        properties.extend(property_group(props, &format!("Order/Properties[{}]", i + 1))?);
    }
    Ok(NewOrder {
        shop_order_no: order_no,
        shop_order_no_at: at(shop_el, "Order/Shop/@orderId"),
        customer_no,
        b2b: customer.child("Company").is_some(),
        customer: party(customer, contact),
        company_no: opt_attr(Some(shop_el), "companyId"),
        invoice_no: opt_attr(Some(shop_el), "invoiceId"),
        created,
        message_id: text_of(doc.child("MessageId")),
        payment_method: method,
        currency,
        carrier,
        no_sales,
        optimization: text_of(o.child("Optimization")),
        split_shipment_allowed: split,
        immaterial: immaterial.map(|i| Immaterial {
            email: text_of(i.child("Email")),
            telephone: text_of(i.child("Telephone")),
            other: text_of(i.child("Other")),
        }),
        sum,
        charges,
        total,
        addresses,
        positions,
        properties,
        // as before the order service: the order waits for "readyForSupplier"
        release: false,
        reservation: None,
        at: at(o, "Order"),
    })
}

fn address(a: &Node, path: &str, kind: &'static str, type_name: Option<String>) -> Result<Address, ImportError> {
    check(a, path, &["Receiver", "Contact", "Location"])?;
    let receiver = req(a, path, "Receiver")?;
    let rp = format!("{path}/Receiver");
    check(receiver, &rp, &["Person", "Company", "CompanyName", "ContactPerson"])?;
    check_party_parts(receiver, &rp)?;
    let party = party(receiver, a.child("Contact"));
    let loc = req(a, path, "Location")?;
    let lp = format!("{path}/Location");
    check(loc, &lp, &["City", "PostCode", "District", "Street", "POBox", "Packstation", "Addition", "Country", "State"])?;
    let mandatory = |name: &str| -> Result<String, ImportError> {
        let n = req(loc, &lp, name)?;
        n.value().ok_or_else(|| err(n, format!("{lp}/{name}"), "mandatory element is empty"))
    };
    let city = mandatory("City")?;
    let post_code = mandatory("PostCode")?;
    let country = mandatory("Country")?;
    if loc.child("Street").is_none() && loc.child("POBox").is_none() && loc.child("Packstation").is_none() {
        return Err(err(loc, format!("{lp}/Street"), "one of <Street>, <POBox> or <Packstation> is required"));
    }
    let additions: Vec<&Node> = loc.all("Addition").collect();
    if additions.len() > 2 {
        return Err(err(additions[2], format!("{lp}/Addition"), "at most 2 <Addition> elements are allowed"));
    }
    Ok(Address {
        kind,
        type_name,
        receiver: party,
        street: text_of(loc.child("Street")),
        house_number: None,
        po_box: text_of(loc.child("POBox")),
        packstation: text_of(loc.child("Packstation")),
        addition1: text_of(additions.first().copied()),
        addition2: text_of(additions.get(1).copied()),
        district: text_of(loc.child("District")),
        city,
        post_code,
        state: text_of(loc.child("State")),
        country,
    })
}

fn position(pos: &Node, pp: &str, numbers: &mut std::collections::HashSet<i64>) -> Result<Position, ImportError> {
    check(pos, pp, &["Article", "SelectedSupplier", "Ordered", "DeliveryOption", "Standard", "Sales", "Purchase", "Properties"])?;
    let number = integer(pos, pp, "number")?;
    if number < 1 || !numbers.insert(number) {
        return Err(err(pos, format!("{pp}/@number"), format!("position number {number} is not positive or given twice")));
    }
    let art = req(pos, pp, "Article")?;
    let ap = format!("{pp}/Article");
    check(art, &ap, &[])?;
    let article_name = req_attr(art, &ap, "name")?;
    let article_id = req_attr(art, &ap, "articleId")?;
    let ordered = req(pos, pp, "Ordered")?;
    let op = format!("{pp}/Ordered");
    check(ordered, &op, &[])?;
    let quantity = integer(ordered, &op, "quantity")?;
    if quantity <= 0 {
        return Err(err(ordered, format!("{op}/@quantity"), format!("quantity {quantity} must be positive")));
    }
    let delivery_days = integer(ordered, &op, "deliveryDays")?;
    let (mut sum, mut unit, mut unit_dec) = (None, None, (None, None));
    if let Some(s) = pos.child("Sales") {
        let sp = format!("{pp}/Sales");
        check(s, &sp, &["Sum", "Unit"])?;
        sum = s.child("Sum").map(|n| price(n, &format!("{sp}/Sum"), Rounding::Exact)).transpose()?;
        if let Some(u) = s.child("Unit") {
            unit = Some(price(u, &format!("{sp}/Unit"), Rounding::HalfEven)?);
            unit_dec = (opt_attr(u.child("Net"), "amount"), opt_attr(u.child("Gross"), "amount"));
        }
    }
    let (mut purchase_sum, mut purchase_unit, mut purchase_unit_dec) = (None, None, None);
    if let Some(pu) = pos.child("Purchase") {
        let pup = format!("{pp}/Purchase");
        check(pu, &pup, &["Sum", "Unit"])?;
        if let Some(n) = pu.child("Sum") {
            purchase_sum = price(n, &format!("{pup}/Sum"), Rounding::Exact)?.net;
        }
        if let Some(n) = pu.child("Unit") {
            purchase_unit = price(n, &format!("{pup}/Unit"), Rounding::HalfEven)?.net;
            purchase_unit_dec = opt_attr(n.child("Net"), "amount");
        }
    }
    let mut delivery_options = Vec::new();
    for (i, d) in pos.all("DeliveryOption").enumerate() {
        delivery_options.push(req_attr(d, &format!("{pp}/DeliveryOption[{}]", i + 1), "name")?);
    }
    if pos.child("Standard").is_some() {
        delivery_options.push("Standard".into());
    }
    let mut properties = Vec::new();
    for (i, props) in pos.all("Properties").enumerate() {
        properties.extend(property_group(props, &format!("{pp}/Properties[{}]", i + 1))?);
    }
    Ok(Position {
        number,
        ean: opt_attr(Some(art), "ean"),
        isbn: opt_attr(Some(art), "isbn"),
        article_id,
        article_name,
        quantity,
        delivery_days,
        selected_supplier: text_of(pos.child("SelectedSupplier")),
        sum,
        unit,
        unit_net_decimal: unit_dec.0,
        unit_gross_decimal: unit_dec.1,
        purchase_sum_net: purchase_sum,
        purchase_unit_net: purchase_unit,
        purchase_unit_net_decimal: purchase_unit_dec,
        delivery_options,
        properties,
        supplier: None,
        at: at(pos, pp),
    })
}

fn property_group(props: &Node, path: &str) -> Result<Vec<Property>, ImportError> {
    check(props, path, &["Property"])?;
    let group = req_attr(props, path, "id")?;
    let mut out = Vec::new();
    for (i, p) in props.all("Property").enumerate() {
        let pp = format!("{path}/Property[{}]", i + 1);
        let key = req_attr(p, &pp, "key")?;
        let value = p.attr("value").ok_or_else(|| err(p, format!("{pp}/@value"), "mandatory attribute value is missing"))?;
        out.push(Property { group: group.clone(), key, value: value.to_string() });
    }
    Ok(out)
}
