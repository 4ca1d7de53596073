//! States of `"OrderChangeRequestDO"` (the only code that writes its `"status"`), the order
//! service's change requests (docs/orders.md, "Change requests").
//!
//! - `OPEN`: recorded ([`open`]), not decided yet. The order service decides in the same unit
//!   of work, so no committed row stays OPEN.
//! - `APPLIED`: the cancellation was applied ([`applied`]): the cancelled quantities are in
//!   `"OrderPositionDO"."cancelledQuantity"`.
//! - `FAILED_TO_APPLY`: refused for the order's state (something of it was dispatched);
//!   nothing changed ([`failed`]). `"reason"` says why.
//! - `ACCEPTED`: the spec's state between OPEN and APPLIED; impex decides at once and never
//!   writes it.
use crate::db::params;

use crate::db::{Conn, StoreError, StoreErrorKind, StoreResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeRequestStatus {
    Open,
    Accepted,
    Applied,
    FailedToApply,
}

impl ChangeRequestStatus {
    pub const ALL: [ChangeRequestStatus; 4] = [ChangeRequestStatus::Open, ChangeRequestStatus::Accepted, ChangeRequestStatus::Applied, ChangeRequestStatus::FailedToApply];

    pub fn as_str(self) -> &'static str {
        match self {
            ChangeRequestStatus::Open => "OPEN",
            ChangeRequestStatus::Accepted => "ACCEPTED",
            ChangeRequestStatus::Applied => "APPLIED",
            ChangeRequestStatus::FailedToApply => "FAILED_TO_APPLY",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|x| x.as_str() == s)
    }
}

/// Records an OPEN change request of `order`; returns its row id. A second request with the
/// same `change_request_id` for the order is refused by the table's unique key.
pub fn open(tx: &Conn, order: i64, change_request_id: &str, creator: &str, body: &str, now: &str) -> StoreResult<i64> {
    tx.insert(r#"INSERT INTO "OrderChangeRequestDO" ("orderRef", "changeRequestId", "creator", "body", "status", "creationDate", "modificationDate")
               VALUES (?1, ?2, ?3, ?4, 'OPEN', ?5, ?5)"#, params![order, change_request_id, creator, body, now])
}

fn decide(tx: &Conn, id: i64, to: ChangeRequestStatus, reason: &str, notice: Option<&str>, now: &str) -> StoreResult<()> {
    let n = tx
        .execute(r#"UPDATE "OrderChangeRequestDO" SET "status" = ?2, "reason" = ?3, "supplierNotice" = ?4, "modificationDate" = ?5
               WHERE "id" = ?1 AND "status" = 'OPEN'"#, params![id, to.as_str(), reason, notice, now])?;
    if n == 1 {
        Ok(())
    } else {
        Err(StoreError::new(StoreErrorKind::Other, format!("\"OrderChangeRequestDO\" id {id}: cannot go from OPEN to {}: the row is not OPEN", to.as_str())))
    }
}

/// OPEN -> APPLIED, with what was cancelled and what the supplier learns (`supplierNotice`).
pub fn applied(tx: &Conn, id: i64, what: &str, notice: &str, now: &str) -> StoreResult<()> {
    decide(tx, id, ChangeRequestStatus::Applied, what, Some(notice), now)
}

/// OPEN -> FAILED_TO_APPLY with the reason; nothing of the order changed.
pub fn failed(tx: &Conn, id: i64, reason: &str, now: &str) -> StoreResult<()> {
    decide(tx, id, ChangeRequestStatus::FailedToApply, reason, None, now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_values_are_the_schema_check_list() {
        let schema = include_str!("../../../schema.sql");
        let list = ChangeRequestStatus::ALL.iter().map(|s| format!("'{}'", s.as_str())).collect::<Vec<_>>().join(",");
        assert!(schema.contains(&format!(r#""status" IN ({list})"#)), "{list}");
        assert_eq!(ChangeRequestStatus::parse("APPLIED"), Some(ChangeRequestStatus::Applied));
    }

    #[test]
    fn a_decided_request_is_not_decided_again() {
        let conn = crate::db::memory();
        conn.execute_batch(
            r#"INSERT INTO "ShopDO" ("id", "name") VALUES (1, 's');
               INSERT INTO "OrderDO" ("id", "shopRef", "shopOrderNo", "orderCreationDate") VALUES (1, 1, 'o', '2026-01-01 00:00:00.000');"#,
        )
        .unwrap();
        let id = open(&conn, 1, "cr-1", "u", "{}", "2026-01-01 00:00:00.000").unwrap();
        assert!(open(&conn, 1, "cr-1", "u", "{}", "2026-01-01 00:00:00.000").is_err(), "the same id twice");
        applied(&conn, id, "everything", "NONE", "2026-01-01 00:00:01.000").unwrap();
        assert!(failed(&conn, id, "late", "2026-01-01 00:00:02.000").is_err());
    }
}
