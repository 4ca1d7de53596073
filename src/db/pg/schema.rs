//! impex's schema on PostgreSQL, made from the one description both backends share: the
//! `schema.sql` that SQLite runs (docs/postgres.md, "Schema"). [`ddl`] turns its tables,
//! indexes and views into PostgreSQL's, in IOM's schemas and with IOM's types:
//!
//! - every table goes into `oms`, except the customer tables (`customer`) and the article and
//!   import-configuration tables (`product`) ([`schema_of`]); impex's functions go into `admin`;
//! - `INTEGER PRIMARY KEY` `"id"` is `int8` with its own sequence `"<table>_id_seq"`, starting at
//!   10000 as IOM's do (`nextval('"ShopDO_id_seq"')` in a script is a real sequence);
//! - an integer column that holds 0 or 1 (`CHECK ("x" IN (0,1))`) is `boolean`, as IOM's flags
//!   are (scripts write `true`/`false`); other integers are `int8`, `TEXT` is `varchar`,
//!   `NUMERIC` `numeric`, `REAL` `float8`, `BLOB` `bytea`;
//! - a timestamp column (SQLite: text with a `strftime(..)` default) is `timestamptz`
//!   default `now()`;
//! - in checks, partial indexes and views: a flag compared with 0 or 1 compares with
//!   `false`/`true`, SQLite's two-argument `max`/`min` are `greatest`/`least`, a sum of
//!   `(x IS NOT NULL)` counts with `::int`.
//!
//! SQLite's triggers become PL/pgSQL trigger functions ([`trigger_ddl`]). The
//! `"impexSequence"` table is SQLite's only (PostgreSQL has sequences).
use std::collections::BTreeSet;

use crate::db::dialect::split_top_level;

/// The schema a table lives in on PostgreSQL.
pub fn schema_of(table: &str) -> &'static str {
    match table {
        "CustomerDO" | "CustomerAddressDO" | "CustomerBankAccountDO" | "CustomerScoringDO" | "CustomerPropertyDO" | "CustomerExportConfigDO" => "customer",
        "ImportConfigurationDO" | "ImportDatapackFileTypeDefDO" | "SupplierArticleDO" | "ArticleStockDO" => "product",
        _ => "oms",
    }
}

/// Text columns of `schema.sql` without a `strftime` default that hold impex's timestamps (the
/// engine writes them with `crate::time`): `timestamptz` on PostgreSQL too.
pub const TIMESTAMPS: &[(&str, &str)] = &[
    ("ScheduleDO", "lastRun"),
    ("ScheduleDO", "lockedSince"),
    ("ScheduleDO", "nextRetry"),
    ("ScheduleDO", "stoppedSince"),
    ("ScheduleRuntimeDO", "fixedNextRun"),
    ("JobRunDO", "dueTime"),
    ("JobRunDO", "startTime"),
    ("JobRunDO", "endTime"),
    ("TransferFileDO", "doneDate"),
    ("ImportFileDO", "endDate"),
    ("TransmissionDO", "nextRetryDate"),
    ("TransmissionDO", "sentDate"),
    ("OrderDO", "readyForSupplier"),
    ("UserDO", "blockedSince"),
    ("UserDO", "lastFailedLogin"),
    ("ReservationDO", "expiryDate"),
];

/// Tables of `schema.sql` that PostgreSQL does not need.
const SQLITE_ONLY: &[&str] = &["impexSequence"];

/// One table as translated: its name and the statements that create it.
#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    /// The columns in order, each with its PostgreSQL type (`int8`, `boolean`, `timestamptz`,
    /// `varchar`, `numeric`, `float8`, `bytea`).
    pub columns: Vec<(String, &'static str)>,
}

impl Table {
    /// `schema."Table"`.
    pub fn qualified(&self) -> String {
        format!("{}.\"{}\"", schema_of(&self.name), self.name)
    }
}

/// The translated schema: the statements in order, and what they create.
#[derive(Debug, Clone, Default)]
pub struct Ddl {
    pub statements: Vec<String>,
    pub tables: Vec<Table>,
    /// Flag columns (boolean on PostgreSQL) as (table, column).
    pub flags: BTreeSet<(String, String)>,
    /// How many of SQLite's triggers became PostgreSQL triggers.
    pub triggers: usize,
    /// `statements[..tables_end]` make the schemas, sequences and tables; the rest (foreign
    /// keys, indexes, views, triggers) can come after the rows (`impex migrate`).
    pub tables_end: usize,
}

/// `schema.sql` without its `--` comments (outside string literals and quoted names).
fn strip_comments(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut quote: Option<char> = None;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                out.push(c);
                if c == q {
                    quote = None;
                }
            }
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                out.push(c);
            }
            None if c == '-' && chars.peek() == Some(&'-') => {
                for n in chars.by_ref() {
                    if n == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            None => out.push(c),
        }
    }
    out
}

/// The statements of the schema (tables end at `\n);`, triggers at `END;`, others at `;`).
fn statements(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = sql;
    loop {
        let t = rest.trim_start();
        if t.is_empty() {
            break;
        }
        let end = if t.starts_with("CREATE TRIGGER") {
            // the body's last statement ends with `;`, then `END;`
            static END: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
            END.get_or_init(|| regex::Regex::new(r";\s*END;").unwrap()).find(t).map(|m| m.end())
        } else if t.starts_with("CREATE TABLE") {
            t.find("\n);").map(|i| i + 3)
        } else {
            t.find(';').map(|i| i + 1)
        };
        let end = end.unwrap_or(t.len());
        out.push(t[..end].trim().to_string());
        rest = &t[end..];
    }
    out
}

fn quoted_name_after<'s>(stmt: &'s str, keyword: &str) -> Option<&'s str> {
    let i = stmt.find(keyword)? + keyword.len();
    let rest = stmt[i..].trim_start();
    let rest = rest.strip_prefix("IF NOT EXISTS").map(str::trim_start).unwrap_or(rest);
    let rest = rest.strip_prefix('"')?;
    Some(&rest[..rest.find('"')?])
}

/// Translates `schema.sql` (tables, indexes, views).
pub fn ddl(schema_sql: &str) -> Ddl {
    let sql = strip_comments(schema_sql);
    let stmts = statements(&sql);
    let mut out = Ddl::default();
    for s in super::target::SCHEMAS {
        out.statements.push(format!("CREATE SCHEMA IF NOT EXISTS {s}"));
    }
    // first the flag columns of every table: checks, indexes and views compare them
    for stmt in stmts.iter().filter(|s| s.starts_with("CREATE TABLE")) {
        let Some(table) = quoted_name_after(stmt, "CREATE TABLE") else { continue };
        for col in column_defs(stmt) {
            if let Some((name, _, rest)) = split_column(&col) {
                if is_flag(&name, rest) {
                    out.flags.insert((table.to_string(), name));
                }
            }
        }
    }
    let flag_names: BTreeSet<String> = out.flags.iter().map(|(_, c)| c.clone()).collect();
    let mut references = Vec::new();
    let mut rest = Vec::new();
    let mut triggers = Vec::new();
    for stmt in &stmts {
        if stmt.starts_with("CREATE TABLE") {
            let Some(table) = quoted_name_after(stmt, "CREATE TABLE") else { continue };
            if SQLITE_ONLY.contains(&table) {
                continue;
            }
            let (statements, columns) = table_ddl(table, stmt, &flag_names, &mut references);
            out.statements.extend(statements);
            out.tables.push(Table { name: table.to_string(), columns });
        } else if stmt.starts_with("CREATE INDEX") || stmt.starts_with("CREATE UNIQUE INDEX") {
            rest.push(index_ddl(stmt, &flag_names));
        } else if stmt.starts_with("CREATE VIEW") {
            rest.push(view_ddl(stmt, &flag_names));
        } else if stmt.starts_with("CREATE TRIGGER") {
            triggers.extend(trigger_ddl(stmt, &flag_names));
        }
    }
    out.tables_end = out.statements.len();
    out.statements.extend(references);
    out.statements.extend(rest);
    out.triggers = triggers.len() / 4;
    out.statements.extend(triggers);
    out
}

/// The advisory lock a transaction takes before it moves an order's change cursor
/// (`"OrderChangeDO"`), held to its commit: cursors are then handed out in commit order, as
/// on SQLite, whose writers take turns (a reader paging by cursor never skips a change that
/// commits later with a smaller cursor). It orders only the transactions that change orders.
pub const ORDER_CHANGE_LOCK: i64 = 0x1_4D50_4558; // "IMPEX" in spirit; any fixed number

/// A SQLite trigger as a PL/pgSQL trigger function and a row trigger: the `WHEN` condition
/// becomes an `IF` (PostgreSQL's `WHEN` takes no sub-select), the body's statements are
/// translated like views, and `INSERT OR REPLACE INTO "OrderChangeDO"` moves the order's row
/// to a new cursor under [`ORDER_CHANGE_LOCK`].
fn trigger_ddl(stmt: &str, flags: &BTreeSet<String>) -> Vec<String> {
    static HEAD: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = HEAD.get_or_init(|| {
        regex::Regex::new(
            r#"(?s)^CREATE TRIGGER IF NOT EXISTS "([A-Za-z0-9_]+)"\s+(BEFORE|AFTER)\s+(INSERT|DELETE|UPDATE(?:\s+OF\s+"[^"]+"(?:\s*,\s*"[^"]+")*)?)\s+ON\s+"([A-Za-z0-9_]+)"\s*(?:WHEN\s+(.*?))?\s*BEGIN\s+(.*?)\s*END;$"#,
        )
        .unwrap()
    });
    let Some(c) = re.captures(stmt) else { return Vec::new() };
    let (name, timing, event, table) = (&c[1], &c[2], &c[3], &c[4]);
    let schema = schema_of(table);
    if let Some(statement_level) = order_change_statement_trigger(name, timing, event, table, c.get(5).map(|m| m.as_str().trim()), &c[6], flags)
        .or_else(|| version_statement_trigger(name, event, table, c.get(5).is_some(), &c[6], flags))
    {
        return statement_level;
    }
    let cond = c.get(5).map(|m| expression(m.as_str().trim(), flags));
    let mut body = Vec::new();
    for piece in super::script::split(&c[6]).unwrap_or_default() {
        let text = piece.text;
        if let Some(rest) = text.strip_prefix("INSERT OR REPLACE INTO \"OrderChangeDO\"") {
            body.push(format!("PERFORM pg_advisory_xact_lock({ORDER_CHANGE_LOCK})"));
            body.push(format!(
                "INSERT INTO oms.\"OrderChangeDO\"{} ON CONFLICT (\"orderRef\") DO UPDATE SET \"cursor\" = nextval('oms.\"OrderChangeDO_cursor_seq\"'), \"shopRef\" = EXCLUDED.\"shopRef\", \"changeDate\" = now()",
                expression(rest, flags)
            ));
        } else {
            body.push(expression(&text, flags));
        }
    }
    let ret = match (timing, event) {
        ("BEFORE", "DELETE") => "OLD",
        ("BEFORE", _) => "NEW",
        _ => "NULL",
    };
    let statements = body.iter().map(|b| format!("        {b};\n")).collect::<String>();
    let inner = match &cond {
        Some(c) => format!("    IF {c} THEN\n{statements}    END IF;\n"),
        None => statements.replace("\n        ", "\n    ").replacen("        ", "    ", 1),
    };
    let function = format!("{schema}.\"{name}_fn\"");
    vec![
        format!(
            "CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql SET search_path = oms, customer, product, admin, public AS $TRIGGER$\nBEGIN\n{inner}    RETURN {ret};\nEND\n$TRIGGER$"
        ),
        format!("DROP TRIGGER IF EXISTS \"{name}\" ON {schema}.\"{table}\""),
        format!("CREATE TRIGGER \"{name}\" {timing} {event} ON {schema}.\"{table}\" FOR EACH ROW EXECUTE FUNCTION {function}()"),
        // (fires with session_replication_role = replica too: the bulk imports skip the
        // per-row foreign-key checks that way, not impex's triggers: db::queries::import::checked)
        format!("ALTER TABLE {schema}.\"{table}\" ENABLE ALWAYS TRIGGER \"{name}\""),
    ]
}

/// The transition table of a statement-level order-change trigger.
const NEW_ROWS: &str = "impex_new_rows";

/// The transition table of a statement-level version trigger.
const OLD_ROWS: &str = "impex_old_rows";

/// An order-change trigger after `INSERT` or `UPDATE` whose body is one `INSERT OR REPLACE INTO
/// "OrderChangeDO" (...) SELECT ... FROM ... WHERE ...` of `NEW`'s columns, as a trigger for each
/// statement with its new rows as a transition table: one set-wise write per statement instead
/// of a function call and a statement per row. A bulk write of thousands of rows (the
/// OpenPositions and payment-history imports, the export triggers' transmissions) spent 35 ms
/// per 5,966 open positions in the row trigger (auto_explain, 2026-12-04). The order-change
/// lock is taken only when a row has an order, as the row trigger did; the `WHEN` condition
/// is a term of the `WHERE`. None for other triggers (they stay row triggers).
fn order_change_statement_trigger(name: &str, timing: &str, event: &str, table: &str, cond: Option<&str>, body: &str, flags: &BTreeSet<String>) -> Option<Vec<String>> {
    static SHAPE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = SHAPE.get_or_init(|| {
        regex::Regex::new(r#"(?s)^INSERT OR REPLACE INTO "OrderChangeDO"\s*(\([^)]*\))\s*SELECT\s+(.*?)\s+FROM\s+(.*?)\s+WHERE\s+(.*?);?\s*$"#).unwrap()
    });
    if timing != "AFTER" || !(event == "INSERT" || event == "UPDATE") {
        return None;
    }
    let pieces = super::script::split(body).ok()?;
    let [piece] = pieces.as_slice() else { return None };
    let c = re.captures(piece.text.trim())?;
    // n: the distinct values of the new rows' columns the trigger reads (only those: an
    // unqualified column of the joined tables stays unambiguous)
    static NEW_COLUMN: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let new_column = NEW_COLUMN.get_or_init(|| regex::Regex::new(r#"\bNEW\.("[A-Za-z0-9_]+")"#).unwrap());
    let read: BTreeSet<&str> = [&c[2], &c[3], &c[4], cond.unwrap_or("")].iter().flat_map(|t| new_column.captures_iter(t).map(|m| m.get(1).unwrap().as_str())).collect();
    if read.is_empty() {
        return None;
    }
    let rows = |t: &str| t.replace("NEW.\"", "n.\"");
    let mut filter = format!("({})", rows(&c[4]));
    if let Some(cond) = cond {
        filter = format!("{filter} AND ({})", rows(cond));
    }
    let (cols, select, from) = (&c[1], rows(&c[2]), rows(&c[3]));
    if [&select, &from, &filter].iter().any(|t| t.contains("NEW.") || t.contains("OLD.")) {
        return None;
    }
    let from = format!("(SELECT DISTINCT {} FROM {NEW_ROWS}) n, {from}", read.iter().copied().collect::<Vec<_>>().join(", "));
    let schema = schema_of(table);
    let function = format!("{schema}.\"{name}_fn\"");
    let probe = expression(&format!("PERFORM 1 FROM {from} WHERE {filter} LIMIT 1"), flags);
    let insert = expression(&format!("INSERT INTO oms.\"OrderChangeDO\" {cols} SELECT DISTINCT {select} FROM {from} WHERE {filter}"), flags);
    Some(vec![
        format!(
            "CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql SET search_path = oms, customer, product, admin, public AS $TRIGGER$\nBEGIN\n    {probe};\n    IF FOUND THEN\n        PERFORM pg_advisory_xact_lock({ORDER_CHANGE_LOCK});\n        {insert} ON CONFLICT (\"orderRef\") DO UPDATE SET \"cursor\" = nextval('oms.\"OrderChangeDO_cursor_seq\"'), \"shopRef\" = EXCLUDED.\"shopRef\", \"changeDate\" = now();\n    END IF;\n    RETURN NULL;\nEND\n$TRIGGER$"
        ),
        format!("DROP TRIGGER IF EXISTS \"{name}\" ON {schema}.\"{table}\""),
        format!("CREATE TRIGGER \"{name}\" AFTER {event} ON {schema}.\"{table}\" REFERENCING NEW TABLE AS {NEW_ROWS} FOR EACH STATEMENT EXECUTE FUNCTION {function}()"),
        format!("ALTER TABLE {schema}.\"{table}\" ENABLE ALWAYS TRIGGER \"{name}\""),
    ])
}

/// A trigger before or after `UPDATE` (no condition) whose body is one `INSERT INTO "X" (...)
/// VALUES (...)` of `OLD`'s columns (the kept versions of open positions and payment
/// histories), as a trigger after each statement over its old rows: one `INSERT ... SELECT` per
/// statement. A file that replaces 200,000 positions ran at 32,495 positions/s with the row
/// trigger (2026-12-06). None for other triggers.
fn version_statement_trigger(name: &str, event: &str, table: &str, has_cond: bool, body: &str, flags: &BTreeSet<String>) -> Option<Vec<String>> {
    static SHAPE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = SHAPE.get_or_init(|| regex::Regex::new(r#"(?s)^INSERT INTO ("[A-Za-z0-9_]+")\s*(\([^)]*\))\s*VALUES\s*\((.*)\);?\s*$"#).unwrap());
    if event != "UPDATE" || has_cond {
        return None;
    }
    let pieces = super::script::split(body).ok()?;
    let [piece] = pieces.as_slice() else { return None };
    let c = re.captures(piece.text.trim())?;
    let values = c[3].replace("OLD.\"", "o.\"");
    if values.contains("NEW.") || values.contains("OLD.") || !values.contains("o.\"") {
        return None;
    }
    let (into, cols) = (&c[1], &c[2]);
    let schema = schema_of(table);
    let function = format!("{schema}.\"{name}_fn\"");
    let insert = expression(&format!("INSERT INTO {into} {cols} SELECT {values} FROM {OLD_ROWS} o"), flags);
    Some(vec![
        format!(
            "CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql SET search_path = oms, customer, product, admin, public AS $TRIGGER$\nBEGIN\n    {insert};\n    RETURN NULL;\nEND\n$TRIGGER$"
        ),
        format!("DROP TRIGGER IF EXISTS \"{name}\" ON {schema}.\"{table}\""),
        format!("CREATE TRIGGER \"{name}\" AFTER UPDATE ON {schema}.\"{table}\" REFERENCING OLD TABLE AS {OLD_ROWS} FOR EACH STATEMENT EXECUTE FUNCTION {function}()"),
        format!("ALTER TABLE {schema}.\"{table}\" ENABLE ALWAYS TRIGGER \"{name}\""),
    ])
}

/// The column and constraint definitions between the outer parentheses.
fn column_defs(stmt: &str) -> Vec<String> {
    let open = stmt.find('(').unwrap_or(0);
    let close = stmt.rfind(')').unwrap_or(stmt.len());
    split_top_level(&stmt[open + 1..close], ',').into_iter().map(|s| s.split_whitespace().collect::<Vec<_>>().join(" ")).filter(|s| !s.is_empty()).collect()
}

/// `"name" TYPE rest` of a column definition (None for a table constraint).
fn split_column(def: &str) -> Option<(String, String, &str)> {
    let rest = def.strip_prefix('"')?;
    let end = rest.find('"')?;
    let name = rest[..end].to_string();
    let after = rest[end + 1..].trim_start();
    let (ty, rest) = match after.split_once(' ') {
        Some((t, r)) if t.chars().all(|c| c.is_ascii_alphabetic()) => (t.to_ascii_uppercase(), r),
        _ if after.chars().all(|c| c.is_ascii_alphabetic()) => (after.to_ascii_uppercase(), ""),
        _ => (String::new(), after),
    };
    Some((name, ty, rest))
}

fn is_flag(name: &str, rest: &str) -> bool {
    let q = format!("\"{name}\"");
    rest.contains(&format!("CHECK ({q} IN (0,1))")) || rest.contains(&format!("CHECK ({q} IS NULL OR {q} IN (0,1))"))
}

/// SQLite expressions in PostgreSQL's terms (checks, index predicates, view bodies).
pub(crate) fn expression(sql: &str, flags: &BTreeSet<String>) -> String {
    static FLAG_CMP: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    static MAXMIN: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = FLAG_CMP.get_or_init(|| regex::Regex::new(r#""([A-Za-z0-9_]+)"(\s*(?:=|<>|IS NOT|IS)\s*)([01])\b"#).unwrap());
    let mut s = re
        .replace_all(sql, |c: &regex::Captures<'_>| {
            if flags.contains(&c[1]) {
                let op = match c[2].trim() {
                    "IS" => " IS NOT DISTINCT FROM ",
                    "IS NOT" => " IS DISTINCT FROM ",
                    _ => &c[2],
                };
                format!("\"{}\"{op}{}", &c[1], if &c[3] == "1" { "true" } else { "false" })
            } else {
                c[0].to_string()
            }
        })
        .into_owned();
    // SQLite's scalar max(a, b) and min(a, b): PostgreSQL's greatest and least
    let mm = MAXMIN.get_or_init(|| regex::Regex::new(r"\b(max|min)\(").unwrap());
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    for m in mm.find_iter(&s) {
        let open = m.end() - 1;
        let Some(close) = matching_paren(&s, open) else { continue };
        if split_top_level(&s[open + 1..close], ',').len() == 2 {
            out.push_str(&s[last..m.start()]);
            out.push_str(if m.as_str().starts_with("max") { "greatest(" } else { "least(" });
            last = m.end();
        }
    }
    out.push_str(&s[last..]);
    s = out;
    s = s.replace("IFNULL(", "coalesce(").replace("ifnull(", "coalesce(");
    // SQLite's `a IS NOT b` / `a IS b` for values: PostgreSQL's IS [NOT] DISTINCT FROM
    static IS_NOT: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = IS_NOT.get_or_init(|| regex::Regex::new(r#"\bIS\s+(NOT\s+)?((?:[A-Z]+\.)?"[A-Za-z0-9_]+"|-?\d+|'[^']*'|\?\d*)"#).unwrap());
    s = re
        .replace_all(&s, |c: &regex::Captures<'_>| format!("IS {}DISTINCT FROM {}", if c.get(1).is_some() { "" } else { "NOT " }, &c[2]))
        .into_owned();
    // a count of conditions: (x IS NOT NULL) + (y IS NOT NULL)
    if s.contains(") + (") {
        s = s.replace("IS NOT NULL) +", "IS NOT NULL)::int +").replace("IS NOT NULL) =", "IS NOT NULL)::int =").replace("IS NOT NULL) <", "IS NOT NULL)::int <");
    }
    s
}

fn matching_paren(s: &str, open: usize) -> Option<usize> {
    let mut depth = 0;
    let mut quote: Option<u8> = None;
    for (i, b) in s.bytes().enumerate().skip(open) {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None => match b {
                b'\'' | b'"' => quote = Some(b),
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(i);
                    }
                }
                _ => {}
            },
        }
    }
    None
}

/// `DEFAULT x` of a column definition, its text and where it is.
fn default_of(rest: &str) -> Option<(usize, usize)> {
    let i = rest.find("DEFAULT ")?;
    let start = i + "DEFAULT ".len();
    let end = if rest[start..].starts_with('(') {
        matching_paren(rest, start)? + 1
    } else if rest[start..].starts_with('\'') {
        start + 1 + rest[start + 1..].find('\'')? + 1
    } else {
        start + rest[start..].find(' ').unwrap_or(rest.len() - start)
    };
    Some((i, end))
}

/// A column's `REFERENCES "T"("c") [ON DELETE ...]`, taken out of its definition: PostgreSQL
/// checks that the table exists, and `schema.sql` refers to tables it defines later. The
/// references become `ALTER TABLE ... ADD FOREIGN KEY` after every table.
fn take_reference(def: &mut String, schema: &str, table: &str, column: &str) -> Option<String> {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(r#"REFERENCES "([^"]+)"\s*\(([^)]*)\)((?:\s+ON\s+(?:DELETE|UPDATE)\s+(?:CASCADE|SET NULL|SET DEFAULT|RESTRICT|NO ACTION))*)"#).unwrap()
    });
    let c = re.captures(def)?;
    let (whole, target, cols, actions) = (c.get(0).unwrap().range(), c[1].to_string(), c[2].to_string(), c[3].to_string());
    def.replace_range(whole, "");
    Some(format!(
        "ALTER TABLE {schema}.\"{table}\" ADD FOREIGN KEY (\"{column}\") REFERENCES {}.\"{target}\" ({cols}){actions}",
        schema_of(&target)
    ))
}

fn table_ddl(table: &str, stmt: &str, flags: &BTreeSet<String>, references: &mut Vec<String>) -> (Vec<String>, Vec<(String, &'static str)>) {
    let schema = schema_of(table);
    let mut defs = Vec::new();
    let mut columns = Vec::new();
    let mut pre = Vec::new();
    let mut owned = Vec::new();
    for def in column_defs(stmt) {
        let Some((name, ty, rest)) = split_column(&def) else {
            // a table constraint
            defs.push(expression(&def, flags));
            continue;
        };
        let flag = is_flag(&name, rest);
        let mut rest = rest.to_string();
        if let Some(r) = take_reference(&mut rest, schema, table, &name) {
            references.push(r);
        }
        if flag {
            let q = format!("\"{name}\"");
            rest = rest.replace(&format!("CHECK ({q} IN (0,1))"), "").replace(&format!("CHECK ({q} IS NULL OR {q} IN (0,1))"), "");
        }
        let timestamp = rest.contains("DEFAULT (strftime(") || TIMESTAMPS.contains(&(table, name.as_str()));
        if let Some((from, to)) = default_of(&rest) {
            let value = rest[from + "DEFAULT ".len()..to].to_string();
            let new = if timestamp {
                "now()".to_string()
            } else if flag {
                match value.as_str() {
                    "1" => "true".into(),
                    "0" => "false".into(),
                    v => v.to_string(),
                }
            } else {
                value
            };
            rest = format!("{}DEFAULT {new}{}", &rest[..from], &rest[to..]);
        }
        let pk = ty == "INTEGER" && rest.contains("PRIMARY KEY");
        rest = rest.replace(" AUTOINCREMENT", "").replace("AUTOINCREMENT", "");
        let pg_type = if timestamp {
            "timestamptz"
        } else if flag {
            "boolean"
        } else {
            match ty.as_str() {
                "INTEGER" => "int8",
                "TEXT" | "" => "varchar",
                "NUMERIC" => "numeric",
                "REAL" => "float8",
                "BLOB" => "bytea",
                _ => "varchar",
            }
        };
        columns.push((name.clone(), pg_type));
        if pk {
            let seq = format!("{schema}.\"{table}_{name}_seq\"");
            pre.push(format!("CREATE SEQUENCE IF NOT EXISTS {seq} START 10000"));
            rest = format!("{} DEFAULT nextval('{seq}')", rest.trim());
            owned.push(format!("ALTER SEQUENCE {seq} OWNED BY {schema}.\"{table}\".\"{name}\""));
        }
        let rest = expression(rest.trim(), flags);
        let rest = rest.split_whitespace().collect::<Vec<_>>().join(" ");
        // timestamps to the millisecond, as impex writes and reads them: a `now()` of a psql
        // script then compares equal to what impex read (the schedule claim compares "lastRun")
        let ddl_type = if timestamp { "timestamptz(3)" } else { pg_type };
        defs.push(format!("\"{name}\" {ddl_type}{}{rest}", if rest.is_empty() { "" } else { " " }));
    }
    let mut out = pre;
    out.push(format!("CREATE TABLE IF NOT EXISTS {schema}.\"{table}\" (\n    {}\n)", defs.join(",\n    ")));
    out.extend(owned);
    (out, columns)
}

/// An index on PostgreSQL. A unique index over `IFNULL("x", -1)` (SQLite's way to count a
/// NULL as one value) is PostgreSQL 15's `NULLS NOT DISTINCT` over the plain columns: so an
/// `ON CONFLICT ("a", "b", "x") DO NOTHING` of a script finds it as its arbiter, and a row with a
/// NULL `"x"` is added once, as the same script does on SQLite.
fn index_ddl(stmt: &str, flags: &BTreeSet<String>) -> String {
    static IFNULL: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = IFNULL.get_or_init(|| regex::Regex::new(r#"(?i)IFNULL\(("[A-Za-z0-9_]+"),\s*-?\d+\)"#).unwrap());
    let nulls_not_distinct = stmt.starts_with("CREATE UNIQUE INDEX") && re.is_match(stmt);
    let stmt = re.replace_all(stmt, "$1").into_owned();
    let stmt = stmt.trim_end_matches(';');
    let stmt = if nulls_not_distinct { format!("{stmt} NULLS NOT DISTINCT") } else { stmt.to_string() };
    let stmt = stmt.as_str();
    let on = stmt.find(" ON \"").map(|i| i + 4).unwrap_or(0);
    let table_end = stmt[on + 1..].find('"').map(|i| on + 1 + i + 1).unwrap_or(on);
    let table = &stmt[on + 1..table_end - 1];
    let s = format!("{}{}.{}", &stmt[..on], schema_of(table), &stmt[on..]);
    expression(s.trim_end_matches(';'), flags)
}

fn view_ddl(stmt: &str, flags: &BTreeSet<String>) -> String {
    let name = quoted_name_after(stmt, "CREATE VIEW").unwrap_or_default();
    let body = stmt.find(" AS").map(|i| &stmt[i..]).unwrap_or("");
    format!("CREATE OR REPLACE VIEW oms.\"{name}\"{}", expression(body.trim_end_matches(';'), flags))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_get_iom_types_sequences_and_schemas() {
        let d = ddl(crate::db::migrate::SCHEMA);
        let shop = d.statements.iter().find(|s| s.starts_with("CREATE TABLE IF NOT EXISTS oms.\"ShopDO\"")).unwrap();
        assert!(shop.contains("\"id\" int8 PRIMARY KEY DEFAULT nextval('oms.\"ShopDO_id_seq\"')"), "{shop}");
        assert!(d.statements.iter().any(|s| s == "CREATE SEQUENCE IF NOT EXISTS oms.\"ShopDO_id_seq\" START 10000"));
        let customer = d.statements.iter().find(|s| s.contains("customer.\"CustomerDO\" (")).unwrap();
        assert!(customer.contains("\"creationDate\" timestamptz(3) NOT NULL DEFAULT now()"), "{customer}");
        let partner = d.statements.iter().find(|s| s.contains("oms.\"CommunicationDO\" (")).unwrap();
        assert!(partner.contains("\"active\" boolean NOT NULL DEFAULT true"), "{partner}");
        let route = d.statements.iter().find(|s| s.contains("VIEW oms.\"ExportRouteV\"")).unwrap();
        assert!(route.contains("c.\"active\" = true"), "{route}");
        let status = d.statements.iter().find(|s| s.contains("VIEW oms.\"OrderPaymentStatusView\"")).unwrap();
        assert!(status.contains("greatest(s.\"openAmount\", 0)") && status.contains("sum(s.\"invoicedAmount\")"), "{status}");
        assert!(!d.tables.iter().any(|t| t.name == "impexSequence"));
        for (table, column) in TIMESTAMPS {
            let t = d.tables.iter().find(|t| t.name == *table).unwrap_or_else(|| panic!("{table}"));
            assert!(t.columns.iter().any(|(c, ty)| c == column && *ty == "timestamptz"), "{table}.{column}");
        }
        assert_eq!(d.triggers, crate::db::migrate::SCHEMA.matches("\nCREATE TRIGGER").count(), "every trigger");
        let state = d.statements.iter().find(|s| s.contains("FUNCTION oms.\"TransmissionDO_change_state_fn\"")).unwrap();
        assert!(state.contains("IF NEW.\"orderRef\" IS NOT NULL AND NEW.\"state\" IS DISTINCT FROM OLD.\"state\" THEN"), "{state}");
        assert!(state.contains("pg_advisory_xact_lock") && state.contains("ON CONFLICT (\"orderRef\") DO UPDATE"), "{state}");
        let debtor = d.statements.iter().find(|s| s.contains("FUNCTION oms.\"DebitorDO_export_update_fn\"")).unwrap();
        assert!(debtor.contains("OLD.\"active\" = true AND NEW.\"active\" = false"), "{debtor}");
        let unique = d.statements.iter().find(|s| s.contains("\"CommunicationPartnerDO_unique\"")).unwrap();
        assert!(unique.ends_with(r#"("communicationRef", "sendingPartnerReferrerRef", "receivingPartnerReferrerRef") NULLS NOT DISTINCT"#), "{unique}");
    }

    /// The order-change triggers of a row's `NEW` through a join run once per statement over
    /// its new rows, the version triggers over its old rows; order-change triggers of
    /// `VALUES`, `OLD` or a column list and the export triggers stay row triggers.
    #[test]
    fn triggers_of_bulk_tables_run_per_statement() {
        let ddl = ddl(crate::db::migrate::SCHEMA);
        let create = |name: &str| ddl.statements.iter().find(|s| s.starts_with(&format!("CREATE TRIGGER \"{name}\""))).unwrap_or_else(|| panic!("{name}")).clone();
        let function = |name: &str| ddl.statements.iter().find(|s| s.contains(&format!("\"{name}_fn\"() RETURNS trigger"))).unwrap().clone();
        for name in ["OpenPositionDO_change_insert", "OpenPositionDO_change_update", "PaymentHistoryDO_change_insert", "TransmissionDO_change_insert", "OrderPositionDO_change_insert"] {
            assert!(create(name).contains("REFERENCING NEW TABLE AS impex_new_rows FOR EACH STATEMENT"), "{}", create(name));
        }
        let f = function("OpenPositionDO_change_insert");
        assert!(f.contains(r#"SELECT DISTINCT o."id", o."shopRef" FROM (SELECT DISTINCT "invoicingRef" FROM impex_new_rows) n, "InvoicingDO" i JOIN "OrderDO" o ON o."id" = i."orderRef" WHERE (i."id" = n."invoicingRef")"#), "{f}");
        assert!(f.contains("IF FOUND THEN") && !f.contains("NEW."), "{f}");
        for name in ["OpenPositionDO_keep_version", "PaymentHistoryDO_keep_version"] {
            assert!(create(name).contains("AFTER UPDATE ON oms.") && create(name).contains("REFERENCING OLD TABLE AS impex_old_rows FOR EACH STATEMENT"), "{}", create(name));
            assert!(function(name).contains(r#"SELECT o."id", o."version","#), "{}", function(name));
        }
        for name in ["OrderDO_change_insert", "DispatchDO_change_delete", "TransmissionDO_change_state", "DebitorDO_export_update"] {
            assert!(create(name).contains("FOR EACH ROW"), "{}", create(name));
        }
    }
}
