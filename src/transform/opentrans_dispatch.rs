//! ImportXmlOpenTransDispatchBean (`"TransformerBeanDefDO"` -10200, an impex bean): openTRANS
//! 2.1 DISPATCHNOTIFICATION files (with BMEcat 2005 types) become dispatches of the process's
//! shop: one `"DispatchDO"` per order (`ORDER_REFERENCE/ORDER_ID`) of the file's items, one
//! `"DispatchPositionDO"` per item.
//!
//! - Elements are matched by namespace URI and local name ([`OPENTRANS`], [`BMECAT`]), so the
//!   prefixes a supplier uses (`bmecat:`, `bmc:`, a default namespace) make no difference;
//!   elements this bean does not read are skipped (openTRANS has many optional ones).
//! - Read streaming: the header first, then each item is checked and written before the next
//!   one is read (the open quantity of a position counts the file's earlier items).
//! - The whole file is refused (nothing written) on the first error; the message names the
//!   item (record), line and field. See docs/import.md for the mapping.
use std::path::Path;

use crate::db::queries::import as q;
use crate::db::Conn;

use super::open_positions::checked_shop;
use super::xml_input::{Element, XmlInput};
use super::{ConfigError, Ctx, ImportError, Params, Transformer};

/// The openTRANS 2.1 namespace.
pub const OPENTRANS: &str = "http://www.opentrans.org/XMLSchema/2.1";
/// The BMEcat 2005 namespace (PARTY_ID, SUPPLIER_PID, ORDER_UNIT, ...).
pub const BMECAT: &str = "http://www.bmecat.org/bmecat/2005";

const INFO: &str = "DISPATCHNOTIFICATION_HEADER/DISPATCHNOTIFICATION_INFO";

/// PARTY elements of the header at most (the header is held in memory).
const MAX_PARTIES: usize = 1000;
/// Tracking numbers of one dispatch at most.
const MAX_TRACKING: usize = 1000;

pub fn build(conn: &Conn, params: &Params) -> Result<Box<dyn Transformer>, ConfigError> {
    Ok(Box::new(OpenTransDispatch { shop: checked_shop(conn, params)? }))
}

struct OpenTransDispatch {
    shop: i64,
}

/// A value with the line of its element.
#[derive(Debug, Clone, Default)]
pub struct At {
    pub value: String,
    pub line: u64,
}

/// A PARTY of the header.
#[derive(Debug, Clone, Default)]
pub struct ParsedParty {
    pub line: u64,
    pub ids: Vec<String>,
    pub roles: Vec<String>,
}

/// DISPATCHNOTIFICATION_HEADER as read.
#[derive(Debug, Clone, Default)]
pub struct Header {
    pub line: u64,
    pub id: Option<At>,
    pub date: Option<At>,
    pub delivery_start: Option<At>,
    pub parties: Vec<ParsedParty>,
}

/// One DISPATCHNOTIFICATION_ITEM as read.
#[derive(Debug, Clone, Default)]
pub struct Item {
    /// 1 = the file's first item.
    pub record: u64,
    pub line: u64,
    pub line_item_id: Option<At>,
    pub supplier_pid: Option<String>,
    pub quantity: Option<At>,
    pub order_unit: Option<String>,
    pub order_id: Option<At>,
    /// ORDER_REFERENCE/LINE_ITEM_ID.
    pub order_line_item_id: Option<At>,
    pub supplier_order_id: Option<String>,
    /// PACKAGE_IDs of type `deliverer_specific`, in file order.
    pub tracking: Vec<String>,
}

fn is(el: &Element, ns: &str, name: &str) -> bool {
    el.name == name && el.ns == ns
}

fn text(x: &mut XmlInput, el: &Element) -> Result<At, ImportError> {
    let value = x.text(el)?.trim_matches(|c: char| matches!(c, ' ' | '\t' | '\r' | '\n')).to_string();
    Ok(At { value, line: el.line })
}

fn non_empty(a: At) -> Option<At> {
    (!a.value.is_empty()).then_some(a)
}

/// Reads a DISPATCHNOTIFICATION file: `on_header` once the header is read, then `on_item` per
/// item; returns the number of items. Checks the structure only (root, mandatory
/// DISPATCHNOTIFICATION_ID, at least one item, TOTAL_ITEM_NUM); the values are the caller's.
pub fn read(
    path: &Path,
    on_header: &mut dyn FnMut(&Header) -> Result<(), ImportError>,
    on_item: &mut dyn FnMut(&Item) -> Result<(), ImportError>,
) -> Result<u64, ImportError> {
    let mut x = XmlInput::open(path)?;
    x.resolve_namespaces();
    let root = x.root()?;
    if !is(&root, OPENTRANS, "DISPATCHNOTIFICATION") {
        let ns = if root.ns.is_empty() { "no namespace".to_string() } else { format!("namespace {}", root.ns) };
        return Err(ImportError::at(1, root.line, root.name.clone(), format!(
            "wrong root element <{}> ({ns}): an openTRANS dispatch notification is <DISPATCHNOTIFICATION> of namespace {OPENTRANS}",
            root.name
        )));
    }
    let mut header: Option<Header> = None;
    let mut items = 0u64;
    let mut el = Element::default();
    while x.next_child_into(&mut el)? {
        if is(&el, OPENTRANS, "DISPATCHNOTIFICATION_HEADER") {
            if header.is_some() {
                return Err(x.error_here("DISPATCHNOTIFICATION_HEADER is given twice"));
            }
            let h = read_header(&mut x, &el)?;
            if h.id.is_none() {
                return Err(ImportError::at(1, h.line, format!("{INFO}/DISPATCHNOTIFICATION_ID"), "mandatory DISPATCHNOTIFICATION_ID is missing or empty"));
            }
            on_header(&h)?;
            header = Some(h);
        } else if is(&el, OPENTRANS, "DISPATCHNOTIFICATION_ITEM_LIST") {
            if header.is_none() {
                return Err(ImportError::at(1, el.line, "DISPATCHNOTIFICATION_HEADER", "DISPATCHNOTIFICATION_HEADER (with DISPATCHNOTIFICATION_ID) must come before the item list"));
            }
            let mut c = Element::default();
            while x.next_child_into(&mut c)? {
                if is(&c, OPENTRANS, "DISPATCHNOTIFICATION_ITEM") {
                    items += 1;
                    let item = read_item(&mut x, &c, items)?;
                    on_item(&item)?;
                } else {
                    x.skip()?;
                }
            }
        } else if is(&el, OPENTRANS, "DISPATCHNOTIFICATION_SUMMARY") {
            let mut c = Element::default();
            while x.next_child_into(&mut c)? {
                if is(&c, OPENTRANS, "TOTAL_ITEM_NUM") {
                    let t = text(&mut x, &c)?;
                    if t.value.parse::<u64>().ok() != Some(items) {
                        return Err(ImportError::at(1, t.line, "DISPATCHNOTIFICATION_SUMMARY/TOTAL_ITEM_NUM", format!(
                            "TOTAL_ITEM_NUM `{}` is not the number of DISPATCHNOTIFICATION_ITEM elements ({items})",
                            t.value
                        )));
                    }
                } else {
                    x.skip()?;
                }
            }
        } else {
            x.skip()?;
        }
    }
    x.finish()?;
    if header.is_none() {
        return Err(ImportError::at(1, root.line, format!("{INFO}/DISPATCHNOTIFICATION_ID"), "DISPATCHNOTIFICATION_HEADER with the mandatory DISPATCHNOTIFICATION_ID is missing"));
    }
    if items == 0 {
        return Err(ImportError::at(1, root.line, "DISPATCHNOTIFICATION_ITEM_LIST", "the file has no DISPATCHNOTIFICATION_ITEM"));
    }
    Ok(items)
}

fn read_header(x: &mut XmlInput, header_el: &Element) -> Result<Header, ImportError> {
    let mut h = Header { line: header_el.line, ..Default::default() };
    let mut el = Element::default();
    while x.next_child_into(&mut el)? {
        if !is(&el, OPENTRANS, "DISPATCHNOTIFICATION_INFO") {
            x.skip()?;
            continue;
        }
        let mut c = Element::default();
        while x.next_child_into(&mut c)? {
            if is(&c, OPENTRANS, "DISPATCHNOTIFICATION_ID") {
                h.id = non_empty(text(x, &c)?);
            } else if is(&c, OPENTRANS, "DISPATCHNOTIFICATION_DATE") {
                h.date = non_empty(text(x, &c)?);
            } else if is(&c, OPENTRANS, "DELIVERY_DATE") {
                let mut d = Element::default();
                while x.next_child_into(&mut d)? {
                    if is(&d, OPENTRANS, "DELIVERY_START_DATE") {
                        h.delivery_start = non_empty(text(x, &d)?);
                    } else {
                        x.skip()?;
                    }
                }
            } else if is(&c, OPENTRANS, "PARTIES") {
                let mut p = Element::default();
                while x.next_child_into(&mut p)? {
                    if !is(&p, OPENTRANS, "PARTY") {
                        x.skip()?;
                        continue;
                    }
                    let mut party = ParsedParty { line: p.line, ..Default::default() };
                    let mut f = Element::default();
                    while x.next_child_into(&mut f)? {
                        if is(&f, BMECAT, "PARTY_ID") {
                            if let Some(v) = non_empty(text(x, &f)?) {
                                party.ids.push(v.value);
                            }
                        } else if is(&f, OPENTRANS, "PARTY_ROLE") {
                            if let Some(v) = non_empty(text(x, &f)?) {
                                party.roles.push(v.value);
                            }
                        } else {
                            x.skip()?;
                        }
                    }
                    if h.parties.len() == MAX_PARTIES {
                        return Err(ImportError::at(1, party.line, format!("{INFO}/PARTIES/PARTY"), format!("more than {MAX_PARTIES} PARTY elements")));
                    }
                    h.parties.push(party);
                }
            } else {
                x.skip()?;
            }
        }
    }
    Ok(h)
}

fn read_item(x: &mut XmlInput, item_el: &Element, record: u64) -> Result<Item, ImportError> {
    let mut it = Item { record, line: item_el.line, ..Default::default() };
    let mut el = Element::default();
    let err = |e: ImportError| e.in_record(record);
    while x.next_child_into(&mut el).map_err(err)? {
        if is(&el, OPENTRANS, "LINE_ITEM_ID") {
            it.line_item_id = non_empty(text(x, &el).map_err(err)?);
        } else if is(&el, OPENTRANS, "QUANTITY") {
            it.quantity = non_empty(text(x, &el).map_err(err)?);
        } else if is(&el, BMECAT, "ORDER_UNIT") {
            it.order_unit = non_empty(text(x, &el).map_err(err)?).map(|a| a.value);
        } else if is(&el, OPENTRANS, "PRODUCT_ID") {
            let mut c = Element::default();
            while x.next_child_into(&mut c).map_err(err)? {
                if is(&c, BMECAT, "SUPPLIER_PID") {
                    it.supplier_pid = non_empty(text(x, &c).map_err(err)?).map(|a| a.value);
                } else {
                    x.skip().map_err(err)?;
                }
            }
        } else if is(&el, OPENTRANS, "ORDER_REFERENCE") {
            let mut c = Element::default();
            while x.next_child_into(&mut c).map_err(err)? {
                if is(&c, OPENTRANS, "ORDER_ID") {
                    it.order_id = non_empty(text(x, &c).map_err(err)?);
                } else if is(&c, OPENTRANS, "LINE_ITEM_ID") {
                    it.order_line_item_id = non_empty(text(x, &c).map_err(err)?);
                } else {
                    x.skip().map_err(err)?;
                }
            }
        } else if is(&el, OPENTRANS, "SUPPLIER_ORDER_REFERENCE") {
            let mut c = Element::default();
            while x.next_child_into(&mut c).map_err(err)? {
                if is(&c, OPENTRANS, "SUPPLIER_ORDER_ID") {
                    it.supplier_order_id = non_empty(text(x, &c).map_err(err)?).map(|a| a.value);
                } else {
                    x.skip().map_err(err)?;
                }
            }
        } else if is(&el, OPENTRANS, "LOGISTIC_DETAILS") {
            read_packages(x, &mut it.tracking).map_err(err)?;
        } else {
            x.skip().map_err(err)?;
        }
    }
    Ok(it)
}

/// LOGISTIC_DETAILS/PACKAGE_INFO/PACKAGE/PACKAGE_ID of type `deliverer_specific`.
fn read_packages(x: &mut XmlInput, out: &mut Vec<String>) -> Result<(), ImportError> {
    let mut info = Element::default();
    while x.next_child_into(&mut info)? {
        if !is(&info, OPENTRANS, "PACKAGE_INFO") {
            x.skip()?;
            continue;
        }
        let mut pkg = Element::default();
        while x.next_child_into(&mut pkg)? {
            if !is(&pkg, OPENTRANS, "PACKAGE") {
                x.skip()?;
                continue;
            }
            let mut id = Element::default();
            while x.next_child_into(&mut id)? {
                if is(&id, OPENTRANS, "PACKAGE_ID") {
                    let deliverer = id.attr("type").map(str::trim) == Some("deliverer_specific");
                    let v = text(x, &id)?;
                    if deliverer && v.value.contains(';') {
                        return Err(ImportError { field: Some("DISPATCHNOTIFICATION_ITEM/LOGISTIC_DETAILS/PACKAGE_INFO/PACKAGE/PACKAGE_ID".into()), line: Some(v.line), ..ImportError::file(format!("tracking number `{}` contains `;` (the separator of \"DispatchDO\".\"trackingNumbers\")", v.value)) });
                    }
                    if deliverer && !v.value.is_empty() && !out.contains(&v.value) {
                        if out.len() == MAX_TRACKING {
                            return Err(ImportError { field: Some("DISPATCHNOTIFICATION_ITEM/LOGISTIC_DETAILS/PACKAGE_INFO/PACKAGE/PACKAGE_ID".into()), line: Some(v.line), ..ImportError::file(format!("more than {MAX_TRACKING} tracking numbers in one item")) });
                        }
                        out.push(v.value);
                    }
                } else {
                    x.skip()?;
                }
            }
        }
    }
    Ok(())
}

/// openTRANS dtDATETIME (xs:dateTime with or without offset, or xs:date) in impex's timestamp
/// format (UTC; without an offset the time is taken as UTC).
pub fn timestamp(text: &str) -> Option<String> {
    use chrono::{NaiveDate, NaiveDateTime, TimeZone, Utc};
    let t = text.trim();
    if let Ok(d) = chrono::DateTime::parse_from_rfc3339(t) {
        return Some(crate::time::format(d.with_timezone(&Utc)));
    }
    for f in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"] {
        if let Ok(n) = NaiveDateTime::parse_from_str(t, f) {
            return Some(crate::time::format(Utc.from_utc_datetime(&n)));
        }
    }
    let d = t.strip_suffix('Z').unwrap_or(t);
    NaiveDate::parse_from_str(d, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)).map(|n| crate::time::format(Utc.from_utc_datetime(&n)))
}

/// An openTRANS QUANTITY (dtNUMBER) as a whole number of units: `2`, `2.0`, `+2.000`.
pub fn quantity(text: &str) -> Result<i64, String> {
    let t = text.trim();
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    let digits = int.strip_prefix('+').unwrap_or(int);
    let bad = || format!("`{t}` is not a quantity (a whole positive number)");
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b == b'0') {
        if int.starts_with('-') && int[1..].bytes().all(|b| b.is_ascii_digit()) && !int[1..].is_empty() {
            return Err(format!("`{t}` is negative: a quantity must be greater than 0"));
        }
        return Err(bad());
    }
    let n: i64 = digits.parse().map_err(|_| bad())?;
    if n == 0 {
        return Err(format!("`{t}`: a quantity must be greater than 0"));
    }
    Ok(n)
}

/// The net purchase amount of `qty` units of a position: unit price × quantity, else the
/// position's purchase sum in proportion (rounded half up), else 0.
pub fn purchase_net(p: &q::DispatchPosition, qty: i64) -> Option<i64> {
    match (p.purchase_unit_net, p.purchase_sum_net) {
        (Some(unit), _) => unit.checked_mul(qty),
        (None, Some(sum)) if p.quantity > 0 => {
            let v = (sum as i128 * qty as i128 * 2 + p.quantity as i128) / (2 * p.quantity as i128);
            i64::try_from(v).ok()
        }
        _ => Some(0),
    }
}

/// What the header decides for every dispatch of the file.
struct FileHeader {
    id: String,
    dispatch_date: String,
    /// Suppliers of the header's supplier parties; empty: the positions' suppliers decide.
    suppliers: Vec<i64>,
}

impl Transformer for OpenTransDispatch {
    fn import(&self, ctx: &mut Ctx<'_>, file: &Path) -> Result<u64, ImportError> {
        let tx = ctx.tx;
        let import_file = ctx.import_file_id;
        let head: std::cell::RefCell<Option<FileHeader>> = std::cell::RefCell::new(None);
        let mut on_header = |h: &Header| -> Result<(), ImportError> {
            let id = h.id.as_ref().map(|a| a.value.clone()).unwrap_or_default();
            let dispatch_date = match &h.delivery_start {
                Some(d) => timestamp(&d.value).ok_or_else(|| {
                    ImportError::at(1, d.line, format!("{INFO}/DELIVERY_DATE/DELIVERY_START_DATE"), format!("`{}` is not a date or date and time (xs:dateTime, e.g. 2026-12-01T10:00:00+01:00)", d.value))
                })?,
                None => crate::time::now_text(),
            };
            let mut suppliers = Vec::new();
            for p in h.parties.iter().filter(|p| p.roles.iter().any(|r| r.eq_ignore_ascii_case("supplier"))) {
                let mut found = None;
                for id in &p.ids {
                    if let Some(s) = q::supplier_by_party_id(tx, id)? {
                        found = Some(s);
                        break;
                    }
                }
                match found {
                    Some(s) => suppliers.push(s),
                    None => {
                        return Err(ImportError::at(1, p.line, format!("{INFO}/PARTIES/PARTY/PARTY_ID"), format!(
                            "supplier party: none of its PARTY_IDs ({}) is the id or name of a \"SupplierDO\"",
                            if p.ids.is_empty() { "none given".to_string() } else { p.ids.join(", ") }
                        )))
                    }
                }
            }
            *head.borrow_mut() = Some(FileHeader { id, dispatch_date, suppliers });
            Ok(())
        };
        let shop = self.shop;
        let mut items = |it: &Item| -> Result<(), ImportError> {
            let guard = head.borrow();
            let h = guard.as_ref().expect("the header is read before the items");
            let r = it.record;
            let item = "DISPATCHNOTIFICATION_ITEM";
            let order_id = it.order_id.as_ref().ok_or_else(|| ImportError::at(r, it.line, format!("{item}/ORDER_REFERENCE/ORDER_ID"), "mandatory ORDER_REFERENCE/ORDER_ID (the shop order number) is missing"))?;
            let order = q::dispatch_order(tx, shop, &order_id.value)?.ok_or_else(|| {
                ImportError::at(r, order_id.line, format!("{item}/ORDER_REFERENCE/ORDER_ID"), format!("unknown order number `{}`: no \"OrderDO\" of shop {shop} has this shopOrderNo", order_id.value))
            })?;
            let (number_at, number_field) = match (&it.order_line_item_id, &it.line_item_id) {
                (Some(a), _) => (a, format!("{item}/ORDER_REFERENCE/LINE_ITEM_ID")),
                (None, Some(a)) => (a, format!("{item}/LINE_ITEM_ID")),
                (None, None) => return Err(ImportError::at(r, it.line, format!("{item}/LINE_ITEM_ID"), "mandatory LINE_ITEM_ID (the order position number) is missing")),
            };
            let number: i64 = number_at.value.parse().map_err(|_| {
                ImportError::at(r, number_at.line, number_field.clone(), format!("`{}` is not an order position number (a whole number)", number_at.value))
            })?;
            let pos = q::dispatch_position(tx, order.id, number)?.ok_or_else(|| {
                ImportError::at(r, number_at.line, number_field.clone(), format!("unknown position number {number}: order `{}` has no \"OrderPositionDO\" with this number", order_id.value))
            })?;
            let qty_at = it.quantity.as_ref().ok_or_else(|| ImportError::at(r, it.line, format!("{item}/QUANTITY"), "mandatory QUANTITY is missing"))?;
            let qty = quantity(&qty_at.value).map_err(|e| ImportError::at(r, qty_at.line, format!("{item}/QUANTITY"), e))?;
            let open = pos.quantity - pos.dispatched;
            if qty > open {
                return Err(ImportError::at(r, qty_at.line, format!("{item}/QUANTITY"), format!(
                    "quantity {qty} is more than the open quantity {open} of position {number} of order `{}` (ordered {}, dispatched before {})",
                    order_id.value, pos.quantity, pos.dispatched
                )));
            }
            let supplier = pos.supplier.ok_or_else(|| {
                ImportError::at(r, number_at.line, number_field.clone(), format!("position {number} of order `{}` has no supplier (\"OrderPositionDO\" and \"OrderDO\" name none)", order_id.value))
            })?;
            if !h.suppliers.is_empty() && !h.suppliers.contains(&supplier) {
                return Err(ImportError::at(r, number_at.line, number_field.clone(), format!(
                    "position {number} of order `{}` belongs to supplier {supplier}, which is not a supplier party of the file",
                    order_id.value
                )));
            }
            let (dispatch, tracking) = match q::dispatch_of_file(tx, import_file, order.id)? {
                Some((id, s, tracking)) if s == supplier => (id, tracking),
                Some((_, s, _)) => {
                    return Err(ImportError::at(r, number_at.line, number_field.clone(), format!(
                        "position {number} of order `{}` belongs to supplier {supplier}, the file's earlier items of this order to supplier {s} (one dispatch per order)",
                        order_id.value
                    )))
                }
                None => {
                    let carrier = q::dispatch_carrier(tx, supplier, order.id)?;
                    let id = q::insert_dispatch(tx, &q::NewDispatch {
                        order: order.id,
                        supplier,
                        carrier,
                        supplier_order_no: it.supplier_order_id.as_deref(),
                        dispatch_notification_id: &h.id,
                        currency: &order.currency,
                        dispatch_date: &h.dispatch_date,
                        import_file,
                    })?;
                    (id, None)
                }
            };
            let net = purchase_net(&pos, qty).ok_or_else(|| ImportError::at(r, qty_at.line, format!("{item}/QUANTITY"), "the purchase amount is too large"))?;
            let mut all: Vec<&str> = tracking.as_deref().map(|t| t.split(';').collect()).unwrap_or_default();
            for t in &it.tracking {
                if !all.contains(&t.as_str()) {
                    all.push(t);
                }
            }
            if all.len() > MAX_TRACKING {
                return Err(ImportError::at(r, it.line, format!("{item}/LOGISTIC_DETAILS/PACKAGE_INFO/PACKAGE/PACKAGE_ID"), format!(
                    "more than {MAX_TRACKING} tracking numbers for the dispatch of order `{}`",
                    order_id.value
                )));
            }
            let joined = (!all.is_empty()).then(|| all.join(";"));
            let p = q::NewDispatchPosition {
                dispatch,
                order_position: pos.id,
                number,
                quantity: qty,
                line_item_id: it.line_item_id.as_ref().map(|a| a.value.as_str()),
                supplier_pid: it.supplier_pid.as_deref(),
                order_unit: it.order_unit.as_deref(),
            };
            q::add_dispatch_position(tx, &p, net, joined.as_deref(), it.supplier_order_id.as_deref())?;
            Ok(())
        };
        let n = read(file, &mut on_header, &mut items)?;
        ctx.progress(std::fs::metadata(file).map(|m| m.len()).unwrap_or(0), n);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        assert_eq!(quantity("2"), Ok(2));
        assert_eq!(quantity(" 2.000 "), Ok(2));
        assert_eq!(quantity("+3"), Ok(3));
        assert!(quantity("2.5").unwrap_err().contains("not a quantity"));
        assert!(quantity("zwei").unwrap_err().contains("not a quantity"));
        assert!(quantity("0").unwrap_err().contains("greater than 0"));
        assert!(quantity("-1").unwrap_err().contains("negative"));
        assert!(quantity("").is_err());
        assert!(quantity("99999999999999999999").is_err());
    }

    #[test]
    fn timestamps() {
        assert_eq!(timestamp("2026-11-30T10:15:00+01:00").as_deref(), Some("2026-11-30 09:15:00.000"));
        assert_eq!(timestamp("2026-11-30T10:15:00Z").as_deref(), Some("2026-11-30 10:15:00.000"));
        assert_eq!(timestamp("2026-11-30T10:15:00").as_deref(), Some("2026-11-30 10:15:00.000"));
        assert_eq!(timestamp("2026-11-30").as_deref(), Some("2026-11-30 00:00:00.000"));
        assert_eq!(timestamp("30.11.2026"), None);
    }

    #[test]
    fn purchase_amounts() {
        let p = q::DispatchPosition { id: 1, supplier: Some(1), quantity: 3, dispatched: 0, purchase_unit_net: Some(700), purchase_sum_net: Some(2100) };
        assert_eq!(purchase_net(&p, 2), Some(1400));
        let p = q::DispatchPosition { purchase_unit_net: None, purchase_sum_net: Some(1000), ..p };
        assert_eq!(purchase_net(&p, 2), Some(667));
        let p = q::DispatchPosition { purchase_sum_net: None, ..p };
        assert_eq!(purchase_net(&p, 2), Some(0));
    }

    fn parse(doc: &str) -> Result<(Header, Vec<Item>), ImportError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.xml");
        std::fs::write(&path, doc).unwrap();
        let mut header = None;
        let mut items = Vec::new();
        read(&path, &mut |h| {
            header = Some(h.clone());
            Ok(())
        }, &mut |i| {
            items.push(i.clone());
            Ok(())
        })?;
        Ok((header.unwrap(), items))
    }

    const DOC: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<ot:DISPATCHNOTIFICATION xmlns:ot="http://www.opentrans.org/XMLSchema/2.1" version="2.1">
 <ot:DISPATCHNOTIFICATION_HEADER><ot:DISPATCHNOTIFICATION_INFO>
  <ot:DISPATCHNOTIFICATION_ID>DN 1</ot:DISPATCHNOTIFICATION_ID>
  <ot:PARTIES><ot:PARTY><PARTY_ID xmlns="http://www.bmecat.org/bmecat/2005" type="supplier_specific">5000</PARTY_ID><ot:PARTY_ROLE>supplier</ot:PARTY_ROLE></ot:PARTY></ot:PARTIES>
 </ot:DISPATCHNOTIFICATION_INFO></ot:DISPATCHNOTIFICATION_HEADER>
 <ot:DISPATCHNOTIFICATION_ITEM_LIST><ot:DISPATCHNOTIFICATION_ITEM>
  <ot:LINE_ITEM_ID>1</ot:LINE_ITEM_ID>
  <ot:PRODUCT_ID><SUPPLIER_PID xmlns="http://www.bmecat.org/bmecat/2005">A-1</SUPPLIER_PID><ot:SUPPLIER_PID>wrong namespace</ot:SUPPLIER_PID></ot:PRODUCT_ID>
  <ot:QUANTITY>2</ot:QUANTITY>
  <ot:ORDER_REFERENCE><ot:ORDER_ID>0083</ot:ORDER_ID></ot:ORDER_REFERENCE>
  <ot:LOGISTIC_DETAILS><ot:PACKAGE_INFO><ot:PACKAGE><ot:PACKAGE_ID type="deliverer_specific">T1</ot:PACKAGE_ID><ot:PACKAGE_ID type="supplier_specific">S1</ot:PACKAGE_ID></ot:PACKAGE></ot:PACKAGE_INFO></ot:LOGISTIC_DETAILS>
 </ot:DISPATCHNOTIFICATION_ITEM></ot:DISPATCHNOTIFICATION_ITEM_LIST>
</ot:DISPATCHNOTIFICATION>"#;

    /// Namespaces decide, not prefixes: a prefixed openTRANS and a default BMEcat namespace
    /// declared on the element; an openTRANS SUPPLIER_PID is not BMEcat's.
    #[test]
    fn matches_by_namespace_not_prefix() {
        let (h, items) = parse(DOC).unwrap();
        assert_eq!(h.id.unwrap().value, "DN 1");
        assert_eq!(h.parties[0].ids, vec!["5000"]);
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].supplier_pid.as_deref(), Some("A-1"));
        assert_eq!(items[0].tracking, vec!["T1"]);
        assert_eq!(items[0].order_id.as_ref().unwrap().value, "0083");
        // without the openTRANS namespace it is another root element
        let e = parse(&DOC.replace("http://www.opentrans.org/XMLSchema/2.1", "urn:other")).unwrap_err();
        assert!(e.reason.contains("wrong root element"), "{e}");
        // an undeclared prefix is malformed
        let e = parse(&DOC.replace("<ot:QUANTITY>2</ot:QUANTITY>", "<x:QUANTITY>2</x:QUANTITY>")).unwrap_err();
        assert!(e.reason.contains("prefix `x`"), "{e}");
        let e = parse(&DOC.replace("<ot:DISPATCHNOTIFICATION_ID>DN 1</ot:DISPATCHNOTIFICATION_ID>", "")).unwrap_err();
        assert!(e.to_string().contains("DISPATCHNOTIFICATION_ID"), "{e}");
        let e = parse(&DOC.replace("<!--", "").replace("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", "<!DOCTYPE x [<!ENTITY a \"b\">]>")).unwrap_err();
        assert!(e.reason.contains("DOCTYPE"), "{e}");
    }
}
