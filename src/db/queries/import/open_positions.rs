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
/// On SQLite, one statement per position in the usual case: the writer first tries what the
/// previous position needed (a new file's positions are inserts, the daily file of an
/// accounting system mostly replaces positions), the other statement only when that one does
/// not apply (insert: the invoice has a position; update: it has none). Single-row inserts need
/// no statement journal. The file's shared values are bound once.
///
/// On PostgreSQL, a statement per position would be a round trip to the server each: the
/// positions are collected and sent with `COPY` into a temporary table at each
/// [`OpenPositionWriter::flush`] (about 5,000 at a time, and before a second position of the
/// same invoice), then one `INSERT ... SELECT ... ON CONFLICT DO UPDATE` writes them, each with
/// its invoice found by the unique index (docs/postgres.md, "Bulk imports").
pub struct OpenPositionWriter<'c> {
    /// Positions given so far (the index of the next one).
    count: u64,
    by: By<'c>,
}

enum By<'c> {
    Rows { insert: Bulk<'c, OP_ROW_VALUES>, update: Bulk<'c, OP_ROW_VALUES>, update_first: bool },
    Copy(Box<Staged<'c>>),
}

/// The positions collected for the next COPY on PostgreSQL.
struct Staged<'c> {
    conn: &'c Conn,
    /// The file's values, in COPY's text format, for each row (after the position's own).
    fixed: Vec<u8>,
    /// The rows, in COPY's text format.
    rows: Vec<u8>,
    /// The RefNr of each collected position (an invoice appears once per COPY).
    refs: std::collections::HashSet<String>,
    /// The set-wise reference checks, when the per-row ones may be skipped.
    checked: Option<super::checked::CheckedWrite>,
}

/// The temporary table the positions are copied into: `"seq"` (the position's index), the
/// position's values (?6..?25) and the file's, in the types of `"OpenPositionDO"`.
const STAGE: &str = "impex_open_position_stage";

/// Collected positions are sent when this many bytes are collected (about 5,000 positions).
const STAGE_BYTES: usize = 1 << 20;

/// The columns of the stage after `"seq"`: the position's, then the file's.
fn stage_columns() -> Vec<&'static str> {
    let file = ["shopRef", "financeControllerRef", "invoicingRef", "merchantId", "transId", "importFileRef", "importDate"];
    let mut cols: Vec<&str> = OP_COLUMNS.iter().copied().filter(|c| !file.contains(c)).collect();
    cols.extend(file.iter().copied().filter(|c| *c != "invoicingRef"));
    cols
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
        if conn.is_postgres() {
            let cols: Vec<String> = stage_columns().iter().map(|c| format!("\"{c}\"")).collect();
            conn.execute_batch(&format!(
                r#"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGE} ON COMMIT DROP AS SELECT CAST(0 AS int8) AS "seq", {} FROM "OpenPositionDO" WITH NO DATA"#,
                cols.join(", ")
            ))?;
            conn.execute_batch(&format!("TRUNCATE {STAGE}"))?;
            let mut fixed = Vec::new();
            for v in [Some(f.shop.to_string().as_str()), Some(f.finance_controller.to_string().as_str()), Some(f.merchant_id), Some(f.trans_id), Some(f.import_file.to_string().as_str()), Some(f.import_date)] {
                fixed.push(b'\t');
                crate::db::stmt::copy_text(&mut fixed, v);
            }
            // (the invoice is found by the write's join, which locks it)
            let checked = super::checked::CheckedWrite::prepare(conn, "OpenPositionDO", STAGE, &stage_columns(), &["invoicingRef"])?;
            let staged = Staged { conn, fixed, rows: Vec::with_capacity(STAGE_BYTES + 4096), refs: Default::default(), checked };
            return Ok(OpenPositionWriter { count: 0, by: By::Copy(Box::new(staged)) });
        }
        let (insert, update) = open_position_statements();
        let mut insert = Bulk::prepare(conn, &insert, 6)?;
        let mut update = Bulk::prepare(conn, &update, 6)?;
        for s in [&mut insert, &mut update] {
            s.bind_fixed(1, f.shop.into())?;
            s.bind_fixed(2, f.finance_controller.into())?;
            s.bind_fixed(4, f.merchant_id.into())?;
            s.bind_fixed(5, f.trans_id.into())?;
            s.bind_fixed(26, f.import_file.into())?;
            s.bind_fixed(27, f.import_date.into())?;
        }
        Ok(OpenPositionWriter { count: 0, by: By::Rows { insert, update, update_first: false } })
    }

    /// Writes `p` (the position with index [`OpenPositionWriter::count`] before the call), or
    /// collects it to be written at the next [`OpenPositionWriter::flush`]. Returns the index of
    /// a position that could not be written because its `RefNr` is no invoice of the shop and
    /// of its debtor, when that is known (this one, or on PostgreSQL one collected before it):
    /// nothing more is written then, and the caller finds out which reference is wrong.
    pub fn write(&mut self, p: &OpenPositionRow<'_>) -> StoreResult<Option<u64>> {
        let index = self.count;
        self.count += 1;
        match &mut self.by {
            By::Rows { insert, update, update_first } => Ok((!write_row(insert, update, update_first, p)?).then_some(index)),
            By::Copy(st) => {
                if st.refs.contains(p.ref_nr) || st.rows.len() >= STAGE_BYTES {
                    if let Some(i) = st.flush()? {
                        return Ok(Some(i));
                    }
                }
                st.push(index, p);
                Ok(None)
            }
        }
    }

    /// Writes the collected positions (PostgreSQL); returns the index of the first one that
    /// could not be written (as [`OpenPositionWriter::write`]). On SQLite there is nothing to do.
    pub fn flush(&mut self) -> StoreResult<Option<u64>> {
        match &mut self.by {
            By::Rows { .. } => Ok(None),
            By::Copy(st) => st.flush(),
        }
    }

    /// How many of the positions given are written (the others are collected).
    pub fn written(&self) -> u64 {
        match &self.by {
            By::Rows { .. } => self.count,
            By::Copy(st) => self.count - st.refs.len() as u64,
        }
    }

    /// How many positions were given to [`OpenPositionWriter::write`].
    pub fn count(&self) -> u64 {
        self.count
    }
}

/// One position by the SQLite statements; false when its invoice is not there.
fn write_row(insert: &mut Bulk<'_, OP_ROW_VALUES>, update: &mut Bulk<'_, OP_ROW_VALUES>, update_first: &mut bool, p: &OpenPositionRow<'_>) -> StoreResult<bool> {
    let values = open_position_values(p);
    if *update_first {
        if update.execute(&values)? == 1 {
            return Ok(true);
        }
        return Ok(match insert_row(insert, &values)? {
            Inserted::Yes => {
                *update_first = false;
                true
            }
            // (Exists cannot follow a failed update within the transaction)
            Inserted::NoInvoice | Inserted::Exists => false,
        });
    }
    match insert_row(insert, &values)? {
        Inserted::Yes => Ok(true),
        Inserted::NoInvoice => Ok(false),
        Inserted::Exists => {
            *update_first = true;
            Ok(update.execute(&values)? == 1)
        }
    }
}

fn insert_row(insert: &mut Bulk<'_, OP_ROW_VALUES>, values: &[Val<'_>; OP_ROW_VALUES]) -> StoreResult<Inserted> {
    match insert.execute(values) {
        Ok(_) => Ok(Inserted::Yes),
        // (SQLite's messages, PostgreSQL's SQLSTATEs)
        Err(e) if e.kind == StoreErrorKind::Constraint && (e.message.contains("NOT NULL constraint failed") || e.message.contains("(23502)")) => Ok(Inserted::NoInvoice),
        Err(e) if e.kind == StoreErrorKind::Constraint && (e.message.contains("UNIQUE constraint failed") || e.message.contains("(23505)")) => Ok(Inserted::Exists),
        Err(e) => Err(e),
    }
}

impl Staged<'_> {
    /// Adds position `index` as a row of COPY's text format.
    fn push(&mut self, index: u64, p: &OpenPositionRow<'_>) {
        self.refs.insert(p.ref_nr.to_string());
        let out = &mut self.rows;
        out.extend_from_slice(index.to_string().as_bytes());
        for v in open_position_values(p) {
            out.push(b'\t');
            match v {
                Val::Null => crate::db::stmt::copy_text(out, None),
                Val::Int(n) => out.extend_from_slice(n.to_string().as_bytes()),
                Val::Text(t) => crate::db::stmt::copy_text(out, Some(t)),
            }
        }
        out.extend_from_slice(&self.fixed);
        out.push(b'\n');
    }

    /// Sends the collected positions and writes them. Returns the index of the first without
    /// its invoice (the import stops there; what this batch wrote goes with the file's
    /// transaction).
    fn flush(&mut self) -> StoreResult<Option<u64>> {
        if self.refs.is_empty() {
            return Ok(None);
        }
        let c = self.conn;
        let cols = stage_columns();
        let quoted: Vec<String> = cols.iter().map(|c| format!("\"{c}\"")).collect();
        let staged = c.copy_in(&format!(r#"COPY {STAGE} ("seq", {}) FROM STDIN"#, quoted.join(", ")), &self.rows)?;
        self.rows.clear();
        self.refs.clear();
        let invoice = r#"i."invoiceNo" = s."refNr" AND i."shopRef" = s."shopRef" AND (i."debitorRef" IS NULL OR i."debitorRef" = s."debitorRef")"#;
        // One statement: each position with its invoice (locked FOR KEY SHARE, as the foreign
        // key's own check would lock it) is inserted in file order, or replaces the invoice's
        // position (the version trigger keeps the old one). An invoice is in a batch once.
        // Planned anew each time (not prepared): a plan made while "OpenPositionDO" was empty
        // scans it, and it grows within the file's transaction (a prepared insert made the
        // import quadratic: 25 s for 20,000 positions after an ANALYZE of the empty table).
        let sets: Vec<String> = quoted.iter().map(|q| format!("{q} = EXCLUDED.{q}")).collect();
        let from_stage: Vec<String> = quoted.iter().map(|q| format!("s.{q}")).collect();
        let sql = format!(
            r#"INSERT INTO "OpenPositionDO" ({cols}, "invoicingRef", "version")
               SELECT {from_stage}, i."id", 1 FROM {STAGE} s CROSS JOIN LATERAL (SELECT i."id" FROM "InvoicingDO" i WHERE {invoice} LIMIT 1 FOR KEY SHARE) i ORDER BY s."seq"
               ON CONFLICT ("invoicingRef") DO UPDATE SET {sets}, "version" = "OpenPositionDO"."version" + 1"#,
            sets = sets.join(", "),
            cols = quoted.join(", "),
            from_stage = from_stage.join(", "),
        );
        let written = super::checked::CheckedWrite::write(self.checked.as_ref(), c, || c.execute_replanned(&sql))?;
        if written < staged {
            let missing = c.query_rows(&format!(r#"SELECT s."seq" FROM {STAGE} s WHERE NOT EXISTS (SELECT 1 FROM "InvoicingDO" i WHERE {invoice}) ORDER BY s."seq" LIMIT 1"#), &[])?;
            if let Some(seq) = missing.first().and_then(|r| r[0].as_i64()) {
                return Ok(Some(seq as u64));
            }
        }
        c.execute_batch(&format!("TRUNCATE {STAGE}"))?;
        Ok(None)
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
            assert_eq!(w.write(&pos(r, *d, *open)).unwrap().is_none(), *ok, "step {i}: {r}");
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
