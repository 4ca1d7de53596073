//! The types of IOM's ATP 2.0 (`intershop-order-management-atp-2.0.yaml`) and Reservation 2.0
//! (`intershop-order-management-reservation-2.0.yaml`) REST APIs, serialized exactly as the
//! specs name them (tests/openapi/). Every property of the specs is optional there; the types
//! leave out a `None` (and an empty list of errors or exceptions) when serializing.
//!
//! Formats: `Atp.modificationDate` is an OpenAPI `date-time` (RFC 3339, UTC, milliseconds, e.g.
//! `2026-12-02T10:00:00.000Z`); `ReservationResponse.validUntil` is a plain string in the spec,
//! its example `2016-01-07 14:29:32` is the format (UTC).
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// `Atp`: the availability of one product at one supplier location of the shop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Atp {
    /// Id of the product (as the shop sent it; maxLength 30).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Name of the supplier as used by the shop (`"Shop2SupplierDO"."shopSupplierName"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stock: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reserved: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub atp: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none", with = "date_time")]
    #[serde(default)]
    pub modification_date: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<AtpState>,
}

/// `Atp.state`: "Status of the general availability [sold out, temporarily not available,
/// available]".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AtpState {
    #[serde(rename = "available")]
    Available,
    #[serde(rename = "temporarily not available")]
    TemporarilyNotAvailable,
    #[serde(rename = "sold out")]
    SoldOut,
}

/// `CodedException` (both specs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct CodedException {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// `FieldError` (both specs): a problem of one parameter or body field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct FieldError {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_field: Option<String>,
}

/// `HttpResponseListAtp`: the answer of `GET /atp/{shopId}/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct HttpResponseListAtp {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Vec<Atp>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code: Option<i32>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub errors: Vec<FieldError>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub exceptions: Vec<CodedException>,
}

/// `ReservationType` (default COMPLETE).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum ReservationType {
    /// Every item with its whole quantity, or nothing.
    #[default]
    #[serde(rename = "COMPLETE")]
    Complete,
    /// Per item as much as is available.
    #[serde(rename = "PARTLY")]
    Partly,
}

impl ReservationType {
    pub fn as_str(self) -> &'static str {
        match self {
            ReservationType::Complete => "COMPLETE",
            ReservationType::Partly => "PARTLY",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "COMPLETE" => Some(ReservationType::Complete),
            "PARTLY" => Some(ReservationType::Partly),
            _ => None,
        }
    }
}

/// `ReservationState` (default reserved).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum ReservationItemState {
    #[default]
    #[serde(rename = "reserved")]
    Reserved,
    #[serde(rename = "expired")]
    Expired,
}

/// `ReservationItem`: in a request the product and the quantity wanted; in a response the
/// product, the quantity reserved and the state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ReservationItem {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qty: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<ReservationItemState>,
}

/// `ReservationRequest`: the body of `POST /reservation/{shopId}` and
/// `PUT /reservation/{reservationId}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ReservationRequest {
    /// Seconds the reservation holds its quantities.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifetime: Option<i64>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<ReservationType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<ReservationItem>>,
}

/// `ReservationResponse`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ReservationResponse {
    #[serde(skip_serializing_if = "Option::is_none", with = "valid_until")]
    #[serde(default)]
    pub valid_until: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resv_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<ReservationItem>>,
}

/// `HttpResponseReservation`: the answer of the reservation operations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct HttpResponseReservation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<ReservationResponse>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code: Option<i32>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub errors: Vec<FieldError>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub exceptions: Vec<CodedException>,
}

/// OpenAPI `date-time` (RFC 3339): written as `2026-12-02T10:00:00.000Z`, read with any offset.
pub mod date_time {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::Millis, true)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        let v: Option<String> = Option::deserialize(d)?;
        v.map(|s| DateTime::parse_from_rfc3339(&s).map(|t| t.with_timezone(&Utc)).map_err(serde::de::Error::custom)).transpose()
    }
}

/// `validUntil`: `yyyy-MM-dd HH:mm:ss` in UTC, as the spec's example.
pub mod valid_until {
    use chrono::{DateTime, NaiveDateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub const FORMAT: &str = "%Y-%m-%d %H:%M:%S";

    pub fn serialize<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&t.format(FORMAT).to_string()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        let v: Option<String> = Option::deserialize(d)?;
        v.map(|s| NaiveDateTime::parse_from_str(&s, FORMAT).map(|n| n.and_utc()).map_err(serde::de::Error::custom)).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::{json, Value};

    /// The spec's `Atp` example values, with every property the spec names.
    #[test]
    fn atp_list_serializes_as_the_spec_names_it() {
        let r = HttpResponseListAtp {
            data: Some(vec![Atp {
                id: Some("12345677890".into()),
                location: Some("Supplier X".into()),
                stock: Some(1500),
                reserved: Some(100),
                blocked: Some(473),
                atp: Some(927),
                modification_date: Some(Utc.with_ymd_and_hms(2026, 12, 2, 10, 0, 0).unwrap()),
                state: Some(AtpState::Available),
            }]),
            status_code: Some(200),
            errors: vec![FieldError { message: Some("unknown product".into()), source_field: Some("id".into()) }],
            exceptions: vec![CodedException { message: Some("m".into()), code: Some("c".into()) }],
        };
        let expected = json!({
            "data": [{"id": "12345677890", "location": "Supplier X", "stock": 1500, "reserved": 100, "blocked": 473,
                      "atp": 927, "modificationDate": "2026-12-02T10:00:00.000Z", "state": "available"}],
            "statusCode": 200,
            "errors": [{"message": "unknown product", "sourceField": "id"}],
            "exceptions": [{"message": "m", "code": "c"}]
        });
        assert_eq!(serde_json::to_value(&r).unwrap(), expected);
        let back: HttpResponseListAtp = serde_json::from_value(expected).unwrap();
        assert_eq!(back, r);
        // the three states as the spec's description spells them
        for (s, text) in [(AtpState::Available, "available"), (AtpState::TemporarilyNotAvailable, "temporarily not available"), (AtpState::SoldOut, "sold out")] {
            assert_eq!(serde_json::to_value(s).unwrap(), Value::String(text.into()));
        }
        // optional properties are left out, and the date takes an offset
        let a: Atp = serde_json::from_value(json!({"id": "1", "modificationDate": "2026-12-02T11:00:00+01:00"})).unwrap();
        assert_eq!(a.modification_date, Some(Utc.with_ymd_and_hms(2026, 12, 2, 10, 0, 0).unwrap()));
        assert_eq!(serde_json::to_value(Atp { id: Some("1".into()), ..Default::default() }).unwrap(), json!({"id": "1"}));
        assert_eq!(serde_json::to_value(HttpResponseListAtp::default()).unwrap(), json!({}));
    }

    /// The spec's `ReservationRequest` with its examples; type and state are the spec's enums.
    #[test]
    fn reservation_request_reads_as_the_spec_names_it() {
        let body = json!({"lifetime": 600, "type": "PARTLY", "items": [{"id": "testProduct100", "qty": 12345}]});
        let r: ReservationRequest = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(r.lifetime, Some(600));
        assert_eq!(r.kind, Some(ReservationType::Partly));
        assert_eq!(r.items.as_ref().unwrap()[0], ReservationItem { id: Some("testProduct100".into()), qty: Some(12345), state: None });
        assert_eq!(serde_json::to_value(&r).unwrap(), body);
        let complete: ReservationRequest = serde_json::from_value(json!({"type": "COMPLETE", "items": []})).unwrap();
        assert_eq!(complete.kind, Some(ReservationType::Complete));
        assert_eq!(ReservationType::default(), ReservationType::Complete, "the spec's default");
        assert_eq!(ReservationItemState::default(), ReservationItemState::Reserved, "the spec's default");
        assert!(serde_json::from_value::<ReservationRequest>(json!({"type": "SOME"})).is_err(), "not one of the enum");
        assert!(serde_json::from_value::<ReservationRequest>(json!({"items": [{"state": "gone"}]})).is_err());
    }

    /// `HttpResponseReservation` with the spec's examples (`validUntil` `2016-01-07 14:29:32`).
    #[test]
    fn reservation_response_serializes_as_the_spec_names_it() {
        let r = HttpResponseReservation {
            data: Some(ReservationResponse {
                valid_until: Some(Utc.with_ymd_and_hms(2016, 1, 7, 14, 29, 32).unwrap()),
                resv_id: Some(1234567890),
                items: Some(vec![
                    ReservationItem { id: Some("testProduct100".into()), qty: Some(12345), state: Some(ReservationItemState::Reserved) },
                    ReservationItem { id: Some("p2".into()), qty: Some(0), state: Some(ReservationItemState::Expired) },
                ]),
            }),
            status_code: Some(201),
            errors: vec![],
            exceptions: vec![CodedException { code: Some("21004".into()), message: Some("The reservation with id 1234567890 has already expired".into()) }],
        };
        let expected = json!({
            "data": {"validUntil": "2016-01-07 14:29:32", "resvId": 1234567890,
                     "items": [{"id": "testProduct100", "qty": 12345, "state": "reserved"}, {"id": "p2", "qty": 0, "state": "expired"}]},
            "statusCode": 201,
            "exceptions": [{"message": "The reservation with id 1234567890 has already expired", "code": "21004"}]
        });
        assert_eq!(serde_json::to_value(&r).unwrap(), expected);
        assert_eq!(serde_json::from_value::<HttpResponseReservation>(expected).unwrap(), r);
    }
}
