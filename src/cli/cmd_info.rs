//! `marketrank info`: what a snapshot holds, in plain words or as JSON.

use super::args::InfoArgs;
use super::table::printable;
use marketrank::rank::human_bytes;
use std::io::Write;

pub fn run(a: InfoArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let snap = super::open_snapshot(&a.snapshot)?;
    if a.check {
        snap.check_consistency()?;
        eprintln!(
            "{}: consistent (every section in range, id index sorted, every market order ranks its scores)",
            a.snapshot.display()
        );
    }
    let m = snap.metadata();
    if a.json {
        let iterations: serde_json::Map<String, serde_json::Value> = m
            .markets
            .iter()
            .map(|mk| (mk.name.clone(), mk.iterations.into()))
            .collect();
        let doc = serde_json::json!({
            "snapshot_id": snap.content_id(),
            "format_version": m.format_version,
            "tool_version": m.tool_version,
            "users": m.users,
            "edges": m.edges,
            "markets": m.markets.iter().map(|mk| mk.name.clone()).collect::<Vec<_>>(),
            "parameters": m.parameters,
            "created": m.created,
            "parent": m.parent,
            "iterations": iterations,
            "converged": m.markets.iter().all(|mk| mk.converged),
            "inputs": m.inputs,
            "trust": m.trust,
            "young_restart_share": m.trust.as_ref().map(|_| m.markets.iter().map(|mk| (mk.name.clone(), serde_json::json!(mk.young_restart_share))).collect::<serde_json::Map<String, serde_json::Value>>()),
            "file_bytes": std::fs::metadata(&a.snapshot)?.len(),
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        return Ok(());
    }
    let p = &m.parameters;
    writeln!(
        out,
        "{}: marketrank snapshot, format version {}, written by marketrank {} at {}",
        printable(&a.snapshot.display().to_string()),
        m.format_version,
        printable(&m.tool_version),
        printable(&m.created)
    )?;
    // The id `serve` answers with and exports carry: the same on every
    // copy of the file (issue 19).
    writeln!(out, "  snapshot id {}", snap.content_id())?;
    writeln!(
        out,
        "  {} users, {} follows, {} markets, {}",
        m.users,
        m.edges,
        m.markets.len(),
        human_bytes(std::fs::metadata(&a.snapshot)?.len())
    )?;
    writeln!(
        out,
        "  walk {}{}, teleport {}, damping {}, tolerance {:e}, at most {} iterations, {} scores",
        p.walk,
        p.topic_bias
            .map(|e| format!(" (ε = {e})"))
            .unwrap_or_default(),
        p.teleport,
        p.damping,
        p.tolerance,
        p.max_iterations,
        p.precision
    )?;
    for i in &m.inputs {
        writeln!(
            out,
            "  input {}: {} ({} bytes, {} lines, {} skipped{})",
            i.role,
            printable(&i.path),
            i.bytes,
            i.lines,
            i.skipped_lines,
            i.read.as_ref().map(how_read).unwrap_or_default()
        )?;
    }
    if let Some(parent) = &m.parent {
        let id = m
            .parent_snapshot_id
            .as_ref()
            .map(|id| format!(", snapshot {}", printable(id)))
            .unwrap_or_default();
        writeln!(out, "  continued from {}{id}", printable(parent))?;
    }
    if let Some(t) = &m.trust {
        let c = &t.counts;
        writeln!(
            out,
            "  accounts {} (as of {}, probation {} days, {} trust steps{}): {} users with history, {} without; {} in the file but not in the graph",
            t.accounts,
            printable(&t.as_of),
            t.probation_days,
            t.steps,
            t.trusted.as_ref().map(|p| format!(", vetted seeds {}", printable(p))).unwrap_or_default(),
            c.known,
            c.unknown,
            t.accounts_not_in_graph
        )?;
        writeln!(
            out,
            "    {} in probation, {} suspended, {} restricted, {} verified; {} trust seeds, {} earning restart weight; {} follows out of the walk",
            c.probation, c.suspended, c.restricted, c.verified, c.seeds, c.earning, c.follows_out_of_walk
        )?;
    } else {
        writeln!(
            out,
            "  no account history (--accounts): graph-only defences, see README \"Hard to game\""
        )?;
    }
    writeln!(out)?;
    let rows: Vec<Vec<String>> = m
        .markets
        .iter()
        .map(|mk| {
            mk.convergence_cells()
                .into_iter()
                .chain(mk.young_restart_share.map(|s| format!("{:.1}%", 100.0 * s)))
                .collect()
        })
        .collect();
    let mut header = marketrank::snapshot::MarketMeta::CONVERGENCE_HEADER.to_vec();
    if m.trust.is_some() {
        header.push("restart on < 90 days");
    }
    super::table::print(out, &header, &rows, &[2, 3, 4, 6])?;
    Ok(())
}

/// How an input was read, for the human `info`: `; parquet, columns src,
/// dst` or `; text, gzip, comma, quoted, header skipped`.
fn how_read(r: &marketrank::snapshot::InputRead) -> String {
    use marketrank::input::read::FileKind;
    let mut parts = vec![match r.format {
        FileKind::Text => "text".to_string(),
        FileKind::Parquet => "parquet".to_string(),
    }];
    match r.compression {
        marketrank::input::Compression::None => {}
        marketrank::input::Compression::Gzip => parts.push("gzip".into()),
        marketrank::input::Compression::Zstd => parts.push("zstd".into()),
    }
    parts.extend(r.delimiter.clone());
    if r.quoted {
        parts.push("quoted".into());
    }
    if r.headers_skipped > 0 {
        parts.push("header skipped".into());
    }
    if !r.columns.is_empty() {
        parts.push(format!("columns {}", printable(&r.columns.join(","))));
    }
    format!("; {}", parts.join(", "))
}
