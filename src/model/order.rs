//! An order as the shop sends it, checked and typed, before it is written: the storeOrder import
//! (`transform::store_order`) parses a file into a [`NewOrder`], the order intake
//! (`order::writer`) writes it; an order arriving over HTTP takes the same writer.
//!
//! Amounts are minor units (cents). Values that the writer still has to look up (the carrier,
//! the payment method, tax types) are kept as sent, with [`At`] where a message must point.

/// Where a value came from, for a message: its line (in a file; 0 when none) and field path,
/// e.g. `Order/Carrier`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct At {
    pub line: u64,
    pub field: String,
}

/// A person or company with its contact data (customer, receiver of an address).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Party {
    pub company: Option<String>,
    pub department: Option<String>,
    pub vat_no: Option<String>,
    pub salutation: Option<String>,
    pub title: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub telephone: Option<String>,
    pub mobile: Option<String>,
    pub fax: Option<String>,
}

/// A tax of a price: its type as sent (e.g. `FullTax`, `NORMAL_TAX`) and amount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tax {
    pub ty: String,
    pub amount: i64,
}

/// A price block (sum, charge, total, unit price): net, gross and its taxes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Price {
    pub net: Option<i64>,
    pub gross: Option<i64>,
    pub taxes: Vec<Tax>,
}

/// A delivery, billing or other address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// `DELIVERY`, `BILLING` or `OTHER`.
    pub kind: &'static str,
    /// The type as sent (`Address/@type`).
    pub type_name: Option<String>,
    pub receiver: Party,
    pub street: Option<String>,
    /// The house number when sent apart from the street (the order service's `streetNumber`).
    pub house_number: Option<String>,
    pub po_box: Option<String>,
    pub packstation: Option<String>,
    pub addition1: Option<String>,
    pub addition2: Option<String>,
    pub district: Option<String>,
    pub city: String,
    pub post_code: String,
    pub state: Option<String>,
    pub country: String,
}

/// A property (group, key, value) of an order or a position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    pub group: String,
    pub key: String,
    pub value: String,
}

/// An order position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub number: i64,
    pub article_id: String,
    pub article_name: String,
    pub ean: Option<String>,
    pub isbn: Option<String>,
    pub quantity: i64,
    pub delivery_days: i64,
    pub selected_supplier: Option<String>,
    pub sum: Option<Price>,
    pub unit: Option<Price>,
    /// The unit prices exactly as sent (decimals with up to 5 places).
    pub unit_net_decimal: Option<String>,
    pub unit_gross_decimal: Option<String>,
    pub purchase_sum_net: Option<i64>,
    pub purchase_unit_net: Option<i64>,
    pub purchase_unit_net_decimal: Option<String>,
    /// Names of the delivery options (`Standard` included when chosen).
    pub delivery_options: Vec<String>,
    pub properties: Vec<Property>,
    /// The supplier the position goes to and the supplier's article number, when the intake
    /// chose one (the order service does, from the shop's suppliers and their stock).
    pub supplier: Option<(i64, String)>,
    pub at: At,
}

/// What is delivered without a delivery address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Immaterial {
    pub email: Option<String>,
    pub telephone: Option<String>,
    pub other: Option<String>,
}

/// An order of a shop, checked and typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrder {
    pub shop_order_no: String,
    pub shop_order_no_at: At,
    /// The shop's customer number: the customer is found or created by it.
    pub customer_no: Option<String>,
    /// A company customer (b2b).
    pub b2b: bool,
    pub customer: Party,
    pub company_no: Option<String>,
    pub invoice_no: Option<String>,
    /// Impex timestamp (UTC).
    pub created: String,
    pub message_id: Option<String>,
    pub payment_method: Option<String>,
    /// Three letters as sent; the shop's default currency when None.
    pub currency: Option<String>,
    pub carrier: Option<(String, At)>,
    pub no_sales: bool,
    pub optimization: Option<String>,
    pub split_shipment_allowed: Option<bool>,
    pub immaterial: Option<Immaterial>,
    pub sum: Option<Price>,
    pub charges: Vec<(Option<String>, Price)>,
    pub total: Option<Price>,
    /// The delivery address first (when there is one), then the others in order.
    pub addresses: Vec<Address>,
    pub positions: Vec<Position>,
    pub properties: Vec<Property>,
    /// The order goes to its suppliers right away (`"OrderDO"."readyForSupplier"` set once its
    /// positions are written, so the SEND_ORDER trigger sees them); otherwise it waits for
    /// someone to set it.
    pub release: bool,
    /// A reservation of the inventory service the order consumes: its rows are deleted in the
    /// order's unit of work.
    pub reservation: Option<i64>,
    pub at: At,
}
