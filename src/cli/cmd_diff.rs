//! `marketrank diff`: risers, fallers, newcomers and departures of a market
//! between two snapshots.

use super::args::DiffArgs;
use super::table;
use anyhow::Context;
use marketrank::query::diff::{diff_market, RankChange};
use std::io::Write;

fn cells(c: &RankChange) -> Vec<String> {
    let opt = |v: Option<u64>| v.map_or("-".into(), |v| v.to_string());
    let sc = |v: Option<f64>| v.map_or("-".into(), table::score);
    vec![
        c.user.clone(),
        opt(c.old_rank),
        opt(c.new_rank),
        c.rank_delta().map_or("-".into(), |d| format!("{d:+}")),
        sc(c.old_score),
        sc(c.new_score),
    ]
}

pub fn run(a: DiffArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    super::refuse_over_inputs([a.csv.as_deref()], &[&a.old, &a.new])?;
    // `--csv -`: standard output carries the CSV alone, not the table too.
    let mut sink = std::io::sink();
    let out: &mut dyn Write = if a.csv.as_deref() == Some(std::path::Path::new("-")) {
        &mut sink
    } else {
        out
    };
    let old = super::open_snapshot(&a.old)?;
    let new = super::open_snapshot(&a.new)?;
    let d = diff_market(&old, &new, &a.market, a.k, a.limit)
        .map_err(|e| super::NotFound(e.to_string()))?;
    let header = [
        "user",
        "old rank",
        "new rank",
        "change",
        "old score",
        "new score",
    ];
    for (title, list) in [
        ("risers", &d.risers),
        ("fallers", &d.fallers),
        ("newcomers", &d.newcomers),
        ("departures", &d.departures),
    ] {
        writeln!(
            out,
            "{} {title} (within either top {}): {}",
            table::printable(&a.market),
            a.k,
            list.len()
        )?;
        if !list.is_empty() {
            table::print(
                out,
                &header,
                &list.iter().map(cells).collect::<Vec<_>>(),
                &[1, 2, 3, 4, 5],
            )?;
        }
        writeln!(out)?;
    }
    if let Some(path) = &a.csv {
        let opt = |v: Option<u64>| v.map_or(String::new(), |v| v.to_string());
        let sc = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v:e}"));
        marketrank::atomic::write_with(path, |w| {
            writeln!(
                w,
                "kind,user,old_rank,new_rank,rank_change,old_score,new_score"
            )?;
            for (kind, list) in [
                ("riser", &d.risers),
                ("faller", &d.fallers),
                ("newcomer", &d.newcomers),
                ("departure", &d.departures),
            ] {
                for c in list {
                    let delta = c.rank_delta().map_or(String::new(), |d| d.to_string());
                    let user = marketrank::export::csv_field(&c.user);
                    writeln!(
                        w,
                        "{kind},{user},{},{},{delta},{},{}",
                        opt(c.old_rank),
                        opt(c.new_rank),
                        sc(c.old_score),
                        sc(c.new_score)
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
