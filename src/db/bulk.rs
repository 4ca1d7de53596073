//! A prepared statement for bulk writes that binds texts without copying them.
//!
//! rusqlite binds every text with `SQLITE_TRANSIENT`: SQLite allocates and copies each value
//! before the statement runs. In a bulk import that copy (and rusqlite's per-value dispatch)
//! was a seventh of the writer thread's instructions (callgrind, 200,000 open positions). A
//! [`BulkStatement`] binds the values of one execution with `SQLITE_STATIC` instead: SQLite
//! reads them in place while the statement steps.
//!
//! Why that is sound here: the values are borrowed for the call of [`BulkStatement::execute`]
//! only, which binds every per-execution parameter, steps and resets the statement. A value
//! bound with `SQLITE_STATIC` is read by SQLite only while the statement steps (and by
//! `sqlite3_expanded_sql`, which nothing calls on this private handle); after the call the stale
//! pointers stay in the statement, but the next `execute` replaces all of them before it steps,
//! and finalizing does not read them. Values shared by all executions ([`BulkStatement::bind_fixed`])
//! are copied by SQLite, as rusqlite would.
use std::ffi::{c_int, CStr};
use std::ptr;

use rusqlite::{ffi, Connection};

/// A value of one execution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Val<'a> {
    Null,
    Int(i64),
    Text(&'a str),
}

impl<'a> From<i64> for Val<'a> {
    fn from(v: i64) -> Self {
        Val::Int(v)
    }
}

impl<'a> From<&'a str> for Val<'a> {
    fn from(v: &'a str) -> Self {
        Val::Text(v)
    }
}

impl<'a, T: Into<Val<'a>>> From<Option<T>> for Val<'a> {
    fn from(v: Option<T>) -> Self {
        v.map_or(Val::Null, Into::into)
    }
}

/// A statement whose parameters `first..first + N` are bound anew, without copies, for each
/// [`BulkStatement::execute`]; the others once ([`BulkStatement::bind_fixed`]).
pub struct BulkStatement<'c, const N: usize> {
    db: *mut ffi::sqlite3,
    stmt: *mut ffi::sqlite3_stmt,
    first: c_int,
    /// Ties the statement to its connection (it must be finalized before the connection closes).
    _conn: &'c Connection,
}

impl<'c, const N: usize> BulkStatement<'c, N> {
    /// Prepares `sql`; the parameters `first..first + N` (1-based) are the per-execution ones.
    pub fn prepare(conn: &'c Connection, sql: &str, first: usize) -> rusqlite::Result<Self> {
        // SAFETY: the handle of a live connection, used on this thread only (the statement
        // borrows the connection, which is not Sync).
        let db = unsafe { conn.handle() };
        let mut stmt = ptr::null_mut();
        let len = c_int::try_from(sql.len()).map_err(|_| rusqlite::Error::InvalidQuery)?;
        // SAFETY: sql is valid for len bytes; stmt receives a statement or NULL.
        let rc = unsafe { ffi::sqlite3_prepare_v3(db, sql.as_ptr().cast(), len, ffi::SQLITE_PREPARE_PERSISTENT, &mut stmt, ptr::null_mut()) };
        if rc != ffi::SQLITE_OK {
            return Err(error(db, rc));
        }
        if stmt.is_null() {
            return Err(rusqlite::Error::InvalidQuery);
        }
        let s = BulkStatement { db, stmt, first: first as c_int, _conn: conn };
        // SAFETY: a valid statement.
        let count = unsafe { ffi::sqlite3_bind_parameter_count(stmt) } as usize;
        if first == 0 || first + N - 1 > count {
            return Err(rusqlite::Error::InvalidParameterCount(first + N - 1, count));
        }
        Ok(s)
    }

    /// Binds a value shared by every execution (copied by SQLite) to parameter `index`, which
    /// must not be one of the per-execution ones.
    pub fn bind_fixed(&mut self, index: usize, v: Val<'_>) -> rusqlite::Result<()> {
        let i = index as c_int;
        if i >= self.first && i < self.first + N as c_int {
            return Err(rusqlite::Error::InvalidParameterName(format!("?{index} is bound per execution")));
        }
        self.bind(i, v, ffi::SQLITE_TRANSIENT())
    }

    /// Binds `values` to the per-execution parameters, runs the statement to its end and
    /// resets it; returns the number of rows it changed.
    pub fn execute(&mut self, values: &[Val<'_>; N]) -> rusqlite::Result<usize> {
        for (k, v) in values.iter().enumerate() {
            self.bind(self.first + k as c_int, *v, ffi::SQLITE_STATIC())?;
        }
        // SAFETY: a valid statement whose texts (bound above) live until this call returns.
        let rc = unsafe { ffi::sqlite3_step(self.stmt) };
        let result = match rc {
            // SAFETY: a valid connection handle.
            ffi::SQLITE_DONE => Ok(unsafe { ffi::sqlite3_changes64(self.db) } as usize),
            ffi::SQLITE_ROW => Err(rusqlite::Error::ExecuteReturnedResults),
            rc => Err(error(self.db, rc)),
        };
        // SAFETY: a valid statement. Its return repeats the step's error, reported above.
        unsafe { ffi::sqlite3_reset(self.stmt) };
        result
    }

    fn bind(&mut self, i: c_int, v: Val<'_>, mode: ffi::sqlite3_destructor_type) -> rusqlite::Result<()> {
        // SAFETY: a valid statement; a text is valid for its length (and for as long as SQLite
        // reads it: see the module documentation).
        let rc = unsafe {
            match v {
                Val::Null => ffi::sqlite3_bind_null(self.stmt, i),
                Val::Int(n) => ffi::sqlite3_bind_int64(self.stmt, i, n),
                Val::Text(t) => ffi::sqlite3_bind_text64(self.stmt, i, t.as_ptr().cast(), t.len() as u64, mode, ffi::SQLITE_UTF8 as _),
            }
        };
        if rc == ffi::SQLITE_OK { Ok(()) } else { Err(error(self.db, rc)) }
    }
}

impl<const N: usize> Drop for BulkStatement<'_, N> {
    fn drop(&mut self) {
        // SAFETY: finalized once, before the connection it borrows is closed.
        unsafe { ffi::sqlite3_finalize(self.stmt) };
    }
}

/// The error of `rc` with the connection's message.
#[cold]
fn error(db: *mut ffi::sqlite3, rc: c_int) -> rusqlite::Error {
    // SAFETY: a valid connection; sqlite3_errmsg returns a NUL-terminated string it owns.
    let msg = unsafe {
        let m = ffi::sqlite3_errmsg(db);
        (!m.is_null()).then(|| CStr::from_ptr(m).to_string_lossy().into_owned())
    };
    rusqlite::Error::SqliteFailure(ffi::Error::new(rc), msg)
}

/// A bulk statement on either backend: on SQLite a [`BulkStatement`]; on PostgreSQL the same
/// SQL as one of impex's statements (translated and prepared once, [`crate::db::Conn::execute`]),
/// its values copied into parameters.
pub enum Bulk<'c, const N: usize> {
    Sqlite(BulkStatement<'c, N>),
    Generic { conn: &'c crate::db::Conn, sql: String, first: usize, fixed: Vec<(usize, crate::db::Value)> },
}

impl<'c, const N: usize> Bulk<'c, N> {
    /// See [`BulkStatement::prepare`].
    pub fn prepare(conn: &'c crate::db::Conn, sql: &str, first: usize) -> crate::db::StoreResult<Self> {
        if conn.is_postgres() {
            return Ok(Bulk::Generic { conn, sql: sql.to_string(), first, fixed: Vec::new() });
        }
        Ok(Bulk::Sqlite(BulkStatement::prepare(conn.sql(), sql, first)?))
    }

    /// See [`BulkStatement::bind_fixed`].
    pub fn bind_fixed(&mut self, index: usize, v: Val<'_>) -> crate::db::StoreResult<()> {
        match self {
            Bulk::Sqlite(s) => Ok(s.bind_fixed(index, v)?),
            Bulk::Generic { fixed, .. } => {
                fixed.retain(|(i, _)| *i != index);
                fixed.push((index, value(v)));
                Ok(())
            }
        }
    }

    /// See [`BulkStatement::execute`].
    pub fn execute(&mut self, values: &[Val<'_>; N]) -> crate::db::StoreResult<usize> {
        match self {
            Bulk::Sqlite(s) => Ok(s.execute(values)?),
            Bulk::Generic { conn, sql, first, fixed } => {
                let count = fixed.iter().map(|(i, _)| *i).chain([*first + N - 1]).max().unwrap_or(0);
                let mut all = vec![crate::db::Value::Null; count];
                for (i, v) in fixed.iter() {
                    all[i - 1] = v.clone();
                }
                for (k, v) in values.iter().enumerate() {
                    all[*first - 1 + k] = value(*v);
                }
                // a refused row (an import goes on after it) must not end the transaction
                conn.execute_batch("SAVEPOINT impex_bulk")?;
                let n = conn.execute(sql, &crate::db::refs(&all));
                conn.execute_batch(if n.is_ok() { "RELEASE SAVEPOINT impex_bulk" } else { "ROLLBACK TO SAVEPOINT impex_bulk" })?;
                n
            }
        }
    }
}

/// A value as the storage API takes it.
pub(crate) fn value(v: Val<'_>) -> crate::db::Value {
    match v {
        Val::Null => crate::db::Value::Null,
        Val::Int(i) => crate::db::Value::Integer(i),
        Val::Text(t) => crate::db::Value::Text(t.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(r#"CREATE TABLE t ("id" INTEGER PRIMARY KEY, "k" TEXT NOT NULL UNIQUE, "n" INTEGER, "v" TEXT, "fixed" TEXT)"#).unwrap();
        conn
    }

    /// Each execution writes the values it was given, though the buffer they were borrowed
    /// from is overwritten between executions; the fixed value is kept for all of them.
    #[test]
    fn texts_are_read_while_executing_and_fixed_values_stay() {
        let conn = table();
        {
            let mut st = BulkStatement::<3>::prepare(&conn, r#"INSERT INTO t ("fixed", "k", "n", "v") VALUES (?1, ?2, ?3, ?4)"#, 2).unwrap();
            let fixed = String::from("file-1");
            st.bind_fixed(1, Val::Text(&fixed)).unwrap();
            drop(fixed); // copied by SQLite
            let mut buf = String::new();
            for i in 0..100i64 {
                buf.clear();
                buf.push_str(&format!("key-{i}value-{i}"));
                let split = buf.find("value").unwrap();
                let (k, v) = buf.split_at(split);
                let v = if i % 10 == 0 { None } else { Some(v) };
                assert_eq!(st.execute(&[Val::Text(k), Val::Int(i), v.into()]).unwrap(), 1);
                buf.replace_range(.., "overwritten-overwritten-overwritten");
            }
        }
        let rows: Vec<(String, i64, Option<String>, String)> = conn
            .prepare(r#"SELECT "k", "n", "v", "fixed" FROM t ORDER BY "n""#)
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(rows.len(), 100);
        for (i, (k, n, v, fixed)) in rows.into_iter().enumerate() {
            assert_eq!(k, format!("key-{i}"));
            assert_eq!(n, i as i64);
            assert_eq!(v, if i % 10 == 0 { None } else { Some(format!("value-{i}")) });
            assert_eq!(fixed, "file-1");
        }
    }

    /// A failing execution reports SQLite's error (with its extended code) and leaves the
    /// statement usable; per-execution parameters cannot be bound as fixed ones.
    #[test]
    fn errors_carry_the_code_and_the_statement_stays_usable() {
        let conn = table();
        let mut st = BulkStatement::<1>::prepare(&conn, r#"INSERT INTO t ("k") VALUES (?1)"#, 1).unwrap();
        assert_eq!(st.execute(&[Val::Text("a")]).unwrap(), 1);
        match st.execute(&[Val::Text("a")]) {
            Err(rusqlite::Error::SqliteFailure(e, Some(m))) => {
                assert_eq!(e.extended_code, ffi::SQLITE_CONSTRAINT_UNIQUE);
                assert!(m.contains("UNIQUE constraint failed: t.k"), "{m}");
            }
            other => panic!("{other:?}"),
        }
        match st.execute(&[Val::Null]) {
            Err(rusqlite::Error::SqliteFailure(e, _)) => assert_eq!(e.extended_code, ffi::SQLITE_CONSTRAINT_NOTNULL),
            other => panic!("{other:?}"),
        }
        assert_eq!(st.execute(&[Val::Text("b")]).unwrap(), 1);
        assert!(st.bind_fixed(1, Val::Int(1)).is_err());
        assert!(BulkStatement::<2>::prepare(&conn, r#"INSERT INTO t ("k") VALUES (?1)"#, 1).is_err(), "more parameters than the SQL has");
        assert!(BulkStatement::<1>::prepare(&conn, "INSERT INTO nowhere VALUES (?1)", 1).is_err());
    }
}
