//! A PostgreSQL session that runs impex's statements as they are written for SQLite, the first
//! part of moving the engine (docs/postgres.md, "How the engine moves to PostgreSQL"):
//!
//! - **Translated once per statement** ([`translate`], cached with the prepared statement):
//!   placeholders `?1`/`?` → `$1`; `INSERT OR IGNORE INTO ...` → `INSERT INTO ... ON CONFLICT DO
//!   NOTHING`; `strftime('%Y-%m-%d %H:%M:%f','now')` → `now()`; and what the schema's views get
//!   (`schema::expression`): a flag compared with 0/1 → `false`/`true`, `x IS y` →
//!   `x IS NOT DISTINCT FROM y`, scalar `max`/`min` → `greatest`/`least`.
//! - **Values adapted by type**: a parameter becomes the type the server expects there (an
//!   integer for a `boolean` is `false`/`true`, impex's UTC text for a `timestamptz` an instant,
//!   NULL a NULL of that type); a column reads as SQLite would give it ([`Value`]: a flag as
//!   0/1, a `timestamptz` as impex's text timestamp, `int2`/`int4`/`int8` as integers).
//! - **Writers take turns**: [`Session::write`] begins with a transaction-level advisory lock
//!   ([`WRITERS_LOCK`]) held to the commit, so writers on any node follow one another as on
//!   SQLite; [`Session::snapshot`] is a `REPEATABLE READ READ ONLY` transaction that waits for
//!   nobody.
use std::collections::{BTreeSet, HashMap};

use postgres::types::{ToSql, Type};

use super::{describe, Target};
use crate::db::{StoreError, StoreErrorKind, StoreResult, ToValue, Value};

/// The advisory lock of write units of work (any fixed number; impex's other one is
/// `schema::ORDER_CHANGE_LOCK`).
pub const WRITERS_LOCK: i64 = 0x1_4D50_4557;

fn store_error(e: postgres::Error, sql: &str) -> StoreError {
    let kind = match e.as_db_error().map(|d| d.code().code().to_string()).as_deref() {
        Some("40001") | Some("40P01") | Some("55P03") => StoreErrorKind::Busy,
        Some(c) if c.starts_with("23") => StoreErrorKind::Constraint,
        _ => StoreErrorKind::Other,
    };
    StoreError::new(kind, format!("{} (in: {})", describe(&e), sql.split_whitespace().collect::<Vec<_>>().join(" ")))
}

/// The flag columns of impex's schema (boolean on PostgreSQL), by name.
fn flags() -> &'static BTreeSet<String> {
    static FLAGS: std::sync::OnceLock<BTreeSet<String>> = std::sync::OnceLock::new();
    FLAGS.get_or_init(|| super::schema::ddl(crate::db::migrate::SCHEMA).flags.into_iter().map(|(_, c)| c).collect())
}

/// The PostgreSQL type of a column name of impex's schema (the first table's, when tables
/// differ).
fn column_type(name: &str) -> Option<Type> {
    static TYPES: std::sync::OnceLock<HashMap<String, &'static str>> = std::sync::OnceLock::new();
    let types = TYPES.get_or_init(|| {
        let mut m = HashMap::new();
        for t in super::schema::ddl(crate::db::migrate::SCHEMA).tables {
            for (c, ty) in t.columns {
                m.entry(c).or_insert(ty);
            }
        }
        m
    });
    Some(match *types.get(name)? {
        "int8" => Type::INT8,
        "boolean" => Type::BOOL,
        "timestamptz" => Type::TIMESTAMPTZ,
        "numeric" => Type::NUMERIC,
        "float8" => Type::FLOAT8,
        "bytea" => Type::BYTEA,
        _ => Type::VARCHAR,
    })
}

/// The type of parameter `$n` from a comparison with a column elsewhere in `text`
/// (`"scheduleRef" = $1`, `$1 <= x."date"`).
fn compared_type(text: &str, n: usize) -> Option<Type> {
    let p = format!(r"\${n}\b");
    let op = r"\s*(?:=|<>|!=|<=|>=|<|>)\s*";
    let before = regex::Regex::new(&format!(r#""(\w+)"{op}{p}"#)).ok()?;
    let after = regex::Regex::new(&format!(r#"{p}{op}(?:\w+\.)?"(\w+)""#)).ok()?;
    let found = before.captures_iter(text).chain(after.captures_iter(text)).find_map(|c| column_type(&c[1]));
    found
}

/// A statement of impex's (SQLite's words) in PostgreSQL's.
pub fn translate(sql: &str) -> String {
    let mut s = super::schema::expression(sql, flags());
    s = s.replace("strftime('%Y-%m-%d %H:%M:%f','now')", "now()").replace("strftime('%Y-%m-%d %H:%M:%f', 'now')", "now()");
    // SQLite's INTEGER is 64 bits; json_each(?) of a JSON array: its elements as text with
    // their 0-based positions
    s = s.replace(" AS INTEGER)", " AS int8)");
    // SQLite's CROSS JOIN with ON (to fix the join order) is a plain join
    static CROSS_JOIN: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let cross = CROSS_JOIN.get_or_init(|| regex::Regex::new(r#"CROSS JOIN ("\w+"(?: \w+)?) ON "#).unwrap());
    s = cross.replace_all(&s, "JOIN $1 ON ").into_owned();
    static JSON_EACH: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let json_each = JSON_EACH.get_or_init(|| regex::Regex::new(r"json_each\((\?\d*)\)").unwrap());
    s = json_each
        .replace_all(&s, r#"(SELECT j.v AS "value", j.n - 1 AS "key" FROM json_array_elements_text(CAST(CAST($1 AS text) AS json)) WITH ORDINALITY AS j(v, n)) AS json_each"#)
        .into_owned();
    // placeholders, outside literals and quoted names
    let mut out = String::with_capacity(s.len() + 8);
    let mut quote: Option<char> = None;
    let mut next = 1;
    let mut chars = s.chars().peekable();
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
            None if c == '?' => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                if digits.is_empty() {
                    out.push_str(&format!("${next}"));
                    next += 1;
                } else {
                    out.push('$');
                    out.push_str(&digits);
                }
            }
            None => out.push(c),
        }
    }
    if let Some(rest) = out.trim_start().strip_prefix("INSERT OR IGNORE INTO") {
        let rest = rest.trim_end().trim_end_matches(';');
        out = match rest.find(" RETURNING ") {
            Some(i) => format!("INSERT INTO{} ON CONFLICT DO NOTHING{}", &rest[..i], &rest[i..]),
            None => format!("INSERT INTO{rest} ON CONFLICT DO NOTHING"),
        };
    }
    out
}

/// Whether a statement only reads (`SELECT`, `WITH` ... `SELECT`).
fn reads(sql: &str) -> bool {
    let head = sql.trim_start().get(..6).unwrap_or("").to_ascii_uppercase();
    head == "SELECT" || (head.starts_with("WITH") && !sql.contains("INSERT") && !sql.contains("UPDATE") && !sql.contains("DELETE"))
}

/// A parameter as the type the server expects.
fn param(v: Value, ty: &Type) -> Result<Box<dyn ToSql + Sync>, String> {
    fn none<T: ToSql + Sync + 'static>() -> Box<dyn ToSql + Sync> {
        Box::new(None::<T>)
    }
    Ok(match (v, ty) {
        (Value::Null, t) => match *t {
            Type::INT8 => none::<i64>(),
            Type::INT4 => none::<i32>(),
            Type::INT2 => none::<i16>(),
            Type::BOOL => none::<bool>(),
            Type::TIMESTAMPTZ => none::<chrono::DateTime<chrono::Utc>>(),
            Type::FLOAT8 => none::<f64>(),
            Type::BYTEA => none::<Vec<u8>>(),
            _ => none::<String>(),
        },
        (Value::Integer(i), t) => match *t {
            Type::INT8 => Box::new(i),
            Type::INT4 => Box::new(i32::try_from(i).map_err(|_| format!("{i} does not fit an int4"))?),
            Type::INT2 => Box::new(i16::try_from(i).map_err(|_| format!("{i} does not fit an int2"))?),
            Type::BOOL => Box::new(i != 0),
            Type::FLOAT8 => Box::new(i as f64),
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => Box::new(i.to_string()),
            _ => return Err(format!("an integer for a {t} parameter")),
        },
        (Value::Real(f), t) => match *t {
            Type::FLOAT8 => Box::new(f),
            Type::FLOAT4 => Box::new(f as f32),
            Type::TEXT | Type::VARCHAR => Box::new(f.to_string()),
            _ => return Err(format!("a real number for a {t} parameter")),
        },
        (Value::Text(s), t) => match *t {
            Type::TIMESTAMPTZ => Box::new(crate::time::parse(&s).ok_or_else(|| format!("{s:?} is not a timestamp"))?),
            Type::BOOL => Box::new(matches!(s.as_str(), "1" | "true" | "TRUE" | "t")),
            Type::INT8 => Box::new(s.trim().parse::<i64>().map_err(|_| format!("{s:?} is not an integer"))?),
            _ => Box::new(s),
        },
        (Value::Blob(b), _) => Box::new(b),
    })
}

/// A column of a row as SQLite would give it.
fn column(row: &postgres::Row, i: usize) -> StoreResult<Value> {
    let ty = row.columns()[i].type_().clone();
    let bad = |e: postgres::Error| StoreError::new(StoreErrorKind::Other, format!("column {}: {e}", row.columns()[i].name()));
    Ok(match ty {
        Type::INT8 => row.try_get::<_, Option<i64>>(i).map_err(bad)?.map(Value::Integer),
        Type::INT4 => row.try_get::<_, Option<i32>>(i).map_err(bad)?.map(|v| Value::Integer(v.into())),
        Type::INT2 => row.try_get::<_, Option<i16>>(i).map_err(bad)?.map(|v| Value::Integer(v.into())),
        Type::BOOL => row.try_get::<_, Option<bool>>(i).map_err(bad)?.map(|v| Value::Integer(v.into())),
        Type::TIMESTAMPTZ => row.try_get::<_, Option<chrono::DateTime<chrono::Utc>>>(i).map_err(bad)?.map(|t| Value::Text(crate::time::format(t))),
        Type::FLOAT8 => row.try_get::<_, Option<f64>>(i).map_err(bad)?.map(Value::Real),
        Type::FLOAT4 => row.try_get::<_, Option<f32>>(i).map_err(bad)?.map(|v| Value::Real(v.into())),
        Type::BYTEA => row.try_get::<_, Option<Vec<u8>>>(i).map_err(bad)?.map(Value::Blob),
        Type::NUMERIC => row.try_get::<_, Option<Numeric>>(i).map_err(bad)?.map(|n| n.0),
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => row.try_get::<_, Option<String>>(i).map_err(bad)?.map(Value::Text),
        other => {
            return Err(StoreError::new(
                StoreErrorKind::Other,
                format!("column {} is of type {other}, which impex does not read (cast it to text)", row.columns()[i].name()),
            ))
        }
    }
    .unwrap_or(Value::Null))
}

/// Runs `f`, which waits for the server: on a worker thread of a multi-threaded tokio runtime
/// (the HTTP server reads on its request threads) outside that runtime's context
/// (`block_in_place`), since the `postgres` client drives its connection with a runtime of its
/// own; elsewhere as it is.
fn blocking<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => tokio::task::block_in_place(f),
        _ => f(),
    }
}

/// A `numeric` as SQLite holds a NUMERIC value: an integer when it is one (the sum of `int8`
/// quantities is `numeric` on PostgreSQL), else a real number. Decoded from the binary format
/// (`numeric_send`: digit count, weight, sign, scale, then base-10000 digits).
struct Numeric(Value);

impl<'a> postgres::types::FromSql<'a> for Numeric {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        let word = |i: usize| -> Result<u16, Box<dyn std::error::Error + Sync + Send>> {
            Ok(u16::from_be_bytes([*raw.get(i).ok_or("short numeric")?, *raw.get(i + 1).ok_or("short numeric")?]))
        };
        let (ndigits, weight, sign) = (word(0)? as usize, word(2)? as i16, word(4)?);
        if sign == 0xC000 {
            return Ok(Numeric(Value::Real(f64::NAN)));
        }
        let digits: Vec<u16> = (0..ndigits).map(|k| word(8 + 2 * k)).collect::<Result<_, _>>()?;
        let negative = sign == 0x4000;
        // an integer: no digit after the point (weight counts base-10000 digits before it)
        let integral = digits.iter().enumerate().all(|(k, d)| *d == 0 || (k as i16) <= weight);
        if integral && weight < 8 {
            let mut v: i128 = 0;
            for k in 0..=weight.max(-1) as i32 {
                v = v * 10000 + i128::from(*digits.get(k as usize).unwrap_or(&0));
            }
            if let Ok(v) = i64::try_from(if negative { -v } else { v }) {
                return Ok(Numeric(Value::Integer(v)));
            }
        }
        let mut v = 0f64;
        for (k, d) in digits.iter().enumerate() {
            v += f64::from(*d) * 10000f64.powi(i32::from(weight) - k as i32);
        }
        Ok(Numeric(Value::Real(if negative { -v } else { v })))
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::NUMERIC
    }
}

/// A session on one PostgreSQL database.
pub struct Session {
    /// (None only while dropped)
    client: Option<postgres::Client>,
    /// Prepared statements by their SQLite text.
    statements: HashMap<String, postgres::Statement>,
    open: bool,
    /// Whether this connection holds the process's liveness lock ([`crate::db::set_process_identity`]).
    alive: bool,
    /// Where to connect again when the server closed the connection ([`Session::revive`]).
    target: Target,
}

/// The advisory lock key of a process identity (the same on every node: the server hashes).
pub const LIVENESS_KEY: &str = "hashtextextended($1, 0)";

impl Session {
    fn c(&mut self) -> &mut postgres::Client {
        self.client.as_mut().expect("a session's client is there until it is dropped")
    }

    pub fn connect(target: &Target) -> StoreResult<Session> {
        Ok(Session { client: Some(blocking(|| target.connect())?), statements: HashMap::new(), open: false, alive: false, target: target.clone() })
    }

    /// Outside a unit of work, replaces a connection the server has closed (a restart of the
    /// server, a failover, a cut network) by a new one, so that a long-running process (`impex
    /// run`, `impex serve`) goes on once the server is back: the statement that found the
    /// connection closed failed, the next one runs on a new connection. Its prepared statements
    /// are prepared again; the liveness lock is taken again at the next write. Inside a unit of
    /// work nothing is replaced: the unit of work is lost with its connection and fails.
    fn revive(&mut self) -> StoreResult<()> {
        if self.open || !self.c().is_closed() {
            return Ok(());
        }
        let client = blocking(|| self.target.connect())?;
        let old = self.client.replace(client);
        blocking(|| drop(old));
        self.statements.clear();
        self.alive = false;
        tracing::info!(database = %self.target.shown(), "connected to the database again");
        Ok(())
    }

    /// `BEGIN ...` of a unit of work; on a connection the server has closed meanwhile, once
    /// more on a new one (a `BEGIN` that failed did nothing).
    fn begin(&mut self, sql: &str) -> StoreResult<()> {
        self.revive()?;
        match blocking(|| self.c().batch_execute(sql)) {
            Ok(()) => Ok(()),
            Err(_) if self.c().is_closed() => {
                self.revive()?;
                blocking(|| self.c().batch_execute(sql)).map_err(|e| store_error(e, "BEGIN"))
            }
            Err(e) => Err(store_error(e, "BEGIN")),
        }
    }

    /// The prepared statement of `sql`. A parameter whose type the server cannot tell from
    /// where it stands (`?1 IS NULL OR "x" = ?1`: PostgreSQL decides at its first use) gets the
    /// type of the value bound the first time (NULL: text).
    fn prepared(&mut self, sql: &str, params: &[&dyn ToValue]) -> StoreResult<postgres::Statement> {
        if let Some(st) = self.statements.get(sql) {
            return Ok(st.clone());
        }
        let text = translate(sql);
        let mut types: Vec<Type> = Vec::new();
        // (a failed statement ends the transaction it is in: prepare inside a savepoint there)
        let open = self.open;
        let st = loop {
            if open {
                blocking(|| self.c().batch_execute("SAVEPOINT impex_prepare")).map_err(|e| store_error(e, "SAVEPOINT"))?;
            }
            let prepared = blocking(|| self.c().prepare_typed(&text, &types));
            if open {
                let end = if prepared.is_ok() { "RELEASE SAVEPOINT impex_prepare" } else { "ROLLBACK TO SAVEPOINT impex_prepare" };
                blocking(|| self.c().batch_execute(end)).map_err(|e| store_error(e, end))?;
            }
            match prepared {
                Ok(st) => break st,
                Err(e) => {
                    let n = e
                        .as_db_error()
                        .filter(|d| matches!(d.code().code(), "42P08" | "42P18"))
                        .and_then(|d| d.message().split('$').nth(1).and_then(|n| n.parse::<usize>().ok()))
                        .filter(|n| *n >= 1 && *n <= params.len() && types.get(*n - 1).is_none_or(|t| t.oid() == 0));
                    let Some(n) = n else { return Err(store_error(e, &text)) };
                    if types.len() < n {
                        // (oid 0: the server infers it)
                        types.resize(n, Type::new("unspecified".into(), 0, postgres::types::Kind::Simple, "pg_catalog".into()));
                    }
                    types[n - 1] = match compared_type(&text, n) {
                        Some(t) => t,
                        None => match params[n - 1].to_value() {
                        Value::Integer(_) => Type::INT8,
                        Value::Real(_) => Type::FLOAT8,
                        Value::Blob(_) => Type::BYTEA,
                            Value::Text(_) | Value::Null => Type::TEXT,
                        },
                    };
                }
            }
        };
        self.statements.insert(sql.to_string(), st.clone());
        Ok(st)
    }

    fn bind(st: &postgres::Statement, sql: &str, params: &[&dyn ToValue]) -> StoreResult<Vec<Box<dyn ToSql + Sync>>> {
        if params.len() != st.params().len() {
            return Err(StoreError::new(StoreErrorKind::Other, format!("{} parameters given, {} expected (in: {sql})", params.len(), st.params().len())));
        }
        params
            .iter()
            .zip(st.params())
            .enumerate()
            .map(|(i, (p, ty))| {
                let v = match p.to_value() {
                    // PostgreSQL's text cannot hold a NUL: no stored text equals one, so a read
                    // compares with a text that matches none either; a write is refused
                    Value::Text(t) if t.contains('\0') => {
                        if !reads(sql) {
                            return Err(StoreError::new(StoreErrorKind::Constraint, format!("parameter {}: a text with a NUL character, which PostgreSQL cannot store", i + 1)));
                        }
                        Value::Text(t.replace('\0', "\u{fffd}"))
                    }
                    v => v,
                };
                param(v, ty).map_err(|m| StoreError::new(StoreErrorKind::Other, format!("parameter {}: {m} (in: {sql})", i + 1)))
            })
            .collect()
    }

    /// Every row of a query, as values.
    pub fn query(&mut self, sql: &str, params: &[&dyn ToValue]) -> StoreResult<Vec<Vec<Value>>> {
        self.revive()?;
        let st = self.prepared(sql, params)?;
        let values = Self::bind(&st, sql, params)?;
        let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|b| b.as_ref()).collect();
        let rows = blocking(|| self.c().query(&st, &refs)).map_err(|e| store_error(e, sql))?;
        rows.iter().map(|r| (0..r.len()).map(|i| column(r, i)).collect()).collect()
    }

    /// Every row of a query, as values, and the names of its columns.
    pub fn query_named(&mut self, sql: &str, params: &[&dyn ToValue]) -> StoreResult<(Vec<String>, Vec<Vec<Value>>)> {
        self.revive()?;
        let st = self.prepared(sql, params)?;
        let values = Self::bind(&st, sql, params)?;
        let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|b| b.as_ref()).collect();
        let rows = blocking(|| self.c().query(&st, &refs)).map_err(|e| store_error(e, sql))?;
        let names = st.columns().iter().map(|c| c.name().to_string()).collect();
        Ok((names, rows.iter().map(|r| (0..r.len()).map(|i| column(r, i)).collect()).collect::<StoreResult<_>>()?))
    }

    /// Runs a statement; returns the rows it changed.
    pub fn execute(&mut self, sql: &str, params: &[&dyn ToValue]) -> StoreResult<u64> {
        self.revive()?;
        let st = self.prepared(sql, params)?;
        let values = Self::bind(&st, sql, params)?;
        let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|b| b.as_ref()).collect();
        blocking(|| self.c().execute(&st, &refs)).map_err(|e| store_error(e, sql))
    }

    /// `COPY ... FROM STDIN` (PostgreSQL's SQL as it is) with `data` in COPY's text format;
    /// returns the rows copied.
    pub fn copy_in(&mut self, sql: &str, data: &[u8]) -> StoreResult<u64> {
        self.revive()?;
        blocking(|| {
            use std::io::Write;
            let mut w = self.c().copy_in(sql).map_err(|e| store_error(e, sql))?;
            if let Err(e) = w.write_all(data) {
                return Err(StoreError::new(StoreErrorKind::Other, format!("{sql}: sending the rows: {e}")));
            }
            w.finish().map_err(|e| store_error(e, sql))
        })
    }

    /// Runs one statement without parameters (translated as [`translate`] does) by the simple
    /// query protocol, so planned for this call; returns the rows it changed.
    pub fn execute_replanned(&mut self, sql: &str) -> StoreResult<u64> {
        self.revive()?;
        let text = translate(sql);
        let messages = blocking(|| self.c().simple_query(&text)).map_err(|e| store_error(e, &text))?;
        Ok(messages.iter().filter_map(|m| match m {
            postgres::SimpleQueryMessage::CommandComplete(n) => Some(*n),
            _ => None,
        }).last().unwrap_or(0))
    }

    /// Runs statements without parameters, each translated as [`translate`] does. A fixture's
    /// `PRAGMA foreign_keys = OFF`/`ON` is `session_replication_role = replica`/`DEFAULT` for
    /// the rest of the session: the server then checks no foreign key and fires no trigger
    /// (only a superuser may).
    pub fn batch(&mut self, sql: &str) -> StoreResult<()> {
        self.revive()?;
        let pieces = super::script::split(sql).map_err(|(line, m)| StoreError::new(StoreErrorKind::Other, format!("line {line}: {m}")))?;
        for p in pieces {
            let text = match p.text.split_whitespace().collect::<Vec<_>>().join(" ").to_ascii_uppercase().as_str() {
                "PRAGMA FOREIGN_KEYS = OFF" => "SET session_replication_role = replica".to_string(),
                "PRAGMA FOREIGN_KEYS = ON" => "SET session_replication_role = DEFAULT".to_string(),
                _ => translate(&p.text),
            };
            blocking(|| self.c().batch_execute(&text)).map_err(|e| store_error(e, &text))?;
        }
        Ok(())
    }

    /// The impex schema version of the database (0: none).
    pub fn schema_version(&mut self) -> StoreResult<i64> {
        self.revive()?;
        blocking(|| super::version(self.c())).map_err(|e| StoreError::new(StoreErrorKind::Other, e.to_string()))
    }

    /// Begins a write unit of work: its writers' turn is held to the commit or rollback.
    pub fn write(&mut self) -> StoreResult<()> {
        self.ensure_alive()?;
        self.begin(&format!("BEGIN; SELECT pg_advisory_xact_lock({WRITERS_LOCK})"))?;
        self.open = true;
        Ok(())
    }

    /// Begins a write unit of work without the writers' turn ([`Session::write`] otherwise):
    /// for units whose every write is conditional on the rows it changes (`UPDATE ... WHERE`
    /// the state read before, inserts of rows nobody else writes), so that the rows' own locks
    /// are enough. The scheduler's claims and records: docs/postgres.md, "Several nodes".
    pub fn write_rows(&mut self) -> StoreResult<()> {
        self.ensure_alive()?;
        self.begin("BEGIN")?;
        self.open = true;
        Ok(())
    }

    /// Connects again if needed, and takes the process's liveness lock on this connection
    /// before its first unit of work.
    fn ensure_alive(&mut self) -> StoreResult<()> {
        self.revive()?;
        if let (false, Some(id)) = (self.alive, crate::db::process_identity()) {
            // held by this connection until it closes, shared with the process's other
            // connections; TCP keepalive closes the connection of a node that vanished from
            // the network within about 10 s
            blocking(|| self.c().batch_execute("SET tcp_keepalives_idle = 5; SET tcp_keepalives_interval = 2; SET tcp_keepalives_count = 3")).map_err(|e| store_error(e, "SET tcp_keepalives_idle"))?;
            let sql = format!("SELECT pg_advisory_lock_shared({LIVENESS_KEY})");
            blocking(|| self.c().execute(sql.as_str(), &[&id])).map_err(|e| store_error(e, &sql))?;
            self.alive = true;
        }
        Ok(())
    }

    /// Begins a read unit of work: one snapshot, read only.
    pub fn snapshot(&mut self) -> StoreResult<()> {
        self.begin("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
        self.open = true;
        Ok(())
    }

    pub fn commit(&mut self) -> StoreResult<()> {
        self.open = false;
        blocking(|| self.c().batch_execute("COMMIT")).map_err(|e| store_error(e, "COMMIT"))
    }

    pub fn rollback(&mut self) -> StoreResult<()> {
        self.open = false;
        blocking(|| self.c().batch_execute("ROLLBACK")).map_err(|e| store_error(e, "ROLLBACK"))
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if self.open {
            let _ = blocking(|| self.c().batch_execute("ROLLBACK"));
        }
        // (closing the connection waits for the server too)
        let client = self.client.take();
        blocking(|| drop(client));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_are_translated_once_into_postgresqls_words() {
        assert_eq!(
            translate(r#"SELECT "id" FROM "ScheduleDO" WHERE "active" = 1 AND "key" = ?1 AND "nextRetry" IS ?2 AND "note" = '?'"#),
            r#"SELECT "id" FROM "ScheduleDO" WHERE "active" = true AND "key" = $1 AND "nextRetry" IS NOT DISTINCT FROM $2 AND "note" = '?'"#
        );
        assert_eq!(translate(r#"UPDATE "T" SET "a" = ?, "b" = ?"#), r#"UPDATE "T" SET "a" = $1, "b" = $2"#);
        assert_eq!(
            translate(r#"INSERT OR IGNORE INTO "ShopDO" ("id", "name") VALUES (?1, ?2) RETURNING "id""#),
            r#"INSERT INTO "ShopDO" ("id", "name") VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING "id""#
        );
        assert_eq!(translate("SELECT strftime('%Y-%m-%d %H:%M:%f','now')"), "SELECT now()");
    }
}
