//! ImportXmlStoreOrderBean (`"TransformerBeanDefDO"` 10000, an impex project bean): order
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
//! - `Password` and `User` are read but never stored. `Shop` (the shop system's name) is not
//!   checked; the shop is the process's SHOP_ID.
use crate::db::Conn;
use crate::db::Value;

use super::open_positions::checked_shop;
use super::values::{decimal_to_minor, Rounding};
use super::xml_input::{Node, XmlInput};
use super::{ConfigError, Ctx, ImportError, Params, Transformer};
use crate::db::queries::import as q;

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

fn opt_attr(node: Option<&Node>, name: &str) -> Value {
    match node.and_then(|n| n.attr(name)).map(str::trim) {
        Some(v) if !v.is_empty() => Value::Text(v.to_string()),
        _ => Value::Null,
    }
}

fn text_of(node: Option<&Node>) -> Value {
    match node.and_then(|n| n.value()) {
        Some(v) => Value::Text(v),
        None => Value::Null,
    }
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

/// A tax of a price block: type as sent, amount, `"TaxTypeDefDO"` id, line.
type Tax = (String, i64, Option<i64>, u64);

/// A price block (`Sum`, `Charge`, `Total`, `Unit`): net, gross and its taxes.
struct Price {
    net: Option<i64>,
    gross: Option<i64>,
    taxes: Vec<Tax>,
}

fn tax_type(conn: &Conn, name: &str) -> Result<Option<i64>, ImportError> {
    if let Some(id) = q::tax_type_by_name(conn, name)? {
        return Ok(Some(id));
    }
    let alias = match name.to_ascii_uppercase().as_str() {
        "NO_TAX" => "NoTax",
        "LOW_TAX" | "REDUCED_TAX" => "ReducedTax",
        "NORMAL_TAX" | "FULL_TAX" => "FullTax",
        _ => return Ok(None),
    };
    Ok(q::tax_type_by_name(conn, alias)?)
}

fn price(conn: &Conn, node: &Node, path: &str, rounding: Rounding) -> Result<Price, ImportError> {
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
        let a = amount(t, &tp, Rounding::Exact)?.unwrap_or(0);
        let id = if ty.is_empty() { None } else { tax_type(conn, &ty)? };
        taxes.push((ty, a, id, t.line()));
    }
    Ok(Price { net, gross, taxes })
}

/// Person / Company / ContactPerson / Contact of a customer or receiver as columns.
struct Party {
    company: Value,
    department: Value,
    vat_no: Value,
    salutation: Value,
    title: Value,
    first_name: Value,
    last_name: Value,
    email: Value,
    telephone: Value,
    mobile: Value,
    fax: Value,
}

fn party(node: &Node, contact: Option<&Node>) -> Party {
    let person = node.child("Person").or_else(|| node.child("ContactPerson"));
    let company = node.child("Company");
    let company_name = match opt_attr(company, "name") {
        Value::Null => text_of(node.child("CompanyName")),
        v => v,
    };
    Party {
        company: company_name,
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
    fn import(&self, ctx: &mut Ctx<'_>, mut x: XmlInput) -> Result<u64, ImportError> {
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
        self.order(ctx, &doc, order)?;
        ctx.progress(x.position(), 1);
        Ok(1)
    }
}

impl StoreOrder {
    fn order(&self, ctx: &mut Ctx<'_>, doc: &Node, o: &Node) -> Result<(), ImportError> {
        let tx = ctx.tx;
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
                return Err(err(
                    shop_el,
                    "Order/Shop/@orderId",
                    format!("`{s}` differs from Customer/@orderId `{customer_order_id}`"),
                ))
            }
            Some(s) => s.to_string(),
            None => customer_order_id.clone(),
        };
        if let Some((id, when)) = q::order_by_shop_no(tx, self.shop, &order_no)? {
            return Err(err(
                shop_el,
                "Order/Shop/@orderId",
                format!(
                    "duplicate: order `{order_no}` of shop {} already exists (\"OrderDO\" id {id}, created {when}); the file is not imported again",
                    self.shop
                ),
            ));
        }
        let contact = customer.child("Contact");
        if let Some(c) = contact {
            req_attr(c, "Order/Customer/Contact", "email")?;
        }
        let cp = party(customer, contact);
        let is_b2b = customer.child("Company").is_some();
        let customer_no = shop_el.attr("customerId").map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        let customer_ref = match &customer_no {
            None => Value::Null,
            Some(no) => match q::customer_by_no(tx, self.shop, no)? {
                Some(id) => Value::Integer(id),
                None => Value::Integer(q::insert_row(
                    tx,
                    "CustomerDO",
                    &[
                        ("shopRef", Value::Integer(self.shop)),
                        ("shopCustomerNo", Value::Text(no.clone())),
                        ("customerType", Value::Text(if is_b2b { "b2b" } else { "b2c" }.into())),
                        ("isNewCustomer", Value::Integer(1)),
                        ("companyName", cp.company.clone()),
                        ("salutation", cp.salutation.clone()),
                        ("title", cp.title.clone()),
                        ("firstName", cp.first_name.clone()),
                        ("lastName", cp.last_name.clone()),
                        ("eMail", cp.email.clone()),
                        ("phone1", cp.telephone.clone()),
                        ("mobilePhone", cp.mobile.clone()),
                        ("fax", cp.fax.clone()),
                    ],
                )?),
            },
        };
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
        let carrier_ref = match o.child("Carrier").and_then(|c| c.value().map(|v| (c, v))) {
            None => Value::Null,
            Some((c, name)) => {
                let id = q::carrier_by_name_or_id(tx, &name).ok().flatten();
                match id {
                    Some(id) => Value::Integer(id),
                    None => return Err(err(c, "Order/Carrier", format!("no carrier `{name}` (\"CarrierDO\" name or id)"))),
                }
            }
        };
        // sales
        let sales = o.child("Sales");
        let (method, currency, sum, charges, total) = match sales {
            None => (Value::Null, None, None, Vec::new(), None),
            Some(s) => {
                check(s, "Order/Sales", &["Sum", "Charge", "Total"])?;
                let sum = s.child("Sum").map(|n| price(tx, n, "Order/Sales/Sum", Rounding::Exact)).transpose()?;
                let mut charges = Vec::new();
                for (i, c) in s.all("Charge").enumerate() {
                    let ty = c.attr("type").map(str::to_string);
                    charges.push((ty, price(tx, c, &format!("Order/Sales/Charge[{}]", i + 1), Rounding::Exact)?));
                }
                let total = s.child("Total").map(|n| price(tx, n, "Order/Sales/Total", Rounding::Exact)).transpose()?;
                let currency = s.attr("currency").map(str::trim).filter(|c| !c.is_empty()).map(str::to_string);
                if let Some(c) = &currency {
                    if c.len() != 3 || !c.bytes().all(|b| b.is_ascii_alphabetic()) {
                        return Err(err(s, "Order/Sales/@currency", format!("`{c}` is not a 3-letter currency code")));
                    }
                }
                (opt_attr(Some(s), "method"), currency, sum, charges, total)
            }
        };
        let payment_def = match &method {
            Value::Text(m) => q::payment_def_by_name(tx, m)?.map(Value::Integer).unwrap_or(Value::Null),
            _ => Value::Null,
        };
        let currency = match currency {
            Some(c) => c.to_ascii_uppercase(),
            None => q::shop_default_currency(tx, self.shop)?,
        };
        let split = match o.child("SplitShipmentAllowed") {
            Some(n) => Value::Integer(boolean(n, "Order/SplitShipmentAllowed")? as i64),
            None => Value::Null,
        };
        let no_sales = match o.child("NoSales") {
            Some(n) => n.value().map(|v| !v.eq_ignore_ascii_case("false") && v != "0").unwrap_or(true),
            None => false,
        };
        let positions: Vec<&Node> = o.all("Position").collect();
        if positions.is_empty() {
            return Err(err(o, "Order/Position", "at least one <Position> is required"));
        }
        let order_id = q::insert_row(
            tx,
            "OrderDO",
            &[
                ("shopRef", Value::Integer(self.shop)),
                ("shopOrderNo", Value::Text(order_no.clone())),
                ("shopCustomerNo", customer_no.clone().map(Value::Text).unwrap_or(Value::Null)),
                ("shopCompanyNo", opt_attr(Some(shop_el), "companyId")),
                ("shopInvoiceNo", opt_attr(Some(shop_el), "invoiceId")),
                ("customerRef", customer_ref),
                ("carrierRef", carrier_ref),
                ("orderCreationDate", Value::Text(created)),
                ("messageId", text_of(doc.child("MessageId"))),
                ("paymentDefRef", payment_def),
                ("paymentMethod", method),
                ("currency", Value::Text(currency)),
                ("noSales", Value::Integer(no_sales as i64)),
                ("optimization", text_of(o.child("Optimization"))),
                ("splitShipmentAllowed", split),
                ("isImmaterial", Value::Integer(immaterial.is_some() as i64)),
                ("immaterialEmail", text_of(immaterial.and_then(|i| i.child("Email")))),
                ("immaterialTelephone", text_of(immaterial.and_then(|i| i.child("Telephone")))),
                ("immaterialOther", text_of(immaterial.and_then(|i| i.child("Other")))),
                ("customerCompanyName", cp.company),
                ("customerCompanyDepartment", cp.department),
                ("customerVatNo", cp.vat_no),
                ("customerSalutation", cp.salutation),
                ("customerTitle", cp.title),
                ("customerFirstName", cp.first_name),
                ("customerLastName", cp.last_name),
                ("customerEmail", cp.email),
                ("customerTelephone", cp.telephone),
                ("customerMobile", cp.mobile),
                ("customerFax", cp.fax),
                ("sumNet", sum.as_ref().and_then(|s| s.net).map(Value::Integer).unwrap_or(Value::Null)),
                ("sumGross", sum.as_ref().and_then(|s| s.gross).map(Value::Integer).unwrap_or(Value::Null)),
                ("totalNet", total.as_ref().and_then(|s| s.net).map(Value::Integer).unwrap_or(Value::Null)),
                ("totalGross", total.as_ref().and_then(|s| s.gross).map(Value::Integer).unwrap_or(Value::Null)),
            ],
        )
        .map_err(|e| err(o, "Order", format!("database: {e}")))?;
        // addresses
        if let Some(d) = delivery {
            self.address(tx, order_id, d, "Order/DeliveryAddress", "DELIVERY", None)?;
        }
        for (i, a) in o.all("Address").enumerate() {
            let ty = a.attr("type").map(str::trim).unwrap_or("").to_string();
            let kind = match ty.to_ascii_uppercase().as_str() {
                "BILLING" | "INVOICE" => "BILLING",
                "DELIVERY" | "SHIPPING" => "DELIVERY",
                _ => "OTHER",
            };
            self.address(tx, order_id, a, &format!("Order/Address[{}]", i + 1), kind, Some(ty))?;
        }
        // charges
        let mut charge_rows: Vec<(&str, Option<String>, &Price)> = Vec::new();
        if let Some(s) = &sum {
            charge_rows.push(("SUM", None, s));
        }
        for (ty, c) in &charges {
            charge_rows.push(("CHARGE", ty.clone(), c));
        }
        if let Some(t) = &total {
            charge_rows.push(("TOTAL", None, t));
        }
        for (kind, ty, pr) in charge_rows {
            let mut first = true;
            let taxes: Vec<Option<&Tax>> =
                if pr.taxes.is_empty() { vec![None] } else { pr.taxes.iter().map(Some).collect() };
            for tax in taxes {
                q::insert_row(
                    tx,
                    "OrderChargeDO",
                    &[
                        ("orderRef", Value::Integer(order_id)),
                        ("kind", Value::Text(kind.into())),
                        ("chargeType", ty.clone().map(Value::Text).unwrap_or(Value::Null)),
                        ("net", if first { pr.net.map(Value::Integer).unwrap_or(Value::Null) } else { Value::Null }),
                        ("gross", if first { pr.gross.map(Value::Integer).unwrap_or(Value::Null) } else { Value::Null }),
                        ("taxType", tax.map(|t| Value::Text(t.0.clone())).unwrap_or(Value::Null)),
                        ("tax", tax.map(|t| Value::Integer(t.1)).unwrap_or(Value::Null)),
                    ],
                )?;
                first = false;
            }
        }
        // positions
        let mut numbers = std::collections::HashSet::new();
        for (i, pos) in positions.iter().enumerate() {
            let pp = format!("Order/Position[{}]", i + 1);
            self.position(tx, order_id, pos, &pp, &mut numbers)?;
        }
        // order properties
        for (i, props) in o.all("Properties").enumerate() {
            self.properties(tx, order_id, None, props, &format!("Order/Properties[{}]", i + 1))?;
        }
        Ok(())
    }

    fn address(&self, tx: &Conn, order_id: i64, a: &Node, path: &str, kind: &str, type_name: Option<String>) -> Result<(), ImportError> {
        check(a, path, &["Receiver", "Contact", "Location"])?;
        let receiver = req(a, path, "Receiver")?;
        let rp = format!("{path}/Receiver");
        check(receiver, &rp, &["Person", "Company", "CompanyName", "ContactPerson"])?;
        check_party_parts(receiver, &rp)?;
        let contact = a.child("Contact");
        let party = party(receiver, contact);
        let loc = req(a, path, "Location")?;
        let lp = format!("{path}/Location");
        check(loc, &lp, &["City", "PostCode", "District", "Street", "POBox", "Packstation", "Addition", "Country", "State"])?;
        let mandatory = |name: &str| -> Result<Value, ImportError> {
            let n = req(loc, &lp, name)?;
            n.value().map(Value::Text).ok_or_else(|| err(n, format!("{lp}/{name}"), "mandatory element is empty"))
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
        q::insert_row(
            tx,
            "OrderAddressDO",
            &[
                ("orderRef", Value::Integer(order_id)),
                ("addressType", Value::Text(kind.into())),
                ("typeName", type_name.filter(|t| !t.is_empty()).map(Value::Text).unwrap_or(Value::Null)),
                ("companyName", party.company),
                ("salutation", party.salutation),
                ("title", party.title),
                ("firstName", party.first_name),
                ("lastName", party.last_name),
                ("email", party.email),
                ("telephone", party.telephone),
                ("mobile", party.mobile),
                ("fax", party.fax),
                ("street", text_of(loc.child("Street"))),
                ("poBox", text_of(loc.child("POBox"))),
                ("packstation", text_of(loc.child("Packstation"))),
                ("addition1", text_of(additions.first().copied())),
                ("addition2", text_of(additions.get(1).copied())),
                ("district", text_of(loc.child("District"))),
                ("city", city),
                ("postCode", post_code),
                ("state", text_of(loc.child("State"))),
                ("country", country),
            ],
        )?;
        Ok(())
    }

    fn position(&self, tx: &Conn, order_id: i64, pos: &Node, pp: &str, numbers: &mut std::collections::HashSet<i64>) -> Result<(), ImportError> {
        check(
            pos,
            pp,
            &["Article", "SelectedSupplier", "Ordered", "DeliveryOption", "Standard", "Sales", "Purchase", "Properties"],
        )?;
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
        let mut sum = None;
        let mut unit = None;
        let mut unit_dec = (Value::Null, Value::Null);
        if let Some(s) = pos.child("Sales") {
            let sp = format!("{pp}/Sales");
            check(s, &sp, &["Sum", "Unit"])?;
            sum = s.child("Sum").map(|n| price(tx, n, &format!("{sp}/Sum"), Rounding::Exact)).transpose()?;
            if let Some(u) = s.child("Unit") {
                unit = Some(price(tx, u, &format!("{sp}/Unit"), Rounding::HalfEven)?);
                unit_dec = (opt_attr(u.child("Net"), "amount"), opt_attr(u.child("Gross"), "amount"));
            }
        }
        let mut purchase_sum = None;
        let mut purchase_unit = None;
        let mut purchase_unit_dec = Value::Null;
        if let Some(pu) = pos.child("Purchase") {
            let pup = format!("{pp}/Purchase");
            check(pu, &pup, &["Sum", "Unit"])?;
            if let Some(n) = pu.child("Sum") {
                purchase_sum = price(tx, n, &format!("{pup}/Sum"), Rounding::Exact)?.net;
            }
            if let Some(n) = pu.child("Unit") {
                purchase_unit = price(tx, n, &format!("{pup}/Unit"), Rounding::HalfEven)?.net;
                purchase_unit_dec = opt_attr(n.child("Net"), "amount");
            }
        }
        let sum_tax: Option<i64> = sum.as_ref().filter(|s| !s.taxes.is_empty()).map(|s| s.taxes.iter().map(|t| t.1).sum());
        let tax_type_ref = sum.as_ref().and_then(|s| s.taxes.first()).and_then(|t| t.2);
        let int = |v: Option<i64>| v.map(Value::Integer).unwrap_or(Value::Null);
        let position_id = q::insert_row(
            tx,
            "OrderPositionDO",
            &[
                ("orderRef", Value::Integer(order_id)),
                ("number", Value::Integer(number)),
                ("articleId", Value::Text(article_id.clone())),
                ("articleName", Value::Text(article_name)),
                ("supplierArticleNo", Value::Text(article_id)),
                ("ean", opt_attr(Some(art), "ean")),
                ("isbn", opt_attr(Some(art), "isbn")),
                ("quantity", Value::Integer(quantity)),
                ("deliveryDays", Value::Integer(delivery_days)),
                ("selectedSupplier", text_of(pos.child("SelectedSupplier"))),
                ("taxTypeDefRef", int(tax_type_ref)),
                ("unitNet", int(unit.as_ref().and_then(|u| u.net))),
                ("unitGross", int(unit.as_ref().and_then(|u| u.gross))),
                ("sumNet", int(sum.as_ref().and_then(|s| s.net))),
                ("sumGross", int(sum.as_ref().and_then(|s| s.gross))),
                ("sumTax", int(sum_tax)),
                ("purchaseUnitNet", int(purchase_unit)),
                ("purchaseSumNet", int(purchase_sum)),
                ("unitNetDecimal", unit_dec.0),
                ("unitGrossDecimal", unit_dec.1),
                ("purchaseUnitNetDecimal", purchase_unit_dec),
            ],
        )
        .map_err(|e| err(pos, pp, format!("database: {e}")))?;
        for (i, d) in pos.all("DeliveryOption").enumerate() {
            let name = req_attr(d, &format!("{pp}/DeliveryOption[{}]", i + 1), "name")?;
            self.property(tx, order_id, Some(position_id), "DeliveryOption", &name, "true")?;
        }
        if pos.child("Standard").is_some() {
            self.property(tx, order_id, Some(position_id), "DeliveryOption", "Standard", "true")?;
        }
        for (i, props) in pos.all("Properties").enumerate() {
            self.properties(tx, order_id, Some(position_id), props, &format!("{pp}/Properties[{}]", i + 1))?;
        }
        Ok(())
    }

    fn properties(&self, tx: &Conn, order_id: i64, position: Option<i64>, props: &Node, path: &str) -> Result<(), ImportError> {
        check(props, path, &["Property"])?;
        let group = req_attr(props, path, "id")?;
        for (i, p) in props.all("Property").enumerate() {
            let pp = format!("{path}/Property[{}]", i + 1);
            let key = req_attr(p, &pp, "key")?;
            let value = p.attr("value").ok_or_else(|| err(p, format!("{pp}/@value"), "mandatory attribute value is missing"))?;
            self.property(tx, order_id, position, &group, &key, value)?;
        }
        Ok(())
    }

    fn property(&self, tx: &Conn, order_id: i64, position: Option<i64>, group: &str, key: &str, value: &str) -> Result<(), ImportError> {
        q::insert_row(
            tx,
            "OrderPropertyDO",
            &[
                ("orderRef", Value::Integer(order_id)),
                ("positionRef", position.map(Value::Integer).unwrap_or(Value::Null)),
                ("groupId", Value::Text(group.into())),
                ("key", Value::Text(key.into())),
                ("value", Value::Text(value.into())),
            ],
        )?;
        Ok(())
    }
}
