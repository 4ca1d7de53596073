//! States of `"ReservationDO"` (the only code that writes `"ReservationDO"."state"`).
//!
//! - `RESERVED`: its quantities count as reserved in the ATP while `"expiryDate"` is in the
//!   future (reads compare the expiry themselves, so a reservation past it counts no more even
//!   before [`expire_due`] has run).
//! - `EXPIRED`: its lifetime passed ([`expire`], [`expire_due`]); it holds nothing. An update
//!   ([`renew`]) makes it RESERVED again with new items and a new expiry.
//!
//! Deleting a reservation removes its rows (`db::queries::inventory::delete_reservation`).
use crate::db::{params, Optional};

use crate::db::{Conn, StoreError, StoreErrorKind, StoreResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReservationState {
    Reserved,
    Expired,
}

impl ReservationState {
    pub const ALL: [ReservationState; 2] = [ReservationState::Reserved, ReservationState::Expired];

    pub fn as_str(self) -> &'static str {
        match self {
            ReservationState::Reserved => "RESERVED",
            ReservationState::Expired => "EXPIRED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|x| x.as_str() == s)
    }
}

fn moved(conn: &Conn, id: i64, from: ReservationState, to: ReservationState) -> StoreError {
    let now: Option<String> =
        conn.query_row(r#"SELECT "state" FROM "ReservationDO" WHERE "id" = ?1"#, params![id], |r| r.get(0)).optional().ok().flatten();
    StoreError::new(
        StoreErrorKind::Other,
        format!("\"ReservationDO\" id {id}: cannot go from {} to {}: the row is {}", from.as_str(), to.as_str(), now.unwrap_or_else(|| "missing".into())),
    )
}

/// RESERVED -> EXPIRED: its expiry (at or before `now`) has passed.
pub fn expire(conn: &Conn, id: i64, now: &str) -> StoreResult<()> {
    let n = conn
        .execute(r#"UPDATE "ReservationDO" SET "state" = 'EXPIRED', "modificationDate" = ?2 WHERE "id" = ?1 AND "state" = 'RESERVED' AND "expiryDate" <= ?2"#, params![id, now])?;
    if n == 0 {
        return Err(moved(conn, id, ReservationState::Reserved, ReservationState::Expired));
    }
    Ok(())
}

/// RESERVED -> EXPIRED for every reservation whose expiry is at or before `now`; returns how many.
pub fn expire_due(conn: &Conn, now: &str) -> StoreResult<usize> {
    Ok(conn
        .execute(r#"UPDATE "ReservationDO" SET "state" = 'EXPIRED', "modificationDate" = ?1 WHERE "state" = 'RESERVED' AND "expiryDate" <= ?1"#, params![now])?)
}

/// `from` (RESERVED or EXPIRED) -> RESERVED with a new type, lifetime and expiry: an update
/// of the reservation (its items are written anew in the same unit of work).
pub fn renew(conn: &Conn, id: i64, from: ReservationState, kind: &str, lifetime: i64, expiry: &str, now: &str) -> StoreResult<()> {
    let n = conn
        .execute(r#"UPDATE "ReservationDO" SET "state" = 'RESERVED', "type" = ?3, "lifetime" = ?4, "expiryDate" = ?5, "modificationDate" = ?6
               WHERE "id" = ?1 AND "state" = ?2"#, params![id, from.as_str(), kind, lifetime, expiry, now])?;
    if n == 0 {
        return Err(moved(conn, id, from, ReservationState::Reserved));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The states are the CHECK list of schema.sql; each transition moves only from its state.
    #[test]
    fn transitions_move_from_their_state_only() {
        let conn = crate::db::memory();
        conn.execute_batch(r#"INSERT INTO "ShopDO" ("id", "name") VALUES (1, 's')"#).unwrap();
        let id = crate::db::queries::inventory::insert_reservation(&conn, 1, "COMPLETE", 60, "2026-01-01 00:01:00.000", "2026-01-01 00:00:00.000").unwrap();
        assert!(expire(&conn, id, "2026-01-01 00:00:59.999").is_err(), "not yet due");
        assert_eq!(expire_due(&conn, "2026-01-01 00:00:59.999").unwrap(), 0);
        assert_eq!(expire_due(&conn, "2026-01-01 00:01:00.000").unwrap(), 1);
        assert!(expire(&conn, id, "2026-01-01 00:02:00.000").is_err(), "already EXPIRED");
        assert!(renew(&conn, id, ReservationState::Reserved, "PARTLY", 60, "x", "y").is_err());
        renew(&conn, id, ReservationState::Expired, "PARTLY", 120, "2026-01-01 00:04:00.000", "2026-01-01 00:02:00.000").unwrap();
        let r = crate::db::queries::inventory::reservation(&conn, id).unwrap().unwrap();
        assert_eq!((r.state.as_str(), r.kind.as_str(), r.lifetime), ("RESERVED", "PARTLY", 120));
        for s in ReservationState::ALL {
            assert_eq!(ReservationState::parse(s.as_str()), Some(s));
        }
        let bad = conn.execute(r#"UPDATE "ReservationDO" SET "state" = 'GONE'"#, &[]).unwrap_err();
        assert_eq!(bad.kind, StoreErrorKind::Constraint);
    }
}
