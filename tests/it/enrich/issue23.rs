//! Issue 23: what a support lead's own files hold (fixtures in
//! `tests/data/enrich/`).

use super::{enrich_cmd, read_csv, read_csv_with};
use crate::common::{cmd, enrich_sample, rank_files, rank_sample, repo, write};
use std::path::Path;

fn stderr(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).into_owned()
}

/// The row whose column `id` is `v`, as `column -> cell`.
fn row_of(
    h: &[String],
    rows: &[Vec<String>],
    id: &str,
) -> std::collections::HashMap<String, String> {
    let r = rows.iter().find(|r| r[0] == id).unwrap();
    h.iter().cloned().zip(r.iter().cloned()).collect()
}

#[test]
fn issue_23_semicolon_input_with_delimiter() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("s.snap");
    rank_sample(&snap);
    let input = repo("tests/data/enrich/semicolon.csv");
    let out = dir.path().join("o.csv");
    // Read as commas, the header is one column: the refusal says what to do.
    let err = stderr(&enrich_cmd(&input, &snap, &out).assert().code(2));
    assert!(err.contains("give --delimiter ';'"), "{err}");
    let a = enrich_cmd(&input, &snap, &out)
        .args(["--delimiter", ";"])
        .assert()
        .success();
    assert!(
        stderr(&a).contains("3 rows, 2 matched, 1 unknown users"),
        "{}",
        stderr(&a)
    );
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.starts_with("id;name;handle;segment;annual_spend;tenure_years;matched_as;influence;"),
        "the output keeps the input's delimiter: {text}"
    );
    let (h, rows) = read_csv_with(&out, b';');
    assert_eq!(row_of(&h, &rows, "1")["market_rank"], "1");
    // In a `;` file `1.200` may be twelve hundred: counted, not read as 1.2.
    let dotted = write(
        dir.path(),
        "d.csv",
        "handle;segment;annual_spend;tenure_years\nmila_atelier;fashion;1.200;1\n",
    );
    let a = enrich_cmd(&dotted, &snap, &out)
        .args(["--delimiter", ";", "--policy"])
        .arg(repo("data/policy.toml"))
        .assert()
        .success();
    assert!(
        stderr(&a).contains("(line 2: `1.200`): in a `;` file a dot before three digits"),
        "{}",
        stderr(&a)
    );
    // `tab` is accepted by name; other separators are refused.
    let bad = stderr(
        &enrich_cmd(&input, &snap, &out)
            .args(["--delimiter", "ab"])
            .assert()
            .code(2),
    );
    assert!(bad.contains("give one of `,` `;` `|` `tab`"), "{bad}");
}

#[test]
fn issue_23_bom_input_header_matched() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("s.snap");
    rank_sample(&snap);
    let input = dir.path().join("bom.csv");
    std::fs::write(
        &input,
        b"\xEF\xBB\xBFhandle,segment\nmila_atelier,fashion\n",
    )
    .unwrap();
    let out = dir.path().join("o.csv");
    enrich_cmd(&input, &snap, &out).assert().success();
    let text = std::fs::read(&out).unwrap();
    // The BOM was not part of the first header name, and is not copied
    // without --excel.
    assert!(
        text.starts_with(b"handle,segment,matched_as,"),
        "{:?}",
        &text[..20]
    );
    let (h, rows) = read_csv(&out);
    assert_eq!(row_of(&h, &rows, "mila_atelier")["market_rank"], "1");
}

#[test]
fn issue_23_excel_output_has_a_bom_and_crlf() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("s.snap");
    rank_sample(&snap);
    let out = dir.path().join("o.csv");
    enrich_cmd(&repo("tests/data/enrich/semicolon.csv"), &snap, &out)
        .args(["--delimiter", ";", "--excel"])
        .assert()
        .success();
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    assert!(text.starts_with("id;name;handle;"), "keeps `;`: {text}");
    assert_eq!(text.matches("\r\n").count(), 4, "{text:?}");
    assert_eq!(
        text.matches('\n').count(),
        4,
        "every line ends CRLF: {text:?}"
    );
    assert!(text.contains("Zoë M."), "UTF-8 kept: {text}");
}

#[test]
fn issue_23_at_and_case_are_normalised_unless_match_case() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("s.snap");
    rank_sample(&snap);
    let input = repo("tests/data/enrich/messy.csv");
    let out = dir.path().join("o.csv");
    let a = enrich_cmd(&input, &snap, &out).assert().success();
    let err = stderr(&a);
    // Mila (`@`, case), Rosa (`@`), Kemal (case) found; Ines has no handle.
    assert!(err.contains("1 unknown users"), "{err}");
    assert!(
        err.contains("ids found after normalising: 2 `@` stripped, 2 case folded"),
        "{err}"
    );
    let (h, rows) = read_csv(&out);
    let mila = row_of(&h, &rows, "1");
    assert_eq!(mila["handle"], "@Mila_Atelier", "the input cell is kept");
    assert_eq!(mila["matched_as"], "mila_atelier");
    assert_eq!(mila["market_rank"], "1");
    assert_eq!(row_of(&h, &rows, "4")["matched_as"], "stylist_kemal");
    // --match-case: `@` is still stripped, case no longer folded.
    let a = enrich_cmd(&input, &snap, &out)
        .arg("--match-case")
        .assert()
        .success();
    assert!(stderr(&a).contains("3 unknown users"), "{}", stderr(&a));
    let (h, rows) = read_csv(&out);
    assert_eq!(row_of(&h, &rows, "1")["matched_as"], "");
    assert_eq!(row_of(&h, &rows, "3")["matched_as"], "runway_rosa");
}

#[test]
fn issue_23_ids_differing_only_by_case_are_ambiguous_not_guessed() {
    let dir = tempfile::tempdir().unwrap();
    let edges = write(
        dir.path(),
        "e.tsv",
        "Kemal\tana\nkemal\tana\nana\tKemal\nbo\tkemal\nbo\tana\n",
    );
    let topics = write(
        dir.path(),
        "t.tsv",
        "ana\tfashion\nKemal\tfashion\nkemal\tfashion\nbo\tfashion\n",
    );
    let snap = dir.path().join("s.snap");
    rank_files(&edges, &topics, &snap).assert().success();
    let input = write(
        dir.path(),
        "c.csv",
        "handle,segment\nKEMAL,fashion\nkemal,fashion\nKemal,fashion\n@Ana,fashion\n",
    );
    let out = dir.path().join("o.csv");
    let a = enrich_cmd(&input, &snap, &out).assert().success();
    let err = stderr(&a);
    assert!(err.contains("4 rows, 3 matched, 0 unknown users"), "{err}");
    assert!(err.contains("1 ambiguous ids"), "{err}");
    assert!(
        err.contains("c.csv: 1 id matching several users that differ only by case, left blank (line 2: `KEMAL → "),
        "{err}"
    );
    assert!(
        err.contains("Kemal or kemal") || err.contains("kemal or Kemal"),
        "{err}"
    );
    let (_, rows) = read_csv(&out);
    let matched: Vec<&str> = rows.iter().map(|r| r[2].as_str()).collect();
    assert_eq!(matched, ["", "kemal", "Kemal", "ana"], "exact case wins");
    // --strict counts an ambiguous id as a mistake in the file.
    enrich_cmd(&input, &snap, &dir.path().join("p.csv"))
        .arg("--strict")
        .assert()
        .code(2);
}

#[test]
fn issue_23_markets_in_any_case_and_a_misspelt_one_named() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("s.snap");
    rank_sample(&snap);
    let input = repo("tests/data/enrich/messy.csv");
    let out = dir.path().join("o.csv");
    let a = enrich_cmd(&input, &snap, &out).assert().success();
    let err = stderr(&a);
    assert!(
        err.contains("unknown markets: `cokking`: 1 (did you mean `cooking`?)"),
        "{err}"
    );
    let (h, rows) = read_csv(&out);
    assert_eq!(row_of(&h, &rows, "2")["market_rank"], "1", "`Cooking`");
    assert_eq!(row_of(&h, &rows, "3")["market_rank"], "3", "` FASHION `");
    assert_eq!(row_of(&h, &rows, "4")["market_rank"], "", "`cokking`");
    // A fixed market is refused, naming the close one; in any case accepted.
    let refused = cmd()
        .arg("enrich")
        .arg("--customers")
        .arg(&input)
        .args(["--id-column", "handle", "--market", "cokking"])
        .arg("--snapshot")
        .arg(&snap)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2);
    assert!(
        stderr(&refused).contains("no market `cokking` in the snapshot (did you mean `cooking`?)"),
        "{}",
        stderr(&refused)
    );
    cmd()
        .arg("enrich")
        .arg("--customers")
        .arg(&input)
        .args(["--id-column", "handle", "--market", " Cooking "])
        .arg("--snapshot")
        .arg(&snap)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
}

#[test]
fn issue_23_unparseable_values_counted_and_strict_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("s.snap");
    rank_sample(&snap);
    let input = repo("tests/data/enrich/messy.csv");
    let out = dir.path().join("o.csv");
    let a = enrich_cmd(&input, &snap, &out)
        .arg("--policy")
        .arg(repo("data/policy.toml"))
        .assert()
        .success();
    let err = stderr(&a);
    assert!(
        err.contains("messy.csv: `annual_spend`: 1 value not a number, treated as no value (line 3: `1,200`): a comma may be a thousands separator or a decimal comma"),
        "{err}"
    );
    assert!(
        err.contains(
            "messy.csv: `tenure_years`: 1 value not a number, treated as no value (line 4: `x`)"
        ),
        "{err}"
    );
    let (h, rows) = read_csv(&out);
    assert!(
        row_of(&h, &rows, "2")["priority_reason"].contains("annual_spend `1,200`: not a number")
    );
    assert!(row_of(&h, &rows, "3")["priority_reason"].contains("tenure_years `x`: not a number"));
    // A blank cell is not a problem: Ines has no spend.
    assert!(row_of(&h, &rows, "5")["priority_reason"].contains("annual_spend: no value given"));
    // --strict: exit 2, the existing output and its sidecar left as they were.
    let before = std::fs::read(&out).unwrap();
    let sidecar = dir.path().join("o.csv.policy.toml");
    let sidecar_before = std::fs::read(&sidecar).unwrap();
    let a = enrich_cmd(&input, &snap, &out)
        .arg("--policy")
        .arg(repo("data/policy.toml"))
        .arg("--strict")
        .assert()
        .code(2);
    let err = stderr(&a);
    assert!(err.contains("--strict: 1 unparseable `annual_spend`, 1 unparseable `tenure_years`, 1 unknown markets"), "{err}");
    assert!(err.contains("not written"), "{err}");
    assert!(
        err.contains("(line 3: `1,200`)"),
        "the examples are reported too: {err}"
    );
    assert_eq!(std::fs::read(&out).unwrap(), before);
    assert_eq!(std::fs::read(&sidecar).unwrap(), sidecar_before);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        3,
        "no temporary left"
    );
    // Nothing to hold back from standard output: refused before any work.
    enrich_cmd(&input, &snap, Path::new("-"))
        .arg("--strict")
        .assert()
        .code(2);
}

#[test]
fn issue_23_priority_label_from_zendesk_or_the_policy() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("s.snap");
    rank_sample(&snap);
    let out = dir.path().join("o.csv");
    let run = |policy: &Path| enrich_sample(&snap, policy, &out).assert();
    run(&repo("data/policy.toml")).success();
    let (h, rows) = read_csv(&out);
    let label = |rows: &[Vec<String>], id: &str| {
        let r = row_of(&h, rows, id);
        (r["priority"].clone(), r["priority_label"].clone())
    };
    assert_eq!(label(&rows, "C-1001"), ("4".into(), "urgent".into()));
    assert_eq!(label(&rows, "C-1002"), ("1".into(), "low".into()));
    assert_eq!(label(&rows, "C-1006"), ("3".into(), "high".into()));
    let sidecar = std::fs::read_to_string(dir.path().join("o.csv.policy.toml")).unwrap();
    assert!(
        sidecar.contains("# priority: 1 lowest … 4 highest urgency (higher = more urgent); priority_label: 1 low, 2 normal, 3 high, 4 urgent (Zendesk's names)"),
        "{sidecar}"
    );
    // The policy's own names, here a desk whose P1 is the most urgent.
    let mut text = std::fs::read_to_string(repo("data/policy.toml")).unwrap();
    text.push_str("\n[labels]\nnames = [\"P4\", \"P3\", \"P2\", \"P1\"]\n");
    let custom = write(dir.path(), "p.toml", &text);
    run(&custom).success();
    let (_, rows) = read_csv(&out);
    assert_eq!(label(&rows, "C-1001"), ("4".into(), "P1".into()));
    assert_eq!(label(&rows, "C-1002"), ("1".into(), "P4".into()));
    let sidecar = std::fs::read_to_string(dir.path().join("o.csv.policy.toml")).unwrap();
    assert!(
        sidecar.contains("1 P4, 2 P3, 3 P2, 4 P1 (from [labels])"),
        "{sidecar}"
    );
    assert!(
        sidecar.contains("names = [\"P4\""),
        "the labels travel: {sidecar}"
    );
    // A level beyond the names is refused.
    let five = write(dir.path(), "five.toml", "[base]\npriority = 5\n");
    let err = stderr(&run(&five).code(2));
    assert!(err.contains("priority 5 has no name"), "{err}");
}

/// The README's worked example is what the command prints: the summary
/// line and the table (regenerate it from this test's output if it fails).
#[test]
fn issue_23_readme_enrich_example_matches_the_command() {
    let dir = tempfile::tempdir().unwrap();
    rank_sample(&dir.path().join("scores.snap"));
    let a = enrich_sample(
        Path::new("scores.snap"),
        &repo("data/policy.toml"),
        Path::new("enriched.csv"),
    )
    .current_dir(dir.path())
    .assert()
    .success();

    let readme = std::fs::read_to_string(repo("README.md")).unwrap();
    let line = stderr(&a);
    let line = line.trim_end();
    assert!(
        readme.contains(&format!("# {line}\n")),
        "README lacks `# {line}`"
    );
    let (h, rows) = read_csv(&dir.path().join("enriched.csv"));
    let cols = [
        "customer_id",
        "twitter_handle",
        "segment",
        "annual_spend",
        "tenure_years",
        "followers",
        "influence",
        "percentile",
        "tier",
        "market_rank",
        "priority",
        "priority_label",
        "priority_reason",
    ];
    let mut table = String::from(
        "| customer | handle | segment | spend | tenure | followers | influence | percentile | tier | market rank | priority | priority_label | priority_reason (as written) |\n",
    );
    table.push_str(&format!("|{}\n", "---|".repeat(cols.len())));
    for r in &rows {
        let r: std::collections::HashMap<_, _> = h.iter().zip(r).collect();
        let cells: Vec<String> = cols
            .iter()
            .map(|c| match r[&c.to_string()].as_str() {
                "" if *c == "twitter_handle" => "(none)".to_string(),
                v => v.to_string(),
            })
            .collect();
        table.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    assert!(
        readme.contains(&table),
        "README's enrich table differs; it should be:\n{table}"
    );
}
