//! Issue 9: the lookup service — every endpoint, auth, errors, hot swap
//! under concurrent requests, a corrupt snapshot refused.

use crate::common::rank_sample_with as rank_sample;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use marketrank::serve::{load, router, AppState, Tokens};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tower::ServiceExt;

const TOKEN: &str = "test-token-0123456789";

fn state(path: &Path, auth: bool) -> Arc<AppState> {
    let tokens = auth.then(|| Tokens::from_list(&[TOKEN]));
    Arc::new(AppState::new(
        path.to_path_buf(),
        load(path).unwrap(),
        tokens,
    ))
}

/// One request through the router: (status, body as JSON or text).
async fn call(
    st: &Arc<AppState>,
    method: &str,
    uri: &str,
    body: Option<String>,
    token: Option<&str>,
) -> (StatusCode, Value) {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let req = req.body(body.map_or_else(Body::empty, Body::from)).unwrap();
    let resp = router(Arc::clone(st)).oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    let v = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, v)
}

fn snap_file() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.snap");
    rank_sample(&p, &[]);
    (dir, p)
}

#[tokio::test]
async fn every_endpoint_answers_and_errors_are_json() {
    let (_d, p) = snap_file();
    let st = state(&p, true);
    let t = Some(TOKEN);
    let (s, v) = call(&st, "GET", "/v1/users/mila_atelier", None, t).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["followers"], 9);
    assert_eq!(v["markets"]["fashion"]["rank"], 1);
    for m in ["_global", "fashion", "tech"] {
        let x = &v["markets"][m];
        for f in ["score", "rank", "percentile", "influence", "lift"] {
            assert!(x[f].is_number(), "{m}.{f} in {v}");
        }
    }
    let (s, v) = call(&st, "GET", "/v1/users/mila_atelier?market=fashion", None, t).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        (v["market"].as_str(), v["rank"].as_u64()),
        (Some("fashion"), Some(1))
    );
    assert!(v["influence"].as_f64().unwrap() > 60.0 && v["global_rank"] == 2);
    let (s, v) = call(&st, "GET", "/v1/users/nobody_at_all", None, t).await;
    assert_eq!(
        (s, v["error"].as_str(), v["message"].as_str()),
        (
            StatusCode::NOT_FOUND,
            Some("unknown_user"),
            Some("unknown user `nobody_at_all`")
        )
    );
    let (s, v) = call(
        &st,
        "GET",
        "/v1/users/mila_atelier?market=gardening",
        None,
        t,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("no market `gardening`; markets: _global"),
        "{v}"
    );

    let body = json!({"ids": ["mila_atelier", "nobody", "elon_techstar"], "market": "fashion"})
        .to_string();
    let (s, v) = call(&st, "POST", "/v1/users:batch", Some(body), t).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["unknown"], 1);
    assert_eq!(v["results"][0]["rank"], 1);
    assert_eq!(v["results"][1], json!({"user": "nobody", "found": false}));
    assert_eq!(v["results"][2]["user"], "elon_techstar");
    let too_many: Vec<String> = (0..10_001).map(|i| format!("u{i}")).collect();
    let (s, v) = call(
        &st,
        "POST",
        "/v1/users:batch",
        Some(json!({"ids": too_many}).to_string()),
        t,
    )
    .await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        v["message"].as_str().unwrap().contains("at most 10000"),
        "{v}"
    );
    let exactly: Vec<String> = (0..10_000).map(|i| format!("u{i}")).collect();
    let (s, v) = call(
        &st,
        "POST",
        "/v1/users:batch",
        Some(json!({"ids": exactly}).to_string()),
        t,
    )
    .await;
    assert_eq!((s, v["unknown"].as_u64()), (StatusCode::OK, Some(10_000)));
    for bad in ["{\"ids\": 3}", "not json", "{\"ids\": [], \"extra\": 1}"] {
        let (s, v) = call(&st, "POST", "/v1/users:batch", Some(bad.into()), t).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}");
        assert!(
            v["message"].as_str().unwrap().starts_with("request body:"),
            "{v}"
        );
    }

    let (s, v) = call(&st, "GET", "/v1/markets/fashion/top?k=3", None, t).await;
    assert_eq!(s, StatusCode::OK);
    let users = v["users"].as_array().unwrap();
    assert_eq!(users.len(), 3);
    assert_eq!(users[0]["user"], "mila_atelier");
    assert_eq!(users[2]["rank"], 3);
    for k in ["0", "x", "10001"] {
        let (s, v) = call(
            &st,
            "GET",
            &format!("/v1/markets/fashion/top?k={k}"),
            None,
            t,
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "k={k}");
        assert!(v["error"].is_string());
    }
    let (s, _) = call(&st, "GET", "/v1/markets/nope/top", None, t).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = call(&st, "GET", "/v2/other", None, t).await;
    assert_eq!((s, v["error"].is_string()), (StatusCode::NOT_FOUND, true));

    let (s, v) = call(&st, "GET", "/healthz", None, None).await;
    assert_eq!(
        (s, v["status"].as_str(), v["users"].as_u64()),
        (StatusCode::OK, Some("ok"), Some(523))
    );
    let (s, v) = call(&st, "GET", "/metrics", None, t).await;
    assert_eq!(s, StatusCode::OK);
    let text = v.as_str().unwrap();
    assert!(
        text.contains("marketrank_requests_total{endpoint=\"user\",status=\"200\"} 2"),
        "{text}"
    );
    assert!(
        text.contains("marketrank_requests_total{endpoint=\"batch\",status=\"413\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("marketrank_request_duration_seconds_count{endpoint=\"top\"}"),
        "{text}"
    );
    assert!(text.contains("marketrank_snapshot_age_seconds "));
    assert!(text.contains(&format!(
        "marketrank_snapshot_info{{id=\"{}\"}} 1",
        st.current.load().id
    )));
}

#[tokio::test]
async fn tokens_no_token_wrong_token_right_token() {
    let (_d, p) = snap_file();
    let st = state(&p, true);
    for (token, want) in [
        (None, StatusCode::UNAUTHORIZED),
        (Some("wrong-token-0123456789"), StatusCode::UNAUTHORIZED),
        (Some(&TOKEN[..TOKEN.len() - 1]), StatusCode::UNAUTHORIZED),
        (Some(TOKEN), StatusCode::OK),
    ] {
        for uri in [
            "/v1/users/mila_atelier",
            "/v1/users/nobody",
            "/v1/markets/fashion/top",
            "/metrics",
        ] {
            let (s, v) = call(&st, "GET", uri, None, token).await;
            if want == StatusCode::UNAUTHORIZED {
                // The body says nothing about users, markets or tokens:
                // the code and one fixed sentence.
                assert_eq!(
                    (s, &v["error"], v.as_object().map(|o| o.len())),
                    (want, &json!("unauthorized"), Some(2)),
                    "{uri}"
                );
            } else {
                assert_ne!(s, StatusCode::UNAUTHORIZED, "{uri}");
            }
        }
    }
    let (s, _) = call(
        &st,
        "POST",
        "/v1/users:batch",
        Some("{\"ids\":[]}".into()),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // Health and the API description stay open.
    assert_eq!(
        call(&st, "GET", "/healthz", None, None).await.0,
        StatusCode::OK
    );
    assert_eq!(
        call(&st, "GET", "/openapi.json", None, None).await.0,
        StatusCode::OK
    );
}

/// The OpenAPI document lists every route, and live answers carry the
/// fields its schemas require.
#[tokio::test]
async fn openapi_document_matches_the_answers() {
    let (_d, p) = snap_file();
    let st = state(&p, true);
    let (_, doc) = call(&st, "GET", "/openapi.json", None, None).await;
    let paths = doc["paths"].as_object().unwrap();
    for route in [
        "/v1/users/{id}",
        "/v1/users:batch",
        "/v1/markets/{market}/top",
        "/healthz",
        "/metrics",
        "/openapi.json",
    ] {
        assert!(paths.contains_key(route), "{route} documented");
    }
    let schemas = &doc["components"]["schemas"];
    let required = |name: &str| -> Vec<String> {
        schemas[name]["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    let has_all = |v: &Value, name: &str| {
        for f in required(name) {
            assert!(v.get(&f).is_some(), "{name}.{f} missing in {v}");
        }
    };
    let t = Some(TOKEN);
    has_all(
        &call(&st, "GET", "/v1/users/mila_atelier", None, t).await.1,
        "UserAllMarkets",
    );
    has_all(
        &call(&st, "GET", "/v1/users/mila_atelier?market=tech", None, t)
            .await
            .1,
        "UserInMarket",
    );
    let b = call(
        &st,
        "POST",
        "/v1/users:batch",
        Some("{\"ids\":[\"mila_atelier\"]}".into()),
        t,
    )
    .await
    .1;
    has_all(&b, "BatchResponse");
    let top = call(&st, "GET", "/v1/markets/tech/top?k=2", None, t)
        .await
        .1;
    has_all(&top, "TopResponse");
    has_all(&call(&st, "GET", "/healthz", None, None).await.1, "Health");
    has_all(&call(&st, "GET", "/v1/users/x", None, t).await.1, "Error");
    // Every documented status of the user route is one the server gives.
    let codes: Vec<&String> = paths["/v1/users/{id}"]["get"]["responses"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(codes, ["200", "400", "401", "404", "default"]);
}

/// New snapshots swapped in while 8 clients query without pause: no
/// error, and every answer is entirely from one snapshot (its id and its
/// score agree); a corrupt new file is refused and the old keeps serving.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hot_swap_under_load_and_a_corrupt_snapshot_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, path) = (
        dir.path().join("a.snap"),
        dir.path().join("b.snap"),
        dir.path().join("serve.snap"),
    );
    rank_sample(&a, &[]);
    rank_sample(&b, &["--damping", "0.6"]);
    std::fs::copy(&a, &path).unwrap();
    let st = state(&path, false);
    let score = |p: &Path| {
        let s = marketrank::Snapshot::open(p).unwrap();
        let (u, m) = (
            s.user_index("mila_atelier").unwrap(),
            s.market_index("fashion").unwrap(),
        );
        s.score(u, m)
    };
    let (sa, sb) = (score(&a), score(&b));
    assert_ne!(sa, sb);
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut clients = Vec::new();
    for _ in 0..8 {
        let (st, stop) = (Arc::clone(&st), Arc::clone(&stop));
        clients.push(tokio::spawn(async move {
            let mut seen = std::collections::BTreeMap::<String, f64>::new();
            let mut n = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let (s, v) = call(
                    &st,
                    "GET",
                    "/v1/users/mila_atelier?market=fashion",
                    None,
                    None,
                )
                .await;
                assert_eq!(s, StatusCode::OK, "{v}");
                let id = v["snapshot"].as_str().unwrap().to_string();
                let score = v["score"].as_f64().unwrap();
                let prev = seen.insert(id.clone(), score);
                assert!(
                    prev.is_none_or(|p| p == score),
                    "snapshot {id} answered two scores"
                );
                n += 1;
                // Answers are ready at once; let the swapping task run.
                tokio::task::yield_now().await;
            }
            (seen, n)
        }));
    }
    // Swap b, a, b, ... in place (atomic renames), reloading each time.
    let mut swaps = 0;
    for i in 0..10 {
        let src = if i % 2 == 0 { &b } else { &a };
        let tmp = dir.path().join("tmp.snap");
        std::fs::copy(src, &tmp).unwrap();
        std::fs::rename(&tmp, &path).unwrap();
        let st2 = Arc::clone(&st);
        if tokio::task::spawn_blocking(move || st2.reload(false))
            .await
            .unwrap()
            .unwrap()
        {
            swaps += 1;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut scores = std::collections::BTreeSet::new();
    let mut total = 0;
    for c in clients {
        let (seen, n) = c.await.unwrap();
        total += n;
        scores.extend(seen.values().map(|v| v.to_bits()));
    }
    assert_eq!(swaps, 10);
    assert!(total > 100, "{total} requests");
    assert!(scores
        .iter()
        .all(|&s| s == sa.to_bits() || s == sb.to_bits()));
    assert_eq!(scores.len(), 2, "both snapshots answered");

    // A truncated file at the path: refused, the old one keeps serving.
    let before = st.current.load().id.clone();
    let bytes = std::fs::read(&a).unwrap();
    std::fs::write(dir.path().join("bad.tmp"), &bytes[..bytes.len() / 2]).unwrap();
    std::fs::rename(dir.path().join("bad.tmp"), &path).unwrap();
    let st2 = Arc::clone(&st);
    let err = tokio::task::spawn_blocking(move || st2.reload(false))
        .await
        .unwrap()
        .unwrap_err();
    assert!(err.to_string().contains("truncated"), "{err}");
    assert_eq!(st.current.load().id, before);
    let (s, _) = call(&st, "GET", "/v1/users/mila_atelier", None, None).await;
    assert_eq!(s, StatusCode::OK);
    // Reported once, not retried every poll.
    let st2 = Arc::clone(&st);
    assert!(!tokio::task::spawn_blocking(move || st2.reload(false))
        .await
        .unwrap()
        .unwrap());
    let (_, m) = call(&st, "GET", "/metrics", None, None).await;
    assert!(m
        .as_str()
        .unwrap()
        .contains("marketrank_snapshot_swap_failures_total 1"));
}

/// The binary: listens, needs a token, refuses --insecure-no-auth off loopback.
#[test]
fn serve_command_listens_with_tokens_and_refuses_open_non_loopback() {
    let (_d, p) = snap_file();
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens.txt");
    std::fs::write(&tokens, format!("# ops\n{TOKEN}\n")).unwrap();
    let bin = assert_cmd::cargo::cargo_bin("marketrank");
    let o = std::process::Command::new(&bin)
        .args([
            "serve",
            "--listen",
            "0.0.0.0:0",
            "--insecure-no-auth",
            "--snapshot",
        ])
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("only allowed on a loopback address"));

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = std::process::Command::new(&bin)
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--tokens",
        ])
        .arg(&tokens)
        .arg("--snapshot")
        .arg(&p)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let get = |auth: &str| -> String {
        use std::io::{Read, Write};
        for _ in 0..100 {
            if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
                write!(s, "GET /v1/users/mila_atelier HTTP/1.1\r\nHost: x\r\n{auth}Connection: close\r\n\r\n").unwrap();
                let mut out = String::new();
                s.read_to_string(&mut out).unwrap();
                return out;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("server did not come up");
    };
    let ok = get(&format!("Authorization: Bearer {TOKEN}\r\n"));
    let denied = get("");
    let _ = child.kill();
    let _ = child.wait();
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
    assert!(ok.contains("\"fashion\""));
    assert!(denied.starts_with("HTTP/1.1 401"), "{denied}");
}

/// SIGHUP reloads at once, without waiting for the poll.
#[test]
fn sighup_swaps_in_the_new_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, path) = (
        dir.path().join("a.snap"),
        dir.path().join("b.snap"),
        dir.path().join("s.snap"),
    );
    rank_sample(&a, &[]);
    rank_sample(&b, &["--damping", "0.6"]);
    std::fs::copy(&a, &path).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("marketrank"))
        .args([
            "serve",
            "--insecure-no-auth",
            "--poll",
            "3600",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--snapshot",
        ])
        .arg(&path)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let health = || -> Option<String> {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
        write!(
            s,
            "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .ok()?;
        let mut out = String::new();
        s.read_to_string(&mut out).ok()?;
        let body = out.split("\r\n\r\n").nth(1)?;
        Some(
            serde_json::from_str::<Value>(body).ok()?["snapshot"]
                .as_str()?
                .to_string(),
        )
    };
    let wait_for = |want: &dyn Fn(&str) -> bool| {
        for _ in 0..200 {
            if let Some(id) = health() {
                if want(&id) {
                    return id;
                }
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("no matching answer from the server");
    };
    let first = wait_for(&|_| true);
    std::fs::copy(&b, dir.path().join("tmp")).unwrap();
    std::fs::rename(dir.path().join("tmp"), &path).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(
        health().unwrap(),
        first,
        "no reload before the signal (poll is an hour)"
    );
    assert!(std::process::Command::new("kill")
        .args(["-HUP", &child.id().to_string()])
        .status()
        .unwrap()
        .success());
    let second = wait_for(&|id| id != first);
    assert_ne!(first, second);
    // The new snapshot answers as soon as it is stored; the log line comes
    // right after, from another task: read stderr until it appears.
    let want = format!("swapped in {second}");
    let logged = std::thread::spawn({
        let stderr = child.stderr.take().unwrap();
        move || {
            use std::io::BufRead;
            std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
                .any(|l| l.contains(&want))
        }
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !logged.is_finished() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        logged.join().unwrap(),
        "the server did not log `swapped in {second}`"
    );
}
