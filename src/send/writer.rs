//! XML writing helpers for the file senders, on quick-xml's `Writer`.
//!
//! quick-xml escapes `&`, `<`, `>`, `'` and `"` in text and attribute values; non-ASCII text is
//! written as UTF-8 (every document declares `encoding="UTF-8"`). Characters XML 1.0 forbids
//! (control characters other than tab, newline and carriage return) are dropped. Optional
//! attributes and elements whose value is `None` are left out.
use std::borrow::Cow;

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

/// A document being written, indented by 4 spaces like the reference examples.
pub struct Xml {
    w: Writer<Vec<u8>>,
}

/// An attribute list: `(name, value)`; `None` values are skipped.
pub type Attrs<'a> = &'a [(&'a str, Option<Cow<'a, str>>)];

/// Drops the characters XML 1.0 cannot represent.
pub fn clean(s: &str) -> Cow<'_, str> {
    if s.chars().all(allowed) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.chars().filter(|c| allowed(*c)).collect())
    }
}

fn allowed(c: char) -> bool {
    !matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}')
}

/// `Some(value)` for an attribute.
pub fn a<'a>(v: impl Into<Cow<'a, str>>) -> Option<Cow<'a, str>> {
    Some(v.into())
}

/// An optional attribute from an optional string.
pub fn oa(v: &Option<String>) -> Option<Cow<'_, str>> {
    v.as_deref().map(Cow::Borrowed)
}

impl Xml {
    /// Starts a document with `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`.
    pub fn new() -> Self {
        let mut w = Writer::new_with_indent(Vec::with_capacity(2048), b' ', 4);
        w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), Some("yes")))).expect("write to Vec");
        Xml { w }
    }

    fn tag<'a>(name: &'a str, attrs: Attrs<'a>) -> BytesStart<'a> {
        let mut s = BytesStart::new(name);
        for (k, v) in attrs {
            if let Some(v) = v {
                s.push_attribute((*k, clean(v).as_ref()));
            }
        }
        s
    }

    /// `<name attrs>`
    pub fn start(&mut self, name: &str, attrs: Attrs<'_>) {
        self.w.write_event(Event::Start(Self::tag(name, attrs))).expect("write to Vec");
    }

    /// `</name>`
    pub fn end(&mut self, name: &str) {
        self.w.write_event(Event::End(BytesEnd::new(name))).expect("write to Vec");
    }

    /// `<name attrs/>`
    pub fn empty(&mut self, name: &str, attrs: Attrs<'_>) {
        self.w.write_event(Event::Empty(Self::tag(name, attrs))).expect("write to Vec");
    }

    /// `<name attrs>text</name>` (also when `text` is empty: `<Currency></Currency>`).
    pub fn elem_attrs(&mut self, name: &str, attrs: Attrs<'_>, text: &str) {
        self.w.write_event(Event::Start(Self::tag(name, attrs))).expect("write to Vec");
        // Always a text event, also when empty: it keeps the indentation from putting a line
        // break between start and end tag (`<Currency></Currency>`).
        self.w.write_event(Event::Text(BytesText::new(&clean(text)))).expect("write to Vec");
        self.w.write_event(Event::End(BytesEnd::new(name))).expect("write to Vec");
    }

    /// `<name>text</name>`
    pub fn elem(&mut self, name: &str, text: &str) {
        self.elem_attrs(name, &[], text);
    }

    /// `<name>text</name>` when there is a text.
    pub fn opt_elem(&mut self, name: &str, text: Option<&str>) {
        if let Some(t) = text {
            self.elem(name, t);
        }
    }

    /// The finished document, ending with a newline.
    pub fn finish(self) -> Vec<u8> {
        let mut v = self.w.into_inner();
        v.push(b'\n');
        v
    }
}

impl Default for Xml {
    fn default() -> Self {
        Self::new()
    }
}

/// An amount in minor units as a decimal with 5 places, like storeOrder's `48.00000`.
pub fn decimal5(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let m = minor.unsigned_abs();
    format!("{sign}{}.{:02}000", m / 100, m % 100)
}

/// An impex timestamp as `xs:dateTime` in UTC, e.g. `2015-09-17T14:22:59.462+00:00`.
pub fn date_time(ts: &str) -> String {
    match crate::time::parse(ts) {
        Some(t) => t.format("%Y-%m-%dT%H:%M:%S%.3f+00:00").to_string(),
        None => ts.to_string(),
    }
}

/// An impex timestamp as `xs:date`, e.g. `2015-10-27`.
pub fn date(ts: &str) -> String {
    match crate::time::parse(ts) {
        Some(t) => t.format("%Y-%m-%d").to_string(),
        None => ts.get(..10).unwrap_or(ts).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_drops_control_chars() {
        let mut x = Xml::new();
        x.start("R", &[("a", a("x\"<&>'ü"))]);
        x.elem("T", "Löten <2.> & \"co\"\u{1}");
        x.empty("E", &[("skip", None), ("k", a("v"))]);
        x.end("R");
        let s = String::from_utf8(x.finish()).unwrap();
        assert!(s.starts_with(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#), "{s}");
        assert!(s.contains(r#"<R a="x&quot;&lt;&amp;&gt;&apos;ü">"#), "{s}");
        assert!(s.contains("<T>Löten &lt;2.&gt; &amp; &quot;co&quot;</T>"), "{s}");
        assert!(s.contains(r#"<E k="v"/>"#), "{s}");
        let mut x = Xml::new();
        x.start("R", &[]);
        x.elem("Currency", "");
        x.end("R");
        assert!(String::from_utf8(x.finish()).unwrap().contains("    <Currency></Currency>\n</R>"));
    }

    #[test]
    fn decimals() {
        assert_eq!(decimal5(4800), "48.00000");
        assert_eq!(decimal5(3), "0.03000");
        assert_eq!(decimal5(-912), "-9.12000");
    }
}
