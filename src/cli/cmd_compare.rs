//! `marketrank compare`: overlap and rank agreement of two markets.

use super::args::CompareArgs;
use super::table;
use anyhow::Context;
use marketrank::query::compare::compare_markets;
use std::io::Write;

pub fn run(a: CompareArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    super::refuse_over_inputs([a.csv.as_deref()], &[&a.snapshot])?;
    // `--csv -`: standard output carries the CSV alone, not the table too.
    let mut sink = std::io::sink();
    let out: &mut dyn Write = if a.csv.as_deref() == Some(std::path::Path::new("-")) {
        &mut sink
    } else {
        out
    };
    let snap = super::open_snapshot(&a.snapshot)?;
    if a.markets.len() != 2 {
        anyhow::bail!("--markets takes exactly two markets, e.g. --markets fashion,tech");
    }
    let ma = super::market(&snap, &a.markets[0])?;
    let mb = super::market(&snap, &a.markets[1])?;
    let c = compare_markets(&snap, ma, mb, a.k, a.specialists);
    let (na, nb) = (&a.markets[0], &a.markets[1]);
    let (pa, pb) = (table::printable(na), table::printable(nb));
    writeln!(out, "{pa} vs {pb} ({} users)", snap.users())?;
    writeln!(
        out,
        "  top-{} overlap (Jaccard): {:.3}",
        c.k, c.jaccard_top_k
    )?;
    writeln!(
        out,
        "  Spearman rank correlation (all users): {:.3}",
        c.spearman
    )?;
    writeln!(
        out,
        "  Kendall tau-b (union of the top-{} lists): {:.3}",
        c.k, c.kendall_tau_top_k
    )?;
    for (here, there, list) in [(&pa, &pb, &c.specialists_a), (&pb, &pa, &c.specialists_b)] {
        writeln!(
            out,
            "\nspecialists of {here} (top {} there, lowest in {there})",
            c.k
        )?;
        let rows: Vec<Vec<String>> = list
            .iter()
            .map(|s| {
                vec![
                    snap.user_id(s.user).to_string(),
                    s.rank_here.to_string(),
                    s.rank_there.to_string(),
                    snap.followers(s.user).to_string(),
                ]
            })
            .collect();
        table::print(
            out,
            &[
                "user",
                &format!("rank in {here}"),
                &format!("rank in {there}"),
                "followers",
            ],
            &rows,
            &[1, 2, 3],
        )?;
    }
    if let Some(path) = &a.csv {
        marketrank::atomic::write_with(path, |w| {
            writeln!(
                w,
                "market_a,market_b,k,jaccard_top_k,spearman,kendall_tau_top_k"
            )?;
            writeln!(
                w,
                "{na},{nb},{},{},{},{}",
                c.k, c.jaccard_top_k, c.spearman, c.kendall_tau_top_k
            )?;
            writeln!(w, "\nspecialist_of,user,rank_here,rank_there,followers")?;
            for (here, list) in [(na, &c.specialists_a), (nb, &c.specialists_b)] {
                for s in list {
                    let id = marketrank::export::csv_field(snap.user_id(s.user));
                    writeln!(
                        w,
                        "{here},{id},{},{},{}",
                        s.rank_here,
                        s.rank_there,
                        snap.followers(s.user)
                    )?;
                }
            }
            Ok(())
        })
        .with_context(|| format!("could not write {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}
