//! Bare quick-xml scan of a file: reads every event on a `BufReader` and counts elements named
//! as the first argument's local name (default `OpenPosition`). The baseline of
//! `bench/import.sh`: impex's import should reach at least half of this speed.
//!
//! `cargo run --release --example xml_scan -- FILE [ELEMENT]`
use std::io::BufReader;
use std::time::Instant;

use quick_xml::events::Event;
use quick_xml::Reader;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: xml_scan FILE [ELEMENT]");
    let element = args.next().unwrap_or_else(|| "OpenPosition".into());
    let start = Instant::now();
    let file = std::fs::File::open(&path).expect("open");
    let mut reader = Reader::from_reader(BufReader::with_capacity(256 * 1024, file));
    let mut buf = Vec::with_capacity(1024);
    let (mut records, mut events, mut text_bytes) = (0u64, 0u64, 0usize);
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf).expect("xml") {
            Event::Start(e) if e.local_name().into_inner() == element => records += 1,
            Event::Text(t) => text_bytes += t.xml10_content().len(),
            Event::Eof => break,
            _ => {}
        }
        events += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "xml_scan: {records} {element} elements, {events} events, {text_bytes} text bytes in {secs:.3} s = {:.0} records/s",
        records as f64 / secs
    );
}
