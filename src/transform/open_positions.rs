//! ImportXmlOpenpositionsBean (`"TransformerBeanDefDO"` 22): OpenPositions files of an
//! external accounting system (reference: "Debtor Management Import Open Positions").
//!
//! - `MerchantId` (or `MerchantID`) must be a `"Shop2FinanceControllerDO"."financeControllerShopName"`
//!   of the process's shop (parameter SHOP_ID); that row names the finance controller whose
//!   mappings apply.
//! - `PayType` maps through `"FinanceController2PaymentDefDO"."financeControllerPaymentImportName"`
//!   (mandatory, no fallback); `DunningLevel`, when given, through `"Shop2DunningLevelDO"`.
//! - `RefNr` must be an invoice (`"InvoicingDO"."invoiceNo"`) of the shop and `Debtor/@id` a
//!   `"DebitorDO"` of the shop (the invoice's debtor when the invoice names one).
//! - Dates YYYY-MM-DD; amounts integers in minor units (may be negative); mandatory fields and
//!   sizes of the reference's field table.
//! - The current position per invoice is in `"OpenPositionDO"`; a later position for the same
//!   invoice replaces it and the old one is kept in `"OpenPositionVersionDO"`.
use crate::db::Conn;
use std::collections::HashMap;


use super::values::{FieldSpec, Place, Rec, Slot};
use super::xml_input::{Element, XmlInput};
use super::{ConfigError, Ctx, ImportError, Params, Transformer};
use crate::db::queries::import::{self as q, OpenPositionRow};

const SPECS: &[FieldSpec] = &[
    FieldSpec { name: "RefNr", attr: None },
    FieldSpec { name: "Debtor", attr: Some("id") },
    FieldSpec { name: "CreationDate", attr: None },
    FieldSpec { name: "VoucherNo", attr: None },
    FieldSpec { name: "VoucherDate", attr: None },
    FieldSpec { name: "EntryText", attr: None },
    FieldSpec { name: "EntryTextExt", attr: None },
    FieldSpec { name: "Currency", attr: None },
    FieldSpec { name: "PayType", attr: None },
    FieldSpec { name: "PayTerm", attr: None },
    FieldSpec { name: "OPAmount", attr: None },
    FieldSpec { name: "SumAmount", attr: None },
    FieldSpec { name: "OpenAmount", attr: None },
    FieldSpec { name: "DunningLevel", attr: None },
    FieldSpec { name: "LastDunningDate", attr: None },
    FieldSpec { name: "ContraAccount", attr: None },
    FieldSpec { name: "EntryRange", attr: None },
    FieldSpec { name: "ModificationDate", attr: None },
];

const REF_NR: usize = 0;
const DEBTOR: usize = 1;
const CREATION_DATE: usize = 2;
const VOUCHER_NO: usize = 3;
const VOUCHER_DATE: usize = 4;
const ENTRY_TEXT: usize = 5;
const ENTRY_TEXT_EXT: usize = 6;
const CURRENCY: usize = 7;
const PAY_TYPE: usize = 8;
const PAY_TERM: usize = 9;
const OP_AMOUNT: usize = 10;
const SUM_AMOUNT: usize = 11;
const OPEN_AMOUNT: usize = 12;
const DUNNING_LEVEL: usize = 13;
const LAST_DUNNING_DATE: usize = 14;
const CONTRA_ACCOUNT: usize = 15;
const ENTRY_RANGE: usize = 16;
const MODIFICATION_DATE: usize = 17;

pub fn build(conn: &Conn, params: &Params) -> Result<Box<dyn Transformer>, ConfigError> {
    Ok(Box::new(OpenPositions { shop: checked_shop(conn, params)? }))
}

/// Parameter SHOP_ID, checked to name a shop.
pub(crate) fn checked_shop(conn: &Conn, params: &Params) -> Result<i64, ConfigError> {
    let shop = params.shop_id()?;
    if !q::shop_exists(conn, shop)? {
        return Err(ConfigError(format!(
            "\"TransformerProcessDO\" id {}: parameter SHOP_ID (key 1) is {shop}, but there is no \"ShopDO\" with that id",
            params.process_id
        )));
    }
    Ok(shop)
}

struct OpenPositions {
    shop: i64,
}

/// The header of an accounting file (MerchantId, TransId) resolved to a finance controller.
pub(crate) struct Accounting {
    pub fc: i64,
    pub merchant: String,
    pub trans_id: String,
}

/// Reads the header elements of OpenPositions / PaymentHistories (before the first record).
#[derive(Default)]
pub(crate) struct HeaderReader {
    merchant: HeaderSlot,
    trans: HeaderSlot,
}

/// A header value and its line.
type HeaderSlot = Option<(String, u64)>;

impl HeaderReader {
    /// Consumes `el` if it is a header element; returns false otherwise.
    pub fn offer(&mut self, x: &mut XmlInput, el: &Element, resolved: bool) -> Result<bool, ImportError> {
        let slot = if el.name.eq_ignore_ascii_case("MerchantId") {
            &mut self.merchant
        } else if el.name.eq_ignore_ascii_case("TransId") {
            &mut self.trans
        } else {
            return Ok(false);
        };
        if resolved {
            return Err(ImportError { line: Some(el.line), field: Some(el.name.clone()), ..ImportError::file(format!("<{}> must come before the first record", el.name)) });
        }
        if slot.is_some() {
            return Err(ImportError { line: Some(el.line), field: Some(el.name.clone()), ..ImportError::file(format!("<{}> is given twice", el.name)) });
        }
        let v = x.text(el)?;
        *slot = Some((v, el.line));
        Ok(true)
    }

    /// Checks the header and finds the finance controller.
    pub fn resolve(&self, conn: &Conn, shop: i64, line: u64) -> Result<Accounting, ImportError> {
        let field = |name: &str, slot: &HeaderSlot| -> Result<String, ImportError> {
            let l = slot.as_ref().map(|s| s.1).unwrap_or(line);
            let err = |r: String| ImportError { line: Some(l), field: Some(name.to_string()), ..ImportError::file(r) };
            match slot {
                None => Err(err(format!("mandatory header field <{name}> is missing (it must come before the first record)"))),
                Some((v, _)) if v.trim().is_empty() => Err(err("mandatory header field is empty".into())),
                Some((v, _)) if v.trim().chars().count() > 20 => Err(err(format!("`{}` is longer than 20 characters", v.trim()))),
                Some((v, _)) => Ok(v.trim().to_string()),
            }
        };
        let merchant = field("MerchantId", &self.merchant)?;
        let trans_id = field("TransId", &self.trans)?;
        let mline = self.merchant.as_ref().map(|s| s.1).unwrap_or(line);
        let fc = q::finance_controller_for(conn, shop, &merchant)?.ok_or_else(|| ImportError {
            line: Some(mline),
            field: Some("MerchantId".into()),
            ..ImportError::file(format!(
                "MerchantId `{merchant}` is not a finance controller shop name of shop {shop}: add a \"Shop2FinanceControllerDO\" row (shopRef {shop}, financeControllerShopName '{merchant}', financeControllerRef <your finance controller>)"
            ))
        })?;
        Ok(Accounting { fc, merchant, trans_id })
    }
}

/// Where RefNr and Debtor/@id were in the file (for messages of the reference checks).
#[derive(Debug, Clone, Copy)]
pub(crate) struct RefLines {
    pub record: u64,
    pub ref_at: Place,
    pub debtor_at: Place,
}

/// The invoice `RefNr` of `shop` and the checked debtor: (invoice id, debtor id).
pub(crate) fn invoice_and_debtor(
    look: &mut q::Lookups<'_>,
    rec: &Rec<'_>,
    ref_i: usize,
    debtor_i: usize,
    shop: i64,
    debtors: &mut HashMap<i64, Option<i64>>,
) -> Result<(String, i64, i64), ImportError> {
    let ref_nr = rec.mandatory(ref_i, 20)?;
    let debtor = rec.long(debtor_i)?;
    let at = RefLines { record: rec.record, ref_at: rec.place_of(ref_i), debtor_at: rec.place_of(debtor_i) };
    let invoice = check_references(look, at, ref_nr, debtor, shop, debtors)?;
    Ok((ref_nr.to_string(), invoice, debtor))
}

/// Checks that `ref_nr` is an invoice of `shop` and `debtor` a debtor of `shop` (and of the
/// invoice); returns the invoice id.
pub(crate) fn check_references(
    look: &mut q::Lookups<'_>,
    at: RefLines,
    ref_nr: &str,
    debtor: i64,
    shop: i64,
    debtors: &mut HashMap<i64, Option<i64>>,
) -> Result<i64, ImportError> {
    let ref_err = |r: String| ImportError::at_place(at.record, at.ref_at, "RefNr", r);
    let debtor_err = |r: String| ImportError::at_place(at.record, at.debtor_at, "Debtor/@id", r);
    let (invoice, inv_shop, inv_debtor) = look
        .invoice_by_no(ref_nr)?
        .ok_or_else(|| ref_err(format!("no invoice with number `{ref_nr}` (\"InvoicingDO\".\"invoiceNo\")")))?;
    if inv_shop != shop {
        return Err(ref_err(format!("invoice `{ref_nr}` belongs to shop {inv_shop}, not to shop {shop} of this process")));
    }
    let dshop = match debtors.get(&debtor) {
        Some(s) => *s,
        None => {
            let s = look.debitor_shop(debtor)?;
            debtors.insert(debtor, s);
            s
        }
    };
    match dshop {
        None => return Err(debtor_err(format!("no debtor with id {debtor} (\"DebitorDO\")"))),
        Some(s) if s != shop => return Err(debtor_err(format!("debtor {debtor} belongs to shop {s}, not to shop {shop} of this process"))),
        _ => {}
    }
    if let Some(d) = inv_debtor {
        if d != debtor {
            return Err(debtor_err(format!("invoice `{ref_nr}` is of debtor {d}, not of debtor {debtor}")));
        }
    }
    Ok(invoice)
}

/// Records read from the XML (field texts not checked yet), on their way from the parser
/// thread to the writer; their texts in one buffer (no allocation per field).
#[derive(Default)]
struct Batch {
    text: String,
    records: Vec<RawRecord>,
    /// The error that ended parsing (after the records before it).
    error: Option<ImportError>,
    /// Bytes of the file read so far.
    bytes: u64,
}

impl Batch {
    fn with_capacity(records: usize) -> Batch {
        Batch { text: String::with_capacity(records * 160), records: Vec::with_capacity(records), ..Batch::default() }
    }
}

/// One `<OpenPosition>` as read: number, line and its fields' spans in the batch text.
struct RawRecord {
    record: u64,
    line: u64,
    slots: [Slot; SPECS.len()],
}

/// Records per batch from the parser thread to the writer.
const BATCH: usize = 512;

impl Transformer for OpenPositions {
    fn checks_references(&self) -> bool {
        true
    }

    /// Two threads: a parser thread only reads the XML (records flow in order through a bounded
    /// channel); this one checks each record's fields and references and writes it in the
    /// file's transaction, so the first failing record is the one reported. (The XML scan is the
    /// heavier half: the field checks are on this side to balance the two.)
    fn import(&self, ctx: &mut Ctx<'_>, file: &std::path::Path) -> Result<u64, ImportError> {
        let mut x = XmlInput::open(file)?;
        let root = x.root()?;
        if root.name != "OpenPositions" {
            return Err(ImportError {
                line: Some(root.line),
                ..ImportError::file(format!("wrong root element <{}>: ImportXmlOpenpositionsBean expects <OpenPositions>", root.name))
            });
        }
        // header (before the first record), then the finance controller and its mappings
        let mut header = HeaderReader::default();
        let first = loop {
            match x.next_child()? {
                None => {
                    header.resolve(ctx.tx, self.shop, x.line())?;
                    return Err(x.error_here("the file has no <OpenPosition> (at least one is required)"));
                }
                Some(el) => {
                    if header.offer(&mut x, &el, false)? {
                        continue;
                    }
                    break el;
                }
            }
        };
        let acc = header.resolve(ctx.tx, self.shop, first.line)?;
        let pay = q::payment_import_names(ctx.tx, acc.fc)?;
        let dunning = q::dunning_levels(ctx.tx, self.shop, acc.fc)?;
        let now = crate::time::now_text();
        let shop = self.shop;
        let file = q::OpenPositionFile {
            shop,
            finance_controller: acc.fc,
            merchant_id: &acc.merchant,
            trans_id: &acc.trans_id,
            import_file: ctx.import_file_id,
            import_date: &now,
        };
        let mut look = q::Lookups::new(ctx.tx)?;
        let mut writer = q::OpenPositionWriter::new(ctx.tx, &file)?;
        // debtor id -> its shop (None: no such debtor)
        let mut debtors: HashMap<i64, Option<i64>> = HashMap::new();
        std::thread::scope(|scope| -> Result<u64, ImportError> {
            let (tx_ch, rx) = std::sync::mpsc::sync_channel::<Batch>(8);
            // emptied batches go back to the parser to be filled again
            let (back_tx, back_rx) = std::sync::mpsc::channel::<Batch>();
            std::thread::Builder::new()
                .name("impex-parse".into())
                .spawn_scoped(scope, move || parse_records(x, first, tx_ch, back_rx))
                .map_err(|e| ImportError::file(format!("cannot start the parser thread: {e}")))?;
            let mut n: u64 = 0;
            let mut next_progress = 1024;
            // the positions given to the writer and not yet written (it collects them across
            // batches on PostgreSQL, and then tells which one it could not write), from the
            // one with index `base` on
            let mut given: std::collections::VecDeque<(RefLines, String, i64)> = Default::default();
            let mut base: u64 = 0;
            // which reference of a position not written is wrong (invoice, its shop, the
            // debtor or its shop)
            let unwritten = |look: &mut q::Lookups<'_>, debtors: &mut HashMap<i64, Option<i64>>, given: &std::collections::VecDeque<(RefLines, String, i64)>, base: u64, i: u64| {
                let (at, ref_nr, debtor) = &given[(i - base) as usize];
                match check_references(look, *at, ref_nr, *debtor, shop, debtors) {
                    Err(e) => e,
                    Ok(_) => ImportError::at_place(at.record, at.ref_at, "RefNr", "the position could not be written (no matching invoice)"),
                }
            };
            let database = |at: RefLines| move |e: crate::db::StoreError| ImportError::at_place(at.record, at.ref_at, "OpenPosition", format!("database: {e}"));
            let mut last_at = None;
            for mut batch in rx.iter() {
                for raw in &batch.records {
                    n += 1;
                    let rec = Rec { record: raw.record, line: raw.line, specs: SPECS, text: &batch.text, slots: &raw.slots };
                    let (at, row) = match check_row(shop, &acc, &rec, &pay, &dunning) {
                        Ok(r) => r,
                        Err(e) => {
                            // (unless a position given before is the first that cannot be written)
                            if let Some(i) = writer.flush().map_err(|e| ImportError::file(format!("database: {e}")))? {
                                return Err(unwritten(&mut look, &mut debtors, &given, base, i));
                            }
                            return Err(e);
                        }
                    };
                    last_at = Some(at);
                    // (those the writer has written are not needed any more)
                    while base < writer.written() {
                        given.pop_front();
                        base += 1;
                    }
                    let debtor_ok = *debtors.entry(row.debitor).or_insert_with(|| look.debitor_shop(row.debitor).ok().flatten()) == Some(shop);
                    given.push_back((at, row.ref_nr.to_string(), row.debitor));
                    let failed = if debtor_ok {
                        writer.write(&row).map_err(database(at))?
                    } else {
                        // a position given before may be the first that cannot be written
                        let earlier = writer.flush().map_err(database(at))?;
                        Some(earlier.unwrap_or(writer.count()))
                    };
                    if let Some(i) = failed {
                        return Err(unwritten(&mut look, &mut debtors, &given, base, i));
                    }
                }
                if let Some(e) = batch.error.take() {
                    if let Some(i) = writer.flush().map_err(|e| ImportError::file(format!("database: {e}")))? {
                        return Err(unwritten(&mut look, &mut debtors, &given, base, i));
                    }
                    return Err(e);
                }
                if n >= next_progress {
                    ctx.progress(batch.bytes, n);
                    next_progress = n + 1024;
                }
                batch.text.clear();
                batch.records.clear();
                let _ = back_tx.send(batch);
            }
            if let Some(at) = last_at {
                if let Some(i) = writer.flush().map_err(database(at))? {
                    return Err(unwritten(&mut look, &mut debtors, &given, base, i));
                }
            }
            Ok(n)
        })
    }
}

/// The parser thread: reads the records from `first` on and sends them in batches; stops at
/// the first error (sent in the last batch).
fn parse_records(mut x: XmlInput, first: Element, out: std::sync::mpsc::SyncSender<Batch>, back: std::sync::mpsc::Receiver<Batch>) {
    let mut slots: [Slot; SPECS.len()] = [None; SPECS.len()];
    let mut batch = Batch::with_capacity(BATCH);
    let mut n: u64 = 0;
    // one element, reused for every record
    let mut e = first;
    let result = (|| -> Result<(), ImportError> {
        loop {
            if e.name.eq_ignore_ascii_case("MerchantId") || e.name.eq_ignore_ascii_case("TransId") {
                return Err(ImportError { line: Some(e.line), field: Some(e.name.clone()), ..ImportError::file(format!("<{}> must come before the first record", e.name)) });
            }
            if !e.name.eq_ignore_ascii_case("OpenPosition") {
                return Err(ImportError {
                    line: Some(e.line),
                    field: Some(e.name.clone()),
                    ..ImportError::file(format!("unknown element <{}> in <OpenPositions> (known: MerchantId, TransId, OpenPosition)", e.name))
                });
            }
            n += 1;
            x.read_fields(&e.name, SPECS, &mut batch.text, &mut slots, n)?;
            batch.records.push(RawRecord { record: n, line: e.line, slots });
            if batch.records.len() == BATCH {
                let next = back.try_recv().unwrap_or_else(|_| Batch::with_capacity(BATCH));
                let mut full = std::mem::replace(&mut batch, next);
                full.bytes = x.position();
                if out.send(full).is_err() {
                    return Ok(()); // the writer stopped
                }
            }
            if !x.next_child_into(&mut e)? {
                break;
            }
        }
        x.finish()
    })();
    batch.error = result.err();
    batch.bytes = x.position();
    let _ = out.send(batch);
}

/// Checks the fields of one record (formats, sizes, mappings); references are checked by the
/// writer.
fn check_row<'t>(
    shop: i64,
    a: &Accounting,
    rec: &Rec<'t>,
    pay: &HashMap<String, i64>,
    dunning: &HashMap<String, i64>,
) -> Result<(RefLines, OpenPositionRow<'t>), ImportError> {
    let ref_nr = rec.mandatory(REF_NR, 20)?;
    let debitor = rec.long(DEBTOR)?;
    let at = RefLines { record: rec.record, ref_at: rec.place_of(REF_NR), debtor_at: rec.place_of(DEBTOR) };
    let creation_date = rec.iso_date(CREATION_DATE, true)?.unwrap_or_default();
    let voucher_no = rec.mandatory(VOUCHER_NO, 30)?;
    let voucher_date = rec.iso_date(VOUCHER_DATE, true)?.unwrap_or_default();
    let entry_text = rec.optional(ENTRY_TEXT, 255)?;
    let entry_text_ext = rec.optional(ENTRY_TEXT_EXT, 255)?;
    let currency = rec.mandatory(CURRENCY, 3)?;
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(rec.err(CURRENCY, format!("`{currency}` is not a 3-letter currency code (e.g. EUR)")));
    }
    let pay_type = rec.mandatory(PAY_TYPE, 3)?;
    let payment_def = *pay.get(pay_type).ok_or_else(|| {
        rec.err(
            PAY_TYPE,
            format!(
                "PayType `{pay_type}` has no mapping for finance controller {}: add a \"FinanceController2PaymentDefDO\" row (financeControllerRef {}, financeControllerPaymentImportName '{pay_type}', paymentDefRef <PaymentDefDO id>)",
                a.fc, a.fc
            ),
        )
    })?;
    let pay_term = rec.optional(PAY_TERM, 255)?;
    let op_amount = rec.amount(OP_AMOUNT)?;
    let sum_amount = rec.amount(SUM_AMOUNT)?;
    let open_amount = rec.amount(OPEN_AMOUNT)?;
    let dunning_level = rec.optional(DUNNING_LEVEL, 20)?;
    let dunning_level_def = match dunning_level {
        None => None,
        Some(d) => Some(*dunning.get(d).ok_or_else(|| {
            rec.err(
                DUNNING_LEVEL,
                format!(
                    "DunningLevel `{d}` has no mapping: add a \"Shop2DunningLevelDO\" row (shopRef {shop}, financeControllerRef {}, financeControllerDunningLevel '{d}', dunningLevelDefRef <DunningLevelDefDO id>)",
                    a.fc
                ),
            )
        })?),
    };
    let row = OpenPositionRow {
        ref_nr,
        debitor,
        creation_date,
        voucher_no,
        voucher_date,
        entry_text,
        entry_text_ext,
        currency,
        pay_type,
        payment_def,
        pay_term,
        op_amount,
        sum_amount,
        open_amount,
        dunning_level,
        dunning_level_def,
        last_dunning_date: rec.iso_date(LAST_DUNNING_DATE, false)?,
        contra_account: rec.optional(CONTRA_ACCOUNT, 20)?,
        entry_range: rec.optional(ENTRY_RANGE, 10)?,
        modification_date: rec.iso_date(MODIFICATION_DATE, false)?,
    };
    Ok((at, row))
}
