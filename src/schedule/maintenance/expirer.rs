//! The reservation expirer: marks reservations whose lifetime has passed EXPIRED, at most once
//! per [`EXPIRE_EVERY`] by the run loop (reads never count an expired reservation, marked or not;
//! the marking keeps the rows' states true for operators).
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::db::Conn;

/// How often the run loop looks for expired reservations.
pub const EXPIRE_EVERY: Duration = Duration::from_secs(10);

#[derive(Debug, Default)]
pub struct Expirer {
    last: Option<Instant>,
}

impl Expirer {
    /// Marks expired reservations if the last pass is more than [`EXPIRE_EVERY`] ago; returns
    /// how many.
    pub fn run_once(&mut self, conn: &mut Conn, now: DateTime<Utc>) -> Result<usize, crate::inventory::InventoryError> {
        if self.last.is_some_and(|l| l.elapsed() < EXPIRE_EVERY) {
            return Ok(0);
        }
        self.last = Some(Instant::now());
        crate::inventory::expire_once(conn, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reservation past its expiry is marked, a current one stays; the next pass within
    /// [`EXPIRE_EVERY`] does nothing.
    #[test]
    fn marks_expired_reservations_every_ten_seconds() {
        let mut conn = crate::db::memory();
        let now = Utc::now();
        let past = crate::time::format(now - chrono::Duration::seconds(5));
        let future = crate::time::format(now + chrono::Duration::seconds(600));
        conn.execute_batch(&format!(
            r#"INSERT INTO "ShopDO" ("id", "name") VALUES (1, 's');
               INSERT INTO "ReservationDO" ("id", "shopRef", "type", "state", "lifetime", "expiryDate") VALUES
                 (1, 1, 'COMPLETE', 'RESERVED', 60, '{past}'), (2, 1, 'PARTLY', 'RESERVED', 600, '{future}');"#
        ))
        .unwrap();
        let mut e = Expirer::default();
        assert_eq!(e.run_once(&mut conn, now).unwrap(), 1);
        assert_eq!(conn.query_i64(r#"SELECT count(*) FROM "ReservationDO" WHERE "state" = 'EXPIRED'"#, &[]).unwrap(), 1);
        conn.execute_batch(&format!(r#"UPDATE "ReservationDO" SET "expiryDate" = '{past}' WHERE "id" = 2"#)).unwrap();
        assert_eq!(e.run_once(&mut conn, now).unwrap(), 0, "not again within ten seconds");
    }
}
