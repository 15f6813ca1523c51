//! The topic-file reader on arbitrary bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use marketrank::input::{read_pairs, BadLines};

fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir().join(format!("mr-fuzz-topics-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (mode, body) = data.split_first().unwrap_or((&0, &[]));
    let path = dir.join(if mode & 1 == 0 { "t.tsv" } else { "t.csv" });
    let bad = if mode & 2 == 0 { BadLines::Fail } else { BadLines::Skip };
    std::fs::write(&path, body).unwrap();
    let mut n = 0u64;
    if let Ok(stats) = read_pairs(&path, ("user", "topic"), bad, None, |p| {
        assert!(!p.first.is_empty() && !p.second.is_empty());
        assert!(p.weight > 0.0 && p.weight.is_finite());
        n += 1;
    }) {
        assert!(stats.lines >= n);
    }
});
