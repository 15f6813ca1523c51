//! The walk's transition rule, in one place: the kernel iterates it, the
//! per-user tables ([`super::TopicTeleport`]) store its affinities, and
//! `explain` re-derives a score's parts from it. They used to agree by hand.
//!
//! Plain walk: a user `u` with score `x_u` sends `x_u · w(u→v) / W(u)` to each
//! followee `v`, `W(u)` its out-weight.
//!
//! Topic-biased walk (ε > 0), in market `c`: the follow `u→v` weighs
//! `w(u→v) · (ε + a_c(v))` — [`bias`] — where `a_c(v) ∈ [0, 1]` is `v`'s
//! affinity to the market ([`affinity`]), and `u` splits its score over
//! `Z_c(u) = Σ_v w(u→v) · (ε + a_c(v)) = ε · W(u) + Σ_v w(u→v) · a_c(v)` —
//! [`normaliser`]. Small ε keeps a walker inside the market; large ε tends
//! to the plain walk. The `_global` column always walks plain
//! ([`epsilons`]).
//!
//! How the kernel evaluates it without a per-follow multiply: a row stores
//! `x_u / Z_c(u)`, followee `v` gathers `g = Σ_u w(u→v) · x_u / Z_c(u)`, then
//! `α · (ε + a_c(v)) · g` is split as `α·ε·g` (the per-lane factor) plus
//! `α · a_c(v) · g` for the few markets `v` is tagged in.

use super::config::Walk;

/// Per market column, the ε the walk uses: 1 for every column of the plain
/// walk (so `bias` = 1 per follow and `Z` = out-weight) and for the global
/// column of the biased walk, `epsilon` for the other biased columns.
pub fn epsilons(walk: Walk, k: usize, is_global: impl Fn(usize) -> bool) -> Vec<f64> {
    match walk {
        Walk::Plain => vec![1.0; k],
        Walk::TopicBiased { epsilon } => (0..k)
            .map(|c| if is_global(c) { 1.0 } else { epsilon })
            .collect(),
    }
}

/// A tagged user's affinity to a topic: its tag weight relative to its
/// strongest tag, so every tagged user has affinity 1 to its main topic.
pub fn affinity(weight: f32, strongest: f32) -> f32 {
    weight / strongest
}

/// What a follow into a user of affinity `affinity` weighs, per unit of
/// follow weight, under ε `epsilon`.
pub fn bias(epsilon: f64, affinity: f64) -> f64 {
    epsilon + affinity
}

/// What a follower with out-weight `out_weight` splits its score over:
/// `ε · out_weight + affinity_sum`, where `affinity_sum` is the sum over its
/// follows of `weight × the followee's affinity`.
pub fn normaliser(epsilon: f64, out_weight: f64, affinity_sum: f64) -> f64 {
    epsilon * out_weight + affinity_sum
}
