//! One statement API for both backends (docs/postgres.md, "How the engine moves to
//! PostgreSQL"): the operations of [`crate::db::queries`] and [`crate::db::state`] run their SQL
//! through [`Conn::query_row`], [`Conn::query_opt`], [`Conn::query_map`], [`Conn::execute`] and
//! [`Conn::insert`], with parameters from [`params!`](crate::db::params) and rows read with
//! [`Row::get`].
//!
//! On SQLite these are rusqlite's cached statements and rows, with nothing copied in between;
//! on PostgreSQL the statement is translated once ([`crate::db::pg::translate`]) and values are
//! adapted by type, so a flag reads as 0/1 and a `timestamptz` as impex's UTC text on both.
//! A statement whose meaning differs between the two picks its text by [`Conn::is_postgres`].
use super::{Backend, Conn, StoreError, StoreErrorKind, StoreResult, ToValue, Value};

/// A statement parameter: a value either backend binds.
pub trait Param: rusqlite::ToSql + ToValue {}
impl<T: rusqlite::ToSql + ToValue + ?Sized> Param for T {}

/// Statement parameters: `params![a, b]` as `&[&dyn Param]`.
#[macro_export]
#[doc(hidden)]
macro_rules! __db_params {
    () => { &[] as &[&dyn $crate::db::Param] };
    ($($p:expr),+ $(,)?) => { &[$(&$p as &dyn $crate::db::Param),+] as &[&dyn $crate::db::Param] };
}
pub use crate::__db_params as params;

/// Parameters from a list of values (a statement built at run time).
pub fn refs(values: &[Value]) -> Vec<&dyn Param> {
    values.iter().map(|v| v as &dyn Param).collect()
}

/// A row of a query result.
pub enum Row<'a> {
    Sqlite(&'a rusqlite::Row<'a>),
    Values { names: &'a [String], values: &'a [Value] },
}

/// Which column: its position or its name.
pub trait ColumnIndex: rusqlite::RowIndex + Copy + std::fmt::Debug {
    fn position(&self, names: &[String]) -> Option<usize>;
}
impl ColumnIndex for usize {
    fn position(&self, names: &[String]) -> Option<usize> {
        (*self < names.len()).then_some(*self)
    }
}
impl ColumnIndex for &str {
    fn position(&self, names: &[String]) -> Option<usize> {
        names.iter().position(|n| n.eq_ignore_ascii_case(self))
    }
}

/// A Rust type a column reads into.
pub trait Column: rusqlite::types::FromSql + Sized {
    fn from_value(v: Value) -> Result<Self, String>;
}

fn wrong(v: &Value, what: &str) -> String {
    format!("{v:?} is not {what}")
}

impl Column for Value {
    fn from_value(v: Value) -> Result<Self, String> {
        Ok(v)
    }
}
impl Column for i64 {
    fn from_value(v: Value) -> Result<Self, String> {
        match v {
            Value::Integer(i) => Ok(i),
            Value::Real(f) if f.fract() == 0.0 => Ok(f as i64),
            v => Err(wrong(&v, "an integer")),
        }
    }
}
impl Column for i32 {
    fn from_value(v: Value) -> Result<Self, String> {
        i64::from_value(v).and_then(|i| i32::try_from(i).map_err(|_| format!("{i} does not fit an i32")))
    }
}
impl Column for u32 {
    fn from_value(v: Value) -> Result<Self, String> {
        i64::from_value(v).and_then(|i| u32::try_from(i).map_err(|_| format!("{i} does not fit a u32")))
    }
}
impl Column for bool {
    fn from_value(v: Value) -> Result<Self, String> {
        i64::from_value(v).map(|i| i != 0)
    }
}
impl Column for f64 {
    fn from_value(v: Value) -> Result<Self, String> {
        match v {
            Value::Real(f) => Ok(f),
            Value::Integer(i) => Ok(i as f64),
            v => Err(wrong(&v, "a number")),
        }
    }
}
impl Column for String {
    fn from_value(v: Value) -> Result<Self, String> {
        match v {
            Value::Text(s) => Ok(s),
            v => Err(wrong(&v, "a text")),
        }
    }
}
impl Column for Vec<u8> {
    fn from_value(v: Value) -> Result<Self, String> {
        match v {
            Value::Blob(b) => Ok(b),
            Value::Text(s) => Ok(s.into_bytes()),
            v => Err(wrong(&v, "a blob")),
        }
    }
}
impl<T: Column> Column for Option<T> {
    fn from_value(v: Value) -> Result<Self, String> {
        match v {
            Value::Null => Ok(None),
            v => T::from_value(v).map(Some),
        }
    }
}

impl Row<'_> {
    /// Column `i` (a position or a name) as a `T`.
    pub fn get<T: Column>(&self, i: impl ColumnIndex) -> StoreResult<T> {
        match self {
            Row::Sqlite(r) => Ok(r.get(i)?),
            Row::Values { names, values } => {
                let p = i.position(names).ok_or_else(|| StoreError::new(StoreErrorKind::Other, format!("no column {i:?}")))?;
                T::from_value(values[p].clone()).map_err(|m| StoreError::new(StoreErrorKind::Other, format!("column {:?}: {m}", names[p])))
            }
        }
    }

    /// The number of columns.
    pub fn len(&self) -> usize {
        match self {
            Row::Sqlite(r) => r.as_ref().column_count(),
            Row::Values { values, .. } => values.len(),
        }
    }

    /// Whether the row has no column.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The name of column `i`.
    pub fn name(&self, i: usize) -> StoreResult<String> {
        match self {
            Row::Sqlite(r) => Ok(r.as_ref().column_name(i)?.to_string()),
            Row::Values { names, .. } => names.get(i).cloned().ok_or_else(|| StoreError::new(StoreErrorKind::Other, format!("no column {i}"))),
        }
    }
}

/// `.optional()` of a one-row result: no row is `None`.
pub trait Optional<T> {
    fn optional(self) -> StoreResult<Option<T>>;
}
impl<T> Optional<T> for StoreResult<T> {
    fn optional(self) -> StoreResult<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.kind == StoreErrorKind::NoRow => Ok(None),
            Err(e) => Err(e),
        }
    }
}

fn values<'p>(params: &[&'p dyn Param]) -> Vec<&'p dyn ToValue> {
    params.iter().map(|p| *p as &dyn ToValue).collect()
}

impl Conn {
    /// Runs one statement with parameters; returns the number of rows changed.
    pub fn execute(&self, sql: &str, params: &[&dyn Param]) -> StoreResult<usize> {
        match &self.backend {
            Backend::Sqlite(c) => Ok(c.prepare_cached(sql)?.execute(rusqlite::params_from_iter(params.iter()))?),
            Backend::Postgres(s) => Ok(s.borrow_mut().execute(sql, &values(params))? as usize),
        }
    }

    /// Every row of a query, each made by `f`.
    pub(crate) fn query_map<T>(&self, sql: &str, params: &[&dyn Param], mut f: impl FnMut(&Row<'_>) -> StoreResult<T>) -> StoreResult<Vec<T>> {
        match &self.backend {
            Backend::Sqlite(c) => {
                let mut st = c.prepare_cached(sql)?;
                let mut rows = st.query(rusqlite::params_from_iter(params.iter()))?;
                let mut out = Vec::new();
                while let Some(r) = rows.next()? {
                    out.push(f(&Row::Sqlite(r))?);
                }
                Ok(out)
            }
            Backend::Postgres(s) => {
                let (names, rows) = s.borrow_mut().query_named(sql, &values(params))?;
                rows.iter().map(|r| f(&Row::Values { names: &names, values: r })).collect()
            }
        }
    }

    /// The first row of a query, made by `f`; no row is an error of kind
    /// [`StoreErrorKind::NoRow`] (see [`Optional::optional`]).
    pub(crate) fn query_row<T>(&self, sql: &str, params: &[&dyn Param], f: impl FnOnce(&Row<'_>) -> StoreResult<T>) -> StoreResult<T> {
        match &self.backend {
            Backend::Sqlite(c) => {
                let mut st = c.prepare_cached(sql)?;
                let mut rows = st.query(rusqlite::params_from_iter(params.iter()))?;
                match rows.next()? {
                    Some(r) => f(&Row::Sqlite(r)),
                    None => Err(rusqlite::Error::QueryReturnedNoRows.into()),
                }
            }
            Backend::Postgres(s) => {
                let (names, rows) = s.borrow_mut().query_named(sql, &values(params))?;
                match rows.first() {
                    Some(r) => f(&Row::Values { names: &names, values: r }),
                    None => Err(StoreError::new(StoreErrorKind::NoRow, "Query returned no rows")),
                }
            }
        }
    }

    /// The first row of a query, if any.
    pub(crate) fn query_opt<T>(&self, sql: &str, params: &[&dyn Param], f: impl FnOnce(&Row<'_>) -> StoreResult<T>) -> StoreResult<Option<T>> {
        self.query_row(sql, params, f).optional()
    }

    /// PostgreSQL's `COPY ... FROM STDIN` (`sql` as it is) of `data` in COPY's text format
    /// ([`copy_text`]); returns the rows copied. SQLite has no COPY: an error there.
    pub(crate) fn copy_in(&self, sql: &str, data: &[u8]) -> StoreResult<u64> {
        match self.pg() {
            Some(mut s) => s.copy_in(sql, data),
            None => Err(StoreError::new(StoreErrorKind::Other, format!("COPY is PostgreSQL's (not on SQLite): {sql}"))),
        }
    }

    /// Runs one statement without parameters, planned anew at each call (not prepared);
    /// returns the rows it changed. For bulk statements over tables that grow within the
    /// transaction: a prepared plan made while a table was empty would scan it ever after.
    pub(crate) fn execute_replanned(&self, sql: &str) -> StoreResult<u64> {
        match self.pg() {
            Some(mut s) => s.execute_replanned(sql),
            None => Ok(self.sql().execute(sql, [])? as u64),
        }
    }

    /// Runs an `INSERT` of one row into a table with an `"id"` and returns the new row's id
    /// (SQLite: the last rowid; PostgreSQL: `RETURNING "id"`).
    pub(crate) fn insert(&self, sql: &str, params: &[&dyn Param]) -> StoreResult<i64> {
        self.insert_or_ignore(sql, params)?.ok_or_else(|| StoreError::new(StoreErrorKind::NoRow, "the INSERT wrote no row"))
    }

    /// [`Conn::insert`] of an `INSERT OR IGNORE`: `None` when the row was ignored.
    pub(crate) fn insert_or_ignore(&self, sql: &str, params: &[&dyn Param]) -> StoreResult<Option<i64>> {
        match &self.backend {
            Backend::Sqlite(c) => {
                let n = c.prepare_cached(sql)?.execute(rusqlite::params_from_iter(params.iter()))?;
                Ok((n > 0).then(|| c.last_insert_rowid()))
            }
            Backend::Postgres(s) => {
                let text = format!("{} RETURNING \"id\"", sql.trim_end().trim_end_matches(';'));
                let rows = s.borrow_mut().query(&text, &values(params))?;
                rows.first().map(|r| i64::from_value(r[0].clone()).map_err(|m| StoreError::new(StoreErrorKind::Other, m))).transpose()
            }
        }
    }
}

/// Appends `v` to a row of COPY's text format: `\N` for NULL, a text with its backslash, tab,
/// newline and carriage return escaped.
pub(crate) fn copy_text(out: &mut Vec<u8>, v: Option<&str>) {
    let Some(v) = v else {
        out.extend_from_slice(b"\\N");
        return;
    };
    for b in v.bytes() {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b => out.push(b),
        }
    }
}
