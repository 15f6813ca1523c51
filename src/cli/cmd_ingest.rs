//! `marketrank ingest`: parse the text once, save the built graph.

use super::args::IngestArgs;
use anyhow::Context;
use marketrank::input::{BadLines, Rejects};
use marketrank::job::{peak_rss, thread_pool};
use marketrank::rank::human_bytes;
use std::time::Instant;

pub fn run(a: IngestArgs) -> anyhow::Result<()> {
    let bad = if a.skip_bad_lines {
        BadLines::Skip
    } else {
        BadLines::Fail
    };
    let pool = thread_pool(a.threads)?;
    let t0 = Instant::now();
    let mut rejects = if a.skip_bad_lines {
        let path = a
            .rejects
            .clone()
            .unwrap_or_else(|| marketrank::job::rejects_path_for(&a.out));
        Some(
            Rejects::create(&path)
                .with_context(|| format!("could not write {}", path.display()))?,
        )
    } else {
        None
    };
    let data = pool.install(|| {
        marketrank::load::load_tagged_graph_with(&a.edges, &a.topics, bad, None, rejects.as_mut())
    })?;
    let load = t0.elapsed();
    if let Some(r) = rejects {
        let path = r.path().to_path_buf();
        let (path, n) = r
            .finish()
            .with_context(|| format!("could not write {}", path.display()))?;
        if n > 0 {
            eprintln!("skipped lines written to {} ({n} lines)", path.display());
        }
    }
    marketrank::job::report_dropped(&data, &mut |s: &str| {
        if !a.quiet || s.starts_with("skipped") || s.starts_with("  ") {
            eprintln!("{s}")
        }
    });
    let t1 = Instant::now();
    marketrank::graph_cache::write_graph_cache(&a.out, &data)?;
    if !a.quiet {
        eprintln!(
            "wrote {}: {} users, {} follows, {} topics ({}); parse+build {:.2?}, write {:.2?}; peak memory {}",
            a.out.display(),
            data.ids.len(),
            data.graph.edges(),
            data.tags.len(),
            human_bytes(std::fs::metadata(&a.out).map_or(0, |m| m.len())),
            load,
            t1.elapsed(),
            peak_rss().map(human_bytes).unwrap_or_else(|| "unknown".into()),
        );
    }
    Ok(())
}
