//! `marketrank top`: a market's most influential users.

use super::args::TopArgs;
use super::table;
use marketrank::query::standing::user_view;
use std::io::Write;

pub fn run(a: TopArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let snap = super::open_snapshot(&a.snapshot)?;
    let m = super::market(&snap, &a.market)?;
    let meta = &snap.metadata().markets[m];
    writeln!(
        out,
        "{} — top {} of {} users (walk restarts at {} users; {} iterations{})",
        table::printable(&a.market),
        a.k.min(snap.users()),
        snap.users(),
        meta.seed_users,
        meta.iterations,
        if meta.converged {
            ""
        } else {
            ", NOT converged"
        }
    )?;
    let rows: Vec<Vec<String>> = snap
        .top(m, a.k)
        .map(|(u, _)| view_row(&snap, u, m))
        .collect();
    table::print(out, &VIEW_HEADER, &rows, &[0, 2, 3, 4, 5, 6, 7])?;
    Ok(())
}

/// Columns of a user row in `top`.
pub const VIEW_HEADER: [&str; 8] = [
    "rank",
    "user",
    "score",
    "influence",
    "percentile",
    "followers",
    "global rank",
    "lift",
];

/// One user's row: market standing next to absolute influence.
pub fn view_row(snap: &marketrank::Snapshot, u: u32, m: usize) -> Vec<String> {
    let v = user_view(snap, u, m);
    vec![
        v.rank.to_string(),
        snap.user_id(u).to_string(),
        table::score(v.score),
        format!("{:.0}", v.influence),
        format!("{:.2}", v.percentile),
        v.followers.to_string(),
        v.global_rank.to_string(),
        format!("{:.2}", v.lift),
    ]
}
