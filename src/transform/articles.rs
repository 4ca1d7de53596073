//! ImportCsvArticleBean (`"TransformerBeanDefDO"` -10300, an impex bean): IOM's supplier CSV
//! files `<shopId>_<supplierId>_<yyyyMMddHHmmss>_<TYPE>.csv`, TYPE `A` (article basic data, into
//! `"SupplierArticleDO"`) or `BCG` (availability and prices, into `"ArticleStockDO"`).
//!
//! - The header of a supplier's files of a type is configured in `"ImportConfigurationDO"`
//!   (`csvHeader`, `csvDelimiter`, `csvQuote`; NULL quote = 0x18). The file's header line must
//!   name the same columns, in any order (matched by name, case-insensitively).
//! - Values are trimmed of spaces and tabs; an empty value is NULL. Decimals take a comma or a
//!   point; money is stored in minor units (rounded half to even) and as the exact decimal.
//! - The whole file is refused (nothing written) for a bad file name, an unknown shop or
//!   supplier, a missing configuration, a header that does not match it, a row with another
//!   number of fields, or a value that is not what its column needs (e.g. a non-numeric stock).
//! - Streaming in constant memory: a parser thread reads the records (the `csv` crate) in
//!   batches; this thread checks each and writes it with one prepared upsert.
use std::path::Path;

use crate::db::bulk::Val;
use crate::db::queries::import::{self as q, ArticleWriter, StockWriter, ARTICLE_COLUMNS, STOCK_COLUMNS};
use crate::db::Conn;

use super::values::{decimal_to_minor, Rounding};
use super::{ConfigError, Ctx, ImportError, Params, Transformer};

pub fn build(conn: &Conn, params: &Params) -> Result<Box<dyn Transformer>, ConfigError> {
    Ok(Box::new(Articles { shop: super::open_positions::checked_shop(conn, params)? }))
}

struct Articles {
    /// The process's shop: a file's shop must be it or one of its child shops.
    shop: i64,
}

/// The type of a file (the `<TYPE>` of its name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Article basic data.
    A,
    /// Availability and prices.
    Bcg,
}

impl Kind {
    /// Its `"ImportDatapackFileTypeDefDO"` id.
    pub fn type_def(self) -> i64 {
        match self {
            Kind::A => 1,
            Kind::Bcg => 13,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::A => "A",
            Kind::Bcg => "BCG",
        }
    }

    /// The columns files of this type can have.
    pub fn fields(self) -> &'static [Field] {
        match self {
            Kind::A => A_FIELDS,
            Kind::Bcg => BCG_FIELDS,
        }
    }

    fn columns(self) -> &'static [&'static str] {
        match self {
            Kind::A => &ARTICLE_COLUMNS,
            Kind::Bcg => &STOCK_COLUMNS,
        }
    }
}

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    Text,
    /// `supplierArticleNo`: mandatory text.
    Key,
    /// A decimal (comma or point), stored as text with a point.
    Decimal,
    /// Money: minor units (slot) and the exact decimal (slot + 1).
    Money,
    /// A whole number (a decimal with a zero fraction is accepted).
    Int,
    /// The stock level: a mandatory whole number.
    Stock,
    /// 1/0, true/false, yes/no, y/n, j/ja.
    Bool,
}

/// A CSV column: its name in the header, its type and the value slot it is written to.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub ty: Type,
    pub slot: usize,
}

const fn f(name: &'static str, ty: Type, slot: usize) -> Field {
    Field { name, ty, slot }
}

/// TYPE A, in the standard header's order; slots are [`ARTICLE_COLUMNS`].
pub const A_FIELDS: &[Field] = &[
    f("supplierArticleNo", Type::Key, 0),
    f("manufacturer", Type::Text, 1),
    f("manufacturerArticleNo", Type::Text, 2),
    f("ISBN", Type::Text, 3),
    f("EAN", Type::Text, 4),
    f("articleName", Type::Text, 5),
    f("length", Type::Decimal, 6),
    f("height", Type::Decimal, 7),
    f("width", Type::Decimal, 8),
    f("weight", Type::Decimal, 9),
    f("assortmentName", Type::Text, 10),
    f("assortmentIdentifier", Type::Text, 11),
    f("deliveryForm", Type::Text, 12),
    f("customsTariffNo", Type::Text, 13),
    f("parentSupplierArticleNo", Type::Text, 14),
    f("articleForm", Type::Text, 15),
    f("immaterialUid", Type::Text, 16),
    f("articleLanguage", Type::Text, 17),
    f("supplierSalesCode", Type::Text, 18),
    f("supplierArticleIdentifier", Type::Text, 19),
    f("articleType", Type::Text, 20),
    f("edition", Type::Text, 21),
    f("packagingUnit", Type::Text, 22),
    f("packagingUnitValue", Type::Decimal, 23),
];

/// TYPE BCG, in the standard header's order; slots are [`STOCK_COLUMNS`].
pub const BCG_FIELDS: &[Field] = &[
    f("supplierArticleNo", Type::Key, 0),
    f("currency", Type::Text, 1),
    f("purchasePrice", Type::Money, 2),
    f("listPrice", Type::Money, 4),
    f("stockLevel", Type::Stock, 6),
    f("stockType", Type::Text, 7),
    f("availabilityInDays", Type::Int, 8),
    f("salesPrice", Type::Money, 9),
    f("basicPrice", Type::Money, 11),
    f("basicPriceUnitValue", Type::Decimal, 13),
    f("basicPriceUnit", Type::Text, 14),
    f("salesPriceOld", Type::Money, 15),
    f("provisionType", Type::Text, 17),
    f("provisionPercentage", Type::Decimal, 18),
    f("taxType", Type::Text, 19),
    f("isBestseller", Type::Bool, 20),
];

/// What a file name says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileName {
    pub shop: i64,
    pub supplier: i64,
    /// `yyyyMMddHHmmss`.
    pub stamp: String,
    pub kind: Kind,
}

/// Parses `<shopId>_<supplierId>_<yyyyMMddHHmmss>_<TYPE>.csv`.
pub fn parse_file_name(name: &str) -> Result<FileName, String> {
    let bad = |why: &str| format!("file name `{name}` is not <shopId>_<supplierId>_<yyyyMMddHHmmss>_<A|BCG>.csv: {why}");
    let stem = name.strip_suffix(".csv").ok_or_else(|| bad("it does not end in .csv"))?;
    let parts: Vec<&str> = stem.split('_').collect();
    let [shop, supplier, stamp, kind] = parts[..] else { return Err(bad("it needs four parts separated by _")) };
    let id = |v: &str, what: &str| -> Result<i64, String> {
        if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad(&format!("{what} `{v}` is not a number")));
        }
        v.parse().map_err(|_| bad(&format!("{what} `{v}` is out of range")))
    };
    let shop = id(shop, "shopId")?;
    let supplier = id(supplier, "supplierId")?;
    if stamp.len() != 14 || chrono::NaiveDateTime::parse_from_str(stamp, "%Y%m%d%H%M%S").is_err() {
        return Err(bad(&format!("`{stamp}` is not a time yyyyMMddHHmmss")));
    }
    let kind = match kind {
        "A" => Kind::A,
        "BCG" => Kind::Bcg,
        other => return Err(bad(&format!("TYPE `{other}` is neither A nor BCG"))),
    };
    Ok(FileName { shop, supplier, stamp: stamp.to_string(), kind })
}

/// How a supplier's files of one type are written: delimiter, quote and the configured columns.
#[derive(Debug, Clone)]
pub struct Layout {
    pub kind: Kind,
    pub delimiter: u8,
    pub quote: u8,
    /// Indices into [`Kind::fields`] of the configured columns.
    pub configured: Vec<usize>,
}

/// One character of a configuration column: itself, or `\t`/`TAB`, `0x18`, `\x18`, `\u0018`.
fn config_char(v: &str, what: &str, default: u8) -> Result<u8, String> {
    if v.is_empty() {
        return Ok(default);
    }
    if v.len() == 1 && v.is_ascii() {
        return Ok(v.as_bytes()[0]);
    }
    if v == "\\t" || v.eq_ignore_ascii_case("tab") {
        return Ok(b'\t');
    }
    let hex = v.strip_prefix("0x").or_else(|| v.strip_prefix("\\x")).or_else(|| v.strip_prefix("\\u"));
    match hex.and_then(|h| u8::from_str_radix(h, 16).ok()).filter(|b| b.is_ascii()) {
        Some(b) => Ok(b),
        None => Err(format!("{what} `{}` is not one ASCII character (or \\t, 0xNN, \\uNNNN)", v.escape_debug())),
    }
}

impl Layout {
    /// The layout of a configuration row (errors name the row).
    pub fn new(kind: Kind, header: &str, delimiter: &str, quote: Option<&str>) -> Result<Layout, String> {
        let delimiter = config_char(delimiter, "csvDelimiter", b'|')?;
        let quote = config_char(quote.unwrap_or(""), "csvQuote", 0x18)?;
        if delimiter == quote || matches!(delimiter, b'\r' | b'\n') {
            return Err("csvDelimiter must differ from csvQuote and from the line end".into());
        }
        let fields = kind.fields();
        let mut configured = Vec::new();
        for name in header.split(delimiter as char) {
            let name = clean_name(name, quote);
            let i = find_field(fields, &name).ok_or_else(|| {
                format!("csvHeader names `{name}`, which is no column of {} files (known: {})", kind.name(), names(fields))
            })?;
            if configured.contains(&i) {
                return Err(format!("csvHeader names `{name}` twice"));
            }
            configured.push(i);
        }
        if !configured.contains(&0) {
            return Err("csvHeader must name supplierArticleNo".into());
        }
        Ok(Layout { kind, delimiter, quote, configured })
    }

    /// The columns the file's rows write (an existing row keeps the others).
    fn update_columns(&self) -> Vec<&'static str> {
        let (fields, columns) = (self.kind.fields(), self.kind.columns());
        let mut out = Vec::new();
        for &i in &self.configured {
            let fl = fields[i];
            out.push(columns[fl.slot]);
            if fl.ty == Type::Money {
                out.push(columns[fl.slot + 1]);
            }
        }
        out
    }
}

fn clean_name(name: &str, quote: u8) -> String {
    name.trim_start_matches('\u{feff}').trim_matches(|c: char| c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == quote as char).to_string()
}

fn find_field(fields: &[Field], name: &str) -> Option<usize> {
    fields.iter().position(|f| f.name.eq_ignore_ascii_case(name))
}

fn names(fields: &[Field]) -> String {
    fields.iter().map(|f| f.name).collect::<Vec<_>>().join(", ")
}

/// Where a value of a row comes from (resolved into a [`Val`] once the row is read).
#[derive(Debug, Clone, Copy)]
enum Cell {
    Null,
    Int(i64),
    /// A field of the record.
    Field(usize),
    /// A range of the row's scratch text.
    Scratch(usize, usize),
}

/// Drops the CR of each CRLF line end before the CSV parser sees it (the `csv` crate reads CRLF
/// files, but counts a record's line one too low in them). A CR elsewhere stays.
struct StripCr<R> {
    inner: R,
    buf: Box<[u8]>,
    pos: usize,
    len: usize,
    /// A CR at the end of the last chunk, held back until the next byte is known.
    held_cr: bool,
    eof: bool,
}

impl<R: std::io::Read> StripCr<R> {
    fn new(inner: R) -> Self {
        Self::with_capacity(inner, 1 << 16)
    }

    fn with_capacity(inner: R, n: usize) -> Self {
        StripCr { inner, buf: vec![0; n.max(2)].into_boxed_slice(), pos: 0, len: 0, held_cr: false, eof: false }
    }

    fn refill(&mut self) -> std::io::Result<()> {
        let mut start = 0;
        if self.held_cr {
            self.buf[0] = b'\r';
            self.held_cr = false;
            start = 1;
        }
        let n = loop {
            match self.inner.read(&mut self.buf[start..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
        self.eof = n == 0;
        self.pos = 0;
        self.len = start + n;
        if !self.eof && self.buf[self.len - 1] == b'\r' {
            self.len -= 1;
            self.held_cr = true;
        }
        Ok(())
    }
}

impl<R: std::io::Read> std::io::Read for StripCr<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        while self.pos == self.len {
            if self.eof && !self.held_cr {
                return Ok(0);
            }
            self.refill()?;
        }
        let mut w = 0;
        while w < out.len() && self.pos < self.len {
            let b = self.buf[self.pos];
            self.pos += 1;
            if b == b'\r' && self.pos < self.len && self.buf[self.pos] == b'\n' {
                continue;
            }
            out[w] = b;
            w += 1;
        }
        if w == 0 {
            return self.read(out);
        }
        Ok(w)
    }
}

/// The field name of an error.
fn err(record: u64, line: u64, field: &str, reason: impl Into<String>) -> ImportError {
    ImportError::at(record, line, field, reason)
}

fn shorten(v: &str) -> String {
    if v.chars().count() > 40 {
        format!("{}...", v.chars().take(40).collect::<String>())
    } else {
        v.to_string()
    }
}

/// A decimal with a comma or a point, normalised (`-1,5` -> `-1.5`, `,5` -> `0.5`) into `out`.
pub fn normalise_decimal(v: &str, out: &mut String) -> Result<(), String> {
    let bad = || format!("`{}` is not a number (a decimal with a comma or a point, e.g. 12,50)", shorten(v));
    let (neg, body) = match v.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, v.strip_prefix('+').unwrap_or(v)),
    };
    let (int, frac) = match body.find([',', '.']) {
        Some(i) => (&body[..i], &body[i + 1..]),
        None => (body, ""),
    };
    if int.is_empty() && frac.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) || int.len() + frac.len() > 30 {
        return Err(bad());
    }
    if neg {
        out.push('-');
    }
    out.push_str(if int.is_empty() { "0" } else { int });
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    Ok(())
}

/// A whole number; a decimal whose fraction is zero (`5,00`) is accepted.
fn whole(v: &str) -> Result<i64, String> {
    let bad = || format!("`{}` is not a whole number", shorten(v));
    let mut s = String::new();
    normalise_decimal(v, &mut s).map_err(|_| bad())?;
    let int = match s.split_once('.') {
        Some((i, f)) if f.bytes().all(|b| b == b'0') => i,
        Some(_) => return Err(bad()),
        None => &s,
    };
    int.parse().map_err(|_| format!("`{}` is out of range", shorten(v)))
}

fn boolean(v: &str) -> Result<i64, String> {
    match v.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "y" | "j" | "ja" => Ok(1),
        "0" | "false" | "no" | "n" | "nein" => Ok(0),
        _ => Err(format!("`{}` is not a yes/no value (1/0, true/false, yes/no, y/n, j/n)", shorten(v))),
    }
}

/// Reads the records of a CSV file (after its header), without looking at their values.
pub struct CsvReader<R: std::io::Read> {
    reader: csv::Reader<StripCr<R>>,
    /// The field name of each column (for messages).
    names: Vec<&'static str>,
    /// Records read so far (the header not counted).
    pub records: u64,
}

impl<R: std::io::Read> CsvReader<R> {
    /// Reads the next record into `record`; false at the end. Its line is `record.position()`.
    pub fn read(&mut self, record: &mut csv::StringRecord) -> Result<bool, ImportError> {
        match self.reader.read_record(record) {
            Ok(more) => {
                if more {
                    self.records += 1;
                }
                Ok(more)
            }
            Err(e) => {
                let (line, field) = match e.kind() {
                    csv::ErrorKind::Utf8 { pos, err } => (pos.as_ref().map(|p| p.line()), Some(err.field())),
                    _ => (e.position().map(|p| p.line()), None),
                };
                let field = field.and_then(|i| self.names.get(i)).map(|n| n.to_string());
                let reason = match e.kind() {
                    csv::ErrorKind::Utf8 { .. } => "the text is not UTF-8".to_string(),
                    _ => format!("unreadable: {e}"),
                };
                Err(ImportError { record: Some(self.records + 1), line, field, reason, pos: None })
            }
        }
    }

    /// Bytes read so far.
    pub fn bytes(&self) -> u64 {
        self.reader.position().byte()
    }
}

/// Checks the values of a file's records and turns them into the values of its table's columns.
pub struct Checker {
    layout: Layout,
    /// For each column of the file, its index into [`Kind::fields`].
    columns: Vec<usize>,
    scratch: String,
    cells: Vec<Cell>,
}

/// Opens `input` with `layout`: reads the header line and checks it against the configuration.
pub fn open<R: std::io::Read>(input: R, layout: Layout) -> Result<(CsvReader<R>, Checker), ImportError> {
    let reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(layout.delimiter)
        .quote(layout.quote)
        .double_quote(true)
        .buffer_capacity(1 << 16)
        .from_reader(StripCr::new(input));
    let mut reader = CsvReader { reader, names: Vec::new(), records: 0 };
    let mut header = csv::StringRecord::new();
    if !reader.read(&mut header).map_err(|e| ImportError { record: None, ..e })? {
        return Err(ImportError { line: Some(1), ..ImportError::file("the file is empty: the header line is missing") });
    }
    reader.records = 0;
    let fields = layout.kind.fields();
    let line = header.position().map_or(1, |p| p.line());
    let herr = |field: Option<String>, reason: String| ImportError { line: Some(line), field, ..ImportError::file(reason) };
    let configured = || layout.configured.iter().map(|&i| fields[i].name).collect::<Vec<_>>().join(", ");
    let mut columns = Vec::new();
    for name in header.iter() {
        let name = clean_name(name, layout.quote);
        let i = find_field(fields, &name).filter(|i| layout.configured.contains(i)).ok_or_else(|| {
            herr(Some(name.clone()), format!("the header names `{name}`, which is not a configured column (\"ImportConfigurationDO\".\"csvHeader\": {})", configured()))
        })?;
        if columns.contains(&i) {
            return Err(herr(Some(name.clone()), format!("the header names `{name}` twice")));
        }
        columns.push(i);
    }
    if let Some(&missing) = layout.configured.iter().find(|i| !columns.contains(i)) {
        let name = fields[missing].name;
        return Err(herr(Some(name.into()), format!("the header lacks the configured column `{name}`")));
    }
    reader.names = columns.iter().map(|&i| fields[i].name).collect();
    let n = layout.kind.columns().len();
    Ok((reader, Checker { layout, columns, scratch: String::new(), cells: vec![Cell::Null; n] }))
}

impl Checker {
    /// The columns rows of this file write.
    pub fn update_columns(&self) -> Vec<&'static str> {
        self.layout.update_columns()
    }

    /// Checks `rec`, the `record`-th row of the file; `write` gets its values (in the order of
    /// the kind's columns).
    pub fn check<const N: usize>(
        &mut self,
        rec: &csv::StringRecord,
        record: u64,
        write: impl FnOnce(&[Val<'_>; N]) -> Result<(), ImportError>,
    ) -> Result<(), ImportError> {
        let line = rec.position().map_or(0, |p| p.line());
        if rec.len() != self.columns.len() {
            return Err(ImportError {
                record: Some(record),
                line: Some(line),
                reason: format!("{} fields, but the header has {}", rec.len(), self.columns.len()),
                ..ImportError::default()
            });
        }
        let fields = self.layout.kind.fields();
        self.scratch.clear();
        for c in self.cells.iter_mut() {
            *c = Cell::Null;
        }
        for (col, &fi) in self.columns.iter().enumerate() {
            let fl = fields[fi];
            let v = rec[col].trim_matches([' ', '\t']);
            if v.is_empty() {
                match fl.ty {
                    Type::Key => return Err(err(record, line, fl.name, "mandatory value is empty")),
                    Type::Stock => return Err(err(record, line, fl.name, "the stock level is empty")),
                    _ => continue,
                }
            }
            let cell_err = |r: String| err(record, line, fl.name, r);
            match fl.ty {
                // (trimmed again when resolved below)
                Type::Text | Type::Key => self.cells[fl.slot] = Cell::Field(col),
                Type::Decimal => {
                    let s = self.scratch.len();
                    normalise_decimal(v, &mut self.scratch).map_err(cell_err)?;
                    self.cells[fl.slot] = Cell::Scratch(s, self.scratch.len());
                }
                Type::Money => {
                    let s = self.scratch.len();
                    normalise_decimal(v, &mut self.scratch).map_err(cell_err)?;
                    let minor = decimal_to_minor(&self.scratch[s..], Rounding::HalfEven).map_err(|_| {
                        cell_err(format!("`{}` is not an amount (at most 15 digits before and 5 after the decimal comma or point)", shorten(v)))
                    })?;
                    self.cells[fl.slot] = Cell::Int(minor);
                    self.cells[fl.slot + 1] = Cell::Scratch(s, self.scratch.len());
                }
                Type::Int | Type::Stock => self.cells[fl.slot] = Cell::Int(whole(v).map_err(cell_err)?),
                Type::Bool => self.cells[fl.slot] = Cell::Int(boolean(v).map_err(cell_err)?),
            }
        }
        let mut values: [Val<'_>; N] = [Val::Null; N];
        for (v, c) in values.iter_mut().zip(&self.cells) {
            *v = match *c {
                Cell::Null => Val::Null,
                Cell::Int(i) => Val::Int(i),
                Cell::Field(col) => Val::Text(rec[col].trim_matches([' ', '\t'])),
                Cell::Scratch(s, e) => Val::Text(&self.scratch[s..e]),
            };
        }
        write(&values).map_err(|e| e.in_record(record))
    }
}

/// A file read and checked on one thread, row by row.
pub struct CsvRows<R: std::io::Read> {
    pub reader: CsvReader<R>,
    pub checker: Checker,
    record: csv::StringRecord,
}

impl<R: std::io::Read> CsvRows<R> {
    pub fn new(input: R, layout: Layout) -> Result<Self, ImportError> {
        let (reader, checker) = open(input, layout)?;
        Ok(CsvRows { reader, checker, record: csv::StringRecord::new() })
    }

    /// Rows read so far.
    pub fn records(&self) -> u64 {
        self.reader.records
    }

    /// The line of the last row read.
    pub fn line(&self) -> u64 {
        self.record.position().map_or(0, |p| p.line())
    }

    /// Reads and checks the next row; `write` gets its values. False at the end of the file.
    pub fn next_row<const N: usize>(&mut self, write: impl FnOnce(&[Val<'_>; N]) -> Result<(), ImportError>) -> Result<bool, ImportError> {
        if !self.reader.read(&mut self.record)? {
            return Ok(false);
        }
        self.checker.check(&self.record, self.reader.records, write)?;
        Ok(true)
    }
}

/// Reads every row of `input` with `layout` without writing (the fuzz target's entry): the
/// number of rows, or the first error.
pub fn check_csv(input: &[u8], layout: Layout) -> Result<u64, ImportError> {
    let kind = layout.kind;
    let mut rows = CsvRows::new(input, layout)?;
    match kind {
        Kind::A => while rows.next_row::<24>(|_| Ok(()))? {},
        Kind::Bcg => while rows.next_row::<21>(|_| Ok(()))? {},
    }
    Ok(rows.records())
}

impl Articles {
    /// Checks the file name's shop and supplier and finds the configuration.
    fn layout(&self, conn: &Conn, f: &FileName) -> Result<Layout, ImportError> {
        let name_err = |r: String| ImportError { field: Some("file name".into()), ..ImportError::file(r) };
        match q::shop_parent(conn, f.shop)? {
            None => return Err(name_err(format!("shop {} of the file name is no \"ShopDO\"", f.shop))),
            Some(parent) if f.shop != self.shop && parent != Some(self.shop) => {
                return Err(name_err(format!(
                    "shop {} of the file name is neither the process's shop {} (parameter SHOP_ID) nor one of its shops",
                    f.shop, self.shop
                )))
            }
            Some(_) => {}
        }
        if !q::supplier_exists(conn, f.supplier)? {
            return Err(name_err(format!("supplier {} of the file name is no \"SupplierDO\"", f.supplier)));
        }
        let c = q::csv_configuration(conn, f.supplier, f.kind.type_def())?.ok_or_else(|| {
            name_err(format!(
                "supplier {} has no configuration for {} files: add an \"ImportConfigurationDO\" row (supplierRef {}, importDatapackFileTypeDefRef {}, csvHeader ...)",
                f.supplier,
                f.kind.name(),
                f.supplier,
                f.kind.type_def()
            ))
        })?;
        Layout::new(f.kind, &c.header, &c.delimiter, c.quote.as_deref())
            .map_err(|r| ImportError::file(format!("\"ImportConfigurationDO\" id {}: {r}", c.id)))
    }
}

impl Transformer for Articles {
    /// Shop and supplier are checked once per file; the import file row is the file's own.
    fn checks_references(&self) -> bool {
        true
    }

    fn import(&self, ctx: &mut Ctx<'_>, file: &Path) -> Result<u64, ImportError> {
        let f = parse_file_name(ctx.file_name).map_err(|r| ImportError { field: Some("file name".into()), ..ImportError::file(r) })?;
        let layout = self.layout(ctx.tx, &f)?;
        let input = std::fs::File::open(file).map_err(|e| ImportError::file(format!("cannot open {}: {e}", file.display())))?;
        let (reader, checker) = open(input, layout)?;
        let update = checker.update_columns();
        let now = crate::time::now_text();
        match f.kind {
            Kind::A => {
                let mut w = ArticleWriter::new(ctx.tx, f.supplier, ctx.import_file_id, &now, &update)?;
                let n = run::<24>(reader, checker, ctx, |v| w.write(v).map_err(Into::into))?;
                w.finish()?;
                Ok(n)
            }
            Kind::Bcg => {
                let mut w = StockWriter::new(ctx.tx, f.shop, f.supplier, ctx.import_file_id, &now, &update)?;
                let n = run::<21>(reader, checker, ctx, |v| w.write(v).map_err(Into::into))?;
                w.finish()?;
                Ok(n)
            }
        }
    }
}

/// Records per batch from the parser thread to the writer.
const BATCH: usize = 512;

/// Records read by the parser thread, on their way to the writer (reused).
#[derive(Default)]
struct Batch {
    records: Vec<csv::StringRecord>,
    len: usize,
    /// The error that ended reading (after the records before it).
    error: Option<ImportError>,
    bytes: u64,
}

/// Reads the records, checks and writes them; returns their number. A parser thread reads the
/// records (CSV and UTF-8) in batches of [`BATCH`], through a bounded channel (constant memory),
/// while this thread checks and writes them (8 % faster than one thread on the benchmark:
/// docs/performance.md).
fn run<const N: usize>(
    mut reader: CsvReader<std::fs::File>,
    mut checker: Checker,
    ctx: &mut Ctx<'_>,
    mut write: impl FnMut(&[Val<'_>; N]) -> Result<(), ImportError>,
) -> Result<u64, ImportError> {
    let mut next_progress = 10_000;
    std::thread::scope(|s| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Batch>(4);
        let (back_tx, back_rx) = std::sync::mpsc::channel::<Batch>();
        let parser = s.spawn(move || loop {
            let mut b = back_rx.try_recv().unwrap_or_default();
            b.len = 0;
            let mut end = false;
            while b.len < BATCH {
                if b.records.len() == b.len {
                    b.records.push(csv::StringRecord::new());
                }
                match reader.read(&mut b.records[b.len]) {
                    Ok(true) => b.len += 1,
                    Ok(false) => end = true,
                    Err(e) => {
                        b.error = Some(e);
                        end = true;
                    }
                }
                if end {
                    break;
                }
            }
            b.bytes = reader.bytes();
            if tx.send(b).is_err() || end {
                return;
            }
        });
        let mut n = 0u64;
        let mut bytes = 0;
        let result = (|| {
            for mut b in rx.iter() {
                for rec in &b.records[..b.len] {
                    n += 1;
                    checker.check::<N>(rec, n, &mut write)?;
                }
                if let Some(e) = b.error.take() {
                    return Err(e);
                }
                bytes = b.bytes;
                if n >= next_progress {
                    ctx.progress(bytes, n);
                    next_progress = n + 10_000;
                }
                let _ = back_tx.send(b);
            }
            Ok(n)
        })();
        // a writer that stopped early stops the parser (its next send fails)
        drop(rx);
        if let Err(p) = parser.join() {
            std::panic::resume_unwind(p);
        }
        if result.is_ok() {
            ctx.progress(bytes, n);
        }
        result
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names() {
        assert_eq!(
            parse_file_name("10000_5000_20261202153000_BCG.csv"),
            Ok(FileName { shop: 10000, supplier: 5000, stamp: "20261202153000".into(), kind: Kind::Bcg })
        );
        assert_eq!(parse_file_name("1_2_20261202153000_A.csv").unwrap().kind, Kind::A);
        for bad in ["1_2_20261202153000_B.csv", "1_2_2026120215300_A.csv", "1_2_20261302153000_A.csv", "x_2_20261202153000_A.csv", "1_2_20261202153000_A.txt", "1_20261202153000_A.csv"] {
            assert!(parse_file_name(bad).is_err(), "{bad}");
        }
    }

    /// CRLF becomes LF wherever the chunks of the underlying reader end; other CRs stay.
    #[test]
    fn strip_cr_across_chunk_ends() {
        use std::io::Read;
        let input = b"a\r\nb\rc\r\r\n\r\n\r";
        for cap in 2..12 {
            let mut out = Vec::new();
            StripCr::with_capacity(&input[..], cap).read_to_end(&mut out).unwrap();
            assert_eq!(out, b"a\nb\rc\r\n\n\r", "capacity {cap}");
        }
    }

    #[test]
    fn decimals_and_whole_numbers() {
        let norm = |v: &str| {
            let mut s = String::new();
            normalise_decimal(v, &mut s).map(|_| s)
        };
        assert_eq!(norm("12,50").unwrap(), "12.50");
        assert_eq!(norm("-,5").unwrap(), "-0.5");
        assert_eq!(norm("+7").unwrap(), "7");
        assert_eq!(norm("3.").unwrap(), "3");
        for bad in ["", "-", "1.2.3", "1,2.3", "12a", "1 000", "e5", ","] {
            assert!(norm(bad).is_err(), "{bad}");
        }
        assert_eq!(whole("5,00"), Ok(5));
        assert_eq!(whole("-3"), Ok(-3));
        assert!(whole("5,5").is_err());
        assert!(whole("n/a").is_err());
    }

    fn bcg_layout() -> Layout {
        Layout::new(Kind::Bcg, "supplierArticleNo|currency|purchasePrice|stockLevel|isBestseller", "|", None).unwrap()
    }

    #[test]
    fn rows_crlf_quotes_reordered_header() {
        let file = b"stockLevel|supplierArticleNo|currency|purchasePrice|isBestseller\r\n5|0042|EUR|12,345|1\r\n7|\x18a|b\x18|EUR| 3.5 |no\r\n8|x|EUR|1|0\r\n";
        let mut rows = CsvRows::new(&file[..], bcg_layout()).unwrap();
        let mut got = Vec::new();
        let mut lines = Vec::new();
        while rows
            .next_row::<21>(|v| {
                got.push((v[0], v[2], v[3], v[6], v[20]).map_debug());
                Ok(())
            })
            .unwrap()
        {
            lines.push(rows.line());
        }
        assert_eq!(lines, vec![2, 3, 4]);
        assert_eq!(got, vec![
            r#"(Text("0042"), Int(1234), Text("12.345"), Int(5), Int(1))"#.to_string(),
            r#"(Text("a|b"), Int(350), Text("3.5"), Int(7), Int(0))"#.to_string(),
            r#"(Text("x"), Int(100), Text("1"), Int(8), Int(0))"#.to_string(),
        ]);
    }

    trait MapDebug {
        fn map_debug(&self) -> String;
    }
    impl<T: std::fmt::Debug> MapDebug for T {
        fn map_debug(&self) -> String {
            format!("{self:?}")
        }
    }

    #[test]
    fn refusals_name_line_and_field() {
        let e = check_csv(b"supplierArticleNo|currency|purchasePrice|stockLevel|isBestseller\n1|EUR|1|x|1\n", bcg_layout()).unwrap_err();
        assert_eq!((e.record, e.line, e.field.as_deref()), (Some(1), Some(2), Some("stockLevel")), "{e}");
        let e = check_csv(b"supplierArticleNo|currency|purchasePrice|stockLevel|isBestseller\n1|EUR|1|2|1\n2|EUR|1|2\n", bcg_layout()).unwrap_err();
        assert_eq!((e.record, e.line), (Some(2), Some(3)), "{e}");
        assert!(e.reason.contains("4 fields, but the header has 5"), "{e}");
        let e = check_csv(b"supplierArticleNo|currency|purchasePrice|stockLevel\n", bcg_layout()).unwrap_err();
        assert!(e.reason.contains("lacks the configured column `isBestseller`"), "{e}");
        let e = check_csv(b"supplierArticleNo|currency|purchasePrice|stockLevel|isBestseller|listPrice\n", bcg_layout()).unwrap_err();
        assert!(e.reason.contains("`listPrice`, which is not a configured column"), "{e}");
        assert!(check_csv(b"", bcg_layout()).is_err());
        let e = check_csv(b"supplierArticleNo|currency|purchasePrice|stockLevel|isBestseller\r\n1|EUR|1|2|1\r\n2|\xe4|1|2|1\r\n", bcg_layout()).unwrap_err();
        assert_eq!((e.record, e.line, e.field.as_deref(), e.reason.as_str()), (Some(2), Some(3), Some("currency"), "the text is not UTF-8"));
        // a BOM before the header, empty lines, no line end at the end
        let ok = b"\xef\xbb\xbfsupplierArticleNo|currency|purchasePrice|stockLevel|isBestseller\r\n\r\n1|EUR|1|2|1\n\n2|EUR|1|2|0";
        assert_eq!(check_csv(ok, bcg_layout()), Ok(2));
        assert!(Layout::new(Kind::Bcg, "supplierArticleNo|nope", "|", None).is_err());
        assert!(Layout::new(Kind::Bcg, "currency", "|", None).is_err());
        assert_eq!(Layout::new(Kind::A, "supplierArticleNo", "\\t", Some("0x22")).map(|l| (l.delimiter, l.quote)).unwrap(), (b'\t', b'"'));
    }
}
