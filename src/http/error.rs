//! Error bodies in the shapes of IOM's specs, with their status codes.
//!
//! Two families: the services of `/servlets/services` (ATP, reservation, orders) answer
//! `HttpResponse*` objects (`statusCode`, `errors` = field errors with `sourceField`,
//! `exceptions` = coded exceptions); the `/rest` APIs (schedules, transmissions) answer an
//! `ErrorReport` (`status`, `errors` with `code`, `message`, `value`) in their vendor media type.
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

/// Which body an error gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `{"statusCode", "errors": [{"message", "sourceField"}], "exceptions": [{"message", "code"}]}`
    HttpResponse,
    /// `{"status", "errors": [{"code", "message", "value"}]}` in `media_type`.
    ErrorReport { media_type: &'static str },
}

/// One thing wrong with a request: the field (path, query parameter or JSON path) and why.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
    pub value: Option<Value>,
}

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub fields: Vec<FieldError>,
    pub style: Style,
    /// `WWW-Authenticate` of a 401.
    pub challenge: bool,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into(), fields: Vec::new(), style: Style::HttpResponse, challenge: false }
    }

    /// 400 naming the field and the reason.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        let message = message.into();
        let field = field.into();
        ApiError {
            fields: vec![FieldError { field: field.clone(), message: message.clone(), value: None }],
            ..ApiError::new(StatusCode::BAD_REQUEST, "VALIDATION_EXCEPTION", format!("{field}: {message}"))
        }
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "NOT_FOUND", what)
    }

    pub fn unauthorized() -> Self {
        ApiError { challenge: true, ..ApiError::new(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", "authentication required") }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::FORBIDDEN, "FORBIDDEN", message)
    }

    pub fn internal(message: impl std::fmt::Display) -> Self {
        // the cause goes to the log, not to the client
        tracing::error!(error = %message, "request failed");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL_ERROR", "an unexpected error occurred")
    }

    pub fn style(mut self, style: Style) -> Self {
        self.style = style;
        self
    }

    pub fn body(&self) -> Value {
        match self.style {
            Style::HttpResponse => json!({
                "statusCode": self.status.as_u16(),
                "errors": self.fields.iter().map(|f| json!({"message": f.message, "sourceField": f.field})).collect::<Vec<_>>(),
                "exceptions": if self.fields.is_empty() { vec![json!({"message": self.message, "code": self.code})] } else { Vec::new() },
            }),
            Style::ErrorReport { .. } => {
                let errors: Vec<Value> = if self.fields.is_empty() {
                    vec![json!({"code": self.code, "message": self.message})]
                } else {
                    self.fields
                        .iter()
                        .map(|f| {
                            let mut e = json!({"code": self.code, "message": format!("{}: {}", f.field, f.message)});
                            if let Some(v) = &f.value {
                                e["value"] = v.clone();
                            }
                            e
                        })
                        .collect()
                };
                json!({"status": self.status.as_u16(), "errors": errors})
            }
        }
    }
}

impl From<crate::error::Error> for ApiError {
    fn from(e: crate::error::Error) -> Self {
        ApiError::internal(e)
    }
}

impl From<crate::error::StoreError> for ApiError {
    fn from(e: crate::error::StoreError) -> Self {
        ApiError::internal(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let media_type = match self.style {
            Style::HttpResponse => "application/json",
            Style::ErrorReport { media_type } => media_type,
        };
        let mut r = (self.status, serde_json::to_vec(&self.body()).unwrap_or_default()).into_response();
        r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
        if self.challenge {
            r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(r#"Basic realm="impex", charset="UTF-8""#));
        }
        r
    }
}

/// The router's own 404 (no such path) and 405 (a method the path does not take) come from
/// axum without a body; this gives them the error body of the path's family (an `ErrorReport`
/// under `/rest/`, else an `HttpResponse`), keeping their headers (`Allow`). Answers of the
/// handlers, which carry a `Content-Type`, pass unchanged.
pub async fn fill_empty(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let rest = req.uri().path().starts_with("/rest/");
    let (method, path) = (req.method().clone(), req.uri().path().to_string());
    let r = next.run(req).await;
    let status = r.status();
    if !(status == StatusCode::NOT_FOUND || status == StatusCode::METHOD_NOT_ALLOWED) || r.headers().contains_key(header::CONTENT_TYPE) {
        return r;
    }
    let e = if status == StatusCode::METHOD_NOT_ALLOWED {
        ApiError::new(status, "METHOD_NOT_ALLOWED", format!("{method} is not allowed on {path}"))
    } else {
        ApiError::not_found(format!("no resource at {path}"))
    };
    let e = if rest { e.style(Style::ErrorReport { media_type: "application/json" }) } else { e };
    let (parts, _) = r.into_parts();
    let mut out = e.into_response();
    for (k, v) in parts.headers.iter() {
        if k != header::CONTENT_LENGTH && !out.headers().contains_key(k) {
            out.headers_mut().insert(k.clone(), v.clone());
        }
    }
    out
}
