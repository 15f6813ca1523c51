//! Property tests (proptest) over random small graphs: every market's
//! scores are a probability distribution, match the dense reference, and do
//! not depend on the order of the input lines or on the thread count.

use crate::common::{dense_pagerank, rank_small, tight};
use marketrank::{RankConfig, RankResult};
use proptest::prelude::*;

/// A random graph: users, weighted follows (self-follows and repeats
/// included on purpose), and tags in up to three topics.
fn graphs() -> impl Strategy<Value = (usize, Vec<(u32, u32, f32)>, Vec<(u32, u8)>)> {
    (2usize..24).prop_flat_map(|n| {
        let u = 0..n as u32;
        (
            Just(n),
            prop::collection::vec(
                (
                    u.clone(),
                    u.clone(),
                    prop::sample::select(vec![1.0f32, 0.5, 2.0, 3.0]),
                ),
                0..80,
            ),
            prop::collection::vec((u, 0u8..3), 1..12),
        )
    })
}

/// `rank_small` with the topics numbered `t0`, `t1`, ...
fn rank_lines(
    n: usize,
    follows: &[(u32, u32, f32)],
    tags: &[(u32, u8)],
    cfg: &RankConfig,
) -> RankResult {
    let names: Vec<(u32, String)> = tags.iter().map(|&(u, t)| (u, format!("t{t}"))).collect();
    let tags: Vec<(u32, &str)> = names.iter().map(|(u, t)| (*u, t.as_str())).collect();
    rank_small(n, follows, &tags, cfg)
}

fn bytes_of(r: &RankResult) -> Vec<u64> {
    (0..r.users())
        .flat_map(|u| (0..r.k()).map(move |c| (u, c)))
        .map(|(u, c)| r.score(u, c).to_bits())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn scores_are_distributions_matching_the_dense_reference((n, follows, tags) in graphs()) {
        let r = rank_lines(n, &follows, &tags, &tight());
        for (c, market) in r.markets.iter().enumerate() {
            let sum: f64 = (0..n).map(|u| r.score(u, c)).sum();
            prop_assert!((sum - 1.0).abs() < 1e-6, "{market} sums to {sum}");
            prop_assert!((0..n).all(|u| r.score(u, c) >= 0.0));
            let Some(t) = market.strip_prefix('t') else { continue };
            let members: std::collections::BTreeSet<u32> =
                tags.iter().filter(|x| x.1.to_string() == t).map(|x| x.0).collect();
            let tele: Vec<f64> = (0..n as u32)
                .map(|u| if members.contains(&u) { 1.0 / members.len() as f64 } else { 0.0 })
                .collect();
            let want = dense_pagerank(n, &follows, &tele, 0.85);
            for u in 0..n {
                prop_assert!((r.score(u, c) - want[u]).abs() < 1e-9, "{market} user {u}: {} vs {}", r.score(u, c), want[u]);
            }
        }
    }

    #[test]
    fn line_order_and_threads_do_not_change_a_bit((n, follows, tags) in graphs(), seed in any::<u64>()) {
        let cfg = RankConfig::default();
        let base = rank_lines(n, &follows, &tags, &cfg);
        // The same lines, shuffled.
        let mut shuffled = follows.clone();
        let mut tags2 = tags.clone();
        let mut s = seed | 1;
        for i in (1..shuffled.len()).rev() {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            shuffled.swap(i, (s % (i as u64 + 1)) as usize);
        }
        tags2.reverse();
        let again = rank_lines(n, &shuffled, &tags2, &cfg);
        prop_assert_eq!(bytes_of(&base), bytes_of(&again));
        for threads in [1, 3] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let r = pool.install(|| rank_lines(n, &follows, &tags, &cfg));
            prop_assert_eq!(bytes_of(&base), bytes_of(&r), "threads {}", threads);
        }
    }
}
