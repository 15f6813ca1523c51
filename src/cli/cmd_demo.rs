//! `marketrank demo`: the whole path on the bundled sample (compiled into
//! the binary, so it works from any directory).

use super::args::DemoArgs;
use super::table;
use marketrank::Snapshot;
use std::io::Write;

const SAMPLE_EDGES: &str = include_str!("../../data/edges.tsv");
const SAMPLE_TOPICS: &str = include_str!("../../data/topics.tsv");

pub fn run(a: DemoArgs, stdout: &mut dyn Write) -> anyhow::Result<()> {
    // A private directory (mode 0700, random name): a predictable name in a
    // shared /tmp could be planted with a symlink beforehand.
    // (`mkdir` of a fresh random name fails on anything planted there.)
    let tmp = tempfile::Builder::new()
        .prefix("marketrank-demo-")
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700))
        .tempdir()?;
    let dir = tmp.path().to_path_buf();
    let edges = dir.join("edges.tsv");
    let topics = dir.join("topics.tsv");
    std::fs::write(&edges, SAMPLE_EDGES)?;
    std::fs::write(&topics, SAMPLE_TOPICS)?;
    let out = a.out.clone().unwrap_or_else(|| dir.join("demo.snap"));
    // The defaults of `marketrank rank` (topic-biased walk, earned teleport).
    let job = marketrank::job::RankJob::new(
        marketrank::job::GraphInput::text(edges.clone(), topics.clone()),
        out.clone(),
    );
    super::cmd_rank::run_job(&job, true)?;
    let snap = Snapshot::open(&out)?;
    writeln!(
        stdout,
        "marketrank demo: {} users, {} follows, markets: {}\n",
        snap.users(),
        snap.metadata().edges,
        snap.markets().join(", ")
    )?;

    // The account with the most followers: absolute influence.
    let celeb = (0..snap.users() as u32)
        .max_by_key(|&u| (snap.followers(u), std::cmp::Reverse(u)))
        .expect("sample has users");
    for m in 0..snap.markets().len() {
        writeln!(stdout, "{}", snap.markets()[m])?;
        let rows: Vec<Vec<String>> = snap
            .top(m, a.k)
            .map(|(u, _)| super::cmd_top::view_row(&snap, u, m))
            .collect();
        table::print(
            stdout,
            &super::cmd_top::VIEW_HEADER,
            &rows,
            &[0, 2, 3, 4, 5, 6, 7],
        )?;
        writeln!(stdout)?;
    }
    let celeb_name = snap.user_id(celeb);
    writeln!(stdout, "Absolute vs relative influence:")?;
    writeln!(
        stdout,
        "  {} has the most followers ({}).",
        celeb_name,
        snap.followers(celeb)
    )?;
    for m in 0..snap.markets().len() {
        let (top_user, _) = snap.top(m, 1).next().expect("users");
        let st = snap.standing(celeb, m);
        writeln!(
            stdout,
            "  {:<10} {} ranks #{}; #1 is {} with {} followers",
            snap.markets()[m],
            celeb_name,
            st.rank,
            snap.user_id(top_user),
            snap.followers(top_user)
        )?;
    }
    writeln!(stdout, "\n(walk: topic-biased, teleport: earned; `marketrank rank --walk plain` gives plain topic-sensitive PageRank)")?;
    let bin = binary_hint();
    let kept = a.keep || a.out.is_some();
    let shown = if kept {
        out.display().to_string()
    } else {
        writeln!(stdout, "\n(The demo snapshot is removed at exit; `{bin} demo --out demo.snap` keeps it, `--keep` keeps the whole directory.)")?;
        "demo.snap".to_string()
    };
    if kept {
        writeln!(stdout, "\nSnapshot: {shown}")?;
    }
    let o = shown;
    writeln!(stdout, "Try: {bin} top {o} --market fashion -k 10")?;
    writeln!(stdout, "     {bin} show {o} --user {celeb_name}")?;
    writeln!(
        stdout,
        "     {bin} explain {o} --user mila_atelier --market fashion"
    )?;
    writeln!(
        stdout,
        "     {bin} compare {o} --markets fashion,tech -k 20"
    )?;
    writeln!(
        stdout,
        "     {bin} export {o} --format csv --out scores.csv"
    )?;
    writeln!(
        stdout,
        "     {bin} report {o} --out report.html --markets fashion,tech   # charts, opens offline"
    )?;
    if bin != "marketrank" {
        writeln!(
            stdout,
            "(`cargo install --path .` puts `marketrank` on your PATH.)"
        )?;
    }
    if a.keep {
        let dir = tmp.keep();
        writeln!(stdout, "Kept: {}", dir.display())?;
    } else {
        drop(tmp); // removes the sample inputs (and the snapshot unless --out)
    }
    Ok(())
}

/// How to call this binary from the user's shell: `marketrank` when the
/// first `marketrank` on PATH is this very file, else its path (relative
/// to the current directory when it lies below it, as
/// `target/release/marketrank` does after `cargo run --release`).
fn binary_hint() -> String {
    let Ok(me) = std::env::current_exe().and_then(|p| p.canonicalize()) else {
        return "marketrank".into();
    };
    let on_path = std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("marketrank"))
            .find(|p| p.is_file())
            .and_then(|p| p.canonicalize().ok())
            .is_some_and(|p| p == me)
    });
    if on_path {
        return "marketrank".into();
    }
    let rel = std::env::current_dir()
        .ok()
        .and_then(|cwd| cwd.canonicalize().ok())
        .and_then(|cwd| me.strip_prefix(&cwd).ok().map(|r| r.to_path_buf()));
    match rel {
        Some(r) => r.display().to_string(),
        None => me.display().to_string(),
    }
}
