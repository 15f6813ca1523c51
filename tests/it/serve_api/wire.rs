//! Issue 19 over real sockets and files: the tokens file's bound, mode
//! and line checks; the served binary's JSON answers to what hyper
//! refuses by itself, `--metrics-listen` and `--access-log`; the OpenAPI
//! document checked by openapi-spec-validator and schemathesis.

use super::{sample, snap_file, TOKEN};
use crate::common::{repo, Tool};
use marketrank::serve::auth::{token_id, TokensError};
use marketrank::serve::Tokens;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn tokens_file(dir: &Path, text: &str, mode: u32) -> PathBuf {
    let p = dir.join("tokens.txt");
    std::fs::write(&p, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    p
}

/// Mode 0666 or 0644 starts with a warning naming the mode and the fix;
/// 0600 without one.
#[cfg(unix)]
#[test]
fn a_group_or_world_readable_tokens_file_warns() {
    let dir = tempfile::tempdir().unwrap();
    for (mode, word) in [
        (0o666, Some("change")),
        (0o644, Some("read")),
        (0o640, Some("read")),
        (0o600, None),
    ] {
        let p = tokens_file(dir.path(), &format!("{TOKEN}\n"), mode);
        let t = Tokens::read(&p).unwrap();
        match word {
            Some(w) => {
                let text = t.warnings().join("\n");
                assert!(text.contains(&format!("mode {mode:04o}")), "{text}");
                assert!(
                    text.contains(&format!("can {w} it")) && text.contains("chmod 600"),
                    "{text}"
                );
            }
            None => assert!(t.warnings().is_empty(), "{:?}", t.warnings()),
        }
    }
}

/// A pasted `Bearer <token>` line, a line with a space or tab inside and
/// a control byte are refused, naming the line and never the token.
#[test]
fn tokens_file_lines_with_a_scheme_or_a_space_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let secret = "0123456789abcdef0123";
    for (body, line, what) in [
        (
            format!("# ops\nBearer {secret}\n"),
            2,
            "starts with `Bearer`",
        ),
        (format!("bearer\t{secret}\n"), 1, "starts with `Bearer`"),
        (
            format!("{TOKEN}\n\n{secret} {secret}\n"),
            3,
            "has a space inside",
        ),
        (format!("{secret}\tsecond\n"), 1, "has a space inside"),
        (format!("{secret}\u{7}\n"), 1, "control character"),
        ("short\n".to_string(), 1, "a token of 5 characters"),
    ] {
        let p = tokens_file(dir.path(), &body, 0o600);
        let e = Tokens::read(&p)
            .err()
            .unwrap_or_else(|| panic!("{body:?} accepted"));
        let msg = e.to_string();
        assert!(
            msg.contains(&format!("line {line}")) && msg.contains(what),
            "{msg}"
        );
        assert!(!msg.contains(secret) && !msg.contains(TOKEN), "{msg}");
    }
    // Comments, blank lines and surrounding whitespace are fine.
    let p = tokens_file(
        dir.path(),
        &format!("# a comment\n\n  {TOKEN}  \r\n{secret}\n"),
        0o600,
    );
    let t = Tokens::read(&p).unwrap();
    assert!(t.accepts(Some(format!("Bearer {secret}").as_bytes())));
    assert!(t.accepts(Some(format!("Bearer {TOKEN}").as_bytes())));
}

/// A 2 GB (sparse) file and `/dev/zero` are refused at once by the size
/// bound, instead of being read into memory.
#[test]
fn tokens_file_over_the_size_bound_is_refused_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(2 << 30)
        .unwrap();
    let mut paths = vec![big];
    if Path::new("/dev/zero").exists() {
        paths.push(PathBuf::from("/dev/zero"));
    }
    for p in paths {
        let t = Instant::now();
        let e = Tokens::read(&p).err().unwrap();
        assert!(matches!(e, TokensError::TooLarge { .. }), "{e}");
        assert!(e.to_string().contains("over 1048576 bytes"), "{e}");
        assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    }
}

/// A `marketrank serve` child, killed on drop.
struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `marketrank serve --listen 127.0.0.1:<port> ARGS` and waits for
/// `/healthz`.
fn serve(args: &[&std::ffi::OsStr], stderr: Stdio) -> Server {
    let port = free_port();
    let child = Command::new(assert_cmd::cargo::cargo_bin("marketrank"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .args(args)
        .stderr(stderr)
        .spawn()
        .unwrap();
    let mut s = Server { child, port };
    for _ in 0..400 {
        if raw(
            port,
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
        .is_some_and(|r| r.0 == 200)
        {
            return s;
        }
        if let Ok(Some(st)) = s.child.try_wait() {
            panic!("serve exited: {st}");
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!("serve did not come up");
}

/// Sends `req` as is and reads to the end: (status, head, body).
fn raw(port: u16, req: &[u8]) -> Option<(u16, String, String)> {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    s.write_all(req).ok()?;
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    let (head, body) = text.split_once("\r\n\r\n")?;
    let status = head.get(9..12)?.parse().ok()?;
    Some((status, head.to_ascii_lowercase(), body.to_string()))
}

/// The served binary: hyper's own 414 and 400 (a target over 64 KiB, a
/// raw non-UTF-8 byte in the request line) are JSON too; a 405 over the
/// wire; `/metrics` without a token on `--metrics-listen` only; the access
/// log written; the tokens file's mode warned about.
#[cfg(unix)]
#[test]
fn serve_binary_hyper_errors_metrics_listen_and_access_log() {
    let (_d, p) = snap_file();
    let dir = tempfile::tempdir().unwrap();
    let tokens = tokens_file(dir.path(), &format!("{TOKEN}\n"), 0o644);
    let log = dir.path().join("access.jsonl");
    let mport = free_port();
    let maddr = format!("127.0.0.1:{mport}");
    let errlog = std::fs::File::create(dir.path().join("stderr")).unwrap();
    let s = serve(
        &[
            "--tokens".as_ref(),
            tokens.as_os_str(),
            "--snapshot".as_ref(),
            p.as_os_str(),
            "--access-log".as_ref(),
            log.as_os_str(),
            "--metrics-listen".as_ref(),
            maddr.as_ref(),
            "--header-timeout".as_ref(),
            "1".as_ref(),
        ],
        errlog.into(),
    );
    let json_error = |r: Option<(u16, String, String)>, status: u16, code: &str| {
        let (st, head, body) = r.expect("an answer");
        assert_eq!(st, status, "{head}\n{body}");
        assert!(head.contains("content-type: application/json"), "{head}");
        let v: Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body:?}"));
        assert_eq!(v["error"], code, "{v}");
        head
    };
    let long = format!(
        "GET /v1/users/{} HTTP/1.1\r\nHost: x\r\n\r\n",
        "a".repeat(70_000)
    );
    json_error(raw(s.port, long.as_bytes()), 414, "uri_too_long");
    json_error(
        raw(
            s.port,
            b"GET /v1/users/\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n",
        ),
        400,
        "bad_request",
    );
    json_error(raw(s.port, b"NOT HTTP\r\n\r\n"), 400, "bad_request");
    let auth = format!("Authorization: bearer {TOKEN}\r\nConnection: close\r\n");
    let del = format!("DELETE /v1/users/mila_atelier HTTP/1.1\r\nHost: x\r\n{auth}\r\n");
    let head = json_error(raw(s.port, del.as_bytes()), 405, "method_not_allowed");
    assert!(head.contains("allow: get,head"), "{head}");
    let rep = format!(
        "GET /v1/users/mila_atelier?market=tech&market=fashion HTTP/1.1\r\nHost: x\r\n{auth}\r\n"
    );
    json_error(raw(s.port, rep.as_bytes()), 400, "repeated_parameter");
    let ok = format!("GET /v1/users/mila_atelier HTTP/1.1\r\nHost: x\r\n{auth}\r\n");
    assert_eq!(raw(s.port, ok.as_bytes()).unwrap().0, 200);

    // /metrics: 401 on the API address without a token, 200 on the
    // metrics address without one; nothing else there.
    let get = |path: &str| format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    json_error(raw(s.port, get("/metrics").as_bytes()), 401, "unauthorized");
    let (st, _, text) = raw(mport, get("/metrics").as_bytes()).unwrap();
    assert_eq!(st, 200);
    assert!(text.contains("marketrank_build_info{version="), "{text}");
    assert!(
        text.contains("marketrank_requests_total{endpoint=\"user\",status=\"405\"} 1"),
        "{text}"
    );
    if cfg!(target_os = "linux") {
        assert!(sample(&text, "process_open_fds") >= 3.0);
    }
    json_error(
        raw(mport, get("/v1/users/mila_atelier").as_bytes()),
        404,
        "not_found",
    );

    // The metrics address has no token to shed by, so it has the API's
    // timeouts and a cap of its own: 100 half-requests there (the cap is
    // 64) are shed for newer ones or closed at the header timeout (1 s
    // here), and a scrape is still answered meanwhile.
    let mut held: Vec<std::net::TcpStream> = (0..100)
        .map(|_| {
            let mut c = std::net::TcpStream::connect(("127.0.0.1", mport)).unwrap();
            c.write_all(b"GET /metr").unwrap();
            c
        })
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(raw(mport, get("/metrics").as_bytes()).unwrap().0, 200);
    let waited = Instant::now();
    for c in &mut held {
        c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let r = c.read(&mut [0u8; 512]);
        let timed_out = matches!(&r, Err(e) if matches!(e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut));
        assert!(!timed_out, "a half-request on --metrics-listen still open");
    }
    assert!(
        waited.elapsed() < Duration::from_secs(3),
        "{:?}",
        waited.elapsed()
    );
    let (_, _, text) = raw(mport, get("/metrics").as_bytes()).unwrap();
    let closed = |why: &str| {
        sample(
            &text,
            &format!("marketrank_connections_closed_total{{reason=\"{why}\"}}"),
        )
    };
    assert!(closed("shed") >= 36.0, "{text}");
    assert!(closed("timed_out") >= 40.0, "{text}");
    assert_eq!(closed("refused"), 0.0, "{text}");

    let deadline = Instant::now() + Duration::from_secs(10);
    let text = loop {
        let t = std::fs::read_to_string(&log).unwrap_or_default();
        if t.lines().count() >= 6 || Instant::now() > deadline {
            break t;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(!text.contains(TOKEN), "{text}");
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines.len() >= 6, "{text}");
    assert!(
        lines.iter().any(|l| l["status"] == 405
            && l["method"] == "DELETE"
            && l["token"] == json!(token_id(TOKEN.as_bytes()))),
        "{text}"
    );
    drop(s);
    let stderr = std::fs::read_to_string(dir.path().join("stderr")).unwrap();
    assert!(
        stderr.contains("has mode 0644") && stderr.contains("chmod 600"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "metrics without a token on http://{maddr}/metrics"
        )),
        "{stderr}"
    );
}

/// `--tokens /dev/zero` exits 2 at once naming the bound, instead of
/// never starting while its memory grows.
#[test]
fn serve_refuses_dev_zero_as_tokens_quickly() {
    if !Path::new("/dev/zero").exists() {
        return;
    }
    let (_d, p) = snap_file();
    let t = Instant::now();
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("marketrank"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--tokens",
            "/dev/zero",
            "--snapshot",
        ])
        .arg(&p)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if t.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("still running after 20 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(status.code(), Some(2), "{err}");
    assert!(
        err.contains("the tokens file is over 1048576 bytes"),
        "{err}"
    );
}

/// Python 3 with openapi-spec-validator and schemathesis importable.
fn schemathesis_installed() -> Result<(), String> {
    let out = Command::new("python3")
        .args(["-c", "import openapi_spec_validator, schemathesis"])
        .output()
        .map_err(|e| format!("python3 cannot be started: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        let err = String::from_utf8_lossy(&out.stderr);
        Err(format!(
            "python3 lacks openapi-spec-validator/schemathesis: {}",
            err.lines().last().unwrap_or("import failed")
        ))
    }
}

/// The OpenAPI document is valid (openapi-spec-validator), has an
/// `operationId` and an example per operation, and schemathesis, run
/// with every check against the served binary on loopback for at most 50
/// cases per operation (and 5 minutes), finds nothing. Settings and the
/// one widened default are in `tests/py/schemathesis.toml`.
#[test]
fn openapi_is_valid_and_schemathesis_finds_nothing() {
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(repo("src/serve/openapi.json")).unwrap())
            .unwrap();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            assert!(
                op["operationId"].is_string(),
                "{method} {path}: operationId"
            );
            let ok = &op["responses"]["200"]["content"];
            let example = ok
                .as_object()
                .unwrap()
                .values()
                .all(|c| !c["example"].is_null());
            assert!(example, "{method} {path}: an example of its 200 answer");
        }
    }
    if !Tool::Schemathesis.available(
        "openapi_is_valid_and_schemathesis_finds_nothing",
        schemathesis_installed(),
    ) {
        return;
    }
    let spec = Command::new("python3")
        .args(["-m", "openapi_spec_validator"])
        .arg(repo("src/serve/openapi.json"))
        .output()
        .unwrap();
    assert!(
        spec.status.success(),
        "openapi-spec-validator: {}{}",
        String::from_utf8_lossy(&spec.stdout),
        String::from_utf8_lossy(&spec.stderr)
    );
    let (_d, p) = snap_file();
    let dir = tempfile::tempdir().unwrap();
    let tokens = tokens_file(dir.path(), &format!("{TOKEN}\n"), 0o600);
    let s = serve(
        &[
            "--tokens".as_ref(),
            tokens.as_os_str(),
            "--snapshot".as_ref(),
            p.as_os_str(),
        ],
        Stdio::null(),
    );
    let out_path = dir.path().join("schemathesis.out");
    let mut child = Command::new("python3")
        .args(["-m", "schemathesis.cli", "--config-file"])
        .arg(repo("tests/py/schemathesis.toml"))
        .arg("run")
        .arg(format!("http://127.0.0.1:{}/openapi.json", s.port))
        .args(["--header", &format!("Authorization: Bearer {TOKEN}")])
        .args([
            "--checks",
            "all",
            "--max-examples",
            "50",
            "--request-timeout",
            "10",
        ])
        .args(["--seed", "19", "--no-color", "--output-truncate", "true"])
        .current_dir(dir.path())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if t.elapsed() > Duration::from_secs(300) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("schemathesis ran over 5 minutes");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let out = std::fs::read_to_string(&out_path).unwrap();
    // The failures section is what matters; schemathesis prints it before
    // the summary. Cut giant bodies (10,001-id batches) from the message.
    let shown: String = out
        .lines()
        .map(|l| l.chars().take(300).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(status.success(), "schemathesis found problems:\n{shown}");
    assert!(out.contains("No issues found"), "{shown}");
    drop(s);
}
