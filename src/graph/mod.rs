//! The follower graph: external ids interned to dense integers, follows
//! stored as a compressed sparse row (CSR) of *incoming* edges, and the topic
//! tags of users.
//!
//! Builders ([`GraphBuilder`], [`FollowSpill`] for graphs whose follows do
//! not fit in memory as pairs, [`TopicsBuilder`]) are separate from the
//! immutable structures ([`FollowerGraph`], [`TopicTags`]) that the rank
//! kernels borrow.

mod builder;
mod csr;
mod history;
mod ids;
pub(crate) use ids::push_decimal;
mod scc;
mod spill;
mod topics;

pub use builder::{BuildStats, GraphBuilder};
pub use csr::FollowerGraph;
pub use history::{AccountHistory, AccountStatus};
pub use ids::{canonical_number, UserIds};
pub use scc::{strongly_connected, Components};
pub use spill::{FollowSpill, SpillOptions, RANGE_USERS};
pub use topics::{TopicTags, TopicsBuilder, UnknownTopic};

/// Dense user index, `0..users`. Ids are `u32`: more than 2³² − 1 users is an
/// error at load time, never a silent truncation.
pub type UserIndex = u32;
