//! `marketrank top`: a market's most influential users.

use super::args::TopArgs;
use super::table;

pub fn run(a: TopArgs) -> anyhow::Result<()> {
    let snap = super::open_snapshot(&a.snapshot)?;
    let m = super::market(&snap, &a.market)?;
    let meta = &snap.metadata().markets[m];
    println!(
        "{} — top {} of {} users (walk restarts at {} users; {} iterations{})",
        a.market,
        a.k.min(snap.users()),
        snap.users(),
        meta.seed_users,
        meta.iterations,
        if meta.converged {
            ""
        } else {
            ", NOT converged"
        }
    );
    let rows: Vec<Vec<String>> = snap
        .top(m, a.k)
        .map(|(u, _)| {
            let st = snap.standing(u, m);
            vec![
                st.rank.to_string(),
                snap.user_id(u).to_string(),
                table::score(st.score),
                format!("{:.2}", st.percentile),
                snap.followers(u).to_string(),
            ]
        })
        .collect();
    table::print(
        &["rank", "user", "score", "percentile", "followers"],
        &rows,
        &[0, 2, 3, 4],
    );
    Ok(())
}
