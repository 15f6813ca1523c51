//! `marketrank show`: one user's standing in every market.

use super::args::ShowArgs;
use super::table;
use marketrank::query::standing::user_view;
use std::io::Write;

pub fn run(a: ShowArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let snap = super::open_snapshot(&a.snapshot)?;
    let u = super::user(&snap, &a.user)?;
    let first = user_view(&snap, u, 0);
    writeln!(
        out,
        "{}: {} followers, global rank {} of {}",
        table::printable(&a.user),
        first.followers,
        first.global_rank,
        snap.users()
    )?;
    let rows: Vec<Vec<String>> = (0..snap.markets().len())
        .map(|m| {
            let v = user_view(&snap, u, m);
            vec![
                snap.markets()[m].clone(),
                table::score(v.score),
                v.rank.to_string(),
                format!("{:.2}", v.percentile),
                format!("{:.0}", v.influence),
                format!("{:.2}", v.lift),
            ]
        })
        .collect();
    table::print(
        out,
        &["market", "score", "rank", "percentile", "influence", "lift"],
        &rows,
        &[1, 2, 3, 4, 5],
    )?;
    Ok(())
}
