//! Topic-personalized PageRank for all markets in one pass.
//!
//! For every market `t` with teleport vector `p_t` (summing to 1) and damping
//! `α`, the scores solve
//!
//! ```text
//! x_t = α · Pᵀ x_t + (1 − α + α · Σ_{u dangling} x_t[u]) · p_t
//! ```
//!
//! where `P[u][v] = w(u→v) / Σ_v' w(u→v')` spreads a user's score over the
//! accounts they follow, in proportion to the follow weight, and a *dangling*
//! user (one who follows nobody) sends its mass back along `p_t`. This is
//! NetworkX's `pagerank(G, alpha, personalization=p_t)` with its default
//! dangling handling, and PRPACK's.
//!
//! The power iteration stops per market once the L1 change between two
//! iterates is at most `tolerance` (or at `max_iterations`); the distance to
//! the fixed point is then at most `α/(1−α) · tolerance`. A market that has
//! converged is frozen (its column is copied, not updated), so each market's
//! result is what a separate run with the same stopping rule would give.
//!
//! Under the topic-biased walk (`Walk::TopicBiased { epsilon: ε }`) the
//! transition of market `c` favours followees in the market:
//!
//! ```text
//! P_c[u][v] = w(u→v) · (ε + a_c(v)) / Z_c(u),   Z_c(u) = ε · W(u) + Σ_v w(u→v) · a_c(v)
//! ```
//!
//! with `a_c(v)` the followee's affinity to the market and `W(u)` the
//! follower's out-weight; the same fixed-point equation holds with `P_c` in
//! place of `P`. [`walk`] is the one home of ε, the bias and `Z`.
//!
//! Why one pass: scores are a node-major `users × K` block, and one sweep
//! over the follows updates every market's column (the inner loop adds
//! K-wide rows), so the graph is streamed from memory once per iteration, not
//! K times.

mod block;
mod compose;
mod config;
mod extrapolate;
mod kernel;
mod layout;
mod pass;
mod real;
mod result;
mod teleport;
pub mod trust;
pub mod walk;

pub use compose::{append_markets, mix_coefficients, ComposeError, MarketMix};
pub use config::{
    human_bytes, InvalidParameter, MemoryEstimate, Method, Parameter, Precision, RankConfig,
    TeleportMode, Walk, WalkKind,
};
pub use kernel::{rank, rank_from, rank_observed, IterationReport};
#[cfg(feature = "cluster")]
pub(crate) use kernel::{rank_partition, Peers};
#[cfg(feature = "cluster")]
pub(crate) use layout::Layout;
#[cfg(feature = "cluster")]
pub(crate) use real::Real;
pub use result::{MarketConvergence, RankResult, ScoreBlock};
pub use teleport::{TopicTeleport, GLOBAL_MARKET};
pub use trust::{account_trust, walk_graph, AccountTrust, TrustConfig, TrustCounts};
