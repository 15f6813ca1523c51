//! The topic-file reader on arbitrary bytes.
#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use marketrank::input::{read_pairs, BadLines, Rejects};

fuzz_target!(|data: &[u8]| {
    let (mode, body) = data.split_first().unwrap_or((&0, &[]));
    let path = common::scratch(if mode & 1 == 0 { "t.tsv" } else { "t.csv" }, body);
    let skip = mode & 2 != 0;
    let mut rejects = skip.then(|| Rejects::create(&path.with_extension("rejects")).unwrap());
    let bad = if skip { BadLines::Skip } else { BadLines::Fail };
    let mut n = 0u64;
    if let Ok(stats) = read_pairs(&path, ("user", "topic"), bad, rejects.as_mut(), |p| {
        assert!(!p.first.is_empty() && !p.second.is_empty());
        assert!(p.weight > 0.0 && p.weight.is_finite());
        n += 1;
    }) {
        assert!(stats.lines >= n);
        assert_eq!(rejects.as_ref().map_or(0, |r| r.count()), stats.skipped_total());
    }
});
