//! Streaming XML input shared by the import beans (quick-xml on a `BufReader`, constant memory).
//!
//! - Encoding: a UTF-8 BOM is skipped; UTF-16 (by BOM or `<\0?\0`) and any encoding named in the
//!   XML declaration that `encoding_rs` knows (ISO-8859-1, windows-1252, ...) are transcoded to
//!   UTF-8 while streaming; an unknown encoding name is an error.
//! - Names are matched by local name: a default namespace
//!   (`http://types.theberlinbakery.com/v1_0`) or prefixes make no difference. A bean whose
//!   format mixes namespaces (openTRANS with BMEcat types) asks for
//!   [`XmlInput::resolve_namespaces`]: every [`Element`] then carries its namespace URI, whatever
//!   prefix (or default namespace) the file used; an undeclared prefix is an error.
//! - A `<!DOCTYPE>` (and with it every DTD, internal or external entity) is refused; of the
//!   entity references only the five predefined ones and character references are allowed.
//! - Every error carries the line (counted while streaming).
use std::borrow::Cow;
use std::cell::Cell;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{NamespaceResolver, ResolveResult};
use quick_xml::Reader;

use super::values::{FieldSpec, Place, Slot, Span};
use super::ImportError;

/// Buffer size of the file reader.
const BUF: usize = 256 * 1024;

/// An element start: local name, attributes (local names, unescaped) and line.
#[derive(Debug, Clone, Default)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub line: u64,
    /// `<x/>`: no content follows.
    pub empty: bool,
    /// The namespace URI of the element; empty when it has none or when namespaces are not
    /// resolved (see [`XmlInput::resolve_namespaces`]).
    pub ns: String,
}

impl Element {
    /// The value of attribute `name` (ASCII case-insensitive: `firstName` and `firstname`).
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// An element with its content (see [`XmlInput::tree`]).
#[derive(Debug, Clone)]
pub struct Node {
    pub el: Element,
    pub children: Vec<Node>,
    /// Text directly inside the element (untrimmed).
    pub text: String,
}

impl Node {
    pub fn name(&self) -> &str {
        &self.el.name
    }
    pub fn line(&self) -> u64 {
        self.el.line
    }
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.el.attr(name)
    }
    /// The first child named `name` (ASCII case-insensitive).
    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.el.name.eq_ignore_ascii_case(name))
    }
    /// All children named `name`.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.el.name.eq_ignore_ascii_case(name))
    }
    /// Trimmed text; None when empty.
    pub fn value(&self) -> Option<String> {
        let t = self.text.trim();
        if t.is_empty() { None } else { Some(t.to_string()) }
    }
}

/// `Read::read` of a reader whose real work is its `BufRead` implementation.
fn read_through_buf(r: &mut impl BufRead, out: &mut [u8]) -> io::Result<usize> {
    let n = {
        let buf = r.fill_buf()?;
        let n = buf.len().min(out.len());
        out[..n].copy_from_slice(&buf[..n]);
        n
    };
    r.consume(n);
    Ok(n)
}

/// The file as UTF-8, in the one buffer quick-xml reads from: read as it is, or transcoded
/// from the encoding the file declares; counts the bytes consumed and, when asked for the
/// current line, the newlines consumed since it was last asked (counting in `consume`, which
/// quick-xml calls several times per event on a few bytes each, cost 9 % of the parser's
/// instructions). One concrete `BufRead`: its `fill_buf`/`consume` fast path is a bounds check
/// (a stack of `BufReader`, transcoder and counter cost about 7 % of the parser's instructions).
pub struct Source {
    buf: Box<[u8]>,
    pos: usize,
    filled: usize,
    inner: Inner,
    /// Newlines in the buffer before `counted`, and in the buffers before this one.
    lines: Cell<u64>,
    counted: Cell<usize>,
    consumed: u64,
}

enum Inner {
    Utf8(File),
    Transcoded { src: BufReader<File>, decoder: encoding_rs::Decoder, done: bool },
}

impl Source {
    fn new(buf: Box<[u8]>, filled: usize, inner: Inner) -> Source {
        Source { buf, pos: 0, filled, inner, lines: Cell::new(0), counted: Cell::new(0), consumed: 0 }
    }

    /// The line (1-based) of the next byte to be read.
    fn line(&self) -> u64 {
        let (from, to) = (self.counted.get(), self.pos);
        if to > from {
            self.lines.set(self.lines.get() + bytecount::count(&self.buf[from..to], b'\n') as u64);
            self.counted.set(to);
        }
        self.lines.get() + 1
    }

    /// Reads more into the (consumed) buffer; an empty buffer afterwards is the end.
    fn refill(&mut self) -> io::Result<()> {
        self.line(); // counts the rest of the old buffer
        self.counted.set(0);
        self.pos = 0;
        self.filled = 0;
        match &mut self.inner {
            Inner::Utf8(f) => loop {
                match f.read(&mut self.buf) {
                    Ok(n) => {
                        self.filled = n;
                        return Ok(());
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                }
            },
            Inner::Transcoded { src, decoder, done } => {
                while self.filled == 0 && !*done {
                    let input = src.fill_buf()?;
                    let last = input.is_empty();
                    let (res, read, written) = decoder.decode_to_utf8_without_replacement(input, &mut self.buf, last);
                    src.consume(read);
                    self.filled = written;
                    if let encoding_rs::DecoderResult::Malformed(_, _) = res {
                        return Err(io::Error::new(
                            io::ErrorKind::InvalidData,
                            format!("bytes that are not valid {}", decoder.encoding().name()),
                        ));
                    }
                    if last && matches!(res, encoding_rs::DecoderResult::InputEmpty) {
                        *done = true;
                    }
                }
                Ok(())
            }
        }
    }
}

impl Read for Source {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        read_through_buf(self, out)
    }
}

impl BufRead for Source {
    #[inline]
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos >= self.filled {
            self.refill()?;
        }
        Ok(&self.buf[self.pos..self.filled])
    }
    #[inline]
    fn consume(&mut self, n: usize) {
        self.consumed += n as u64;
        self.pos += n.min(self.filled - self.pos);
    }
}

/// The names and places of the open elements; reuses its strings (no allocation per element).
/// The fields of a flat record are pushed by their spec's name and position (no copy, no line
/// count: one push per field of every record).
#[derive(Default)]
struct Stack {
    names: Vec<(Name, Place)>,
    depth: usize,
}

/// The name of an open element: a field's spec name, or the name as read from the file.
enum Name {
    Spec(&'static str),
    Read(String),
}

impl Name {
    fn as_str(&self) -> &str {
        match self {
            Name::Spec(s) => s,
            Name::Read(s) => s,
        }
    }
}

impl Stack {
    fn push(&mut self, name: &str, line: u64) {
        if self.depth < self.names.len() {
            let slot = &mut self.names[self.depth];
            match &mut slot.0 {
                Name::Read(s) => {
                    s.clear();
                    s.push_str(name);
                }
                spec => *spec = Name::Read(name.to_string()),
            }
            slot.1 = Place::Line(line);
        } else {
            self.names.push((Name::Read(name.to_string()), Place::Line(line)));
        }
        self.depth += 1;
    }
    fn push_spec(&mut self, name: &'static str, pos: u64) {
        if self.depth < self.names.len() {
            self.names[self.depth] = (Name::Spec(name), Place::Pos(pos));
        } else {
            self.names.push((Name::Spec(name), Place::Pos(pos)));
        }
        self.depth += 1;
    }
    fn pop(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }
    fn last(&self) -> Option<(&str, Place)> {
        self.depth.checked_sub(1).map(|i| (self.names[i].0.as_str(), self.names[i].1))
    }
}

/// A pull reader over one XML file with element-level helpers.
pub struct XmlInput {
    reader: Reader<Source>,
    buf: Vec<u8>,
    /// The last element returned by [`XmlInput::next_child`] was empty (`<x/>`).
    pending_empty: bool,
    /// Names of the open elements (for messages about truncated files).
    open: Stack,
    /// Name of the encoding the file declared or used.
    pub encoding: &'static str,
    size: u64,
    /// The file (read again to find the line of a position for a message).
    path: PathBuf,
    /// The namespace bindings in scope, when the bean asked for namespaces.
    ns: Option<NamespaceResolver>,
}

impl XmlInput {
    /// Opens `path`, detects the encoding and prepares the reader.
    pub fn open(path: &Path) -> Result<XmlInput, ImportError> {
        let file = File::open(path).map_err(|e| ImportError::file(format!("cannot open: {e}")))?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        let mut br = BufReader::with_capacity(BUF, file);
        let head = br.fill_buf().map_err(|e| ImportError::file(format!("cannot read: {e}")))?.to_vec();
        if head.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(ImportError::file("the file is empty (no XML content)"));
        }
        let (skip, enc): (usize, &'static encoding_rs::Encoding) = if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
            (3, declared(&head[3..])?.unwrap_or(encoding_rs::UTF_8))
        } else if head.starts_with(&[0xFF, 0xFE]) {
            (2, encoding_rs::UTF_16LE)
        } else if head.starts_with(&[0xFE, 0xFF]) {
            (2, encoding_rs::UTF_16BE)
        } else if head.starts_with(&[b'<', 0, b'?', 0]) {
            (0, encoding_rs::UTF_16LE)
        } else if head.starts_with(&[0, b'<', 0, b'?']) {
            (0, encoding_rs::UTF_16BE)
        } else {
            (0, declared(&head)?.unwrap_or(encoding_rs::UTF_8))
        };
        br.consume(skip);
        let source = if enc == encoding_rs::UTF_8 {
            // what the detection read (after the BOM) goes first into the source's buffer
            let mut buf = vec![0u8; BUF].into_boxed_slice();
            let pending = br.buffer();
            buf[..pending.len()].copy_from_slice(pending);
            let filled = pending.len();
            Source::new(buf, filled, Inner::Utf8(br.into_inner()))
        } else {
            let inner = Inner::Transcoded { src: br, decoder: enc.new_decoder_without_bom_handling(), done: false };
            Source::new(vec![0u8; 64 * 1024].into_boxed_slice(), 0, inner)
        };
        let mut reader = Reader::from_reader(source);
        let cfg = reader.config_mut();
        cfg.check_end_names = true;
        cfg.check_comments = true;
        cfg.expand_empty_elements = false;
        Ok(XmlInput {
            reader,
            buf: Vec::with_capacity(1024),
            pending_empty: false,
            open: Stack::default(),
            encoding: enc.name(),
            size,
            path: path.to_path_buf(),
            ns: None,
        })
    }

    /// From now on every element gets its namespace URI ([`Element::ns`]), resolved from the
    /// `xmlns` declarations in scope. Call it before [`XmlInput::root`].
    pub fn resolve_namespaces(&mut self) {
        self.ns = Some(NamespaceResolver::default());
    }

    /// Size of the file in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Bytes consumed so far (of the decoded stream; equal to the file for UTF-8).
    pub fn position(&self) -> u64 {
        self.reader.get_ref().consumed
    }

    /// The current line (1-based).
    pub fn line(&self) -> u64 {
        self.reader.get_ref().line()
    }

    fn err(&self, reason: impl Into<String>) -> ImportError {
        ImportError { line: Some(self.line()), ..ImportError::file(reason) }
    }


    /// The root element. Refuses a DOCTYPE, skips the declaration, comments and PIs.
    pub fn root(&mut self) -> Result<Element, ImportError> {
        loop {
            let ev = next_event(&mut self.reader, &mut self.buf)?;
            match ev {
                Event::Decl(_) | Event::Comment(_) | Event::PI(_) => {}
                Event::Text(t) if t.bytes().all(|c| c.is_ascii_whitespace()) => {}
                Event::DocType(_) => {
                    return Err(self.err("a DOCTYPE / DTD is not allowed in import files (refused: entities could read other files)"))
                }
                Event::Start(s) => {
                    let mut el = start_el(self.reader.get_ref().line(), &s, false)?;
                    ns_open(&mut self.ns, &s, false, el.line, &mut el.ns)?;
                    self.open.push(&el.name, el.line);
                    return Ok(el);
                }
                Event::Empty(s) => {
                    let mut el = start_el(self.reader.get_ref().line(), &s, true)?;
                    ns_open(&mut self.ns, &s, true, el.line, &mut el.ns)?;
                    self.pending_empty = true;
                    return Ok(el);
                }
                Event::Eof => return Err(self.err("the file has no root element")),
                _ => return Err(self.err("text before the root element")),
            }
        }
    }

    /// The next child element of the current element, or `None` at its end tag. Whitespace,
    /// comments and PIs are skipped; other text is an error.
    pub fn next_child(&mut self) -> Result<Option<Element>, ImportError> {
        let mut el = Element::default();
        Ok(if self.next_child_into(&mut el)? { Some(el) } else { None })
    }

    /// [`XmlInput::next_child`] into a reused element; false at the end tag.
    pub fn next_child_into(&mut self, el: &mut Element) -> Result<bool, ImportError> {
        if self.pending_empty {
            self.pending_empty = false;
            return Ok(false);
        }
        // Between elements, whitespace is skipped by the reader (no event for the indentation
        // before every element: a third of a typical file's events). Only here: inside a text
        // element it would also drop the blank after an entity (`a &amp; b`).
        self.reader.config_mut().trim_text_start = true;
        let r = self.next_child_events(el);
        self.reader.config_mut().trim_text_start = false;
        r
    }

    fn next_child_events(&mut self, el: &mut Element) -> Result<bool, ImportError> {
        loop {
            let ev = next_event(&mut self.reader, &mut self.buf)?;
            match ev {
                Event::Start(s) => {
                    fill_el(self.reader.get_ref().line(), &s, false, el)?;
                    ns_open(&mut self.ns, &s, false, el.line, &mut el.ns)?;
                    self.open.push(&el.name, el.line);
                    return Ok(true);
                }
                Event::Empty(s) => {
                    fill_el(self.reader.get_ref().line(), &s, true, el)?;
                    ns_open(&mut self.ns, &s, true, el.line, &mut el.ns)?;
                    self.pending_empty = true;
                    return Ok(true);
                }
                Event::End(_) => {
                    ns_close(&mut self.ns);
                    self.open.pop();
                    return Ok(false);
                }
                other => between_elements(&other, self.reader.get_ref().line(), &self.open, &self.path)?,
            }
        }
    }

    fn truncated(&self) -> ImportError {
        truncated_at(self.line(), &self.open, &self.path)
    }

    /// The text content of the element just returned by `next_child` (entities, character
    /// references and CDATA resolved; child elements are an error). Consumes its end tag.
    pub fn text(&mut self, el: &Element) -> Result<String, ImportError> {
        let mut out = String::new();
        self.text_append(el, &mut out)?;
        Ok(out)
    }

    /// [`XmlInput::text`] appended to `out`.
    pub fn text_append(&mut self, el: &Element, out: &mut String) -> Result<(), ImportError> {
        if self.pending_empty {
            self.pending_empty = false;
            return Ok(());
        }
        self.text_body(&el.name, out)
    }

    /// Reads the children of a flat record element just returned by `next_child` (the hot loop
    /// of the bulk imports: one pass over the events, no [`Element`] per field). Each child must
    /// be one of `specs` (local name, ASCII case-insensitive), at most once; its text, or for an
    /// attribute field the attribute's value, is appended to `text` and `out[i]` gets its span
    /// and line. Unknown and repeated elements are errors naming the record.
    pub fn read_fields(&mut self, record_name: &str, specs: &[FieldSpec], text: &mut String, out: &mut [Slot], record: u64) -> Result<(), ImportError> {
        out.fill(None);
        if self.pending_empty {
            self.pending_empty = false;
            return Ok(());
        }
        let mut next = 0usize;
        loop {
            // whitespace between the fields is skipped by the reader (see next_child_into)
            self.reader.config_mut().trim_text_start = true;
            let ev = next_event(&mut self.reader, &mut self.buf);
            self.reader.config_mut().trim_text_start = false;
            // where the element is: its line is counted only for a message
            let pos = self.reader.get_ref().consumed;
            let start = text.len();
            let ev = ev.map_err(|e| e.in_record(record))?;
            let (i, empty) = match &ev {
                Event::Start(s) | Event::Empty(s) => {
                    let empty = matches!(ev, Event::Empty(_));
                    // fields usually come in the documented order and spelling, unprefixed: that
                    // is checked first, on the name as it is
                    let raw = s.name().into_inner();
                    let (name, found) = match specs.get(next) {
                        Some(f) if f.name == raw => (raw, Some(next)),
                        _ => {
                            let name = s.local_name().into_inner();
                            (name, specs.iter().position(|f| f.name.eq_ignore_ascii_case(name)))
                        }
                    };
                    let Some(i) = found else {
                        let known: Vec<&str> = specs.iter().map(|f| f.name).collect();
                        let line = self.reader.get_ref().line();
                        return Err(ImportError::at(record, line, name.to_string(), format!("unknown element <{name}> in <{record_name}> (known: {})", known.join(", "))));
                    };
                    if out[i].is_some() {
                        let line = self.reader.get_ref().line();
                        return Err(ImportError::at(record, line, specs[i].name, format!("<{name}> is given twice in one <{record_name}>")));
                    }
                    if let Some(a) = specs[i].attr {
                        let line = self.reader.get_ref().line();
                        let mut value = None;
                        for at in s.attributes() {
                            let at = at.map_err(|er| err_at(line, format!("malformed attribute in <{name}>: {er}")).in_record(record))?;
                            let key = at.key.0;
                            if key == "xmlns" || key.starts_with("xmlns:") {
                                continue;
                            }
                            if key.rsplit(':').next().unwrap_or(key).eq_ignore_ascii_case(a) {
                                let v = at
                                    .normalized_value(quick_xml::XmlVersion::Explicit1_0)
                                    .map_err(|er| err_at(line, format!("attribute {a} of <{name}>: {er}")).in_record(record))?;
                                value = Some(v);
                                break;
                            }
                        }
                        match value {
                            Some(v) => text.push_str(&v),
                            None => return Err(ImportError::at(record, line, format!("{}/@{a}", specs[i].name), format!("attribute {a} of <{name}> is missing"))),
                        }
                    }
                    if !empty {
                        if let Some(r) = &mut self.ns {
                            let line = self.reader.get_ref().line();
                            r.push(s).map_err(|e| err_at(line, format!("malformed XML: namespace declaration in <{name}>: {e}")).in_record(record))?;
                        }
                        self.open.push_spec(specs[i].name, pos);
                    }
                    (i, empty)
                }
                Event::End(_) => {
                    ns_close(&mut self.ns);
                    self.open.pop();
                    return Ok(());
                }
                other => {
                    between_elements(other, self.reader.get_ref().line(), &self.open, &self.path).map_err(|e| e.in_record(record))?;
                    continue;
                }
            };
            if !empty {
                if specs[i].attr.is_some() {
                    self.skip().map_err(|e| e.in_record(record))?;
                } else {
                    self.text_body(specs[i].name, text).map_err(|e| e.in_record(record))?;
                }
            }
            let end = u32::try_from(text.len()).map_err(|_| ImportError::at_place(record, Place::Pos(pos), specs[i].name, "too much text in one batch of records"))?;
            out[i] = Some((Span { start: start as u32, end }, pos));
            next = i + 1;
        }
    }

    /// The content of an open text element up to its end tag, appended to `out`.
    fn text_body(&mut self, name: &str, out: &mut String) -> Result<(), ImportError> {
        loop {
            let ev = next_event(&mut self.reader, &mut self.buf)?;
            match ev {
                Event::Text(t) => out.push_str(&t.xml10_content()),
                Event::CData(c) => out.push_str(&c.xml10_content()),
                Event::GeneralRef(r) => {
                    if let Ok(Some(ch)) = r.resolve_char_ref() {
                        out.push(ch);
                    } else {
                        match predefined(&r) {
                            Some(s) => out.push_str(s),
                            None => {
                                let entity: Cow<str> = Cow::Owned(r.to_string());
                                return Err(self.err(format!("unknown entity &{entity}; in <{name}>")));
                            }
                        }
                    }
                }
                Event::Comment(_) | Event::PI(_) => {}
                Event::End(_) => {
                    ns_close(&mut self.ns);
                    self.open.pop();
                    return Ok(());
                }
                Event::Start(s) | Event::Empty(s) => {
                    let child = s.local_name().into_inner().to_string();
                    return Err(self.err(format!("unknown element <{child}> inside <{name}> (a text field)")));
                }
                Event::Eof => return Err(self.truncated()),
                Event::DocType(_) | Event::Decl(_) => return Err(self.err("malformed XML: misplaced declaration")),
            }
        }
    }

    /// Skips the rest of the element just returned by `next_child`.
    pub fn skip(&mut self) -> Result<(), ImportError> {
        if self.pending_empty {
            self.pending_empty = false;
            return Ok(());
        }
        let mut depth = 1usize;
        loop {
            let ev = next_event(&mut self.reader, &mut self.buf)?;
            match ev {
                Event::Start(s) => {
                    if let Some(r) = &mut self.ns {
                        let line = self.reader.get_ref().line();
                        r.push(&s).map_err(|e| err_at(line, format!("malformed XML: namespace declaration: {e}")))?;
                    }
                    depth += 1
                }
                Event::End(_) => {
                    ns_close(&mut self.ns);
                    depth -= 1;
                    if depth == 0 {
                        self.open.pop();
                        return Ok(());
                    }
                }
                Event::GeneralRef(r) if r.resolve_char_ref().ok().flatten().is_none() && predefined(&r).is_none() => {
                    return Err(err_at(self.reader.get_ref().line(), format!("unknown entity &{};", &*r)));
                }
                Event::DocType(_) => return Err(self.err("a DOCTYPE / DTD is not allowed in import files")),
                Event::Eof => return Err(self.truncated()),
                _ => {}
            }
        }
    }

    /// Reads the element just returned by `next_child` (or `root`) with everything inside it
    /// into a small tree (for formats with one small document per file, like storeOrder).
    /// At most `max_nodes` elements.
    pub fn tree(&mut self, el: Element, max_nodes: usize) -> Result<Node, ImportError> {
        let mut count = 0usize;
        self.tree_inner(el, max_nodes, &mut count)
    }

    fn tree_inner(&mut self, el: Element, max_nodes: usize, count: &mut usize) -> Result<Node, ImportError> {
        *count += 1;
        if *count > max_nodes {
            return Err(self.err(format!("more than {max_nodes} elements: the file is too large for this format")));
        }
        let mut node = Node { el, children: Vec::new(), text: String::new() };
        if self.pending_empty {
            self.pending_empty = false;
            return Ok(node);
        }
        loop {
            let ev = next_event(&mut self.reader, &mut self.buf)?;
            match ev {
                Event::Text(t) => node.text.push_str(&t.xml10_content()),
                Event::CData(c) => node.text.push_str(&c.xml10_content()),
                Event::GeneralRef(r) => {
                    if let Ok(Some(ch)) = r.resolve_char_ref() {
                        node.text.push(ch);
                    } else {
                        match predefined(&r) {
                            Some(s) => node.text.push_str(s),
                            None => return Err(err_at(self.reader.get_ref().line(), format!("unknown entity &{}; in <{}>", &*r, node.el.name))),
                        }
                    }
                }
                Event::Comment(_) | Event::PI(_) => {}
                Event::Start(s) => {
                    let mut child = start_el(self.reader.get_ref().line(), &s, false)?;
                    ns_open(&mut self.ns, &s, false, child.line, &mut child.ns)?;
                    self.open.push(&child.name, child.line);
                    let c = self.tree_inner(child, max_nodes, count)?;
                    node.children.push(c);
                }
                Event::Empty(s) => {
                    let mut child = start_el(self.reader.get_ref().line(), &s, true)?;
                    ns_open(&mut self.ns, &s, true, child.line, &mut child.ns)?;
                    self.pending_empty = true;
                    let c = self.tree_inner(child, max_nodes, count)?;
                    node.children.push(c);
                }
                Event::End(_) => {
                    ns_close(&mut self.ns);
                    self.open.pop();
                    return Ok(node);
                }
                Event::Eof => return Err(self.truncated()),
                Event::DocType(_) => return Err(self.err("a DOCTYPE / DTD is not allowed in import files")),
                Event::Decl(_) => return Err(self.err("misplaced XML declaration")),
            }
        }
    }

    /// After the root's end tag: only whitespace, comments and PIs may follow.
    pub fn finish(&mut self) -> Result<(), ImportError> {
        loop {
            let ev = next_event(&mut self.reader, &mut self.buf)?;
            match ev {
                Event::Eof => return Ok(()),
                Event::Comment(_) | Event::PI(_) => {}
                Event::Text(t) if t.bytes().all(|c| c.is_ascii_whitespace()) => {}
                _ => return Err(self.err("content after the end of the root element")),
            }
        }
    }

    /// An error at the current line.
    pub fn error_here(&self, reason: impl Into<String>) -> ImportError {
        self.err(reason)
    }
}

/// The next event (into `buf`, cleared first); a read or syntax error names the line.
fn next_event<'b>(reader: &mut Reader<Source>, buf: &'b mut Vec<u8>) -> Result<Event<'b>, ImportError> {
    buf.clear();
    reader.read_event_into(buf).map_err(|e| {
        let reason = match &e {
            quick_xml::Error::Io(io) => format!("cannot read the file: {io}"),
            quick_xml::Error::Syntax(s) => format!("malformed XML: {s}"),
            quick_xml::Error::IllFormed(s) => format!("malformed XML: {s}"),
            other => format!("malformed XML: {other}"),
        };
        err_at(reader.get_ref().line(), reason)
    })
}

fn start_el(line: u64, e: &BytesStart<'_>, empty: bool) -> Result<Element, ImportError> {
    let mut el = Element::default();
    fill_el(line, e, empty, &mut el)?;
    Ok(el)
}

/// Fills `el` from a start tag, reusing its strings.
fn fill_el(line: u64, e: &BytesStart<'_>, empty: bool, el: &mut Element) -> Result<(), ImportError> {
    el.name.clear();
    el.name.push_str(e.local_name().into_inner());
    el.line = line;
    el.empty = empty;
    el.attrs.clear();
    let name = &el.name;
    let attrs = &mut el.attrs;
    for a in e.attributes() {
        let a = a.map_err(|er| err_at(line, format!("malformed attribute in <{name}>: {er}")))?;
        let key = a.key.0;
        if key == "xmlns" || key.starts_with("xmlns:") {
            continue;
        }
        let local = key.rsplit(':').next().unwrap_or(key).to_string();
        let v = a
            .normalized_value(quick_xml::XmlVersion::Explicit1_0)
            .map_err(|er| err_at(line, format!("attribute {local} of <{name}>: {er}")))?;
        attrs.push((local, v.into_owned()));
    }
    Ok(())
}

/// With namespaces resolved: opens the scope of start tag `s` (closed again at once for an empty
/// element) and writes the element's namespace URI into `out` (empty when it has none).
fn ns_open(ns: &mut Option<NamespaceResolver>, s: &BytesStart<'_>, empty: bool, line: u64, out: &mut String) -> Result<(), ImportError> {
    out.clear();
    let Some(r) = ns else { return Ok(()) };
    r.push(s).map_err(|e| err_at(line, format!("malformed XML: namespace declaration in <{}>: {e}", s.name().0)))?;
    let res = match r.resolve_element(s.name()).0 {
        ResolveResult::Bound(n) => {
            out.push_str(n.0);
            Ok(())
        }
        ResolveResult::Unbound => Ok(()),
        ResolveResult::Unknown(p) => Err(err_at(line, format!("malformed XML: the namespace prefix `{p}` of <{}> is not declared", s.name().0))),
    };
    if empty {
        r.pop();
    }
    res
}

/// With namespaces resolved: closes the scope of the element whose end tag was read.
fn ns_close(ns: &mut Option<NamespaceResolver>) {
    if let Some(r) = ns {
        r.pop();
    }
}

fn err_at(line: u64, reason: impl Into<String>) -> ImportError {
    ImportError { line: Some(line), ..ImportError::file(reason) }
}

/// The end of the file while `open` elements are open.
fn truncated_at(line: u64, open: &Stack, path: &Path) -> ImportError {
    match open.last() {
        Some((name, at)) => {
            let at = match at {
                Place::Line(l) => Some(l),
                Place::Pos(p) => line_at(path, p),
            };
            let at = at.map(|l| format!(" (line {l})")).unwrap_or_default();
            err_at(line, format!("unexpected end of file: <{name}>{at} is not closed; the file is truncated"))
        }
        None => err_at(line, "unexpected end of file"),
    }
}

/// The line (1-based) at position `pos` of the decoded stream of the file `path`, as
/// [`Slot`]s and [`Place::Pos`] record it: the file is read again up to there (only for a
/// message). None when the file cannot be read any more.
pub fn line_at(path: &Path, pos: u64) -> Option<u64> {
    let mut x = XmlInput::open(path).ok()?;
    let src = x.reader.get_mut();
    while src.consumed < pos {
        let n = {
            let buf = src.fill_buf().ok()?;
            if buf.is_empty() {
                break;
            }
            buf.len().min((pos - src.consumed) as usize)
        };
        src.consume(n);
    }
    Some(src.line())
}

/// An event other than a start or end tag where only elements are allowed (between the children
/// of an element): whitespace, comments and processing instructions pass; text, CDATA, an entity
/// reference, a DOCTYPE, a declaration or the end of the file are the error returned.
fn between_elements(ev: &Event<'_>, line: u64, open: &Stack, path: &Path) -> Result<(), ImportError> {
    let blank = |b: &str| b.bytes().all(|c| c.is_ascii_whitespace());
    match ev {
        Event::Text(t) if blank(t) => Ok(()),
        Event::CData(c) if blank(c) => Ok(()),
        Event::Comment(_) | Event::PI(_) => Ok(()),
        Event::Text(t) => {
            let parent = open.last().map(|o| o.0).unwrap_or_default();
            let snippet: String = t.trim().chars().take(40).collect();
            Err(err_at(line, format!("unexpected text `{snippet}` in <{parent}> (only elements are allowed there)")))
        }
        Event::CData(_) => Err(err_at(line, "unexpected CDATA text where only elements are allowed")),
        Event::GeneralRef(_) => Err(err_at(line, "unexpected entity reference where only elements are allowed")),
        Event::DocType(_) => Err(err_at(line, "a DOCTYPE / DTD is not allowed in import files")),
        Event::Decl(_) => Err(err_at(line, "misplaced XML declaration")),
        Event::Eof => Err(truncated_at(line, open, path)),
        Event::Start(_) | Event::Empty(_) | Event::End(_) => Err(err_at(line, "malformed XML: unexpected tag")),
    }
}

fn predefined(name: &str) -> Option<&'static str> {
    match name {
        "amp" => Some("&"),
        "lt" => Some("<"),
        "gt" => Some(">"),
        "quot" => Some("\""),
        "apos" => Some("'"),
        _ => None,
    }
}

/// The encoding named in the XML declaration at the start of `head`, if any.
fn declared(head: &[u8]) -> Result<Option<&'static encoding_rs::Encoding>, ImportError> {
    if !head.starts_with(b"<?xml") {
        return Ok(None);
    }
    let end = match head.windows(2).position(|w| w == b"?>") {
        Some(e) => e,
        None => return Ok(None),
    };
    let decl = String::from_utf8_lossy(&head[..end]);
    let Some(i) = decl.find("encoding") else { return Ok(None) };
    let rest = decl[i + "encoding".len()..].trim_start();
    let Some(rest) = rest.strip_prefix('=') else { return Ok(None) };
    let rest = rest.trim_start();
    let quote = match rest.chars().next() {
        Some(q @ ('"' | '\'')) => q,
        _ => return Ok(None),
    };
    let label: String = rest[1..].chars().take_while(|c| *c != quote).collect();
    match encoding_rs::Encoding::for_label(label.trim().as_bytes()) {
        Some(e) if e == encoding_rs::UTF_16LE || e == encoding_rs::UTF_16BE => {
            // The bytes read so far were ASCII: a UTF-16 declaration here is wrong.
            Err(ImportError::file(format!("the XML declaration says encoding \"{label}\" but the file is not UTF-16")))
        }
        Some(e) => Ok(Some(e)),
        None => Err(ImportError::file(format!("unsupported encoding \"{label}\" in the XML declaration"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With namespaces resolved, a declaration is in scope until its element ends, also when
    /// the element was skipped or read as text; without, `ns` stays empty (the other beans).
    #[test]
    fn namespaces_follow_their_scope() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ns.xml");
        std::fs::write(&path, r#"<r xmlns="urn:a" xmlns:p="urn:p"><x xmlns="urn:b"><y/></x><t xmlns:p="urn:q"><p:u/></t><p:v>1</p:v><w/><e xmlns="urn:c"/><z/></r>"#).unwrap();
        for resolve in [true, false] {
            let mut x = XmlInput::open(&path).unwrap();
            if resolve {
                x.resolve_namespaces();
            }
            let root = x.root().unwrap();
            let mut seen = vec![format!("{}={}", root.name, root.ns)];
            while let Some(el) = x.next_child().unwrap() {
                seen.push(format!("{}={}", el.name, el.ns));
                match el.name.as_str() {
                    "v" => assert_eq!(x.text(&el).unwrap(), "1"),
                    _ => x.skip().unwrap(),
                }
            }
            let want = if resolve {
                vec!["r=urn:a", "x=urn:b", "t=urn:a", "v=urn:p", "w=urn:a", "e=urn:c", "z=urn:a"]
            } else {
                vec!["r=", "x=", "t=", "v=", "w=", "e=", "z="]
            };
            assert_eq!(seen, want, "resolve {resolve}");
        }
    }

    /// Lines are right after the reader's buffer was refilled several times (the newlines are
    /// counted when a line is asked for, and the rest of a buffer before it is refilled), in
    /// UTF-8 and in a transcoded file, with LF and CRLF.
    #[test]
    fn lines_are_counted_across_buffer_refills() {
        let dir = tempfile::tempdir().unwrap();
        for (name, decl, eol) in [("utf8", "UTF-8", "\n"), ("latin1", "ISO-8859-1", "\r\n")] {
            let mut doc = format!("<?xml version=\"1.0\" encoding=\"{decl}\"?>{eol}<root>{eol}");
            // 40,000 children of 3 lines each: well past the 256 KB (UTF-8) and 64 KB buffers
            for i in 0..40_000 {
                doc.push_str(&format!("  <r>{eol}    <v>{i}</v>{eol}  </r>{eol}"));
            }
            doc.push_str(&format!("<last/>{eol}</root>{eol}"));
            let path = dir.path().join(format!("{name}.xml"));
            std::fs::write(&path, doc.as_bytes()).unwrap();
            let mut x = XmlInput::open(&path).unwrap();
            x.root().unwrap();
            let mut el = Element::default();
            let mut n = 0u64;
            while x.next_child_into(&mut el).unwrap() {
                if el.name == "last" {
                    // 2 lines of header, 3 per child
                    assert_eq!(el.line, 3 + 3 * 40_000, "{name}");
                    x.skip().unwrap();
                    continue;
                }
                assert_eq!(el.line, 3 + 3 * n, "{name}: child {n}");
                let v = x.next_child().unwrap().unwrap();
                assert_eq!(v.line, 4 + 3 * n, "{name}: child {n}");
                assert_eq!(x.text(&v).unwrap(), n.to_string());
                assert!(!x.next_child_into(&mut Element::default()).unwrap());
                n += 1;
            }
            assert_eq!(n, 40_000);
            assert_eq!(x.line(), 3 + 3 * 40_000 + 1, "{name}: the line of </root>");
        }
    }
}
