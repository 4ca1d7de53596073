//! Bulk writes on PostgreSQL with the foreign keys checked set-wise (docs/postgres.md, "Bulk
//! imports"). The server checks a foreign key by a trigger per written row (a query and a row
//! lock each: 5-6 µs, 60 % of a stock import's batch). A batch staged in a temporary table can
//! instead be checked with one query per batch: every key the batch refers to exists, and is
//! locked `FOR KEY SHARE` as the trigger would lock it. The write then runs with
//! `session_replication_role = replica`, which skips the per-row checks.
//!
//! That setting also skips every trigger that is not `ENABLE ALWAYS`. impex's own triggers are
//! (src/db/pg/schema.rs); so the fast way is taken only when no other trigger or rule in impex's
//! schemas would be skipped, when the session may set the parameter (a superuser, or
//! `GRANT SET ON PARAMETER session_replication_role`), and when the batch's every foreign key is
//! checked: its columns are staged, or the write finds their rows by a join (`joined`).
//! Otherwise, and for a batch whose check fails, the write runs with the server's own checks,
//! whose errors the caller reports as before.
use crate::db::{Conn, StoreResult, Value};

/// The set-wise checks of one table's foreign keys against one stage.
pub(crate) struct CheckedWrite {
    /// One query: true when every staged reference exists; locks the referenced rows.
    check: String,
}

impl CheckedWrite {
    /// The checks of `table`'s foreign keys for rows staged in `stage` (columns `staged`, in
    /// the target's names); None when the fast way is not open (see the module's comment).
    /// `joined`: columns the write fills from rows it joins (they exist by the join).
    pub(crate) fn prepare(conn: &Conn, table: &str, stage: &str, staged: &[&str], joined: &[&str]) -> StoreResult<Option<CheckedWrite>> {
        if !conn.is_postgres() || !may_skip_row_checks(conn)? {
            return Ok(None);
        }
        let quoted = table.replace('\'', "''");
        let rows = conn.query_rows(
            &format!(
                r#"SELECT c."conname"::text, c."confmatchtype"::text, a."attname"::text, CAST(c."confrelid"::regclass AS text), fa."attname"::text
                   FROM pg_catalog.pg_constraint c
                   CROSS JOIN LATERAL unnest(c."conkey", c."confkey") WITH ORDINALITY AS k("col", "fcol", "ord")
                   JOIN pg_catalog.pg_attribute a ON a."attrelid" = c."conrelid" AND a."attnum" = k."col"
                   JOIN pg_catalog.pg_attribute fa ON fa."attrelid" = c."confrelid" AND fa."attnum" = k."fcol"
                   WHERE c."conrelid" = '"{quoted}"'::regclass AND c."contype" = 'f'
                   ORDER BY c."conname", k."ord""#
            ),
            &[],
        )?;
        let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
        // (constraint, referenced table, [(column, referenced column)])
        let mut keys: Vec<(String, String, Vec<(String, String)>)> = Vec::new();
        for r in &rows {
            let (name, matching, col, ref_table, ref_col) = (text(&r[0]), text(&r[1]), text(&r[2]), text(&r[3]), text(&r[4]));
            if matching != "s" {
                // (MATCH FULL: a partly NULL key is an error, which the count below would not see)
                return Ok(None);
            }
            match keys.last_mut() {
                Some((n, _, cols)) if *n == name => cols.push((col, ref_col)),
                _ => keys.push((name, ref_table, vec![(col, ref_col)])),
            }
        }
        let mut parts = Vec::new();
        for (_, ref_table, cols) in &keys {
            if cols.iter().all(|(c, _)| joined.contains(&c.as_str())) {
                continue;
            }
            if !cols.iter().all(|(c, _)| staged.contains(&c.as_str())) {
                return Ok(None);
            }
            let mine: Vec<String> = cols.iter().map(|(c, _)| format!("s.\"{c}\"")).collect();
            let theirs: Vec<String> = cols.iter().map(|(_, c)| format!("r.\"{c}\"")).collect();
            let not_null: Vec<String> = mine.iter().map(|c| format!("{c} IS NOT NULL")).collect();
            // the distinct keys the batch refers to, against those found and locked (a
            // referenced key is unique, so they are as many when every one exists)
            parts.push(format!(
                "(SELECT count(*) FROM (SELECT DISTINCT {mine} FROM {stage} s WHERE {not_null}) k) = (SELECT count(*) FROM (SELECT 1 FROM {ref_table} r WHERE ({theirs}) IN (SELECT {mine} FROM {stage} s) FOR KEY SHARE OF r) l)",
                mine = mine.join(", "),
                not_null = not_null.join(" AND "),
                theirs = theirs.join(", "),
            ));
        }
        let check = if parts.is_empty() { "SELECT true".to_string() } else { format!("SELECT {}", parts.join(" AND ")) };
        Ok(Some(CheckedWrite { check }))
    }

    /// Runs `write` (statements that write the staged batch) without the server's per-row
    /// foreign-key checks when the batch's references hold (and are now locked); with them
    /// otherwise.
    pub(crate) fn write<T>(this: Option<&CheckedWrite>, conn: &Conn, write: impl FnOnce() -> StoreResult<T>) -> StoreResult<T> {
        let Some(w) = this else { return write() };
        let holds = conn.query_rows(&w.check, &[])?.first().and_then(|r| r[0].as_i64()) == Some(1);
        if !holds {
            return write();
        }
        conn.execute_batch("SET LOCAL session_replication_role = replica")?;
        let done = write()?;
        conn.execute_batch("SET LOCAL session_replication_role = DEFAULT")?;
        Ok(done)
    }
}

/// Whether impex's database role may set `session_replication_role` and thereby skip nothing but the
/// foreign-key checks: every trigger and rule in impex's schemas that is enabled at all is
/// `ENABLE ALWAYS`.
fn may_skip_row_checks(conn: &Conn) -> StoreResult<bool> {
    let version = conn.query_rows("SELECT current_setting('server_version_num')::int8", &[])?.first().and_then(|r| r[0].as_i64()).unwrap_or(0);
    let privilege = if version >= 150000 {
        "r.\"rolsuper\" OR has_parameter_privilege('session_replication_role', 'SET')"
    } else {
        "r.\"rolsuper\""
    };
    let rows = conn.query_rows(
        &format!(
            r#"SELECT ({privilege})
                 AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c."oid" = t."tgrelid" JOIN pg_catalog.pg_namespace n ON n."oid" = c."relnamespace"
                                 WHERE NOT t."tgisinternal" AND t."tgenabled" NOT IN ('A', 'D') AND n."nspname" IN ('oms', 'customer', 'product', 'admin'))
                 AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_rewrite w JOIN pg_catalog.pg_class c ON c."oid" = w."ev_class" JOIN pg_catalog.pg_namespace n ON n."oid" = c."relnamespace"
                                 WHERE w."ev_type" <> '1' AND w."ev_enabled" NOT IN ('A', 'D') AND n."nspname" IN ('oms', 'customer', 'product', 'admin'))
               FROM pg_catalog.pg_roles r WHERE r."rolname" = current_user"#
        ),
        &[],
    )?;
    Ok(rows.first().and_then(|r| r[0].as_i64()) == Some(1))
}
