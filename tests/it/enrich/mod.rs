//! Issue 9: `marketrank enrich` and the triage policy, on the bundled sample;
//! issue 23 (a support lead's own files) in [`issue23`].

mod issue23;

use crate::common::{cmd, enrich_sample, rank_sample, repo};
use std::path::Path;

/// `enrich` of `customers` against `snap` by `handle`, markets from
/// `segment`, into `out`, to add flags to.
pub(super) fn enrich_cmd(customers: &Path, snap: &Path, out: &Path) -> assert_cmd::Command {
    let mut c = cmd();
    c.arg("enrich")
        .arg("--customers")
        .arg(customers)
        .args(["--id-column", "handle", "--market-column", "segment"])
        .arg("--snapshot")
        .arg(snap)
        .arg("--out")
        .arg(out);
    c
}

pub(super) fn read_csv(p: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    read_csv_with(p, b',')
}

pub(super) fn read_csv_with(p: &Path, delimiter: u8) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_path(p)
        .unwrap();
    let h = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    (h, rows)
}

#[test]
fn sample_customers_enriched_with_a_fair_triage() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("s.snap");
    rank_sample(&snap);
    let out = dir.path().join("enriched.csv");
    let a = enrich_sample(&snap, &repo("data/policy.toml"), &out)
        .assert()
        .success();

    let err = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
    assert!(err.contains("8 rows, 6 matched, 2 unknown users"), "{err}");
    let (h, rows) = read_csv(&out);
    let at = |name: &str| h.iter().position(|c| c == name).unwrap();
    assert_eq!(
        &h[..6],
        [
            "customer_id",
            "name",
            "twitter_handle",
            "segment",
            "annual_spend",
            "tenure_years"
        ]
    );
    let row = |handle: &str| rows.iter().find(|r| r[2] == handle).unwrap().clone();
    // The 9-follower fashion insider outranks the 204-follower celebrity.
    let mila = row("mila_atelier");
    assert_eq!(
        (mila[at("tier")].as_str(), mila[at("market_rank")].as_str()),
        ("top 1%", "1")
    );
    assert_eq!(mila[at("priority")], "4");
    let elon = row("elon_techstar");
    assert_eq!(
        (
            elon[at("followers")].as_str(),
            elon[at("priority")].as_str()
        ),
        ("204", "1")
    );
    // Bought followers buy no priority.
    assert_eq!(row("cheap_followers_buyer")[at("priority")], "1");
    // A loyal customer without a handle keeps the loyalty floor; columns blank.
    let ines = &rows[5];
    assert_eq!(ines[at("influence")], "");
    assert_eq!(ines[at("priority")], "3");
    assert!(ines[at("priority_reason")].contains("tenure_years 9 >= 5: at least 3"));
    // Influence only raises: a high-value customer is never below value level.
    let rosa = row("runway_rosa");
    assert!(rosa[at("priority_reason")].contains("annual_spend 12500 >= 10000: 3"));
    assert_eq!(rosa[at("priority")], "4");
    // The policy is written beside the output.
    let mut policy = out.clone().into_os_string();
    policy.push(".policy.toml");
    let text = std::fs::read_to_string(policy).unwrap();
    assert!(text.contains("column = \"annual_spend\""), "{text}");
}

#[test]
fn enrich_streams_many_rows_and_counts_what_it_cannot_match() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("s.snap");
    rank_sample(&snap);
    let s = marketrank::Snapshot::open(&snap).unwrap();
    let customers = dir.path().join("c.csv");
    let mut text = String::from("id,handle,segment\n");
    for i in 0..50_000u32 {
        let handle = if i % 5 == 0 {
            format!("ghost{i}")
        } else {
            s.user_id(i % 523).to_string()
        };
        let seg = if i % 7 == 0 { "gardening" } else { "tech" };
        text.push_str(&format!("{i},\"{handle}\",{seg}\n"));
    }
    std::fs::write(&customers, text).unwrap();
    let out = dir.path().join("o.csv");
    let a = enrich_cmd(&customers, &snap, &out).assert().success();
    let err = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
    let gardening = (0..50_000).filter(|i| i % 7 == 0).count();
    let ghosts = (0..50_000).filter(|i| i % 5 == 0).count();
    assert!(err.contains(&format!("50000 rows")), "{err}");
    assert!(err.contains(&format!("{ghosts} unknown users")), "{err}");
    assert!(err.contains(&format!("`gardening`: {gardening}")), "{err}");
    let (h, rows) = read_csv(&out);
    assert_eq!(rows.len(), 50_000);
    assert_eq!(h.len(), 3 + 8);
    // `matched_as` (column 3) is filled whenever the user is found; the
    // influence (column 4) only when the market is known too.
    let matched = rows.iter().filter(|r| !r[4].is_empty()).count();
    assert_eq!(
        matched,
        (0..50_000).filter(|i| i % 5 != 0 && i % 7 != 0).count()
    );
}

#[test]
fn enrich_refuses_clashing_columns_and_names_missing_ones() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("s.snap");
    rank_sample(&snap);
    let c = dir.path().join("c.csv");
    std::fs::write(&c, "handle,influence\nmila_atelier,3\n").unwrap();
    let run = |id: &str| {
        let a = cmd()
            .arg("enrich")
            .arg("--customers")
            .arg(&c)
            .args(["--id-column", id, "--market", "fashion"])
            .arg("--snapshot")
            .arg(&snap)
            .arg("--out")
            .arg(dir.path().join("o.csv"))
            .assert()
            .failure();
        String::from_utf8_lossy(&a.get_output().stderr).into_owned()
    };
    assert!(run("handle").contains("already has a column `influence`"));
    assert!(run("twitter").contains("no column `twitter`; columns: handle, influence"));
    assert!(!dir.path().join("o.csv").exists());
}
