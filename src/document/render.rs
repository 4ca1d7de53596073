//! The PDF layout of the order documents (A4, the PDF base fonts Helvetica and Helvetica-Bold
//! in WinAnsiEncoding, so no font file ships): shop and document title, the addresses, the
//! document's numbers and dates, the positions table, totals and taxes (invoice, credit note),
//! carrier and tracking numbers (delivery note), return address and reasons (return slip).
//! Written with `pdf-writer` (typst's PDF object writer); pure functions of the rows, so the same
//! rows give the same bytes.
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use crate::db::queries::documents::{Address, Dispatch, Invoice, OrderHead, Position, ReturnAnnouncement};

const WIDTH: f32 = 595.0;
const HEIGHT: f32 = 842.0;
const LEFT: f32 = 50.0;
const RIGHT: f32 = 545.0;
const BOTTOM: f32 = 70.0;
const REGULAR: Name<'static> = Name(b"F1");
const BOLD: Name<'static> = Name(b"F2");

/// Text as WinAnsiEncoding bytes (the encoding of the base fonts): Latin-1 letters such as
/// "ü" and the Windows-1252 extras such as "€" and "–"; control characters become spaces,
/// anything else "?".
pub fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c as u32 {
            0x20..=0x7E | 0xA0..=0xFF => c as u32 as u8,
            0..=0x1F | 0x7F => b' ',
            _ => match c {
                '€' => 0x80,
                '‚' => 0x82,
                'ƒ' => 0x83,
                '„' => 0x84,
                '…' => 0x85,
                '†' => 0x86,
                '‡' => 0x87,
                'ˆ' => 0x88,
                '‰' => 0x89,
                'Š' => 0x8A,
                '‹' => 0x8B,
                'Œ' => 0x8C,
                'Ž' => 0x8E,
                '‘' => 0x91,
                '’' => 0x92,
                '“' => 0x93,
                '”' => 0x94,
                '•' => 0x95,
                '–' => 0x96,
                '—' => 0x97,
                '˜' => 0x98,
                '™' => 0x99,
                'š' => 0x9A,
                '›' => 0x9B,
                'œ' => 0x9C,
                'ž' => 0x9E,
                'Ÿ' => 0x9F,
                _ => b'?',
            },
        })
        .collect()
}

/// Helvetica's advance widths (thousandths of the size) of the printable ASCII characters (the
/// font's AFM); other characters count as 556, the width of most accented letters.
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // space .. /
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0 .. ?
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // @ .. O
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // P .. _
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // ` .. o
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // p .. ~
];

/// The width of `text` in points at `size` (bold text is counted as regular: close enough for
/// alignment).
pub fn text_width(text: &str, size: f32) -> f32 {
    let units: u32 = text
        .chars()
        .map(|c| match c as u32 {
            0x20..=0x7E => HELVETICA[(c as u32 - 0x20) as usize] as u32,
            _ => 556,
        })
        .sum();
    units as f32 * size / 1000.0
}

/// `text` shortened with "..." to at most `width` points.
fn fit(text: &str, width: f32, size: f32) -> String {
    if text_width(text, size) <= width {
        return text.to_string();
    }
    let mut out = String::new();
    for c in text.chars() {
        out.push(c);
        if text_width(&out, size) + text_width("...", size) > width {
            out.pop();
            break;
        }
    }
    out.push_str("...");
    out
}

/// Minor units as a decimal amount with the currency: 12345 -> "123.45 EUR".
pub fn money(minor: i64, currency: &str) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let a = minor.unsigned_abs();
    format!("{sign}{}.{:02} {currency}", a / 100, a % 100)
}

/// The date of an impex timestamp (`2015-01-18 00:00:00.000` -> `2015-01-18`).
fn day(text: &str) -> &str {
    text.get(..10).unwrap_or(text)
}

/// Pages of text lines, top to bottom, with a page break when the bottom margin is reached.
struct Sheet {
    title: String,
    pages: Vec<Content>,
    page: Content,
    y: f32,
}

impl Sheet {
    fn new(title: &str) -> Sheet {
        Sheet { title: title.to_string(), pages: Vec::new(), page: Content::new(), y: HEIGHT - 50.0 }
    }

    fn text(&mut self, x: f32, y: f32, size: f32, bold: bool, text: &str) {
        if text.is_empty() {
            return;
        }
        let bytes = win_ansi(text);
        self.page.begin_text();
        self.page.set_font(if bold { BOLD } else { REGULAR }, size);
        self.page.next_line(x, y);
        self.page.show(Str(&bytes));
        self.page.end_text();
    }

    fn right(&mut self, x: f32, y: f32, size: f32, bold: bool, text: &str) {
        let w = text_width(text, size);
        self.text(x - w, y, size, bold, text);
    }

    fn rule(&mut self, y: f32) {
        self.page.set_line_width(0.5);
        self.page.move_to(LEFT, y);
        self.page.line_to(RIGHT, y);
        self.page.stroke();
    }

    /// Moves down `dy`; starts a new page (with the title repeated) below the margin.
    fn down(&mut self, dy: f32) {
        self.y -= dy;
        if self.y < BOTTOM {
            let page = std::mem::replace(&mut self.page, Content::new());
            self.pages.push(page);
            self.y = HEIGHT - 50.0;
            let title = format!("{} (continued)", self.title);
            self.text(LEFT, self.y, 10.0, true, &title);
            self.y -= 24.0;
        }
    }

    /// A line of text at the current position, then down by the line height.
    fn line(&mut self, x: f32, size: f32, bold: bool, text: &str) {
        let y = self.y;
        self.text(x, y, size, bold, text);
        self.down(size + 4.0);
    }

    fn finish(mut self, subject: &str) -> Vec<u8> {
        self.pages.push(std::mem::replace(&mut self.page, Content::new()));
        let n = self.pages.len();
        let catalog = Ref::new(1);
        let tree = Ref::new(2);
        let regular = Ref::new(3);
        let bold = Ref::new(4);
        let info = Ref::new(5);
        let page_ids: Vec<Ref> = (0..n).map(|i| Ref::new(6 + 2 * i as i32)).collect();
        let mut pdf = Pdf::new();
        pdf.catalog(catalog).pages(tree);
        pdf.pages(tree).kids(page_ids.iter().copied()).count(n as i32);
        pdf.type1_font(regular).base_font(Name(b"Helvetica")).encoding_predefined(Name(b"WinAnsiEncoding"));
        pdf.type1_font(bold).base_font(Name(b"Helvetica-Bold")).encoding_predefined(Name(b"WinAnsiEncoding"));
        pdf.document_info(info).title(TextStr(&self.title)).subject(TextStr(subject)).producer(TextStr("impex"));
        for (i, (content, id)) in self.pages.into_iter().zip(&page_ids).enumerate() {
            let content_id = Ref::new(7 + 2 * i as i32);
            let mut page = pdf.page(*id);
            page.parent(tree).media_box(Rect::new(0.0, 0.0, WIDTH, HEIGHT)).contents(content_id);
            page.resources().fonts().pair(REGULAR, regular).pair(BOLD, bold);
            page.finish();
            let bytes = content.finish();
            pdf.stream(content_id, bytes.as_slice());
        }
        pdf.finish()
    }
}

/// The lines of an address (empty parts left out).
fn address_lines(a: &Address) -> Vec<String> {
    let join = |parts: &[&Option<String>]| parts.iter().filter_map(|p| p.as_deref()).filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" ");
    [
        a.company.clone().unwrap_or_default(),
        join(&[&a.first_name, &a.last_name]),
        join(&[&a.street, &a.house_number]),
        a.addition.clone().unwrap_or_default(),
        join(&[&a.post_code, &a.city]),
        a.country.clone().unwrap_or_default(),
    ]
    .into_iter()
    .filter(|l| !l.is_empty())
    .collect()
}

/// The top of every document: the shop, the title, the address block on the left (with its
/// label) and the document's facts on the right.
fn header(s: &mut Sheet, head: &OrderHead, title: &str, label: &str, address: &[String], facts: &[(&str, String)]) {
    let y = s.y;
    s.text(LEFT, y, 16.0, true, &head.shop_name);
    s.right(RIGHT, y, 18.0, true, title);
    s.down(50.0);
    let top = s.y;
    s.line(LEFT, 8.0, true, label);
    for l in address {
        s.line(LEFT, 10.0, false, &fit(l, 260.0, 10.0));
    }
    let left_end = s.y;
    let mut y = top;
    for (k, v) in facts {
        s.text(340.0, y, 9.0, false, k);
        s.right(RIGHT, y, 9.0, true, v);
        y -= 14.0;
    }
    s.y = left_end.min(y);
    s.down(20.0);
}

/// The common facts: order number and date, customer number.
fn order_facts(head: &OrderHead) -> Vec<(&'static str, String)> {
    let mut f = vec![("Order number", head.shop_order_no.clone())];
    if let Some(d) = &head.order_date {
        f.push(("Order date", day(d).to_string()));
    }
    if let Some(c) = head.customer_no.as_deref().filter(|c| !c.is_empty()) {
        f.push(("Customer number", fit(c, 120.0, 9.0)));
    }
    f
}

/// The positions table header; `priced` adds unit price and amount columns.
fn table_header(s: &mut Sheet, priced: bool, last: &str) {
    let y = s.y;
    s.text(LEFT, y, 9.0, true, "Pos.");
    s.text(80.0, y, 9.0, true, "Article");
    s.text(170.0, y, 9.0, true, "Description");
    s.right(if priced { 400.0 } else { 440.0 }, y, 9.0, true, "Qty");
    if priced {
        s.right(470.0, y, 9.0, true, "Unit price");
        s.right(RIGHT, y, 9.0, true, "Amount");
    } else if !last.is_empty() {
        s.text(455.0, y, 9.0, true, last);
    }
    s.down(5.0);
    let y = s.y;
    s.rule(y);
    s.down(13.0);
}

fn position_row(s: &mut Sheet, number: i64, article: &str, name: &str, qty: i64, priced: Option<(String, String)>, last: &str) {
    let y = s.y;
    s.text(LEFT, y, 9.0, false, &number.to_string());
    s.text(80.0, y, 9.0, false, &fit(article, 85.0, 9.0));
    let name_width = if priced.is_some() { 190.0 } else { 230.0 };
    s.text(170.0, y, 9.0, false, &fit(name, name_width, 9.0));
    s.right(if priced.is_some() { 400.0 } else { 440.0 }, y, 9.0, false, &qty.to_string());
    if let Some((unit, amount)) = priced {
        s.right(470.0, y, 9.0, false, &unit);
        s.right(RIGHT, y, 9.0, false, &amount);
    } else if !last.is_empty() {
        s.text(455.0, y, 9.0, false, &fit(last, 90.0, 9.0));
    }
    s.down(13.0);
}

/// An invoice (`credit` false) or credit note: the billing address (else the delivery
/// address), invoice number and date, the order's positions and charges with prices, net
/// total, the taxes per tax type and the gross total of the invoicing row.
pub fn invoice(head: &OrderHead, inv: &Invoice, positions: &[Position], charges: &[(String, i64)], credit: bool) -> Vec<u8> {
    let title = if credit { "Credit note" } else { "Invoice" };
    let mut s = Sheet::new(&format!("{title} {}", inv.invoice_no));
    let address = head.billing.as_ref().or(head.delivery.as_ref()).map(address_lines).unwrap_or_default();
    let mut facts = vec![(if credit { "Credit note number" } else { "Invoice number" }, inv.invoice_no.clone()), (if credit { "Credit note date" } else { "Invoice date" }, day(&inv.invoice_date).to_string())];
    facts.extend(order_facts(head));
    header(&mut s, head, title, "Billing address", &address, &facts);
    table_header(&mut s, true, "");
    let cur = &inv.currency;
    for p in positions {
        let unit = p.unit_gross.map(|u| money(u, cur)).unwrap_or_default();
        let amount = p.sum_gross.or(p.unit_gross.map(|u| u * p.quantity)).map(|a| money(a, cur)).unwrap_or_default();
        position_row(&mut s, p.number, &p.article_id, &p.article_name, p.quantity, Some((unit, amount)), "");
    }
    for (kind, gross) in charges {
        let y = s.y;
        let label = match kind.as_str() {
            "DELIVERYCHARGE" => "Delivery charge",
            "PAYMENTCHARGE" => "Payment charge",
            other => other,
        };
        s.text(170.0, y, 9.0, false, label);
        s.right(RIGHT, y, 9.0, false, &money(*gross, cur));
        s.down(13.0);
    }
    let y = s.y + 6.0;
    s.rule(y);
    s.down(8.0);
    let total = |s: &mut Sheet, label: &str, amount: String, bold: bool| {
        let y = s.y;
        s.right(430.0, y, 9.0, bold, label);
        s.right(RIGHT, y, 9.0, bold, &amount);
        s.down(14.0);
    };
    total(&mut s, "Total net", money(inv.net, cur), false);
    for (name, net, tax) in inv.taxes.iter().filter(|(_, net, tax)| *net != 0 || *tax != 0) {
        total(&mut s, &format!("Tax ({name}) on {}", money(*net, cur)), money(*tax, cur), false);
    }
    total(&mut s, "Total gross", money(inv.gross, cur), true);
    if let Some(term) = inv.pay_term.as_deref().filter(|t| !t.is_empty()) {
        s.down(10.0);
        s.line(LEFT, 9.0, false, &format!("Terms of payment: {}", fit(term, 400.0, 9.0)));
    }
    s.finish(&format!("order {}", head.shop_order_no))
}

/// A delivery note: the delivery address, delivery note number and dispatch date, carrier and
/// tracking numbers, what the dispatch shipped (a dispatch without position rows, as the
/// PurchaseOrders rows are, lists the order's positions).
pub fn delivery_note(head: &OrderHead, d: &Dispatch, order_positions: &[Position]) -> Vec<u8> {
    let number = d.delivery_note_no.clone().unwrap_or_else(|| d.id.to_string());
    let mut s = Sheet::new(&format!("Delivery note {number}"));
    let address = head.delivery.as_ref().or(head.billing.as_ref()).map(address_lines).unwrap_or_default();
    let mut facts = vec![("Delivery note number", number.clone()), ("Dispatch date", day(&d.dispatch_date).to_string())];
    facts.extend(order_facts(head));
    header(&mut s, head, "Delivery note", "Delivery address", &address, &facts);
    let tracking: Vec<&str> = d.tracking_numbers.as_deref().unwrap_or("").split(';').map(str::trim).filter(|t| !t.is_empty()).collect();
    s.line(LEFT, 9.0, false, &format!("Shipped by: {}", fit(&d.supplier, 300.0, 9.0)));
    if let Some(no) = d.supplier_order_no.as_deref().filter(|n| !n.is_empty()) {
        s.line(LEFT, 9.0, false, &format!("Supplier order number: {no}"));
    }
    s.line(LEFT, 9.0, false, &format!("Carrier: {}", d.carrier.as_deref().unwrap_or("-")));
    s.line(LEFT, 9.0, false, &format!("Tracking number: {}", if tracking.is_empty() { "-".to_string() } else { tracking.join(", ") }));
    s.down(10.0);
    table_header(&mut s, false, "");
    if d.positions.is_empty() {
        for p in order_positions {
            position_row(&mut s, p.number, &p.article_id, &p.article_name, p.quantity, None, "");
        }
    } else {
        for (number, article, name, qty) in &d.positions {
            position_row(&mut s, *number, article, name, *qty, None, "");
        }
    }
    s.finish(&format!("order {}", head.shop_order_no))
}

/// A return slip: where to send the return (the supplier's return address for the shop and the
/// return type), the sender (the order's delivery address), RMA number and date, the announced
/// positions with their reasons and serial numbers.
pub fn return_slip(head: &OrderHead, ra: &ReturnAnnouncement) -> Vec<u8> {
    let mut s = Sheet::new(&format!("Return slip {}", ra.rma_number));
    let sender = head.delivery.as_ref().or(head.billing.as_ref()).map(address_lines).unwrap_or_default();
    let mut facts = vec![("RMA number", ra.rma_number.clone()), ("Date", day(&ra.creation_date).to_string()), ("Type", ra.kind.clone())];
    facts.extend(order_facts(head));
    let to = if ra.return_address.is_empty() { vec![head.shop_name.clone()] } else { ra.return_address.clone() };
    header(&mut s, head, "Return slip", "Please send the return to", &to, &facts);
    s.line(LEFT, 8.0, true, "Sender");
    for l in &sender {
        s.line(LEFT, 10.0, false, &fit(l, 260.0, 10.0));
    }
    if !ra.contact.is_empty() {
        s.line(LEFT, 9.0, false, &fit(&format!("Contact: {}", ra.contact.join(", ")), 490.0, 9.0));
    }
    s.down(14.0);
    table_header(&mut s, false, "Reason");
    for p in &ra.positions {
        position_row(&mut s, p.number, &p.article_id, &p.article_name, p.quantity, None, &p.reason);
        if let Some(t) = p.reason_text.as_deref().filter(|t| !t.is_empty()) {
            s.text(455.0, s.y + 3.0, 7.0, false, &fit(t, 90.0, 7.0));
            s.down(8.0);
        }
        if !p.serial_numbers.is_empty() {
            let y = s.y;
            s.text(170.0, y, 8.0, false, &fit(&format!("Serial numbers: {}", p.serial_numbers.join(", ")), 270.0, 8.0));
            s.down(12.0);
        }
    }
    s.down(20.0);
    s.line(LEFT, 9.0, false, &format!("Please put this slip into the parcel and write the RMA number {} on it.", ra.rma_number));
    s.finish(&format!("order {}", head.shop_order_no))
}

/// A return label for the parcel: the return carrier, the recipient (the return address), the
/// sender (the pickup address of a PICKUP request, else the order's delivery address) and the
/// RMA number in large type, with the number of items. impex has no carrier's label service:
/// there is no carrier tracking number or barcode on it.
pub fn return_label(head: &OrderHead, ra: &ReturnAnnouncement, carrier: &str) -> Vec<u8> {
    let mut s = Sheet::new(&format!("Return label {}", ra.rma_number));
    let sender = if ra.pickup.is_empty() { head.delivery.as_ref().or(head.billing.as_ref()).map(address_lines).unwrap_or_default() } else { ra.pickup.clone() };
    let to = if ra.return_address.is_empty() { vec![head.shop_name.clone()] } else { ra.return_address.clone() };
    s.line(LEFT, 20.0, true, &fit(&format!("Return label - {carrier}"), RIGHT - LEFT, 20.0));
    s.down(10.0);
    s.line(LEFT, 8.0, true, "From");
    for l in &sender {
        s.line(LEFT, 10.0, false, &fit(l, 260.0, 10.0));
    }
    s.down(14.0);
    s.line(LEFT, 8.0, true, "To");
    for l in &to {
        s.line(LEFT, 14.0, true, &fit(l, RIGHT - LEFT, 14.0));
    }
    s.down(20.0);
    s.line(LEFT, 8.0, true, "RMA number");
    s.line(LEFT, 24.0, true, &fit(&ra.rma_number, RIGHT - LEFT, 24.0));
    s.down(10.0);
    let items: i64 = ra.positions.iter().map(|p| p.quantity).sum();
    s.line(LEFT, 10.0, false, &format!("Order {} of {}, {} item(s), {}", head.shop_order_no, head.shop_name, items, day(&ra.creation_date)));
    s.line(LEFT, 10.0, false, &format!("Carrier: {carrier}"));
    s.finish(&format!("order {}", head.shop_order_no))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn win_ansi_maps_latin_letters_and_the_euro_sign() {
        assert_eq!(win_ansi("Müller €5 – ok"), b"M\xfcller \x805 \x96 ok");
        assert_eq!(win_ansi("a\tb\u{4e2d}"), b"a b?");
    }

    #[test]
    fn widths_and_fitting() {
        assert_eq!(text_width("00", 10.0), 11.12);
        let long = "x".repeat(200);
        let f = fit(&long, 100.0, 9.0);
        assert!(f.ends_with("...") && text_width(&f, 9.0) <= 100.0, "{f}");
        assert_eq!(fit("short", 100.0, 9.0), "short");
    }

    #[test]
    fn money_has_two_decimals_and_a_sign() {
        assert_eq!(money(12345, "EUR"), "123.45 EUR");
        assert_eq!(money(-5, "EUR"), "-0.05 EUR");
    }

    /// Many positions go onto more pages, each page a content stream of its own.
    #[test]
    fn long_tables_break_pages() {
        let head = OrderHead { shop_name: "Shop".into(), shop_order_no: "1".into(), currency: "EUR".into(), ..Default::default() };
        let inv = Invoice { invoice_no: "I1".into(), invoice_date: "2026-01-01".into(), currency: "EUR".into(), ..Default::default() };
        let positions: Vec<Position> = (1..=120).map(|n| Position { number: n, article_id: "a".into(), article_name: "n".into(), quantity: 1, ..Default::default() }).collect();
        let pdf = invoice(&head, &inv, &positions, &[], false);
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.starts_with("%PDF-"));
        assert!(text.contains("/Count 3"), "120 rows of 13 pt need three pages");
    }
}
