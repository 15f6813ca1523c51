//! Where the database is and who we are there: a `postgres://` URL (or
//! libpq's `key=value` form), with the password from the URL, a password
//! file, `PGPASSWORD` or `~/.pgpass`, in that order, as libpq looks them
//! up. The password is never part of a message: errors and notes name
//! the server as [`Target`] (`user@host:port/db`).

use std::path::{Path, PathBuf};
use std::time::Duration;

/// The server, database and user a publish talks to, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Host name, address or Unix-socket directory.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// Database name.
    pub dbname: String,
    /// Role name.
    pub user: String,
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}@{}:{}/{}",
            self.user, self.host, self.port, self.dbname
        )
    }
}

/// Why no connection could be made: each message says what to check and
/// none contains the password.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The URL is not one PostgreSQL understands.
    #[error("the PostgreSQL URL is not valid ({0}); give postgres://USER@HOST:PORT/DB (the password from PGPASSWORD, ~/.pgpass or --password-file)")]
    BadUrl(String),
    /// The password file could not be read.
    #[error("cannot read the password file {path}: {source}")]
    PasswordFile {
        /// The file named by `--password-file`.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The server refused us or could not be reached.
    #[error("cannot connect to PostgreSQL as {target}: {reason}")]
    Connect {
        /// Who we tried to be, where.
        target: Target,
        /// The client's or the server's words, with a hint.
        reason: String,
    },
}

/// A parsed URL with its password found.
pub struct Connection {
    /// The client configuration (password included).
    pub config: postgres::Config,
    /// What messages name.
    pub target: Target,
}

/// Reads `url`, fills in libpq's defaults (`PGHOST`, `PGPORT`, `PGUSER`,
/// `PGDATABASE`, then localhost, 5432, the login name, the user name) and
/// finds the password.
pub fn resolve(url: &str, password_file: Option<&Path>) -> Result<Connection, ConnectError> {
    // The client's own message may quote the URL, password and all.
    let mut config: postgres::Config = url
        .parse()
        .map_err(|e: postgres::Error| ConnectError::BadUrl(redact(&e.to_string(), url)))?;
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    if config.get_hosts().is_empty() {
        config.host(&env("PGHOST").unwrap_or_else(|| "localhost".into()));
    }
    if config.get_ports().is_empty() {
        let port = env("PGPORT").and_then(|p| p.parse().ok()).unwrap_or(5432);
        config.port(port);
    }
    if config.get_user().is_none() {
        let user = env("PGUSER")
            .or_else(|| env("USER"))
            .unwrap_or_else(|| "postgres".into());
        config.user(&user);
    }
    let user = config.get_user().unwrap_or_default().to_string();
    if config.get_dbname().is_none() {
        config.dbname(&env("PGDATABASE").unwrap_or_else(|| user.clone()));
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    let host = match &config.get_hosts()[0] {
        postgres::config::Host::Tcp(h) => h.clone(),
        postgres::config::Host::Unix(p) => p.display().to_string(),
    };
    let target = Target {
        host,
        port: config.get_ports()[0],
        dbname: config.get_dbname().unwrap_or_default().to_string(),
        user,
    };
    if config.get_password().is_none() {
        let found = match password_file {
            Some(p) => Some(read_password_file(p)?),
            None => env("PGPASSWORD").or_else(|| pgpass_lookup(&target)),
        };
        if let Some(pw) = found {
            config.password(pw);
        }
    }
    Ok(Connection { config, target })
}

/// The first line of `path`, without its line end.
fn read_password_file(path: &Path) -> Result<String, ConnectError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConnectError::PasswordFile {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(text.lines().next().unwrap_or("").to_string())
}

/// The password `~/.pgpass` (or `PGPASSFILE`) gives `target`, as libpq
/// reads it: `host:port:db:user:password` lines, `*` matching anything,
/// `\` escaping `:` and `\`; a file others can read is ignored, as libpq
/// ignores it.
fn pgpass_lookup(target: &Target) -> Option<String> {
    let path = match std::env::var_os("PGPASSFILE") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(std::env::var_os("HOME")?).join(".pgpass"),
    };
    let meta = std::fs::metadata(&path).ok()?;
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o077 != 0 {
            eprintln!(
                "warning: {} is readable by others: ignored (chmod 0600 it, as libpq asks)",
                path.display()
            );
            return None;
        }
    }
    let text = std::fs::read_to_string(&path).ok()?;
    pgpass_match(&text, target)
}

/// The password of the first line of a `.pgpass` text matching `target`.
fn pgpass_match(text: &str, target: &Target) -> Option<String> {
    let port = target.port.to_string();
    let wanted = [
        target.host.as_str(),
        port.as_str(),
        target.dbname.as_str(),
        target.user.as_str(),
    ];
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .find_map(|line| {
            let fields = split_pgpass(line);
            if fields.len() < 5 {
                return None;
            }
            let host_ok = fields[0] == "*"
                || fields[0] == wanted[0]
                || (fields[0] == "localhost" && wanted[0] == "127.0.0.1");
            let rest_ok = (1..4).all(|i| fields[i] == "*" || fields[i] == wanted[i]);
            (host_ok && rest_ok).then(|| fields[4..].join(":"))
        })
}

fn split_pgpass(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    fields.last_mut().unwrap().push(n);
                }
            }
            ':' => fields.push(String::new()),
            c => fields.last_mut().unwrap().push(c),
        }
    }
    fields
}

/// `message` with any password the URL holds replaced by `***`.
fn redact(message: &str, url: &str) -> String {
    let password = url
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('@'))
        .and_then(|(userinfo, _)| userinfo.split_once(':'))
        .map(|(_, pw)| pw)
        .filter(|pw| !pw.is_empty());
    match password {
        Some(pw) => message.replace(pw, "***"),
        None => message.to_string(),
    }
}

/// Connects, naming the server (never the password) and what to check
/// when it fails.
pub fn connect(conn: &Connection) -> Result<postgres::Client, ConnectError> {
    let result = {
        #[cfg(feature = "postgres-tls")]
        {
            let tls = native_tls::TlsConnector::new().map_err(|e| ConnectError::Connect {
                target: conn.target.clone(),
                reason: format!("TLS set-up failed: {e}"),
            })?;
            conn.config
                .connect(postgres_native_tls::MakeTlsConnector::new(tls))
        }
        #[cfg(not(feature = "postgres-tls"))]
        {
            conn.config.connect(postgres::NoTls)
        }
    };
    result.map_err(|e| {
        let mut reason = e.to_string();
        if let Some(db) = e.as_db_error() {
            reason = db.message().to_string();
        } else if let Some(source) = std::error::Error::source(&e) {
            reason = format!("{reason}: {source}");
        }
        let hint = match e.code() {
            Some(c) if *c == postgres::error::SqlState::INVALID_PASSWORD => {
                " (check the password: URL, --password-file, PGPASSWORD or ~/.pgpass)"
            }
            Some(c) if *c == postgres::error::SqlState::INVALID_CATALOG_NAME => {
                " (create the database first, or name another in the URL)"
            }
            Some(_) => "",
            None => " (is the server running and accepting TCP connections on that host and port?)",
        };
        // A server never echoes the password, but the client's own words
        // are not promised not to: take it out if it is there.
        if let Some(pw) = conn.config.get_password() {
            let pw = String::from_utf8_lossy(pw);
            if !pw.is_empty() {
                reason = reason.replace(pw.as_ref(), "***");
            }
        }
        ConnectError::Connect {
            target: conn.target.clone(),
            reason: format!("{reason}{hint}"),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target() -> Target {
        Target {
            host: "db.internal".into(),
            port: 5432,
            dbname: "crm".into(),
            user: "sync".into(),
        }
    }

    #[test]
    fn pgpass_lines_match_with_wildcards_and_escapes() {
        let text = "# comment\nother:5432:crm:sync:nope\n*:5432:crm:sync:pa\\:ss\\\\word\n*:*:*:*:fallback\n";
        assert_eq!(
            pgpass_match(text, &target()).as_deref(),
            Some("pa:ss\\word")
        );
        let mut t = target();
        t.dbname = "other".into();
        assert_eq!(pgpass_match(text, &t).as_deref(), Some("fallback"));
        assert_eq!(
            pgpass_match("db.internal:5433:crm:sync:x\n", &target()),
            None
        );
    }

    #[test]
    fn a_url_password_never_reaches_a_message() {
        let url = "postgres://sync:s3cret-pw@db.internal:5432/crm";
        let m = redact(
            "invalid connection string postgres://sync:s3cret-pw@db",
            url,
        );
        assert!(!m.contains("s3cret-pw") && m.contains("***"), "{m}");
        let c = resolve(url, None).unwrap();
        assert_eq!(c.target.to_string(), "sync@db.internal:5432/crm");
        assert_eq!(c.config.get_password(), Some(&b"s3cret-pw"[..]));
    }
}
