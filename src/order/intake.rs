//! The order service's create and read operations and change requests (see [`super`];
//! docs/orders.md, "Orders in" and "Change requests"), as a library behind
//! `src/http/orders.rs`.
//!
//! - [`create_order`]: `POST /shops/{shopId}/orders`. The body is checked against the spec's
//!   rules ([`check_order`]: lengths, kinds of address, amounts with at most 2 decimals and
//!   consistent sums) and against the data (the shop, a second order with the same number,
//!   every product known at an active supplier of the shop, the payment method, the shipping
//!   method through the shop's carrier names, the reservation), every problem named by its
//!   JSON path; then [`super::writer::write`] stores it in one unit of work (suppliers chosen
//!   per position, the reservation consumed, the order released to its suppliers).
//! - [`get_order`]: the order read back from its rows (also orders of the storeOrder import).
//! - [`create_change_request`], [`change_requests`], [`change_request`]: cancellations.
pub mod api;

use std::collections::{BTreeMap, BTreeSet};

use api::*;

use crate::db::queries::import as iq;
use crate::db::queries::inventory as invq;
use crate::db::queries::orders::{self as q, Rec};
use crate::db::state::change_request as crs;
use crate::db::state::transmission::{self as ts, TransmissionState};
use crate::db::Conn;
use crate::error::StoreError;
use crate::model::order as m;
use crate::time;

/// The property group of the order service's values that have no column of their own.
pub const GROUP: &str = "OrderService";

/// One thing wrong with a request: a code (`VALIDATION_EXCEPTION`, `DUPLICATE`,
/// `UNKNOWN_PRODUCT`, ...), the JSON path of the field and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub code: &'static str,
    pub field: String,
    pub reason: String,
}

impl Problem {
    fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Problem { code: "VALIDATION_EXCEPTION", field: field.into(), reason: reason.into() }
    }

    fn coded(code: &'static str, field: impl Into<String>, reason: impl Into<String>) -> Self {
        Problem { code, field: field.into(), reason: reason.into() }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OrderError {
    /// The request is refused; nothing was stored: 400, one error per problem.
    #[error("invalid request: {}", .0.iter().map(|p| format!("{}: {}", p.field, p.reason)).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<Problem>),
    /// No such order or change request: 404 (where the spec lists it).
    #[error("{0}")]
    NotFound(String),
    /// A storage failure: 500 (the cause goes to the log).
    #[error("storage: {0}")]
    Storage(String),
}

impl From<StoreError> for OrderError {
    fn from(e: StoreError) -> Self {
        OrderError::Storage(e.to_string())
    }
}

impl From<crate::error::Error> for OrderError {
    fn from(e: crate::error::Error) -> Self {
        OrderError::Storage(e.to_string())
    }
}

type Result<T> = std::result::Result<T, OrderError>;

/// The most an amount may be (in major units): far beyond any order, far below i64 cents.
const MAX_AMOUNT: f64 = 1e12;

// ---------------------------------------------------------------------------------------------
// Checks of the body (no database)
// ---------------------------------------------------------------------------------------------

/// What a body is checked for: an order to create, or the changed order of a change request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Create,
    Change,
}

struct Checker {
    problems: Vec<Problem>,
}

impl Checker {
    fn bad(&mut self, field: impl Into<String>, reason: impl Into<String>) {
        self.problems.push(Problem::new(field, reason));
    }

    fn len(&mut self, field: &str, v: &str, min: usize, max: usize) {
        let n = v.chars().count();
        if n < min {
            self.bad(field, if min == 1 { "must not be empty".to_string() } else { format!("at least {min} characters") });
        } else if n > max {
            self.bad(field, format!("at most {max} characters, not {n}"));
        }
    }

    fn opt_len(&mut self, field: &str, v: &Option<String>, max: usize) {
        if let Some(v) = v {
            self.len(field, v, 0, max);
        }
    }

    fn date(&mut self, field: &str, v: &str) {
        if time::parse_rfc3339(v).is_none() {
            self.bad(field, format!("`{}` is not an ISO-8601 date-time with offset (e.g. 2019-09-14T16:22:32.123+02:00)", short(v)));
        }
    }

    /// Minor units of an amount: finite, at most 2 decimals.
    fn cents(&mut self, field: &str, v: f64) -> i64 {
        if !v.is_finite() || v.abs() > MAX_AMOUNT {
            self.bad(field, format!("the amount {v} is out of range"));
            return 0;
        }
        let c = (v * 100.0).round();
        if (v * 100.0 - c).abs() > 1e-6 {
            self.bad(field, format!("the amount {v} has more than 2 decimal places"));
        }
        c as i64
    }

    /// The amount paid of a price: the discounted one when given (not above the amount).
    fn price(&mut self, field: &str, p: &Price) -> i64 {
        let amount = self.cents(&format!("{field}.amount"), p.amount);
        match p.amount_discounted {
            None => amount,
            Some(d) => {
                let d = self.cents(&format!("{field}.amountDiscounted"), d);
                if d > amount {
                    self.bad(format!("{field}.amountDiscounted"), "must not be greater than amount");
                }
                d
            }
        }
    }

    fn list_price(&mut self, field: &str, p: &ListPrice) -> i64 {
        if let Some(l) = p.list_price {
            self.cents(&format!("{field}.listPrice"), l);
        }
        self.price(field, &Price { amount: p.amount, amount_discounted: p.amount_discounted })
    }

    fn net_gross(&mut self, field: &str, net: Option<i64>, gross: Option<i64>) {
        match (net, gross) {
            (None, None) => self.bad(field, "at least net or gross must be given"),
            (Some(n), Some(g)) if g < n => self.bad(format!("{field}.gross"), "gross must be greater than or equal to net"),
            _ => {}
        }
    }

    fn taxes(&mut self, field: &str, taxes: &[Tax]) -> Vec<m::Tax> {
        if taxes.is_empty() {
            self.bad(field, "at least one tax is required");
        }
        let mut seen = BTreeSet::new();
        let mut out = Vec::with_capacity(taxes.len());
        for (i, t) in taxes.iter().enumerate() {
            let f = format!("{field}[{i}]");
            self.len(&format!("{f}.type"), &t.kind, 0, 512);
            self.opt_len(&format!("{f}.location"), &t.location, 512);
            if !seen.insert(t.kind.clone()) {
                self.bad(format!("{f}.type"), format!("tax type `{}` is given more than once", short(&t.kind)));
            }
            if let Some(rate) = t.rate {
                if !rate.is_finite() || !(0.0..=1000.0).contains(&rate) || ((rate * 1e5).round() - rate * 1e5).abs() > 1e-4 {
                    self.bad(format!("{f}.rate"), "a percentage with at most 5 decimals");
                }
            }
            let amount = self.cents(&format!("{f}.amount"), t.amount);
            out.push(m::Tax { ty: t.kind.clone(), amount });
        }
        out
    }

    fn promotions(&mut self, field: &str, promotions: &Option<Vec<Promotion>>) {
        for (i, p) in promotions.iter().flatten().enumerate() {
            let f = format!("{field}[{i}]");
            self.len(&format!("{f}.id"), &p.id, 0, 512);
            self.len(&format!("{f}.name"), &p.name, 0, 1024);
            self.len(&format!("{f}.descriptorId"), &p.descriptor_id, 0, 1024);
            self.opt_len(&format!("{f}.code"), &p.code, 1024);
            self.opt_len(&format!("{f}.budgetSourceId"), &p.budget_source_id, 1024);
            if !p.promotion_value.is_finite() || p.promotion_value < 0.0 {
                self.bad(format!("{f}.promotionValue"), "must be 0 or more");
            }
            let net = self.cents(&format!("{f}.netValue"), p.net_value);
            let gross = self.cents(&format!("{f}.grossValue"), p.gross_value);
            if gross < net {
                self.bad(format!("{f}.grossValue"), "grossValue must be greater than or equal to netValue");
            }
        }
    }

    fn sum(&mut self, field: &str, s: &SumPrice) -> m::Price {
        let net = s.net.as_ref().map(|p| self.price(&format!("{field}.net"), p));
        let gross = s.gross.as_ref().map(|p| self.price(&format!("{field}.gross"), p));
        self.net_gross(field, net, gross);
        let taxes = self.taxes(&format!("{field}.taxes"), &s.taxes);
        self.promotions(&format!("{field}.promotions"), &s.promotions);
        m::Price { net, gross, taxes }
    }

    fn charges(&mut self, field: &str, charges: &Option<Vec<Charge>>, numbers: &mut BTreeSet<i64>) -> Vec<(Option<String>, m::Price)> {
        let mut out = Vec::new();
        for (i, c) in charges.iter().flatten().enumerate() {
            let f = format!("{field}[{i}]");
            if let Some(n) = c.number {
                if !numbers.insert(n) {
                    self.bad(format!("{f}.number"), format!("charge number {n} is used more than once in the order"));
                }
            }
            let net = self.price(&format!("{f}.net"), &c.net);
            let gross = self.price(&format!("{f}.gross"), &c.gross);
            if gross < net {
                self.bad(format!("{f}.gross"), "gross must be greater than or equal to net");
            }
            let taxes = self.taxes(&format!("{f}.taxes"), &c.taxes);
            self.promotions(&format!("{f}.promotions"), &c.promotions);
            out.push((Some(c.kind.clone()), m::Price { net: Some(net), gross: Some(gross), taxes }));
        }
        out
    }

    fn contact(&mut self, field: &str, c: &Option<Contact>) {
        if let Some(c) = c {
            self.len(&format!("{field}.email"), &c.email, 1, 100);
            let ok = c.email.split_once('@').is_some_and(|(a, b)| !a.is_empty() && !b.is_empty() && !b.contains('@')) && !c.email.chars().any(char::is_whitespace);
            if !ok {
                self.bad(format!("{field}.email"), format!("`{}` is not an e-mail address", short(&c.email)));
            }
            self.opt_len(&format!("{field}.phone"), &c.phone, 25);
            self.opt_len(&format!("{field}.mobile"), &c.mobile, 25);
            self.opt_len(&format!("{field}.fax"), &c.fax, 25);
        }
    }

    fn receiver(&mut self, field: &str, r: &Receiver) {
        self.opt_len(&format!("{field}.companyName"), &r.company_name, 100);
        if let Some(p) = &r.person {
            let f = format!("{field}.person");
            self.opt_len(&format!("{f}.salutation"), &p.salutation, 25);
            self.opt_len(&format!("{f}.title"), &p.title, 25);
            self.opt_len(&format!("{f}.firstName"), &p.first_name, 50);
            self.len(&format!("{f}.lastName"), &p.last_name, 1, 50);
        }
        match r.address_receiver_type {
            PartyType::Person if r.person.is_none() => self.bad(format!("{field}.person"), "required when addressReceiverType is PERSON"),
            PartyType::Company if r.company_name.as_deref().is_none_or(|c| c.trim().is_empty()) => {
                self.bad(format!("{field}.companyName"), "required when addressReceiverType is COMPANY")
            }
            _ => {}
        }
    }

    fn address(&mut self, field: &str, a: &Address, invoice: bool) {
        let l = &a.location;
        let f = format!("{field}.location");
        self.len(&format!("{f}.city"), &l.city, 1, 100);
        self.len(&format!("{f}.postCode"), &l.post_code, 1, 25);
        self.opt_len(&format!("{f}.district"), &l.district, 100);
        if l.country_code.len() != 3 || !l.country_code.bytes().all(|b| b.is_ascii_alphabetic()) {
            self.bad(format!("{f}.countryCode"), format!("`{}` is not an ISO-3166 alpha-3 country code (e.g. DEU)", short(&l.country_code)));
        }
        let additions = l.additions.as_ref().map_or(0, Vec::len);
        if additions > 3 {
            self.bad(format!("{f}.additions"), "at most 3 additions");
        }
        match l.kind.as_str() {
            STREET => {
                match &l.street {
                    None => self.bad(format!("{f}.street"), "required for an AddressLocationStreet"),
                    Some(s) => self.len(&format!("{f}.street"), s, 0, 100),
                }
                self.opt_len(&format!("{f}.streetNumber"), &l.street_number, 20);
            }
            PO_BOX => match &l.post_box {
                None => self.bad(format!("{f}.postBox"), "required for an AddressLocationPOBox"),
                Some(s) => self.len(&format!("{f}.postBox"), s, 1, 25),
            },
            PACKSTATION if invoice => self.bad(format!("{f}.type"), "a packstation is not allowed for the invoice address"),
            PACKSTATION => {
                for (name, v) in [("userId", &l.user_id), ("stationNumber", &l.station_number)] {
                    match v {
                        None => self.bad(format!("{f}.{name}"), "required for an AddressLocationPackstation"),
                        Some(s) => self.len(&format!("{f}.{name}"), s, 1, 100),
                    }
                }
                if additions > 2 {
                    self.bad(format!("{f}.additions"), "at most 2 additions for a packstation");
                }
            }
            other => self.bad(format!("{f}.type"), format!("`{}` is none of {STREET}, {PO_BOX}, {PACKSTATION}", short(other))),
        }
        self.contact(&format!("{field}.contact"), &a.contact);
        self.receiver(&format!("{field}.receiver"), &a.receiver);
    }
}

/// At most 40 characters of a value quoted in a message.
fn short(text: &str) -> String {
    if text.chars().count() > 40 {
        format!("{}...", text.chars().take(40).collect::<String>())
    } else {
        text.to_string()
    }
}

/// A position of the body as it will be written, with where it is.
struct CheckedPosition {
    at: String,
    bucket: usize,
    number: Option<i64>,
    quantity: i64,
    product: String,
    sum: m::Price,
    unit: Option<m::Price>,
}

/// What the checks of a body found: its problems, and its values in minor units.
struct Checked {
    problems: Vec<Problem>,
    sum: m::Price,
    total: m::Price,
    charges: Vec<(Option<String>, m::Price)>,
    positions: Vec<CheckedPosition>,
}

/// Checks an order body against the spec's rules (no database): lengths, required parts of
/// each kind, dates, amounts (at most 2 decimals, net ≤ gross, discounted ≤ amount), unique
/// numbers and tax types, and the sums: the subtotal is the sum of the positions' sums, the
/// total the subtotal plus the charges (net and gross, where all of them give it).
pub fn check_order(o: &Order, purpose: Purpose) -> Vec<Problem> {
    check(o, purpose).problems
}

fn check(o: &Order, purpose: Purpose) -> Checked {
    let mut c = Checker { problems: Vec::new() };
    c.len("shopOrderNumber", &o.shop_order_number, 1, 50);
    c.date("shopOrderCreationDate", &o.shop_order_creation_date);
    match (&o.shop_order_update_date, purpose) {
        (Some(d), _) => c.date("shopOrderUpdateDate", d),
        (None, Purpose::Change) => c.bad("shopOrderUpdateDate", "required for a change request"),
        (None, Purpose::Create) => {}
    }
    c.opt_len("costCenter", &o.cost_center, 100);
    c.opt_len("project", &o.project, 100);
    let cd = &o.customer_data;
    c.opt_len("customerData.orderNumber", &cd.order_number, 50);
    c.opt_len("customerData.shopCustomerNumber", &cd.shop_customer_number, 255);
    if let Some(co) = &cd.company_data {
        let f = "customerData.companyData";
        c.len(&format!("{f}.companyName"), &co.company_name, 1, 100);
        for (name, v) in [
            ("department", &co.department),
            ("lineOfBusiness", &co.line_of_business),
            ("costCenterNumber", &co.cost_center_number),
            ("commercialRegisterNumber", &co.commercial_register_number),
            ("commercialRegisterLocation", &co.commercial_register_location),
            ("companyType", &co.company_type),
        ] {
            c.opt_len(&format!("{f}.{name}"), v, 50);
        }
        c.opt_len(&format!("{f}.vatNumber"), &co.vat_number, 25);
    } else if cd.customer_data_type == PartyType::Company {
        c.bad("customerData.companyData", "required when customerDataType is COMPANY");
    }
    c.address("invoiceAddress", &o.invoice_address, true);
    let p = &o.payment;
    c.opt_len("payment.paymentProviderOrderNo", &p.payment_provider_order_no, 50);
    c.opt_len("payment.paymentProviderRefNo", &p.payment_provider_ref_no, 50);
    c.opt_len("payment.paymentProviderMerchantAccount", &p.payment_provider_merchant_account, 100);
    if p.payment_method.trim().is_empty() {
        c.bad("payment.paymentMethod", "must not be empty");
    }
    let s = &o.sales;
    if s.currency_code.len() != 3 || !s.currency_code.bytes().all(|b| b.is_ascii_alphabetic()) {
        c.bad("sales.currencyCode", format!("`{}` is not an ISO 4217 currency code (e.g. EUR)", short(&s.currency_code)));
    }
    let sum = c.sum("sales.subTotal", &s.sub_total);
    let total = c.sum("sales.total", &s.total);
    let mut charge_numbers = BTreeSet::new();
    let mut charges = c.charges("sales.charges", &s.charges, &mut charge_numbers);
    let mut bucket_numbers = BTreeSet::new();
    let mut position_numbers = BTreeSet::new();
    let mut positions = Vec::new();
    for (b, bucket) in o.shipping_buckets.iter().enumerate() {
        let bf = format!("shippingBuckets[{b}]");
        if let Some(n) = bucket.number.as_deref().filter(|n| !n.trim().is_empty()) {
            if !bucket_numbers.insert(n.to_string()) {
                c.bad(format!("{bf}.number"), format!("shipping bucket number `{}` is used more than once", short(n)));
            }
        }
        c.address(&format!("{bf}.shippingAddress"), &bucket.shipping_address, false);
        charges.extend(c.charges(&format!("{bf}.charges"), &bucket.charges, &mut charge_numbers));
        if purpose == Purpose::Create && bucket.positions.is_empty() {
            c.bad(format!("{bf}.positions"), "at least one position is required");
        }
        for (i, pos) in bucket.positions.iter().enumerate() {
            let pf = format!("{bf}.positions[{i}]");
            if let Some(n) = pos.number {
                if !(0..=i32::MAX as i64).contains(&n) {
                    c.bad(format!("{pf}.number"), "a number from 0 to 2147483647");
                } else if !position_numbers.insert(n) {
                    c.bad(format!("{pf}.number"), format!("position number {n} is used more than once in the order"));
                }
            }
            if !(1..=i32::MAX as i64).contains(&pos.quantity) {
                c.bad(format!("{pf}.quantity"), "a quantity from 1 to 2147483647");
            }
            if pos.product.number.trim().is_empty() {
                c.bad(format!("{pf}.product.number"), "must not be empty");
            }
            c.opt_len(&format!("{pf}.costCenter"), &pos.cost_center, 100);
            c.opt_len(&format!("{pf}.project"), &pos.project, 100);
            let psum = c.sum(&format!("{pf}.sum"), &pos.sum);
            let unit = pos.unit_price.as_ref().map(|u| {
                let net = u.net.as_ref().map(|p| c.list_price(&format!("{pf}.unitPrice.net"), p));
                let gross = u.gross.as_ref().map(|p| c.list_price(&format!("{pf}.unitPrice.gross"), p));
                c.net_gross(&format!("{pf}.unitPrice"), net, gross);
                m::Price { net, gross, taxes: Vec::new() }
            });
            let sh = &pos.shipping;
            let sf = format!("{pf}.shipping");
            if !(-1..=i32::MAX as i64).contains(&sh.expected_delivery_days) {
                c.bad(format!("{sf}.expectedDeliveryDays"), "a number of days from -1 to 2147483647");
            }
            let dd = &sh.delivery_date;
            match dd.delivery_date_type {
                DeliveryDateType::Express if dd.name.as_deref().is_none_or(|n| n.trim().is_empty()) => {
                    c.bad(format!("{sf}.deliveryDate.name"), "required when deliveryDateType is EXPRESS")
                }
                DeliveryDateType::Earliest | DeliveryDateType::Fixed => match &dd.desired_delivery_date {
                    None => c.bad(format!("{sf}.deliveryDate.desiredDeliveryDate"), "required when deliveryDateType is EARLIEST or FIXED"),
                    Some(d) => c.date(&format!("{sf}.deliveryDate.desiredDeliveryDate"), d),
                },
                _ => {}
            }
            positions.push(CheckedPosition { at: pf, bucket: b, number: pos.number, quantity: pos.quantity, product: pos.product.number.clone(), sum: psum, unit });
        }
    }
    // the sums (only where every part gives the amount, and the parts themselves are sound)
    if c.problems.is_empty() && !positions.is_empty() {
        for (label, pick) in [("net", 0usize), ("gross", 1)] {
            let get = |p: &m::Price| if pick == 0 { p.net } else { p.gross };
            let parts: Option<i64> = positions.iter().map(|p| get(&p.sum)).sum();
            if let (Some(parts), Some(sub)) = (parts, get(&sum)) {
                if parts != sub {
                    c.bad(format!("sales.subTotal.{label}"), format!("{} is not the sum of the positions' sums ({})", money(sub), money(parts)));
                }
            }
            let extra: Option<i64> = charges.iter().map(|(_, p)| get(p)).sum();
            if let (Some(sub), Some(extra), Some(tot)) = (get(&sum), extra, get(&total)) {
                if sub + extra != tot {
                    c.bad(format!("sales.total.{label}"), format!("{} is not the subtotal plus the charges ({})", money(tot), money(sub + extra)));
                }
            }
        }
    }
    Checked { problems: c.problems, sum, total, charges, positions }
}

fn money(cents: i64) -> String {
    format!("{}{}.{:02}", if cents < 0 { "-" } else { "" }, cents.abs() / 100, cents.abs() % 100)
}

// ---------------------------------------------------------------------------------------------
// Create
// ---------------------------------------------------------------------------------------------

/// A supplier location of the shop for a product: (supplier, supplier's article number, what
/// it has available, `"Shop2SupplierDO"."shopSupplierName"`).
type Stock = (i64, String, i64, Option<String>);

/// `POST /shops/{shopId}/orders`: checks `o` and stores it (the shop's order number is its
/// key); returns the `"OrderDO"` id. Every problem is an [`OrderError::Invalid`] and nothing
/// is stored. The commit is durable before this returns (the 201 follows it).
pub fn create_order(conn: &mut Conn, shop: i64, o: &Order) -> Result<i64> {
    let checked = check(o, Purpose::Create);
    let mut problems = checked.problems.clone();
    conn.durable_commits()?;
    let tx = conn.write()?;
    if !invq::shop_exists(&tx, shop)? {
        return Err(OrderError::Invalid(vec![Problem::coded("UNKNOWN_SHOP", "shopId", format!("shop {shop} does not exist"))]));
    }
    if let Some((id, when)) = iq::order_by_shop_no(&tx, shop, &o.shop_order_number)? {
        tracing::info!(shop, order = %o.shop_order_number, id, "order refused: a second order with the same number");
        let when = time::column_rfc3339(&when).unwrap_or(when);
        return Err(OrderError::Invalid(vec![Problem::coded(
            "DUPLICATE_ORDER",
            "shopOrderNumber",
            format!("order `{}` of shop {shop} already exists (received {when}): it is not created again", short(&o.shop_order_number)),
        )]));
    }
    if iq::payment_def_by_name(&tx, &o.payment.payment_method)?.is_none() {
        problems.push(Problem::coded("UNKNOWN_PAYMENT_METHOD", "payment.paymentMethod", format!("no payment method `{}` (\"PaymentDefDO\" name)", short(&o.payment.payment_method))));
    }
    let mut carrier = None;
    for (b, bucket) in o.shipping_buckets.iter().enumerate() {
        if let Some(name) = bucket.shipping_method.as_deref().filter(|n| !n.trim().is_empty()) {
            match q::carrier_of_shop(&tx, shop, name)? {
                Some(id) => {
                    if carrier.is_none() {
                        carrier = Some((id.to_string(), m::At { line: 0, field: format!("shippingBuckets[{b}].shippingMethod") }));
                    }
                }
                None => problems.push(Problem::coded(
                    "UNKNOWN_SHIPPING_METHOD",
                    format!("shippingBuckets[{b}].shippingMethod"),
                    format!("no carrier `{}` for shop {shop} (\"Shop2CarrierDO\" shopCarrierName or \"CarrierDO\" name)", short(name)),
                )),
            }
        }
    }
    for (i, t) in tax_types(o).into_iter() {
        if crate::order::writer::tax_type(&tx, &t.kind).map_err(|e| OrderError::Storage(e.to_string()))?.is_none() && t.rate.is_none() {
            problems.push(Problem::new(i, format!("tax type `{}` is unknown: its rate is required", short(&t.kind))));
        }
    }
    let mut holdings = Vec::new();
    if let Some(resv) = o.reservation_id {
        match invq::reservation(&tx, resv)? {
            Some(r) if r.shop == shop => holdings = q::reservation_holdings(&tx, resv)?,
            _ => problems.push(Problem::coded("UNKNOWN_RESERVATION", "reservationId", format!("shop {shop} has no reservation {resv}"))),
        }
    }
    // every product at an active supplier of the shop; the supplier of each position
    let ids: Vec<String> = checked.positions.iter().map(|p| p.product.clone()).collect();
    let rows = if ids.is_empty() { Vec::new() } else { invq::stock_rows(&tx, shop, &ids, &time::now_text(), o.reservation_id)? };
    let mut suppliers: Vec<Option<(i64, String)>> = Vec::with_capacity(ids.len());
    for (pos, p) in checked.positions.iter().enumerate() {
        let here: Vec<Stock> = rows.iter().filter(|r| r.pos == pos).map(|r| (r.supplier, r.supplier_article_no.clone(), (r.stock - r.blocked - r.reserved).max(0), r.location.clone())).collect();
        if here.is_empty() {
            problems.push(Problem::coded("UNKNOWN_PRODUCT", format!("{}.product.number", p.at), format!("product `{}` is not known for shop {shop} (no active supplier of the shop has it)", short(&p.product))));
            suppliers.push(None);
            continue;
        }
        let preferred = o.shipping_buckets[p.bucket].positions.iter().find(|x| x.product.number == p.product).and_then(|x| x.shipping.selected_supplier.clone());
        suppliers.push(Some(choose(&here, &holdings, &p.product, p.quantity, preferred.as_deref())));
    }
    if !problems.is_empty() {
        return Err(OrderError::Invalid(problems));
    }
    let new = new_order(o, &checked, carrier, suppliers);
    let id = crate::order::writer::write(&tx, shop, &new).map_err(|e| OrderError::Storage(e.to_string()))?;
    tx.commit()?;
    tracing::info!(shop, order = %o.shop_order_number, id, "order created by the order service");
    Ok(id)
}

/// Where a position goes: the supplier its reservation holds it at; else the preferred supplier
/// (`selectedSupplier`, the shop's name for it) when it has enough; else the first location
/// (by `"Shop2SupplierDO"` id) that has enough; else the one with the most available.
fn choose(here: &[Stock], holdings: &[(String, i64, String)], product: &str, quantity: i64, preferred: Option<&str>) -> (i64, String) {
    if let Some((_, s, a)) = holdings.iter().find(|(p, s, _)| p == product && here.iter().any(|l| l.0 == *s)) {
        return (*s, a.clone());
    }
    let pick = preferred
        .and_then(|name| here.iter().find(|l| l.3.as_deref() == Some(name) && l.2 >= quantity))
        .or_else(|| here.iter().find(|l| l.2 >= quantity))
        .or_else(|| here.iter().max_by_key(|l| (l.2, std::cmp::Reverse(l.0))))
        .expect("at least one location");
    (pick.0, pick.1.clone())
}

/// Every tax of the body with its path.
fn tax_types(o: &Order) -> Vec<(String, &Tax)> {
    fn push<'a>(out: &mut Vec<(String, &'a Tax)>, path: &str, taxes: &'a [Tax]) {
        out.extend(taxes.iter().enumerate().map(|(i, t)| (format!("{path}[{i}].type"), t)));
    }
    let mut out = Vec::new();
    push(&mut out, "sales.subTotal.taxes", &o.sales.sub_total.taxes);
    push(&mut out, "sales.total.taxes", &o.sales.total.taxes);
    for (i, ch) in o.sales.charges.iter().flatten().enumerate() {
        push(&mut out, &format!("sales.charges[{i}].taxes"), &ch.taxes);
    }
    for (b, bucket) in o.shipping_buckets.iter().enumerate() {
        for (i, ch) in bucket.charges.iter().flatten().enumerate() {
            push(&mut out, &format!("shippingBuckets[{b}].charges[{i}].taxes"), &ch.taxes);
        }
        for (i, p) in bucket.positions.iter().enumerate() {
            push(&mut out, &format!("shippingBuckets[{b}].positions[{i}].sum.taxes"), &p.sum.taxes);
        }
    }
    out
}

fn prop(group: &str, key: impl Into<String>, value: &str) -> m::Property {
    m::Property { group: group.to_string(), key: key.into(), value: value.to_string() }
}

fn opt_prop(out: &mut Vec<m::Property>, key: &str, value: &Option<String>) {
    if let Some(v) = value {
        out.push(prop(GROUP, key, v));
    }
}

fn attributes(out: &mut Vec<m::Property>, prefix: &str, attrs: &Option<Attributes>) {
    for (group, pairs) in attrs.iter().flatten() {
        for (k, v) in pairs {
            out.push(prop(&format!("{prefix}{group}"), k.clone(), v));
        }
    }
}

fn party_of(a: &Address) -> m::Party {
    let person = a.receiver.person.clone().unwrap_or_default();
    let contact = a.contact.clone().unwrap_or_default();
    let text = |s: &str| if s.is_empty() { None } else { Some(s.to_string()) };
    m::Party {
        company: a.receiver.company_name.clone().filter(|c| !c.is_empty()),
        department: None,
        vat_no: None,
        salutation: person.salutation,
        title: person.title,
        first_name: person.first_name,
        last_name: text(&person.last_name),
        email: text(&contact.email),
        telephone: contact.phone,
        mobile: contact.mobile,
        fax: contact.fax,
    }
}

/// An address of the body as `"OrderAddressDO"` values; `typeName` keeps the location's kind.
fn address_of(a: &Address, kind: &'static str) -> m::Address {
    let l = &a.location;
    let mut additions = l.additions.clone().unwrap_or_default().into_iter();
    let addition1 = additions.next();
    // a third addition goes with the second (the table has two)
    let rest: Vec<String> = additions.collect();
    let addition2 = if rest.is_empty() { None } else { Some(rest.join("\n")) };
    let packstation = (l.kind == PACKSTATION).then(|| format!("{} {}", l.station_number.clone().unwrap_or_default(), l.user_id.clone().unwrap_or_default()));
    m::Address {
        kind,
        type_name: Some(l.kind.clone()),
        receiver: party_of(a),
        street: if l.kind == STREET { l.street.clone() } else { None },
        house_number: if l.kind == STREET { l.street_number.clone().filter(|s| !s.is_empty()) } else { None },
        po_box: if l.kind == PO_BOX { l.post_box.clone() } else { None },
        packstation,
        addition1,
        addition2,
        district: l.district.clone(),
        city: l.city.clone(),
        post_code: l.post_code.clone(),
        state: None,
        country: l.country_code.to_ascii_uppercase(),
    }
}

fn new_order(o: &Order, checked: &Checked, carrier: Option<(String, m::At)>, suppliers: Vec<Option<(i64, String)>>) -> m::NewOrder {
    let cd = &o.customer_data;
    let mut customer = party_of(&o.invoice_address);
    if let Some(co) = &cd.company_data {
        if cd.customer_data_type == PartyType::Company {
            customer.company = Some(co.company_name.clone());
            customer.department = co.department.clone();
            customer.vat_no = co.vat_number.clone();
        }
    }
    let mut properties = Vec::new();
    opt_prop(&mut properties, "costCenter", &o.cost_center);
    opt_prop(&mut properties, "project", &o.project);
    opt_prop(&mut properties, "shopOrderUpdateDate", &o.shop_order_update_date);
    opt_prop(&mut properties, "customerOrderNumber", &cd.order_number);
    opt_prop(&mut properties, "paymentProviderOrderNo", &o.payment.payment_provider_order_no);
    opt_prop(&mut properties, "paymentProviderRefNo", &o.payment.payment_provider_ref_no);
    opt_prop(&mut properties, "paymentProviderMerchantAccount", &o.payment.payment_provider_merchant_account);
    if let Some(co) = cd.company_data.as_ref().filter(|_| cd.customer_data_type == PartyType::Company) {
        opt_prop(&mut properties, "lineOfBusiness", &co.line_of_business);
        opt_prop(&mut properties, "costCenterNumber", &co.cost_center_number);
        opt_prop(&mut properties, "commercialRegisterNumber", &co.commercial_register_number);
        opt_prop(&mut properties, "commercialRegisterLocation", &co.commercial_register_location);
        opt_prop(&mut properties, "companyType", &co.company_type);
    }
    attributes(&mut properties, "", &o.additional_attributes);
    let mut addresses = Vec::new();
    for (b, bucket) in o.shipping_buckets.iter().enumerate() {
        addresses.push(address_of(&bucket.shipping_address, "DELIVERY"));
        opt_prop(&mut properties, &format!("bucket.{b}.number"), &bucket.number);
        opt_prop(&mut properties, &format!("bucket.{b}.shippingMethod"), &bucket.shipping_method);
        attributes(&mut properties, &format!("{GROUP}.bucket.{b}."), &bucket.additional_attributes);
    }
    addresses.push(address_of(&o.invoice_address, "BILLING"));
    // unnumbered positions follow the highest number given
    let mut next = checked.positions.iter().filter_map(|p| p.number).max().map_or(1, |n| n + 1);
    let mut positions = Vec::with_capacity(checked.positions.len());
    let mut flat = o.shipping_buckets.iter().flat_map(|b| b.positions.iter());
    for (cp, supplier) in checked.positions.iter().zip(suppliers) {
        let p = flat.next().expect("one body position per checked position");
        let number = cp.number.unwrap_or_else(|| {
            next += 1;
            next - 1
        });
        let mut pprops = vec![prop(GROUP, "bucket", &cp.bucket.to_string())];
        opt_prop(&mut pprops, "productUnit", &p.product_unit);
        opt_prop(&mut pprops, "costCenter", &p.cost_center);
        opt_prop(&mut pprops, "project", &p.project);
        opt_prop(&mut pprops, "freightClass", &p.shipping.freight_class);
        pprops.push(prop(GROUP, "deliveryDateType", p.shipping.delivery_date.delivery_date_type.as_str()));
        opt_prop(&mut pprops, "deliveryDateName", &p.shipping.delivery_date.name);
        opt_prop(&mut pprops, "desiredDeliveryDate", &p.shipping.delivery_date.desired_delivery_date);
        pprops.push(prop(GROUP, "taxes", &serde_json::to_string(&p.sum.taxes).unwrap_or_default()));
        attributes(&mut pprops, "", &p.additional_attributes);
        let unit = cp.unit.clone();
        positions.push(m::Position {
            number,
            article_id: p.product.number.clone(),
            article_name: p.product.name.clone(),
            ean: p.product.ean.map(|e| e.to_string()),
            isbn: p.product.isbn.clone(),
            quantity: cp.quantity,
            delivery_days: p.shipping.expected_delivery_days,
            selected_supplier: p.shipping.selected_supplier.clone(),
            sum: Some(cp.sum.clone()),
            unit_net_decimal: unit.as_ref().and_then(|u| u.net).map(money),
            unit_gross_decimal: unit.as_ref().and_then(|u| u.gross).map(money),
            unit,
            purchase_sum_net: None,
            purchase_unit_net: None,
            purchase_unit_net_decimal: None,
            delivery_options: p.shipping.delivery_options.clone().unwrap_or_default(),
            properties: pprops,
            supplier,
            at: m::At { line: 0, field: cp.at.clone() },
        });
    }
    m::NewOrder {
        shop_order_no: o.shop_order_number.clone(),
        shop_order_no_at: m::At { line: 0, field: "shopOrderNumber".into() },
        customer_no: cd.shop_customer_number.clone().filter(|n| !n.is_empty()),
        b2b: cd.customer_data_type == PartyType::Company,
        customer,
        company_no: None,
        invoice_no: None,
        created: time::parse_rfc3339(&o.shop_order_creation_date).map(time::format).unwrap_or_else(time::now_text),
        message_id: None,
        payment_method: Some(o.payment.payment_method.clone()),
        currency: Some(o.sales.currency_code.to_ascii_uppercase()),
        carrier,
        no_sales: false,
        optimization: o.optimization_rule.clone(),
        split_shipment_allowed: o.split_shipment_allowed,
        immaterial: None,
        sum: Some(checked.sum.clone()),
        charges: checked.charges.clone(),
        total: Some(checked.total.clone()),
        addresses,
        positions,
        properties,
        release: true,
        reservation: o.reservation_id,
        at: m::At { line: 0, field: String::new() },
    }
}

// ---------------------------------------------------------------------------------------------
// Read
// ---------------------------------------------------------------------------------------------

fn order_of(conn: &Conn, shop: i64, no: &str) -> Result<i64> {
    q::order_id(conn, shop, no)?.ok_or_else(|| OrderError::NotFound(format!("shop {shop} has no order `{}`", short(no))))
}

fn amount(c: Option<i64>) -> Option<Price> {
    c.map(|c| Price { amount: c as f64 / 100.0, amount_discounted: None })
}

/// The price rows of one kind, grouped: a new price starts at a row with an amount.
fn prices(rows: &[&Rec]) -> Vec<(Option<String>, SumPrice)> {
    let mut out: Vec<(Option<String>, SumPrice)> = Vec::new();
    for r in rows {
        let starts = out.is_empty() || r.i("net").is_some() || r.i("gross").is_some() || out.last().is_some_and(|(t, _)| t.as_deref() != r.s("chargeType"));
        if starts {
            out.push((r.o("chargeType"), SumPrice { net: amount(r.i("net")), gross: amount(r.i("gross")), taxes: Vec::new(), promotions: None }));
        }
        if let (Some(t), Some(a)) = (r.s("taxType"), r.i("tax")) {
            out.last_mut().expect("one").1.taxes.push(Tax { kind: t.to_string(), amount: a as f64 / 100.0, rate: None, location: None });
        }
    }
    for (_, p) in &mut out {
        if p.taxes.is_empty() {
            // the spec requires a tax: an order without one (a storeOrder file may have none)
            p.taxes.push(Tax { kind: "NoTax".into(), amount: 0.0, rate: None, location: None });
        }
    }
    out
}

fn address_from(r: &Rec, props: &BTreeMap<String, String>) -> Address {
    let kind = match r.s("typeName") {
        Some(k @ (STREET | PO_BOX | PACKSTATION)) => k.to_string(),
        _ if r.s("poBox").is_some() => PO_BOX.into(),
        _ if r.s("packstation").is_some() => PACKSTATION.into(),
        _ => STREET.into(),
    };
    let _ = props;
    let mut additions: Vec<String> = Vec::new();
    additions.extend(r.o("addition1"));
    if let Some(a2) = r.s("addition2") {
        additions.extend(a2.split('\n').map(str::to_string));
    }
    let (station, user) = match r.s("packstation") {
        Some(p) => match p.split_once(' ') {
            Some((s, u)) => (Some(s.to_string()), Some(u.to_string())),
            None => (Some(p.to_string()), Some(p.to_string())),
        },
        None => (None, None),
    };
    let location = Location {
        city: r.t("city").to_string(),
        post_code: r.t("postCode").to_string(),
        district: r.o("district"),
        country_code: r.t("country").to_string(),
        additions: if additions.is_empty() { None } else { Some(additions) },
        street: if kind == STREET { Some(r.t("street").to_string()) } else { None },
        street_number: if kind == STREET { r.o("houseNumber") } else { None },
        post_box: if kind == PO_BOX { r.o("poBox") } else { None },
        user_id: if kind == PACKSTATION { user } else { None },
        station_number: if kind == PACKSTATION { station } else { None },
        kind,
    };
    let person = r.o("lastName").map(|last| Person { salutation: r.o("salutation"), title: r.o("title"), first_name: r.o("firstName"), last_name: last });
    let receiver = match (r.o("companyName"), person) {
        (Some(c), person) => Receiver { address_receiver_type: PartyType::Company, person, company_name: Some(c) },
        (None, person) => Receiver {
            address_receiver_type: PartyType::Person,
            person: Some(person.unwrap_or(Person { last_name: "-".into(), ..Default::default() })),
            company_name: None,
        },
    };
    let contact = r.o("email").map(|email| Contact { email, phone: r.o("telephone"), mobile: r.o("mobile"), fax: r.o("fax") });
    Address { location, contact, receiver }
}

/// `GET /shops/{shopId}/orders/{shopOrderNumber}`: the order as impex holds it, read from its
/// rows (see docs/orders.md for what is kept); [`OrderError::NotFound`] when the shop has no
/// such order.
pub fn get_order(conn: &Conn, shop: i64, no: &str) -> Result<Order> {
    let id = order_of(conn, shop, no)?;
    let o = q::order(conn, id)?.ok_or_else(|| OrderError::NotFound(format!("shop {shop} has no order `{}`", short(no))))?;
    let addresses = q::addresses(conn, id)?;
    let positions = q::positions(conn, id)?;
    let charges = q::charges(conn, id)?;
    let props = q::properties(conn, id)?;
    let mine: BTreeMap<String, String> = props.iter().filter(|p| p.s("positionRef").is_none() && p.t("groupId") == GROUP).map(|p| (p.t("key").to_string(), p.t("value").to_string())).collect();
    let get = |k: &str| mine.get(k).cloned();
    let mut order_attrs: Attributes = BTreeMap::new();
    let mut bucket_attrs: BTreeMap<usize, Attributes> = BTreeMap::new();
    for p in props.iter().filter(|p| p.s("positionRef").is_none() && p.t("groupId") != GROUP) {
        let group = p.t("groupId");
        let entry = match group.strip_prefix(&format!("{GROUP}.bucket.")).and_then(|rest| rest.split_once('.')) {
            Some((b, name)) => bucket_attrs.entry(b.parse().unwrap_or(0)).or_default().entry(name.to_string()).or_default(),
            None => order_attrs.entry(group.to_string()).or_default(),
        };
        entry.insert(p.t("key").to_string(), p.t("value").to_string());
    }
    let company = o.o("customerCompanyName");
    let customer_data = CustomerData {
        customer_data_type: if company.is_some() { PartyType::Company } else { PartyType::Person },
        order_number: get("customerOrderNumber"),
        shop_customer_number: o.o("shopCustomerNo"),
        company_data: company.map(|c| CompanyData {
            company_name: c,
            department: o.o("customerCompanyDepartment"),
            line_of_business: get("lineOfBusiness"),
            cost_center_number: get("costCenterNumber"),
            commercial_register_number: get("commercialRegisterNumber"),
            commercial_register_location: get("commercialRegisterLocation"),
            company_type: get("companyType"),
            vat_number: o.o("customerVatNo"),
        }),
    };
    let deliveries: Vec<&Rec> = addresses.iter().filter(|a| a.t("addressType") == "DELIVERY").collect();
    let billing = addresses.iter().find(|a| a.t("addressType") == "BILLING").or(deliveries.first().copied()).or(addresses.first());
    let invoice_address = match billing {
        Some(b) => address_from(b, &mine),
        None => Address {
            location: Location { kind: STREET.into(), street: Some(String::new()), ..Default::default() },
            contact: None,
            receiver: Receiver { address_receiver_type: PartyType::Person, person: Some(Person { last_name: o.o("customerLastName").unwrap_or_else(|| "-".into()), ..Default::default() }), company_name: None },
        },
    };
    let sums: Vec<&Rec> = charges.iter().filter(|c| c.t("kind") == "SUM").collect();
    let totals: Vec<&Rec> = charges.iter().filter(|c| c.t("kind") == "TOTAL").collect();
    let others: Vec<&Rec> = charges.iter().filter(|c| c.t("kind") == "CHARGE").collect();
    let empty = || SumPrice { net: Some(Price { amount: 0.0, amount_discounted: None }), gross: None, taxes: vec![Tax { kind: "NoTax".into(), amount: 0.0, rate: None, location: None }], promotions: None };
    let sub_total = prices(&sums).into_iter().next().map(|p| p.1).unwrap_or_else(|| SumPrice { net: amount(o.i("sumNet")), gross: amount(o.i("sumGross")), ..empty() });
    let total = prices(&totals).into_iter().next().map(|p| p.1).unwrap_or_else(|| SumPrice { net: amount(o.i("totalNet")), gross: amount(o.i("totalGross")), ..empty() });
    let fix = |mut p: SumPrice| {
        if p.net.is_none() && p.gross.is_none() {
            p.net = Some(Price { amount: 0.0, amount_discounted: None });
        }
        p
    };
    let charges: Vec<Charge> = prices(&others)
        .into_iter()
        .enumerate()
        .map(|(i, (t, p))| Charge {
            number: Some(i as i64 + 1),
            kind: t.unwrap_or_else(|| "CHARGE".into()),
            net: p.net.or(p.gross).unwrap_or(Price { amount: 0.0, amount_discounted: None }),
            gross: p.gross.or(p.net).unwrap_or(Price { amount: 0.0, amount_discounted: None }),
            taxes: p.taxes,
            promotions: None,
        })
        .collect();
    // positions by bucket
    let mut buckets: BTreeMap<usize, Vec<OrderPosition>> = BTreeMap::new();
    for p in &positions {
        let pid = p.t("id");
        let pp: Vec<&Rec> = props.iter().filter(|r| r.s("positionRef") == Some(pid)).collect();
        let g = |k: &str| pp.iter().find(|r| r.t("groupId") == GROUP && r.t("key") == k).map(|r| r.t("value").to_string());
        let mut attrs: Attributes = BTreeMap::new();
        let mut options = Vec::new();
        for r in pp.iter().filter(|r| r.t("groupId") != GROUP) {
            if r.t("groupId") == "DeliveryOption" {
                options.push(r.t("key").to_string());
            } else {
                attrs.entry(r.t("groupId").to_string()).or_default().insert(r.t("key").to_string(), r.t("value").to_string());
            }
        }
        let taxes: Vec<Tax> = g("taxes").and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_else(|| {
            vec![Tax { kind: p.o("taxTypeName").unwrap_or_else(|| "NoTax".into()), amount: p.i("sumTax").unwrap_or(0) as f64 / 100.0, rate: None, location: None }]
        });
        let unit = |c: Option<i64>| c.map(|c| ListPrice { amount: c as f64 / 100.0, amount_discounted: None, list_price: None });
        let unit_price = if p.i("unitNet").is_some() || p.i("unitGross").is_some() { Some(UnitPrice { net: unit(p.i("unitNet")), gross: unit(p.i("unitGross")) }) } else { None };
        let delivery_date_type = g("deliveryDateType").and_then(|t| DeliveryDateType::parse(&t)).unwrap_or(DeliveryDateType::Standard);
        let position = OrderPosition {
            number: p.i("number").filter(|n| (0..=i32::MAX as i64).contains(n)),
            product_unit: g("productUnit"),
            product: Product { name: p.t("articleName").to_string(), number: p.t("articleId").to_string(), isbn: p.o("isbn"), ean: p.s("ean").and_then(|e| e.parse().ok()) },
            cost_center: g("costCenter"),
            project: g("project"),
            additional_attributes: if attrs.is_empty() { None } else { Some(attrs) },
            quantity: p.i("quantity").unwrap_or(1),
            sum: fix(SumPrice { net: amount(p.i("sumNet")), gross: amount(p.i("sumGross")), taxes, promotions: None }),
            unit_price,
            shipping: Shipping {
                freight_class: g("freightClass"),
                delivery_options: if options.is_empty() { None } else { Some(options) },
                delivery_date: DeliveryDate { delivery_date_type, name: g("deliveryDateName"), desired_delivery_date: g("desiredDeliveryDate") },
                expected_delivery_days: p.i("deliveryDays").unwrap_or(0).max(-1),
                selected_supplier: p.o("selectedSupplier"),
            },
        };
        let b = g("bucket").and_then(|b| b.parse().ok()).unwrap_or(0);
        buckets.entry(b).or_default().push(position);
    }
    let shipping_buckets = buckets
        .into_iter()
        .map(|(b, positions)| ShippingBucket {
            number: get(&format!("bucket.{b}.number")),
            shipping_address: deliveries.get(b).or(deliveries.first()).map(|a| address_from(a, &mine)).unwrap_or_else(|| invoice_address.clone()),
            shipping_method: get(&format!("bucket.{b}.shippingMethod")).or_else(|| if b == 0 { o.o("carrierName") } else { None }),
            charges: None,
            additional_attributes: bucket_attrs.remove(&b),
            positions,
        })
        .collect();
    Ok(Order {
        shop_order_number: o.t("shopOrderNo").to_string(),
        shop_order_creation_date: time::column_rfc3339(o.t("orderCreationDate")).unwrap_or_else(|| time::column_rfc3339(o.t("creationDate")).unwrap_or_default()),
        shop_order_update_date: get("shopOrderUpdateDate"),
        reservation_id: None,
        cost_center: get("costCenter"),
        project: get("project"),
        customer_data,
        invoice_address,
        sales: Sales { currency_code: o.t("currency").to_string(), sub_total: fix(sub_total), total: fix(total), charges: if charges.is_empty() { None } else { Some(charges) } },
        payment: Payment {
            payment_method: o.o("paymentMethod").or(o.o("paymentDefName")).unwrap_or_else(|| "NO_PAYMENT".into()),
            payment_provider_order_no: get("paymentProviderOrderNo"),
            payment_provider_ref_no: get("paymentProviderRefNo"),
            payment_provider_merchant_account: get("paymentProviderMerchantAccount"),
        },
        optimization_rule: o.o("optimization"),
        split_shipment_allowed: o.i("splitShipmentAllowed").map(|v| v != 0),
        additional_attributes: if order_attrs.is_empty() { None } else { Some(order_attrs) },
        shipping_buckets,
    })
}

// ---------------------------------------------------------------------------------------------
// Change requests
// ---------------------------------------------------------------------------------------------

/// `POST /shops/{shopId}/orders/{shopOrderNumber}/change-requests`: a cancellation. The
/// change request's order lists the positions that stay, each with the quantity that stays
/// (matched by `number`, else by product number); positions it leaves out are cancelled, a
/// change request without positions cancels the whole order. Only cancellations: a quantity
/// above what is open is refused (400). Applied when nothing of the order was dispatched
/// (APPLIED, the cancelled quantities in `"cancelledQuantity"`), else recorded as
/// FAILED_TO_APPLY with nothing changed. `body` is the change request's order as JSON (kept
/// for the view). Returns the change request's id.
pub fn create_change_request(conn: &mut Conn, shop: i64, no: &str, req: &ChangeRequestCreate, creator: &str) -> Result<String> {
    let cr = &req.change_request;
    let mut problems: Vec<Problem> = check(cr, Purpose::Change)
        .problems
        .into_iter()
        .filter(|p| !p.field.starts_with("sales.subTotal.net") && !p.field.starts_with("sales.subTotal.gross") && !p.field.starts_with("sales.total."))
        .map(|p| Problem { field: format!("changeRequest.{}", p.field), ..p })
        .collect();
    if cr.shop_order_number != no {
        problems.push(Problem::new("changeRequest.shopOrderNumber", format!("must be the order's number `{}`", short(no))));
    }
    let crid = req.change_request_id.as_str();
    if crid.trim().is_empty() {
        problems.push(Problem::new("changeRequestId", "must not be empty (it names the change request)"));
    } else if crid.chars().count() > 255 {
        problems.push(Problem::new("changeRequestId", "at most 255 characters"));
    }
    let body = serde_json::to_string(cr).map_err(|e| OrderError::Storage(e.to_string()))?;
    conn.durable_commits()?;
    let tx = conn.write()?;
    let Some(order) = q::order_id(&tx, shop, no)? else {
        problems.push(Problem::coded("UNKNOWN_ORDER", "shopOrderNumber", format!("shop {shop} has no order `{}`", short(no))));
        return Err(OrderError::Invalid(problems));
    };
    if !crid.trim().is_empty() && q::change_request(&tx, order, crid)?.is_some() {
        problems.push(Problem::coded("DUPLICATE_CHANGE_REQUEST", "changeRequestId", format!("order `{}` already has change request `{}`", short(no), short(crid))));
    }
    let rows = q::positions(&tx, order)?;
    // the quantity that stays of each position (row index -> quantity)
    let mut stays: BTreeMap<usize, i64> = BTreeMap::new();
    let listed: Vec<(String, &OrderPosition)> = cr
        .shipping_buckets
        .iter()
        .enumerate()
        .flat_map(|(b, bucket)| bucket.positions.iter().enumerate().map(move |(i, p)| (format!("changeRequest.shippingBuckets[{b}].positions[{i}]"), p)))
        .collect();
    for (at, p) in &listed {
        let found = match p.number {
            Some(n) => rows.iter().position(|r| r.i("number") == Some(n)),
            None => rows.iter().enumerate().position(|(i, r)| r.t("articleId") == p.product.number && !stays.contains_key(&i)),
        };
        let Some(i) = found else {
            let what = p.number.map_or_else(|| format!("with product `{}`", short(&p.product.number)), |n| format!("number {n}"));
            problems.push(Problem::coded("UNKNOWN_POSITION", format!("{at}.{}", if p.number.is_some() { "number" } else { "product.number" }), format!("order `{}` has no position {what}", short(no))));
            continue;
        };
        if stays.contains_key(&i) {
            problems.push(Problem::new(format!("{at}.number"), "the position is listed twice"));
            continue;
        }
        let open = rows[i].i("quantity").unwrap_or(0) - rows[i].i("cancelledQuantity").unwrap_or(0);
        if p.quantity > open {
            problems.push(Problem::coded(
                "NOT_A_CANCELLATION",
                format!("{at}.quantity"),
                format!("position {} has {open} open; a change request can only cancel (keep at most {open})", rows[i].t("number")),
            ));
        }
        stays.insert(i, p.quantity.min(open));
    }
    if !problems.is_empty() {
        return Err(OrderError::Invalid(problems));
    }
    let now = time::now_text();
    let id = crs::open(&tx, order, crid, creator, &body, &now)?;
    let dispatched = q::dispatched_quantity(&tx, order)?;
    if dispatched > 0 {
        crs::failed(&tx, id, &format!("{dispatched} piece(s) of the order were dispatched: a cancellation is accepted only while nothing of the order is dispatched; nothing was cancelled"), &now)?;
        tx.commit()?;
        tracing::info!(shop, order = no, change_request = crid, "change request refused: the order is (partly) dispatched");
        return Ok(crid.to_string());
    }
    let mut cancelled = Vec::new();
    let mut all = true;
    for (i, r) in rows.iter().enumerate() {
        let quantity = r.i("quantity").unwrap_or(0);
        let before = r.i("cancelledQuantity").unwrap_or(0);
        let keep = stays.get(&i).copied().unwrap_or(0);
        let now_cancelled = quantity - keep;
        if keep > 0 {
            all = false;
        }
        if now_cancelled != before {
            q::set_cancelled(&tx, order, r.i("id").unwrap_or(0), now_cancelled)?;
            cancelled.push(format!("position {}: {} cancelled", r.t("number"), now_cancelled - before));
        }
    }
    let transmissions = q::order_transmissions(&tx, order)?;
    let pending: Vec<(i64, TransmissionState)> =
        transmissions.iter().filter_map(|(t, s)| TransmissionState::parse(s).map(|s| (*t, s))).filter(|(_, s)| matches!(s, TransmissionState::Initial | TransmissionState::DoPush | TransmissionState::DoManualCheck)).collect();
    let pushed = transmissions.iter().any(|(_, s)| s == TransmissionState::Pushed.as_str());
    let notice = if cancelled.is_empty() || transmissions.iter().all(|(_, s)| s == TransmissionState::Canceled.as_str()) {
        "NONE"
    } else if all && !pushed {
        for (t, from) in &pending {
            ts::cancel(&tx, *t, *from, &format!("the order was cancelled by change request {}", short(crid)), &now)?;
        }
        "TRANSMISSION_CANCELED"
    } else {
        "NOT_SENT"
    };
    let what = if cancelled.is_empty() { "nothing to cancel".to_string() } else { cancelled.join("; ") };
    crs::applied(&tx, id, &what, notice, &now)?;
    tx.commit()?;
    tracing::info!(shop, order = no, change_request = crid, notice, "change request applied: {what}");
    Ok(crid.to_string())
}

fn view(r: &Rec) -> Result<ChangeRequestView> {
    let change_request: Order = serde_json::from_str(r.t("body")).map_err(|e| OrderError::Storage(format!("change request {}: {e}", r.t("id"))))?;
    Ok(ChangeRequestView {
        change_request,
        change_request_id: r.t("changeRequestId").to_string(),
        creator: r.t("creator").to_string(),
        creation_date: time::column_rfc3339(r.t("creationDate")).unwrap_or_default(),
        update_date: time::column_rfc3339(r.t("modificationDate")),
        status: r.t("status").to_string(),
    })
}

/// `GET .../change-requests`: the order's change requests, oldest first.
pub fn change_requests(conn: &Conn, shop: i64, no: &str) -> Result<Vec<ChangeRequestView>> {
    let order = order_of(conn, shop, no)?;
    q::change_requests(conn, order)?.iter().map(view).collect()
}

/// `GET .../change-requests/{changeRequestId}`.
pub fn change_request(conn: &Conn, shop: i64, no: &str, crid: &str) -> Result<ChangeRequestView> {
    let order = order_of(conn, shop, no)?;
    let r = q::change_request(conn, order, crid)?.ok_or_else(|| OrderError::NotFound(format!("order `{}` has no change request `{}`", short(no), short(crid))))?;
    view(&r)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample() -> serde_json::Value {
        let addr = serde_json::json!({
            "location": {"type": "AddressLocationStreet", "street": "Intershop Tower", "streetNumber": "1", "city": "Jena", "postCode": "07740", "countryCode": "DEU"},
            "contact": {"email": "peter@example.com"},
            "receiver": {"addressReceiverType": "PERSON", "person": {"firstName": "Peter", "lastName": "Sampleman"}}
        });
        serde_json::json!({
            "shopOrderNumber": "T-1", "shopOrderCreationDate": "2026-12-02T10:00:00.000+01:00",
            "customerData": {"customerDataType": "PERSON", "shopCustomerNumber": "C-1"},
            "invoiceAddress": addr,
            "payment": {"paymentMethod": "PAYPAL"},
            "sales": {"currencyCode": "EUR",
                      "subTotal": {"net": {"amount": 20.0}, "gross": {"amount": 23.8}, "taxes": [{"type": "FullTax", "amount": 3.8}]},
                      "total": {"net": {"amount": 25.0}, "gross": {"amount": 29.75}, "taxes": [{"type": "FullTax", "amount": 4.75}]},
                      "charges": [{"type": "DELIVERYCHARGE", "net": {"amount": 5.0}, "gross": {"amount": 5.95}, "taxes": [{"type": "FullTax", "amount": 0.95}]}]},
            "shippingBuckets": [{"shippingAddress": addr, "shippingMethod": "DHL", "positions": [
                {"product": {"name": "A", "number": "1000"}, "quantity": 2,
                 "sum": {"net": {"amount": 20.0}, "gross": {"amount": 23.8}, "taxes": [{"type": "FullTax", "amount": 3.8}]},
                 "shipping": {"deliveryDate": {"deliveryDateType": "STANDARD"}, "expectedDeliveryDays": 2}}]}]
        })
    }

    fn order(v: serde_json::Value) -> Order {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn a_sound_order_has_no_problems() {
        assert_eq!(check_order(&order(sample()), Purpose::Create), vec![]);
        // a change request needs its update date
        let p = check_order(&order(sample()), Purpose::Change);
        assert_eq!(p.iter().map(|p| p.field.as_str()).collect::<Vec<_>>(), ["shopOrderUpdateDate"]);
    }

    #[test]
    fn every_bad_field_is_named_by_its_path() {
        let mut v = sample();
        v["sales"]["subTotal"]["net"]["amount"] = serde_json::json!(19.999);
        v["shippingBuckets"][0]["positions"][0]["quantity"] = serde_json::json!(0);
        v["invoiceAddress"]["location"]["countryCode"] = serde_json::json!("Germany");
        v["invoiceAddress"]["location"]["type"] = serde_json::json!("AddressLocationPackstation");
        v["shippingBuckets"][0]["positions"][0]["sum"]["taxes"] = serde_json::json!([{"type": "FullTax", "amount": 1.9}, {"type": "FullTax", "amount": 1.9}]);
        let fields: Vec<String> = check_order(&order(v), Purpose::Create).into_iter().map(|p| p.field).collect();
        for want in [
            "sales.subTotal.net.amount",
            "shippingBuckets[0].positions[0].quantity",
            "invoiceAddress.location.countryCode",
            "invoiceAddress.location.type",
            "shippingBuckets[0].positions[0].sum.taxes[1].type",
        ] {
            assert!(fields.iter().any(|f| f == want), "{want} missing in {fields:?}");
        }
    }

    #[test]
    fn sums_must_add_up() {
        let mut v = sample();
        v["sales"]["total"]["gross"]["amount"] = serde_json::json!(30.0);
        let p = check_order(&order(v), Purpose::Create);
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].field, "sales.total.gross");
        assert!(p[0].reason.contains("29.75"), "{}", p[0].reason);
        let mut v = sample();
        v["shippingBuckets"][0]["positions"][0]["sum"]["net"]["amount"] = serde_json::json!(24.0);
        let p = check_order(&order(v), Purpose::Create);
        assert!(p.iter().any(|p| p.field == "shippingBuckets[0].positions[0].sum.gross"), "{p:?}");
    }

    #[test]
    fn the_supplier_of_a_position() {
        let here: Vec<Stock> = vec![(1, "a".into(), 1, Some("One".into())), (2, "b".into(), 5, Some("Two".into())), (3, "c".into(), 9, Some("Three".into()))];
        assert_eq!(choose(&here, &[], "p", 4, None).0, 2, "the first with enough");
        assert_eq!(choose(&here, &[], "p", 4, Some("Three")).0, 3, "the preferred one");
        assert_eq!(choose(&here, &[], "p", 20, None).0, 3, "the most available");
        assert_eq!(choose(&here, &[("p".into(), 1, "a".into())], "p", 4, None).0, 1, "the reservation's");
    }
}
