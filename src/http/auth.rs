//! HTTP Basic on every endpoint but the health status: the [`Caller`] extractor reads the
//! `Authorization` header, asks the [`Authenticate`] of the state (on a blocking thread: password
//! checks and the database), and answers 401 with `WWW-Authenticate` when credentials are missing
//! or wrong (also for a blocked account, which the log names); handlers then ask the caller
//! for a right ([`Caller::require`], [`Caller::require_shop`]) and answer 403 without it. The `Authorization` header and passwords
//! are never logged.
use std::sync::{Arc, Mutex};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use base64::Engine;

use super::error::ApiError;
use super::state::AppState;
use crate::auth::{AuthError, Principal, Right};

/// An authenticated caller: the user and its rights ([`crate::auth::Principal`]).
#[derive(Clone)]
pub struct Caller {
    pub principal: Arc<Principal>,
}

impl std::fmt::Debug for Caller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Caller").field("account", &self.principal.account).finish()
    }
}

impl Caller {
    pub fn account(&self) -> &str {
        &self.principal.account
    }

    /// 403 unless the caller has `right` for everything (a global role: operations that are not
    /// about one shop or supplier, such as schedules or metrics).
    pub fn require(&self, right: Right) -> Result<(), ApiError> {
        if self.principal.may_everywhere(right) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!("user {} lacks the right {}", self.account(), right.as_str())))
        }
    }

    /// 403 unless the caller has `right` for shop `shop_id` (a role in the shop's organization or
    /// in a parent's).
    pub fn require_shop(&self, right: Right, shop_id: i64) -> Result<(), ApiError> {
        if self.principal.may_for_shop(right, shop_id) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!("user {} lacks the right {} for shop {shop_id}", self.account(), right.as_str())))
        }
    }
}

/// The request's user, for the access log (filled by the extractor).
#[derive(Clone, Default)]
pub struct LoggedUser(pub Arc<Mutex<Option<String>>>);

/// `Authorization: Basic <base64(account:password)>`.
pub fn basic_credentials(header: &str) -> Option<(String, String)> {
    let (scheme, value) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD.decode(value.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (account, password) = text.split_once(':')?;
    Some((account.to_string(), password.to_string()))
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let header = parts.headers.get(axum::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        let Some((account, password)) = header.and_then(basic_credentials) else {
            return Err(ApiError::unauthorized());
        };
        if let Some(slot) = parts.extensions.get::<LoggedUser>() {
            *slot.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(account.clone());
        }
        let auth = state.authenticator().clone();
        let name = account.clone();
        let result = state
            .db(move |conn| Ok::<_, crate::error::Error>(auth.authenticate(conn, &account, &password)))
            .await
            .map_err(ApiError::from)?;
        match result {
            Ok(p) => Ok(Caller { principal: Arc::new(p) }),
            Err(AuthError::Unauthorized) => Err(ApiError::unauthorized()),
            Err(AuthError::Blocked) => {
                tracing::warn!(user = %name, "request refused: the account is blocked after repeated failed logins (USER_BLOCKED)");
                Err(ApiError::unauthorized())
            }
            Err(AuthError::Storage(e)) => Err(ApiError::internal(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_header() {
        let h = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode("shop:se:cret"));
        assert_eq!(basic_credentials(&h), Some(("shop".into(), "se:cret".into())));
        assert_eq!(basic_credentials("Bearer abc"), None);
        assert_eq!(basic_credentials("Basic !!!"), None);
    }
}
