//! The `--markets` reader (`market<TAB>topic[<TAB>weight]`) on arbitrary
//! bytes, and the composition of what it read over a fixed ranked result:
//! mixes or an error naming a line (or a market), never a panic, and a
//! composed market is a probability distribution like the topics it mixes.
#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use marketrank::job::read_market_mixes;
use marketrank::rank::{append_markets, MarketConvergence, RankResult, ScoreBlock};

/// Three users ranked in `_global` and the topics `fashion` and `tech`
/// (each column sums to 1), with the restart masses a run records.
fn ranked() -> RankResult {
    let converged = |restart| MarketConvergence {
        iterations: 3,
        residual: 1e-9,
        converged: true,
        restart,
    };
    RankResult {
        markets: vec!["_global".into(), "fashion".into(), "tech".into()],
        // Node-major: row u holds user u's score in every market.
        scores: ScoreBlock::F64(vec![
            0.5, 0.7, 0.0, //
            0.3, 0.3, 0.1, //
            0.2, 0.0, 0.9,
        ]),
        convergence: vec![converged(0.15), converged(0.4), converged(1.0)],
        iterations: 3,
    }
}

fuzz_target!(|data: &[u8]| {
    // First byte: bit 0 picks `.csv` (comma) over `.tsv`; the rest is the
    // file. (The reader has no skip mode: a bad mix line always stops.)
    let (mode, body) = data.split_first().unwrap_or((&0, &[]));
    let path = common::scratch(if mode & 1 == 0 { "m.tsv" } else { "m.csv" }, body);
    let Ok(mixes) = read_market_mixes(Some(&path)) else {
        return;
    };
    for (i, m) in mixes.iter().enumerate() {
        assert!(!m.name.is_empty() && !m.parts.is_empty());
        assert!(mixes[..i].iter().all(|o| o.name != m.name), "one mix per name");
        for (topic, w) in &m.parts {
            assert!(!topic.is_empty());
            assert!(*w > 0.0 && w.is_finite(), "weight {w}");
        }
    }
    let base = ranked();
    let k = base.k();
    if let Ok(r) = append_markets(base, &mixes) {
        assert_eq!(r.k(), k + mixes.len());
        assert_eq!(r.convergence.len(), r.k());
        for c in k..r.k() {
            let col = r.column(c);
            assert!(col.iter().all(|s| s.is_finite() && *s >= 0.0), "{col:?}");
            let total: f64 = col.iter().sum();
            assert!((total - 1.0).abs() < 1e-9, "market {} sums to {total}", r.markets[c]);
        }
    }
});
