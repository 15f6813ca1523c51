//! A throwaway PostgreSQL server for the publish tests: one per test
//! process, started on first use from the installed binaries (Debian's
//! `postgresql` package), listening on a free loopback port, as an
//! unprivileged user (`nobody` when the tests run as root: PostgreSQL
//! refuses to run as root), with password authentication (SCRAM) so a
//! wrong password is refused as in production. It stops when the test
//! process exits (parent-death signal); its data directory is removed by
//! the next test process that starts one.

use crate::common::Tool;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The superuser of the throwaway cluster.
pub const SUPERUSER: &str = "mr_test";

/// A running server.
pub struct PgServer {
    /// Its loopback port.
    pub port: u16,
    /// The superuser's password.
    pub password: String,
}

impl PgServer {
    /// `postgres://` URL of database `db`, with the password.
    pub fn url(&self, db: &str) -> String {
        format!(
            "postgres://{SUPERUSER}:{}@127.0.0.1:{}/{db}",
            self.password, self.port
        )
    }

    /// The URL without a password (the password then comes from elsewhere).
    pub fn url_without_password(&self, db: &str) -> String {
        format!("postgres://{SUPERUSER}@127.0.0.1:{}/{db}", self.port)
    }

    /// A client of database `db`.
    pub fn client(&self, db: &str) -> postgres::Client {
        postgres::Client::connect(&self.url(db), postgres::NoTls)
            .unwrap_or_else(|e| panic!("connect to the test server: {e}"))
    }

    /// A fresh, empty database for one test.
    pub fn database(&self, name: &str) -> String {
        let mut c = self.client("postgres");
        // Each on its own: a multi-statement batch is one transaction,
        // which these two refuse.
        c.batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
            .unwrap();
        c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        name.to_string()
    }
}

/// The server, or `None` after `SKIPPED: …` when PostgreSQL is not
/// installed (a failure when `MARKETRANK_REQUIRE` names `postgres`).
pub fn server(test: &str) -> Option<&'static PgServer> {
    static SERVER: OnceLock<Result<PgServer, String>> = OnceLock::new();
    match SERVER.get_or_init(start) {
        Ok(s) => Some(s),
        Err(why) => {
            Tool::Postgres.available(test, Err(why.clone()));
            None
        }
    }
}

/// The directory of `initdb` and `postgres`: Debian keeps them in
/// `/usr/lib/postgresql/<version>/bin`, off the PATH.
fn bin_dir() -> Result<PathBuf, String> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| d.flatten().map(|e| e.path().join("bin")).collect())
        .unwrap_or_default();
    versions.retain(|b| b.join("postgres").exists() && b.join("initdb").exists());
    versions.sort_by_key(|b| {
        let v = b.parent().and_then(|p| p.file_name());
        v.and_then(|v| v.to_str()?.parse::<u32>().ok()).unwrap_or(0)
    });
    if let Some(b) = versions.pop() {
        return Ok(b);
    }
    let out = Command::new("pg_config").arg("--bindir").output();
    match out {
        Ok(o) if o.status.success() => Ok(PathBuf::from(String::from_utf8_lossy(&o.stdout).trim())),
        _ => Err("PostgreSQL's server binaries (initdb, postgres) are not installed".into()),
    }
}

/// Who runs the server: ourselves, or `nobody` when we are root.
fn server_ids() -> (u32, u32) {
    let uid = unsafe { libc::getuid() };
    if uid != 0 {
        return (uid, unsafe { libc::getgid() });
    }
    let pw = unsafe { libc::getpwnam(c"nobody".as_ptr()) };
    assert!(!pw.is_null(), "no user `nobody` to run PostgreSQL as");
    unsafe { ((*pw).pw_uid, (*pw).pw_gid) }
}

/// A command run as `ids` (set in the child before exec).
fn as_user(program: &Path, ids: (u32, u32)) -> Command {
    let mut c = Command::new(program);
    if unsafe { libc::getuid() } == 0 {
        unsafe {
            c.pre_exec(move || {
                if libc::setgroups(0, std::ptr::null()) != 0
                    || libc::setgid(ids.1) != 0
                    || libc::setuid(ids.0) != 0
                {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    c
}

fn chown(path: &Path, ids: (u32, u32)) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    assert_eq!(
        unsafe { libc::chown(c.as_ptr(), ids.0, ids.1) },
        0,
        "chown {}",
        path.display()
    );
}

/// Removes data directories of test processes that have gone.
fn remove_stale(base: &Path) {
    for e in std::fs::read_dir(base).into_iter().flatten().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if let Some(pid) = name.strip_prefix("marketrank-pg-") {
            if !Path::new(&format!("/proc/{pid}")).exists() {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
}

fn start() -> Result<PgServer, String> {
    let bin = bin_dir()?;
    let ids = server_ids();
    let base = std::env::temp_dir();
    remove_stale(&base);
    let dir = base.join(format!("marketrank-pg-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    chown(&dir, ids);
    // Not guessable by another local user (`Instant::now().elapsed()`, used
    // here before, is always about zero).
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let password = format!("pw-{}-{nanos}", std::process::id());
    let pwfile = dir.join("pw");
    std::fs::write(&pwfile, &password).unwrap();
    chown(&pwfile, ids);
    let data = dir.join("data");
    let init = as_user(&bin.join("initdb"), ids)
        .arg("-D")
        .arg(&data)
        .args([
            "-U",
            SUPERUSER,
            "--auth=scram-sha-256",
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync",
        ])
        .arg(format!("--pwfile={}", pwfile.display()))
        .output()
        .map_err(|e| format!("initdb cannot be started: {e}"))?;
    if !init.status.success() {
        return Err(format!(
            "initdb failed: {}",
            String::from_utf8_lossy(&init.stderr)
        ));
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    let log = std::fs::File::create(dir.join("log")).unwrap();
    let mut cmd = as_user(&bin.join("postgres"), ids);
    cmd.arg("-D")
        .arg(&data)
        .args(["-p", &port.to_string(), "-c", "listen_addresses=127.0.0.1"])
        .arg("-k")
        .arg(&dir)
        .args([
            "-c",
            "fsync=off",
            "-c",
            "max_connections=60",
            "-c",
            "shared_buffers=64MB",
        ])
        .stdout(log.try_clone().unwrap())
        .stderr(log);
    // Stop (fast shutdown) when the thread that started it ends: a thread
    // kept for the whole process, so that is when the process exits.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGINT);
            Ok(())
        });
    }
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || match cmd.spawn() {
        Ok(mut child) => {
            tx.send(Ok(())).unwrap();
            let _ = child.wait();
        }
        Err(e) => tx
            .send(Err(format!("postgres cannot be started: {e}")))
            .unwrap(),
    });
    rx.recv().unwrap()?;
    let server = PgServer { port, password };
    let t0 = Instant::now();
    loop {
        match postgres::Client::connect(&server.url("postgres"), postgres::NoTls) {
            Ok(_) => return Ok(server),
            Err(e) if t0.elapsed() > Duration::from_secs(60) => {
                let log = std::fs::read_to_string(dir.join("log")).unwrap_or_default();
                return Err(format!("the test server did not start: {e}\n{log}"));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}
