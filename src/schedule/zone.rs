//! The time zone in which cron expressions are read: `--tz` / env `IMPEX_TZ` (an IANA name such
//! as `Europe/Berlin`), else the server's local zone: env `TZ`, else the target of the
//! `/etc/localtime` link (`.../zoneinfo/Europe/Berlin`), else `/etc/timezone`, else UTC.
use chrono_tz::Tz;

/// The zone named by `name`, or the local zone when `name` is `None` or empty.
pub fn resolve(name: Option<&str>) -> Result<Tz, String> {
    match name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) => parse(n).ok_or_else(|| format!("unknown time zone `{n}` (expected an IANA name such as Europe/Berlin or UTC)")),
        None => Ok(local_zone()),
    }
}

fn parse(name: &str) -> Option<Tz> {
    name.trim_start_matches(':').parse::<Tz>().ok()
}

/// The server's local zone (see the module documentation); UTC when it cannot be told.
pub fn local_zone() -> Tz {
    if let Ok(tz) = std::env::var("TZ") {
        if let Some(z) = parse(&tz) {
            return z;
        }
    }
    if let Ok(target) = std::fs::read_link("/etc/localtime") {
        let t = target.to_string_lossy();
        if let Some(i) = t.find("zoneinfo/") {
            if let Some(z) = parse(&t[i + "zoneinfo/".len()..]) {
                return z;
            }
        }
    }
    if let Ok(text) = std::fs::read_to_string("/etc/timezone") {
        if let Some(z) = parse(text.trim()) {
            return z;
        }
    }
    Tz::UTC
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(resolve(Some("Europe/Berlin")).unwrap(), chrono_tz::Europe::Berlin);
        assert_eq!(resolve(Some("UTC")).unwrap(), Tz::UTC);
        assert!(resolve(Some("Mars/Olympus")).unwrap_err().contains("Mars/Olympus"));
        let _ = resolve(None).unwrap();
    }
}
