//! Transmission states (`"TransmissionDO"."state"`): THE place where they change.
//!
//! ```text
//! INITIAL ──write ok──▶ PUSHED
//!    │  └─nothing to send─▶ CANCELED            (e.g. no position for the receiving supplier)
//!    └─failure─▶ DO_PUSH (retryCount+1, nextRetryDate = now + retryDelay)
//!                   └─failure when retryCount = maxNoOfRetries─▶ DO_MANUAL_CHECK
//! DO_MANUAL_CHECK / DO_PUSH / CANCELED / PUSHED ──`impex resend`──▶ INITIAL
//! INITIAL / DO_PUSH / DO_MANUAL_CHECK ──`impex cancel`──▶ CANCELED
//! INITIAL / DO_PUSH / DO_MANUAL_CHECK ──SENT (Transmission API)──▶ PUSHED (no file written)
//! ```
//! The Transmission REST API's update types map onto these transitions ([`OperatorUpdate`],
//! [`apply`]): RESEND = `impex resend`, CANCEL = `impex cancel`, SENT = [`mark_sent`].
//! Every transition is `UPDATE .. WHERE "id" = ? AND "state" = <expected>` and fails when no
//! row changed (someone else moved the transmission).
use crate::db::Conn;
use crate::db::{params, Optional};

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum TransmissionState {
    /// Created by a trigger; the sending job picks it up.
    Initial,
    /// A try failed; the sending job tries again when "nextRetryDate" has passed.
    DoPush,
    /// The file is in the outbox ("fileName").
    Pushed,
    /// Retries exhausted; waits for a person (`impex resend` or `impex cancel`).
    DoManualCheck,
    /// Nothing to send, or canceled by a person; the reason is in "errorText".
    Canceled,
}

impl TransmissionState {
    pub const ALL: [TransmissionState; 5] = [Self::Initial, Self::DoPush, Self::Pushed, Self::DoManualCheck, Self::Canceled];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Initial => "INITIAL",
            Self::DoPush => "DO_PUSH",
            Self::Pushed => "PUSHED",
            Self::DoManualCheck => "DO_MANUAL_CHECK",
            Self::Canceled => "CANCELED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

fn changed(n: usize, id: i64, from: TransmissionState, to: &str) -> Result<()> {
    if n == 1 {
        Ok(())
    } else {
        Err(not_moved(id, from, to))
    }
}

/// The refusal of a transition whose transmission is no longer in the state it was read in.
pub fn not_moved(id: i64, from: TransmissionState, to: &str) -> Error {
    Error::Conflict(format!(
        "transmission {id}: cannot move from {} to {to}: it is no longer in state {} (changed by someone else?)",
        from.as_str(),
        from.as_str()
    ))
}

/// The files are in the outbox: -> PUSHED, for many transmissions (`(id, expected state)`
/// pairs; on PostgreSQL in one statement). Returns the ids that moved; one missing moved from
/// its expected state meanwhile ([`not_moved`]).
pub fn mark_all_pushed(conn: &Conn, items: &[(i64, TransmissionState)], now: &str) -> Result<Vec<i64>> {
    use crate::db::queries::export::{values_rows, VALUES_ROWS};
    let mut moved = Vec::with_capacity(items.len());
    if !conn.is_postgres() {
        // (SQLite: a cached statement per row costs less than building one for many)
        for (id, from) in items {
            let n = conn.execute(
                r#"UPDATE "TransmissionDO" SET "state" = 'PUSHED', "sentDate" = ?3, "modificationDate" = ?3,
                       "errorText" = NULL, "nextRetryDate" = NULL
                   WHERE "id" = ?1 AND "state" = ?2"#,
                params![id, from.as_str(), now],
            )?;
            if n == 1 {
                moved.push(*id);
            }
        }
        return Ok(moved);
    }
    for part in items.chunks(VALUES_ROWS) {
        let states: Vec<&'static str> = part.iter().map(|(_, st)| st.as_str()).collect();
        let mut args: Vec<&dyn crate::db::Param> = vec![&now];
        for ((id, _), st) in part.iter().zip(&states) {
            args.push(id);
            args.push(st);
        }
        let sql = format!(
            r#"UPDATE "TransmissionDO" SET "state" = 'PUSHED', "sentDate" = ?1, "modificationDate" = ?1,
                   "errorText" = NULL, "nextRetryDate" = NULL
               FROM (VALUES {}) AS v
               WHERE "TransmissionDO"."id" = v."column1" AND "TransmissionDO"."state" = v."column2"
               RETURNING "TransmissionDO"."id""#,
            values_rows(part.len(), 1)
        );
        moved.extend(conn.query_map(&sql, &args, |r| r.get::<i64>(0))?);
    }
    Ok(moved)
}

/// A failed try of a transmission.
#[derive(Debug, Clone)]
pub struct Failure<'a> {
    /// "retryCount" before this failure.
    pub retry_count: i64,
    /// The partner's "maxNoOfRetries".
    pub max_retries: i64,
    /// now + the partner's "retryDelay".
    pub next_retry: &'a str,
    pub reason: &'a str,
}

/// A try failed: DO_PUSH with the next retry date, or DO_MANUAL_CHECK when the transmission
/// already used its "maxNoOfRetries" retries. Returns the new state.
pub fn mark_failed(conn: &Conn, id: i64, from: TransmissionState, f: &Failure<'_>, now: &str) -> Result<TransmissionState> {
    let to = if f.retry_count >= f.max_retries { TransmissionState::DoManualCheck } else { TransmissionState::DoPush };
    let (count, next) = match to {
        TransmissionState::DoPush => (f.retry_count + 1, Some(f.next_retry)),
        _ => (f.retry_count, None),
    };
    let n = conn.execute(r#"UPDATE "TransmissionDO" SET "state" = ?3, "retryCount" = ?4, "nextRetryDate" = ?5, "errorText" = ?6,
               "modificationDate" = ?7
           WHERE "id" = ?1 AND "state" = ?2"#, params![id, from.as_str(), to.as_str(), count, next, f.reason, now])?;
    changed(n, id, from, to.as_str())?;
    Ok(to)
}

/// Nothing to send (or a person canceled it): -> CANCELED with the reason.
pub fn cancel(conn: &Conn, id: i64, from: TransmissionState, reason: &str, now: &str) -> Result<()> {
    let n = conn.execute(r#"UPDATE "TransmissionDO" SET "state" = 'CANCELED', "errorText" = ?3, "nextRetryDate" = NULL,
               "modificationDate" = ?4
           WHERE "id" = ?1 AND "state" = ?2"#, params![id, from.as_str(), reason, now])?;
    changed(n, id, from, "CANCELED")
}

/// `impex resend`: -> INITIAL with a fresh retry count and a new file name.
pub fn resend(conn: &Conn, id: i64, from: TransmissionState, now: &str) -> Result<()> {
    let n = conn.execute(r#"UPDATE "TransmissionDO" SET "state" = 'INITIAL', "retryCount" = 0, "nextRetryDate" = NULL,
               "errorText" = NULL, "fileName" = NULL, "sentDate" = NULL, "modificationDate" = ?3
           WHERE "id" = ?1 AND "state" = ?2"#, params![id, from.as_str(), now])?;
    changed(n, id, from, "INITIAL")
}

/// `PUSHED` without a file: an operator says the transmission reached its receiver another way
/// (Transmission API update type SENT). "errorText" says so; "fileName" stays as it was.
pub fn mark_sent(conn: &Conn, id: i64, from: TransmissionState, note: &str, now: &str) -> Result<()> {
    let n = conn.execute(r#"UPDATE "TransmissionDO" SET "state" = 'PUSHED', "sentDate" = ?3, "modificationDate" = ?3,
               "errorText" = ?4, "nextRetryDate" = NULL
           WHERE "id" = ?1 AND "state" = ?2"#, params![id, from.as_str(), now, note])?;
    changed(n, id, from, "PUSHED")
}

/// An operator's change of a transmission (IOM's `TransmissionUpdateType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OperatorUpdate {
    /// RESEND: DO_PUSH / PUSHED / DO_MANUAL_CHECK / CANCELED -> INITIAL (retry count 0, a new
    /// file name): the sending job writes it again. This is also "manual check done".
    Resend,
    /// CANCEL: INITIAL / DO_PUSH / DO_MANUAL_CHECK -> CANCELED.
    Cancel,
    /// SENT: INITIAL / DO_PUSH / DO_MANUAL_CHECK -> PUSHED without writing a file.
    Sent,
}

impl OperatorUpdate {
    /// The states the update may start from.
    pub fn allowed_from(self) -> &'static [TransmissionState] {
        use TransmissionState::*;
        match self {
            OperatorUpdate::Resend => &[DoPush, Pushed, DoManualCheck, Canceled],
            OperatorUpdate::Cancel | OperatorUpdate::Sent => &[Initial, DoPush, DoManualCheck],
        }
    }

    pub fn target(self) -> TransmissionState {
        match self {
            OperatorUpdate::Resend => TransmissionState::Initial,
            OperatorUpdate::Cancel => TransmissionState::Canceled,
            OperatorUpdate::Sent => TransmissionState::Pushed,
        }
    }
}

/// Applies `u` to transmission `id` (in the caller's unit of work). Returns the state it left,
/// or `None` when there is no such transmission; `Error::Conflict` (nothing changed) when `u`
/// is not allowed from its current state.
pub fn apply(conn: &Conn, id: i64, u: OperatorUpdate, who: &str, now: &str) -> Result<Option<TransmissionState>> {
    let cur: Option<String> = conn.query_row(r#"SELECT "state" FROM "TransmissionDO" WHERE "id" = ?1"#, params![id], |r| r.get(0)).optional()?;
    let Some(cur) = cur else { return Ok(None) };
    let from = TransmissionState::parse(&cur).ok_or_else(|| Error::Other(format!("transmission {id} has unknown state {cur}")))?;
    if !u.allowed_from().contains(&from) {
        return Err(Error::Conflict(format!(
            "transmission {id} is {}: {u:?} is allowed only from {}",
            from.as_str(),
            u.allowed_from().iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
        )));
    }
    match u {
        OperatorUpdate::Resend => resend(conn, id, from, now)?,
        OperatorUpdate::Cancel => cancel(conn, id, from, &format!("canceled by {who}"), now)?,
        OperatorUpdate::Sent => mark_sent(conn, id, from, &format!("marked as sent by {who}; no file written by impex"), now)?,
    }
    Ok(Some(from))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_schema_check_list() {
        let schema = crate::db::migrate::SCHEMA;
        for st in TransmissionState::ALL {
            assert!(schema.contains(&format!("'{}'", st.as_str())), "{}", st.as_str());
            assert_eq!(TransmissionState::parse(st.as_str()), Some(st));
        }
    }
}
