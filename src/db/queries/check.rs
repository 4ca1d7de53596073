//! Reads of `impex check`: the configuration values it validates, and rows whose references
//! point nowhere.
use crate::db::params;
use crate::db::Row;

use crate::db::{Conn, StoreResult};

/// A `"ScheduleDO"` row as the check sees it.
pub struct ScheduleCheck {
    pub id: i64,
    pub cron: String,
    pub job_def_ref: i64,
    pub config_id: Option<i64>,
    pub retry_delay: Option<String>,
    /// A `"FileTransferConfigurationDO"` with id `config_id` exists.
    pub transfer_config_exists: bool,
}

pub fn schedules(conn: &Conn) -> StoreResult<Vec<ScheduleCheck>> {
    conn.query_map(r#"SELECT s."id", s."cron", s."jobDefRef", s."configId", s."retryDelay",
                  (SELECT count(*) FROM "FileTransferConfigurationDO" f WHERE f."id" = s."configId")
           FROM "ScheduleDO" s ORDER BY s."id""#, params![], |r| {
        Ok(ScheduleCheck {
            id: r.get(0)?,
            cron: r.get(1)?,
            job_def_ref: r.get(2)?,
            config_id: r.get(3)?,
            retry_delay: r.get(4)?,
            transfer_config_exists: r.get::<i64>(5)? > 0,
        })
    })
}

/// A configured regular expression: (table, column, row id, pattern).
pub type RegexValue = (&'static str, &'static str, i64, Option<String>);

/// Every regex of the configuration: `"TransformerProcessDO"."filenameRegex"`, `...Regex`
/// parameters of `"ExecutionBeanValueDO"`, SOURCE_FILENAME parameters (key 4).
pub fn regexes(conn: &Conn) -> StoreResult<Vec<RegexValue>> {
    let mut out = Vec::new();
    for (table, column, sql) in [
        ("TransformerProcessDO", "filenameRegex", r#"SELECT "id", "filenameRegex" FROM "TransformerProcessDO""#),
        (
            "ExecutionBeanValueDO",
            "parameterValue",
            r#"SELECT v."id", v."parameterValue" FROM "ExecutionBeanValueDO" v
               JOIN "ExecutionBeanKeyDefDO" k ON k."id" = v."executionBeanKeyDefRef"
               WHERE k."parameterKey" LIKE '%Regex'"#,
        ),
        (
            "TransformerProcessParameterDO",
            "parameterValue",
            r#"SELECT "id", "parameterValue" FROM "TransformerProcessParameterDO" WHERE "transformerProcessesParameterKeyDefRef" = 4"#,
        ),
    ] {
        out.extend(conn.query_map(sql, params![], |r| Ok((table, column, r.get(0)?, r.get(1)?)))?);
    }
    Ok(out)
}

fn pair<A: crate::db::Column, B: crate::db::Column>(r: &Row<'_>) -> StoreResult<(A, B)> {
    Ok((r.get(0)?, r.get(1)?))
}

/// (id, transformerBeanDefRef) of every `"TransformerProcessDO"`.
pub fn process_beans(conn: &Conn) -> StoreResult<Vec<(i64, i64)>> {
        conn.query_map(r#"SELECT "id", "transformerBeanDefRef" FROM "TransformerProcessDO" ORDER BY "id""#, params![], pair)
}

/// (id, retryDelay) of every `"CommunicationPartnerDO"`.
pub fn partner_retry_delays(conn: &Conn) -> StoreResult<Vec<(i64, Option<String>)>> {
    conn.query_map(r#"SELECT "id", "retryDelay" FROM "CommunicationPartnerDO""#, params![], pair)
}

/// A row whose reference points nowhere.
pub struct DanglingReference {
    pub table: String,
    pub id: Option<i64>,
    pub column: String,
    pub parent: String,
    /// `id <value>` of the reference (empty when unknown).
    pub value: String,
}

/// Rows whose references point nowhere (possible when rows were written with foreign keys off,
/// as the plain `sqlite3` shell does by default). None on PostgreSQL, which always checks them.
pub fn dangling_references(conn: &Conn) -> StoreResult<Vec<DanglingReference>> {
    if conn.is_postgres() {
        return Ok(Vec::new());
    }
    let rows = conn.query_map("PRAGMA foreign_key_check", params![], |r| Ok((r.get::<String>(0)?, r.get::<Option<i64>>(1)?, r.get::<String>(2)?, r.get::<i64>(3)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (table, rowid, parent, fkid) = row;
        let (column, value) = fk_column(conn, &table, fkid, rowid).unwrap_or_default();
        out.push(DanglingReference { table, id: rowid, column, parent, value });
    }
    Ok(out)
}

fn fk_column(conn: &Conn, table: &str, fkid: i64, rowid: Option<i64>) -> Option<(String, String)> {
    let mut st = conn.sql().prepare(&format!("PRAGMA foreign_key_list(\"{table}\")")).ok()?;
    let col: String = st
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(3)?)))
        .ok()?
        .filter_map(Result::ok)
        .find(|(id, _)| *id == fkid)?
        .1;
    let value: Option<String> = rowid.and_then(|rid| {
        conn.query_row(&format!("SELECT CAST(\"{col}\" AS TEXT) FROM \"{table}\" WHERE rowid = ?1"), params![rid], |r| r.get(0)).ok()
    });
    Some((col, format!("id {}", value.unwrap_or_default())))
}

/// A payment method used by a shop's orders that a finance controller of the shop has no
/// mapping for.
pub struct UnmappedPayment {
    pub finance_controller: i64,
    pub finance_controller_name: String,
    pub shop: i64,
    pub payment_def: i64,
    pub payment_name: Option<String>,
}

pub fn unmapped_payments(conn: &Conn) -> StoreResult<Vec<UnmappedPayment>> {
    let rows = conn.query_map(r#"SELECT DISTINCT s2f."financeControllerRef", fc."name", o."shopRef", o."paymentDefRef", p."name"
           FROM "OrderDO" o
           JOIN "Shop2FinanceControllerDO" s2f ON s2f."shopRef" = o."shopRef"
           JOIN "FinanceControllerDO" fc ON fc."id" = s2f."financeControllerRef"
           LEFT JOIN "PaymentDefDO" p ON p."id" = o."paymentDefRef"
           WHERE o."paymentDefRef" IS NOT NULL
             AND NOT EXISTS (SELECT 1 FROM "FinanceController2PaymentDefDO" m
                             WHERE m."financeControllerRef" = s2f."financeControllerRef"
                               AND m."paymentDefRef" = o."paymentDefRef")
           ORDER BY 1, 4"#, params![], |r| {
        Ok(UnmappedPayment {
            finance_controller: r.get(0)?,
            finance_controller_name: r.get(1)?,
            shop: r.get(2)?,
            payment_def: r.get(3)?,
            payment_name: r.get(4)?,
        })
    })?;
    Ok(rows)
}

/// Ids of the `"TransformerProcessDO"` rows with neither a `"filenameRegex"` nor a non-empty
/// parameter 4 (SOURCE_FILENAME).
pub fn processes_without_pattern(conn: &Conn) -> StoreResult<Vec<i64>> {
    conn.query_map(r#"SELECT p."id" FROM "TransformerProcessDO" p
           WHERE p."filenameRegex" IS NULL
             AND NOT EXISTS (SELECT 1 FROM "TransformerProcessParameterDO" pp
                             WHERE pp."transformerProcessesRef" = p."id" AND pp."transformerProcessesParameterKeyDefRef" = 4
                               AND trim(coalesce(pp."parameterValue", '')) <> '')
           ORDER BY p."id""#, params![], |r| r.get(0))
}

/// Ids of the file transfer configurations of IOM's type 30 ("pull and push").
pub fn pull_and_push_configs(conn: &Conn) -> StoreResult<Vec<i64>> {
    conn.query_map(r#"SELECT "id" FROM "FileTransferConfigurationDO" WHERE "typeDefRef" = 30 ORDER BY "id""#, params![], |r| r.get(0))
}

/// Active shops that are no other shop's parent (the shops that take orders) and have no active
/// `"Shop2SupplierDO"` row: (id, name).
pub fn shops_without_supplier(conn: &Conn) -> StoreResult<Vec<(i64, String)>> {
    conn.query_map(r#"SELECT s."id", s."name" FROM "ShopDO" s
           WHERE s."active" = 1
             AND NOT EXISTS (SELECT 1 FROM "ShopDO" c WHERE c."parentRef" = s."id")
             AND NOT EXISTS (SELECT 1 FROM "Shop2SupplierDO" x WHERE x."shopRef" = s."id" AND x."active" = 1)
           ORDER BY s."id""#, params![], |r| Ok((r.get(0)?, r.get(1)?)))
}

/// A return reason mapped for a shop or supplier that has no mapping of the reason's return
/// type: (table, id, shop or supplier id, reason code, return type name).
pub struct UnusableReturnReason {
    pub table: &'static str,
    pub id: i64,
    pub partner: i64,
    pub reason: String,
    pub return_type: String,
}

pub fn return_reasons_without_type(conn: &Conn) -> StoreResult<Vec<UnusableReturnReason>> {
    let mut out = Vec::new();
    for (table, partner_col, types_table) in [
        ("Shop2ReturnReasonDefDO", "shopRef", "Shop2ReturnTypeDefDO"),
        ("Supplier2ReturnReasonDefDO", "supplierRef", "Supplier2ReturnTypeDefDO"),
    ] {
        let rows = conn.query_map(&format!(
            r#"SELECT m."id", m."{partner_col}", r."name", t."name" FROM "{table}" m
               JOIN "ReturnReasonDefDO" r ON r."id" = m."returnReasonDefRef"
               JOIN "ReturnTypeDefDO" t ON t."id" = r."returnTypeDefRef"
               WHERE NOT EXISTS (SELECT 1 FROM "{types_table}" x WHERE x."{partner_col}" = m."{partner_col}" AND x."returnTypeDefRef" = r."returnTypeDefRef")
               ORDER BY m."id""#
        ), params![], |r| Ok(UnusableReturnReason { table, id: r.get(0)?, partner: r.get(1)?, reason: r.get(2)?, return_type: r.get(3)? }))?;
        out.extend(rows);
    }
    Ok(out)
}

/// `"SupplierReturnAddressDO"` rows whose return type belongs to another supplier than their
/// shop-supplier relation: (id, supplier of the return type, supplier of the relation).
pub fn return_addresses_of_another_supplier(conn: &Conn) -> StoreResult<Vec<(i64, i64, i64)>> {
    let rows = conn.query_map(r#"SELECT a."id", t."supplierRef", s."supplierRef" FROM "SupplierReturnAddressDO" a
           JOIN "Supplier2ReturnTypeDefDO" t ON t."id" = a."supplier2ReturnTypeDefRef"
           JOIN "Shop2SupplierDO" s ON s."id" = a."shop2SupplierRef"
           WHERE t."supplierRef" <> s."supplierRef"
           ORDER BY a."id""#, params![], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows)
}
