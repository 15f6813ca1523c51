//! The follow-file reader on arbitrary bytes: either follows or an error
//! naming a line, never a panic. The bytes go through a file because the
//! reader's windows, chunking and gzip detection are part of what is tested.
#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use marketrank::input::{read_edges_parallel, BadLines, Rejects};
use marketrank::UserIds;

fuzz_target!(|data: &[u8]| {
    // First byte: bit 0 picks `.csv` (comma) over `.tsv`, bit 1 skipping
    // bad lines (into a rejects file) over stopping; the rest is the file.
    let (mode, body) = data.split_first().unwrap_or((&0, &[]));
    let path = common::scratch(if mode & 1 == 0 { "e.tsv" } else { "e.csv" }, body);
    let skip = mode & 2 != 0;
    let mut rejects = skip.then(|| Rejects::create(&path.with_extension("rejects")).unwrap());
    let bad = if skip { BadLines::Skip } else { BadLines::Fail };
    let mut ids = UserIds::new();
    if let Ok((cols, stats)) = read_edges_parallel(&path, &mut ids, bad, rejects.as_mut()) {
        assert_eq!(cols.src.len(), cols.dst.len());
        assert!(cols.weights.is_empty() || cols.weights.len() == cols.src.len());
        assert!(cols.src.iter().chain(&cols.dst).all(|&u| (u as usize) < ids.len()));
        assert!(cols.weights.iter().all(|w| *w > 0.0 && w.is_finite()));
        assert!(stats.lines >= cols.src.len() as u64);
        assert_eq!(rejects.as_ref().map_or(0, |r| r.count()), stats.skipped_total(), "every skipped line is in the rejects file");
    }
});
