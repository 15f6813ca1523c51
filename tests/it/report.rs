//! Issue 10: the HTML report, rendered in headless Chromium.

use crate::common::{cmd, rank_sample, rank_sample_with, Tool};
use std::path::Path;
use std::process::Command;

/// Headless Chromium as the issue asks; `None` (after `SKIPPED: ...`) when
/// it is not installed, unless `MARKETRANK_REQUIRE` names `browser` (CI).
fn chromium(args: &[&str], page: &Path, profile: &Path) -> Option<std::process::Output> {
    let found = match Command::new("chromium").arg("--version").output() {
        Ok(o) if o.status.success() => Ok(()),
        Ok(o) => Err(format!("chromium --version failed: {}", o.status)),
        Err(e) => Err(format!("chromium is not installed ({e})")),
    };
    if !Tool::Browser.available("report (headless Chromium)", found) {
        return None;
    }
    let out = Command::new("timeout")
        .arg("120")
        .arg("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
        ])
        .args(["--disable-component-update", "--disable-sync"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(out)
}

#[test]
fn report_renders_in_headless_chromium_with_markets_and_top_users() {
    let dir = tempfile::tempdir().unwrap();
    let (snap, old) = (dir.path().join("s.snap"), dir.path().join("old.snap"));
    rank_sample(&snap);
    rank_sample_with(&old, &["--damping", "0.8"]);
    let html = dir.path().join("report.html");
    cmd()
        .arg("report")
        .arg(&snap)
        .arg("--out")
        .arg(&html)
        .args(["--markets", "fashion,tech"])
        .arg("--compare")
        .arg(&old)
        .assert()
        .success();
    let source = std::fs::read_to_string(&html).unwrap();
    assert!(
        !source.contains("http://") && !source.contains("https://"),
        "self-contained: no links out"
    );
    let Some(dom) = chromium(&["--dump-dom"], &html, &dir.path().join("profile")) else {
        return;
    };
    let dom = String::from_utf8_lossy(&dom.stdout);
    for market in ["_global", "cooking", "fashion", "fitness", "tech"] {
        assert!(
            dom.contains(&format!("<section id=\"m-{market}\">")),
            "section {market} rendered"
        );
    }
    // The fashion list starts with the insider; the celebrity leads _global.
    let fashion = &dom[dom.find("<section id=\"m-fashion\">").unwrap()..];
    let first_row = &fashion[fashion.find("<tr><td>1</td>").unwrap()..][..60];
    assert!(first_row.contains("mila_atelier"), "{first_row}");
    let global = &dom[dom.find("<section id=\"m-_global\">").unwrap()..];
    assert!(global[global.find("<tr><td>1</td>").unwrap()..][..60].contains("elon_techstar"));
    assert!(dom.contains("fashion vs tech") && dom.contains("Spearman"));
    assert!(
        dom.contains("since the earlier run"),
        "risers/fallers present"
    );
    assert!(
        dom.matches("<svg class=\"chart\"").count() >= 9,
        "histograms and scatters"
    );
    let shot = dir.path().join("report.png");
    chromium(
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1200,1600",
        ],
        &html,
        &dir.path().join("profile2"),
    );
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "a real screenshot ({} bytes)",
        png.len()
    );
}
