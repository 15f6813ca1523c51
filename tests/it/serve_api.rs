//! Issue 19, the API's part: every error JSON with a stable code (also the
//! ones hyper answers by itself), repeated query parameters refused, the
//! `Bearer` scheme in any case, the tokens file bounded and checked, the
//! access log, `build_info` and `process_*` metrics, `--metrics-listen`,
//! `--cors`, and the OpenAPI document validated and fuzzed by schemathesis.
//!
//! This file drives the router in process; `serve_api/wire.rs` the tokens
//! file, the served binary over real sockets, and schemathesis.

mod wire;

use crate::common::rank_sample;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use marketrank::serve::access_log::AccessLog;
use marketrank::serve::auth::token_id;
use marketrank::serve::{load, router, router_with, ApiConfig, ApiOptions, AppState, Tokens};
use serde_json::{json, Value};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tower::ServiceExt;

const TOKEN: &str = "test-token-0123456789";

fn snap_file() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.snap");
    rank_sample(&p);
    (dir, p)
}

fn state(path: &Path) -> Arc<AppState> {
    Arc::new(AppState::new(
        path.to_path_buf(),
        load(path).unwrap(),
        Some(Tokens::from_list(&[TOKEN])),
    ))
}

/// One request through a router: status, headers, body (JSON, or text as
/// a JSON string).
async fn call(
    app: &axum::Router,
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> (StatusCode, HeaderMap, Value) {
    let mut req = Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = req
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
        .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    let (status, headers) = (resp.status(), resp.headers().clone());
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    let v = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, headers, v)
}

const AUTH: (&str, &str) = ("authorization", "Bearer test-token-0123456789");

/// `status`, `content-type: application/json`, `error` = `code`, and a
/// non-empty `message`.
fn assert_error(got: &(StatusCode, HeaderMap, Value), status: u16, code: &str, what: &str) {
    let (s, h, v) = got;
    assert_eq!(s.as_u16(), status, "{what}: {v}");
    assert_eq!(
        h.get("content-type").map(|v| v.to_str().unwrap()),
        Some("application/json"),
        "{what}"
    );
    assert_eq!(v["error"], code, "{what}: {v}");
    assert!(
        v["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{what}: {v}"
    );
}

/// Every error the router answers is JSON with its stable code: 404 (no
/// endpoint, user, market), 405, 400 (bad UTF-8 in the path, a repeated or
/// unknown query parameter, `k` out of range, a bad body, `"market":
/// null`), 401, 413.
#[tokio::test]
async fn every_error_route_answers_json_with_a_stable_code() {
    let (_d, p) = snap_file();
    let app = router(state(&p));
    let a = &[AUTH][..];
    let cases: &[(&str, &str, Option<&str>, u16, &str)] = &[
        ("GET", "/v2/nothing", None, 404, "not_found"),
        ("GET", "/v1/users/a/b", None, 404, "not_found"),
        ("GET", "/v1/users/nobody_at_all", None, 404, "unknown_user"),
        (
            "GET",
            "/v1/users/mila_atelier?market=gardening",
            None,
            404,
            "unknown_market",
        ),
        (
            "GET",
            "/v1/markets/gardening/top",
            None,
            404,
            "unknown_market",
        ),
        (
            "DELETE",
            "/v1/users/mila_atelier",
            None,
            405,
            "method_not_allowed",
        ),
        ("GET", "/v1/users:batch", None, 405, "method_not_allowed"),
        ("GET", "/v1/users/%FF%FE", None, 400, "bad_path"),
        ("GET", "/v1/markets/%C3%28/top", None, 400, "bad_path"),
        (
            "GET",
            "/v1/users/mila_atelier?market=fashion&market=tech",
            None,
            400,
            "repeated_parameter",
        ),
        (
            "GET",
            "/v1/markets/fashion/top?k=2&k=3",
            None,
            400,
            "repeated_parameter",
        ),
        (
            "GET",
            "/v1/users/mila_atelier?markte=fashion",
            None,
            400,
            "unknown_parameter",
        ),
        (
            "POST",
            "/v1/users:batch?market=fashion",
            Some("{\"ids\":[]}"),
            400,
            "unknown_parameter",
        ),
        (
            "GET",
            "/v1/markets/fashion/top?k=0",
            None,
            400,
            "bad_parameter",
        ),
        (
            "GET",
            "/v1/markets/fashion/top?k=ten",
            None,
            400,
            "bad_parameter",
        ),
        ("POST", "/v1/users:batch", Some("not json"), 400, "bad_body"),
        (
            "POST",
            "/v1/users:batch",
            Some("{\"ids\": 3}"),
            400,
            "bad_body",
        ),
        (
            "POST",
            "/v1/users:batch",
            Some("{\"ids\": [], \"market\": null}"),
            400,
            "bad_body",
        ),
        (
            "POST",
            "/v1/users:batch",
            Some("{\"ids\": [], \"x\": 1}"),
            400,
            "bad_body",
        ),
    ];
    for &(method, uri, body, status, code) in cases {
        let got = call(&app, method, uri, a, body).await;
        assert_error(&got, status, code, &format!("{method} {uri}"));
    }
    // 405 keeps the methods that are allowed.
    let got = call(&app, "DELETE", "/v1/users/mila_atelier", a, None).await;
    assert_eq!(got.1.get("allow").unwrap(), "GET,HEAD");
    // 401 without a token, on every guarded route, with its challenge.
    for uri in [
        "/v1/users/mila_atelier",
        "/v1/markets/fashion/top",
        "/metrics",
        "/v2/nothing",
    ] {
        let got = call(&app, "GET", uri, &[], None).await;
        assert_error(&got, 401, "unauthorized", uri);
        assert_eq!(got.1.get("www-authenticate").unwrap(), "Bearer");
    }
    let too_many: Vec<String> = (0..10_001).map(|i| format!("u{i}")).collect();
    let body = json!({ "ids": too_many }).to_string();
    let got = call(&app, "POST", "/v1/users:batch", a, Some(&body)).await;
    assert_error(&got, 413, "too_many_ids", "10,001 ids");
    let huge = format!("{{\"ids\": [\"{}\"]}}", "x".repeat(50 << 20));
    let got = call(&app, "POST", "/v1/users:batch", a, Some(&huge)).await;
    assert_error(&got, 413, "body_too_large", "a 50 MB body");
    // One given parameter still answers; `"market"` absent means all.
    let got = call(
        &app,
        "GET",
        "/v1/users/mila_atelier?market=fashion",
        a,
        None,
    )
    .await;
    assert_eq!(
        (got.0, &got.2["market"]),
        (StatusCode::OK, &json!("fashion"))
    );
    let got = call(
        &app,
        "POST",
        "/v1/users:batch",
        a,
        Some("{\"ids\":[\"mila_atelier\"]}"),
    )
    .await;
    assert!(
        got.2["results"][0]["markets"]["fashion"].is_object(),
        "{}",
        got.2
    );
}

/// RFC 7235: the auth scheme is case-insensitive, and one or more spaces
/// may follow it. Other schemes and a glued token stay refused.
#[tokio::test]
async fn the_bearer_scheme_is_case_insensitive() {
    let (_d, p) = snap_file();
    let app = router(state(&p));
    for h in [
        format!("bearer {TOKEN}"),
        format!("BEARER {TOKEN}"),
        format!("bEaReR   {TOKEN}"),
    ] {
        let got = call(
            &app,
            "GET",
            "/v1/users/mila_atelier",
            &[("authorization", &h)],
            None,
        )
        .await;
        assert_eq!(got.0, StatusCode::OK, "{h}");
    }
    for h in [
        format!("Basic {TOKEN}"),
        format!("Bearer{TOKEN}"),
        format!("Bearer {TOKEN}x"),
        TOKEN.to_string(),
    ] {
        let got = call(
            &app,
            "GET",
            "/v1/users/mila_atelier",
            &[("authorization", &h)],
            None,
        )
        .await;
        assert_error(&got, 401, "unauthorized", &h);
    }
}

/// With `--cors ORIGIN`: that origin is echoed with `Vary: Origin`, its
/// preflight answered 204 without a token; another origin gets no CORS
/// header. Without the flag no response has one.
#[tokio::test]
async fn cors_headers_only_with_cors_and_only_for_the_origin() {
    let (_d, p) = snap_file();
    let st = state(&p);
    let origin = "https://app.example.com";
    let opts = ApiOptions::open(&ApiConfig {
        cors: vec![origin.into()],
        ..ApiConfig::default()
    })
    .unwrap();
    let with = router_with(Arc::clone(&st), opts);
    let without = router(st);
    let get = [AUTH, ("origin", origin)];
    let got = call(&with, "GET", "/v1/users/mila_atelier", &get, None).await;
    assert_eq!(got.0, StatusCode::OK);
    assert_eq!(got.1.get("access-control-allow-origin").unwrap(), origin);
    assert!(got.1.get_all("vary").iter().any(|v| v == "origin"));
    // Errors carry it too, so the page can read why.
    let got = call(&with, "GET", "/v1/users/nobody", &get, None).await;
    assert_eq!(got.1.get("access-control-allow-origin").unwrap(), origin);
    let preflight = [
        ("origin", origin),
        ("access-control-request-method", "GET"),
        ("access-control-request-headers", "authorization"),
    ];
    let got = call(&with, "OPTIONS", "/v1/users/mila_atelier", &preflight, None).await;
    assert_eq!(got.0, StatusCode::NO_CONTENT);
    assert_eq!(got.1.get("access-control-allow-origin").unwrap(), origin);
    let allowed = got
        .1
        .get("access-control-allow-headers")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(allowed.contains("authorization"), "{allowed}");
    assert!(got.1.contains_key("access-control-allow-methods"));
    // Another origin: served, but no CORS header; its preflight is not
    // answered (401: no token).
    let other = [AUTH, ("origin", "https://evil.example")];
    let got = call(&with, "GET", "/v1/users/mila_atelier", &other, None).await;
    assert_eq!(got.0, StatusCode::OK);
    assert!(!got.1.contains_key("access-control-allow-origin"));
    let evil_preflight = [
        ("origin", "https://evil.example"),
        ("access-control-request-method", "GET"),
    ];
    let got = call(
        &with,
        "OPTIONS",
        "/v1/users/mila_atelier",
        &evil_preflight,
        None,
    )
    .await;
    assert_error(&got, 401, "unauthorized", "preflight from another origin");
    // Without --cors: nothing, and a preflight is refused.
    let got = call(&without, "GET", "/v1/users/mila_atelier", &get, None).await;
    assert_eq!(got.0, StatusCode::OK);
    assert!(got
        .1
        .keys()
        .all(|k| !k.as_str().starts_with("access-control-")));
    let got = call(
        &without,
        "OPTIONS",
        "/v1/users/mila_atelier",
        &preflight,
        None,
    )
    .await;
    assert_error(&got, 401, "unauthorized", "preflight without --cors");
    assert!(got
        .1
        .keys()
        .all(|k| !k.as_str().starts_with("access-control-")));
    // A value that is not an origin is refused at start.
    for bad in [
        "app.example.com",
        "https://app.example.com/",
        "https://a.example/x",
    ] {
        let e = ApiOptions::open(&ApiConfig {
            cors: vec![bad.into()],
            ..ApiConfig::default()
        })
        .err()
        .unwrap_or_else(|| panic!("{bad} accepted"));
        assert!(e.to_string().contains("scheme://host[:port]"), "{e}");
    }
}

/// The value of the sample `name` (no labels) in a Prometheus text.
fn sample(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .unwrap_or_else(|| panic!("no {name} in\n{text}"))
        .parse()
        .unwrap()
}

/// `/metrics` has `marketrank_build_info` and the standard `process_*`
/// gauges, with plausible values for this very process.
#[tokio::test]
async fn metrics_have_build_info_and_process_basics() {
    let (_d, p) = snap_file();
    let app = router(state(&p));
    let (s, _, v) = call(&app, "GET", "/metrics", &[AUTH], None).await;
    assert_eq!(s, StatusCode::OK);
    let text = v.as_str().unwrap();
    let want = format!(
        "marketrank_build_info{{version=\"{}\",target=\"{}-{}\",profile=\"",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::ARCH,
        std::env::consts::OS
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with(&want) && l.ends_with("\"} 1")),
        "{text}"
    );
    assert!(
        text.contains("# TYPE process_cpu_seconds_total counter"),
        "{text}"
    );
    if cfg!(target_os = "linux") {
        assert!(sample(text, "process_resident_memory_bytes") > 1e6);
        let fds = sample(text, "process_open_fds");
        assert!(
            fds >= 3.0 && fds <= sample(text, "process_max_fds"),
            "{fds}"
        );
        assert!(sample(text, "process_cpu_seconds_total") > 0.0);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs_f64();
        let start = sample(text, "process_start_time_seconds");
        // This test process started before this line and after the tests
        // were built (within a day, say).
        assert!(
            start <= now + 1.0 && start > now - 86_400.0,
            "{start} vs {now}"
        );
    }
}

/// A `Write` whose bytes the test can read.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// One JSON line per request with time, method, route template, status,
/// latency and token id; never the token (right or wrong) nor the user id.
#[tokio::test]
async fn access_log_lines_are_json_with_a_token_id_never_the_token() {
    let (_d, p) = snap_file();
    let out = Shared::default();
    let opts = ApiOptions {
        access_log: Some(Arc::new(AccessLog::to_writer(Box::new(out.clone())))),
        cors: None,
    };
    let app = router_with(state(&p), opts);
    let wrong = "wrong-token-9876543210";
    let requests: [(&str, Option<&str>, u16); 4] = [
        ("/v1/users/mila_atelier?market=fashion", Some(TOKEN), 200),
        ("/v1/users/mila_atelier", Some(wrong), 401),
        ("/healthz", None, 200),
        ("/nowhere", Some(TOKEN), 404),
    ];
    for (uri, token, want) in requests {
        let h = token.map(|t| format!("Bearer {t}"));
        let hs: Vec<(&str, &str)> = h.iter().map(|h| ("authorization", h.as_str())).collect();
        assert_eq!(
            call(&app, "GET", uri, &hs, None).await.0.as_u16(),
            want,
            "{uri}"
        );
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    let text = loop {
        let t = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        if t.lines().count() >= 4 || Instant::now() > deadline {
            break t;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert!(!text.contains(TOKEN) && !text.contains(wrong), "{text}");
    assert!(!text.contains("mila_atelier"), "{text}");
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4, "{text}");
    let id = token_id(TOKEN.as_bytes());
    let want = [
        ("/v1/users/{id}", 200, json!(id)),
        ("/v1/users/{id}", 401, Value::Null),
        ("/healthz", 200, Value::Null),
        ("", 404, json!(id)),
    ];
    for (l, (route, status, token)) in lines.iter().zip(want) {
        let route = if route.is_empty() {
            Value::Null
        } else {
            json!(route)
        };
        assert_eq!(
            (&l["route"], &l["status"], &l["token"]),
            (&route, &json!(status), &token),
            "{l}"
        );
        assert_eq!(l["method"], "GET");
        assert!(l["latency_ms"].as_f64().is_some_and(|x| x >= 0.0), "{l}");
        let t = l["time"].as_str().unwrap();
        // 2026-12-02T07:18:01.123Z
        assert!(
            t.len() == 24 && t.ends_with('Z') && &t[19..20] == ".",
            "{t}"
        );
    }
    assert_eq!(id.len(), 8);
}
