//! `"OpenPositionDO"` rows of an OpenPositions import, written through prepared bulk
//! statements (insert, or update of the existing position).
use crate::db::bulk::{Bulk, Val};
use crate::db::{Conn, StoreResult};

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


/// Writes open positions of one file. Each position's invoice is found by its `RefNr` (only
/// an invoice of the file's shop whose debtor, if it names one, is the position's); a position
/// for an invoice that has one already replaces it (the update trigger keeps the old version
/// in `"OpenPositionVersionDO"`, `"version"` counts up).
///
/// The positions are collected in a temporary table (an invoice once) and written at each
/// [`OpenPositionWriter::flush`] (about 5,000 at a time) set-wise, in file order, each with its
/// invoice found by the unique index: on PostgreSQL by one `INSERT ... SELECT ... ON CONFLICT
/// DO UPDATE`, on SQLite by an `INSERT ... ON CONFLICT DO NOTHING` and, for the invoices that
/// had a position, an `UPDATE ... FROM`.
///
/// On SQLite, that one statement per batch instead of one per position is what keeps the
/// order-change triggers cheap: a statement that may write rows of a second table (the
/// trigger's `"OrderChangeDO"`) and may fail on a constraint keeps a statement journal, into
/// which SQLite copies every page the statement changes first, the whole 64 KB page; per
/// position that was four pages, and the import ran at a fifth of its speed without the
/// triggers (docs/performance.md, "Import"). Per batch, a page is copied once.
///
/// On PostgreSQL, a statement per position would be a round trip to the server each: the
/// positions are sent with `COPY` into the temporary table (and flushed before a second
/// position of the same invoice, which one `ON CONFLICT DO UPDATE` cannot touch twice); each
/// invoice is locked as the foreign key's check would (docs/postgres.md, "Bulk imports").
pub struct OpenPositionWriter<'c> {
    /// Positions given so far (the index of the next one).
    count: u64,
    by: By<'c>,
}

enum By<'c> {
    Rows(Box<Rows<'c>>),
    Copy(Box<Staged<'c>>),
}

/// The positions collected in the temporary table on SQLite.
struct Rows<'c> {
    conn: &'c Conn,
    /// Inserts a position into the stage: `"seq"` (?1), the position's values (?2..?21).
    stage: Bulk<'c, STAGE_ROW_VALUES>,
    /// The insert of the stage's positions whose invoice has none; the file's values are ?1..?6.
    insert: String,
    /// The update of the positions that were there before the insert (?7: the highest id
    /// then) by the stage's.
    update: String,
    /// The hash of each staged `RefNr` (an invoice is staged once; a collision only writes
    /// the stage earlier).
    refs: std::collections::HashSet<u64>,
    /// The file's values, bound to `write` and the missing-invoice query.
    file: [crate::db::Value; 6],
    /// How many positions the stage holds.
    pending: u64,
}

/// The per-execution values of the SQLite stage insert.
const STAGE_ROW_VALUES: usize = OP_ROW_VALUES + 1;

/// Positions per write on SQLite.
const STAGE_ROWS: u64 = 5_000;

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
        let row_cols: Vec<String> = OP_COLUMNS[5..25].iter().map(|c| format!("\"{c}\"")).collect();
        conn.execute_batch(&format!(
            r#"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGE} ("seq" INTEGER PRIMARY KEY, {}); DELETE FROM {STAGE}"#,
            row_cols.join(", ")
        ))?;
        let marks: Vec<String> = (2..=STAGE_ROW_VALUES).map(|i| format!("?{i}")).collect();
        let stage = Bulk::prepare(conn, &format!(r#"INSERT INTO {STAGE} ("seq", {}) VALUES (?1, {})"#, row_cols.join(", "), marks.join(", ")), 1)?;
        // ?1 shop, ?2 finance controller, ?3 merchant, ?4 transmission, ?5 import file, ?6 import date
        let file_value = |c: &str| match c {
            "shopRef" => "?1".to_string(),
            "financeControllerRef" => "?2".to_string(),
            "invoicingRef" => r#"i."id""#.to_string(),
            "merchantId" => "?3".to_string(),
            "transId" => "?4".to_string(),
            "importFileRef" => "?5".to_string(),
            "importDate" => "?6".to_string(),
            c => format!("s.\"{c}\""),
        };
        let names: Vec<String> = OP_COLUMNS.iter().map(|c| format!("\"{c}\"")).collect();
        let values: Vec<String> = OP_COLUMNS.iter().map(|c| file_value(c)).collect();
        let sets: Vec<String> = OP_COLUMNS.iter().filter(|c| **c != "invoicingRef").map(|c| format!("\"{c}\" = {}", file_value(c))).collect();
        // Two statements, not one upsert: the update of an upsert runs its triggers with the
        // conflict policy ABORT, which overrides the `INSERT OR REPLACE` of the order-change
        // triggers (a second change of an order failed on "OrderChangeDO"."orderRef").
        // (CROSS JOIN: the stage is the outer loop, in file order; the invoice by its unique index)
        let insert = format!(
            r#"INSERT INTO "OpenPositionDO" ({}, "version")
               SELECT {}, 1 FROM {STAGE} s CROSS JOIN "InvoicingDO" i ON i."invoiceNo" = s."refNr"
               WHERE {SQLITE_INVOICE} ORDER BY s."seq"
               ON CONFLICT ("invoicingRef") DO NOTHING"#,
            names.join(", "),
            values.join(", "),
        );
        // (the stage with its invoices materialized first: as a join of the update, SQLite's
        // planner scanned the positions' index for each staged one)
        let update = format!(
            r#"WITH s AS MATERIALIZED (SELECT s.*, i."id" AS "invoice" FROM {STAGE} s CROSS JOIN "InvoicingDO" i ON i."invoiceNo" = s."refNr" WHERE {SQLITE_INVOICE})
               UPDATE "OpenPositionDO" AS p SET {}, "version" = p."version" + 1
               FROM s WHERE p."invoicingRef" = s."invoice" AND +p."id" <= ?7"#,
            sets.join(", "),
        );
        use crate::db::Value;
        let file = [Value::Integer(f.shop), Value::Integer(f.finance_controller), Value::Text(f.merchant_id.into()), Value::Text(f.trans_id.into()), Value::Integer(f.import_file), Value::Text(f.import_date.into())];
        Ok(OpenPositionWriter { count: 0, by: By::Rows(Box::new(Rows { conn, stage, insert, update, refs: Default::default(), file, pending: 0 })) })
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
            By::Rows(r) => {
                if !r.refs.insert(ref_hash(p.ref_nr)) {
                    if let Some(i) = r.flush()? {
                        return Ok(Some(i));
                    }
                    r.refs.insert(ref_hash(p.ref_nr));
                }
                let mut values = [Val::Null; STAGE_ROW_VALUES];
                values[0] = Val::Int(index as i64);
                values[1..].copy_from_slice(&open_position_values(p));
                r.stage.execute(&values)?;
                r.pending += 1;
                if r.pending >= STAGE_ROWS {
                    return r.flush();
                }
                Ok(None)
            }
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

    /// Writes the collected positions; returns the index of the first one that could not be
    /// written (as [`OpenPositionWriter::write`]).
    pub fn flush(&mut self) -> StoreResult<Option<u64>> {
        match &mut self.by {
            By::Rows(r) => r.flush(),
            By::Copy(st) => st.flush(),
        }
    }

    /// How many of the positions given are written (the others are collected).
    pub fn written(&self) -> u64 {
        match &self.by {
            By::Rows(r) => self.count - r.pending,
            By::Copy(st) => self.count - st.refs.len() as u64,
        }
    }

    /// How many positions were given to [`OpenPositionWriter::write`].
    pub fn count(&self) -> u64 {
        self.count
    }
}

/// The invoice `i` of stage row `s` on SQLite: of the file's shop (?1) and of the position's
/// debtor when it names one.
const SQLITE_INVOICE: &str = r#"i."shopRef" = ?1 AND (i."debitorRef" IS NULL OR i."debitorRef" = s."debitorRef")"#;

fn ref_hash(ref_nr: &str) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault};
    BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default().hash_one(ref_nr)
}

impl Rows<'_> {
    /// Writes the staged positions and empties the stage. Returns the index of the first
    /// without its invoice (the import stops there; what this batch wrote goes with the file's
    /// transaction).
    fn flush(&mut self) -> StoreResult<Option<u64>> {
        if self.pending == 0 {
            return Ok(None);
        }
        let c = self.conn;
        let [a, b, m, t, i, d] = &self.file;
        let before: i64 = c.query_row(r#"SELECT coalesce(max("id"), 0) FROM "OpenPositionDO""#, &[], |r| r.get(0))?;
        let mut written = c.execute(&self.insert, crate::db::params![*a, *b, *m, *t, *i, *d])? as u64;
        if written < self.pending {
            written += c.execute(&self.update, crate::db::params![*a, *b, *m, *t, *i, *d, before])? as u64;
        }
        let missing = if written < self.pending {
            let sql = format!(
                r#"SELECT s."seq" FROM {STAGE} s WHERE NOT EXISTS (SELECT 1 FROM "InvoicingDO" i WHERE i."invoiceNo" = s."refNr" AND {SQLITE_INVOICE}) ORDER BY s."seq" LIMIT 1"#
            );
            c.query_rows(&sql, crate::db::params![*a])?.first().and_then(|r| r[0].as_i64()).map(|seq| seq as u64)
        } else {
            None
        };
        c.execute_batch(&format!("DELETE FROM {STAGE}"))?;
        self.pending = 0;
        self.refs.clear();
        Ok(missing)
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

    /// The writer inserts, replaces (the old version kept), and writes nothing for a `RefNr`
    /// that is no invoice of the shop and debtor; in a batch of several, it names the first
    /// position without its invoice and writes the others.
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
                 ('D', 2, NULL, '2015-01-01', 1, 1), ('E', 1, NULL, '2015-01-01', 1, 1)"#,
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
        // one position per write
        let steps: &[(&str, i64, i64, bool)] = &[
            ("A", 5, 10, true),  // insert
            ("A", 5, 9, true),   // replaces
            ("B", 7, 20, true),  // insert
            ("B", 8, 21, false), // B is of debtor 7
            ("A", 5, 8, true),   // replaces again
            ("D", 5, 30, false), // D is of shop 2
            ("NOPE", 5, 1, false),
        ];
        for (i, (r, d, open, ok)) in steps.iter().enumerate() {
            let first_unwritten = w.write(&pos(r, *d, *open)).unwrap().or(w.flush().unwrap());
            assert_eq!(first_unwritten.is_none(), *ok, "step {i}: {r}");
            if !ok {
                assert_eq!(first_unwritten, Some(i as u64));
            }
            assert_eq!(w.written(), w.count());
        }
        // several in one write: the first without its invoice is named, the others written
        for (r, open) in [("C", 40), ("NOPE", 1), ("D", 1), ("E", 50)] {
            assert_eq!(w.write(&pos(r, 5, open)).unwrap(), None);
        }
        assert_eq!(w.written(), steps.len() as u64);
        assert_eq!(w.flush().unwrap(), Some(steps.len() as u64 + 1));
        // an invoice twice in one batch: the first is written before the second is staged
        for (r, open) in [("E", 51), ("A", 7), ("E", 52)] {
            assert_eq!(w.write(&pos(r, 5, open)).unwrap(), None);
        }
        assert_eq!(w.written(), w.count() - 1);
        assert_eq!(w.flush().unwrap(), None);
        drop(w);
        let rows: Vec<(String, i64, i64)> = conn.sql()
            .prepare(r#"SELECT "refNr", "openAmount", "version" FROM "OpenPositionDO" ORDER BY "refNr""#)
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(rows, vec![("A".into(), 7, 4), ("B".into(), 20, 1), ("C".into(), 40, 1), ("E".into(), 52, 3)]);
        let versions: Vec<(i64, i64)> = conn.sql()
            .prepare(r#"SELECT "openAmount", "version" FROM "OpenPositionVersionDO" ORDER BY "version", "openAmount""#)
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(versions, vec![(10, 1), (50, 1), (9, 2), (51, 2), (8, 3)]);
    }
}
