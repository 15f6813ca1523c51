//! `marketrank explain`: which followers carry a user's score in a market.

use super::args::ExplainArgs;
use super::table;
use marketrank::query::explain::explain;
use std::io::Write;

pub fn run(a: ExplainArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let snap = super::open_snapshot(&a.snapshot)?;
    let m = super::market(&snap, &a.market)?;
    let u = super::user(&snap, &a.user)?;
    let e = explain(&snap, u, m)?;
    let st = snap.standing(u, m);
    writeln!(
        out,
        "{} in {}: score {} (rank {}, {} followers)",
        table::printable(&a.user),
        table::printable(&a.market),
        table::score(e.score),
        st.rank,
        snap.followers(u)
    )?;
    let pct = |x: f64| {
        if e.score > 0.0 {
            format!("{:.1}%", 100.0 * x / e.score)
        } else {
            "-".into()
        }
    };
    writeln!(
        out,
        "  from followers: {} ({})",
        table::score(e.from_followers()),
        pct(e.from_followers())
    )?;
    writeln!(
        out,
        "  from teleport (seed of the market): {} ({})",
        table::score(e.teleport),
        pct(e.teleport)
    )?;
    if let Some(t) = &snap.metadata().trust {
        print_trust(out, &snap, u, m, t)?;
    }
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
        writeln!(out)?;
        table::print(
            out,
            &["follower", "share", "passes", "their rank", "their score"],
            &rows,
            &[1, 2, 3, 4],
        )?;
    }
    if e.contributions.len() > a.n {
        let rest: f64 = e.contributions[a.n..].iter().map(|c| c.amount).sum();
        writeln!(
            out,
            "  … {} more followers pass {} ({})",
            e.contributions.len() - a.n,
            table::score(rest),
            pct(rest)
        )?;
    }
    Ok(())
}

/// With `--accounts`: the user's own restart weight in the market and the
/// followers its trust came from (trust passed per follow, largest first).
fn print_trust(
    out: &mut dyn Write,
    snap: &marketrank::Snapshot,
    u: u32,
    m: usize,
    t: &marketrank::snapshot::TrustMeta,
) -> std::io::Result<()> {
    let weight: f64 = snap
        .teleport_of(u)
        .iter()
        .filter(|e| e.column as usize == m)
        .map(|e| e.prob)
        .sum();
    writeln!(
        out,
        "  own restart weight in the market: {:.3e} of 1 (tag weight x earned trust; accounts as of {}, probation {} days)",
        weight,
        table::printable(&t.as_of),
        t.probation_days
    )?;
    let followers = snap.followers_of(u);
    let weights = snap.follower_weights_of(u);
    let mut sources: Vec<(u32, f64)> = followers
        .iter()
        .enumerate()
        .filter_map(|(i, &f)| {
            let w = weights.map_or(1.0, |w| w[i] as f64);
            let passed = snap.trust_passed(f)? as f64 * w * t.damping;
            (passed > 0.0).then_some((f, passed))
        })
        .collect();
    let total: f64 = sources.iter().map(|s| s.1).sum();
    sources.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    if sources.is_empty() {
        writeln!(
            out,
            "  trust received: none (no established follower passes trust in the walk)"
        )?;
        return Ok(());
    }
    let top: Vec<String> = sources
        .iter()
        .take(5)
        .map(|&(f, x)| {
            format!(
                "{} {:.0}%",
                table::printable(snap.user_id(f)),
                100.0 * x / total
            )
        })
        .collect();
    writeln!(
        out,
        "  trust received: {:.3e} from {} followers; top sources: {}",
        total,
        sources.len(),
        top.join(", ")
    )
}
