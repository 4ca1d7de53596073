//! `impex check`: validates the configuration and lists every problem with table, id, column
//! and reason. Read-only.
use crate::db::queries::check as q;
use crate::db::{Conn, StoreResult};

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
pub fn check(conn: &Conn) -> StoreResult<Vec<Problem>> {
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

fn schedules(conn: &Conn, out: &mut Vec<Problem>) -> StoreResult<()> {
    for s in q::schedules(conn)? {
        let id = s.id;
        if let Err(e) = crate::schedule::cron::parse(&s.cron) {
            out.push(problem("ScheduleDO", Some(id), "cron", e));
        }
        let job = s.job_def_ref;
        if crate::jobs::lookup(job).is_none() {
            out.push(problem("ScheduleDO", Some(id), "jobDefRef", format!("no job with JobDefDO id {job} is known to this impex")));
        }
        if job == 3 {
            match s.config_id {
                None => out.push(problem("ScheduleDO", Some(id), "configId", "the FTP job (jobDefRef 3) needs configId = a \"FileTransferConfigurationDO\" id")),
                Some(c) if !s.transfer_config_exists => out.push(problem("ScheduleDO", Some(id), "configId", format!("no \"FileTransferConfigurationDO\" with id {c}"))),
                _ => {}
            }
        }
        if let Some(d) = s.retry_delay {
            if crate::time::parse_delay(&d).is_none() {
                out.push(problem("ScheduleDO", Some(id), "retryDelay", format!("`{d}` is not of the form <n>s, <n>m, <n>h or <n>d")));
            }
        }
    }
    Ok(())
}

fn regexes(conn: &Conn, out: &mut Vec<Problem>) -> StoreResult<()> {
    for (table, column, id, re) in q::regexes(conn)? {
        if let Some(re) = re {
            if let Err(e) = regex::Regex::new(&re) {
                out.push(problem(table, Some(id), column, format!("invalid regex `{re}`: {}", first_line(&e.to_string()))));
            }
        }
    }
    Ok(())
}

/// Every transformer process names a bean this impex implements and has a file name regex.
fn beans(conn: &Conn, out: &mut Vec<Problem>) -> StoreResult<()> {
    for id in q::processes_without_pattern(conn)? {
        out.push(problem(
            "TransformerProcessDO",
            Some(id),
            "filenameRegex",
            "NULL, and the process has no parameter SOURCE_FILENAME (key 4): it matches no file",
        ));
    }
    for (id, bean) in q::process_beans(conn)? {
        if crate::transform::bean(bean).is_none() {
            out.push(problem("TransformerProcessDO", Some(id), "transformerBeanDefRef", format!("no transformer bean with TransformerBeanDefDO id {bean} is implemented by this impex")));
        }
    }
    Ok(())
}

fn first_line(s: &str) -> String {
    s.lines().rfind(|l| !l.trim().is_empty()).unwrap_or(s).trim().to_string()
}

fn retry_delays(conn: &Conn, out: &mut Vec<Problem>) -> StoreResult<()> {
    for (id, d) in q::partner_retry_delays(conn)? {
        let d = d.unwrap_or_default();
        if crate::time::parse_delay(&d).is_none() {
            out.push(problem("CommunicationPartnerDO", Some(id), "retryDelay", format!("`{d}` is not of the form <n>s, <n>m, <n>h or <n>d")));
        }
    }
    Ok(())
}

/// Rows whose references point nowhere (possible when rows were written with foreign keys off,
/// as the plain `sqlite3` shell does by default).
fn foreign_keys(conn: &Conn, out: &mut Vec<Problem>) -> StoreResult<()> {
    for d in q::dangling_references(conn)? {
        out.push(problem(&d.table, d.id, &d.column, format!("refers to \"{}\" {}, which does not exist", d.parent, d.value)));
    }
    Ok(())
}

/// A payment method used by a shop's orders needs an export/import name at every finance
/// controller of that shop.
fn payment_mappings(conn: &Conn, out: &mut Vec<Problem>) -> StoreResult<()> {
    for m in q::unmapped_payments(conn)? {
        let (fc, fc_name, shop, pay) = (m.finance_controller, m.finance_controller_name, m.shop, m.payment_def);
        out.push(problem(
            "FinanceController2PaymentDefDO",
            None,
            "paymentDefRef",
            format!(
                "orders of shop {shop} use payment method {pay} ({}), but finance controller {fc} ('{fc_name}') has no mapping for it: add a \"FinanceController2PaymentDefDO\" row (financeControllerRef {fc}, paymentDefRef {pay})",
                m.payment_name.unwrap_or_else(|| "unknown".into())
            ),
        ));
    }
    Ok(())
}

fn base_path(conn: &Conn, out: &mut Vec<Problem>) -> StoreResult<()> {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A process whose files nothing names (NULL "filenameRegex", no parameter 4) is a problem.
    #[test]
    fn a_process_without_any_file_name_regex_is_reported() {
        let conn = crate::db::memory();
        conn.execute_batch(crate::db::seed::REFERENCE).unwrap();
        conn.execute_batch(
            r#"INSERT INTO "TransformerProcessGroupDO" ("id", "name") VALUES (1, 'g');
               INSERT INTO "TransformerProcessDO" ("id", "index", "transformerBeanDefRef", "transformerProcessGroupRef", "filenameRegex")
               VALUES (7, 1, 22, 1, NULL), (8, 2, 22, 1, 'x.*');"#,
        )
        .unwrap();
        let found: Vec<_> = check(&conn).unwrap().into_iter().filter(|p| p.column == "filenameRegex").collect();
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].table.as_str(), found[0].id), ("TransformerProcessDO", Some(7)));
    }
}
