//! The follow-file reader on arbitrary bytes: either follows or an error
//! naming a line, never a panic. The bytes go through a file because the
//! reader's windows, chunking and gzip detection are part of what is tested.
#![no_main]

use libfuzzer_sys::fuzz_target;
use marketrank::input::{read_edges_parallel, BadLines};
use marketrank::UserIds;

fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir().join(format!("mr-fuzz-edges-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // First byte picks the mode and the separator; the rest is the file.
    let (mode, body) = data.split_first().unwrap_or((&0, &[]));
    let name = if mode & 1 == 0 { "e.tsv" } else { "e.csv" };
    let bad = if mode & 2 == 0 { BadLines::Fail } else { BadLines::Skip };
    let path = dir.join(name);
    std::fs::write(&path, body).unwrap();
    let mut ids = UserIds::new();
    if let Ok((cols, stats)) = read_edges_parallel(&path, &mut ids, bad, None) {
        assert_eq!(cols.src.len(), cols.dst.len());
        assert!(cols.weights.is_empty() || cols.weights.len() == cols.src.len());
        assert!(cols.src.iter().chain(&cols.dst).all(|&u| (u as usize) < ids.len()));
        assert!(cols.weights.iter().all(|w| *w > 0.0 && w.is_finite()));
        assert!(stats.lines >= cols.src.len() as u64);
    }
});
