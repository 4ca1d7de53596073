//! Queries of the import pipeline: transformer configuration, `"ImportFileDO"`, the finance
//! controller mappings and the rows the beans write (`"OpenPositionDO"`, `"PaymentHistoryDO"`,
//! orders).
use crate::db::{Conn, StoreResult};
use std::collections::HashMap;

use rusqlite::{params, OptionalExtension};

use crate::db::bulk::{BulkStatement, Val};
use crate::model::import_error::ImportError;

/// One `"TransformerProcessDO"` row.
#[derive(Debug, Clone)]
pub struct ProcessRow {
    pub id: i64,
    pub bean_id: i64,
    pub regex: String,
    pub move_obsolete: bool,
}

pub fn group_name(conn: &Conn, group_id: i64) -> StoreResult<Option<String>> {
    Ok(conn.sql().query_row(r#"SELECT "name" FROM "TransformerProcessGroupDO" WHERE "id" = ?1"#, [group_id], |r| r.get(0)).optional()?)
}

pub fn group_id_by_name(conn: &Conn, name: &str) -> StoreResult<Option<i64>> {
    Ok(conn.sql().query_row(r#"SELECT "id" FROM "TransformerProcessGroupDO" WHERE "name" = ?1"#, [name], |r| r.get(0)).optional()?)
}

/// All groups with their processes' file name patterns (parameter 4 when set, else
/// filenameRegex): (group id, group name, pattern).
pub fn group_patterns(conn: &Conn) -> StoreResult<Vec<(i64, String, String)>> {
    let mut st = conn.sql().prepare(
        r#"SELECT g."id", g."name", coalesce(nullif(trim((SELECT pp."parameterValue" FROM "TransformerProcessParameterDO" pp
                  WHERE pp."transformerProcessesRef" = p."id" AND pp."transformerProcessesParameterKeyDefRef" = 4
                  ORDER BY pp."id" LIMIT 1)), ''), p."filenameRegex")
           FROM "TransformerProcessGroupDO" g JOIN "TransformerProcessDO" p ON p."transformerProcessGroupRef" = g."id"
           ORDER BY g."id", p."index", p."id""#,
    )?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    rows.collect::<rusqlite::Result<_>>().map_err(Into::into)
}

/// The processes of a group in `"index"` order.
pub fn processes(conn: &Conn, group_id: i64) -> StoreResult<Vec<ProcessRow>> {
    let mut st = conn.sql().prepare(
        r#"SELECT "id", "transformerBeanDefRef", "filenameRegex", "moveObsoleteFiles" FROM "TransformerProcessDO"
           WHERE "transformerProcessGroupRef" = ?1 ORDER BY "index", "id""#,
    )?;
    let rows = st.query_map([group_id], |r| {
        Ok(ProcessRow { id: r.get(0)?, bean_id: r.get(1)?, regex: r.get(2)?, move_obsolete: r.get::<_, i64>(3)? != 0 })
    })?;
    rows.collect::<rusqlite::Result<_>>().map_err(Into::into)
}

/// The parameters of a process by key id (the lowest row id wins on duplicates).
pub fn process_params(conn: &Conn, process_id: i64) -> StoreResult<HashMap<i64, String>> {
    let mut st = conn.sql().prepare(
        r#"SELECT "transformerProcessesParameterKeyDefRef", "parameterValue" FROM "TransformerProcessParameterDO"
           WHERE "transformerProcessesRef" = ?1 AND "parameterValue" IS NOT NULL ORDER BY "id" DESC"#,
    )?;
    let rows = st.query_map([process_id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
    rows.collect::<rusqlite::Result<_>>().map_err(Into::into)
}

pub fn shop_exists(conn: &Conn, shop_id: i64) -> StoreResult<bool> {
    Ok(conn.sql().query_row(r#"SELECT count(*) > 0 FROM "ShopDO" WHERE "id" = ?1"#, [shop_id], |r| r.get(0))?)
}

/// The newest DONE import of the same file (name, directory, size, mtime): (records, movedTo).
pub fn done_before(conn: &Conn, name: &str, directory: &str, size: i64, modified: &str) -> StoreResult<Option<(i64, Option<String>)>> {
    Ok(conn.sql().query_row(
        r#"SELECT "records", "movedTo" FROM "ImportFileDO" WHERE "fileName" = ?1 AND "directory" = ?2 AND "fileSize" = ?3
           AND "fileModified" = ?4 AND "state" = 'DONE' ORDER BY "id" DESC LIMIT 1"#,
        params![name, directory, size, modified],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()?)
}

/// Error columns of an ERROR row: record, line, field, reason, and where the file was to be moved.
pub type FailedBefore = (Option<i64>, Option<i64>, Option<String>, Option<String>, Option<String>);

/// The newest ERROR row of this very file (name, directory, size, mtime). Used to finish a
/// failed file whose row was committed before an interruption (`kill -9`) but which was never
/// moved.
pub fn failed_before(
    conn: &Conn,
    name: &str,
    directory: &str,
    size: i64,
    modified: &str,
) -> StoreResult<Option<FailedBefore>> {
    Ok(conn.sql().query_row(
        r#"SELECT "errorRecord", "errorLine", "errorField", "errorText", "movedTo" FROM "ImportFileDO"
           WHERE "fileName" = ?1 AND "directory" = ?2 AND "fileSize" = ?3 AND "fileModified" = ?4 AND "state" = 'ERROR'
           ORDER BY "id" DESC LIMIT 1"#,
        params![name, directory, size, modified],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
    )
    .optional()?)
}

/// Where an OBSOLETE row of the same file (name, directory, size, mtime) said it was moving
/// it (the newest such row).
pub fn obsolete_before(conn: &Conn, name: &str, directory: &str, size: i64, modified: &str) -> StoreResult<Option<String>> {
    Ok(conn.sql().query_row(
        r#"SELECT "movedTo" FROM "ImportFileDO"
           WHERE "fileName" = ?1 AND "directory" = ?2 AND "fileSize" = ?3 AND "fileModified" = ?4 AND "state" = 'OBSOLETE'
           ORDER BY "id" DESC LIMIT 1"#,
        params![name, directory, size, modified],
        |r| r.get(0),
    )
    .optional()
    .map(Option::flatten)?)
}

#[allow(clippy::too_many_arguments)]
pub fn insert_file(
    conn: &Conn,
    name: &str,
    directory: &str,
    group_id: i64,
    process_id: Option<i64>,
    bean_id: Option<i64>,
    state: &str,
    size: i64,
    modified: &str,
) -> StoreResult<i64> {
    conn.sql().execute(
        r#"INSERT INTO "ImportFileDO" ("fileName", "directory", "transformerProcessGroupRef", "transformerProcessRef",
               "transformerBeanDefRef", "state", "fileSize", "fileModified", "startDate")
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, now())"#,
        params![name, directory, group_id, process_id, bean_id, state, size, modified],
    )?;
    Ok(conn.sql().last_insert_rowid())
}

/// A failed or obsolete file.
pub struct ErrorRow<'a> {
    pub file_name: &'a str,
    pub directory: &'a str,
    pub group_id: i64,
    pub process_id: Option<i64>,
    pub bean_id: Option<i64>,
    pub size: i64,
    pub modified: &'a str,
    pub error: &'a ImportError,
    pub moved_to: &'a str,
}

pub fn insert_final(conn: &Conn, row: &ErrorRow<'_>, state: &str) -> StoreResult<i64> {
    conn.sql().execute(
        r#"INSERT INTO "ImportFileDO" ("fileName", "directory", "transformerProcessGroupRef", "transformerProcessRef",
               "transformerBeanDefRef", "state", "fileSize", "fileModified", "records", "errorRecord", "errorLine",
               "errorField", "errorText", "movedTo", "startDate", "endDate")
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, ?9, ?10, ?11, ?12, ?13, now(), now())"#,
        params![
            row.file_name,
            row.directory,
            row.group_id,
            row.process_id,
            row.bean_id,
            state,
            row.size,
            row.modified,
            row.error.record.map(|r| r as i64),
            row.error.line.map(|r| r as i64),
            row.error.field,
            row.error.reason,
            row.moved_to
        ],
    )?;
    Ok(conn.sql().last_insert_rowid())
}

// ---- finance controller mappings -------------------------------------------------------------

/// The finance controller whose `"financeControllerShopName"` for `shop` is `merchant`.
pub fn finance_controller_for(conn: &Conn, shop: i64, merchant: &str) -> StoreResult<Option<i64>> {
    Ok(conn.sql().query_row(
        r#"SELECT "financeControllerRef" FROM "Shop2FinanceControllerDO" WHERE "shopRef" = ?1 AND "financeControllerShopName" = ?2"#,
        params![shop, merchant],
        |r| r.get(0),
    )
    .optional()?)
}

/// `financeControllerPaymentImportName` -> `paymentDefRef` of a finance controller.
pub fn payment_import_names(conn: &Conn, fc: i64) -> StoreResult<HashMap<String, i64>> {
    let mut st = conn.sql().prepare(
        r#"SELECT "financeControllerPaymentImportName", "paymentDefRef" FROM "FinanceController2PaymentDefDO"
           WHERE "financeControllerRef" = ?1 AND "financeControllerPaymentImportName" IS NOT NULL"#,
    )?;
    let rows = st.query_map([fc], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect::<rusqlite::Result<_>>().map_err(Into::into)
}

/// `financeControllerDunningLevel` -> `dunningLevelDefRef` for a shop and finance controller.
pub fn dunning_levels(conn: &Conn, shop: i64, fc: i64) -> StoreResult<HashMap<String, i64>> {
    let mut st = conn.sql().prepare(
        r#"SELECT "financeControllerDunningLevel", "dunningLevelDefRef" FROM "Shop2DunningLevelDO"
           WHERE "shopRef" = ?1 AND "financeControllerRef" = ?2"#,
    )?;
    let rows = st.query_map([shop, fc], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect::<rusqlite::Result<_>>().map_err(Into::into)
}

/// Prepared lookups of the accounting beans, held for one file.
pub struct Lookups<'c> {
    invoice: rusqlite::Statement<'c>,
    debitor: rusqlite::Statement<'c>,
}

impl<'c> Lookups<'c> {
    pub fn new(conn: &'c Conn) -> StoreResult<Self> {
        Ok(Lookups {
            invoice: conn.sql().prepare(r#"SELECT "id", "shopRef", "debitorRef" FROM "InvoicingDO" WHERE "invoiceNo" = ?1"#)?,
            debitor: conn.sql().prepare(r#"SELECT "shopRef" FROM "DebitorDO" WHERE "id" = ?1"#)?,
        })
    }

    /// An invoice by number: (id, shopRef, debitorRef).
    pub fn invoice_by_no(&mut self, invoice_no: &str) -> StoreResult<Option<(i64, i64, Option<i64>)>> {
        Ok(self.invoice.query_row([invoice_no], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).optional()?)
    }

    /// The shop of a debtor.
    pub fn debitor_shop(&mut self, id: i64) -> StoreResult<Option<i64>> {
        Ok(self.debitor.query_row([id], |r| r.get(0)).optional()?)
    }
}

// ---- open positions ----------------------------------------------------------------------------

/// The values every open position of one file shares (bound once per file).
#[derive(Debug, Clone, Copy)]
pub struct OpenPositionFile<'h> {
    pub shop: i64,
    pub finance_controller: i64,
    pub merchant_id: &'h str,
    pub trans_id: &'h str,
    pub import_file: i64,
    pub import_date: &'h str,
}

/// One open position as imported; the text fields are borrowed from the parser's batch.
#[derive(Debug, Default, Clone, Copy)]
pub struct OpenPositionRow<'a> {
    pub ref_nr: &'a str,
    pub debitor: i64,
    pub creation_date: &'a str,
    pub voucher_no: &'a str,
    pub voucher_date: &'a str,
    pub entry_text: Option<&'a str>,
    pub entry_text_ext: Option<&'a str>,
    pub currency: &'a str,
    pub pay_type: &'a str,
    pub payment_def: i64,
    pub pay_term: Option<&'a str>,
    pub op_amount: i64,
    pub sum_amount: i64,
    pub open_amount: i64,
    pub dunning_level: Option<&'a str>,
    pub dunning_level_def: Option<i64>,
    pub last_dunning_date: Option<&'a str>,
    pub contra_account: Option<&'a str>,
    pub entry_range: Option<&'a str>,
    pub modification_date: Option<&'a str>,
}

const OP_COLUMNS: &[&str] = &[
    "shopRef", "financeControllerRef", "invoicingRef", "merchantId", "transId", "refNr", "debitorRef", "creationDate",
    "voucherNo", "voucherDate", "entryText", "entryTextExt", "currency", "payType", "paymentDefRef", "payTerm", "opAmount",
    "sumAmount", "openAmount", "dunningLevel", "dunningLevelDefRef", "lastDunningDate", "contraAccount", "entryRange",
    "modificationDate", "importFileRef", "importDate",
];

/// `INSERT` of `cols` as ?1.. and `UPDATE ... SET col = ?n, version = version + 1 WHERE <key>`.
fn insert_and_update(table: &str, cols: &[&str], key: &str) -> (String, String) {
    let names: Vec<String> = cols.iter().map(|c| format!("\"{c}\"")).collect();
    let marks: Vec<String> = (1..=cols.len()).map(|i| format!("?{i}")).collect();
    let insert = format!(r#"INSERT INTO "{table}" ({}, "version") VALUES ({}, 1)"#, names.join(", "), marks.join(", "));
    let sets: Vec<String> = cols.iter().enumerate().map(|(i, c)| format!("\"{c}\" = ?{}", i + 1)).collect();
    let update = format!(r#"UPDATE "{table}" SET {}, "version" = "version" + 1 WHERE {key}"#, sets.join(", "));
    (insert, update)
}

/// Writes open positions of one file. The invoice `RefNr` is looked up inside the statement (a
/// subquery: only an invoice of the file's shop whose debtor, if it names one, is the
/// position's); a position for an invoice that has one already replaces it (the update
/// trigger keeps the old version in `"OpenPositionVersionDO"`, `"version"` counts up).
///
/// One statement per position in the usual case: the writer first tries what the previous
/// position needed (a new file's positions are inserts, the daily file of an accounting
/// system mostly replaces positions), the other statement only when that one does not apply
/// (insert: the invoice has a position; update: it has none). Single-row inserts need no
/// statement journal. The file's shared values are bound once.
pub struct OpenPositionWriter<'c> {
    insert: BulkStatement<'c, OP_ROW_VALUES>,
    update: BulkStatement<'c, OP_ROW_VALUES>,
    update_first: bool,
}

/// The values of one position: parameters ?6..?25 (RefNr .. ModificationDate).
const OP_ROW_VALUES: usize = 20;

/// The invoice of `?6` (RefNr) in shop `?1`, of debtor `?7` when it names a debtor.
const OP_INVOICE: &str =
    r#"(SELECT i."id" FROM "InvoicingDO" i WHERE i."invoiceNo" = ?6 AND i."shopRef" = ?1 AND (i."debitorRef" IS NULL OR i."debitorRef" = ?7))"#;

/// The insert and update of [`OpenPositionWriter`]: `?n` is `OP_COLUMNS[n-1]`, except the
/// invoice (?3), which is [`OP_INVOICE`].
fn open_position_statements() -> (String, String) {
    let invoice = |c: &str| c == "invoicingRef";
    let names: Vec<String> = OP_COLUMNS.iter().map(|c| format!("\"{c}\"")).collect();
    let values: Vec<String> =
        OP_COLUMNS.iter().enumerate().map(|(i, c)| if invoice(c) { OP_INVOICE.to_string() } else { format!("?{}", i + 1) }).collect();
    let sets: Vec<String> =
        OP_COLUMNS.iter().enumerate().filter(|(_, c)| !invoice(c)).map(|(i, c)| format!("\"{c}\" = ?{}", i + 1)).collect();
    (
        format!(r#"INSERT INTO "OpenPositionDO" ({}, "version") VALUES ({}, 1)"#, names.join(", "), values.join(", ")),
        format!(r#"UPDATE "OpenPositionDO" SET {}, "version" = "version" + 1 WHERE "invoicingRef" = {OP_INVOICE}"#, sets.join(", ")),
    )
}

/// What an insert of an open position did.
enum Inserted {
    Yes,
    /// No such invoice (of the shop and debtor): the subquery gave NULL.
    NoInvoice,
    /// The invoice has a position already.
    Exists,
}

impl<'c> OpenPositionWriter<'c> {
    pub fn new(conn: &'c Conn, f: &OpenPositionFile<'_>) -> StoreResult<Self> {
        let (insert, update) = open_position_statements();
        let mut w = OpenPositionWriter {
            insert: BulkStatement::prepare(conn.sql(), &insert, 6)?,
            update: BulkStatement::prepare(conn.sql(), &update, 6)?,
            update_first: false,
        };
        for s in [&mut w.insert, &mut w.update] {
            s.bind_fixed(1, f.shop.into())?;
            s.bind_fixed(2, f.finance_controller.into())?;
            s.bind_fixed(4, f.merchant_id.into())?;
            s.bind_fixed(5, f.trans_id.into())?;
            s.bind_fixed(26, f.import_file.into())?;
            s.bind_fixed(27, f.import_date.into())?;
        }
        Ok(w)
    }

    /// Writes `p`; false when `RefNr` is no invoice of the shop and of the debtor (nothing
    /// written: the caller finds out which reference is wrong).
    pub fn write(&mut self, p: &OpenPositionRow<'_>) -> StoreResult<bool> {
        let values = open_position_values(p);
        if self.update_first {
            if self.update.execute(&values)? == 1 {
                return Ok(true);
            }
            return Ok(match self.insert(&values)? {
                Inserted::Yes => {
                    self.update_first = false;
                    true
                }
                // (Exists cannot follow a failed update within the transaction)
                Inserted::NoInvoice | Inserted::Exists => false,
            });
        }
        match self.insert(&values)? {
            Inserted::Yes => Ok(true),
            Inserted::NoInvoice => Ok(false),
            Inserted::Exists => {
                self.update_first = true;
                Ok(self.update.execute(&values)? == 1)
            }
        }
    }

    fn insert(&mut self, values: &[Val<'_>; OP_ROW_VALUES]) -> StoreResult<Inserted> {
        match self.insert.execute(values) {
            Ok(_) => Ok(Inserted::Yes),
            Err(rusqlite::Error::SqliteFailure(e, _)) if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_NOTNULL => Ok(Inserted::NoInvoice),
            Err(rusqlite::Error::SqliteFailure(e, _)) if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE => Ok(Inserted::Exists),
            Err(e) => Err(e.into()),
        }
    }
}

/// The values of one position (?6..?25) for the insert or the update.
fn open_position_values<'a>(p: &OpenPositionRow<'a>) -> [Val<'a>; OP_ROW_VALUES] {
    [
        p.ref_nr.into(),
        p.debitor.into(),
        p.creation_date.into(),
        p.voucher_no.into(),
        p.voucher_date.into(),
        p.entry_text.into(),
        p.entry_text_ext.into(),
        p.currency.into(),
        p.pay_type.into(),
        p.payment_def.into(),
        p.pay_term.into(),
        p.op_amount.into(),
        p.sum_amount.into(),
        p.open_amount.into(),
        p.dunning_level.into(),
        p.dunning_level_def.into(),
        p.last_dunning_date.into(),
        p.contra_account.into(),
        p.entry_range.into(),
        p.modification_date.into(),
    ]
}

// ---- payment histories -------------------------------------------------------------------------

#[derive(Debug, Default, Clone)]
pub struct PaymentHistoryRow {
    pub shop: i64,
    pub finance_controller: i64,
    pub invoicing: i64,
    pub merchant_id: String,
    pub trans_id: String,
    pub ref_nr: String,
    pub debitor: i64,
    pub entry_date: String,
    pub voucher_no: String,
    pub voucher_date: String,
    pub contra_account: Option<String>,
    pub position_type: String,
    pub kind: &'static str,
    pub position_details: Option<String>,
    pub position_details_ext: Option<String>,
    pub amount: i64,
    pub entry_range: Option<String>,
    pub import_file: i64,
}

const PH_COLUMNS: &[&str] = &[
    "shopRef", "financeControllerRef", "invoicingRef", "merchantId", "transId", "refNr", "debitorRef", "entryDate",
    "voucherNo", "voucherDate", "contraAccount", "positionType", "kind", "positionDetails", "positionDetailsExt", "amount",
    "entryRange", "importFileRef", "importDate",
];

/// Writes payment histories of one file: replaces the booking with the same invoice, voucher
/// and position type (the trigger keeps the old version) or inserts it.
pub struct PaymentHistoryWriter<'c> {
    exists: rusqlite::Statement<'c>,
    update: rusqlite::Statement<'c>,
    insert: rusqlite::Statement<'c>,
}

impl<'c> PaymentHistoryWriter<'c> {
    pub fn new(conn: &'c Conn) -> StoreResult<Self> {
        let (insert, update) =
            insert_and_update("PaymentHistoryDO", PH_COLUMNS, r#""invoicingRef" = ?3 AND "voucherNo" = ?9 AND "positionType" = ?12"#);
        Ok(PaymentHistoryWriter {
            exists: conn.sql().prepare(
                r#"SELECT 1 FROM "PaymentHistoryDO" WHERE "invoicingRef" = ?1 AND "voucherNo" = ?2 AND "positionType" = ?3"#,
            )?,
            update: conn.sql().prepare(&update)?,
            insert: conn.sql().prepare(&insert)?,
        })
    }

    pub fn write(&mut self, p: &PaymentHistoryRow, now: &str) -> StoreResult<()> {
        let params = params![
            p.shop,
            p.finance_controller,
            p.invoicing,
            p.merchant_id,
            p.trans_id,
            p.ref_nr,
            p.debitor,
            p.entry_date,
            p.voucher_no,
            p.voucher_date,
            p.contra_account,
            p.position_type,
            p.kind,
            p.position_details,
            p.position_details_ext,
            p.amount,
            p.entry_range,
            p.import_file,
            now
        ];
        if self.exists.exists(params![p.invoicing, p.voucher_no, p.position_type])? {
            self.update.execute(params)?;
        } else {
            self.insert.execute(params)?;
        }
        Ok(())
    }
}

// ---- orders --------------------------------------------------------------------------------------

/// An existing order of a shop: (id, creationDate).
pub fn order_by_shop_no(conn: &Conn, shop: i64, shop_order_no: &str) -> StoreResult<Option<(i64, String)>> {
    Ok(conn.sql().query_row(
        r#"SELECT "id", "creationDate" FROM "OrderDO" WHERE "shopRef" = ?1 AND "shopOrderNo" = ?2"#,
        params![shop, shop_order_no],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()?)
}

pub fn customer_by_no(conn: &Conn, shop: i64, no: &str) -> StoreResult<Option<i64>> {
    Ok(conn.sql().query_row(r#"SELECT "id" FROM "CustomerDO" WHERE "shopRef" = ?1 AND "shopCustomerNo" = ?2"#, params![shop, no], |r| r.get(0))
        .optional()?)
}

/// A `"PaymentDefDO"` id by name (case-insensitive), e.g. `PAYPAL`.
pub fn payment_def_by_name(conn: &Conn, name: &str) -> StoreResult<Option<i64>> {
    Ok(conn.sql().query_row(r#"SELECT "id" FROM "PaymentDefDO" WHERE upper("name") = upper(?1)"#, [name], |r| r.get(0)).optional()?)
}

/// A `"TaxTypeDefDO"` id by name (case-insensitive), e.g. `FullTax`.
pub fn tax_type_by_name(conn: &Conn, name: &str) -> StoreResult<Option<i64>> {
    Ok(conn.sql().query_row(r#"SELECT "id" FROM "TaxTypeDefDO" WHERE upper("name") = upper(?1)"#, [name], |r| r.get(0)).optional()?)
}

/// A `"CarrierDO"` id by its name or its id written as text.
pub fn carrier_by_name_or_id(conn: &Conn, name: &str) -> StoreResult<Option<i64>> {
    Ok(conn
        .sql()
        .query_row(r#"SELECT "id" FROM "CarrierDO" WHERE "name" = ?1 OR CAST("id" AS TEXT) = ?1"#, [name], |r| r.get(0))
        .optional()?)
}

/// `"ShopDO"."defaultCurrency"` of a shop.
pub fn shop_default_currency(conn: &Conn, shop: i64) -> StoreResult<String> {
    Ok(conn.sql().query_row(r#"SELECT "defaultCurrency" FROM "ShopDO" WHERE "id" = ?1"#, [shop], |r| r.get(0))?)
}

/// Inserts a row given as column/value pairs into `table` (the order intake writes many
/// optional columns); returns the new id.
pub fn insert_row(conn: &Conn, table: &str, cols: &[(&str, crate::db::Value)]) -> StoreResult<i64> {
    let names: Vec<String> = cols.iter().map(|(c, _)| format!("\"{c}\"")).collect();
    let marks: Vec<String> = (1..=cols.len()).map(|i| format!("?{i}")).collect();
    let sql = format!(r#"INSERT INTO "{table}" ({}) VALUES ({})"#, names.join(", "), marks.join(", "));
    let mut st = conn.sql().prepare_cached(&sql)?;
    st.execute(rusqlite::params_from_iter(cols.iter().map(|(_, v)| v)))?;
    Ok(conn.sql().last_insert_rowid())
}

// ---- payment status ------------------------------------------------------------------------------

/// `"OrderPaymentStatusView"` of one order.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OrderPaymentStatus {
    pub order_id: i64,
    pub shop_id: i64,
    pub shop_order_no: String,
    pub currency: String,
    pub invoices: i64,
    pub invoiced_amount: i64,
    pub open_amount: i64,
    pub payment_status: String,
    pub paid_percent: f64,
}

/// The orders with this shop order number (one per shop), optionally of one shop.
pub fn order_payment_status(conn: &Conn, shop_order_no: &str, shop: Option<i64>) -> StoreResult<Vec<OrderPaymentStatus>> {
    let mut st = conn.sql().prepare(
        r#"SELECT "orderRef", "shopRef", "shopOrderNo", "currency", "invoices", "invoicedAmount", "openAmount",
                  "paymentStatus", "paidPercent"
           FROM "OrderPaymentStatusView" WHERE "shopOrderNo" = ?1 AND (?2 IS NULL OR "shopRef" = ?2) ORDER BY "shopRef""#,
    )?;
    let rows = st.query_map(params![shop_order_no, shop], |r| {
        Ok(OrderPaymentStatus {
            order_id: r.get(0)?,
            shop_id: r.get(1)?,
            shop_order_no: r.get(2)?,
            currency: r.get(3)?,
            invoices: r.get(4)?,
            invoiced_amount: r.get(5)?,
            open_amount: r.get(6)?,
            payment_status: r.get(7)?,
            paid_percent: r.get(8)?,
        })
    })?;
    rows.collect::<rusqlite::Result<_>>().map_err(Into::into)
}

/// One invoice of an order with its payment state.
#[derive(Debug, Clone, serde::Serialize)]
pub struct InvoiceStatus {
    pub invoice_no: String,
    pub gross_amount: i64,
    pub invoiced_amount: i64,
    pub open_amount: i64,
    pub source: String,
}

pub fn invoice_statuses(conn: &Conn, order_id: i64) -> StoreResult<Vec<InvoiceStatus>> {
    let mut st = conn.sql().prepare(
        r#"SELECT "invoiceNo", "grossAmount", "invoicedAmount", "openAmount", "source" FROM "InvoicePaymentStatusView"
           WHERE "orderRef" = ?1 ORDER BY "invoiceNo""#,
    )?;
    let rows = st.query_map([order_id], |r| {
        Ok(InvoiceStatus { invoice_no: r.get(0)?, gross_amount: r.get(1)?, invoiced_amount: r.get(2)?, open_amount: r.get(3)?, source: r.get(4)? })
    })?;
    rows.collect::<rusqlite::Result<_>>().map_err(Into::into)
}

/// Header facts of an order for `impex order`: (creation date, customer name, total gross, state, payment method).
pub fn order_summary(conn: &Conn, order_id: i64) -> StoreResult<(String, String, Option<i64>, Option<String>)> {
    Ok(conn.sql().query_row(
        r#"SELECT "orderCreationDate", trim(coalesce("customerCompanyName" || ' ', '') || coalesce("customerFirstName" || ' ', '') || coalesce("customerLastName", '')),
                  "totalGross", "paymentMethod" FROM "OrderDO" WHERE "id" = ?1"#,
        [order_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The writer inserts, replaces, switches between trying the insert and the update first,
    /// and writes nothing for a `RefNr` that is no invoice of the shop and debtor, whichever
    /// statement it tries first.
    #[test]
    fn open_position_writer_inserts_replaces_and_refuses_wrong_references() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = crate::db::open(&dir.path().join("t.db")).unwrap();
        crate::db::migrate::init(&mut conn).unwrap();
        // the import checks references itself and turns the per-row foreign key checks off
        conn.sql().pragma_update(None, "foreign_keys", "OFF").unwrap();
        conn.sql().execute_batch(
            r#"INSERT INTO "InvoicingDO" ("invoiceNo", "shopRef", "debitorRef", "invoiceDate", "grossAmount", "netAmount") VALUES
                 ('A', 1, NULL, '2015-01-01', 1, 1), ('B', 1, 7, '2015-01-01', 1, 1), ('C', 1, NULL, '2015-01-01', 1, 1),
                 ('D', 2, NULL, '2015-01-01', 1, 1)"#,
        )
        .unwrap();
        let f = OpenPositionFile { shop: 1, finance_controller: 1, merchant_id: "XYZ", trans_id: "t", import_file: 1, import_date: "2015-01-02" };
        let mut w = OpenPositionWriter::new(&conn, &f).unwrap();
        let pos = |ref_nr: &'static str, debitor: i64, open: i64| OpenPositionRow {
            ref_nr,
            debitor,
            creation_date: "2015-01-01",
            voucher_no: "V1",
            voucher_date: "2015-01-01",
            currency: "EUR",
            pay_type: "55",
            payment_def: 3,
            open_amount: open,
            ..OpenPositionRow::default()
        };
        let steps: &[(&str, i64, i64, bool)] = &[
            ("A", 5, 10, true),  // insert
            ("A", 5, 9, true),   // insert fails (exists): update; the update is tried first from now on
            ("B", 7, 20, true),  // update finds no position: insert; the insert first again
            ("B", 8, 21, false), // B is of debtor 7
            ("A", 5, 8, true),   // update (update first again)
            ("D", 5, 30, false), // D is of shop 2 (update first: nothing; insert: no invoice)
            ("NOPE", 5, 1, false),
            ("C", 5, 40, true), // update first: nothing; insert
        ];
        for (i, (r, d, open, ok)) in steps.iter().enumerate() {
            assert_eq!(w.write(&pos(r, *d, *open)).unwrap(), *ok, "step {i}: {r}");
        }
        drop(w);
        let rows: Vec<(String, i64, i64)> = conn.sql()
            .prepare(r#"SELECT "refNr", "openAmount", "version" FROM "OpenPositionDO" ORDER BY "refNr""#)
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(rows, vec![("A".into(), 8, 3), ("B".into(), 20, 1), ("C".into(), 40, 1)]);
        let versions: Vec<(i64, i64)> = conn.sql()
            .prepare(r#"SELECT "openAmount", "version" FROM "OpenPositionVersionDO" ORDER BY "version""#)
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(versions, vec![(10, 1), (9, 2)]);
    }
}
