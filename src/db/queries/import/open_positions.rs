//! `"OpenPositionDO"` rows of an OpenPositions import, written through prepared bulk
//! statements (insert, or update of the existing position).
use crate::db::bulk::{Bulk, Val};
use crate::db::{Conn, StoreErrorKind, StoreResult};

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
    insert: Bulk<'c, OP_ROW_VALUES>,
    update: Bulk<'c, OP_ROW_VALUES>,
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
            insert: Bulk::prepare(conn, &insert, 6)?,
            update: Bulk::prepare(conn, &update, 6)?,
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
            // (SQLite's messages, PostgreSQL's SQLSTATEs)
            Err(e) if e.kind == StoreErrorKind::Constraint && (e.message.contains("NOT NULL constraint failed") || e.message.contains("(23502)")) => Ok(Inserted::NoInvoice),
            Err(e) if e.kind == StoreErrorKind::Constraint && (e.message.contains("UNIQUE constraint failed") || e.message.contains("(23505)")) => Ok(Inserted::Exists),
            Err(e) => Err(e),
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
