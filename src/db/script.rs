//! Running SQL scripts (`impex sql`, seeds, `jobs/`): all files of one invocation in one
//! transaction; the first failing statement rolls everything back and is reported with its
//! file, line, first line and an explained reason.
use crate::db::Conn;

use super::dialect::{self, Statement};
use crate::error::{Error, Result};

/// One script: a name for messages (a path or `<stdin>`) and its text.
pub struct Source {
    pub name: String,
    pub text: String,
}

/// What a successful run did.
#[derive(Debug, Default, Clone, Copy)]
pub struct Summary {
    pub statements: usize,
    pub rows_changed: usize,
}

/// Runs `sources` in one `BEGIN IMMEDIATE` transaction. On any error nothing is applied.
pub fn run(conn: &mut Conn, sources: &[Source]) -> Result<Summary> {
    // Split everything first: a script that cannot even be split changes nothing.
    let mut parsed: Vec<(&Source, Vec<Statement>)> = Vec::new();
    for src in sources {
        let stmts = dialect::split(&src.text).map_err(|e| Error::Script {
            file: src.name.clone(),
            line: e.line,
            first_line: src.text.lines().nth(e.line - 1).unwrap_or("").trim().to_string(),
            reason: e.reason,
        })?;
        parsed.push((src, stmts));
    }
    let tx = conn.write()?;
    let mut summary = Summary::default();
    for (src, stmts) in &parsed {
        for stmt in stmts {
            match run_one(tx.sql(), &stmt.sql) {
                Ok(changed) => {
                    summary.statements += 1;
                    summary.rows_changed += changed;
                }
                Err(e) => {
                    let reason = dialect::explain(&tx, stmt, &e.into());
                    drop(tx); // rolls back
                    return Err(Error::Script {
                        file: src.name.clone(),
                        line: stmt.line,
                        first_line: stmt.first_line.clone(),
                        reason,
                    });
                }
            }
        }
    }
    tx.commit()?;
    Ok(summary)
}

/// Runs one statement, stepping through any rows it returns (e.g. `SELECT setval(..)`).
fn run_one(conn: &rusqlite::Connection, sql: &str) -> rusqlite::Result<usize> {
    let mut st = conn.prepare(sql)?;
    if st.readonly() || st.column_count() > 0 {
        let mut rows = st.raw_query();
        while rows.next()?.is_some() {}
        Ok(0)
    } else {
        Ok(st.raw_execute()?)
    }
}
