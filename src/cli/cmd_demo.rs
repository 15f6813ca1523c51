//! `marketrank demo`: the whole path on the bundled sample (compiled into
//! the binary, so it works from any directory).

use super::args::{DemoArgs, PrecisionArg, RankParams, WalkArg};
use super::table;
use marketrank::Snapshot;

const SAMPLE_EDGES: &str = include_str!("../../data/edges.tsv");
const SAMPLE_TOPICS: &str = include_str!("../../data/topics.tsv");

pub fn run(a: DemoArgs) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("marketrank-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let edges = dir.join("edges.tsv");
    let topics = dir.join("topics.tsv");
    std::fs::write(&edges, SAMPLE_EDGES)?;
    std::fs::write(&topics, SAMPLE_TOPICS)?;
    let out = a.out.clone().unwrap_or_else(|| dir.join("demo.snap"));
    let params = RankParams {
        threads: 0,
        damping: marketrank::RankConfig::DEFAULT_DAMPING,
        tol: marketrank::RankConfig::DEFAULT_TOLERANCE,
        max_iter: marketrank::RankConfig::DEFAULT_MAX_ITERATIONS,
        precision: PrecisionArg::F32,
        walk: WalkArg::TopicBiased,
        topic_bias: marketrank::RankConfig::DEFAULT_TOPIC_BIAS,
        teleport: None,
        markets: None,
        previous: None,
        no_global: false,
        only_topics: None,
        scores_tsv: None,
        bench_result: false,
        skip_bad_lines: false,
        rejects: None,
        max_memory: None,
        quiet: true,
    };
    let job = super::cmd_rank::job_from(
        &params,
        marketrank::job::GraphInput::Text {
            edges: edges.clone(),
            topics: topics.clone(),
        },
        out.clone(),
    );
    super::cmd_rank::run_job(&job, true)?;
    let snap = Snapshot::open(&out)?;
    println!(
        "marketrank demo: {} users, {} follows, markets: {}\n",
        snap.users(),
        snap.metadata().edges,
        snap.markets().join(", ")
    );

    // The account with the most followers: absolute influence.
    let celeb = (0..snap.users() as u32)
        .max_by_key(|&u| (snap.followers(u), std::cmp::Reverse(u)))
        .expect("sample has users");
    for m in 0..snap.markets().len() {
        println!("{}", snap.markets()[m]);
        let rows: Vec<Vec<String>> = snap
            .top(m, a.k)
            .map(|(u, _)| super::cmd_top::view_row(&snap, u, m))
            .collect();
        table::print(&super::cmd_top::VIEW_HEADER, &rows, &[0, 2, 3, 4, 5, 6, 7]);
        println!();
    }
    let celeb_name = snap.user_id(celeb);
    println!("Absolute vs relative influence:");
    println!(
        "  {} has the most followers ({}).",
        celeb_name,
        snap.followers(celeb)
    );
    for m in 0..snap.markets().len() {
        let (top_user, _) = snap.top(m, 1).next().expect("users");
        let st = snap.standing(celeb, m);
        println!(
            "  {:<10} {} ranks #{}; #1 is {} with {} followers",
            snap.markets()[m],
            celeb_name,
            st.rank,
            snap.user_id(top_user),
            snap.followers(top_user)
        );
    }
    println!("\n(walk: topic-biased, teleport: earned; `marketrank rank --walk plain` gives plain topic-sensitive PageRank)");
    let o = out.display();
    println!("\nSnapshot: {o}");
    println!("Try: marketrank top {o} --market fashion -k 10");
    println!("     marketrank show {o} --user {celeb_name}");
    println!("     marketrank explain {o} --user mila_atelier --market fashion");
    println!("     marketrank compare {o} --markets fashion,tech -k 20");
    println!("     marketrank export {o} --format csv --out scores.csv");
    println!("     marketrank report {o} --out report.html --markets fashion,tech   # charts, opens offline");
    std::fs::remove_file(&edges).ok();
    std::fs::remove_file(&topics).ok();
    Ok(())
}
