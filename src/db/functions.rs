//! SQL functions that make PostgreSQL-flavoured IOM scripts run on SQLite:
//! `nextval`, `currval`, `setval`, `lastval`, `now`, and IOM's `admin.add_communication_partner`.
//!
//! Sequences live in the table `"impexSequence"`. Like IOM's, a sequence starts at 10000. To
//! keep scripts that mix explicit ids with `nextval` safe, `nextval('"X_id_seq"')` never hands
//! out an id that table `"X"` already uses: it returns max(last value + 1, max(id) + 1, 10000).
//! `currval` is per connection (PostgreSQL's per-session semantics): calling it before `nextval`
//! of the same sequence on that connection is an error.
//!
//! Functions are per connection: [`register`] is called for every connection impex opens.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::{Connection, OptionalExtension};

/// The first value of every sequence, as in IOM.
pub const SEQUENCE_START: i64 = 10000;

type Session = Arc<Mutex<HashMap<String, i64>>>;

/// Normalizes a sequence name as PostgreSQL's regclass cast would see it:
/// `'oms."ShopDO_id_seq"'` → `ShopDO_id_seq`.
pub fn sequence_name(raw: &str) -> String {
    let mut s = raw.trim();
    for prefix in ["oms.", "customer.", "\"oms\".", "\"customer\"."] {
        if s.len() > prefix.len() && s[..prefix.len()].eq_ignore_ascii_case(prefix) {
            s = &s[prefix.len()..];
        }
    }
    s.trim_matches('"').to_string()
}

fn user_err(msg: String) -> rusqlite::Error {
    rusqlite::Error::UserFunctionError(msg.into())
}

fn next_value(conn: &Connection, name: &str) -> rusqlite::Result<i64> {
    let last: Option<i64> = conn
        .query_row(r#"SELECT "value" FROM "impexSequence" WHERE "name" = ?1"#, [name], |r| r.get(0))
        .optional()?;
    let mut next = last.map(|v| v + 1).unwrap_or(SEQUENCE_START);
    if let Some(table) = name.strip_suffix("_id_seq") {
        let exists: bool = conn.query_row(
            "SELECT count(*) > 0 FROM sqlite_schema WHERE type = 'table' AND name = ?1 COLLATE NOCASE",
            [table],
            |r| r.get(0),
        )?;
        if exists {
            let quoted = table.replace('"', "\"\"");
            let max: Option<i64> =
                conn.query_row(&format!(r#"SELECT max("id") FROM "{quoted}""#), [], |r| r.get(0))?;
            if let Some(m) = max {
                next = next.max(m + 1);
            }
        }
    }
    conn.execute(
        r#"INSERT INTO "impexSequence" ("name", "value") VALUES (?1, ?2)
           ON CONFLICT ("name") DO UPDATE SET "value" = excluded."value""#,
        rusqlite::params![name, next],
    )?;
    Ok(next)
}

fn with_conn<T>(ctx: &Context<'_>, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> rusqlite::Result<T> {
    // SAFETY: the connection handle belongs to the statement that calls this function; we only
    // run ordinary statements on it and never close it.
    let conn = unsafe { ctx.get_connection()? };
    f(&conn)
}

/// Registers `nextval`, `currval`, `setval`, `lastval` and `now` on a connection.
pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    let session: Session = Arc::new(Mutex::new(HashMap::new()));
    let last: Arc<Mutex<Option<i64>>> = Arc::new(Mutex::new(None));
    let volatile = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DIRECTONLY;

    {
        let session = session.clone();
        let last = last.clone();
        conn.create_scalar_function("nextval", 1, volatile, move |ctx| {
            let name = sequence_name(&ctx.get::<String>(0)?);
            let v = with_conn(ctx, |c| next_value(c, &name))?;
            session.lock().unwrap().insert(name, v);
            *last.lock().unwrap() = Some(v);
            Ok(v)
        })?;
    }
    {
        let session = session.clone();
        conn.create_scalar_function("currval", 1, volatile, move |ctx| {
            let name = sequence_name(&ctx.get::<String>(0)?);
            session.lock().unwrap().get(&name).copied().ok_or_else(|| {
                user_err(format!(
                    "currval of sequence \"{name}\" is not yet defined on this connection: call nextval('\"{name}\"') first"
                ))
            })
        })?;
    }
    {
        let last = last.clone();
        conn.create_scalar_function("lastval", 0, volatile, move |_ctx| {
            last.lock().unwrap().ok_or_else(|| user_err("lastval is not yet defined on this connection: call nextval first".into()))
        })?;
    }
    for n_args in [2, 3] {
        let session = session.clone();
        conn.create_scalar_function("setval", n_args, volatile, move |ctx| {
            let name = sequence_name(&ctx.get::<String>(0)?);
            let value: i64 = ctx.get(1)?;
            let is_called: bool = if n_args == 3 { ctx.get(2)? } else { true };
            // PostgreSQL: with is_called = false the next nextval returns `value` itself.
            let stored = if is_called { value } else { value - 1 };
            with_conn(ctx, |c| {
                c.execute(
                    r#"INSERT INTO "impexSequence" ("name", "value") VALUES (?1, ?2)
                       ON CONFLICT ("name") DO UPDATE SET "value" = excluded."value""#,
                    rusqlite::params![name, stored],
                )
            })?;
            if is_called {
                session.lock().unwrap().insert(name, value);
            }
            Ok(value)
        })?;
    }
    conn.create_scalar_function("now", 0, volatile, |_ctx| Ok(crate::time::now_text()))?;
    conn.create_scalar_function("add_communication_partner", 5, volatile, |ctx| {
        let decision: Option<i64> = ctx.get(0)?;
        let split: Option<bool> = ctx.get(1)?;
        let communication: Option<i64> = ctx.get(2)?;
        let sending: Option<i64> = ctx.get(3)?;
        let receiving: Option<i64> = ctx.get(4)?;
        let communication = communication
            .ok_or_else(|| user_err("add_communication_partner: p_communicationref is NULL (no such \"CommunicationDO\")".into()))?;
        let sending = sending.ok_or_else(|| {
            user_err("add_communication_partner: p_sendingpartnerreferrerref is NULL (no such \"PartnerReferrerDO\")".into())
        })?;
        with_conn(ctx, |c| add_communication_partner(c, decision, split.unwrap_or(false), communication, sending, receiving))
    })?;
    Ok(())
}

/// IOM's `admin.add_communication_partner`: adds a `"CommunicationPartnerDO"` row with IOM's
/// defaults (maxNoOfRetries 12, retryDelay '30m') unless one exists for the same
/// communication, sender and receiver. Returns the row's id.
fn add_communication_partner(
    conn: &Connection,
    decision: Option<i64>,
    split: bool,
    communication: i64,
    sending: i64,
    receiving: Option<i64>,
) -> rusqlite::Result<i64> {
    let existing: Option<i64> = conn
        .query_row(
            r#"SELECT "id" FROM "CommunicationPartnerDO" WHERE "communicationRef" = ?1
               AND "sendingPartnerReferrerRef" = ?2 AND "receivingPartnerReferrerRef" IS ?3"#,
            rusqlite::params![communication, sending, receiving],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(id) = existing {
        return Ok(id);
    }
    let id = next_value(conn, "CommunicationPartnerDO_id_seq")?;
    conn.execute(
        r#"INSERT INTO "CommunicationPartnerDO" ("id", "decisionBeanDefRef", "splitTransmission", "communicationRef",
               "sendingPartnerReferrerRef", "receivingPartnerReferrerRef", "maxNoOfRetries", "retryDelay", "mergeTypeDefRef")
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, 12, '30m', NULL)"#,
        rusqlite::params![id, decision, split, communication, sending, receiving],
    )?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(sequence_name(r#""ShopDO_id_seq""#), "ShopDO_id_seq");
        assert_eq!(sequence_name(r#"oms."ShopDO_id_seq""#), "ShopDO_id_seq");
        assert_eq!(sequence_name("customer.x_seq"), "x_seq");
    }
}
