//! `marketrank explain`: which followers carry a user's score in a market.

use super::args::ExplainArgs;
use super::table;
use marketrank::explain::explain;

pub fn run(a: ExplainArgs) -> anyhow::Result<()> {
    let snap = super::open_snapshot(&a.snapshot)?;
    let m = super::market(&snap, &a.market)?;
    let u = super::user(&snap, &a.user)?;
    let e = explain(&snap, u, m).map_err(anyhow::Error::msg)?;
    let st = snap.standing(u, m);
    println!(
        "{} in {}: score {} (rank {}, {} followers)",
        a.user,
        a.market,
        table::score(e.score),
        st.rank,
        snap.followers(u)
    );
    let pct = |x: f64| {
        if e.score > 0.0 {
            format!("{:.1}%", 100.0 * x / e.score)
        } else {
            "-".into()
        }
    };
    println!(
        "  from followers: {} ({})",
        table::score(e.from_followers()),
        pct(e.from_followers())
    );
    println!(
        "  from teleport (seed of the market): {} ({})",
        table::score(e.teleport),
        pct(e.teleport)
    );
    let rows: Vec<Vec<String>> = e
        .contributions
        .iter()
        .take(a.n)
        .map(|c| {
            let fs = snap.standing(c.follower, m);
            vec![
                snap.user_id(c.follower).to_string(),
                format!("{:.1}%", 100.0 * c.share),
                table::score(c.amount),
                fs.rank.to_string(),
                table::score(fs.score),
            ]
        })
        .collect();
    if !rows.is_empty() {
        println!();
        table::print(
            &["follower", "share", "passes", "their rank", "their score"],
            &rows,
            &[1, 2, 3, 4],
        );
    }
    if e.contributions.len() > a.n {
        let rest: f64 = e.contributions[a.n..].iter().map(|c| c.amount).sum();
        println!(
            "  … {} more followers pass {} ({})",
            e.contributions.len() - a.n,
            table::score(rest),
            pct(rest)
        );
    }
    Ok(())
}
