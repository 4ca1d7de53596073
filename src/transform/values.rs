//! Field values of the import formats: mandatory fields and sizes, dates, amounts, and the
//! checks of flat records (`<OpenPosition>`, `<PaymentHistory>`: one level of text elements,
//! read by [`super::xml_input::XmlInput::read_fields`]).
use super::ImportError;

/// One field of a flat record: its element name(s) (matched ASCII case-insensitively) and, for
/// fields given as an attribute (`<Debtor id="..."/>`), the attribute.
pub struct FieldSpec {
    pub name: &'static str,
    pub attr: Option<&'static str>,
}

/// A field's text: a byte range of the record text buffer it was read into.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn get(self, text: &str) -> &str {
        &text[self.start as usize..self.end as usize]
    }
}

/// A value read from a record: its text (a [`Span`] of the text buffer) and the position of its
/// element in the file (bytes of the decoded stream up to the end of its start tag: the line is
/// counted from it only for an error, see `super::resolve_line`).
pub type Slot = Option<(Span, u64)>;

pub use crate::model::import_error::Place;

/// Field checks of one record read by [`super::xml_input::XmlInput::read_fields`].
pub struct Rec<'a> {
    pub record: u64,
    /// Line of the record element (for missing fields).
    pub line: u64,
    pub specs: &'a [FieldSpec],
    /// The buffer the slots point into.
    pub text: &'a str,
    pub slots: &'a [Slot],
}

impl<'a> Rec<'a> {
    fn field_name(&self, i: usize) -> String {
        match self.specs[i].attr {
            Some(a) => format!("{}/@{a}", self.specs[i].name),
            None => self.specs[i].name.to_string(),
        }
    }

    /// Where field `i` is (the record's line when the field is missing).
    pub fn place_of(&self, i: usize) -> Place {
        self.slots[i].map_or(Place::Line(self.line), |s| Place::Pos(s.1))
    }

    pub fn err(&self, i: usize, reason: impl Into<String>) -> ImportError {
        ImportError::at_place(self.record, self.place_of(i), self.field_name(i), reason)
    }

    /// A mandatory text of at most `max` characters (whitespace trimmed).
    pub fn mandatory(&self, i: usize, max: usize) -> Result<&'a str, ImportError> {
        match self.optional(i, max)? {
            Some(v) => Ok(v),
            None if self.slots[i].is_none() => Err(self.err(i, format!("mandatory field <{}> is missing", self.specs[i].name))),
            None => Err(self.err(i, "mandatory field is empty")),
        }
    }

    /// An optional text of at most `max` characters; empty = absent. Trimmed of XML's white
    /// space (space, tab, CR, LF: ASCII only, as XML defines it; a no-break space is text).
    pub fn optional(&self, i: usize, max: usize) -> Result<Option<&'a str>, ImportError> {
        let Some((span, _)) = self.slots[i] else { return Ok(None) };
        let v = span.get(self.text).trim_ascii();
        if v.is_empty() {
            return Ok(None);
        }
        // at most one character per byte: count the characters only when the bytes are too many
        if v.len() > max {
            let n = v.chars().count();
            if n > max {
                return Err(self.err(i, format!("`{}` has {n} characters, at most {max} are allowed", shorten(v))));
            }
        }
        Ok(Some(v))
    }

    /// A mandatory integer (minor units, may be negative, at most 20 characters).
    pub fn amount(&self, i: usize) -> Result<i64, ImportError> {
        let v = self.mandatory(i, 20)?;
        parse_minor(v).map_err(|r| self.err(i, r))
    }

    /// A mandatory xs:long.
    pub fn long(&self, i: usize) -> Result<i64, ImportError> {
        let v = self.mandatory(i, 20)?;
        v.parse::<i64>().map_err(|_| self.err(i, format!("`{}` is not an integer id (xs:long)", shorten(v))))
    }

    /// A date in format YYYY-MM-DD (returned as given).
    pub fn iso_date(&self, i: usize, mandatory: bool) -> Result<Option<&'a str>, ImportError> {
        let v = if mandatory { Some(self.mandatory(i, 10)?) } else { self.optional(i, 10)? };
        match v {
            None => Ok(None),
            Some(v) => match parse_iso_date(v) {
                Ok(_) => Ok(Some(v)),
                Err(r) => Err(self.err(i, r)),
            },
        }
    }

    /// A date in format DDMMYYYY, returned as YYYY-MM-DD.
    pub fn ddmmyyyy(&self, i: usize) -> Result<String, ImportError> {
        let v = self.mandatory(i, 8)?;
        parse_ddmmyyyy(v).map_err(|r| self.err(i, r))
    }
}

fn shorten(v: &str) -> String {
    if v.chars().count() > 40 {
        format!("{}...", v.chars().take(40).collect::<String>())
    } else {
        v.to_string()
    }
}

/// An integer amount in minor units: optional sign, digits only.
pub fn parse_minor(v: &str) -> Result<i64, String> {
    let digits = v.strip_prefix('-').or_else(|| v.strip_prefix('+')).unwrap_or(v);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("`{}` is not an amount in minor units (an integer like 12345 or -500; no decimal point)", shorten(v)));
    }
    v.parse::<i64>().map_err(|_| format!("`{v}` is out of range"))
}

/// `YYYY-MM-DD`, checked to be a real date.
pub fn parse_iso_date(v: &str) -> Result<&str, String> {
    let b = v.as_bytes();
    if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        if let (Some(y), Some(m), Some(d)) = (digits(&b[0..4]), digits(&b[5..7]), digits(&b[8..10])) {
            if chrono::NaiveDate::from_ymd_opt(y as i32, m, d).is_some() {
                return Ok(v);
            }
        }
    }
    Err(format!("`{}` is not a date in format YYYY-MM-DD (e.g. 2015-01-18)", shorten(v)))
}

/// `DDMMYYYY` -> `YYYY-MM-DD`.
pub fn parse_ddmmyyyy(v: &str) -> Result<String, String> {
    let b = v.as_bytes();
    if b.len() == 8 {
        if let (Some(d), Some(m), Some(y)) = (digits(&b[0..2]), digits(&b[2..4]), digits(&b[4..8])) {
            if chrono::NaiveDate::from_ymd_opt(y as i32, m, d).is_some() {
                return Ok(format!("{}-{}-{}", &v[4..8], &v[2..4], &v[0..2]));
            }
        }
    }
    Err(format!("`{}` is not a date in format DDMMYYYY (e.g. 23022015)", shorten(v)))
}

fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |acc, c| if c.is_ascii_digit() { Some(acc * 10 + (c - b'0') as u32) } else { None })
}

/// How [`decimal_to_minor`] treats digits beyond the second decimal place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rounding {
    /// Only amounts that are whole minor units (`57.12000`) are accepted.
    Exact,
    /// Rounded half to even (`0.03808` -> 4).
    HalfEven,
}

/// A decimal amount (`48.00000`, up to 5 decimal places) in minor units (cents).
pub fn decimal_to_minor(v: &str, rounding: Rounding) -> Result<i64, String> {
    let t = v.trim();
    let (neg, body) = match t.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if int.is_empty() && frac.is_empty()
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || int.len() > 15
        || frac.len() > 5
    {
        return Err(format!("`{}` is not a decimal amount with at most 5 decimal places (e.g. 57.12000)", shorten(v)));
    }
    let int: i64 = if int.is_empty() { 0 } else { int.parse().map_err(|_| format!("`{v}` is out of range"))? };
    let mut f = frac.to_string();
    while f.len() < 5 {
        f.push('0');
    }
    let f: i64 = f.parse().unwrap_or(0); // 0..=99999, units of 1e-5
    let cents = f / 1000;
    let rest = f % 1000; // units of 1e-5 below the cent
    let mut minor = int * 100 + cents;
    if rest != 0 {
        match rounding {
            Rounding::Exact => {
                return Err(format!(
                    "`{}` has more than 2 significant decimal places; amounts must be whole minor units (cents)",
                    shorten(v)
                ))
            }
            Rounding::HalfEven => {
                if rest > 500 || (rest == 500 && minor % 2 == 1) {
                    minor += 1;
                }
            }
        }
    }
    Ok(if neg { -minor } else { minor })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals() {
        assert_eq!(decimal_to_minor("48.00000", Rounding::Exact), Ok(4800));
        assert_eq!(decimal_to_minor("57.12000", Rounding::Exact), Ok(5712));
        assert_eq!(decimal_to_minor("-5", Rounding::Exact), Ok(-500));
        assert!(decimal_to_minor("0.03808", Rounding::Exact).is_err());
        assert_eq!(decimal_to_minor("0.03808", Rounding::HalfEven), Ok(4));
        assert_eq!(decimal_to_minor("0.02500", Rounding::HalfEven), Ok(2));
        assert_eq!(decimal_to_minor("0.03500", Rounding::HalfEven), Ok(4));
        assert_eq!(decimal_to_minor("0.03200", Rounding::HalfEven), Ok(3));
        assert!(decimal_to_minor("1,5", Rounding::Exact).is_err());
        assert!(decimal_to_minor("1.000001", Rounding::HalfEven).is_err());
        assert!(decimal_to_minor("", Rounding::Exact).is_err());
    }

    /// Values lose the XML white space around them (the indentation of a pretty-printed file),
    /// not a no-break space, which is text in XML.
    #[test]
    fn values_are_trimmed_of_xml_white_space_only() {
        let specs = [FieldSpec { name: "A", attr: None }, FieldSpec { name: "B", attr: None }, FieldSpec { name: "C", attr: None }];
        let text = "\n\t\t 12345dsf \r\n\t\u{a0}x\u{a0} \t\r\n";
        let (a_end, b_end) = (text.find('f').unwrap() + 1 + 4, text.len() - 3);
        let slots = [
            Some((Span { start: 0, end: a_end as u32 }, 1)),
            Some((Span { start: a_end as u32, end: b_end as u32 }, 2)),
            Some((Span { start: b_end as u32, end: text.len() as u32 }, 3)),
        ];
        let rec = Rec { record: 1, line: 1, specs: &specs, text, slots: &slots };
        assert_eq!(rec.mandatory(0, 30).unwrap(), "12345dsf");
        assert_eq!(rec.optional(1, 30).unwrap(), Some("\u{a0}x\u{a0}"));
        assert_eq!(rec.optional(2, 30).unwrap(), None, "only white space: absent");
    }

    #[test]
    fn dates_and_amounts() {
        assert_eq!(parse_iso_date("2015-01-18").unwrap(), "2015-01-18");
        assert!(parse_iso_date("2015-02-30").is_err());
        assert!(parse_iso_date("18.01.2015").is_err());
        assert_eq!(parse_ddmmyyyy("23022015").unwrap(), "2015-02-23");
        assert!(parse_ddmmyyyy("2015-02-23").is_err());
        assert_eq!(parse_minor("-12345"), Ok(-12345));
        assert!(parse_minor("12.34").is_err());
        assert!(parse_minor("").is_err());
    }
}
