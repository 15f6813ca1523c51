//! # marketrank
//!
//! Relative influence: who matters *inside one market*, not who merely has
//! the most followers. marketrank computes topic-personalized PageRank over
//! a follower graph for every market at once and writes the scores to a
//! [`Snapshot`] that other programs memory-map.
//!
//! ```
//! use marketrank::{rank, GraphBuilder, RankConfig, TopicTeleport, TopicsBuilder};
//! // alice, bob and carol follow dana; dana follows alice. bob and dana are in fashion.
//! let mut g = GraphBuilder::new();
//! for (a, b) in [(0, 3), (1, 3), (2, 3), (3, 0)] {
//!     g.add_follow(a, b, 1.0);
//! }
//! let (graph, _) = g.build(4);
//! let mut t = TopicsBuilder::new();
//! t.add_tag(1, "fashion", 1.0);
//! t.add_tag(3, "fashion", 1.0);
//! let tags = t.build(4);
//! let teleport = TopicTeleport::from_tags(&tags, 4);
//! let result = rank(&graph, &teleport, &RankConfig::default());
//! let fashion = result.market_index("fashion").unwrap();
//! assert!(result.score(3, fashion) > result.score(2, fashion));
//! ```
#![deny(missing_docs)]

// The core, always built: what a program needs to read follows, rank
// them and open, query or export a snapshot.
pub mod export;
pub mod graph;
pub mod input;
pub mod job;
pub mod query;
pub mod rank;
pub mod snapshot;
pub mod store;
pub mod synth;

// One Cargo feature each (see Cargo.toml): they bring their own crates.
#[cfg(feature = "cluster")]
pub mod cluster;
#[cfg(feature = "crm")]
pub mod crm;
#[cfg(feature = "postgres")]
pub mod publish;
#[cfg(feature = "report")]
pub mod report;
#[cfg(feature = "serve")]
pub mod serve;

// Stable paths of modules that moved into folders (issue 17): programs
// written against `marketrank::diff` and the like keep compiling.
#[cfg(feature = "crm")]
pub use crm::{enrich, triage};
pub use input::{error, graph_cache, load};
pub use job::{memory, schedule};
pub use query::{compare, diff, explain, standing};
pub use store::atomic;
pub use synth::quality;

pub use error::InputError;
pub use graph::{FollowerGraph, GraphBuilder, TopicTags, TopicsBuilder, UserIds};
pub use load::{load_tagged_graph, LoadReport, TaggedGraph};
pub use rank::{
    rank, MarketConvergence, Method, Precision, RankConfig, RankResult, TeleportMode,
    TopicTeleport, TrustConfig, Walk, GLOBAL_MARKET,
};
pub use snapshot::{Snapshot, SnapshotError};
