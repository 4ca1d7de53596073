//! Supplier CSV files (ImportCsvArticleBean): the configured header of a supplier's file type
//! (`"ImportConfigurationDO"`), and the upserts of `"SupplierArticleDO"` (A files) and
//! `"ArticleStockDO"` (BCG files): on SQLite through prepared bulk statements (7.5 % faster
//! than rusqlite's copying binds on the benchmark: docs/performance.md), on PostgreSQL by
//! `COPY` into a temporary table and one `INSERT ... SELECT ... ON CONFLICT` per batch.
use crate::db::{params, Optional};

use crate::db::bulk::{value, Bulk, Val};
use crate::db::{Conn, StoreResult};

/// One `"ImportConfigurationDO"` row: how a supplier's files of one type look.
#[derive(Debug, Clone)]
pub struct CsvConfiguration {
    pub id: i64,
    pub header: String,
    pub delimiter: String,
    /// NULL: the quote character 0x18 (CAN).
    pub quote: Option<String>,
}

/// The configuration of `supplier`'s files of type `type_def` (`"ImportDatapackFileTypeDefDO"`).
pub fn csv_configuration(conn: &Conn, supplier: i64, type_def: i64) -> StoreResult<Option<CsvConfiguration>> {
    Ok(conn
        .query_row(
            r#"SELECT "id", "csvHeader", "csvDelimiter", "csvQuote" FROM "ImportConfigurationDO"
               WHERE "supplierRef" = ?1 AND "importDatapackFileTypeDefRef" = ?2 ORDER BY "id" LIMIT 1"#,
            params![supplier, type_def],
            |r| Ok(CsvConfiguration { id: r.get(0)?, header: r.get(1)?, delimiter: r.get(2)?, quote: r.get(3)? }),
        )
        .optional()?)
}

pub fn supplier_exists(conn: &Conn, supplier: i64) -> StoreResult<bool> {
    Ok(conn.query_row(r#"SELECT count(*) > 0 FROM "SupplierDO" WHERE "id" = ?1"#, params![supplier], |r| r.get(0))?)
}

/// The parent of a shop: None when there is no such shop, Some(None) for a shop without parent.
pub fn shop_parent(conn: &Conn, shop: i64) -> StoreResult<Option<Option<i64>>> {
    Ok(conn.query_row(r#"SELECT "parentRef" FROM "ShopDO" WHERE "id" = ?1"#, params![shop], |r| r.get(0)).optional()?)
}

/// The columns of `"SupplierArticleDO"` an A file writes, in the order of [`ArticleWriter::write`]'s values.
pub const ARTICLE_COLUMNS: [&str; 24] = [
    "supplierArticleNo", "manufacturer", "manufacturerArticleNo", "isbn", "ean", "articleName", "length", "height", "width",
    "weight", "assortmentName", "assortmentIdentifier", "deliveryForm", "customsTariffNo", "parentSupplierArticleNo",
    "articleForm", "immaterialUid", "articleLanguage", "supplierSalesCode", "supplierArticleIdentifier", "articleType",
    "edition", "packagingUnit", "packagingUnitValue",
];

/// The columns of `"ArticleStockDO"` a BCG file writes, in the order of [`StockWriter::write`]'s values.
pub const STOCK_COLUMNS: [&str; 21] = [
    "supplierArticleNo", "currency", "purchasePrice", "purchasePriceDecimal", "listPrice", "listPriceDecimal", "stockLevel",
    "stockType", "availabilityInDays", "salesPrice", "salesPriceDecimal", "basicPrice", "basicPriceDecimal",
    "basicPriceUnitValue", "basicPriceUnit", "salesPriceOld", "salesPriceOldDecimal", "provisionType", "provisionPercentage",
    "taxType", "isBestseller",
];

/// `INSERT ... ON CONFLICT (key) DO UPDATE` of `fixed` (?1..) then `cols` (the per-row values);
/// a row that exists gets the `update` columns only (the others keep their values), a new
/// `"modificationDate"` and `"version" + 1`.
fn upsert(table: &str, fixed: &[&str], cols: &[&str], key: &[&str], update: &[&str]) -> String {
    upsert_rows(table, fixed, cols, key, update, 1)
}

/// [`upsert`] of `rows` rows in one statement: the parameters of row k (0-based) follow those
/// of row k - 1.
fn upsert_rows(table: &str, fixed: &[&str], cols: &[&str], key: &[&str], update: &[&str], rows: usize) -> String {
    let all: Vec<String> = fixed.iter().chain(cols).map(|c| format!("\"{c}\"")).collect();
    let width = all.len();
    let marks: Vec<String> =
        (0..rows).map(|r| format!("({})", (1..=width).map(|i| format!("?{}", r * width + i)).collect::<Vec<_>>().join(", "))).collect();
    let key: Vec<String> = key.iter().map(|c| format!("\"{c}\"")).collect();
    let mut sets: Vec<String> = update.iter().filter(|c| !key.contains(&format!("\"{c}\""))).map(|c| format!("\"{c}\" = excluded.\"{c}\"")).collect();
    sets.push(r#""importFileRef" = excluded."importFileRef""#.into());
    sets.push(r#""modificationDate" = excluded."modificationDate""#.into());
    sets.push(format!(r#""version" = "{table}"."version" + 1"#));
    format!(
        r#"INSERT INTO "{table}" ({}) VALUES {} ON CONFLICT ({}) DO UPDATE SET {}"#,
        all.join(", "),
        marks.join(", "),
        key.join(", "),
        sets.join(", ")
    )
}

/// Rows per batch on PostgreSQL.
const PG_ROWS: usize = 5000;

/// The upsert of one file's rows: on SQLite a prepared bulk statement per row. On PostgreSQL
/// rows are collected, and each batch of up to [`PG_ROWS`] is sent with `COPY` into a
/// temporary table of the target's columns and types, then written by one
/// `INSERT ... SELECT ... ORDER BY "seq" ON CONFLICT ... DO UPDATE` (a statement per row, in a
/// savepoint each, was three round trips per row: 2,345 rows/s; multi-row `VALUES` of 500
/// rows 25,100 rows/s). A row whose key is already among the collected ones sends them first,
/// so that each statement touches a key once and the rows apply in file order, as row by row.
/// A batch the server refuses is tried again row by row, so that the error names the row (its
/// article number) and the server's reason. Call [`Upsert::flush`] after the last row.
enum Upsert<'c, const N: usize> {
    Sqlite(Bulk<'c, N>),
    Postgres {
        conn: &'c Conn,
        table: &'static str,
        fixed_cols: &'static [&'static str],
        cols: &'static [&'static str; N],
        key: &'static [&'static str],
        update: Vec<String>,
        fixed: Vec<crate::db::Value>,
        rows: Vec<Vec<crate::db::Value>>,
        keys: std::collections::HashSet<String>,
        /// The set-wise reference checks, when the per-row ones may be skipped.
        checked: Option<super::checked::CheckedWrite>,
    },
}

impl<'c, const N: usize> Upsert<'c, N> {
    /// `fixed`: the values of `fixed_cols`, the same for every row; the rows' values are of
    /// `cols`, the first of them the row's own part of the key.
    fn new(conn: &'c Conn, table: &'static str, fixed_cols: &'static [&'static str], cols: &'static [&'static str; N], key: &'static [&'static str], update: &[&str], fixed: Vec<Val<'_>>) -> StoreResult<Self> {
        if conn.is_postgres() {
            let fixed = fixed.into_iter().map(value).collect();
            let all: Vec<String> = fixed_cols.iter().chain(cols.iter()).map(|c| format!("\"{c}\"")).collect();
            conn.execute_batch(&format!(
                r#"CREATE TEMPORARY TABLE IF NOT EXISTS {stage} ON COMMIT DROP AS SELECT CAST(0 AS int8) AS "seq", {all} FROM "{table}" WITH NO DATA; TRUNCATE {stage}"#,
                stage = stage(table),
                all = all.join(", ")
            ))?;
            let staged: Vec<&str> = fixed_cols.iter().chain(cols.iter()).copied().collect();
            let checked = super::checked::CheckedWrite::prepare(conn, table, &stage(table), &staged, &[])?;
            return Ok(Upsert::Postgres { conn, table, fixed_cols, cols, key, update: update.iter().map(|c| c.to_string()).collect(), fixed, rows: Vec::new(), keys: Default::default(), checked });
        }
        let mut st = Bulk::prepare(conn, &upsert(table, fixed_cols, cols, key, update), fixed_cols.len() + 1)?;
        for (i, v) in fixed.into_iter().enumerate() {
            st.bind_fixed(i + 1, v)?;
        }
        Ok(Upsert::Sqlite(st))
    }

    fn write(&mut self, values: &[Val<'_>; N]) -> StoreResult<()> {
        match self {
            Upsert::Sqlite(st) => st.execute(values).map(|_| ()),
            Upsert::Postgres { rows, keys, .. } => {
                let key = match values[0] {
                    Val::Text(t) => t.to_string(),
                    Val::Int(i) => i.to_string(),
                    Val::Null => String::new(),
                };
                if keys.contains(&key) || rows.len() >= PG_ROWS {
                    self.flush()?;
                }
                let Upsert::Postgres { rows, keys, .. } = self else { unreachable!() };
                keys.insert(key);
                rows.push(values.iter().map(|v| value(*v)).collect());
                Ok(())
            }
        }
    }

    /// Sends the collected rows (PostgreSQL).
    fn flush(&mut self) -> StoreResult<()> {
        let Upsert::Postgres { conn, table, fixed_cols, cols, key, update, fixed, rows, keys, checked } = self else { return Ok(()) };
        let cols: &'static [&'static str; N] = cols;
        if rows.is_empty() {
            return Ok(());
        }
        let update: Vec<&str> = update.iter().map(String::as_str).collect();
        let stage = stage(table);
        let names: Vec<String> = fixed_cols.iter().chain(cols.iter()).map(|c| format!("\"{c}\"")).collect();
        let mut data = Vec::with_capacity(rows.len() * 128);
        for (i, r) in rows.iter().enumerate() {
            data.extend_from_slice(i.to_string().as_bytes());
            for v in fixed.iter().chain(r) {
                data.push(b'\t');
                copy_value(&mut data, v);
            }
            data.push(b'\n');
        }
        // (the statement of upsert_rows, its VALUES replaced by the stage's rows in file order)
        let values = upsert_rows(table, fixed_cols, cols, key, &update, 1);
        let (head, tail) = values.split_once(" VALUES ").and_then(|(h, t)| Some((h, t.split_once(" ON CONFLICT ")?.1))).expect("an upsert");
        let sql = format!(r#"{head} SELECT {} FROM {stage} ORDER BY "seq" ON CONFLICT {tail}; TRUNCATE {stage}"#, names.join(", "));
        conn.execute_batch("SAVEPOINT impex_upsert")?;
        let sent = conn.copy_in(&format!(r#"COPY {stage} ("seq", {}) FROM STDIN"#, names.join(", ")), &data).and_then(|_| super::checked::CheckedWrite::write(checked.as_ref(), conn, || conn.execute_batch(&sql)));
        if sent.is_ok() {
            conn.execute_batch("RELEASE SAVEPOINT impex_upsert")?;
        } else {
            // which row, and why: the rows one by one, to the first the server refuses
            conn.execute_batch("ROLLBACK TO SAVEPOINT impex_upsert; RELEASE SAVEPOINT impex_upsert")?;
            let one = upsert(table, fixed_cols, cols, key, &update);
            for r in rows.iter() {
                let values: Vec<crate::db::Value> = fixed.iter().cloned().chain(r.iter().cloned()).collect();
                conn.execute_batch("SAVEPOINT impex_upsert")?;
                if let Err(e) = conn.execute(&one, &crate::db::refs(&values)) {
                    conn.execute_batch("ROLLBACK TO SAVEPOINT impex_upsert; RELEASE SAVEPOINT impex_upsert")?;
                    let id = r[0].as_str().map(String::from).unwrap_or_else(|| format!("{:?}", r[0]));
                    return Err(crate::db::StoreError::new(e.kind, format!("\"{table}\" row of {} {id}: {e}", cols[0])));
                }
                conn.execute_batch("RELEASE SAVEPOINT impex_upsert")?;
            }
            sent?;
        }
        rows.clear();
        keys.clear();
        Ok(())
    }
}

/// The temporary table a batch of `table`'s rows is copied into (PostgreSQL).
fn stage(table: &str) -> String {
    format!("\"impex_stage_{table}\"")
}

/// `v` in COPY's text format.
fn copy_value(out: &mut Vec<u8>, v: &crate::db::Value) {
    use crate::db::Value;
    match v {
        Value::Null => crate::db::stmt::copy_text(out, None),
        Value::Integer(i) => out.extend_from_slice(i.to_string().as_bytes()),
        Value::Real(f) => out.extend_from_slice(f.to_string().as_bytes()),
        Value::Text(t) => crate::db::stmt::copy_text(out, Some(t)),
        Value::Blob(b) => {
            out.extend_from_slice(b"\\\\x");
            for byte in b {
                out.extend_from_slice(format!("{byte:02x}").as_bytes());
            }
        }
    }
}

/// Writes the articles of one A file of `supplier` (insert, or update of the supplier's article
/// with that number).
pub struct ArticleWriter<'c> {
    st: Upsert<'c, 24>,
}

impl<'c> ArticleWriter<'c> {
    /// `update`: the columns of [`ARTICLE_COLUMNS`] the file has (an existing article keeps the others).
    pub fn new(conn: &'c Conn, supplier: i64, import_file: i64, now: &str, update: &[&str]) -> StoreResult<Self> {
        let fixed = vec![supplier.into(), import_file.into(), now.into(), now.into()];
        let st = Upsert::new(conn, "SupplierArticleDO", &["supplierRef", "importFileRef", "creationDate", "modificationDate"], &ARTICLE_COLUMNS, &["supplierRef", "supplierArticleNo"], update, fixed)?;
        Ok(ArticleWriter { st })
    }

    pub fn write(&mut self, values: &[Val<'_>; 24]) -> StoreResult<()> {
        self.st.write(values)
    }

    /// Writes what is still collected (PostgreSQL); after the last row.
    pub fn finish(mut self) -> StoreResult<()> {
        self.st.flush()
    }
}

/// Writes the availability and prices of one BCG file of `supplier` in `shop` (insert, or
/// update of the row of that shop, supplier and article number).
pub struct StockWriter<'c> {
    st: Upsert<'c, 21>,
}

impl<'c> StockWriter<'c> {
    /// `update`: the columns of [`STOCK_COLUMNS`] the file has (an existing row keeps the others).
    pub fn new(conn: &'c Conn, shop: i64, supplier: i64, import_file: i64, now: &str, update: &[&str]) -> StoreResult<Self> {
        let fixed = vec![shop.into(), supplier.into(), import_file.into(), now.into(), now.into()];
        let st = Upsert::new(
            conn,
            "ArticleStockDO",
            &["shopRef", "supplierRef", "importFileRef", "creationDate", "modificationDate"],
            &STOCK_COLUMNS,
            &["shopRef", "supplierRef", "supplierArticleNo"],
            update,
            fixed,
        )?;
        Ok(StockWriter { st })
    }

    pub fn write(&mut self, values: &[Val<'_>; 21]) -> StoreResult<()> {
        self.st.write(values)
    }

    /// Writes what is still collected (PostgreSQL); after the last row.
    pub fn finish(mut self) -> StoreResult<()> {
        self.st.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A second write of the same key updates the configured columns only and counts the version up.
    #[test]
    fn stock_upsert_updates_configured_columns_only() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = crate::db::open(&dir.path().join("t.db")).unwrap();
        crate::db::migrate::init(&mut conn).unwrap();
        conn.sql().pragma_update(None, "foreign_keys", "OFF").unwrap();
        let mut v: [Val<'_>; 21] = [Val::Null; 21];
        v[0] = Val::Text("0042");
        v[1] = Val::Text("EUR");
        v[6] = Val::Int(5);
        {
            let mut w = StockWriter::new(&conn, 1, 2, 3, "2026-01-01", &STOCK_COLUMNS).unwrap();
            w.write(&v).unwrap();
        }
        v[1] = Val::Null;
        v[6] = Val::Int(7);
        {
            let mut w = StockWriter::new(&conn, 1, 2, 4, "2026-01-02", &["supplierArticleNo", "stockLevel"]).unwrap();
            w.write(&v).unwrap();
        }
        let row: (String, Option<String>, i64, i64, i64) = conn
            .query_row(r#"SELECT "supplierArticleNo", "currency", "stockLevel", "version", "importFileRef" FROM "ArticleStockDO""#, params![], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .unwrap();
        assert_eq!(row, ("0042".into(), Some("EUR".into()), 7, 2, 4));
    }
}
