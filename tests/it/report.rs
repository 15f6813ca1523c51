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

/// One `<table>` of the dumped DOM: its rows (header first) as cell text,
/// and the CSV link that follows it, `(download name, href)`.
struct DomTable {
    rows: Vec<Vec<String>>,
    link: Option<(String, String)>,
}

/// Undoes the HTML escapes the page and Chromium's serializer write.
fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

/// The value of attribute `name` in the tag text `tag`.
fn attr(tag: &str, name: &str) -> Option<String> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let end = start + tag[start..].find('"')?;
    Some(unescape(&tag[start..end]))
}

/// Every table of `html` (a slice of the DOM), in page order.
fn tables(html: &str) -> Vec<DomTable> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find("<table") {
        let end = i + rest[i..].find("</table>").unwrap();
        let body = &rest[i..end];
        let rows = body
            .split("<tr>")
            .skip(1)
            .map(|tr| {
                tr.split(['<'])
                    .filter_map(|piece| {
                        piece
                            .strip_prefix("td>")
                            .or_else(|| piece.strip_prefix("th>"))
                            .map(unescape)
                    })
                    .collect()
            })
            .collect();
        let after = &rest[end + "</table>".len()..];
        let link = after
            .strip_prefix("<p class=\"csv\"><a")
            .map(|a| &a[..a.find('>').unwrap()])
            .map(|tag| (attr(tag, "download").unwrap(), attr(tag, "href").unwrap()));
        out.push(DomTable { rows, link });
        rest = after;
    }
    out
}

/// The CSV a `data:text/csv` link carries, percent-decoded and parsed
/// (by the `csv` crate, not by the code under test).
fn csv_of_link(href: &str) -> Vec<Vec<String>> {
    let body = href
        .strip_prefix("data:text/csv;charset=utf-8,")
        .unwrap_or_else(|| panic!("not a CSV data URI: {}", &href[..40.min(href.len())]));
    let (b, mut bytes, mut i) = (body.as_bytes(), Vec::new(), 0);
    while i < b.len() {
        if b[i] == b'%' {
            bytes.push(u8::from_str_radix(&body[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            assert!(
                b[i].is_ascii_alphanumeric() || b"-._~".contains(&b[i]),
                "unencoded {:?} in the link",
                b[i] as char
            );
            bytes.push(b[i]);
            i += 1;
        }
    }
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes.as_slice())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// The part of the DOM from `start` to the end of its section.
fn section<'a>(dom: &'a str, start: &str) -> &'a str {
    let s = &dom[dom.find(start).unwrap_or_else(|| panic!("{start} missing"))..];
    &s[..s.find("</section>").unwrap_or(s.len())]
}

// Issue 23: the report's specialists (green, as the legend says), sorted
// specialists tables, micro-influencers, who carries the top users, and a
// CSV download for every table, as headless Chromium renders them.
#[test]
fn issue_23_report_specialists_micro_influencers_carriers_and_csv_links() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("s.snap");
    rank_sample(&snap);
    let html = dir.path().join("report.html");
    cmd()
        .arg("report")
        .arg(&snap)
        .arg("--out")
        .arg(&html)
        .args(["--markets", "fashion,tech"])
        .assert()
        .success();
    let source = std::fs::read_to_string(&html).unwrap();
    assert!(!source.contains("http://") && !source.contains("https://"));
    let Some(dom) = chromium(&["--dump-dom"], &html, &dir.path().join("profile")) else {
        return;
    };
    let dom = String::from_utf8_lossy(&dom.stdout).into_owned();

    // Green specialists in every topic market's scatter, fashion's insider
    // among them; the legend names them.
    for market in ["cooking", "fashion", "fitness", "tech"] {
        let s = section(&dom, &format!("<section id=\"m-{market}\">"));
        let green = s.matches("<circle class=\"specialist\"").count();
        assert!(green > 0, "{market}: {green} green points");
        assert!(s.contains(">● specialists</tspan>"), "{market}: legend");
    }
    let fashion = section(&dom, "<section id=\"m-fashion\">");
    let point = |user: &str| {
        let c = fashion
            .split("<circle ")
            .find(|c| c.contains(&format!("<title>{user} ")))
            .unwrap();
        c[..c.find(" cx=").unwrap()].to_string()
    };
    // #8 in fashion, #26 globally: a specialist; the insider is #2
    // globally, in both top 20s, so neither; the celebrity is orange.
    assert_eq!(point("fashion_nadia"), "class=\"specialist\"");
    assert_eq!(point("mila_atelier"), "class=\"other\"");
    assert_eq!(point("elon_techstar"), "class=\"celebrity\"");

    // The comparison's specialists tables: by rank in their market, best
    // first (the fashion one used to open with fashion's #20).
    let compare = &dom[dom.find("<h2 id=\"compare\">").unwrap()..];
    let compare = &compare[..compare.find("<section ").unwrap()];
    let spec = tables(compare);
    assert_eq!(spec.len(), 2);
    for t in &spec {
        let ranks: Vec<u64> = t.rows[1..].iter().map(|r| r[2].parse().unwrap()).collect();
        assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{ranks:?}");
        assert!(!ranks.is_empty());
    }
    assert_eq!(spec[0].rows[1][1], "mila_atelier");

    // Micro-influencers: the 9-follower insider, #1 in fashion.
    let micro = section(fashion, "<h3>Micro-influencers</h3>");
    assert!(micro.contains("percentile ≥ 99") && micro.contains("half the median"));
    let t = &tables(micro)[0];
    assert_eq!(t.rows[0][..3], ["rank", "user", "followers"]);
    assert!(
        t.rows.iter().any(|r| r[..3] == ["1", "mila_atelier", "9"]),
        "{:?}",
        t.rows
    );

    // Who carries the top 5: five blocks; mila's carriers are the
    // tastemakers, as `marketrank explain` says.
    assert_eq!(fashion.matches("<div class=\"carries\"").count(), 5);
    let carries = section(fashion, "<div class=\"carries\" id=\"carries-fashion-1\">");
    assert!(carries.contains("<b>mila_atelier</b>"));
    let t = &tables(carries)[0];
    assert_eq!(t.rows[1][1], "stylist_kemal");
    assert!(t.rows[1][2].ends_with('%'));
    assert_eq!(t.rows.len(), 6, "header and 5 followers");

    // A CSV link after every table of the page, each the table's own rows.
    let all = tables(&dom);
    assert!(all.len() > 20, "{} tables", all.len());
    for t in &all {
        let (name, href) = t.link.as_ref().expect("every table has a CSV link");
        assert!(name.ends_with(".csv") && href.starts_with("data:text/csv"));
        assert_eq!(&csv_of_link(href), &t.rows, "{name}");
    }
    let names: std::collections::HashSet<_> = all
        .iter()
        .map(|t| t.link.as_ref().unwrap().0.clone())
        .collect();
    assert_eq!(names.len(), all.len(), "one file name per table");
    assert!(names.contains("fashion-micro_influencers.csv"));
    assert_eq!(
        dom.matches("href=\"data:text/csv;charset=utf-8,").count(),
        all.len()
    );
}
