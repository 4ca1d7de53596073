//! Queries of the import pipeline, one file per table group: the transformer configuration
//! (here), [`articles`] (supplier CSV files), [`files`] (`"ImportFileDO"`), [`finance`] (finance
//! controller mappings), [`open_positions`], [`payment_histories`], [`orders`] and [`dispatches`]
//! (the rows the beans write).
use crate::db::params;
use std::collections::HashMap;

use crate::db::Optional;

use crate::db::{Conn, StoreResult};

pub mod dispatches;
pub mod articles;
pub(crate) mod checked;
pub mod files;
pub mod finance;
pub mod open_positions;
pub mod orders;
pub mod payment_histories;

pub use dispatches::*;
pub use articles::*;
pub use files::*;
pub use finance::*;
pub use open_positions::*;
pub use orders::*;
pub use payment_histories::*;
pub use super::order_status::*;

/// One `"TransformerProcessDO"` row.
#[derive(Debug, Clone)]
pub struct ProcessRow {
    pub id: i64,
    pub bean_id: i64,
    /// `"filenameRegex"`; NULL when the process's parameter 4 alone names its files.
    pub regex: Option<String>,
    pub move_obsolete: bool,
}

pub fn group_name(conn: &Conn, group_id: i64) -> StoreResult<Option<String>> {
    Ok(conn.query_row(r#"SELECT "name" FROM "TransformerProcessGroupDO" WHERE "id" = ?1"#, params![group_id], |r| r.get(0)).optional()?)
}

pub fn group_id_by_name(conn: &Conn, name: &str) -> StoreResult<Option<i64>> {
    Ok(conn.query_row(r#"SELECT "id" FROM "TransformerProcessGroupDO" WHERE "name" = ?1"#, params![name], |r| r.get(0)).optional()?)
}

/// All groups with their processes' file name patterns (parameter 4 when set, else
/// filenameRegex; a process with neither is left out): (group id, group name, pattern).
pub fn group_patterns(conn: &Conn) -> StoreResult<Vec<(i64, String, String)>> {
    let rows = conn.query_map(r#"SELECT g."id", g."name", coalesce(nullif(trim((SELECT pp."parameterValue" FROM "TransformerProcessParameterDO" pp
                  WHERE pp."transformerProcessesRef" = p."id" AND pp."transformerProcessesParameterKeyDefRef" = 4
                  ORDER BY pp."id" LIMIT 1)), ''), p."filenameRegex")
           FROM "TransformerProcessGroupDO" g JOIN "TransformerProcessDO" p ON p."transformerProcessGroupRef" = g."id"
           ORDER BY g."id", p."index", p."id""#, params![], |r| Ok((r.get(0)?, r.get(1)?, r.get::<Option<String>>(2)?)))?;
    let rows: Vec<(i64, String, Option<String>)> = rows;
    Ok(rows.into_iter().filter_map(|(id, name, p)| p.map(|p| (id, name, p))).collect())
}

/// The processes of a group in `"index"` order.
pub fn processes(conn: &Conn, group_id: i64) -> StoreResult<Vec<ProcessRow>> {
    let rows = conn.query_map(r#"SELECT "id", "transformerBeanDefRef", "filenameRegex", "moveObsoleteFiles" FROM "TransformerProcessDO"
           WHERE "transformerProcessGroupRef" = ?1 ORDER BY "index", "id""#, params![group_id], |r| {
        Ok(ProcessRow { id: r.get(0)?, bean_id: r.get(1)?, regex: r.get(2)?, move_obsolete: r.get::<i64>(3)? != 0 })
    })?;
    Ok(rows)
}

/// The parameters of a process by key id (the lowest row id wins on duplicates).
pub fn process_params(conn: &Conn, process_id: i64) -> StoreResult<HashMap<i64, String>> {
    conn.query_map(r#"SELECT "transformerProcessesParameterKeyDefRef", "parameterValue" FROM "TransformerProcessParameterDO"
           WHERE "transformerProcessesRef" = ?1 AND "parameterValue" IS NOT NULL ORDER BY "id" DESC"#, params![process_id], |r| Ok((r.get::<i64>(0)?, r.get::<String>(1)?))).map(|v| v.into_iter().collect())
}

pub fn shop_exists(conn: &Conn, shop_id: i64) -> StoreResult<bool> {
    Ok(conn.query_row(r#"SELECT count(*) > 0 FROM "ShopDO" WHERE "id" = ?1"#, params![shop_id], |r| r.get(0))?)
}

/// `INSERT` of `cols` as ?1.. and `UPDATE ... SET col = ?n, version = version + 1 WHERE <key>`.
fn insert_and_update(table: &str, cols: &[&str], key: &str) -> (String, String) {
    let names: Vec<String> = cols.iter().map(|c| format!("\"{c}\"")).collect();
    let marks: Vec<String> = (1..=cols.len()).map(|i| format!("?{i}")).collect();
    let insert = format!(r#"INSERT INTO "{table}" ({}, "version") VALUES ({}, 1)"#, names.join(", "), marks.join(", "));
    let sets: Vec<String> = cols.iter().enumerate().map(|(i, c)| format!("\"{c}\" = ?{}", i + 1)).collect();
    let update = format!(r#"UPDATE "{table}" SET {}, "version" = "version" + 1 WHERE {key}"#, sets.join(", "));
    (insert, update)
}
