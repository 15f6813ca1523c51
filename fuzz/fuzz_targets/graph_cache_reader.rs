//! `read_graph_cache` on arbitrary bytes: an error or a consistent graph.
#![no_main]

use libfuzzer_sys::fuzz_target;
use marketrank::graph_cache::read_graph_cache;

fn fix_crcs(b: &mut [u8]) {
    if b.len() < 64 || &b[0..8] != b"MKTGRAPH" {
        return;
    }
    let body = crc32fast::hash(&b[64..]);
    b[56..60].copy_from_slice(&body.to_le_bytes());
    let head = crc32fast::hash(&b[0..60]);
    b[60..64].copy_from_slice(&head.to_le_bytes());
}

fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir().join(format!("mr-fuzz-mrg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut bytes = data.to_vec();
    // The last byte (a reserved zero in real files) decides: even = fix the CRCs.
    if bytes.last().is_some_and(|b| b & 1 == 0) {
        fix_crcs(&mut bytes);
    }
    let path = dir.join("g.mrg");
    std::fs::write(&path, &bytes).unwrap();
    let Ok(g) = read_graph_cache(&path) else { return };
    let n = g.ids.len() as u32;
    for v in 0..n {
        assert!(g.graph.followers(v).iter().all(|&u| u < n));
        let _ = g.tags.of_user(v);
        let _ = g.ids.name(v);
    }
});
