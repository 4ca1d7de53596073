//! `impex sql` on PostgreSQL: every script goes to the server as it is written (IOM's SQL,
//! PL/pgSQL `DO` blocks, `CREATE FUNCTION`), all files in one transaction. A script is cut at
//! the `;` that end statements (outside string literals, quoted names, dollar-quoted bodies and
//! comments) only to know where each statement starts: a failing statement is reported with its
//! file and line (the line of the error's position when the server gives one) and the server's
//! message, detail, hint and context. Then nothing is applied. Before the commit, every id
//! sequence is moved past the highest id of its table (`admin.impex_sync_sequences()`).
use crate::db::script::{Source, Summary};
use crate::error::{Error, Result};

/// A statement of a script: its text and the 1-based line where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    pub text: String,
    pub line: usize,
}

/// Cuts a script into statements. An unterminated literal, quoted name, dollar quote or comment
/// is an error naming the line where it starts. A no-break space (U+00A0) outside literals and
/// comments, which text copied from a web page often has (the reference's debtor snippet does),
/// goes to the server as two spaces: PostgreSQL's lexer takes only ASCII white space.
pub fn split(script: &str) -> std::result::Result<Vec<Piece>, (usize, String)> {
    let b = script.as_bytes();
    let mut text = b.to_vec();
    let piece = |text: &[u8], from: usize, to: usize| String::from_utf8_lossy(&text[from..to]).trim().to_string();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1;
    let mut start = 0;
    let mut start_line = 1;
    let mut has_code = false;
    let newlines = |s: &[u8]| s.iter().filter(|&&c| c == b'\n').count();
    while i < b.len() {
        let c = b[i];
        match c {
            b'\'' | b'"' => {
                if !has_code {
                    start = i;
                    start_line = line;
                }
                let from = line;
                let mut j = i + 1;
                loop {
                    if j >= b.len() {
                        return Err((from, format!("unterminated {}", if c == b'"' { "quoted name" } else { "string literal" })));
                    }
                    if b[j] == c {
                        if j + 1 < b.len() && b[j + 1] == c {
                            j += 2;
                            continue;
                        }
                        break;
                    }
                    // E'..' strings escape with a backslash
                    if c == b'\'' && b[j] == b'\\' && i > 0 && (b[i - 1] == b'E' || b[i - 1] == b'e') {
                        j += 1;
                    }
                    j += 1;
                }
                line += newlines(&b[i..=j.min(b.len() - 1)]);
                has_code = true;
                i = j + 1;
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let from = line;
                let mut depth = 0;
                let mut j = i;
                loop {
                    if j + 1 >= b.len() {
                        return Err((from, "unterminated comment".into()));
                    }
                    if b[j] == b'/' && b[j + 1] == b'*' {
                        depth += 1;
                        j += 2;
                    } else if b[j] == b'*' && b[j + 1] == b'/' {
                        depth -= 1;
                        j += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        j += 1;
                    }
                }
                line += newlines(&b[i..j]);
                i = j;
            }
            b'$' => {
                if !has_code {
                    start = i;
                    start_line = line;
                }
                // a dollar quote: $$ or $tag$ (a tag is an identifier; $1 is a parameter)
                let mut j = i + 1;
                while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                    j += 1;
                }
                let tag_ok = j < b.len() && b[j] == b'$' && !(j > i + 1 && b[i + 1].is_ascii_digit());
                if tag_ok && !(i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')) {
                    let tag = &script[i..=j];
                    let from = line;
                    let Some(end) = script[j + 1..].find(tag) else { return Err((from, format!("unterminated dollar quote {tag}"))) };
                    let close = j + 1 + end + tag.len();
                    line += newlines(&b[i..close]);
                    has_code = true;
                    i = close;
                } else {
                    has_code = true;
                    i += 1;
                }
            }
            b';' => {
                if has_code {
                    out.push(Piece { text: piece(&text, start, i), line: start_line });
                }
                has_code = false;
                i += 1;
                start = i;
            }
            b'\n' => {
                line += 1;
                i += 1;
            }
            0xC2 if b.get(i + 1) == Some(&0xA0) => {
                text[i] = b' ';
                text[i + 1] = b' ';
                i += 2;
            }
            c => {
                if !c.is_ascii_whitespace() {
                    if !has_code {
                        // the statement starts at its first code, not at the comments before it
                        start = i;
                        start_line = line;
                    }
                    has_code = true;
                }
                i += 1;
            }
        }
    }
    if has_code {
        out.push(Piece { text: piece(&text, start, b.len()), line: start_line });
    }
    Ok(out)
}

/// Runs `sources` in one transaction on the server; on any error nothing is applied.
pub fn run(client: &mut postgres::Client, sources: &[Source]) -> Result<Summary> {
    let mut parsed = Vec::new();
    for src in sources {
        let pieces = split(&src.text).map_err(|(line, reason)| Error::Script {
            file: src.name.clone(),
            line,
            first_line: src.text.lines().nth(line - 1).unwrap_or("").trim().to_string(),
            reason,
        })?;
        parsed.push((src, pieces));
    }
    let mut tx = client.transaction().map_err(|e| Error::Other(super::describe(&e)))?;
    let mut summary = Summary::default();
    for (src, pieces) in &parsed {
        for p in pieces {
            match tx.simple_query(&p.text) {
                Ok(messages) => {
                    summary.statements += 1;
                    // a statement's count is the rows it changed, unless it returned rows
                    let mut returned = false;
                    for m in messages {
                        match m {
                            postgres::SimpleQueryMessage::Row(_) => returned = true,
                            postgres::SimpleQueryMessage::CommandComplete(n) if !returned => summary.rows_changed += n as usize,
                            _ => {}
                        }
                    }
                }
                Err(e) => {
                    let line = match e.as_db_error().and_then(|d| d.position()) {
                        Some(postgres::error::ErrorPosition::Original(pos)) => {
                            p.line + p.text.chars().take((*pos as usize).saturating_sub(1)).filter(|&c| c == '\n').count()
                        }
                        _ => p.line,
                    };
                    let first_line = src.text.lines().nth(line - 1).unwrap_or("").trim().to_string();
                    return Err(Error::Script { file: src.name.clone(), line, first_line, reason: super::describe(&e) });
                }
            }
        }
    }
    tx.batch_execute("SELECT admin.impex_sync_sequences()").map_err(|e| Error::Other(format!("moving the sequences past the ids the scripts wrote: {}", super::describe(&e))))?;
    tx.commit().map_err(|e| Error::Other(format!("committing the scripts: {}", super::describe(&e))))?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_no_break_space_outside_literals_is_sent_as_spaces() {
        let p = split("SELECT\u{a0}5, '\u{a0}';").unwrap();
        assert_eq!(p[0].text, "SELECT  5, '\u{a0}'");
    }

    #[test]
    fn statements_end_at_semicolons_outside_quotes_and_bodies() {
        let script = "-- a comment; not a statement\nINSERT INTO t VALUES ('a;b', \"x;y\");\nDO $$\nDECLARE v int8 = 1;\nBEGIN\n  PERFORM f(v);\nEND $$;\n/* one /* nested */ ; */ SELECT $tag$ ; $tag$, E'it\\'s;';\nSELECT $1";
        let p = split(script).unwrap();
        assert_eq!(p.len(), 4, "{p:?}");
        assert_eq!((p[0].line, p[0].text.as_str()), (2, "INSERT INTO t VALUES ('a;b', \"x;y\")"));
        assert_eq!(p[1].line, 3);
        assert!(p[1].text.ends_with("END $$"));
        assert_eq!(p[2].line, 8);
        assert!(p[2].text.starts_with("SELECT $tag$"), "{:?}", p[2]);
        assert_eq!(split("SELECT 'open").unwrap_err().0, 1);
        assert_eq!(split("SELECT 1;\nDO $$ BEGIN").unwrap_err(), (2, "unterminated dollar quote $$".to_string()));
    }
}
