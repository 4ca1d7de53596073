//! The storage layer: the only code that knows the database library and its SQL.
//!
//! Business code (jobs, beans, senders, transfer, schedule, cli, the configuration check) works
//! through a [`Conn`] and named operations per aggregate in [`queries`] (schedules and job runs,
//! the transfer ledger, imports, transmissions, configuration lookups, the order read model) and
//! in [`state`] (the state transitions). No signature here has a type of the database library;
//! errors are [`StoreError`]s. A unit of work is explicit: [`Conn::write`] starts one and
//! returns a [`Tx`] that commits with [`Tx::commit`] and rolls back when dropped.
//!
//! Today's backend is SQLite (rusqlite). Every connection is opened the same way ([`open`]): WAL
//! mode, `foreign_keys=ON`, a busy timeout, and impex's SQL functions. Every write transaction
//! starts with `BEGIN IMMEDIATE`, so that concurrent processes queue for the write lock instead
//! of failing.
pub mod bulk;
pub mod dialect;
pub mod functions;
pub mod migrate;
pub mod pg;
pub mod queries;
pub mod script;
pub mod seed;
pub mod state;
mod stmt;

pub use stmt::{params, refs, Column, ColumnIndex, Optional, Param, Row};

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::OpenFlags;

pub use crate::error::{StoreError, StoreErrorKind};
use crate::error::{Error, Result};

/// Result of a storage operation.
pub type StoreResult<T> = std::result::Result<T, StoreError>;

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ffi::ErrorCode;
        let kind = match &e {
            rusqlite::Error::QueryReturnedNoRows => StoreErrorKind::NoRow,
            rusqlite::Error::SqliteFailure(f, _) => match f.code {
                ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked | ErrorCode::DiskFull => StoreErrorKind::Busy,
                ErrorCode::ConstraintViolation => StoreErrorKind::Constraint,
                _ => StoreErrorKind::Other,
            },
            _ => StoreErrorKind::Other,
        };
        StoreError { kind, message: e.to_string() }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::Storage(e.into())
    }
}

/// How long a connection waits for another process's write lock.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Compiled statements kept per connection (`prepare_cached`).
const STATEMENT_CACHE: usize = 128;

/// Page size of a new database: 64 KB, SQLite's largest, instead of its default 4 KB. A bulk
/// import writes its pages to the WAL, fsyncs and copies them into the database (checkpoint)
/// with a sixteenth of the system calls, and tables of wide rows need fewer B-tree pages and
/// balance operations (see docs/performance.md). A database made with another size keeps it
/// (docs/configuration.md says how to convert one).
pub const PAGE_SIZE: i64 = 65536;

/// A connection to the database: the storage handle business code holds. Not shared between
/// threads; each thread or job opens its own.
pub struct Conn {
    backend: Backend,
    path: PathBuf,
    /// The write gate of the file (None in memory).
    gate: Option<std::sync::Arc<WriteGate>>,
}

/// The database behind a [`Conn`].
enum Backend {
    Sqlite(rusqlite::Connection),
    /// A PostgreSQL session (docs/postgres.md): the generic statements below and the operations
    /// moved to them run here; the others are SQLite's only so far.
    Postgres(std::cell::RefCell<pg::Session>),
}

/// A unit of work (one file's import, one batch of transmissions, a script): started by
/// [`Conn::write`], holding the database's write lock until [`Tx::commit`]; dropped without a
/// commit, it rolls back. Every read operation of [`Conn`] works inside it too (deref).
pub struct Tx<'c> {
    conn: &'c Conn,
    open: bool,
    /// This process's turn at the database's write lock (released after the commit or the
    /// rollback, [`Drop`] order).
    _turn: Option<Turn>,
}

/// The writers of one process to one database file take turns here before `BEGIN IMMEDIATE`:
/// a waiting writer is woken the moment the one before it ends. Without it, concurrent writers
/// (the API's 16 connections) wait in SQLite's busy handler, which polls with sleeps of up to
/// 100 ms: under load most of a write's latency (docs/performance.md, "API"). Other processes
/// still queue through SQLite's lock. A writer that waited [`BUSY_TIMEOUT`] goes on without its
/// turn (SQLite's lock then decides, as before), so the gate can delay but never deadlock.
#[derive(Default)]
struct WriteGate {
    busy: std::sync::Mutex<bool>,
    free: std::sync::Condvar,
}

/// A writer's turn at its [`WriteGate`].
struct Turn(std::sync::Arc<WriteGate>);

impl WriteGate {
    /// The gate of a database file (one per path and process).
    fn of(path: &Path) -> std::sync::Arc<WriteGate> {
        static GATES: std::sync::Mutex<Vec<(PathBuf, std::sync::Arc<WriteGate>)>> = std::sync::Mutex::new(Vec::new());
        let mut gates = GATES.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, g)) = gates.iter().find(|(p, _)| p == path) {
            return g.clone();
        }
        let g = std::sync::Arc::new(WriteGate::default());
        gates.push((path.to_path_buf(), g.clone()));
        g
    }

    fn enter(gate: std::sync::Arc<WriteGate>) -> Option<Turn> {
        let busy = gate.busy.lock().unwrap_or_else(|p| p.into_inner());
        let (mut busy, _) = gate.free.wait_timeout_while(busy, BUSY_TIMEOUT, |b| *b).unwrap_or_else(|p| p.into_inner());
        if *busy {
            return None;
        }
        *busy = true;
        drop(busy);
        Some(Turn(gate))
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        *self.0.busy.lock().unwrap_or_else(|p| p.into_inner()) = false;
        self.0.free.notify_one();
    }
}

impl Conn {
    /// The library connection (storage layer only).
    /// On PostgreSQL this is a bug of the caller: the commands that reach SQLite-only
    /// operations refuse a PostgreSQL database before they open one.
    #[track_caller]
    pub(crate) fn sql(&self) -> &rusqlite::Connection {
        match &self.backend {
            Backend::Sqlite(c) => c,
            Backend::Postgres(_) => panic!("an operation that runs on SQLite only was called on PostgreSQL ({})", self.path.display()),
        }
    }

    /// The PostgreSQL session, if this is one.
    fn pg(&self) -> Option<std::cell::RefMut<'_, pg::Session>> {
        match &self.backend {
            Backend::Postgres(s) => Some(s.borrow_mut()),
            Backend::Sqlite(_) => None,
        }
    }

    /// Whether this is a PostgreSQL database.
    pub fn is_postgres(&self) -> bool {
        matches!(self.backend, Backend::Postgres(_))
    }

    /// Where the database is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Starts a unit of work that writes: `BEGIN IMMEDIATE` (waits up to [`BUSY_TIMEOUT`] for
    /// another process's write).
    pub fn write(&mut self) -> StoreResult<Tx<'_>> {
        if let Some(mut s) = self.pg() {
            s.write()?;
            drop(s);
            return Ok(Tx { conn: self, open: true, _turn: None });
        }
        let turn = self.gate.clone().and_then(WriteGate::enter);
        self.sql().execute_batch("BEGIN IMMEDIATE")?;
        Ok(Tx { conn: self, open: true, _turn: turn })
    }

    /// [`Conn::write`] for a unit of work whose every write is conditional on the rows it
    /// changes (an `UPDATE ... WHERE` of the state it read, inserts of rows no other process
    /// writes): on PostgreSQL the rows' own locks order it against other nodes, without the
    /// writers' turn that every other write unit of work takes (`Session::write_rows`). On
    /// SQLite the same as [`Conn::write`].
    pub fn write_rows(&mut self) -> StoreResult<Tx<'_>> {
        if let Some(mut s) = self.pg() {
            s.write_rows()?;
            drop(s);
            return Ok(Tx { conn: self, open: true, _turn: None });
        }
        self.write()
    }

    /// Starts a unit of work that reads one consistent snapshot (deferred `BEGIN`: other
    /// processes' commits after its first read are not seen until [`Tx::commit`]).
    pub fn snapshot(&mut self) -> StoreResult<Tx<'_>> {
        if let Some(mut s) = self.pg() {
            s.snapshot()?;
            drop(s);
            return Ok(Tx { conn: self, open: true, _turn: None });
        }
        self.sql().prepare_cached("BEGIN DEFERRED")?.execute([])?;
        Ok(Tx { conn: self, open: true, _turn: None })
    }

    /// How long this connection waits for another process's write lock (default
    /// [`BUSY_TIMEOUT`]).
    pub fn set_busy_timeout(&self, wait: Duration) -> StoreResult<()> {
        if self.is_postgres() {
            // (SQLite's setting; PostgreSQL has its own)
            return Ok(());
        }
        Ok(self.sql().busy_timeout(wait)?)
    }

    /// A unit of work in which the writer checks the references it writes itself: the
    /// database's per-row foreign key checks are off for its duration (bulk imports are about
    /// a third faster). `f` returns Ok to commit.
    pub fn write_trusted<T, E: From<StoreError>>(&mut self, trusted: bool, f: impl FnOnce(&Tx<'_>) -> std::result::Result<T, E>) -> std::result::Result<T, E> {
        let trusted = trusted && !self.is_postgres();
        if trusted {
            // (a no-op inside a transaction: set before BEGIN, reset after the end)
            self.sql().pragma_update(None, "foreign_keys", "OFF").map_err(StoreError::from)?;
        }
        let result = (|| {
            let tx = self.write()?;
            let v = f(&tx)?;
            tx.commit()?;
            Ok(v)
        })();
        if trusted {
            self.sql().pragma_update(None, "foreign_keys", "ON").map_err(StoreError::from)?;
        }
        result
    }

    /// Commits are durable before they return (an imported file moves to done/ after its
    /// commit: a power loss must not take the commit back). Without it a commit is durable at
    /// the next checkpoint.
    pub fn durable_commits(&self) -> StoreResult<()> {
        if self.is_postgres() {
            // (SQLite's setting; PostgreSQL has its own)
            return Ok(());
        }
        Ok(self.sql().pragma_update(None, "synchronous", "FULL")?)
    }

    /// The settings of the API's connections, whose requests each read a few rows at random
    /// places of large tables and run small statements with temporary b-trees
    /// (docs/performance.md, "API"):
    /// - `mmap_size` = `mapped_bytes`: pages come from a memory map of the file (the OS page
    ///   cache, shared by the process's connections) without a read call and a copy into the
    ///   connection's own page cache (2 MB: 31 pages of 64 KB). Writes still go through the WAL.
    /// - `temp_store = MEMORY`: the temporary b-trees of `DISTINCT`, `UNION`, materialized CTEs
    ///   and automatic indexes stay in memory; with the default (a temporary file with the
    ///   database's 64 KB pages) the rights query of every login took ~400 µs instead of ~25 µs.
    pub fn request_settings(&self, mapped_bytes: i64) -> StoreResult<()> {
        if self.is_postgres() {
            // (SQLite's setting; PostgreSQL has its own)
            return Ok(());
        }
        self.sql().pragma_update(None, "mmap_size", mapped_bytes)?;
        Ok(self.sql().pragma_update(None, "temp_store", "MEMORY")?)
    }

    /// This connection's commits no longer copy the WAL into the database file when it has
    /// grown past SQLite's 1,000 pages (a checkpoint, with its fsyncs, inside a commit); the
    /// holder calls [`Conn::checkpoint`] when it has time. The scheduler loop does so: a
    /// checkpoint inside its commits made every other round of 1,000 due schedules 20-30 ms
    /// later (docs/performance.md, "Scheduler"). Other connections checkpoint as before.
    pub fn defer_checkpoints(&self) -> StoreResult<()> {
        if self.is_postgres() {
            // (SQLite's setting; PostgreSQL has its own)
            return Ok(());
        }
        Ok(self.sql().pragma_update(None, "wal_autocheckpoint", 0)?)
    }

    /// Copies what it can of the WAL into the database file without waiting for readers or
    /// writers (`PRAGMA wal_checkpoint(PASSIVE)`).
    pub fn checkpoint(&self) -> StoreResult<()> {
        if self.is_postgres() {
            // (SQLite's setting; PostgreSQL has its own)
            return Ok(());
        }
        self.sql().query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// A bigger page cache (16 MB) for a long unit of work (a large file's import).
    pub fn large_cache(&self) {
        if self.is_postgres() {
            return;
        }
        let _ = self.sql().pragma_update(None, "cache_size", -16384);
    }

    /// Runs SQL statements without parameters. This and the other generic SQL methods below
    /// are for tests, fixtures and tools; business code uses the named operations of
    /// [`queries`] and [`state`] (a test keeps it so).
    pub fn execute_batch(&self, sql: &str) -> StoreResult<()> {
        if let Some(mut s) = self.pg() {
            return s.batch(sql);
        }
        Ok(self.sql().execute_batch(sql)?)
    }


    /// The first column of the first row of a query (NULL, no row: None).
    pub fn query_value(&self, sql: &str, params: &[&dyn Param]) -> StoreResult<Value> {
        Ok(self.query_rows(sql, params)?.into_iter().next().and_then(|r| r.into_iter().next()).unwrap_or(Value::Null))
    }

    /// An integer the query returns (a count, an id). No row or NULL is an error.
    pub fn query_i64(&self, sql: &str, params: &[&dyn Param]) -> StoreResult<i64> {
        match self.query_value(sql, params)? {
            Value::Integer(i) => Ok(i),
            other => Err(StoreError::new(StoreErrorKind::NoRow, format!("expected an integer, got {other:?}"))),
        }
    }

    /// Every row of a query as values.
    pub fn query_rows(&self, sql: &str, params: &[&dyn Param]) -> StoreResult<Vec<Vec<Value>>> {
        self.query_map(sql, params, |r| (0..r.len()).map(|i| r.get::<Value>(i)).collect())
    }
}

impl<'c> Tx<'c> {
    /// Commits the unit of work.
    pub fn commit(mut self) -> StoreResult<()> {
        self.open = false;
        if let Some(mut s) = self.conn.pg() {
            return s.commit();
        }
        self.conn.sql().prepare_cached("COMMIT")?.execute([])?;
        Ok(())
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if self.open {
            match self.conn.pg() {
                Some(mut s) => {
                    let _ = s.rollback();
                }
                None => {
                    let _ = self.conn.sql().execute_batch("ROLLBACK");
                }
            }
        }
    }
}

impl std::ops::Deref for Tx<'_> {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        self.conn
    }
}

/// A value of a column or parameter, independent of the database library.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl Value {
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Integer(i) => Some(*i),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }
}

/// A Rust value usable as a statement parameter.
pub trait ToValue {
    fn to_value(&self) -> Value;
}

impl ToValue for Value {
    fn to_value(&self) -> Value {
        self.clone()
    }
}
impl ToValue for i64 {
    fn to_value(&self) -> Value {
        Value::Integer(*self)
    }
}
impl ToValue for i32 {
    fn to_value(&self) -> Value {
        Value::Integer(*self as i64)
    }
}
impl ToValue for f64 {
    fn to_value(&self) -> Value {
        Value::Real(*self)
    }
}
impl ToValue for bool {
    fn to_value(&self) -> Value {
        Value::Integer(*self as i64)
    }
}
impl ToValue for str {
    fn to_value(&self) -> Value {
        Value::Text(self.to_string())
    }
}
impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}
impl ToValue for u32 {
    fn to_value(&self) -> Value {
        Value::Integer(*self as i64)
    }
}
impl ToValue for [u8] {
    fn to_value(&self) -> Value {
        Value::Blob(self.to_vec())
    }
}
impl ToValue for Vec<u8> {
    fn to_value(&self) -> Value {
        Value::Blob(self.clone())
    }
}
impl ToValue for String {
    fn to_value(&self) -> Value {
        Value::Text(self.clone())
    }
}
impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value {
        self.as_ref().map_or(Value::Null, |v| v.to_value())
    }
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => ValueRef::Null,
            Value::Integer(i) => ValueRef::Integer(*i),
            Value::Real(f) => ValueRef::Real(*f),
            Value::Text(s) => ValueRef::Text(s.as_bytes()),
            Value::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

impl rusqlite::types::FromSql for Value {
    fn column_result(v: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        use rusqlite::types::ValueRef;
        Ok(match v {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(i) => Value::Integer(i),
            ValueRef::Real(f) => Value::Real(f),
            ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
            ValueRef::Blob(b) => Value::Blob(b.to_vec()),
        })
    }
}

/// This process's identity as its locks name it (`host:pid:start`, set by the scheduler's lock
/// code). On PostgreSQL every connection of the process holds a shared advisory lock on it
/// from its first unit of work to its end ([`queries::heartbeat::holder_alive`]): another node
/// sees the process gone the moment the server has closed its last connection.
pub fn set_process_identity(id: &str) {
    let _ = PROCESS_IDENTITY.set(id.to_string());
}

static PROCESS_IDENTITY: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// See [`set_process_identity`].
pub(crate) fn process_identity() -> Option<&'static str> {
    PROCESS_IDENTITY.get().map(String::as_str)
}

/// The database named by `--db`: a SQLite file's path as it is, or for a PostgreSQL URL the URL
/// without its password (the name every command, job and log line carries). The URL itself, with
/// any password, is kept in this process only ([`open_existing`] finds it by that name), so a
/// password never travels with the name into a message.
pub fn location(arg: &Path) -> Result<PathBuf> {
    match arg.to_str().filter(|s| pg::target::is_url(s)) {
        Some(url) => {
            let target = pg::Target::parse(url)?;
            let name = PathBuf::from(target.shown());
            targets().lock().unwrap_or_else(|p| p.into_inner()).retain(|t| t.shown() != target.shown());
            targets().lock().unwrap_or_else(|p| p.into_inner()).push(target);
            Ok(name)
        }
        None => Ok(arg.to_path_buf()),
    }
}

fn targets() -> &'static std::sync::Mutex<Vec<pg::Target>> {
    static TARGETS: std::sync::Mutex<Vec<pg::Target>> = std::sync::Mutex::new(Vec::new());
    &TARGETS
}

/// The PostgreSQL database a [`location`] names, if it names one.
fn postgres_target(path: &Path) -> Result<Option<pg::Target>> {
    let Some(name) = path.to_str().filter(|s| pg::target::is_url(s)) else { return Ok(None) };
    if let Some(t) = targets().lock().unwrap_or_else(|p| p.into_inner()).iter().find(|t| t.shown() == name) {
        return Ok(Some(t.clone()));
    }
    Ok(Some(pg::Target::parse(name)?))
}

/// Log targets of the database client that log statements with their parameters at debug and
/// below (password hashes, partners' passwords): the logging setup keeps them at info at most.
pub const QUIET_LOG_TARGETS: [&str; 2] = ["tokio_postgres", "postgres"];

/// Whether `path` names a PostgreSQL database (see [`location`]).
pub fn is_postgres_location(path: &Path) -> bool {
    path.to_str().is_some_and(pg::target::is_url)
}

/// Opens (creating if needed) the database at `path` with impex's connection settings. Does
/// not create or upgrade the schema: see [`migrate::init`] and [`open_existing`].
pub fn open(path: &Path) -> Result<Conn> {
    if let Some(target) = postgres_target(path)? {
        return connect(&target);
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let created = !path.exists();
    let db_err = |e: rusqlite::Error| Error::Database { path: path.to_path_buf(), reason: e.to_string() };
    let conn = rusqlite::Connection::open_with_flags(path, flags).map_err(db_err)?;
    if created {
        restrict_permissions(path);
        // Before anything is written (afterwards, and in WAL mode, SQLite keeps the size it has).
        conn.pragma_update(None, "page_size", PAGE_SIZE).map_err(db_err)?;
    }
    configure(&conn).map_err(db_err)?;
    Ok(Conn { backend: Backend::Sqlite(conn), path: path.to_path_buf(), gate: Some(WriteGate::of(path)) })
}

/// A connection to a PostgreSQL database that has impex's schema (`impex init --db
/// postgres://...`). Its [`Conn::path`] is the URL without the password.
pub fn connect(target: &pg::Target) -> Result<Conn> {
    let mut session = pg::Session::connect(target)?;
    let have = session.schema_version()?;
    if have != pg::VERSION {
        return Err(Error::Other(format!("{} has impex schema version {have}, this impex needs {}; run `impex init`", target.shown(), pg::VERSION)));
    }
    Ok(Conn { backend: Backend::Postgres(std::cell::RefCell::new(session)), path: PathBuf::from(target.shown()), gate: None })
}

/// A connection for tests and tools that need the library itself (the integration tests'
/// fixtures): opened like every other, with impex's SQL functions.
#[doc(hidden)]
pub fn open_library_connection(path: &Path) -> Result<rusqlite::Connection> {
    match open(path)?.backend {
        Backend::Sqlite(c) => Ok(c),
        Backend::Postgres(_) => unreachable!("open() opens SQLite"),
    }
}

/// The database holds partner passwords: a new database file is readable by its owner only.
fn restrict_permissions(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
}

fn configure(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // "double quotes" name identifiers only, as in PostgreSQL (no string-literal fallback)
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_DQS_DML, false)?;
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_DQS_DDL, false)?;
    // Plans that do not depend on bound values. Without it, SQLite marks statements with a
    // `col = ?` term for re-preparation when their parameters are cleared, which rusqlite's
    // statement cache does on every return: each cached statement was compiled again per use.
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    // An order of the order service runs some 40 distinct statements (lookups, one insert per
    // table and column set, the ATP's): rusqlite's default cache of 16 compiled them anew each time.
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    functions::register(conn)?;
    Ok(())
}

/// Opens a database that `impex init` has created, upgrading its schema if an older impex made
/// it. A missing file is an error that says to run `impex init`.
pub fn open_existing(path: &Path) -> Result<Conn> {
    if let Some(target) = postgres_target(path)? {
        return connect(&target);
    }
    if !path.exists() {
        return Err(Error::Database {
            path: path.to_path_buf(),
            reason: "no such database; create it with `impex init`".into(),
        });
    }
    let mut conn = open(path)?;
    let v = migrate::version(&conn)?;
    if v == 0 {
        return Err(Error::Database {
            path: path.to_path_buf(),
            reason: "not an impex database (schema version 0); create it with `impex init`".into(),
        });
    }
    if v < migrate::LATEST {
        migrate::upgrade(&mut conn)?;
    } else if v > migrate::LATEST {
        return Err(Error::Database {
            path: path.to_path_buf(),
            reason: format!("made by a newer impex (schema version {v}, this impex knows {})", migrate::LATEST),
        });
    }
    Ok(conn)
}

/// A database in memory with impex's SQL functions and no tables (tools and fuzzing).
pub fn open_in_memory() -> Result<Conn> {
    let sql = rusqlite::Connection::open_in_memory()?;
    functions::register(&sql)?;
    Ok(Conn { backend: Backend::Sqlite(sql), path: PathBuf::from(":memory:"), gate: None })
}

/// A database in memory with the schema (unit tests).
#[cfg(test)]
pub(crate) fn memory() -> Conn {
    let sql = rusqlite::Connection::open_in_memory().unwrap();
    functions::register(&sql).unwrap();
    sql.execute_batch(migrate::SCHEMA).unwrap();
    Conn { backend: Backend::Sqlite(sql), path: PathBuf::from(":memory:"), gate: None }
}

/// Where the database is: `--db`, env `IMPEX_DB`, default `./impex.db`.
pub fn default_path() -> PathBuf {
    PathBuf::from("impex.db")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The storage handle's contract, which every backend keeps: a unit of work commits with
    /// `commit` and leaves nothing when dropped; a trusted one has the per-row reference checks
    /// off inside and on again after; failures come with a kind.
    #[test]
    fn units_of_work_commit_roll_back_and_report_kinds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let mut conn = open(&path).unwrap();
        migrate::init(&mut conn).unwrap();
        let carriers = |c: &Conn| c.query_i64(r#"SELECT count(*) FROM "CarrierDO""#, &[]).unwrap();
        {
            let tx = conn.write().unwrap();
            tx.execute(r#"INSERT INTO "CarrierDO" ("id", "name") VALUES (1, 'kept')"#, &[]).unwrap();
            tx.commit().unwrap();
        }
        {
            let tx = conn.write().unwrap();
            tx.execute(r#"INSERT INTO "CarrierDO" ("id", "name") VALUES (2, 'dropped')"#, &[]).unwrap();
        }
        assert_eq!(carriers(&conn), 1, "a dropped unit of work leaves nothing");

        // a dangling reference: refused normally, accepted in a trusted unit of work
        let dangling = r#"INSERT INTO "OrderDO" ("shopRef", "shopOrderNo", "currency", "orderCreationDate") VALUES (424242, 'x', 'EUR', now())"#;
        let e = conn.execute(dangling, &[]).unwrap_err();
        assert_eq!(e.kind, StoreErrorKind::Constraint, "{e}");
        conn.write_trusted(true, |tx| tx.execute(dangling, &[]).map(|_| ())).unwrap();
        let e = conn.execute(dangling, &[]).unwrap_err();
        assert_eq!(e.kind, StoreErrorKind::Constraint, "reference checks are on again after a trusted unit of work: {e}");

        // another process holds the write lock longer than this connection waits: Busy
        let other = rusqlite::Connection::open(&path).unwrap();
        other.execute_batch("BEGIN IMMEDIATE").unwrap();
        conn.set_busy_timeout(Duration::from_millis(50)).unwrap();
        let e = conn.write().err().expect("the write lock is taken");
        assert!(e.is_busy(), "{e:?}");
        other.execute_batch("ROLLBACK").unwrap();
        assert!(conn.write().is_ok());
    }

    /// A cached statement is compiled once, however often it runs with other values. (Without
    /// QPSG, SQLite expired a statement like this one each time rusqlite's cache cleared its
    /// bindings, and the sending job compiled its queries again for every transmission.)
    #[test]
    fn cached_statements_are_not_recompiled_per_use() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = open(&dir.path().join("t.db")).unwrap();
        migrate::init(&mut conn).unwrap();
        let conn = conn.sql();
        let sql = r#"SELECT d.*, o."shopRef" FROM "DispatchDO" d JOIN "OrderDO" o ON o."id" = d."orderRef" WHERE d."id" = ?1"#;
        for id in 0..5i64 {
            let mut st = conn.prepare_cached(sql).unwrap();
            let _ = st.query_row([id], |_| Ok(())).ok();
        }
        let st = conn.prepare_cached(sql).unwrap();
        assert_eq!(st.get_status(rusqlite::StatementStatus::RePrepare), 0, "the cached statement was compiled again");
    }

    /// A new database has impex's page size (set before its first write: WAL mode would keep
    /// SQLite's default); an existing one keeps its own.
    #[test]
    fn new_database_has_the_page_size_and_an_old_one_keeps_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let mut conn = open(&path).unwrap();
        migrate::init(&mut conn).unwrap();
        drop(conn);
        let conn = open_library_connection(&path).unwrap();
        let size: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap();
        assert_eq!(size, PAGE_SIZE);
        let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");

        let old = dir.path().join("old.db");
        let c = rusqlite::Connection::open(&old).unwrap();
        c.execute_batch("PRAGMA page_size = 4096; CREATE TABLE t (x); PRAGMA journal_mode = WAL;").unwrap();
        drop(c);
        let conn = open_library_connection(&old).unwrap();
        let size: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap();
        assert_eq!(size, 4096);
    }
}
