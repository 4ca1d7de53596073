//! Why a statement of a script failed, in words an operator understands: SQLite's message,
//! and for a NOT NULL failure of an INSERT the sub-select that found no row.
use super::{split_top_level, Statement};
use crate::db::{Conn, StoreError};

/// The pieces of an `INSERT INTO t (cols) VALUES (..), (..)` statement.
#[derive(Debug)]
pub(super) struct Insert {
    table: String,
    columns: Vec<String>,
    rows: Vec<Vec<String>>,
}

fn unquote(s: &str) -> String {
    s.trim().trim_matches('"').to_string()
}

static INSERT_RE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r#"(?is)^\s*insert\s+into\s+("[^"]+"|[\w.]+)\s*\((.*?)\)\s*values\s*(.*)$"#).unwrap()
});

static FROM_WHERE_RE: std::sync::LazyLock<regex::Regex> =
    std::sync::LazyLock::new(|| regex::Regex::new(r#"(?is)from\s+("[^"]+"|\w+)\s+where\s+(.*?)\)?\s*$"#).unwrap());

pub(super) fn parse_insert(sql: &str) -> Option<Insert> {
    let caps = INSERT_RE.captures(sql)?;
    let table = unquote(caps.get(1)?.as_str());
    let columns: Vec<String> = split_top_level(caps.get(2)?.as_str(), ',').iter().map(|c| unquote(c)).collect();
    let mut rows = Vec::new();
    for tuple in split_top_level(caps.get(3)?.as_str(), ',') {
        let t = tuple.trim();
        let inner = t.strip_prefix('(')?.strip_suffix(')')?;
        rows.push(split_top_level(inner, ',').into_iter().map(|v| v.trim().to_string()).collect());
    }
    Some(Insert { table, columns, rows })
}

/// Every parenthesized sub-select in `expr`, innermost first.
pub(super) fn subselects(expr: &str) -> Vec<String> {
    let chars: Vec<char> = expr.chars().collect();
    let mut found = Vec::new();
    let mut stack = Vec::new();
    let mut quote: Option<char> = None;
    for (i, &c) in chars.iter().enumerate() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' => quote = Some(c),
            '(' => stack.push(i),
            ')' => {
                if let Some(s) = stack.pop() {
                    let inner: String = chars[s + 1..i].iter().collect();
                    if inner.trim_start().to_lowercase().starts_with("select") {
                        found.push(chars[s..=i].iter().collect::<String>());
                    }
                }
            }
            _ => {}
        }
    }
    found // closing order = innermost first
}

fn has_side_effects(expr: &str) -> bool {
    let l = expr.to_lowercase();
    l.contains("nextval") || l.contains("setval")
}

fn eval(conn: &Conn, expr: &str) -> Option<rusqlite::types::Value> {
    if has_side_effects(expr) {
        return None;
    }
    conn.sql().query_row(&format!("SELECT {expr}"), [], |r| r.get::<_, rusqlite::types::Value>(0)).ok()
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Describes a sub-select that found no row, naming the table and condition when it can.
fn describe_empty_subselect(sub: &str) -> String {
    let s = one_line(sub);
    if let Some(c) = FROM_WHERE_RE.captures(s.trim_end_matches(')')) {
        let table = c.get(1).unwrap().as_str();
        let cond = c.get(2).unwrap().as_str().trim();
        return format!("the sub-select `{s}` found no row: no row of {table} matches {cond}");
    }
    format!("the sub-select `{s}` found no row")
}

/// The first sub-select of an INSERT's values that yields NULL, described (for CHECK failures).
fn first_null_subselect(conn: &Conn, ins: &Insert) -> Option<String> {
    for row in &ins.rows {
        for (i, expr) in row.iter().enumerate() {
            for sub in subselects(expr) {
                if let Some(rusqlite::types::Value::Null) = eval(conn, &sub) {
                    let col = ins.columns.get(i).map(String::as_str).unwrap_or("?");
                    return Some(format!("column \"{col}\" is NULL because {}", describe_empty_subselect(&sub)));
                }
            }
        }
    }
    None
}

/// Explains why `stmt` failed with `err`, in words an operator understands. Runs read-only
/// queries on `conn` (inside the failed script's transaction) to find the culprit.
pub fn explain(conn: &Conn, stmt: &Statement, err: &StoreError) -> String {
    let msg = err.message.clone();
    let insert = parse_insert(&stmt.sql);
    if let Some(col) = msg.strip_prefix("NOT NULL constraint failed: ") {
        let column = col.rsplit('.').next().unwrap_or(col).to_string();
        if let Some(ins) = &insert {
            if let Some(idx) = ins.columns.iter().position(|c| c.eq_ignore_ascii_case(&column)) {
                for (r, row) in ins.rows.iter().enumerate() {
                    let Some(expr) = row.get(idx) else { continue };
                    for sub in subselects(expr) {
                        if let Some(rusqlite::types::Value::Null) = eval(conn, &sub) {
                            let which = if ins.rows.len() > 1 { format!(" (row {} of VALUES)", r + 1) } else { String::new() };
                            return format!(
                                "column \"{column}\" of \"{}\" would be NULL{which}: {}",
                                ins.table,
                                describe_empty_subselect(&sub)
                            );
                        }
                    }
                    if expr.trim().eq_ignore_ascii_case("null") {
                        return format!("column \"{column}\" of \"{}\" is mandatory but the value is NULL", ins.table);
                    }
                }
            }
        }
        return format!("column {col} is mandatory (NOT NULL) but got NULL");
    }
    if msg.starts_with("FOREIGN KEY constraint failed") {
        if let Some(ins) = &insert {
            if let Ok(mut st) = conn.sql().prepare(&format!("PRAGMA foreign_key_list(\"{}\")", ins.table.replace('"', ""))) {
                let fks: Vec<(String, String, String)> = st
                    .query_map([], |r| Ok((r.get::<_, String>(2)?, r.get::<_, String>(3)?, r.get::<_, Option<String>>(4)?.unwrap_or_else(|| "id".into()))))
                    .map(|it| it.filter_map(Result::ok).collect())
                    .unwrap_or_default();
                for (parent, from, to) in fks {
                    let Some(idx) = ins.columns.iter().position(|c| c.eq_ignore_ascii_case(&from)) else { continue };
                    for row in &ins.rows {
                        let Some(expr) = row.get(idx) else { continue };
                        let Some(v) = eval(conn, expr) else { continue };
                        if v == rusqlite::types::Value::Null {
                            continue;
                        }
                        let exists: bool = conn.sql()
                            .query_row(&format!("SELECT count(*) > 0 FROM \"{parent}\" WHERE \"{to}\" = ?1"), [&v], |r| r.get(0))
                            .unwrap_or(true);
                        if !exists {
                            let shown = match &v {
                                rusqlite::types::Value::Integer(i) => i.to_string(),
                                rusqlite::types::Value::Text(t) => format!("'{t}'"),
                                other => format!("{other:?}"),
                            };
                            return format!(
                                "column \"{from}\" of \"{}\" = {shown} refers to no row of \"{parent}\" (no \"{parent}\".\"{to}\" = {shown})",
                                ins.table
                            );
                        }
                    }
                }
            }
        }
        return "a reference points to a row that does not exist (FOREIGN KEY constraint failed)".into();
    }
    if let Some(cols) = msg.strip_prefix("UNIQUE constraint failed: ") {
        return format!("a row with the same {cols} already exists (UNIQUE constraint)");
    }
    if let Some(name) = msg.strip_prefix("CHECK constraint failed: ") {
        let hint = match name {
            "exactly_one_partner" => ": a \"PartnerReferrerDO\" row must set exactly one of shopRef, supplierRef, paymentProviderRef, financeControllerRef, carrierRef, bonusPartnerRef",
            _ => "",
        };
        let cause = insert.as_ref().and_then(|ins| first_null_subselect(conn, ins)).map(|c| format!("; {c}")).unwrap_or_default();
        return format!("value not allowed (CHECK constraint failed: {name}){hint}{cause}");
    }
    if msg.starts_with("no such column") && msg.contains('"') {
        return format!("{msg} (in SQL, \"double quotes\" name a column; write text values in 'single quotes')");
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn innermost_subselect_first() {
        let subs = subselects(r#"(select id from a where x = (SELECT id FROM b WHERE n = 'q)'))"#);
        assert_eq!(subs[0], "(SELECT id FROM b WHERE n = 'q)')");
        assert_eq!(subs.len(), 2);
    }
}
