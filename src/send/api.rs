//! The services behind IOM's Transmission REST API 2.0
//! (`tests/openapi/intershop-order-management-transmission-2.0.yaml`):
//! `POST /transmissions/by-type` ([`search_transmissions`]), `GET /transmissions/{id}`
//! ([`get_transmission`]), `GET /transmissions/types` ([`transmission_types`]),
//! `POST /transmission-updates/by-id` ([`update_by_id`], 207) and
//! `POST /transmission-updates/by-filter` ([`update_by_filter`], 202). Bodies use the media type
//! [`MEDIA_TYPE`] (the HTTP layer's business); the types serialize as the spec's schemas.
//!
//! - A transmission's API id is `<transmissionTypeGroup>-<"TransmissionDO"."id">`, e.g.
//!   `DISPATCHTRANSMISSION-10000`. The group follows from the business object: order →
//!   ORDERTRANSMISSION, dispatch → DISPATCHTRANSMISSION, return → RETURNTRANSMISSION, invoice →
//!   INVOICETRANSMISSION, debtor → PAYMENTTRANSMISSION, return announcement →
//!   RETURNANNOUNCEMENTTRANSMISSION.
//! - `status` is impex's state (INITIAL, DO_PUSH, PUSHED, DO_MANUAL_CHECK, CANCELED: all in
//!   IOM's list); `responseStatus` is always NOT_AVAILABLE (files have no response).
//! - Update types ([`crate::db::state::transmission::OperatorUpdate`]): RESEND → INITIAL from
//!   DO_PUSH, PUSHED, DO_MANUAL_CHECK, CANCELED; CANCEL → CANCELED from INITIAL, DO_PUSH,
//!   DO_MANUAL_CHECK; SENT → PUSHED (no file) from INITIAL, DO_PUSH, DO_MANUAL_CHECK.
//! - By id: each item is its own unit of work, applied at once; its result is one
//!   [`MultiStatus`] (200 done, 400 unreadable id, 404 no such transmission, 409 not allowed in
//!   its state; nothing of that item changed). By filter: one unit of work: every matching
//!   transmission whose state allows the update is changed, the others are skipped.
use chrono::Utc;
use serde::{Deserialize, Serialize};

use crate::db::queries::transmission::{self as q, TransmissionOrder, TransmissionSearch, TransmissionView, GROUP_COLUMNS};
use crate::db::state::transmission::{self as state, OperatorUpdate};
use crate::db::Conn;
use crate::error::{Error as LibError, ServiceError};
use crate::time;

/// The vendor media type of every request and answer body of the Transmission API.
pub const MEDIA_TYPE: &str = "application/vnd.intershop.transmission.v2+json";
/// `limit` when the request has none.
pub const DEFAULT_LIMIT: i64 = 50;
/// The largest `limit`.
pub const MAX_LIMIT: i64 = 1000;
/// Who changes transmissions through this API (in "errorText").
const WHO: &str = "the Transmission REST API";

/// Every `transmissionTypeGroup` of the spec (impex produces the six of [`GROUP_COLUMNS`]).
pub const GROUPS: &[&str] = &[
    "ORDERTRANSMISSION",
    "DISPATCHTRANSMISSION",
    "MAILTRANSMISSION",
    "PAYMENTTRANSMISSION",
    "RETURNTRANSMISSION",
    "RESPONSETRANSMISSION",
    "INVOICETRANSMISSION",
    "DOCUMENTTRANSMISSION",
    "RETURNANNOUNCEMENTTRANSMISSION",
];

/// The transmission types impex sends and their group.
pub const TYPE_GROUPS: &[(&str, &str)] = &[
    ("SEND_ORDER", "ORDERTRANSMISSION"),
    ("SEND_PURCHASE_ORDER_DISPATCH", "DISPATCHTRANSMISSION"),
    ("SEND_PURCHASE_ORDER_RETURN", "RETURNTRANSMISSION"),
    ("SEND_OPEN_AMOUNT", "INVOICETRANSMISSION"),
    ("SEND_DEBITOR", "PAYMENTTRANSMISSION"),
    ("SEND_RETURN_ANNOUNCEMENT", "RETURNANNOUNCEMENTTRANSMISSION"),
];

/// `Link`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// Relative to the API's base (`/rest`), e.g. `/transmissions/DISPATCHTRANSMISSION-7`.
    pub href: String,
    pub rel: String,
}

/// `ObjectReference`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectReference {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
}

/// `Transmission`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Transmission {
    pub links: Vec<Link>,
    pub id: String,
    pub transmission_type_group: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transmission_type: Option<String>,
    pub status: String,
    pub response_status: String,
    pub creation_date: String,
    pub modification_date: String,
    pub order_references: Vec<ObjectReference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shop_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shop_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplier_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplier_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receiver_type: Option<String>,
    pub retry_count: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_retry_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice_reference: Option<ObjectReference>,
}

/// `CollectionMetaData`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CollectionMetaData {
    pub total_count: i64,
}

/// `TransmissionCollectionContainer`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransmissionCollectionContainer {
    pub meta: CollectionMetaData,
    pub data: Vec<Transmission>,
}

/// `TransmissionFilter` (`transmissionTypeGroup` required).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransmissionFilter {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_date_from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_date_to: Option<String>,
    pub transmission_type_group: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transmission_type_names: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transmission_statuses: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transmission_response_statuses: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub receiver_types: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shop_ids: Vec<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub supplier_ids: Vec<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shop_order_numbers: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub invoice_numbers: Vec<String>,
}

/// `SortDirection` (default ASC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum SortDirection {
    #[default]
    #[serde(rename = "ASC")]
    Asc,
    #[serde(rename = "DESC")]
    Desc,
}

/// `TransmissionSearchRequest`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransmissionSearchRequest {
    pub transmission_filter: TransmissionFilter,
    /// Default 50, at most 1000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<i64>,
    /// One of `SortableTransmissionAttribute` (default `id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_direction: Option<SortDirection>,
}

/// `TransmissionUpdateType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum TransmissionUpdateType {
    Resend,
    Cancel,
    Sent,
}

impl TransmissionUpdateType {
    /// The transition of `src/db/state/transmission.rs` it stands for.
    pub fn operator_update(self) -> OperatorUpdate {
        match self {
            TransmissionUpdateType::Resend => OperatorUpdate::Resend,
            TransmissionUpdateType::Cancel => OperatorUpdate::Cancel,
            TransmissionUpdateType::Sent => OperatorUpdate::Sent,
        }
    }
}

/// `TransmissionUpdateRequest`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransmissionUpdateRequest {
    pub id: String,
    pub update_type: TransmissionUpdateType,
}

/// `TransmissionBulkUpdateRequest`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransmissionBulkUpdateRequest {
    pub update_type: TransmissionUpdateType,
    pub transmission_filter: TransmissionFilter,
}

/// The spec's `Error`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Error {
    pub code: String,
    pub message: String,
}

/// `ErrorReport`, the body of a 400 answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorReport {
    pub status: u16,
    pub errors: Vec<Error>,
}

/// `MultiStatus`: the result of one item of a by-id update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MultiStatus {
    pub link: Link,
    /// 200 done; 400, 404, 409 failed (see the module documentation).
    pub status: u16,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<Error>,
}

/// `MultiStatusCollectionMetaData`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MultiStatusCollectionMetaData {
    pub success_count: i64,
    pub failure_count: i64,
}

/// `MultiStatusCollectionContainer`, the body of the 207 answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MultiStatusCollectionContainer {
    pub meta: MultiStatusCollectionMetaData,
    pub data: Vec<MultiStatus>,
}

/// What a by-filter update did (the 202 answer has no body in the spec; the HTTP layer may log
/// it or send it as a header).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkUpdateResult {
    /// Transmissions changed.
    pub accepted: i64,
    /// Matching transmissions whose state does not allow the update (unchanged).
    pub skipped: i64,
}

/// `TransmissionType`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransmissionType {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// `TransmissionTypeMapping_inner`; the answer of `GET /transmissions/types` is a list of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransmissionTypeMapping {
    pub transmission_type_group: String,
    pub transmission_types: Vec<TransmissionType>,
}

/// The API id of a transmission.
pub fn api_id(group: &str, id: i64) -> String {
    format!("{group}-{id}")
}

/// Reads an API id: `(group, "TransmissionDO"."id")`.
pub fn parse_id(text: &str) -> Result<(&str, i64), ServiceError> {
    let bad = || ServiceError::validation("id", format!("`{text}` is not a transmission id of the form <transmissionTypeGroup>-<number>, e.g. ORDERTRANSMISSION-10000"));
    let (g, n) = text.trim().rsplit_once('-').ok_or_else(bad)?;
    if !GROUPS.contains(&g) {
        return Err(bad());
    }
    Ok((g, n.parse::<i64>().map_err(|_| bad())?))
}

fn link(id: &str) -> Link {
    Link { href: format!("/transmissions/{id}"), rel: "self".into() }
}

fn ts(t: &Option<String>) -> Option<String> {
    t.as_deref().and_then(time::column_rfc3339)
}

fn to_api(v: &TransmissionView) -> Transmission {
    let id = api_id(&v.group, v.id);
    Transmission {
        links: vec![link(&id)],
        id,
        transmission_type_group: v.group.clone(),
        transmission_type: v.type_name.clone(),
        status: v.state.clone(),
        response_status: "NOT_AVAILABLE".into(),
        creation_date: time::column_rfc3339(&v.creation_date).unwrap_or_else(|| v.creation_date.clone()),
        modification_date: time::column_rfc3339(&v.modification_date).unwrap_or_else(|| v.modification_date.clone()),
        order_references: match v.order_id {
            Some(o) => vec![ObjectReference { reference_name: v.shop_order_no.clone(), id: Some(o) }],
            None => vec![],
        },
        shop_id: v.shop_id,
        shop_name: v.shop_name.clone(),
        supplier_id: v.supplier_id,
        supplier_name: v.supplier_name.clone(),
        receiver_type: v.receiver_type.clone(),
        retry_count: v.retry_count,
        retry_date: ts(&v.retry_date),
        next_retry_date: ts(&v.next_retry_date),
        error_text: v.error_text.clone(),
        invoice_reference: (v.invoice_id.is_some() || v.invoice_no.is_some()).then(|| ObjectReference { reference_name: v.invoice_no.clone(), id: v.invoice_id }),
    }
}

fn sort_by(name: &str) -> Result<TransmissionOrder, ServiceError> {
    use TransmissionOrder::*;
    Ok(match name {
        "id" => Id,
        "transmissionType" => TransmissionType,
        "status" => Status,
        "responseStatus" => ResponseStatus,
        "creationDate" => CreationDate,
        "modificationDate" => ModificationDate,
        "shopId" => ShopId,
        "shopName" => ShopName,
        "supplierId" => SupplierId,
        "supplierName" => SupplierName,
        "receiverType" => ReceiverType,
        "retryCount" => RetryCount,
        "retryDate" => RetryDate,
        "nextRetryDate" => NextRetryDate,
        "invoiceNumber" => InvoiceNumber,
        other => return Err(ServiceError::validation("sortBy", format!("cannot sort by `{other}`"))),
    })
}

fn search_of(f: &TransmissionFilter) -> Result<TransmissionSearch, ServiceError> {
    if !GROUPS.contains(&f.transmission_type_group.as_str()) {
        return Err(ServiceError::validation(
            "transmissionTypeGroup",
            format!("unknown transmissionTypeGroup `{}`: one of {}", f.transmission_type_group, GROUPS.join(", ")),
        ));
    }
    let date = |field: &str, v: &Option<String>| -> Result<Option<String>, ServiceError> {
        match v {
            None => Ok(None),
            Some(t) => time::parse_rfc3339(t).map(|d| Some(time::format(d))).ok_or_else(|| ServiceError::validation(field, format!("`{t}` is not an RFC 3339 date-time"))),
        }
    };
    Ok(TransmissionSearch {
        group: f.transmission_type_group.clone(),
        created_from: date("creationDateFrom", &f.creation_date_from)?,
        created_to: date("creationDateTo", &f.creation_date_to)?,
        type_names: f.transmission_type_names.clone(),
        states: f.transmission_statuses.clone(),
        receiver_types: f.receiver_types.clone(),
        shop_ids: f.shop_ids.clone(),
        supplier_ids: f.supplier_ids.clone(),
        shop_order_numbers: f.shop_order_numbers.clone(),
        invoice_numbers: f.invoice_numbers.clone(),
        any_response_status: f.transmission_response_statuses.is_empty() || f.transmission_response_statuses.iter().any(|s| s == "NOT_AVAILABLE"),
        ..Default::default()
    })
}

/// `POST /transmissions/by-type`.
pub fn search_transmissions(conn: &Conn, r: &TransmissionSearchRequest) -> Result<TransmissionCollectionContainer, ServiceError> {
    let mut s = search_of(&r.transmission_filter)?;
    s.limit = r.limit.unwrap_or(DEFAULT_LIMIT);
    if !(0..=MAX_LIMIT).contains(&s.limit) {
        return Err(ServiceError::validation("limit", format!("limit must be between 0 and {MAX_LIMIT}, not {}", s.limit)));
    }
    s.offset = r.offset.unwrap_or(0);
    if s.offset < 0 {
        return Err(ServiceError::validation("offset", format!("offset must be 0 or more, not {}", s.offset)));
    }
    s.order = sort_by(r.sort_by.as_deref().unwrap_or("id"))?;
    s.descending = r.sort_direction == Some(SortDirection::Desc);
    let (rows, total) = q::search(conn, &s)?;
    Ok(TransmissionCollectionContainer { meta: CollectionMetaData { total_count: total }, data: rows.iter().map(to_api).collect() })
}

fn find(conn: &Conn, id: &str) -> Result<TransmissionView, ServiceError> {
    let (group, n) = parse_id(id)?;
    match q::by_id(conn, n)? {
        Some(v) if v.group == group => Ok(v),
        _ => Err(ServiceError::NotFound(format!("no transmission {id}"))),
    }
}

/// `GET /transmissions/{transmissionId}`.
pub fn get_transmission(conn: &Conn, id: &str) -> Result<Transmission, ServiceError> {
    Ok(to_api(&find(conn, id)?))
}

/// `GET /transmissions/types`: per group impex sends, its transmission types (descriptions from
/// `"TransmissionTypeDefDO"`).
pub fn transmission_types(conn: &Conn) -> Result<Vec<TransmissionTypeMapping>, ServiceError> {
    let desc = q::type_descriptions(conn)?;
    Ok(GROUP_COLUMNS
        .iter()
        .map(|(g, _)| TransmissionTypeMapping {
            transmission_type_group: g.to_string(),
            transmission_types: TYPE_GROUPS
                .iter()
                .filter(|(_, tg)| tg == g)
                .map(|(t, _)| TransmissionType { name: t.to_string(), description: desc.iter().find(|(n, _)| n == t).and_then(|(_, d)| d.clone()) })
                .collect(),
        })
        .collect())
}

fn update_one(conn: &mut Conn, r: &TransmissionUpdateRequest, now: &str) -> Result<(), ServiceError> {
    let tx = conn.write()?;
    let v = find(&tx, &r.id)?;
    match state::apply(&tx, v.id, r.update_type.operator_update(), WHO, now) {
        Ok(Some(_)) => {}
        Ok(None) => return Err(ServiceError::NotFound(format!("no transmission {}", r.id))),
        Err(LibError::Conflict(m)) => return Err(ServiceError::Conflict(m)),
        Err(e) => return Err(e.into()),
    }
    tx.commit()?;
    Ok(())
}

/// `POST /transmission-updates/by-id` (207): each item in its own unit of work, in order; a
/// failed item changes nothing and does not stop the others. Fails as a whole only when the
/// database cannot be used at all (then nothing of the failing item is changed; items before it
/// are).
pub fn update_by_id(conn: &mut Conn, items: &[TransmissionUpdateRequest]) -> Result<MultiStatusCollectionContainer, ServiceError> {
    let now = time::format(Utc::now());
    let mut data = Vec::with_capacity(items.len());
    let (mut ok, mut failed) = (0, 0);
    for r in items {
        match update_one(conn, r, &now) {
            Ok(()) => {
                ok += 1;
                data.push(MultiStatus { link: link(&r.id), status: 200, errors: vec![] });
            }
            Err(e @ (ServiceError::Busy(_) | ServiceError::Internal(_))) => return Err(e),
            Err(e) => {
                failed += 1;
                data.push(MultiStatus { link: link(&r.id), status: e.http_status(), errors: vec![Error { code: e.code().into(), message: e.to_string() }] });
            }
        }
    }
    Ok(MultiStatusCollectionContainer { meta: MultiStatusCollectionMetaData { success_count: ok, failure_count: failed }, data })
}

/// `POST /transmission-updates/by-filter` (202): in one unit of work, every transmission that
/// matches the filter and whose state allows the update is changed; the others are counted as
/// skipped. All or nothing: a storage failure leaves every transmission as it was.
pub fn update_by_filter(conn: &mut Conn, r: &TransmissionBulkUpdateRequest) -> Result<BulkUpdateResult, ServiceError> {
    let s = search_of(&r.transmission_filter)?;
    let now = time::format(Utc::now());
    let tx = conn.write()?;
    let ids = q::matching_ids(&tx, &s)?;
    let (mut accepted, mut skipped) = (0, 0);
    for id in ids {
        match state::apply(&tx, id, r.update_type.operator_update(), WHO, &now) {
            Ok(Some(_)) => accepted += 1,
            Ok(None) | Err(LibError::Conflict(_)) => skipped += 1,
            Err(e) => return Err(e.into()),
        }
    }
    tx.commit()?;
    Ok(BulkUpdateResult { accepted, skipped })
}

/// The `ErrorReport` of an error; its `status` is [`ServiceError::http_status`].
pub fn error_report(e: &ServiceError) -> ErrorReport {
    ErrorReport { status: e.http_status(), errors: vec![Error { code: e.code().into(), message: e.to_string() }] }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Transmissions 1..=4 of dispatches 501..504 (no business rows: no foreign keys) and one of
    /// a debtor.
    fn db() -> Conn {
        let c = crate::db::memory();
        c.execute_batch(
            r#"INSERT INTO "TransmissionTypeDefDO" ("id", "name", "description") VALUES (-520, 'SEND_PURCHASE_ORDER_DISPATCH', 'open payments of dispatches'), (-500, 'SEND_DEBITOR', 'debtors');
               INSERT INTO "ShopDO" ("id", "name") VALUES (1000, 'Test Shop');
               INSERT INTO "SupplierDO" ("id", "name") VALUES (2000, 'Test Supplier');
               INSERT INTO "FinanceControllerDO" ("id", "name") VALUES (1, 'Accounting');
               INSERT INTO "PartnerReferrerDO" ("id", "shopRef") VALUES (10, 1000);
               INSERT INTO "PartnerReferrerDO" ("id", "supplierRef") VALUES (20, 2000);
               INSERT INTO "PartnerReferrerDO" ("id", "financeControllerRef") VALUES (30, 1);
               INSERT INTO "CommunicationDO" ("id", "key") VALUES (1, 'XML###MESSAGE_FILE_SENDER_BEAN###SEND_PURCHASE_ORDER_DISPATCH');
               INSERT INTO "CommunicationPartnerDO" ("id", "communicationRef", "sendingPartnerReferrerRef", "receivingPartnerReferrerRef") VALUES (1, 1, 10, 30), (2, 1, 10, 20);
               INSERT INTO "TransmissionDO" ("id", "transmissionTypeDefRef", "communicationPartnerRef", "sendingPartnerReferrerRef", "receivingPartnerReferrerRef", "dispatchRef", "debitorRef", "state", "retryCount", "creationDate", "modificationDate", "sentDate", "nextRetryDate")
               VALUES (1, -520, 1, 10, 30, 501, NULL, 'PUSHED', 0, '2018-02-27 07:15:37.562', '2018-02-27 07:15:40.562', '2018-02-27 07:15:40.562', NULL),
                      (2, -520, 1, 10, 30, 502, NULL, 'DO_MANUAL_CHECK', 2, '2018-02-28 00:00:00.000', '2018-02-28 01:00:00.000', NULL, NULL),
                      (3, -520, 2, 10, 20, 503, NULL, 'DO_PUSH', 1, '2018-03-01 00:00:00.000', '2018-03-01 00:00:00.000', NULL, '2018-03-01 00:30:00.000'),
                      (4, -520, 2, 10, 20, 504, NULL, 'INITIAL', 0, '2018-03-02 00:00:00.000', '2018-03-02 00:00:00.000', NULL, NULL),
                      (5, -500, 1, 10, 30, NULL, 77, 'INITIAL', 0, '2018-03-02 00:00:00.000', '2018-03-02 00:00:00.000', NULL, NULL);"#,
        )
        .unwrap();
        c
    }

    fn req(body: serde_json::Value) -> TransmissionSearchRequest {
        serde_json::from_value(body).unwrap()
    }

    fn ids(c: &Conn, body: serde_json::Value) -> Vec<String> {
        search_transmissions(c, &req(body)).unwrap().data.into_iter().map(|t| t.id).collect()
    }

    #[test]
    fn one_transmission_as_the_spec_shows_it() {
        let c = db();
        let t = get_transmission(&c, "DISPATCHTRANSMISSION-1").unwrap();
        assert_eq!(
            serde_json::to_value(&t).unwrap(),
            serde_json::json!({
                "links": [{"href": "/transmissions/DISPATCHTRANSMISSION-1", "rel": "self"}],
                "id": "DISPATCHTRANSMISSION-1", "transmissionTypeGroup": "DISPATCHTRANSMISSION",
                "transmissionType": "SEND_PURCHASE_ORDER_DISPATCH", "status": "PUSHED", "responseStatus": "NOT_AVAILABLE",
                "creationDate": "2018-02-27T07:15:37.562Z", "modificationDate": "2018-02-27T07:15:40.562Z",
                "orderReferences": [], "shopId": 1000, "shopName": "Test Shop", "receiverType": "FINANCECONTROLLER",
                "retryCount": 0, "retryDate": "2018-02-27T07:15:40.562Z"
            })
        );
        assert_eq!(get_transmission(&c, "PAYMENTTRANSMISSION-5").unwrap().transmission_type.as_deref(), Some("SEND_DEBITOR"));
        assert_eq!(get_transmission(&c, "ORDERTRANSMISSION-1").unwrap_err().http_status(), 404, "wrong group");
        assert_eq!(get_transmission(&c, "DISPATCHTRANSMISSION-99").unwrap_err().http_status(), 404);
        assert_eq!(get_transmission(&c, "1").unwrap_err().http_status(), 400);
        assert_eq!(get_transmission(&c, "FOOTRANSMISSION-1").unwrap_err().http_status(), 400);
    }

    #[test]
    fn search_filters_sorts_and_pages() {
        let c = db();
        let g = |extra: serde_json::Value| {
            let mut f = serde_json::json!({"transmissionTypeGroup": "DISPATCHTRANSMISSION"});
            f.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            f
        };
        let all = ["DISPATCHTRANSMISSION-1", "DISPATCHTRANSMISSION-2", "DISPATCHTRANSMISSION-3", "DISPATCHTRANSMISSION-4"];
        assert_eq!(ids(&c, serde_json::json!({"transmissionFilter": g(serde_json::json!({}))})), all);
        assert_eq!(ids(&c, serde_json::json!({"transmissionFilter": {"transmissionTypeGroup": "PAYMENTTRANSMISSION"}})), ["PAYMENTTRANSMISSION-5"]);
        assert!(ids(&c, serde_json::json!({"transmissionFilter": {"transmissionTypeGroup": "MAILTRANSMISSION"}})).is_empty());
        assert_eq!(ids(&c, serde_json::json!({"transmissionFilter": g(serde_json::json!({"transmissionStatuses": ["DO_PUSH", "DO_MANUAL_CHECK"]}))})), &all[1..3]);
        assert_eq!(ids(&c, serde_json::json!({"transmissionFilter": g(serde_json::json!({"receiverTypes": ["SUPPLIER"]}))})), &all[2..]);
        assert_eq!(ids(&c, serde_json::json!({"transmissionFilter": g(serde_json::json!({"supplierIds": [2000]}))})), &all[2..]);
        assert_eq!(ids(&c, serde_json::json!({"transmissionFilter": g(serde_json::json!({"shopIds": [1000], "transmissionTypeNames": ["SEND_PURCHASE_ORDER_DISPATCH"]}))})), all);
        assert!(ids(&c, serde_json::json!({"transmissionFilter": g(serde_json::json!({"shopIds": [1]}))})).is_empty());
        assert!(ids(&c, serde_json::json!({"transmissionFilter": g(serde_json::json!({"transmissionResponseStatuses": ["OK"]}))})).is_empty());
        assert_eq!(ids(&c, serde_json::json!({"transmissionFilter": g(serde_json::json!({"transmissionResponseStatuses": ["NOT_AVAILABLE"]}))})), all);
        // creation dates: inclusive, any offset (02:00+02:00 = 00:00 UTC)
        assert_eq!(
            ids(&c, serde_json::json!({"transmissionFilter": g(serde_json::json!({"creationDateFrom": "2018-02-28T02:00:00+02:00", "creationDateTo": "2018-03-01T00:00:00.000Z"}))})),
            &all[1..3]
        );
        // sorting (ties by id in the same direction) and paging
        assert_eq!(ids(&c, serde_json::json!({"transmissionFilter": g(serde_json::json!({})), "sortBy": "retryCount", "sortDirection": "DESC"})), [all[1], all[2], all[3], all[0]]);
        assert_eq!(ids(&c, serde_json::json!({"transmissionFilter": g(serde_json::json!({})), "sortBy": "status"})), [all[1], all[2], all[3], all[0]]);
        let page = search_transmissions(&c, &req(serde_json::json!({"transmissionFilter": g(serde_json::json!({})), "limit": 2, "offset": 1}))).unwrap();
        assert_eq!((page.meta.total_count, page.data.iter().map(|t| t.id.as_str()).collect::<Vec<_>>()), (4, vec![all[1], all[2]]));
        for bad in [
            serde_json::json!({"transmissionFilter": g(serde_json::json!({})), "limit": 1001}),
            serde_json::json!({"transmissionFilter": g(serde_json::json!({})), "offset": -1}),
            serde_json::json!({"transmissionFilter": g(serde_json::json!({})), "sortBy": "colour"}),
            serde_json::json!({"transmissionFilter": {"transmissionTypeGroup": "X"}}),
            serde_json::json!({"transmissionFilter": g(serde_json::json!({"creationDateFrom": "yesterday"}))}),
        ] {
            let e = search_transmissions(&c, &req(bad.clone())).unwrap_err();
            assert_eq!(error_report(&e).status, 400, "{bad}");
        }
        // the group is required
        assert!(serde_json::from_value::<TransmissionSearchRequest>(serde_json::json!({"transmissionFilter": {}})).is_err());
    }

    fn state_of(c: &Conn, id: i64) -> String {
        crate::db::queries::export::state_of(c, id).unwrap().unwrap()
    }

    #[test]
    fn updates_by_id_are_per_item_and_by_filter_skips_what_cannot_move() {
        let mut c = db();
        let items: Vec<TransmissionUpdateRequest> = serde_json::from_value(serde_json::json!([
            {"id": "DISPATCHTRANSMISSION-2", "updateType": "RESEND"},
            {"id": "DISPATCHTRANSMISSION-1", "updateType": "CANCEL"},
            {"id": "DISPATCHTRANSMISSION-42", "updateType": "SENT"},
            {"id": "nonsense", "updateType": "SENT"},
            {"id": "DISPATCHTRANSMISSION-3", "updateType": "SENT"}
        ]))
        .unwrap();
        let r = update_by_id(&mut c, &items).unwrap();
        assert_eq!((r.meta.success_count, r.meta.failure_count), (2, 3));
        assert_eq!(r.data.iter().map(|m| m.status).collect::<Vec<_>>(), [200, 409, 404, 400, 200]);
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["data"][0], serde_json::json!({"link": {"href": "/transmissions/DISPATCHTRANSMISSION-2", "rel": "self"}, "status": 200}));
        assert_eq!(v["data"][1]["errors"][0]["code"], "CONFLICT");
        assert_eq!(v["meta"], serde_json::json!({"successCount": 2, "failureCount": 3}));
        assert_eq!((state_of(&c, 1).as_str(), state_of(&c, 2).as_str(), state_of(&c, 3).as_str()), ("PUSHED", "INITIAL", "PUSHED"));
        let t3 = get_transmission(&c, "DISPATCHTRANSMISSION-3").unwrap();
        assert!(t3.error_text.as_deref().unwrap().contains("marked as sent"), "{t3:?}");
        // by filter: cancel every dispatch transmission; PUSHED ones are skipped
        let b: TransmissionBulkUpdateRequest = serde_json::from_value(serde_json::json!({"updateType": "CANCEL", "transmissionFilter": {"transmissionTypeGroup": "DISPATCHTRANSMISSION"}})).unwrap();
        assert_eq!(update_by_filter(&mut c, &b).unwrap(), BulkUpdateResult { accepted: 2, skipped: 2 });
        assert_eq!((1..=5).map(|i| state_of(&c, i)).collect::<Vec<_>>(), ["PUSHED", "CANCELED", "PUSHED", "CANCELED", "INITIAL"]);
        assert!(serde_json::from_value::<TransmissionUpdateRequest>(serde_json::json!({"id": "X-1", "updateType": "CHECKED"})).is_err());
    }

    #[test]
    fn every_sender_type_has_a_group() {
        for s in crate::send::sender::SENDERS {
            let t = s.transmission_type();
            assert!(TYPE_GROUPS.iter().any(|(n, _)| *n == t), "{t} has no transmissionTypeGroup");
        }
        let c = db();
        let types = transmission_types(&c).unwrap();
        let d = types.iter().find(|m| m.transmission_type_group == "DISPATCHTRANSMISSION").unwrap();
        assert_eq!(d.transmission_types, [TransmissionType { name: "SEND_PURCHASE_ORDER_DISPATCH".into(), description: Some("open payments of dispatches".into()) }]);
        assert!(GROUP_COLUMNS.iter().all(|(g, _)| GROUPS.contains(g)));
    }
}
