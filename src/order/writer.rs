//! Order intake: writes a checked [`NewOrder`] of a shop into `"OrderDO"`, `"OrderAddressDO"`,
//! `"OrderChargeDO"`, `"OrderPositionDO"` and `"OrderPropertyDO"`, finding or creating its
//! customer in `"CustomerDO"` (by shop and the shop's customer number). It resolves what the
//! order names (carrier, payment method, tax types, the shop's default currency) and refuses a
//! second order with the same shop order number. Used by the storeOrder import and the order
//! service; the errors point at the order's fields ([`At`]).
//!
//! An order of the order service also names the supplier of each position
//! ([`Position::supplier`]), consumes its reservation ([`NewOrder::reservation`], deleted in the
//! same unit of work) and is released to its suppliers at once ([`NewOrder::release`]: the
//! `"OrderDO_export_ready"` trigger creates the SEND_ORDER transmissions, after the positions
//! are written so that it sees their suppliers).
use crate::db::queries::import as q;
use crate::db::queries::orders;
use crate::db::{Conn, Value};
use crate::model::import_error::ImportError;
use crate::model::order::{Address, At, NewOrder, Position, Price, Property, Tax};

fn err(at: &At, reason: impl Into<String>) -> ImportError {
    ImportError::at(1, at.line, at.field.clone(), reason)
}

fn text(v: &Option<String>) -> Value {
    v.clone().map(Value::Text).unwrap_or(Value::Null)
}

fn int(v: Option<i64>) -> Value {
    v.map(Value::Integer).unwrap_or(Value::Null)
}

/// A `"TaxTypeDefDO"` id by name, also under the names some shops send (`NORMAL_TAX`, ...).
pub fn tax_type(conn: &Conn, name: &str) -> Result<Option<i64>, ImportError> {
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

/// Writes the order inside the caller's unit of work; returns its `"OrderDO"` id.
pub fn write(tx: &Conn, shop: i64, o: &NewOrder) -> Result<i64, ImportError> {
    if let Some((id, when)) = q::order_by_shop_no(tx, shop, &o.shop_order_no)? {
        return Err(err(
            &o.shop_order_no_at,
            format!(
                "duplicate: order `{}` of shop {shop} already exists (\"OrderDO\" id {id}, created {when}); the file is not imported again",
                o.shop_order_no
            ),
        ));
    }
    let cp = &o.customer;
    let customer_ref = match &o.customer_no {
        None => Value::Null,
        Some(no) => match q::customer_by_no(tx, shop, no)? {
            Some(id) => Value::Integer(id),
            None => Value::Integer(q::insert_row(
                tx,
                "CustomerDO",
                &[
                    ("shopRef", Value::Integer(shop)),
                    ("shopCustomerNo", Value::Text(no.clone())),
                    ("customerType", Value::Text(if o.b2b { "b2b" } else { "b2c" }.into())),
                    ("isNewCustomer", Value::Integer(1)),
                    ("companyName", text(&cp.company)),
                    ("salutation", text(&cp.salutation)),
                    ("title", text(&cp.title)),
                    ("firstName", text(&cp.first_name)),
                    ("lastName", text(&cp.last_name)),
                    ("eMail", text(&cp.email)),
                    ("phone1", text(&cp.telephone)),
                    ("mobilePhone", text(&cp.mobile)),
                    ("fax", text(&cp.fax)),
                ],
            )?),
        },
    };
    let carrier_ref = match &o.carrier {
        None => Value::Null,
        Some((name, at)) => match q::carrier_by_name_or_id(tx, name).ok().flatten() {
            Some(id) => Value::Integer(id),
            None => return Err(err(at, format!("no carrier `{name}` (\"CarrierDO\" name or id)"))),
        },
    };
    let payment_def = match &o.payment_method {
        Some(m) => q::payment_def_by_name(tx, m)?.map(Value::Integer).unwrap_or(Value::Null),
        None => Value::Null,
    };
    let currency = match &o.currency {
        Some(c) => c.to_ascii_uppercase(),
        None => q::shop_default_currency(tx, shop)?,
    };
    let immaterial = o.immaterial.clone().unwrap_or_default();
    let order_id = q::insert_row(
        tx,
        "OrderDO",
        &[
            ("shopRef", Value::Integer(shop)),
            ("shopOrderNo", Value::Text(o.shop_order_no.clone())),
            ("shopCustomerNo", text(&o.customer_no)),
            ("shopCompanyNo", text(&o.company_no)),
            ("shopInvoiceNo", text(&o.invoice_no)),
            ("customerRef", customer_ref),
            ("carrierRef", carrier_ref),
            ("orderCreationDate", Value::Text(o.created.clone())),
            ("messageId", text(&o.message_id)),
            ("paymentDefRef", payment_def),
            ("paymentMethod", text(&o.payment_method)),
            ("currency", Value::Text(currency)),
            ("noSales", Value::Integer(o.no_sales as i64)),
            ("optimization", text(&o.optimization)),
            ("splitShipmentAllowed", int(o.split_shipment_allowed.map(i64::from))),
            ("isImmaterial", Value::Integer(o.immaterial.is_some() as i64)),
            ("immaterialEmail", text(&immaterial.email)),
            ("immaterialTelephone", text(&immaterial.telephone)),
            ("immaterialOther", text(&immaterial.other)),
            ("customerCompanyName", text(&cp.company)),
            ("customerCompanyDepartment", text(&cp.department)),
            ("customerVatNo", text(&cp.vat_no)),
            ("customerSalutation", text(&cp.salutation)),
            ("customerTitle", text(&cp.title)),
            ("customerFirstName", text(&cp.first_name)),
            ("customerLastName", text(&cp.last_name)),
            ("customerEmail", text(&cp.email)),
            ("customerTelephone", text(&cp.telephone)),
            ("customerMobile", text(&cp.mobile)),
            ("customerFax", text(&cp.fax)),
            ("sumNet", int(o.sum.as_ref().and_then(|s| s.net))),
            ("sumGross", int(o.sum.as_ref().and_then(|s| s.gross))),
            ("totalNet", int(o.total.as_ref().and_then(|s| s.net))),
            ("totalGross", int(o.total.as_ref().and_then(|s| s.gross))),
        ],
    )
    .map_err(|e| err(&o.at, format!("database: {e}")))?;
    for a in &o.addresses {
        address(tx, order_id, a)?;
    }
    let mut charge_rows: Vec<(&str, Option<String>, &Price)> = Vec::new();
    if let Some(s) = &o.sum {
        charge_rows.push(("SUM", None, s));
    }
    for (ty, c) in &o.charges {
        charge_rows.push(("CHARGE", ty.clone(), c));
    }
    if let Some(t) = &o.total {
        charge_rows.push(("TOTAL", None, t));
    }
    for (kind, ty, pr) in charge_rows {
        let mut first = true;
        let taxes: Vec<Option<&Tax>> = if pr.taxes.is_empty() { vec![None] } else { pr.taxes.iter().map(Some).collect() };
        for tax in taxes {
            q::insert_row(
                tx,
                "OrderChargeDO",
                &[
                    ("orderRef", Value::Integer(order_id)),
                    ("kind", Value::Text(kind.into())),
                    ("chargeType", ty.clone().map(Value::Text).unwrap_or(Value::Null)),
                    ("net", if first { int(pr.net) } else { Value::Null }),
                    ("gross", if first { int(pr.gross) } else { Value::Null }),
                    ("taxType", tax.map(|t| Value::Text(t.ty.clone())).unwrap_or(Value::Null)),
                    ("tax", tax.map(|t| Value::Integer(t.amount)).unwrap_or(Value::Null)),
                ],
            )?;
            first = false;
        }
    }
    for p in &o.positions {
        position(tx, order_id, p)?;
    }
    for p in &o.properties {
        property(tx, order_id, None, p)?;
    }
    let suppliers: std::collections::BTreeSet<i64> = o.positions.iter().filter_map(|p| p.supplier.as_ref().map(|s| s.0)).collect();
    if suppliers.len() == 1 && o.positions.iter().all(|p| p.supplier.is_some()) {
        orders::set_order_supplier(tx, order_id, *suppliers.iter().next().expect("one"))?;
    }
    if let Some(resv) = o.reservation {
        crate::db::queries::inventory::delete_reservation(tx, resv)?;
    }
    if o.release {
        orders::release_to_suppliers(tx, order_id, &crate::time::now_text())?;
    }
    Ok(order_id)
}

fn address(tx: &Conn, order_id: i64, a: &Address) -> Result<(), ImportError> {
    let party = &a.receiver;
    q::insert_row(
        tx,
        "OrderAddressDO",
        &[
            ("orderRef", Value::Integer(order_id)),
            ("addressType", Value::Text(a.kind.into())),
            ("typeName", a.type_name.clone().filter(|t| !t.is_empty()).map(Value::Text).unwrap_or(Value::Null)),
            ("companyName", text(&party.company)),
            ("salutation", text(&party.salutation)),
            ("title", text(&party.title)),
            ("firstName", text(&party.first_name)),
            ("lastName", text(&party.last_name)),
            ("email", text(&party.email)),
            ("telephone", text(&party.telephone)),
            ("mobile", text(&party.mobile)),
            ("fax", text(&party.fax)),
            ("street", text(&a.street)),
            ("houseNumber", text(&a.house_number)),
            ("poBox", text(&a.po_box)),
            ("packstation", text(&a.packstation)),
            ("addition1", text(&a.addition1)),
            ("addition2", text(&a.addition2)),
            ("district", text(&a.district)),
            ("city", Value::Text(a.city.clone())),
            ("postCode", Value::Text(a.post_code.clone())),
            ("state", text(&a.state)),
            ("country", Value::Text(a.country.clone())),
        ],
    )?;
    Ok(())
}

fn position(tx: &Conn, order_id: i64, p: &Position) -> Result<(), ImportError> {
    let sum_tax: Option<i64> = p.sum.as_ref().filter(|s| !s.taxes.is_empty()).map(|s| s.taxes.iter().map(|t| t.amount).sum());
    let tax_type_ref = match p.sum.as_ref().and_then(|s| s.taxes.first()) {
        Some(t) if !t.ty.is_empty() => tax_type(tx, &t.ty)?,
        _ => None,
    };
    let position_id = q::insert_row(
        tx,
        "OrderPositionDO",
        &[
            ("orderRef", Value::Integer(order_id)),
            ("number", Value::Integer(p.number)),
            ("articleId", Value::Text(p.article_id.clone())),
            ("articleName", Value::Text(p.article_name.clone())),
            ("supplierArticleNo", Value::Text(p.supplier.as_ref().map(|s| s.1.clone()).unwrap_or_else(|| p.article_id.clone()))),
            ("supplierRef", int(p.supplier.as_ref().map(|s| s.0))),
            ("ean", text(&p.ean)),
            ("isbn", text(&p.isbn)),
            ("quantity", Value::Integer(p.quantity)),
            ("deliveryDays", Value::Integer(p.delivery_days)),
            ("selectedSupplier", text(&p.selected_supplier)),
            ("taxTypeDefRef", int(tax_type_ref)),
            ("unitNet", int(p.unit.as_ref().and_then(|u| u.net))),
            ("unitGross", int(p.unit.as_ref().and_then(|u| u.gross))),
            ("sumNet", int(p.sum.as_ref().and_then(|s| s.net))),
            ("sumGross", int(p.sum.as_ref().and_then(|s| s.gross))),
            ("sumTax", int(sum_tax)),
            ("purchaseUnitNet", int(p.purchase_unit_net)),
            ("purchaseSumNet", int(p.purchase_sum_net)),
            ("unitNetDecimal", text(&p.unit_net_decimal)),
            ("unitGrossDecimal", text(&p.unit_gross_decimal)),
            ("purchaseUnitNetDecimal", text(&p.purchase_unit_net_decimal)),
        ],
    )
    .map_err(|e| err(&p.at, format!("database: {e}")))?;
    for name in &p.delivery_options {
        let option = Property { group: "DeliveryOption".into(), key: name.clone(), value: "true".into() };
        property(tx, order_id, Some(position_id), &option)?;
    }
    for prop in &p.properties {
        property(tx, order_id, Some(position_id), prop)?;
    }
    Ok(())
}

fn property(tx: &Conn, order_id: i64, position: Option<i64>, p: &Property) -> Result<(), ImportError> {
    q::insert_row(
        tx,
        "OrderPropertyDO",
        &[
            ("orderRef", Value::Integer(order_id)),
            ("positionRef", int(position)),
            ("groupId", Value::Text(p.group.clone())),
            ("key", Value::Text(p.key.clone())),
            ("value", Value::Text(p.value.clone())),
        ],
    )?;
    Ok(())
}
