//! Where a PostgreSQL database is: `--db postgres://user[:password]@host[:port]/dbname[?...]`
//! (or `postgresql://`), its password and its TLS setting (docs/postgres.md, "Connecting").
//!
//! The password comes from the URL, else `PGPASSWORD`, else the password file (`PGPASSFILE`,
//! else `~/.pgpass`, as libpq reads it: `host:port:database:user:password`, `*` matches
//! anything, `\` escapes `:` and `\`; a file that others may read is ignored, as libpq does).
//! It is never shown: [`Target::shown`] is the URL without it, and errors name only that.
//!
//! `sslmode`: `disable`, `allow` and `prefer` connect without TLS (impex does not fall back
//! from a failed TLS handshake); `require`, `verify-ca` and `verify-full` use TLS (rustls),
//! and impex always verifies the server's certificate and name, against the system's CA
//! bundle and the file of `sslrootcert` if given. That is stricter than libpq's `require`,
//! which accepts any certificate.
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use crate::db::{StoreError, StoreErrorKind, StoreResult};

/// The schemas of IOM's database, in the order of impex's `search_path`.
pub const SCHEMAS: &[&str] = &["oms", "customer", "product", "admin"];

/// The system CA bundle (Debian's ca-certificates).
const SYSTEM_CA_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// A PostgreSQL database to connect to.
#[derive(Clone)]
pub struct Target {
    config: postgres::Config,
    shown: String,
    tls: bool,
    root_cert: Option<PathBuf>,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown)
    }
}

/// Whether `--db` names a PostgreSQL database rather than a file.
pub fn is_url(text: &str) -> bool {
    text.starts_with("postgres://") || text.starts_with("postgresql://")
}

/// The URL without its password (`postgres://user@host:5432/db`), for messages.
pub fn redact(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else { return url.to_string() };
    let rest = &url[scheme_end..];
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    match authority.rfind('@') {
        Some(at) => {
            let user = authority[..at].split(':').next().unwrap_or("");
            format!("{}{}@{}{}", &url[..scheme_end], user, &authority[at + 1..], &rest[authority_end..])
        }
        None => url.to_string(),
    }
}

fn bad(shown: &str, reason: impl std::fmt::Display) -> StoreError {
    StoreError::new(StoreErrorKind::Other, format!("the database URL {shown}: {reason}"))
}

impl Target {
    /// Parses a URL; the password fallbacks are read here.
    pub fn parse(url: &str) -> StoreResult<Target> {
        let shown_full = redact(url);
        // impex reads sslmode and sslrootcert itself (the client knows only three modes)
        let (base, query) = match url.split_once('?') {
            Some((b, q)) => (b, q),
            None => (url, ""),
        };
        let mut tls = false;
        let mut root_cert = None;
        let mut kept = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            match k {
                "sslmode" => {
                    tls = match v {
                        "disable" | "allow" | "prefer" => false,
                        "require" | "verify-ca" | "verify-full" => true,
                        other => return Err(bad(&shown_full, format!("sslmode={other} is not one of disable, allow, prefer, require, verify-ca, verify-full"))),
                    }
                }
                "sslrootcert" => root_cert = Some(PathBuf::from(v)),
                "password" => return Err(bad(&shown_full, "give the password in the user part (user:password@), PGPASSWORD or ~/.pgpass, not as a parameter")),
                _ => kept.push(pair),
            }
        }
        let rebuilt = if kept.is_empty() { base.to_string() } else { format!("{base}?{}", kept.join("&")) };
        let mut config = postgres::Config::from_str(&rebuilt).map_err(|e| bad(&shown_full, e))?;
        config.ssl_mode(if tls { postgres::config::SslMode::Require } else { postgres::config::SslMode::Disable });
        let search_path = SCHEMAS.iter().chain(["public"].iter()).copied().collect::<Vec<_>>().join(",");
        let mut options = config.get_options().map(|o| format!("{o} ")).unwrap_or_default();
        // impex's sessions read and write timestamps in UTC, as impex's text timestamps are
        options.push_str(&format!("-c search_path={search_path} -c TimeZone=UTC"));
        config.options(&options);
        if config.get_application_name().is_none() {
            config.application_name("impex");
        }
        // an unreachable server is an error after 10 s, not a hang (`connect_timeout=` overrides)
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(std::time::Duration::from_secs(10));
        }
        let user = config.get_user().map(str::to_string).unwrap_or_else(|| std::env::var("USER").unwrap_or_else(|_| "postgres".into()));
        if config.get_user().is_none() {
            config.user(&user);
        }
        let (host, port) = host_and_port(&config);
        let dbname = config.get_dbname().map(str::to_string).unwrap_or_else(|| user.clone());
        if config.get_password().is_none() {
            if let Ok(p) = std::env::var("PGPASSWORD") {
                config.password(p);
            } else if let Some(p) = pgpass_password(&host, port, &dbname, &user) {
                config.password(p);
            }
        }
        let shown = format!("postgres://{user}@{host}:{port}/{dbname}");
        Ok(Target { config, shown, tls, root_cert })
    }

    /// The URL without the password.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// A new connection (the session's `search_path` is IOM's schemas).
    pub fn connect(&self) -> StoreResult<postgres::Client> {
        let mut config = self.config.clone();
        // the server's notices (`DROP ... IF EXISTS` of what is not there, a script's RAISE
        // NOTICE) at debug level: the client would log them as information
        config.notice_callback(|n| tracing::debug!(target: "impex::db::pg", "{}: {}", n.severity(), n.message()));
        let client = if self.tls {
            let tls = tokio_postgres_rustls::MakeRustlsConnect::new((*self.tls_config()?).clone());
            config.connect(tls)
        } else {
            config.connect(postgres::NoTls)
        };
        client.map_err(|e| StoreError::new(StoreErrorKind::Other, format!("connecting to {}: {}", self.shown, super::describe(&e))))
    }

    fn tls_config(&self) -> StoreResult<Arc<rustls::ClientConfig>> {
        let mut roots = rustls::RootCertStore::empty();
        let mut files: Vec<&Path> = Vec::new();
        if Path::new(SYSTEM_CA_BUNDLE).exists() {
            files.push(Path::new(SYSTEM_CA_BUNDLE));
        }
        if let Some(f) = &self.root_cert {
            files.push(f);
        }
        for f in files {
            let file = std::fs::File::open(f).map_err(|e| bad(&self.shown, format!("sslrootcert {}: {e}", f.display())))?;
            for c in rustls_pemfile::certs(&mut std::io::BufReader::new(file)) {
                let c = c.map_err(|e| bad(&self.shown, format!("CA file {}: {e}", f.display())))?;
                let _ = roots.add(c);
            }
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| bad(&self.shown, format!("TLS setup: {e}")))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(Arc::new(config))
    }
}

fn host_and_port(config: &postgres::Config) -> (String, u16) {
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => "localhost".to_string(),
    };
    (host, config.get_ports().first().copied().unwrap_or(5432))
}

/// The password of the first matching line of the password file, as libpq finds it.
fn pgpass_password(host: &str, port: u16, dbname: &str, user: &str) -> Option<String> {
    let file = match std::env::var_os("PGPASSFILE") {
        Some(f) => PathBuf::from(f),
        None => PathBuf::from(std::env::var_os("HOME")?).join(".pgpass"),
    };
    let text = std::fs::read_to_string(&file).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).ok()?.permissions().mode();
        if mode & 0o077 != 0 {
            tracing::warn!(file = %file.display(), "the password file may be read by others (chmod 0600); it is ignored, as libpq does");
            return None;
        }
    }
    let port = port.to_string();
    text.lines().filter(|l| !l.trim_start().starts_with('#')).find_map(|line| {
        let fields = pgpass_fields(line);
        if fields.len() != 5 {
            return None;
        }
        let matches = |field: &str, value: &str| field == "*" || field == value;
        let host_ok = matches(&fields[0], host) || (fields[0] == "localhost" && host.starts_with('/'));
        (host_ok && matches(&fields[1], &port) && matches(&fields[2], dbname) && matches(&fields[3], user)).then(|| fields[4].clone())
    })
}

fn pgpass_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    fields.last_mut().unwrap().push(n);
                }
            }
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => fields.last_mut().unwrap().push(c),
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_is_never_shown() {
        assert_eq!(redact("postgres://impex:s3cret@db.example:5433/iom?sslmode=require"), "postgres://impex@db.example:5433/iom?sslmode=require");
        assert_eq!(redact("postgresql://impex@db/iom"), "postgresql://impex@db/iom");
        let t = Target::parse("postgres://impex:s3cret@db.example:5433/iom").unwrap();
        assert_eq!(t.shown(), "postgres://impex@db.example:5433/iom");
        assert!(!format!("{t:?}").contains("s3cret"));
        let e = Target::parse("postgres://impex:s3cret@db.example:5433/iom?sslmode=sometimes").unwrap_err();
        assert!(e.to_string().contains("sslmode=sometimes") && !e.to_string().contains("s3cret"), "{e}");
    }

    #[test]
    fn pgpass_lines_split_at_unescaped_colons() {
        assert_eq!(pgpass_fields(r"db:5432:*:impex:pa\:ss\\w:rd"), vec!["db", "5432", "*", "impex", r"pa:ss\w:rd"]);
    }
}
