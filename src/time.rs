//! The one timestamp text format of impex.
//!
//! Every timestamp column holds UTC text `YYYY-MM-DD HH:MM:SS.SSS` (what SQLite's
//! `strftime('%Y-%m-%d %H:%M:%f','now')` produces, and what `now()` / `current_timestamp`
//! produce in `impex sql`). Text order is time order.
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};

/// The `strftime`-style format of [`format`].
pub const FORMAT: &str = "%Y-%m-%d %H:%M:%S%.3f";

/// Formats a UTC instant in impex's timestamp format.
pub fn format(t: DateTime<Utc>) -> String {
    t.format(FORMAT).to_string()
}

/// The current time in impex's timestamp format.
pub fn now_text() -> String {
    format(Utc::now())
}

/// Parses a timestamp column. Accepts impex's format, and also the forms a person may type in
/// the `sqlite3` shell: without fractions, with a `T`, with a trailing `Z`, or a bare date.
pub fn parse(text: &str) -> Option<DateTime<Utc>> {
    // (PostgreSQL writes a timestamptz as text with its offset, `+00` in impex's UTC sessions)
    let t = text.trim().trim_end_matches('Z').trim_end_matches("+00:00").trim_end_matches("+00");
    let t = t.replacen('T', " ", 1);
    for f in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(n) = NaiveDateTime::parse_from_str(&t, f) {
            return Some(Utc.from_utc_datetime(&n));
        }
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(&t, "%Y-%m-%d") {
        return Some(Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0)?));
    }
    None
}

/// An instant as the REST APIs' `format: date-time` (RFC 3339): UTC, milliseconds, `Z`, e.g.
/// `2019-07-03T13:57:33.521Z`.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// A timestamp column as RFC 3339 (see [`rfc3339`]); `None` when unreadable.
pub fn column_rfc3339(text: &str) -> Option<String> {
    parse(text).map(rfc3339)
}

/// Parses an RFC 3339 date-time with any offset (`2019-07-03T15:57:33.521+02:00`, `...Z`).
pub fn parse_rfc3339(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim()).ok().map(|t| t.with_timezone(&Utc))
}

/// Parses a delay of the form `<n>s|m|h|d` (IOM's `retryDelay`), e.g. `30m`.
pub fn parse_delay(text: &str) -> Option<std::time::Duration> {
    let t = text.trim();
    // the unit is the last character (which may be more than one byte in a wrong value)
    let last = t.char_indices().last()?.0;
    if last == 0 {
        return None;
    }
    let (num, unit) = t.split_at(last);
    let n: u64 = num.parse().ok()?;
    let secs = match unit {
        "s" => n,
        "m" => n.checked_mul(60)?,
        "h" => n.checked_mul(3600)?,
        "d" => n.checked_mul(86400)?,
        _ => return None,
    };
    Some(std::time::Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip() {
        let t = Utc.with_ymd_and_hms(2026, 3, 29, 1, 2, 3).unwrap();
        assert_eq!(format(t), "2026-03-29 01:02:03.000");
        assert_eq!(parse("2026-03-29 01:02:03.000"), Some(t));
        assert_eq!(parse("2026-03-29T01:02:03Z"), Some(t));
        assert_eq!(parse("2026-03-29 01:02:03"), Some(t));
        assert!(parse("yesterday").is_none());
    }

    #[test]
    fn rfc3339_both_ways() {
        let t = parse_rfc3339("2019-07-03T15:57:33.521+02:00").unwrap();
        assert_eq!(rfc3339(t), "2019-07-03T13:57:33.521Z");
        assert_eq!(column_rfc3339("2019-07-03 13:57:33.521").as_deref(), Some("2019-07-03T13:57:33.521Z"));
        assert!(parse_rfc3339("2019-07-03 13:57").is_none());
    }

    #[test]
    fn delays() {
        assert_eq!(parse_delay("30m").unwrap().as_secs(), 1800);
        assert_eq!(parse_delay("1d").unwrap().as_secs(), 86400);
        assert_eq!(parse_delay("5s").unwrap().as_secs(), 5);
        assert!(parse_delay("5").is_none());
        assert!(parse_delay("m").is_none());
        assert!(parse_delay("5 min").is_none());
        assert!(parse_delay("-5m").is_none());
        // a multi-byte last character is a wrong unit, not a panic
        assert!(parse_delay("fx2\u{a1}").is_none());
        assert!(parse_delay("\u{c4}").is_none());
    }
}
