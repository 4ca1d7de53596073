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
    pull_and_push(conn, &mut out)?;
    partners(conn, &mut out)?;
    returns(conn, &mut out)?;
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
        } else if let Err(e) = crate::transform::check_process(conn, id, bean) {
            // the bean's own check of its parameters (SHOP_ID, unzip limits, ...), as a group run makes it
            out.push(problem("TransformerProcessParameterDO", Some(id), "parameterValue", e.0));
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

/// IOM's type 30 ("pull and push") puts the pulled files into the local push directory: a
/// configuration without one (and without impex's delivery option) is incomplete.
fn pull_and_push(conn: &Conn, out: &mut Vec<Problem>) -> StoreResult<()> {
    use crate::db::queries::transfer as t;
    for id in q::pull_and_push_configs(conn)? {
        let Some(config) = t::config(conn, id)? else { continue };
        let partner = match config.communication_partner_ref {
            Some(p) => Some(p),
            None => t::ftp_partner(conn, config.partner_referrer_ref, config.transmission_type)?,
        };
        // a configuration without a partner fails at its first run with that reason; the
        // schedule checks above name the configuration
        let Some(partner) = partner else { continue };
        let values = t::partner_values(conn, partner)?;
        let set = |k: &str| values.get(k).and_then(|v| v.as_deref()).is_some_and(|v| !v.trim().is_empty());
        if !set("pushDirectory") && !set("deliverRemoteDirectory") {
            out.push(problem(
                "FileTransferConfigurationDO",
                Some(id),
                "typeDefRef",
                format!("30 (pull and push) needs the local push directory: add ExecutionBeanValueDO pushDirectory (key 1332) to \"CommunicationPartnerDO\" {partner}, e.g. 'importarticle/in/'"),
            ));
        }
    }
    Ok(())
}

/// Every shop that takes orders has a supplier (warning: a shop used for accounting exports
/// only needs none).
fn partners(conn: &Conn, out: &mut Vec<Problem>) -> StoreResult<()> {
    for (id, name) in q::shops_without_supplier(conn)? {
        out.push(Problem {
            table: "ShopDO".into(),
            id: Some(id),
            column: "id".into(),
            reason: format!("shop '{name}' has no active supplier: add a \"Shop2SupplierDO\" row (shopRef {id}, supplierRef ...); orders, returns and stock of the shop need one"),
            warning: true,
        });
    }
    Ok(())
}

/// A return reason is only offered with its return type: a reason mapped for a shop or supplier
/// that has no mapping of that type can never be used; a return address joins a supplier's
/// return type to a relation with the same supplier.
fn returns(conn: &Conn, out: &mut Vec<Problem>) -> StoreResult<()> {
    for r in q::return_reasons_without_type(conn)? {
        let (who, types) = if r.table == "Shop2ReturnReasonDefDO" { ("shop", "Shop2ReturnTypeDefDO") } else { ("supplier", "Supplier2ReturnTypeDefDO") };
        out.push(problem(
            r.table,
            Some(r.id),
            "returnReasonDefRef",
            format!("return reason {} belongs to return type {}, which {who} {} has no \"{types}\" row for", r.reason, r.return_type, r.partner),
        ));
    }
    for (id, type_supplier, relation_supplier) in q::return_addresses_of_another_supplier(conn)? {
        out.push(problem(
            "SupplierReturnAddressDO",
            Some(id),
            "supplier2ReturnTypeDefRef",
            format!("the return type is supplier {type_supplier}'s, the shop-supplier relation (shop2SupplierRef) is supplier {relation_supplier}'s"),
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

    fn demo() -> Conn {
        let mut conn = crate::db::memory();
        let src = |name: &str, text: &str| crate::db::script::Source { name: name.into(), text: text.into() };
        crate::db::script::run(
            &mut conn,
            &[src("reference", crate::db::seed::REFERENCE), src("demo", crate::db::seed::DEMO), src("14", include_str!("../../jobs/14_returns.sql"))],
        )
        .unwrap();
        conn
    }

    fn about(conn: &Conn, table: &str) -> Vec<Problem> {
        check(conn).unwrap().into_iter().filter(|p| p.table == table).collect()
    }

    /// The demo's shops, suppliers and return configuration are consistent.
    #[test]
    fn demo_partners_and_returns_are_consistent() {
        let conn = demo();
        for t in ["ShopDO", "Shop2ReturnReasonDefDO", "Supplier2ReturnReasonDefDO", "SupplierReturnAddressDO"] {
            assert_eq!(about(&conn, t), vec![], "{t}");
        }
    }

    /// A shop that takes orders without any supplier: a warning naming the shop.
    #[test]
    fn a_shop_without_supplier_is_reported() {
        let conn = demo();
        conn.execute_batch(r#"UPDATE "Shop2SupplierDO" SET "active" = 0"#).unwrap();
        let found = about(&conn, "ShopDO");
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].warning && found[0].id == Some(10000) && found[0].reason.contains("no active supplier"), "{found:?}");
    }

    /// A return reason of a type the shop (or supplier) does not offer, and a return address
    /// joining two different suppliers.
    #[test]
    fn return_reasons_without_their_type_and_mixed_addresses_are_reported() {
        let conn = demo();
        conn.execute_batch(
            r#"INSERT INTO "Shop2ReturnReasonDefDO" ("id", "returnReasonDefRef", "shopReturnReasonName", "shopRef") VALUES (9001, 1, 'CAN010', 10000);
               DELETE FROM "SupplierReturnAddressDO" WHERE "supplier2ReturnTypeDefRef" IN (SELECT "id" FROM "Supplier2ReturnTypeDefDO" WHERE "returnTypeDefRef" = 4);
               DELETE FROM "Supplier2ReturnTypeDefDO" WHERE "returnTypeDefRef" = 4;
               INSERT INTO "SupplierDO" ("id", "name") VALUES (5001, 'other');
               INSERT INTO "Supplier2ReturnTypeDefDO" ("id", "returnTypeDefRef", "supplierReturnTypeName", "supplierRef") VALUES (9002, 5, 'DEF', 5001);
               INSERT INTO "SupplierReturnAddressDO" ("id", "supplier2ReturnTypeDefRef", "shop2SupplierRef") VALUES (9003, 9002, 10000);"#,
        )
        .unwrap();
        let shop = about(&conn, "Shop2ReturnReasonDefDO");
        assert_eq!(shop.len(), 1, "{shop:?}");
        assert!(shop[0].id == Some(9001) && shop[0].reason.contains("CAN010") && shop[0].reason.contains("type CAN"), "{shop:?}");
        // the supplier lost its RET type: its seven RET reasons are unusable
        assert_eq!(about(&conn, "Supplier2ReturnReasonDefDO").len(), 7);
        let addr = about(&conn, "SupplierReturnAddressDO");
        assert_eq!(addr.len(), 1, "{addr:?}");
        assert!(addr[0].id == Some(9003) && addr[0].reason.contains("5001") && addr[0].reason.contains("5000"), "{addr:?}");
    }

    /// IOM's pull and push (typeDefRef 30) needs the local push directory; impex's delivery
    /// option alone is accepted too.
    #[test]
    fn pull_and_push_without_push_directory_is_reported() {
        let conn = demo();
        conn.execute_batch(
            r#"INSERT INTO "PartnerReferrerDO" ("id", "supplierRef") VALUES (5000, 5000);
               INSERT INTO "FileTransferConfigurationDO" ("id", "transmissionTypeDefRef", "typeDefRef", "partnerReferrerRef") VALUES (7, 1080, 30, 5000);
               INSERT INTO "CommunicationPartnerDO" ("id", "communicationRef", "sendingPartnerReferrerRef", "receivingPartnerReferrerRef")
                 VALUES (70, (SELECT "id" FROM "CommunicationDO" WHERE "key" = 'ANY###FTP_JOB###EXT_RECEIVE_DISPATCH'), 5000, 10010);
               INSERT INTO "ExecutionBeanValueDO" ("executionBeanKeyDefRef", "parameterValue", "communicationPartnerRef") VALUES (1331, 'dispatches', 70);"#,
        )
        .unwrap();
        let found = about(&conn, "FileTransferConfigurationDO");
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].id == Some(7) && found[0].column == "typeDefRef" && found[0].reason.contains("pushDirectory (key 1332)"), "{found:?}");
        conn.execute_batch(r#"INSERT INTO "ExecutionBeanValueDO" ("executionBeanKeyDefRef", "parameterValue", "communicationPartnerRef") VALUES (1332, 'dispatches/in/', 70)"#).unwrap();
        assert_eq!(about(&conn, "FileTransferConfigurationDO"), vec![]);
    }

    /// A process whose parameters its bean refuses (an unzip limit that is not a number, an
    /// import bean without SHOP_ID) is reported as the group run would refuse it.
    #[test]
    fn bean_parameters_are_checked() {
        let conn = demo();
        conn.execute_batch(
            r#"INSERT INTO "TransformerProcessGroupDO" ("id", "name") VALUES (1, 'g');
               INSERT INTO "TransformerProcessDO" ("id", "index", "transformerBeanDefRef", "transformerProcessGroupRef", "filenameRegex")
               VALUES (7, 1, 19, 1, '.*\.zip'), (8, 2, 22, 1, 'x.*'), (9, 3, 19, 1, 'y.*');
               INSERT INTO "TransformerProcessParameterDO" ("parameterValue", "transformerProcessesParameterKeyDefRef", "transformerProcessesRef")
               VALUES ('lots', -1, 7), ('1000', -2, 9);"#,
        )
        .unwrap();
        let found = about(&conn, "TransformerProcessParameterDO");
        assert_eq!(found.iter().map(|p| p.id).collect::<Vec<_>>(), vec![Some(7), Some(8)], "{found:?}");
        assert!(found[0].reason.contains("UNZIP_MAX_BYTES"), "{found:?}");
        assert!(found[1].reason.contains("SHOP_ID"), "{found:?}");
    }
}
