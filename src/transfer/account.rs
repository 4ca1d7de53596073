//! The `pullFtpAccount` value (ExecutionBeanKeyDefDO 1330) parsed into an [`Account`].
//!
//! Accepted forms (reference: "FTP: Credentials" in the OpenPositions chapter):
//! - `user:pass@host[:port]` — plain FTP, IOM's classic form (port 21);
//! - `ftp://user:pass@host[:port]` — plain FTP;
//! - `ftps://user:pass@host[:port]` — FTP with explicit TLS (`AUTH TLS`, port 21);
//! - `sftp://user[:pass]@host[:port]` — SFTP (port 22); without a password the key file
//!   `pullPrivateKeyFile` is used;
//! - empty or missing — no server: `pullDirectory` is a local directory.
//!
//! The password is split at the LAST `@`, so it may contain `@`; in the URL forms `%XX` escapes
//! in user and password are decoded (`%40` = `@`, `%3A` = `:`). IPv6 hosts are written `[::1]`.
//! A trailing `/path` in a URL is ignored (use `pullDirectory`).
use std::fmt;

/// A password that never shows in logs, errors or `Debug` output.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    /// The clear text, for the login call only.
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// The protocol of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Ftp,
    Ftps,
    Sftp,
    /// No account: the directories are local.
    Local,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Ftp => "ftp",
            Scheme::Ftps => "ftps",
            Scheme::Sftp => "sftp",
            Scheme::Local => "local",
        }
    }
    fn default_port(self) -> u16 {
        match self {
            Scheme::Sftp => 22,
            _ => 21,
        }
    }
}

/// A parsed account. `Debug` and `Display` never show the password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub scheme: Scheme,
    pub user: String,
    pub password: Option<Secret>,
    pub host: String,
    pub port: u16,
}

impl fmt::Display for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.scheme == Scheme::Local {
            return f.write_str("local directory");
        }
        let host = if self.host.contains(':') { format!("[{}]", self.host) } else { self.host.clone() };
        write!(f, "{}://{}@{}:{}", self.scheme.as_str(), self.user, host, self.port)
    }
}

impl Account {
    pub fn local() -> Self {
        Account { scheme: Scheme::Local, user: String::new(), password: None, host: String::new(), port: 0 }
    }

    /// Parses a `pullFtpAccount` value. The error never contains the password.
    pub fn parse(value: Option<&str>) -> Result<Account, String> {
        let v = match value.map(str::trim) {
            None | Some("") => return Ok(Account::local()),
            Some(v) => v,
        };
        let (scheme, rest, url) = if let Some((s, rest)) = v.split_once("://") {
            let scheme = match s.to_ascii_lowercase().as_str() {
                "ftp" => Scheme::Ftp,
                "ftps" | "ftpes" => Scheme::Ftps,
                "sftp" | "ssh" => Scheme::Sftp,
                other => return Err(format!("unknown scheme `{other}://` (use ftp://, ftps:// or sftp://)")),
            };
            (scheme, rest, true)
        } else {
            (Scheme::Ftp, v, false)
        };
        let rest = if url { rest.split('/').next().unwrap_or("") } else { rest };
        let (userinfo, hostport) = match rest.rfind('@') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => return Err("missing `user@` before the host (expected user:password@host[:port])".into()),
        };
        let (user, password) = match userinfo.split_once(':') {
            Some((u, p)) => (u, Some(p)),
            None => (userinfo, None),
        };
        let decode = |s: &str| if url { percent_decode(s) } else { Ok(s.to_string()) };
        let user = decode(user).map_err(|e| format!("user name: {e}"))?;
        let password = match password {
            Some(p) => Some(Secret::new(decode(p).map_err(|_| "password: invalid %-escape".to_string())?)),
            None => None,
        };
        if user.is_empty() {
            return Err("empty user name".into());
        }
        if scheme != Scheme::Sftp && password.is_none() {
            return Err(format!("{} needs user:password@host", scheme.as_str()));
        }
        let (host, port) = split_host_port(hostport)?;
        let port = port.unwrap_or(scheme.default_port());
        Ok(Account { scheme, user, password, host, port })
    }
}

fn split_host_port(s: &str) -> Result<(String, Option<u16>), String> {
    let (host, port) = if let Some(r) = s.strip_prefix('[') {
        let (h, after) = r.split_once(']').ok_or("unclosed `[` in host")?;
        (h.to_string(), after.strip_prefix(':'))
    } else {
        match s.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), Some(p)),
            None => (s.to_string(), None),
        }
    };
    if host.is_empty() {
        return Err("empty host".into());
    }
    let port = match port {
        Some(p) => Some(p.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| format!("invalid port `{p}`"))?),
        None => None,
    };
    Ok((host, port))
}

fn percent_decode(s: &str) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3).ok_or("truncated %-escape")?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| "invalid %-escape")?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "not UTF-8 after %-decoding".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iom_form_is_ftp() {
        let a = Account::parse(Some("ftp-omtdata:ftp-omtdata@localhost")).unwrap();
        assert_eq!(a.scheme, Scheme::Ftp);
        assert_eq!(a.user, "ftp-omtdata");
        assert_eq!(a.password.as_ref().unwrap().expose(), "ftp-omtdata");
        assert_eq!((a.host.as_str(), a.port), ("localhost", 21));
    }

    #[test]
    fn urls() {
        let a = Account::parse(Some("sftp://bob@10.0.0.1:2222")).unwrap();
        assert_eq!((a.scheme, a.user.as_str(), a.host.as_str(), a.port), (Scheme::Sftp, "bob", "10.0.0.1", 2222));
        assert!(a.password.is_none());
        let a = Account::parse(Some("sftp://u:p@h")).unwrap();
        assert_eq!(a.port, 22);
        let a = Account::parse(Some("ftps://u:p%40ss@[::1]:990/x")).unwrap();
        assert_eq!((a.scheme, a.host.as_str(), a.port), (Scheme::Ftps, "::1", 990));
        assert_eq!(a.password.unwrap().expose(), "p@ss");
        let a = Account::parse(Some("u:p@ss@host:2121")).unwrap();
        assert_eq!(a.password.unwrap().expose(), "p@ss");
        assert_eq!(Account::parse(Some("  ")).unwrap().scheme, Scheme::Local);
        assert_eq!(Account::parse(None).unwrap().scheme, Scheme::Local);
    }

    #[test]
    fn errors_and_display_hide_the_password() {
        let a = Account::parse(Some("ftp://u:TOPSECRET@h:21")).unwrap();
        assert!(!format!("{a:?}").contains("TOPSECRET"));
        assert!(!format!("{a}").contains("TOPSECRET"));
        for bad in ["u:TOPSECRET@h:99999", "u:TOPSECRET@", "http://u:TOPSECRET@h", "ftp://u@h"] {
            let e = Account::parse(Some(bad)).unwrap_err();
            assert!(!e.contains("TOPSECRET"), "{bad}: {e}");
        }
    }
}
