//! The state of a `"UserDO"` row: THE place where its password, activity and lockout columns
//! change (`"cryptedPassword"`, `"active"`, `"failedLogins"`, `"lastFailedLogin"`,
//! `"blockedSince"`).
//!
//! ```text
//! active ──failed login──▶ failedLogins + 1 (1 again when the last failure is older than the window)
//!   │         └─ the max'th failure in the window ─▶ blocked ("blockedSince" = now; USER_BLOCKED)
//!   └─successful login─▶ failedLogins = 0
//! blocked ──`impex user unblock`, or the block time has passed─▶ active, failedLogins = 0
//! active ──`impex user disable`─▶ inactive ──`impex user enable`─▶ active
//! ```
//! Each change is one statement, so processes that share the database count failures together.
use crate::db::params;

use crate::db::{Conn, StoreError, StoreErrorKind, StoreResult};

fn one(n: usize, user_id: i64) -> StoreResult<()> {
    if n == 1 {
        Ok(())
    } else {
        Err(StoreError::new(StoreErrorKind::NoRow, format!("no \"UserDO\" with id {user_id}")))
    }
}

/// A new password (a PHC string). `"hashSalt"` stays NULL.
pub fn set_password(conn: &Conn, user_id: i64, crypted_password: &str, now: &str) -> StoreResult<()> {
    let n = conn.execute(
        r#"UPDATE "UserDO" SET "cryptedPassword" = ?2, "hashSalt" = NULL, "modificationDate" = ?3, "version" = "version" + 1
           WHERE "id" = ?1"#,
        params![user_id, crypted_password, now],
    )?;
    one(n, user_id)
}

/// Enables or disables an account.
pub fn set_active(conn: &Conn, user_id: i64, active: bool, now: &str) -> StoreResult<()> {
    let n = conn.execute(
        r#"UPDATE "UserDO" SET "active" = ?2, "modificationDate" = ?3, "version" = "version" + 1 WHERE "id" = ?1"#,
        params![user_id, active, now],
    )?;
    one(n, user_id)
}

/// What a failed login left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failures {
    /// Failed logins in the current window, this one included.
    pub count: i64,
    /// This failure blocked the account.
    pub blocked_now: bool,
}

/// Counts a failed login at `now`: the count starts again at 1 when the last failure is before
/// `window_start`; the `max`'th failure blocks the account (`"blockedSince"` = now).
pub fn record_failed_login(conn: &Conn, user_id: i64, now: &str, window_start: &str, max: i64) -> StoreResult<Failures> {
    let (count, blocked_since): (i64, Option<String>) = conn.query_row(r#"UPDATE "UserDO" SET
               "failedLogins" = CASE WHEN "lastFailedLogin" IS NULL OR "lastFailedLogin" < ?3 THEN 1 ELSE "failedLogins" + 1 END,
               "lastFailedLogin" = ?2,
               "blockedSince" = CASE
                   WHEN "blockedSince" IS NOT NULL THEN "blockedSince"
                   WHEN (CASE WHEN "lastFailedLogin" IS NULL OR "lastFailedLogin" < ?3 THEN 1 ELSE "failedLogins" + 1 END) >= ?4 THEN ?2
                   ELSE NULL END
           WHERE "id" = ?1
           RETURNING "failedLogins", "blockedSince""#, params![user_id, now, window_start, max], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(Failures { count, blocked_now: blocked_since.as_deref() == Some(now) })
}

/// A successful login: no failures counted any more (nothing written when there were none).
pub fn clear_failures(conn: &Conn, user_id: i64) -> StoreResult<()> {
    conn.execute(r#"UPDATE "UserDO" SET "failedLogins" = 0, "lastFailedLogin" = NULL
           WHERE "id" = ?1 AND ("failedLogins" <> 0 OR "lastFailedLogin" IS NOT NULL) AND "blockedSince" IS NULL"#, params![user_id])?;
    Ok(())
}

/// Ends a block whose time has passed (`"blockedSince"` before `expired_before`) or, with
/// `expired_before` None, any block (`impex user unblock`); the count starts again. True: the
/// account was blocked.
pub fn unblock(conn: &Conn, user_id: i64, expired_before: Option<&str>, now: &str) -> StoreResult<bool> {
    let n = conn.execute(
        r#"UPDATE "UserDO" SET "blockedSince" = NULL, "failedLogins" = 0, "lastFailedLogin" = NULL, "modificationDate" = ?3
           WHERE "id" = ?1 AND ("blockedSince" IS NOT NULL OR "failedLogins" <> 0) AND (?2 IS NULL OR "blockedSince" < ?2)"#,
        params![user_id, expired_before, now],
    )?;
    Ok(n == 1)
}
