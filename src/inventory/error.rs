//! The inventory service's errors, and how the HTTP layer answers them (docs/api.md,
//! "Inventory: ATP and reservations"): [`InventoryError::http_status`] is the status code,
//! [`InventoryError::field_errors`] and [`InventoryError::exceptions`] the body's `errors` and
//! `exceptions`.
use crate::error::StoreError;
use crate::inventory::api::{CodedException, FieldError, HttpResponseListAtp, HttpResponseReservation};

/// A problem of one request field: `field` is its path (`id[2]`, `items[0].qty`, `lifetime`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: String,
    pub reason: String,
}

impl FieldProblem {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        FieldProblem { field: field.into(), reason: reason.into() }
    }
}

/// A product a COMPLETE reservation cannot have in full.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shortage {
    /// Index of the item in the request.
    pub index: usize,
    pub product_id: String,
    pub requested: i64,
    /// What all the shop's suppliers together have available (ATP) for it.
    pub available: i64,
}

/// `exceptions[].code` values.
pub mod code {
    /// The spec's code: an update of a reservation that had expired (the reservation was made
    /// anew; not an error, it comes with the successful answer).
    pub const EXPIRED: &str = "21004";
    pub const NOT_ENOUGH_STOCK: &str = "NOT_ENOUGH_STOCK";
    pub const UNKNOWN_SHOP: &str = "UNKNOWN_SHOP";
    // the HTTP layer's codes (src/http/error.rs) for the same kinds of error
    pub const RESERVATION_NOT_FOUND: &str = "NOT_FOUND";
    pub const INVALID_FIELD: &str = "VALIDATION_EXCEPTION";
    pub const BUSY: &str = "BUSY";
    pub const STORAGE: &str = "INTERNAL_ERROR";
}

#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    /// The path's `shopId` is no `"ShopDO"`: 400 (neither spec declares a 404 for it).
    #[error("shop {0} does not exist")]
    UnknownShop(i64),
    /// The path's `reservationId` is no reservation (never was, or deleted): 404.
    #[error("the reservation with id {0} does not exist")]
    ReservationNotFound(i64),
    /// Parameters or body fields are unusable: 400, one `FieldError` each.
    #[error("invalid request: {}", .0.iter().map(|p| format!("{}: {}", p.field, p.reason)).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldProblem>),
    /// A COMPLETE reservation (or its update) cannot have every item in full; nothing was
    /// reserved or changed: 400 (the spec declares no 409), one `FieldError` per item short.
    #[error("not enough stock: {}", .0.iter().map(|s| format!("{} ({} wanted, {} available)", s.product_id, s.requested, s.available)).collect::<Vec<_>>().join(", "))]
    NotEnoughStock(Vec<Shortage>),
    /// The database's write lock stayed taken longer than the busy timeout: 503, try again.
    #[error("the database is busy: {0}")]
    Busy(StoreError),
    /// Any other storage failure: 500.
    #[error("storage: {0}")]
    Storage(StoreError),
}

impl From<StoreError> for InventoryError {
    fn from(e: StoreError) -> Self {
        if e.is_busy() {
            InventoryError::Busy(e)
        } else {
            InventoryError::Storage(e)
        }
    }
}

impl InventoryError {
    /// The HTTP status code of the answer.
    pub fn http_status(&self) -> u16 {
        match self {
            InventoryError::UnknownShop(_) | InventoryError::Invalid(_) | InventoryError::NotEnoughStock(_) => 400,
            InventoryError::ReservationNotFound(_) => 404,
            InventoryError::Busy(_) => 503,
            InventoryError::Storage(_) => 500,
        }
    }

    /// The body's `errors`: one per field problem or item short of stock.
    pub fn field_errors(&self) -> Vec<FieldError> {
        let fe = |field: String, message: String| FieldError { message: Some(message), source_field: Some(field) };
        match self {
            InventoryError::Invalid(problems) => problems.iter().map(|p| fe(p.field.clone(), p.reason.clone())).collect(),
            InventoryError::NotEnoughStock(shortages) => shortages
                .iter()
                .map(|s| fe(format!("items[{}].qty", s.index), format!("{} of product '{}' wanted, {} available", s.requested, s.product_id, s.available)))
                .collect(),
            InventoryError::UnknownShop(_) => vec![fe("shopId".into(), self.to_string())],
            InventoryError::ReservationNotFound(_) => vec![fe("reservationId".into(), self.to_string())],
            InventoryError::Busy(_) | InventoryError::Storage(_) => Vec::new(),
        }
    }

    /// The code of the body's exception ([`code`]).
    pub fn code(&self) -> &'static str {
        match self {
            InventoryError::UnknownShop(_) => code::UNKNOWN_SHOP,
            InventoryError::ReservationNotFound(_) => code::RESERVATION_NOT_FOUND,
            InventoryError::Invalid(_) => code::INVALID_FIELD,
            InventoryError::NotEnoughStock(_) => code::NOT_ENOUGH_STOCK,
            InventoryError::Busy(_) => code::BUSY,
            InventoryError::Storage(_) => code::STORAGE,
        }
    }

    /// The message of the body's exception: the database's own message stays in the log.
    pub fn message(&self) -> String {
        match self {
            InventoryError::Busy(_) => "the database is busy; try again".to_string(),
            InventoryError::Storage(_) => "an unexpected error occurred".to_string(),
            other => other.to_string(),
        }
    }

    /// The body's `exceptions`: one, with [`Self::code`] and [`Self::message`].
    pub fn exceptions(&self) -> Vec<CodedException> {
        vec![CodedException { message: Some(self.message()), code: Some(self.code().into()) }]
    }

    /// The ATP answer's body for this error.
    pub fn to_atp_response(&self) -> HttpResponseListAtp {
        HttpResponseListAtp { data: None, status_code: Some(self.http_status() as i32), errors: self.field_errors(), exceptions: self.exceptions() }
    }

    /// The reservation answer's body for this error.
    pub fn to_reservation_response(&self) -> HttpResponseReservation {
        HttpResponseReservation { data: None, status_code: Some(self.http_status() as i32), errors: self.field_errors(), exceptions: self.exceptions() }
    }
}
