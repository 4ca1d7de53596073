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

use std::sync::Arc;
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
    /// Rights loaded per user id at a rights version ([`users::LoginRow::rights_version`]):
    /// reused while the version is the same (loading them is a quarter of an ATP request).
    principals: std::sync::Mutex<std::collections::HashMap<i64, (i64, Arc<Principal>)>>,
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

/// `now - d` as timestamp text (the earliest time there is when `d` is too long).
fn text_before(now: DateTime<Utc>, d: Duration) -> String {
    let before = chrono::Duration::from_std(d).ok().and_then(|d| now.checked_sub_signed(d)).unwrap_or(DateTime::<Utc>::MIN_UTC);
    crate::time::format(before)
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
        Authenticator {
            config,
            cache: cache::Cache::new(random, config.cache_ttl, config.cache_capacity),
            principals: std::sync::Mutex::new(std::collections::HashMap::new()),
            dummy,
        }
    }

    pub fn config(&self) -> &AuthConfig {
        &self.config
    }

    /// Drops the cached verification of an account (its password changed in this process).
    /// Not needed for correctness: a changed `"cryptedPassword"` misses the cache anyway.
    pub fn forget(&self, account: &str) {
        self.cache.forget(account);
    }

    /// The user of these credentials with its rights, or why not. `conn` is the calling
    /// thread's connection, outside a read snapshot (a failed login writes its count).
    pub fn authenticate(&self, conn: &Conn, account: &str, password: &str) -> Result<Arc<Principal>, AuthError> {
        self.authenticate_at(conn, account, password, Utc::now())
    }

    /// [`Authenticator::authenticate`] at a given time (tests of the lockout window).
    pub fn authenticate_at(&self, conn: &Conn, account: &str, password: &str, now: DateTime<Utc>) -> Result<Arc<Principal>, AuthError> {
        let Some(row) = users::login_row(conn, account)? else {
            let _ = verify_password(password, &self.dummy);
            tracing::info!(target: "impex::auth", "login failed: unknown account");
            return Err(AuthError::Unauthorized);
        };
        let now_text = crate::time::format(now);
        let lockout = self.config.lockout;
        let mut failed_before = row.failed_logins != 0 || row.last_failed_login.is_some();
        if let Some(since) = &row.blocked_since {
            let expired_before = lockout.block_for.map(|d| text_before(now, d));
            let expired = match (&expired_before, crate::time::parse(since)) {
                (Some(before), Some(_)) => since.as_str() < before.as_str(),
                _ => false,
            };
            // an expired block ends here; when another process ended it first, its row says so
            let ended = expired
                && (user_state::unblock(conn, row.id, expired_before.as_deref(), &now_text)?
                    || users::login_row(conn, account)?.is_some_and(|r| r.blocked_since.is_none()));
            if !ended {
                self.cache.forget(account);
                tracing::warn!(target: "impex::auth", account, "login refused: account blocked (USER_BLOCKED) since {since}");
                return Err(AuthError::Blocked);
            }
            tracing::info!(target: "impex::auth", account, "block of the account ended (blocked since {since})");
            failed_before = false;
        }
        let crypted = row.crypted_password.as_deref().unwrap_or("");
        let key = self.cache.key(account, password, crypted);
        let usable = row.active && row.crypted_password.is_some();
        let mut cached = usable && self.cache.hit(account, &key, row.id, now);
        // a miss verifies alone per digest; whoever waited finds the first one's result
        let flight = (!cached).then(|| self.cache.flight(&key));
        cached = cached || (usable && self.cache.hit(account, &key, row.id, now));
        let verified = cached
            || match &row.crypted_password {
                Some(c) => verify_password(password, c),
                None => {
                    let _ = verify_password(password, &self.dummy);
                    false
                }
            };
        if !verified {
            drop(flight);
            self.cache.forget(account);
            let window_start = text_before(now, lockout.window);
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
        drop(flight);
        if failed_before {
            user_state::clear_failures(conn, row.id)?;
        }
        self.principal(conn, &row)
    }

    /// The rights of a logged-in user: the ones loaded at the same rights version, or loaded now.
    fn principal(&self, conn: &Conn, row: &users::LoginRow) -> Result<Arc<Principal>, AuthError> {
        let lock = || self.principals.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((version, p)) = lock().get(&row.id) {
            if *version == row.rights_version && p.account == row.account {
                return Ok(p.clone());
            }
        }
        let p = Arc::new(Principal::load(conn, row.id, &row.account)?);
        let mut all = lock();
        if all.len() >= self.config.cache_capacity.max(1) {
            all.clear();
        }
        all.insert(row.id, (row.rights_version, p.clone()));
        Ok(p)
    }

    /// The login of a request that needs neither a password check nor a write: the account is
    /// usable, neither blocked nor with failed logins on record, and this verification is
    /// cached. `Ok(None)`: anything else, for [`Authenticator::authenticate_at`] on a thread that
    /// may block (Argon2 takes tens of milliseconds). It reads only indexed rows, so it may run
    /// on a request's own thread (docs/performance.md, "Reads on the request's thread").
    pub fn authenticate_cached(&self, conn: &Conn, account: &str, password: &str, now: DateTime<Utc>) -> Result<Option<Arc<Principal>>, AuthError> {
        let Some(row) = users::login_row(conn, account)? else { return Ok(None) };
        let clean = row.active && row.blocked_since.is_none() && row.failed_logins == 0 && row.last_failed_login.is_none();
        let Some(crypted) = row.crypted_password.as_deref().filter(|_| clean) else { return Ok(None) };
        let key = self.cache.key(account, password, crypted);
        if !self.cache.hit(account, &key, row.id, now) {
            return Ok(None);
        }
        self.principal(conn, &row).map(Some)
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

/// The authenticator against a database in memory with the reference data.
#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use chrono::{Duration as Span, Utc};

    use super::admin::{self, NewAccount, Target};
    use super::*;
    use crate::db::{self, Conn};

    fn conn() -> Conn {
        let c = db::memory();
        c.execute_batch(db::seed::REFERENCE).unwrap();
        c.execute_batch(
            r#"INSERT INTO "ShopDO" ("id", "name", "parentRef") VALUES (100, 'inSPIRED', NULL), (10000, 'inTRONICS', 100), (20000, 'other', NULL), (10001, 'inTRONICS B2B', 10000);
               INSERT INTO "SupplierDO" ("id", "name") VALUES (5000, 'inTRONICS Distribution'), (6000, 'elsewhere');"#,
        )
        .unwrap();
        c
    }

    fn add(c: &Conn, account: &str, password: &str, role: &str, target: Target) {
        admin::add_user(c, &NewAccount { account, password, role, target, email: None, first_name: None, last_name: None, company_name: None }).unwrap();
    }

    fn failed_logins(c: &Conn, account: &str) -> i64 {
        c.query_i64(r#"SELECT "failedLogins" FROM "UserDO" WHERE "accountName" = ?1"#, &[&account]).unwrap()
    }

    #[test]
    fn the_rights_enum_and_the_seeds_agree() {
        let c = conn();
        let seeded: BTreeSet<String> = db::queries::users::right_names(&c).unwrap().into_iter().collect();
        let known: BTreeSet<String> = Right::ALL.iter().map(|r| r.as_str().to_string()).collect();
        assert_eq!(seeded, known);
        for r in Right::ALL {
            let name = c.query_value(r#"SELECT "name" FROM "RightDefDO" WHERE "id" = ?1"#, &[&r.id()]).unwrap();
            assert_eq!(name.as_str(), Some(r.as_str()), "id {}", r.id());
        }
    }

    #[test]
    fn authenticator_is_shared_between_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<Authenticator>();
    }

    #[test]
    fn the_cached_login_is_only_the_one_that_needs_no_password_check_and_no_write() {
        let c = conn();
        add(&c, "shop", "s3cret", "ShopServiceClient", Target::Shop(10000));
        let auth = Authenticator::default();
        let now = Utc::now();
        assert!(auth.authenticate_cached(&c, "shop", "s3cret", now).unwrap().is_none(), "not verified yet");
        auth.authenticate_at(&c, "shop", "s3cret", now).unwrap();
        let p = auth.authenticate_cached(&c, "shop", "s3cret", now).unwrap().expect("verified and cached");
        assert_eq!(p.account, "shop");
        assert!(auth.authenticate_cached(&c, "shop", "wrong", now).unwrap().is_none(), "another password needs Argon2");
        assert!(auth.authenticate_cached(&c, "nobody", "s3cret", now).unwrap().is_none());
        assert!(matches!(auth.authenticate_at(&c, "shop", "wrong", now), Err(AuthError::Unauthorized)));
        assert!(auth.authenticate_cached(&c, "shop", "s3cret", now).unwrap().is_none(), "a failed login on record is cleared by the full login");
        auth.authenticate_at(&c, "shop", "s3cret", now).unwrap();
        assert_eq!(failed_logins(&c, "shop"), 0);
        assert!(auth.authenticate_cached(&c, "shop", "s3cret", now).unwrap().is_some());
        admin::set_active(&c, "shop", false).unwrap();
        assert!(auth.authenticate_cached(&c, "shop", "s3cret", now).unwrap().is_none(), "a disabled account is refused by the full login");
    }

    #[test]
    fn right_password_wrong_password_unknown_and_disabled() {
        let c = conn();
        add(&c, "shop", "s3cret", "ShopServiceClient", Target::Shop(10000));
        let auth = Authenticator::default();
        let p = auth.authenticate(&c, "shop", "s3cret").unwrap();
        assert_eq!(p.account, "shop");
        assert!(matches!(auth.authenticate(&c, "shop", "wrong"), Err(AuthError::Unauthorized)));
        assert!(matches!(auth.authenticate(&c, "nobody", "s3cret"), Err(AuthError::Unauthorized)));
        assert!(matches!(auth.authenticate(&c, "Shop", "s3cret"), Err(AuthError::Unauthorized)), "account names are exact");
        admin::set_active(&c, "shop", false).unwrap();
        let e = auth.authenticate(&c, "shop", "s3cret").unwrap_err();
        assert!(matches!(e, AuthError::Unauthorized));
        assert_eq!(e.to_string(), AuthError::Unauthorized.to_string(), "one message for all");
        admin::set_active(&c, "shop", true).unwrap();
        assert!(auth.authenticate(&c, "shop", "s3cret").is_ok());
        let stored = c.query_value(r#"SELECT "cryptedPassword" FROM "UserDO""#, &[]).unwrap();
        assert!(stored.as_str().unwrap().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert_eq!(c.query_value(r#"SELECT "hashSalt" FROM "UserDO""#, &[]).unwrap(), db::Value::Null);
    }

    /// The rights are reused while no table that grants rights changed, and reloaded at the
    /// next login after a change (a grant, a shop moved under another parent, a role's right
    /// removed with plain SQL).
    #[test]
    fn cached_rights_follow_every_change_of_the_rights_tables() {
        let c = conn();
        add(&c, "shop", "s3cret", "ShopServiceClient", Target::Shop(10000));
        let auth = Authenticator::default();
        let p = auth.authenticate(&c, "shop", "s3cret").unwrap();
        assert!(p.may_for_shop(Right::AtpRead, 10000) && !p.may_for_shop(Right::AtpRead, 20000));
        assert_eq!(auth.authenticate(&c, "shop", "s3cret").unwrap(), p, "unchanged: the same rights");
        admin::grant(&c, "shop", "ShopServiceClient", &Target::Shop(20000)).unwrap();
        assert!(auth.authenticate(&c, "shop", "s3cret").unwrap().may_for_shop(Right::AtpRead, 20000), "a grant applies at once");
        c.execute_batch(r#"UPDATE "ShopDO" SET "parentRef" = 10000 WHERE "id" = 100"#).ok();
        c.execute_batch(r#"UPDATE "ShopDO" SET "parentRef" = NULL WHERE "id" = 10001"#).unwrap();
        assert!(!auth.authenticate(&c, "shop", "s3cret").unwrap().may_for_shop(Right::AtpRead, 10001), "a shop moved out of the tree");
        c.execute_batch(r#"DELETE FROM "Role2RightDO" WHERE "rightDefRef" = -1"#).unwrap();
        assert!(!auth.authenticate(&c, "shop", "s3cret").unwrap().may_for_shop(Right::AtpRead, 10000), "a right taken from the role");
    }

    #[test]
    fn an_unknown_account_costs_about_as_much_as_a_wrong_password() {
        let c = conn();
        add(&c, "shop", "s3cret", "ShopServiceClient", Target::Shop(10000));
        let auth = Authenticator::new(AuthConfig { lockout: Lockout { max_failures: 1000, ..Lockout::default() }, ..AuthConfig::default() });
        // the fastest of five tries each: robust against other work on the machine
        let time = |account: &str| {
            (0..5)
                .map(|_| {
                    let t = std::time::Instant::now();
                    assert!(auth.authenticate(&c, account, "wrong").is_err());
                    t.elapsed()
                })
                .min()
                .unwrap()
        };
        let (known, unknown) = (time("shop"), time("nobody"));
        assert!(unknown * 3 > known && known * 3 > unknown, "known {known:?}, unknown {unknown:?}");
    }

    #[test]
    fn the_cache_skips_argon2_and_misses_after_a_password_change() {
        let c = conn();
        add(&c, "shop", "s3cret", "ShopServiceClient", Target::Shop(10000));
        let auth = Authenticator::default();
        let t = Utc::now();
        assert!(!auth.is_cached(&c, "shop", "s3cret", t));
        auth.authenticate_at(&c, "shop", "s3cret", t).unwrap();
        assert!(auth.is_cached(&c, "shop", "s3cret", t));
        assert!(!auth.is_cached(&c, "shop", "other", t));
        // a hit is much cheaper than a verification
        let start = std::time::Instant::now();
        for _ in 0..20 {
            auth.authenticate_at(&c, "shop", "s3cret", t).unwrap();
        }
        let hits = start.elapsed();
        let start = std::time::Instant::now();
        assert!(verify_password("s3cret", c.query_value(r#"SELECT "cryptedPassword" FROM "UserDO""#, &[]).unwrap().as_str().unwrap()));
        assert!(hits < start.elapsed() * 5, "20 cached logins took {hits:?}");
        // expires
        assert!(!auth.is_cached(&c, "shop", "s3cret", t + Span::seconds(61)));
        // the password changes (here or in another process): the old one misses and is refused
        admin::set_password(&c, "shop", "n3w").unwrap();
        assert!(!auth.is_cached(&c, "shop", "s3cret", t));
        assert!(matches!(auth.authenticate_at(&c, "shop", "s3cret", t), Err(AuthError::Unauthorized)));
        assert!(auth.authenticate_at(&c, "shop", "n3w", t).is_ok());
        // disabled: refused although cached
        admin::set_active(&c, "shop", false).unwrap();
        assert!(matches!(auth.authenticate_at(&c, "shop", "n3w", t), Err(AuthError::Unauthorized)));
    }

    #[test]
    fn failed_logins_in_the_window_block_the_account() {
        let c = conn();
        add(&c, "shop", "s3cret", "ShopServiceClient", Target::Shop(10000));
        let auth = Authenticator::default();
        let t0 = Utc::now();
        // four failures, then a success: the count starts again
        for i in 0..4 {
            assert!(matches!(auth.authenticate_at(&c, "shop", "wrong", t0 + Span::seconds(i)), Err(AuthError::Unauthorized)));
        }
        assert_eq!(failed_logins(&c, "shop"), 4);
        auth.authenticate_at(&c, "shop", "s3cret", t0 + Span::seconds(5)).unwrap();
        assert_eq!(failed_logins(&c, "shop"), 0);
        // failures further apart than the window do not add up
        for i in 0..6 {
            assert!(matches!(auth.authenticate_at(&c, "shop", "wrong", t0 + Span::minutes(16 * (i + 1))), Err(AuthError::Unauthorized)));
            assert_eq!(failed_logins(&c, "shop"), 1);
        }
        // five within 15 minutes block, even the right password
        let t1 = t0 + Span::hours(5);
        for i in 0..5 {
            assert!(matches!(auth.authenticate_at(&c, "shop", "wrong", t1 + Span::minutes(i * 3)), Err(AuthError::Unauthorized)));
        }
        assert!(matches!(auth.authenticate_at(&c, "shop", "s3cret", t1 + Span::minutes(13)), Err(AuthError::Blocked)));
        assert!(matches!(auth.authenticate_at(&c, "shop", "wrong", t1 + Span::minutes(14)), Err(AuthError::Blocked)));
        assert_eq!(failed_logins(&c, "shop"), 5, "attempts on a blocked account are not verified");
        // another process (another authenticator) sees the block
        assert!(matches!(Authenticator::default().authenticate_at(&c, "shop", "s3cret", t1 + Span::minutes(14)), Err(AuthError::Blocked)));
        // the block ends after 15 minutes
        auth.authenticate_at(&c, "shop", "s3cret", t1 + Span::minutes(12 + 16)).unwrap();
        assert_eq!(failed_logins(&c, "shop"), 0);
        assert_eq!(c.query_value(r#"SELECT "blockedSince" FROM "UserDO""#, &[]).unwrap(), db::Value::Null);
    }

    #[test]
    fn a_block_without_end_lasts_until_unblocked_and_a_cached_login_is_blocked_too() {
        let c = conn();
        add(&c, "shop", "s3cret", "ShopServiceClient", Target::Shop(10000));
        let auth = Authenticator::new(AuthConfig { lockout: Lockout { max_failures: 3, block_for: None, ..Lockout::default() }, ..AuthConfig::default() });
        let t = Utc::now();
        auth.authenticate_at(&c, "shop", "s3cret", t).unwrap();
        for _ in 0..3 {
            let _ = auth.authenticate_at(&c, "shop", "wrong", t);
        }
        assert!(matches!(auth.authenticate_at(&c, "shop", "s3cret", t), Err(AuthError::Blocked)), "the cache does not bypass a block");
        assert!(matches!(auth.authenticate_at(&c, "shop", "s3cret", t + Span::days(30)), Err(AuthError::Blocked)));
        assert!(admin::unblock(&c, "shop").unwrap());
        assert!(!admin::unblock(&c, "shop").unwrap(), "nothing to unblock");
        auth.authenticate_at(&c, "shop", "s3cret", t + Span::days(30)).unwrap();
    }

    #[test]
    fn rights_for_a_shop_its_child_shops_and_not_other_shops() {
        let c = conn();
        add(&c, "parent", "p", "ShopServiceClient", Target::Shop(100));
        add(&c, "child", "p", "ShopServiceClient", Target::Shop(10000));
        add(&c, "supplier", "p", "ShopServiceClient", Target::Supplier(5000));
        add(&c, "ops", "p", "Operator", Target::Everywhere);
        let auth = Authenticator::default();

        let parent = auth.authenticate(&c, "parent", "p").unwrap();
        assert!(parent.may(Right::AtpRead) && !parent.may(Right::SchedulesRead) && !parent.may(Right::HealthRead));
        assert!(parent.may_for_shop(Right::AtpRead, 100));
        assert!(parent.may_for_shop(Right::AtpRead, 10000), "a child shop");
        assert!(parent.may_for_shop(Right::OrdersWrite, 10001), "a grandchild shop without an organization of its own");
        assert!(!parent.may_for_shop(Right::AtpRead, 20000), "another shop");
        assert!(!parent.may_for_shop(Right::SchedulesWrite, 100), "a right of no role of the user");
        assert!(!parent.may_for_supplier(Right::AtpRead, 5000));
        assert_eq!(parent.shops_for(Right::RmaWrite), Scope::Only([100, 10000, 10001].into()));
        assert_eq!(parent.organizations, ["inSPIRED"]);

        let child = auth.authenticate(&c, "child", "p").unwrap();
        assert!(child.may_for_shop(Right::AtpRead, 10000) && child.may_for_shop(Right::AtpRead, 10001));
        assert!(!child.may_for_shop(Right::AtpRead, 100), "not the parent shop");
        // the child shop's organization has the parent's as its parent
        let parent_of = c.query_value(r#"SELECT p."name" FROM "OrganizationDO" o JOIN "OrganizationDO" p ON p."id" = o."parentId" WHERE o."shopId" = 10000"#, &[]).unwrap();
        assert_eq!(parent_of.as_str(), Some("inSPIRED"));

        let supplier = auth.authenticate(&c, "supplier", "p").unwrap();
        assert!(supplier.may_for_supplier(Right::AtpRead, 5000) && !supplier.may_for_supplier(Right::AtpRead, 6000));
        assert!(!supplier.may_for_shop(Right::AtpRead, 10000));

        let ops = auth.authenticate(&c, "ops", "p").unwrap();
        assert!(ops.may(Right::SchedulesWrite) && ops.may_everywhere(Right::HealthRead) && ops.may_for_shop(Right::TransmissionsRead, 20000));
        assert!(!ops.may(Right::AtpRead) && !ops.may_for_shop(Right::AtpRead, 100));
        assert_eq!(ops.shops_for(Right::TransmissionsRead), Scope::All);

        // a grouping organization above shop organizations covers them
        admin::grant(&c, "ops", "ShopServiceClient", &Target::Organization("all shops".into())).unwrap();
        c.execute(r#"UPDATE "OrganizationDO" SET "parentId" = (SELECT "id" FROM "OrganizationDO" WHERE "name" = 'all shops') WHERE "shopId" = 100"#, &[]).unwrap();
        let ops = auth.authenticate(&c, "ops", "p").unwrap();
        assert!(ops.may_for_shop(Right::AtpRead, 10001) && !ops.may_for_shop(Right::AtpRead, 20000));
    }

    #[test]
    fn adding_refuses_unknown_roles_shops_and_existing_accounts() {
        let c = conn();
        add(&c, "shop", "p", "ShopServiceClient", Target::Shop(10000));
        let new = |account, role, target| NewAccount { account, password: "p", role, target, email: None, first_name: None, last_name: None, company_name: None };
        let e = admin::add_user(&c, &new("shop", "ShopServiceClient", Target::Shop(10000))).unwrap_err();
        assert!(matches!(e, admin::AdminError::AccountExists(_)), "{e}");
        let e = admin::add_user(&c, &new("x", "Nope", Target::Shop(10000))).unwrap_err();
        assert!(e.to_string().contains("ShopServiceClient"), "{e}");
        assert!(matches!(admin::add_user(&c, &new("y", "Operator", Target::Shop(424242))), Err(admin::AdminError::UnknownShop(424242))));
        assert!(matches!(admin::add_user(&c, &new("z", "Operator", Target::Supplier(424242))), Err(admin::AdminError::UnknownSupplier(424242))));
        assert!(matches!(admin::set_password(&c, "shop", ""), Err(admin::AdminError::EmptyPassword)));
    }

    #[derive(Clone, Default)]
    struct Logs(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Logs {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn logs_say_what_happened_and_never_a_password_or_hash() {
        let c = conn();
        add(&c, "shop", "s3cret-pw", "ShopServiceClient", Target::Shop(10000));
        // one subscriber for the whole test binary (a scoped one misses events whose callsites
        // other threads registered first): every auth test's log lines land here
        static LOGS: std::sync::OnceLock<Logs> = std::sync::OnceLock::new();
        let logs = LOGS.get_or_init(|| {
            let logs = Logs::default();
            let writer = logs.clone();
            let subscriber = tracing_subscriber::fmt().with_max_level(tracing::Level::TRACE).with_ansi(false).with_writer(move || writer.clone()).finish();
            tracing::subscriber::set_global_default(subscriber).expect("no other global subscriber in the unit tests");
            logs
        });
        let auth = Authenticator::default();
        auth.authenticate(&c, "shop", "s3cret-pw").unwrap();
        for _ in 0..5 {
            let _ = auth.authenticate(&c, "shop", "wrong-pw");
        }
        let _ = auth.authenticate(&c, "shop", "s3cret-pw");
        let _ = auth.authenticate(&c, "typed-the-password-here", "x");
        let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
        assert!(text.contains("login failed: wrong password") && text.contains("USER_BLOCKED") && text.contains("account=\"shop\""), "{text}");
        assert!(text.contains("login refused: account blocked"), "{text}");
        assert!(text.contains("login failed: unknown account"), "{text}");
        for secret in ["s3cret-pw", "wrong-pw", "$argon2", "typed-the-password-here"] {
            assert!(!text.contains(secret), "`{secret}` logged:\n{text}");
        }
    }

    #[test]
    fn threads_with_their_own_connections_share_one_authenticator_and_count_failures_together() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        {
            let mut c = db::open(&path).unwrap();
            db::migrate::init(&mut c).unwrap();
            c.execute_batch(db::seed::REFERENCE).unwrap();
            c.execute_batch(r#"INSERT INTO "ShopDO" ("id", "name") VALUES (10000, 'inTRONICS');"#).unwrap();
            add(&c, "shop", "s3cret", "ShopServiceClient", Target::Shop(10000));
        }
        let auth = std::sync::Arc::new(Authenticator::default());
        auth.authenticate(&db::open(&path).unwrap(), "shop", "s3cret").unwrap();
        let threads: Vec<_> = (0..2)
            .map(|i| {
                let (auth, path) = (auth.clone(), path.clone());
                std::thread::spawn(move || {
                    let c = db::open(&path).unwrap();
                    for _ in 0..(2 + i) {
                        assert!(matches!(auth.authenticate(&c, "shop", "wrong"), Err(AuthError::Unauthorized)));
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        // 2 + 3 failures from two connections: the fifth blocked the account, for a third
        // connection and another authenticator (process) too, although the password is cached
        let c = db::open(&path).unwrap();
        assert_eq!(failed_logins(&c, "shop"), 5);
        assert!(matches!(Authenticator::default().authenticate(&c, "shop", "s3cret"), Err(AuthError::Blocked)));
        assert!(matches!(auth.authenticate(&c, "shop", "s3cret"), Err(AuthError::Blocked)));
    }
}
