//! HTTP Basic on every endpoint but the health status: the [`Caller`] extractor reads the
//! `Authorization` header, asks the authenticator of the state (on the request's thread when the
//! verification is cached, else on a blocking thread: password checks and their writes), and answers 401 with `WWW-Authenticate` when credentials are missing
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
use crate::db::Conn;

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

/// The `Authorization: Basic` credentials of a request, not yet checked (401 when missing or
/// unreadable). [`Caller`] checks them before the handler; [`Credentials::read`] checks them in
/// the handler's own read, for the requests that are only a read.
pub struct Credentials {
    account: String,
    password: String,
}

impl FromRequestParts<AppState> for Credentials {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Self, Self::Rejection> {
        let header = parts.headers.get(axum::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        let Some((account, password)) = header.and_then(basic_credentials) else {
            return Err(ApiError::unauthorized());
        };
        if let Some(slot) = parts.extensions.get::<LoggedUser>() {
            *slot.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(account.clone());
        }
        Ok(Credentials { account, password })
    }
}

impl Credentials {
    /// The caller, on a thread that may block: the password check (Argon2) and the writes of a
    /// login (failed logins, blocks).
    async fn login(self, state: &AppState) -> Result<Caller, ApiError> {
        let auth = state.authenticator().clone();
        let Credentials { account, password } = self;
        let name = account.clone();
        let result = state
            .db(move |conn| Ok::<_, crate::error::Error>(auth.authenticate_at(conn, &account, &password, chrono::Utc::now())))
            .await
            .map_err(ApiError::from)?;
        result.map(|principal| Caller { principal }).map_err(|e| auth_failure(e, &name))
    }

    /// `f` for the caller in one read of one snapshot on the request's own thread, the login
    /// included ([`crate::auth::Authenticator::authenticate_cached`], [`AppState::read`]). A
    /// login that needs a password check or a write runs first on a blocking thread, as
    /// [`Caller`]'s does, and then `f` reads alone.
    pub async fn read<T>(self, state: &AppState, f: impl FnOnce(&Conn, &Caller) -> Result<T, ApiError>) -> Result<T, ApiError> {
        let auth = state.authenticator().clone();
        let mut f = Some(f);
        let now = chrono::Utc::now();
        let fast = state
            .read(|conn| {
                let snapshot = conn.snapshot()?;
                let Some(principal) = auth.authenticate_cached(&snapshot, &self.account, &self.password, now).map_err(|e| auth_failure(e, &self.account))? else {
                    return Ok(None);
                };
                let f = f.take().expect("f runs once");
                let out = f(&snapshot, &Caller { principal });
                snapshot.commit()?;
                Ok::<_, ApiError>(Some(out))
            })
            .await?;
        if let Some(out) = fast {
            return out;
        }
        let caller = self.login(state).await?;
        let f = f.take().expect("f has not run");
        state
            .read(|conn| {
                let snapshot = conn.snapshot()?;
                let out = f(&snapshot, &caller);
                snapshot.commit()?;
                Ok::<_, ApiError>(out)
            })
            .await?
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let credentials = Credentials::from_request_parts(parts, state).await?;
        let auth = state.authenticator().clone();
        let now = chrono::Utc::now();
        let fast = state
            .read(|conn| Ok::<_, crate::error::Error>(auth.authenticate_cached(conn, &credentials.account, &credentials.password, now)))
            .await
            .map_err(ApiError::from)?;
        match fast {
            Ok(Some(principal)) => Ok(Caller { principal }),
            Ok(None) => credentials.login(state).await,
            Err(e) => Err(auth_failure(e, &credentials.account)),
        }
    }
}

/// The answer of a failed login (a blocked account is named in the log, never the password).
fn auth_failure(e: AuthError, account: &str) -> ApiError {
    match e {
        AuthError::Unauthorized => ApiError::unauthorized(),
        AuthError::Blocked => {
            tracing::warn!(user = %account, "request refused: the account is blocked after repeated failed logins (USER_BLOCKED)");
            ApiError::unauthorized()
        }
        AuthError::Storage(e) => ApiError::internal(e),
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
