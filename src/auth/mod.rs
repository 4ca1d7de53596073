//! Authentication and authorization of the REST API's users (docs/api.md, "Users, roles and
//! rights"). Pure library: the HTTP layer reads the credentials of a request, calls
//! [`Authenticator::authenticate`] and asks the [`Principal`] whether it may.
//!
//! - Passwords are Argon2id PHC strings in `"UserDO"."cryptedPassword"` ([`password`]).
//! - Successful verifications are cached for [`AuthConfig::cache_ttl`] (60 s), so that Argon2
//!   does not run per request; a changed password misses at once ([`cache`]).
//! - [`Lockout`]: 5 failed logins within 15 minutes block the account for 15 minutes (or until
//!   `impex user unblock`); failures are counted in the database, so every process agrees.
//! - An unknown account, a wrong password and a disabled account are the same
//!   [`AuthError::Unauthorized`] and cost the same (an unknown account is verified against a
//!   dummy hash), so accounts cannot be told apart by the answer or its time.
//! - Logged: failed logins with the account and the count (unknown accounts without the name,
//!   which may be a mistyped password), blocks as USER_BLOCKED. Never a password or a hash.
pub mod admin;
mod cache;
pub mod password;
mod principal;
mod right;

use std::time::Duration;

use chrono::{DateTime, Utc};

pub use password::{hash_password, verify_password, PasswordError};
pub use principal::{Principal, Scope};
pub use right::Right;

use crate::db::queries::users;
use crate::db::state::user as user_state;
use crate::db::{Conn, StoreError};

/// Why a login was refused.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Unknown account, wrong password or disabled account: one answer for all.
    #[error("invalid account or password")]
    Unauthorized,
    /// Too many failed logins: the account is blocked (USER_BLOCKED).
    #[error("account blocked after too many failed logins (USER_BLOCKED)")]
    Blocked,
    /// The user tables could not be read or written.
    #[error("user storage: {0}")]
    Storage(#[from] StoreError),
}

/// When failed logins block an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lockout {
    /// Failed logins within [`Lockout::window`] that block the account.
    pub max_failures: u32,
    /// A failure older than this before the next one starts the count again.
    pub window: Duration,
    /// How long a block lasts; None: until `impex user unblock`.
    pub block_for: Option<Duration>,
}

/// Default: 5 failed logins ...
pub const MAX_FAILED_LOGINS: u32 = 5;
/// ... within 15 minutes ...
pub const FAILED_LOGIN_WINDOW: Duration = Duration::from_secs(15 * 60);
/// ... block the account for 15 minutes.
pub const BLOCK_DURATION: Duration = Duration::from_secs(15 * 60);
/// How long a successful verification is cached.
pub const CACHE_TTL: Duration = Duration::from_secs(60);
/// How many accounts the cache holds at most.
pub const CACHE_CAPACITY: usize = 1024;

impl Default for Lockout {
    fn default() -> Self {
        Lockout { max_failures: MAX_FAILED_LOGINS, window: FAILED_LOGIN_WINDOW, block_for: Some(BLOCK_DURATION) }
    }
}

/// The settings of an [`Authenticator`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthConfig {
    pub lockout: Lockout,
    /// How long a successful verification is cached ([`CACHE_TTL`]).
    pub cache_ttl: Duration,
    /// How many accounts the cache holds ([`CACHE_CAPACITY`]; 0: no cache).
    pub cache_capacity: usize,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig { lockout: Lockout::default(), cache_ttl: CACHE_TTL, cache_capacity: CACHE_CAPACITY }
    }
}

/// Checks credentials against `"UserDO"`. One per process, shared by all request threads
/// (`Send + Sync`); each call gets the calling thread's own [`Conn`].
#[derive(Debug)]
pub struct Authenticator {
    config: AuthConfig,
    cache: cache::Cache,
    /// The PHC string an unknown account (or one without a password) is verified against.
    dummy: String,
}

fn secret() -> [u8; 16] {
    argon2::password_hash::try_generate_salt().unwrap_or_else(|_| {
        // no OS randomness: a per-process value still keeps digests apart between processes
        let t = Utc::now().timestamp_nanos_opt().unwrap_or(0) as u128 ^ ((std::process::id() as u128) << 64);
        t.to_le_bytes()
    })
}

fn std_to_chrono(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

impl Default for Authenticator {
    fn default() -> Self {
        Self::new(AuthConfig::default())
    }
}

impl Authenticator {
    /// An authenticator with these settings (hashes one dummy password: about as long as one
    /// login).
    pub fn new(config: AuthConfig) -> Self {
        let mut random = secret();
        let dummy = hash_password(&hex::encode(random)).unwrap_or_else(|_| {
            // no OS randomness: a fixed PHC string of the same parameters
            "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$9sTbSlTio3Biev89thdrlKKiCaYsjjYVJxGAL3swxpQ".to_string()
        });
        random.reverse();
        Authenticator { config, cache: cache::Cache::new(random, config.cache_ttl, config.cache_capacity), dummy }
    }

    pub fn config(&self) -> &AuthConfig {
        &self.config
    }

    /// Drops the cached verification of an account (its password changed in this process).
    /// Not needed for correctness: a changed `"cryptedPassword"` misses the cache anyway.
    pub fn forget(&self, account: &str) {
        self.cache.forget(account);
    }

    /// The user of these credentials with its rights, or why not.
    pub fn authenticate(&self, conn: &Conn, account: &str, password: &str) -> Result<Principal, AuthError> {
        self.authenticate_at(conn, account, password, Utc::now())
    }

    /// [`Authenticator::authenticate`] at a given time (tests of the lockout window).
    pub fn authenticate_at(&self, conn: &Conn, account: &str, password: &str, now: DateTime<Utc>) -> Result<Principal, AuthError> {
        let Some(row) = users::login_row(conn, account)? else {
            let _ = verify_password(password, &self.dummy);
            tracing::info!(target: "impex::auth", "login failed: unknown account");
            return Err(AuthError::Unauthorized);
        };
        let now_text = crate::time::format(now);
        let lockout = self.config.lockout;
        let mut failed_before = row.failed_logins != 0 || row.last_failed_login.is_some();
        if let Some(since) = &row.blocked_since {
            let expired_before = lockout.block_for.map(|d| crate::time::format(now - std_to_chrono(d)));
            let expired = match (&expired_before, crate::time::parse(since)) {
                (Some(before), Some(_)) => since.as_str() < before.as_str(),
                _ => false,
            };
            if !expired || !user_state::unblock(conn, row.id, expired_before.as_deref(), &now_text)? {
                self.cache.forget(account);
                tracing::warn!(target: "impex::auth", account, "login refused: account blocked (USER_BLOCKED) since {since}");
                return Err(AuthError::Blocked);
            }
            tracing::info!(target: "impex::auth", account, "block of the account ended (blocked since {since})");
            failed_before = false;
        }
        let crypted = row.crypted_password.as_deref().unwrap_or("");
        let key = self.cache.key(account, password, crypted);
        let cached = row.active && row.crypted_password.is_some() && self.cache.hit(account, &key, row.id, now);
        let verified = cached
            || match &row.crypted_password {
                Some(c) => verify_password(password, c),
                None => {
                    let _ = verify_password(password, &self.dummy);
                    false
                }
            };
        if !verified {
            self.cache.forget(account);
            let window_start = crate::time::format(now - std_to_chrono(lockout.window));
            let f = user_state::record_failed_login(conn, row.id, &now_text, &window_start, i64::from(lockout.max_failures.max(1)))?;
            if f.blocked_now {
                tracing::warn!(target: "impex::auth", account, failures = f.count, "account blocked after {} failed logins (USER_BLOCKED)", f.count);
            } else {
                tracing::info!(target: "impex::auth", account, failures = f.count, "login failed: wrong password");
            }
            return Err(AuthError::Unauthorized);
        }
        if !row.active {
            self.cache.forget(account);
            tracing::info!(target: "impex::auth", account, "login refused: account disabled");
            return Err(AuthError::Unauthorized);
        }
        if !cached {
            self.cache.insert(account, key, row.id, now);
        }
        if failed_before {
            user_state::clear_failures(conn, row.id)?;
        }
        Ok(Principal::load(conn, row.id, &row.account)?)
    }

    /// Whether a verification of these credentials is cached (tests).
    #[doc(hidden)]
    pub fn is_cached(&self, conn: &Conn, account: &str, password: &str, now: DateTime<Utc>) -> bool {
        match users::login_row(conn, account) {
            Ok(Some(row)) => {
                let key = self.cache.key(account, password, row.crypted_password.as_deref().unwrap_or(""));
                self.cache.hit(account, &key, row.id, now)
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests;
