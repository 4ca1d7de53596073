//! What the `/rest` APIs (Schedule 1.0, Transmission 2.0) share: their vendor media type in
//! `Accept` (406) and `Content-Type` (415), query strings with repeated parameters
//! (`ids=1&ids=2`), JSON bodies read without axum's plain-text rejections, and the mapping of a
//! [`ServiceError`] to an `ErrorReport`.
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::error::{ApiError, FieldError, Style};
use crate::error::ServiceError;

/// The `ErrorReport` style of an API with vendor media type `media_type`.
pub fn style(media_type: &'static str) -> Style {
    Style::ErrorReport { media_type }
}

/// 406 unless `Accept` (absent = anything) admits `media_type`: the type itself, `*/*` or
/// `application/*`, with a q-value above 0.
pub fn check_accept(headers: &HeaderMap, media_type: &'static str) -> Result<(), ApiError> {
    let values: Vec<&str> = headers.get_all(header::ACCEPT).iter().filter_map(|v| v.to_str().ok()).collect();
    if values.is_empty() {
        return Ok(());
    }
    let admitted = values.iter().flat_map(|v| v.split(',')).any(|item| {
        let mut parts = item.split(';');
        let range = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q_zero = parts.any(|p| {
            let p = p.trim();
            p.strip_prefix("q=").or_else(|| p.strip_prefix("Q=")).and_then(|q| q.trim().parse::<f32>().ok()).is_some_and(|q| q <= 0.0)
        });
        !q_zero && (range == "*/*" || range == "application/*" || range == media_type)
    });
    if admitted {
        Ok(())
    } else {
        Err(ApiError::new(StatusCode::NOT_ACCEPTABLE, "NOT_ACCEPTABLE", format!("the answer is only available as {media_type} (Accept)")).style(style(media_type)))
    }
}

/// Whether the request has a `Content-Type` that is not `media_type` (parameters such as
/// `charset` are ignored). A request without a body needs none.
fn foreign_content_type(headers: &HeaderMap, body: &[u8], media_type: &str) -> Option<String> {
    match headers.get(header::CONTENT_TYPE) {
        None if body.is_empty() => None,
        None => Some("none".into()),
        Some(v) => {
            let text = v.to_str().unwrap_or("");
            let essence = text.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
            (essence != media_type).then(|| text.to_string())
        }
    }
}

/// Reads a JSON body in `media_type`: another `Content-Type` is `unsupported` (415 where the spec
/// lists it, else 400); an unreadable body is a 400 naming the place. An empty body is `None`.
pub fn json_body<T: serde::de::DeserializeOwned>(headers: &HeaderMap, body: &[u8], media_type: &'static str, unsupported: StatusCode) -> Result<Option<T>, ApiError> {
    if let Some(ct) = foreign_content_type(headers, body, media_type) {
        let message = format!("the request body must be {media_type}, not {ct} (Content-Type)");
        let e = if unsupported == StatusCode::UNSUPPORTED_MEDIA_TYPE {
            ApiError::new(unsupported, "UNSUPPORTED_MEDIA_TYPE", message)
        } else {
            ApiError::field("Content-Type", message)
        };
        return Err(e.style(style(media_type)));
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    match read_whole(&mut de) {
        Ok(v) => Ok(Some(v)),
        Err(e) => Err(ApiError::field("body", format!("invalid JSON: {e}")).style(style(media_type))),
    }
}

fn read_whole<'de, T: serde::de::DeserializeOwned>(de: &mut serde_json::Deserializer<serde_json::de::SliceRead<'de>>) -> Result<T, serde_json::Error> {
    let v = T::deserialize(&mut *de)?;
    de.end()?;
    Ok(v)
}

/// A success in `media_type`.
pub fn ok<T: Serialize>(status: StatusCode, media_type: &'static str, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => {
            let mut r = (status, bytes).into_response();
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
            r
        }
        Err(e) => ApiError::internal(e).style(style(media_type)).into_response(),
    }
}

/// A [`ServiceError`] as the HTTP layer answers it (status of docs/api.md, `ErrorReport` body).
pub fn service_error(e: ServiceError, media_type: &'static str) -> ApiError {
    let e = match e {
        ServiceError::Validation { code, field, message } => {
            let mut a = ApiError::new(StatusCode::BAD_REQUEST, code, message.clone());
            if let Some(f) = field {
                a.fields.push(FieldError { value: Some(serde_json::json!({ "attribute": f })), field: f, message });
            }
            a
        }
        ServiceError::NotFound(m) => ApiError::not_found(m),
        ServiceError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, "CONFLICT", m),
        ServiceError::Busy(m) => {
            tracing::warn!(error = %m, "request refused: the database is busy");
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "SERVICE_UNAVAILABLE", "the database is busy; try again")
        }
        other => ApiError::internal(other),
    };
    e.style(style(media_type))
}

/// A query string as (name, value) pairs in order, percent-decoded (`+` is a space); repeated
/// names stay repeated.
pub fn query_pairs(raw: Option<&str>) -> Result<Vec<(String, String)>, String> {
    let Some(raw) = raw else { return Ok(Vec::new()) };
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            Ok((decode(k)?, decode(v)?))
        })
        .collect()
}

fn decode(s: &str) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = b.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(x) => {
                        out.push(x);
                        i += 2;
                    }
                    None => return Err(format!("`{s}` has an invalid percent escape")),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| format!("`{s}` is not UTF-8"))
}

/// Typed reads of query parameters; errors are 400s naming the parameter.
pub struct Query<'a> {
    pairs: &'a [(String, String)],
    media_type: &'static str,
}

impl<'a> Query<'a> {
    pub fn new(pairs: &'a [(String, String)], media_type: &'static str) -> Self {
        Query { pairs, media_type }
    }

    fn bad(&self, name: &str, message: String) -> ApiError {
        let mut e = ApiError::field(name, message);
        e.fields[0].value = Some(serde_json::json!({ "attribute": name }));
        e.style(style(self.media_type))
    }

    fn values(&self, name: &str) -> impl Iterator<Item = &'a str> + '_ {
        let name = name.to_string();
        self.pairs.iter().filter(move |(k, _)| *k == name).map(|(_, v)| v.as_str())
    }

    fn last(&self, name: &str) -> Option<&'a str> {
        self.values(name).last()
    }

    pub fn bool(&self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.last(name) {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(v) => Err(self.bad(name, format!("`{v}` is not a boolean (true or false)"))),
        }
    }

    pub fn int(&self, name: &str) -> Result<Option<i64>, ApiError> {
        match self.last(name) {
            None => Ok(None),
            Some(v) => v.parse().map(Some).map_err(|_| self.bad(name, format!("`{v}` is not an integer (64-bit)"))),
        }
    }

    pub fn ints(&self, name: &str) -> Result<Vec<i64>, ApiError> {
        self.values(name).map(|v| v.parse().map_err(|_| self.bad(name, format!("`{v}` is not an integer (64-bit)")))).collect()
    }

    pub fn strings(&self, name: &str) -> Vec<String> {
        self.values(name).map(str::to_string).collect()
    }

    /// A value of an enum of the spec (read as a JSON string).
    pub fn enumerated<T: serde::de::DeserializeOwned>(&self, name: &str, allowed: &str) -> Result<Option<T>, ApiError> {
        match self.last(name) {
            None => Ok(None),
            Some(v) => serde_json::from_value(serde_json::Value::String(v.to_string())).map(Some).map_err(|_| self.bad(name, format!("`{v}` is not one of {allowed}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_and_query() {
        let mt = "application/vnd.intershop.schedule.v1+json";
        let h = |v: &str| {
            let mut m = HeaderMap::new();
            m.insert(header::ACCEPT, HeaderValue::from_str(v).unwrap());
            m
        };
        assert!(check_accept(&HeaderMap::new(), mt).is_ok());
        assert!(check_accept(&h("*/*"), mt).is_ok());
        assert!(check_accept(&h("text/html, application/vnd.intershop.schedule.v1+json;q=0.5"), mt).is_ok());
        assert_eq!(check_accept(&h("application/json"), mt).unwrap_err().status, 406);
        assert_eq!(check_accept(&h("application/vnd.intershop.schedule.v1+json;q=0"), mt).unwrap_err().status, 406);
        let p = query_pairs(Some("ids=1&ids=2&keys=a%20b+c&active=true")).unwrap();
        let q = Query::new(&p, mt);
        assert_eq!(q.ints("ids").unwrap(), [1, 2]);
        assert_eq!(q.strings("keys"), ["a b c"]);
        assert_eq!(q.bool("active").unwrap(), Some(true));
        let p = query_pairs(Some("ids=x")).unwrap();
        let e = Query::new(&p, mt).ints("ids").unwrap_err();
        assert_eq!(e.status, 400);
        assert!(e.body()["errors"][0]["message"].as_str().unwrap().starts_with("ids: "), "{}", e.body());
        assert!(query_pairs(Some("a=%zz")).is_err());
    }
}
