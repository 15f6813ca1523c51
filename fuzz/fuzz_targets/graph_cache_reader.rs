//! `read_graph_cache` on arbitrary bytes: an error or a consistent graph.
#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use marketrank::graph_cache::read_graph_cache;

fuzz_target!(|data: &[u8]| {
    let mut bytes = data.to_vec();
    common::fix_crcs(&mut bytes, b"MKTGRAPH");
    let path = common::scratch("g.mrg", &bytes);
    let Ok(g) = read_graph_cache(&path) else { return };
    let n = g.ids.len() as u32;
    for v in 0..n {
        assert!(g.graph.followers(v).iter().all(|&u| u < n));
        let _ = g.tags.of_user(v);
        let _ = g.ids.name(v);
    }
});
