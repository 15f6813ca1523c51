//! `marketrank show`: one user's standing in every market.

use super::args::ShowArgs;
use super::{table, NotFound};

pub fn run(a: ShowArgs) -> anyhow::Result<()> {
    let snap = super::open_snapshot(&a.snapshot)?;
    let u = snap.user_index(&a.user).ok_or_else(|| {
        NotFound(format!(
            "no user `{}` in this snapshot ({} users)",
            a.user,
            snap.users()
        ))
    })?;
    println!("{}: {} followers", a.user, snap.followers(u));
    let rows: Vec<Vec<String>> = (0..snap.markets().len())
        .map(|m| {
            let st = snap.standing(u, m);
            vec![
                snap.markets()[m].clone(),
                table::score(st.score),
                st.rank.to_string(),
                format!("{:.2}", st.percentile),
            ]
        })
        .collect();
    table::print(
        &["market", "score", "rank", "percentile"],
        &rows,
        &[1, 2, 3],
    );
    Ok(())
}
