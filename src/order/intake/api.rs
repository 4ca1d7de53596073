//! The order service 2.4's bodies (tests/openapi/intershop-order-management-order-2.4.yaml) as
//! serde types: `Order` and its parts, `ChangeRequestCreate`, `ChangeRequestView`. Required
//! properties of the spec are plain fields (serde refuses a body without them, naming them),
//! optional ones `Option`s left out when absent. Amounts are the spec's decimal numbers; the
//! intake turns them into minor units. Unknown properties are ignored (the spec allows them).
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The spec's vendor media type of requests and answers.
pub const MEDIA_TYPE: &str = "application/vnd.intershop.order.v2+json";

/// `additionalAttributes`: groups of name/value pairs.
pub type Attributes = BTreeMap<String, BTreeMap<String, String>>;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    pub shop_order_number: String,
    pub shop_order_creation_date: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shop_order_update_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reservation_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_center: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    pub customer_data: CustomerData,
    pub invoice_address: Address,
    pub sales: Sales,
    pub payment: Payment,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optimization_rule: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split_shipment_allowed: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_attributes: Option<Attributes>,
    pub shipping_buckets: Vec<ShippingBucket>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum PartyType {
    Person,
    Company,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerData {
    pub customer_data_type: PartyType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shop_customer_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_data: Option<CompanyData>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CompanyData {
    pub company_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_of_business: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_center_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commercial_register_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commercial_register_location: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat_number: Option<String>,
}

/// `AddressInvoice` and `AddressShipping` (the same properties).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    pub location: Location,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
    pub receiver: Receiver,
}

/// `AddressLocation` with the properties of its three kinds (`type` is the discriminator:
/// `AddressLocationStreet`, `AddressLocationPOBox`, `AddressLocationPackstation`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    pub city: String,
    pub post_code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
    pub country_code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additions: Option<Vec<String>>,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_box: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub station_number: Option<String>,
}

pub const STREET: &str = "AddressLocationStreet";
pub const PO_BOX: &str = "AddressLocationPOBox";
pub const PACKSTATION: &str = "AddressLocationPackstation";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    pub email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fax: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Receiver {
    pub address_receiver_type: PartyType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<Person>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Person {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salutation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    pub last_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sales {
    pub currency_code: String,
    pub sub_total: SumPrice,
    pub total: SumPrice,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charges: Option<Vec<Charge>>,
}

/// `Price`: `amount` and the discounted amount paid.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Price {
    pub amount: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_discounted: Option<f64>,
}

/// `ListPrice` (unit prices).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListPrice {
    pub amount: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_discounted: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list_price: Option<f64>,
}

/// `SumPrice` and `TotalPrice` (the latter has no promotions).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SumPrice {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub net: Option<Price>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gross: Option<Price>,
    pub taxes: Vec<Tax>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promotions: Option<Vec<Promotion>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnitPrice {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub net: Option<ListPrice>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gross: Option<ListPrice>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tax {
    #[serde(rename = "type")]
    pub kind: String,
    pub amount: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Charge {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<i64>,
    #[serde(rename = "type")]
    pub kind: String,
    pub net: Price,
    pub gross: Price,
    pub taxes: Vec<Tax>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promotions: Option<Vec<Promotion>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Promotion {
    pub promotion_value_type: PromotionValueType,
    pub promotion_value: f64,
    pub id: String,
    pub name: String,
    pub descriptor_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_source_id: Option<String>,
    pub net_value: f64,
    pub gross_value: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum PromotionValueType {
    Percentage,
    Fixed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Payment {
    pub payment_method: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_provider_order_no: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_provider_ref_no: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_provider_merchant_account: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShippingBucket {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    pub shipping_address: Address,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charges: Option<Vec<Charge>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_attributes: Option<Attributes>,
    pub positions: Vec<OrderPosition>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderPosition {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_unit: Option<String>,
    pub product: Product,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_center: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_attributes: Option<Attributes>,
    pub quantity: i64,
    pub sum: SumPrice,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_price: Option<UnitPrice>,
    pub shipping: Shipping,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Product {
    pub name: String,
    pub number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub isbn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ean: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Shipping {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub freight_class: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_options: Option<Vec<String>>,
    pub delivery_date: DeliveryDate,
    pub expected_delivery_days: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selected_supplier: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryDate {
    pub delivery_date_type: DeliveryDateType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired_delivery_date: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum DeliveryDateType {
    Standard,
    Express,
    Earliest,
    Fixed,
}

impl DeliveryDateType {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryDateType::Standard => "STANDARD",
            DeliveryDateType::Express => "EXPRESS",
            DeliveryDateType::Earliest => "EARLIEST",
            DeliveryDateType::Fixed => "FIXED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [DeliveryDateType::Standard, DeliveryDateType::Express, DeliveryDateType::Earliest, DeliveryDateType::Fixed].into_iter().find(|d| d.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangeRequestCreate {
    pub change_request: Order,
    pub change_request_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangeRequestView {
    pub change_request: Order,
    pub change_request_id: String,
    pub creator: String,
    pub creation_date: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_date: Option<String>,
    pub status: String,
}
