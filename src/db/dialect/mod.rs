//! The dialect bridge of `impex sql`: runs configuration SQL as IOM's reference writes it
//! (PostgreSQL) on SQLite.
//!
//! A script is split into statements at `;` outside string literals, quoted identifiers and
//! comments, each remembering the line where it starts. Outside literals, the bridge rewrites:
//! - `oms.` / `customer.` / `admin.` / `product.` schema prefixes: removed (all tables and functions share one
//!   namespace);
//! - `current_timestamp`, `localtimestamp`: `now()` (one timestamp format, see [`crate::time`]);
//! - `::type` casts: removed (SQLite is dynamically typed);
//! - `E'..'` strings: turned into standard strings with their backslash escapes decoded;
//! - a bare `index` used as a column name (PostgreSQL allows it, SQLite does not): quoted;
//! - comments: removed (PostgreSQL's nest, SQLite's do not).
//!
//! `nextval`, `currval`, `setval` and `now` are SQL functions ([`super::functions`]);
//! `TRUE`/`FALSE` are native. When a statement fails, [`explain`] turns SQLite's message into
//! one an operator understands, e.g. which sub-select found no row.
mod explain;

#[cfg(test)]
use explain::{parse_insert, subselects};

pub use explain::explain;

/// One statement of a script.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// The rewritten SQL that SQLite runs.
    pub sql: String,
    /// 1-based line of the script where the statement starts.
    pub line: usize,
    /// The statement's first line as written (trimmed), for error messages.
    pub first_line: String,
}

/// A script that could not even be split (an unterminated string or comment).
#[derive(Debug, Clone, PartialEq)]
pub struct SplitError {
    pub line: usize,
    pub reason: String,
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

/// IOM's `INSERT INTO "CommunicationPartnerDO" ... ON CONFLICT ("communicationRef",
/// "sendingPartnerReferrerRef", "receivingPartnerReferrerRef") DO NOTHING` (any column order)
/// becomes `... ON CONFLICT DO NOTHING`: SQLite takes the three-column target only for rows with
/// a receiver, and impex also refuses a second row with a NULL receiver (its other unique index);
/// without a target, DO NOTHING skips both, so such a script can run twice, as on IOM.
fn partner_upsert(sql: String) -> String {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(r#"(?is)^(INSERT\s+INTO\s+"CommunicationPartnerDO"\s.*?)\s+ON\s+CONFLICT\s*\(([^()]*)\)\s*DO\s+NOTHING$"#).unwrap()
    });
    let Some(c) = re.captures(&sql) else { return sql };
    let mut cols: Vec<String> = c[2].split(',').map(|x| x.trim().trim_matches('"').to_string()).collect();
    cols.sort();
    if cols != ["communicationRef", "receivingPartnerReferrerRef", "sendingPartnerReferrerRef"] {
        return sql;
    }
    format!("{} ON CONFLICT DO NOTHING", &c[1])
}

/// Splits and rewrites a script. See the module documentation.
pub fn split(script: &str) -> Result<Vec<Statement>, SplitError> {
    let chars: Vec<char> = script.chars().collect();
    let n = chars.len();
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut i = 0;
    let mut line = 1;
    let mut start_line: Option<usize> = None;
    let mut start_idx = 0usize;
    // The last word outside literals, for the `index` rule.
    let mut prev_word = String::new();
    // In a `CREATE TRIGGER`: the open `CASE`s, and whether the body's `END` was seen (the
    // `;`s of the body's statements do not end it).
    let mut cases = 0usize;
    let mut body_ended = false;

    let finish = |cur: &mut String, start_line: &mut Option<usize>, start_idx: usize, out: &mut Vec<Statement>| {
        if let Some(l) = start_line.take() {
            let text = cur.trim().to_string();
            if !text.is_empty() {
                let first_line = script[byte_offset(script, start_idx)..]
                    .lines()
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_string();
                out.push(Statement { sql: partner_upsert(text), line: l, first_line });
            }
        }
        cur.clear();
    };

    while i < n {
        let c = chars[i];
        let next = if i + 1 < n { chars[i + 1] } else { '\0' };
        // comments
        if c == '-' && next == '-' {
            while i < n && chars[i] != '\n' {
                i += 1;
            }
            cur.push(' ');
            continue;
        }
        if c == '/' && next == '*' {
            let open_line = line;
            let mut depth = 0;
            while i < n {
                if chars[i] == '/' && i + 1 < n && chars[i + 1] == '*' {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && i + 1 < n && chars[i + 1] == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if chars[i] == '\n' {
                        line += 1;
                        cur.push('\n');
                    }
                    i += 1;
                }
            }
            if depth != 0 {
                return Err(SplitError { line: open_line, reason: "comment /* is never closed".into() });
            }
            cur.push(' ');
            continue;
        }
        if c.is_whitespace() {
            if c == '\n' {
                line += 1;
            }
            // non-ASCII spaces (e.g. U+00A0 from a copied web page) become plain spaces
            cur.push(if c.is_ascii() { c } else { ' ' });
            i += 1;
            continue;
        }
        if start_line.is_none() {
            if c == ';' {
                i += 1;
                continue;
            }
            start_line = Some(line);
            start_idx = i;
        }
        // E'..' escape strings
        if (c == 'E' || c == 'e') && next == '\'' && (i == 0 || !is_ident_char(chars[i - 1])) {
            let open_line = line;
            i += 2;
            let mut s = String::new();
            loop {
                if i >= n {
                    return Err(SplitError { line: open_line, reason: "string literal E'... is never closed".into() });
                }
                let ch = chars[i];
                if ch == '\n' {
                    line += 1;
                }
                if ch == '\\' && i + 1 < n {
                    let e = chars[i + 1];
                    s.push(match e {
                        'n' => '\n',
                        't' => '\t',
                        'r' => '\r',
                        'b' => '\u{8}',
                        'f' => '\u{c}',
                        other => other,
                    });
                    i += 2;
                    continue;
                }
                if ch == '\'' {
                    if i + 1 < n && chars[i + 1] == '\'' {
                        s.push('\'');
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                s.push(ch);
                i += 1;
            }
            cur.push('\'');
            cur.push_str(&s.replace('\'', "''"));
            cur.push('\'');
            prev_word.clear();
            continue;
        }
        // standard strings and quoted identifiers: copied verbatim
        if c == '\'' || c == '"' {
            let open_line = line;
            let q = c;
            cur.push(c);
            i += 1;
            loop {
                if i >= n {
                    let what = if q == '\'' { "string literal '" } else { "quoted identifier \"" };
                    return Err(SplitError { line: open_line, reason: format!("{what}... is never closed") });
                }
                let ch = chars[i];
                if ch == '\n' {
                    line += 1;
                }
                cur.push(ch);
                i += 1;
                if ch == q {
                    if i < n && chars[i] == q {
                        cur.push(q);
                        i += 1;
                        continue;
                    }
                    break;
                }
            }
            if q == '"' {
                prev_word = "\"".into();
            } else {
                prev_word.clear();
            }
            continue;
        }
        if c == ';' {
            i += 1;
            if is_create_trigger(&cur) && !body_ended {
                cur.push(';');
                prev_word.clear();
                continue;
            }
            finish(&mut cur, &mut start_line, start_idx, &mut out);
            prev_word.clear();
            (cases, body_ended) = (0, false);
            continue;
        }
        // casts ::type
        if c == ':' && next == ':' {
            i += 2;
            while i < n && chars[i].is_whitespace() {
                i += 1;
            }
            if i < n && chars[i] == '"' {
                i += 1;
                while i < n && chars[i] != '"' {
                    i += 1;
                }
                i += 1;
            } else {
                while i < n && (is_ident_char(chars[i]) || chars[i] == '.') {
                    i += 1;
                }
                // e.g. varchar(20), timestamp without time zone
                while i < n && chars[i] == ' ' {
                    let rest: String = chars[i..n.min(i + 20)].iter().collect::<String>().to_lowercase();
                    if rest.starts_with(" without time zone") || rest.starts_with(" with time zone") {
                        i += if rest.starts_with(" without") { 18 } else { 15 };
                    } else {
                        break;
                    }
                }
                if i < n && chars[i] == '(' {
                    while i < n && chars[i] != ')' {
                        i += 1;
                    }
                    i += 1;
                }
                if i + 1 < n && chars[i] == '[' && chars[i + 1] == ']' {
                    i += 2;
                }
            }
            continue;
        }
        if is_ident_char(c) && !c.is_ascii_digit() {
            let s = i;
            while i < n && is_ident_char(chars[i]) {
                i += 1;
            }
            let word: String = chars[s..i].iter().collect();
            let lower = word.to_lowercase();
            let followed_by_dot = i < n && chars[i] == '.';
            if followed_by_dot && (lower == "oms" || lower == "customer" || lower == "admin" || lower == "product") {
                i += 1; // drop the schema prefix and its dot
                continue;
            }
            match lower.as_str() {
                "case" => cases += 1,
                "end" if cases > 0 => cases -= 1,
                "end" => body_ended = true,
                _ => {}
            }
            match lower.as_str() {
                "current_timestamp" | "localtimestamp" => cur.push_str("now()"),
                "index"
                    if !matches!(prev_word.as_str(), "create" | "unique" | "drop" | "reindex" | "exists")
                        && !followed_by_dot =>
                {
                    cur.push_str("\"index\"")
                }
                _ => cur.push_str(&word),
            }
            prev_word = lower;
            continue;
        }
        cur.push(c);
        if !c.is_ascii_digit() {
            prev_word.clear();
        }
        i += 1;
    }
    finish(&mut cur, &mut start_line, start_idx, &mut out);
    Ok(out)
}

fn byte_offset(s: &str, char_idx: usize) -> usize {
    s.char_indices().nth(char_idx).map(|(b, _)| b).unwrap_or(s.len())
}

/// Whether a statement so far is a `CREATE [TEMP|TEMPORARY] TRIGGER`.
fn is_create_trigger(statement: &str) -> bool {
    let words: Vec<String> = statement.split_whitespace().take(3).map(str::to_ascii_uppercase).collect();
    match words.as_slice() {
        [c, t, ..] if c == "CREATE" && t == "TRIGGER" => true,
        [c, temp, t] => c == "CREATE" && (temp == "TEMP" || temp == "TEMPORARY") && t == "TRIGGER",
        _ => false,
    }
}

/// Splits `s` at top-level occurrences of `sep` (outside parentheses, strings and quoted
/// identifiers).
pub fn split_top_level(s: &str, sep: char) -> Vec<String> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    for c in s.chars() {
        if let Some(q) = quote {
            cur.push(c);
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' => {
                quote = Some(c);
                cur.push(c);
            }
            '(' => {
                depth += 1;
                cur.push(c);
            }
            ')' => {
                depth -= 1;
                cur.push(c);
            }
            c if c == sep && depth == 0 => parts.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    if !cur.trim().is_empty() {
        parts.push(cur);
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partner_upsert_of_iom_scripts_loses_its_target() {
        let s = split(
            "INSERT INTO oms.\"CommunicationPartnerDO\" (\"id\") VALUES (1)\n  ON CONFLICT (\"communicationRef\", \"sendingPartnerReferrerRef\", \"receivingPartnerReferrerRef\") DO NOTHING;\n\
             INSERT INTO \"CommunicationPartnerDO\" (\"id\") VALUES (2) ON CONFLICT (\"id\") DO NOTHING;\n\
             INSERT INTO \"ShopDO\" (\"id\") VALUES (3) ON CONFLICT (\"communicationRef\", \"sendingPartnerReferrerRef\", \"receivingPartnerReferrerRef\") DO NOTHING;",
        )
        .unwrap();
        assert_eq!(s[0].sql, "INSERT INTO \"CommunicationPartnerDO\" (\"id\") VALUES (1) ON CONFLICT DO NOTHING");
        assert!(s[1].sql.ends_with("ON CONFLICT (\"id\") DO NOTHING"), "{}", s[1].sql);
        assert!(s[2].sql.contains("ON CONFLICT (\"communicationRef\""), "{}", s[2].sql);
    }

    /// A trigger's body is part of its statement, on one line or several, with a `CASE ...
    /// END` in it; the statement after it is one of its own.
    #[test]
    fn a_create_trigger_keeps_the_semicolons_of_its_body() {
        let s = split(
            "CREATE TRIGGER t AFTER INSERT ON a BEGIN INSERT INTO l VALUES (NEW.x); END;\n\
             create temp trigger u after update on a begin\n  update l set y = case when NEW.x > 1 then 1 else 0 end;\n  delete from l;\nend;\n\
             INSERT INTO a VALUES (1);",
        )
        .unwrap();
        assert_eq!(s.len(), 3, "{s:?}");
        assert_eq!(s[0].sql, "CREATE TRIGGER t AFTER INSERT ON a BEGIN INSERT INTO l VALUES (NEW.x); END");
        assert!(s[1].sql.starts_with("create temp trigger u") && s[1].sql.ends_with("delete from l;\nend"), "{}", s[1].sql);
        assert_eq!((s[2].sql.as_str(), s[2].line), ("INSERT INTO a VALUES (1)", 6));
    }

    #[test]
    fn splits_on_semicolons_outside_literals() {
        let s = split("insert into a values ('x;y');\n-- c; d\ninsert into \"b;\" values (1) ; ;").unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].sql, "insert into a values ('x;y')");
        assert_eq!(s[1].line, 3);
        assert_eq!(s[1].sql, "insert into \"b;\" values (1)");
    }

    #[test]
    fn strips_schema_prefixes_but_not_in_strings() {
        let s = split(r#"INSERT INTO oms."ShopDO" VALUES (nextval('oms."ShopDO_id_seq"'), 'oms.x'); select * from customer."CustomerExportConfigDO""#).unwrap();
        assert_eq!(s[0].sql, r#"INSERT INTO "ShopDO" VALUES (nextval('oms."ShopDO_id_seq"'), 'oms.x')"#);
        assert_eq!(s[1].sql, r#"select * from "CustomerExportConfigDO""#);
    }

    #[test]
    fn rewrites_timestamps_casts_and_index() {
        let s = split("insert into t (id, index) values (1::bigint, current_timestamp, '5'::varchar(3), now()::timestamp without time zone)").unwrap();
        assert_eq!(s[0].sql, "insert into t (id, \"index\") values (1, now(), '5', now())");
        let s = split("create index if not exists i on t(x); create unique index j on t(y)").unwrap();
        assert_eq!(s[0].sql, "create index if not exists i on t(x)");
        assert_eq!(s[1].sql, "create unique index j on t(y)");
    }

    #[test]
    fn comments_nested_and_line_numbers() {
        let s = split("/* a /* nested */ still comment; */\n\nselect 1 /* x */; -- tail\n  select\n 2").unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].line, 3);
        assert_eq!(s[0].first_line, "select 1 /* x */; -- tail");
        assert_eq!(s[1].line, 4);
    }

    #[test]
    fn escape_strings_and_backslashes() {
        let s = split(r"select E'a\'b\\c\n', 'x\.y', 'it''s'").unwrap();
        assert_eq!(s[0].sql, "select 'a''b\\c\n', 'x\\.y', 'it''s'");
    }

    #[test]
    fn unterminated() {
        let e = split("select 1;\nselect 'abc").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(split("/* x").is_err());
    }

}

#[cfg(test)]
mod robustness {
    use super::*;

    /// A cheap stand-in for the cargo-fuzz target: random scripts built from the characters
    /// that matter to the splitter must never panic, and line numbers stay in range.
    #[test]
    fn random_scripts_never_panic() {
        const ALPHABET: &[&str] = &[
            "'", "\"", ";", "-", "--", "/*", "*/", "\n", " ", "\u{a0}", "E'", "\\", "::", "int", "(", ")", "oms.", "index",
            "select", "current_timestamp", "ä", "a", "1", "*", "/", ":", "$", "e",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..5_000 {
            let len = (next() % 40) as usize;
            let script: String = (0..len).map(|_| ALPHABET[(next() % ALPHABET.len() as u64) as usize]).collect();
            let lines = script.lines().count().max(1) + 1;
            match split(&script) {
                Ok(stmts) => {
                    for s in stmts {
                        assert!(s.line >= 1 && s.line <= lines, "{script:?} -> {s:?}");
                    }
                }
                Err(e) => assert!(e.line >= 1 && e.line <= lines, "{script:?} -> {e:?}"),
            }
            let _ = split_top_level(&script, ',');
            let _ = subselects(&script);
            let _ = parse_insert(&script);
        }
    }
}
