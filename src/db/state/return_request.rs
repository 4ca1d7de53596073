//! States of a return request (`"ReturnAnnouncementDO"."stateDefRef"`, the only code that writes
//! it after the insert), the RMA service's status model (docs/orders.md, "Returns"):
//!
//! | `stateDefRef` | `status` | `businessStatus` |
//! |---|---|---|
//! | 1 (the column's default: every new row) | INITIAL | READY_TO_APPROVE |
//! | 1000 | DO_APPROVE | IN_APPROVAL |
//! | 5000 | ACCEPTED | ACCEPTED |
//! | 6000 | REJECTED | REJECTED |
//! | 7000 | DO_CLOSE | ACCEPTED |
//! | 8000 | CLOSED | ACCEPTED |
//!
//! An approval ([`approve`]) moves INITIAL or DO_APPROVE to ACCEPTED (APPROVED) or REJECTED
//! (NOT_APPROVED); any other value of the column (rows written with SQL) reads as INITIAL with
//! business status UNKNOWN. Reaching 5000 fires the export trigger of the partners whose
//! decision bean is 180 (schema.sql, `"ReturnAnnouncementDO_export_accepted"`). The order states count
//! ACCEPTED, DO_CLOSE and CLOSED requests as returned (`src/db/queries/order_states.rs`).
use crate::db::params;

use crate::db::{Conn, StoreResult};

pub const INITIAL: i64 = 1;
pub const DO_APPROVE: i64 = 1000;
pub const ACCEPTED: i64 = 5000;
pub const REJECTED: i64 = 6000;
pub const DO_CLOSE: i64 = 7000;
pub const CLOSED: i64 = 8000;

/// `status` and `businessStatus` of a `stateDefRef`.
pub fn names(state: i64) -> (&'static str, &'static str) {
    match state {
        INITIAL => ("INITIAL", "READY_TO_APPROVE"),
        DO_APPROVE => ("DO_APPROVE", "IN_APPROVAL"),
        ACCEPTED => ("ACCEPTED", "ACCEPTED"),
        REJECTED => ("REJECTED", "REJECTED"),
        DO_CLOSE => ("DO_CLOSE", "ACCEPTED"),
        CLOSED => ("CLOSED", "ACCEPTED"),
        _ => ("INITIAL", "UNKNOWN"),
    }
}

/// INITIAL or DO_APPROVE -> ACCEPTED (`approved`) or REJECTED, with the approval's comment.
/// False (and nothing changed) when the request is in another state: it was decided before.
pub fn approve(tx: &Conn, id: i64, approved: bool, comment: Option<&str>) -> StoreResult<bool> {
    let to = if approved { ACCEPTED } else { REJECTED };
    let n = tx
        .execute(r#"UPDATE "ReturnAnnouncementDO" SET "stateDefRef" = ?2, "approvalComment" = ?3 WHERE "id" = ?1 AND "stateDefRef" IN (?4, ?5)"#, params![id, to, comment, INITIAL, DO_APPROVE])?;
    Ok(n == 1)
}
