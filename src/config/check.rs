//! `impex check`: validates the configuration and lists every problem with table, id, column
//! and reason. Read-only.
use rusqlite::Connection;

/// One configuration problem.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    pub table: String,
    pub id: Option<i64>,
    pub column: String,
    pub reason: String,
    /// A warning does not make `impex check` fail (e.g. file permissions).
    pub warning: bool,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let id = self.id.map(|i| format!(" id {i}")).unwrap_or_default();
        let level = if self.warning { "warning: " } else { "" };
        write!(f, "{level}\"{}\"{id} \"{}\": {}", self.table, self.column, self.reason)
    }
}

fn problem(table: &str, id: Option<i64>, column: &str, reason: impl Into<String>) -> Problem {
    Problem { table: table.into(), id, column: column.into(), reason: reason.into(), warning: false }
}

/// Runs every check. Problems come sorted by table and id.
pub fn check(conn: &Connection) -> rusqlite::Result<Vec<Problem>> {
    let mut out = Vec::new();
    schedules(conn, &mut out)?;
    regexes(conn, &mut out)?;
    beans(conn, &mut out)?;
    retry_delays(conn, &mut out)?;
    foreign_keys(conn, &mut out)?;
    payment_mappings(conn, &mut out)?;
    base_path(conn, &mut out)?;
    out.sort_by(|a, b| (a.warning, &a.table, a.id, &a.column).cmp(&(b.warning, &b.table, b.id, &b.column)));
    out.dedup();
    Ok(out)
}

fn schedules(conn: &Connection, out: &mut Vec<Problem>) -> rusqlite::Result<()> {
    let mut st = conn.prepare(
        r#"SELECT s."id", s."cron", s."jobDefRef", s."configId", s."retryDelay", s."expectedRuntime",
                  (SELECT count(*) FROM "FileTransferConfigurationDO" f WHERE f."id" = s."configId")
           FROM "ScheduleDO" s ORDER BY s."id""#,
    )?;
    let rows = st.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, Option<i64>>(3)?,
            r.get::<_, Option<String>>(4)?,
            r.get::<_, Option<i64>>(5)?,
            r.get::<_, i64>(6)?,
        ))
    })?;
    for row in rows {
        let (id, cron, job, config, delay, _runtime, ftc) = row?;
        if let Err(e) = crate::schedule::cron::parse(&cron) {
            out.push(problem("ScheduleDO", Some(id), "cron", e));
        }
        if crate::jobs::lookup(job).is_none() {
            out.push(problem("ScheduleDO", Some(id), "jobDefRef", format!("no job with JobDefDO id {job} is known to this impex")));
        }
        if job == 3 {
            match config {
                None => out.push(problem("ScheduleDO", Some(id), "configId", "the FTP job (jobDefRef 3) needs configId = a \"FileTransferConfigurationDO\" id")),
                Some(c) if ftc == 0 => out.push(problem("ScheduleDO", Some(id), "configId", format!("no \"FileTransferConfigurationDO\" with id {c}"))),
                _ => {}
            }
        }
        if let Some(d) = delay {
            if crate::time::parse_delay(&d).is_none() {
                out.push(problem("ScheduleDO", Some(id), "retryDelay", format!("`{d}` is not of the form <n>s, <n>m, <n>h or <n>d")));
            }
        }
    }
    Ok(())
}

fn regexes(conn: &Connection, out: &mut Vec<Problem>) -> rusqlite::Result<()> {
    let mut check = |table: &str, column: &str, sql: &str| -> rusqlite::Result<()> {
        let mut st = conn.prepare(sql)?;
        let rows = st.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Option<String>>(1)?)))?;
        for row in rows {
            let (id, re) = row?;
            if let Some(re) = re {
                if let Err(e) = regex::Regex::new(&re) {
                    out.push(problem(table, Some(id), column, format!("invalid regex `{re}`: {}", first_line(&e.to_string()))));
                }
            }
        }
        Ok(())
    };
    check("TransformerProcessDO", "filenameRegex", r#"SELECT "id", "filenameRegex" FROM "TransformerProcessDO""#)?;
    check(
        "ExecutionBeanValueDO",
        "parameterValue",
        r#"SELECT v."id", v."parameterValue" FROM "ExecutionBeanValueDO" v
           JOIN "ExecutionBeanKeyDefDO" k ON k."id" = v."executionBeanKeyDefRef"
           WHERE k."parameterKey" LIKE '%Regex'"#,
    )?;
    check(
        "TransformerProcessParameterDO",
        "parameterValue",
        r#"SELECT "id", "parameterValue" FROM "TransformerProcessParameterDO" WHERE "transformerProcessesParameterKeyDefRef" = 4"#,
    )?;
    Ok(())
}

/// Every transformer process names a bean this impex implements.
fn beans(conn: &Connection, out: &mut Vec<Problem>) -> rusqlite::Result<()> {
    let mut st = conn.prepare(r#"SELECT "id", "transformerBeanDefRef" FROM "TransformerProcessDO" ORDER BY "id""#)?;
    let rows = st.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))?;
    for row in rows {
        let (id, bean) = row?;
        if crate::transform::bean(bean).is_none() {
            out.push(problem("TransformerProcessDO", Some(id), "transformerBeanDefRef", format!("no transformer bean with TransformerBeanDefDO id {bean} is implemented by this impex")));
        }
    }
    Ok(())
}

fn first_line(s: &str) -> String {
    s.lines().rfind(|l| !l.trim().is_empty()).unwrap_or(s).trim().to_string()
}

fn retry_delays(conn: &Connection, out: &mut Vec<Problem>) -> rusqlite::Result<()> {
    let mut st = conn.prepare(r#"SELECT "id", "retryDelay" FROM "CommunicationPartnerDO""#)?;
    let rows = st.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Option<String>>(1)?)))?;
    for row in rows {
        let (id, d) = row?;
        let d = d.unwrap_or_default();
        if crate::time::parse_delay(&d).is_none() {
            out.push(problem("CommunicationPartnerDO", Some(id), "retryDelay", format!("`{d}` is not of the form <n>s, <n>m, <n>h or <n>d")));
        }
    }
    Ok(())
}

/// Rows whose references point nowhere (possible when rows were written with foreign keys off,
/// as the plain `sqlite3` shell does by default).
fn foreign_keys(conn: &Connection, out: &mut Vec<Problem>) -> rusqlite::Result<()> {
    let mut st = conn.prepare("PRAGMA foreign_key_check")?;
    let rows = st.query_map([], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, Option<i64>>(1)?, r.get::<_, String>(2)?, r.get::<_, i64>(3)?))
    })?;
    for row in rows {
        let (table, rowid, parent, fkid) = row?;
        let (column, value) = fk_column(conn, &table, fkid, rowid).unwrap_or_default();
        out.push(problem(&table, rowid, &column, format!("refers to \"{parent}\" {value}, which does not exist")));
    }
    Ok(())
}

fn fk_column(conn: &Connection, table: &str, fkid: i64, rowid: Option<i64>) -> Option<(String, String)> {
    let mut st = conn.prepare(&format!("PRAGMA foreign_key_list(\"{table}\")")).ok()?;
    let col: String = st
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(3)?)))
        .ok()?
        .filter_map(Result::ok)
        .find(|(id, _)| *id == fkid)?
        .1;
    let value: Option<String> = rowid.and_then(|rid| {
        conn.query_row(&format!("SELECT CAST(\"{col}\" AS TEXT) FROM \"{table}\" WHERE rowid = ?1"), [rid], |r| r.get(0)).ok()
    });
    Some((col, format!("id {}", value.unwrap_or_default())))
}

/// A payment method used by a shop's orders needs an export/import name at every finance
/// controller of that shop.
fn payment_mappings(conn: &Connection, out: &mut Vec<Problem>) -> rusqlite::Result<()> {
    let mut st = conn.prepare(
        r#"SELECT DISTINCT s2f."financeControllerRef", fc."name", o."shopRef", o."paymentDefRef", p."name"
           FROM "OrderDO" o
           JOIN "Shop2FinanceControllerDO" s2f ON s2f."shopRef" = o."shopRef"
           JOIN "FinanceControllerDO" fc ON fc."id" = s2f."financeControllerRef"
           LEFT JOIN "PaymentDefDO" p ON p."id" = o."paymentDefRef"
           WHERE o."paymentDefRef" IS NOT NULL
             AND NOT EXISTS (SELECT 1 FROM "FinanceController2PaymentDefDO" m
                             WHERE m."financeControllerRef" = s2f."financeControllerRef"
                               AND m."paymentDefRef" = o."paymentDefRef")
           ORDER BY 1, 4"#,
    )?;
    let rows = st.query_map([], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?, r.get::<_, i64>(3)?, r.get::<_, Option<String>>(4)?))
    })?;
    for row in rows {
        let (fc, fc_name, shop, pay, pay_name) = row?;
        out.push(problem(
            "FinanceController2PaymentDefDO",
            None,
            "paymentDefRef",
            format!(
                "orders of shop {shop} use payment method {pay} ({}), but finance controller {fc} ('{fc_name}') has no mapping for it: add a \"FinanceController2PaymentDefDO\" row (financeControllerRef {fc}, paymentDefRef {pay})",
                pay_name.unwrap_or_else(|| "unknown".into())
            ),
        ));
    }
    Ok(())
}

fn base_path(conn: &Connection, out: &mut Vec<Problem>) -> rusqlite::Result<()> {
    match crate::db::queries::config::base_path(conn)? {
        None => out.push(problem("PlatformConfigDO", None, "omtBasePath", "no base directory configured: run `impex init --base DIR`")),
        Some(p) if !p.is_dir() => out.push(problem("PlatformConfigDO", Some(1), "omtBasePath", format!("{} is not a directory", p.display()))),
        _ => {}
    }
    Ok(())
}

/// Warns when the database file (it holds partner passwords) is readable by others.
pub fn file_permissions(db_path: &std::path::Path) -> Vec<Problem> {
    let mut out = Vec::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(m) = std::fs::metadata(db_path) {
            let mode = m.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                out.push(Problem {
                    table: "(file)".into(),
                    id: None,
                    column: db_path.display().to_string(),
                    reason: format!("the database holds partner passwords but has mode {mode:o}; run chmod 600"),
                    warning: true,
                });
            }
        }
    }
    out
}
