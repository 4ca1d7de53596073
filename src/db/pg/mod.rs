//! The PostgreSQL backend (docs/postgres.md): `--db postgres://...` ([`target`]), impex's
//! schema in IOM's schemas and types made from `schema.sql` ([`schema`]), the helper functions
//! real project scripts call (functions.sql), and `impex sql` passing scripts to the server as
//! they are ([`script`]).
//!
//! What runs on PostgreSQL today: `impex init` and `impex sql`. The engine's other commands
//! (`run`, `serve`, imports, sending) work on SQLite only, and say so when given a URL.
pub mod moving;
pub mod schema;
pub mod script;
pub mod session;
pub mod target;

pub use session::Session;
pub use target::Target;

use crate::db::script::Source;
use crate::error::{Error, Result};

/// The schema version impex writes on PostgreSQL (the same numbering as SQLite's).
pub const VERSION: i64 = crate::db::migrate::LATEST;

const FUNCTIONS: &str = include_str!("functions.sql");

/// A client error as an operator reads it: the server's message with its detail, hint and
/// context, or the connection's error. Never a password (the server does not echo one).
pub fn describe(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(d) => {
            let mut s = format!("{} ({})", d.message(), d.code().code());
            if let Some(detail) = d.detail() {
                s.push_str(&format!("; detail: {detail}"));
            }
            if let Some(hint) = d.hint() {
                s.push_str(&format!("; hint: {hint}"));
            }
            if let Some(w) = d.where_() {
                s.push_str(&format!("; where: {}", w.replace('\n', " / ")));
            }
            s
        }
        None => {
            let mut s = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(inner) = source {
                s.push_str(&format!(": {inner}"));
                source = inner.source();
            }
            s
        }
    }
}

fn failed(what: &str, e: postgres::Error) -> Error {
    Error::Other(format!("{what}: {}", describe(&e)))
}

/// The schema version of the database (0: no impex schema yet).
pub fn version(client: &mut postgres::Client) -> Result<i64> {
    let exists: bool = client
        .query_one("SELECT to_regclass('oms.\"impexSchemaVersion\"') IS NOT NULL", &[])
        .map_err(|e| failed("reading the schema version", e))?
        .get(0);
    if !exists {
        return Ok(0);
    }
    let row = client.query_opt(r#"SELECT "version" FROM oms."impexSchemaVersion""#, &[]).map_err(|e| failed("reading the schema version", e))?;
    Ok(row.map(|r| r.get::<_, i64>(0)).unwrap_or(0))
}

/// Creates impex's schema in an empty database, or checks that an existing one is this
/// version's; then loads the reference rows. Returns what it did, one line per change.
pub fn init(target: &Target, demo: bool, base: Option<&str>) -> Result<Vec<String>> {
    let mut client = target.connect()?;
    let mut lines = Vec::new();
    let have = version(&mut client)?;
    if have > VERSION {
        return Err(Error::Other(format!(
            "the database {} was made by a newer impex (schema version {have}, this impex knows {VERSION})",
            target.shown()
        )));
    }
    if have != 0 && have < VERSION {
        return Err(Error::Other(format!(
            "the database {} has impex schema version {have}; upgrading a PostgreSQL schema is not supported yet (this impex writes {VERSION})",
            target.shown()
        )));
    }
    if have == 0 {
        let ddl = schema::ddl(crate::db::migrate::SCHEMA);
        let mut tx = client.transaction().map_err(|e| failed("starting the schema's transaction", e))?;
        for stmt in &ddl.statements {
            tx.batch_execute(stmt).map_err(|e| Error::Other(format!("creating the schema: {}\nin: {stmt}", describe(&e))))?;
        }
        tx.batch_execute(FUNCTIONS).map_err(|e| failed("creating the helper functions (src/db/pg/functions.sql)", e))?;
        tx.batch_execute(&format!(
            r#"CREATE TABLE oms."impexSchemaVersion" ("version" int8 NOT NULL);
               INSERT INTO oms."impexSchemaVersion" ("version") VALUES ({VERSION});"#
        ))
        .map_err(|e| failed("recording the schema version", e))?;
        tx.commit().map_err(|e| failed("committing the schema", e))?;
        lines.push(format!("created impex schema version {VERSION} in {} ({} tables in {})", target.shown(), ddl.tables.len(), target::SCHEMAS.join(", ")));
        lines.push(set_search_path(&mut client));
    }
    let mut sources = vec![Source { name: "seed/reference.sql".into(), text: seed_for_postgres(crate::db::seed::REFERENCE) }];
    if demo {
        sources.push(Source { name: "seed/demo.sql".into(), text: seed_for_postgres(crate::db::seed::DEMO) });
    }
    let summary = script::run(&mut client, &sources)?;
    if summary.rows_changed > 0 {
        lines.push(format!("loaded {} {}rows", summary.rows_changed, if demo { "reference and demo " } else { "reference " }));
    }
    let current: Option<String> = client
        .query_opt(r#"SELECT "omtBasePath" FROM oms."PlatformConfigDO" ORDER BY "id" LIMIT 1"#, &[])
        .map_err(|e| failed("reading the base directory", e))?
        .map(|r| r.get(0));
    let wanted = base.map(str::to_string).or_else(|| current.is_none().then(|| "impex-base".to_string()));
    if let Some(b) = wanted.filter(|b| Some(b) != current.as_ref()) {
        client
            .execute(
                r#"INSERT INTO oms."PlatformConfigDO" ("id", "omtBasePath") VALUES (1, $1)
                   ON CONFLICT ("id") DO UPDATE SET "omtBasePath" = EXCLUDED."omtBasePath", "modificationDate" = now()"#,
                &[&b],
            )
            .map_err(|e| failed("setting the base directory", e))?;
        lines.push(format!("base directory (\"PlatformConfigDO\".\"omtBasePath\") set to {b}"));
    }
    if lines.is_empty() {
        lines.push(format!("database {} is up to date (schema version {VERSION}); nothing changed", target.shown()));
    }
    Ok(lines)
}

/// Sets the `search_path` of the connected user in this database to IOM's schemas, so that
/// psql sessions find the tables without a schema prefix, as impex's own sessions do. Returns
/// what it did (a user without the right gets the `SET` to use instead).
pub fn set_search_path(client: &mut postgres::Client) -> String {
    let path = target::SCHEMAS.iter().chain(["public"].iter()).copied().collect::<Vec<_>>().join(", ");
    match client.batch_execute(&format!("DO $$ BEGIN EXECUTE format('ALTER ROLE CURRENT_USER IN DATABASE %I SET search_path = {path}', current_database()); END $$")) {
        Ok(()) => format!("search_path of this user in this database set to {path}"),
        Err(e) => format!("search_path not set for this user ({}); psql users set it themselves: SET search_path = {path}", describe(&e)),
    }
}

/// impex's seed files in PostgreSQL's words: `INSERT OR IGNORE INTO ... ;` is
/// `INSERT INTO ... ON CONFLICT DO NOTHING;`.
pub fn seed_for_postgres(text: &str) -> String {
    let Ok(pieces) = script::split(text) else { return text.to_string() };
    let mut out = String::with_capacity(text.len() + 64 * pieces.len());
    let mut line = 1;
    for p in pieces {
        // keep the lines where they were, so that errors name the seed file's lines
        while line < p.line {
            out.push('\n');
            line += 1;
        }
        line += p.text.matches('\n').count();
        match p.text.strip_prefix("INSERT OR IGNORE INTO") {
            Some(rest) => out.push_str(&format!("INSERT INTO{rest} ON CONFLICT DO NOTHING;")),
            None => out.push_str(&format!("{};", p.text)),
        }
    }
    out
}

/// Runs scripts on the server as they are ([`script::run`]).
pub fn run_scripts(target: &Target, sources: &[Source]) -> Result<crate::db::script::Summary> {
    let mut client = target.connect()?;
    if version(&mut client)? == 0 {
        return Err(Error::Other(format!("{} has no impex schema; run `impex init --db {}` first", target.shown(), target.shown())));
    }
    script::run(&mut client, sources)
}
