//! `marketrank ingest`: parse the text once, save the built graph.

use super::args::IngestArgs;
use marketrank::input::BadLines;
use marketrank::job::{capped_threads, load_with_rejects, thread_pool, GraphInput};
use marketrank::rank::human_bytes;
use std::time::Instant;

pub fn run(a: IngestArgs) -> anyhow::Result<()> {
    let bad = if a.skip_bad_lines {
        BadLines::Skip
    } else {
        BadLines::Fail
    };
    let mut obs = super::observe::Stderr::new(a.quiet);
    let pool = thread_pool(capped_threads(a.threads, &mut obs))?;
    let t0 = Instant::now();
    let files = a
        .input
        .graph_files(vec![a.edges.clone()], vec![a.topics.clone()])?;
    let (edges, topics) = files.expand()?;
    let inputs: Vec<&std::path::Path> = edges.iter().chain(&topics).map(|p| p.as_path()).collect();
    super::refuse_over_inputs([Some(a.out.as_path()), a.rejects.as_deref()], &inputs)?;
    let input = GraphInput::Text(files);
    let mut pending = marketrank::job::PendingOutputs::default();
    let (data, _) = pool.install(|| {
        load_with_rejects(
            &input,
            bad,
            None,
            a.rejects.as_deref(),
            &a.out,
            None,
            &mut pending,
        )
    })?;
    let load = t0.elapsed();
    marketrank::job::report_dropped(&data, &mut obs);
    let t1 = Instant::now();
    marketrank::input::graph_cache::write_graph_cache(&a.out, &data)?;
    pending.publish(&mut obs)?;
    if !a.quiet {
        eprintln!(
            "wrote {}: {} users, {} follows, {} topics ({}); parse+build {:.2?}{}, write {:.2?}; peak memory {}",
            a.out.display(),
            data.ids.len(),
            data.graph.edges(),
            data.tags.len(),
            human_bytes(std::fs::metadata(&a.out).map_or(0, |m| m.len())),
            load,
            match data.report.follows_spilled {
                0 => String::new(),
                n => format!(" ({n} follows spilled to disk by followee range)"),
            },
            t1.elapsed(),
            marketrank::job::memory::peak_rss_text(),
        );
    }
    Ok(())
}
