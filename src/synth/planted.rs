//! What [`generate`](super::generate()) returns: the graph itself
//! ([`Planted`]) and the record of what was planted in it ([`Truth`]),
//! kept apart from the generator so quality scoring and the attack layer
//! can depend on the shapes without the sampling code.

use super::PlantedConfig;
use serde::Serialize;
use std::collections::BTreeMap;

/// A planted celebrity.
#[derive(Clone, Debug, Serialize)]
pub struct Celebrity {
    /// User index.
    pub id: u32,
    /// The one topic it is tagged with.
    pub home_topic: String,
    /// Its follower count in the generated graph.
    pub followers: usize,
}

/// A planted follow farm.
#[derive(Clone, Debug, Serialize)]
pub struct Farm {
    /// `"simple"`, `"self_tagged"` or `"ring"`.
    pub kind: &'static str,
    /// The ordinary user the farm promotes.
    pub target: u32,
    /// The target's topic (also the fakes' tag for self-tagged and ring farms).
    pub topic: String,
    /// Number of fake accounts.
    pub accounts: usize,
    /// Fake account ids are `first_account..end_account` (half-open).
    pub first_account: u32,
    /// One past the last fake account id.
    pub end_account: u32,
    /// The target's follower count in the generated graph (fakes included).
    pub target_followers: usize,
}

/// What [`generate`](super::generate()) planted, for scoring a ranking (written as `truth.json`).
#[derive(Clone, Debug, Serialize)]
pub struct Truth {
    /// Topic names, by topic index.
    pub topics: Vec<String>,
    /// Organic accounts are ids `0..organic_users`; fakes follow.
    pub organic_users: usize,
    /// Number of edges generated.
    pub edges: usize,
    /// Expert ids per topic name.
    pub experts: BTreeMap<String, Vec<u32>>,
    /// Follower counts of the experts, same order as `experts`.
    pub expert_followers: BTreeMap<String, Vec<usize>>,
    /// Planted celebrities.
    pub celebrities: Vec<Celebrity>,
    /// Planted follow farms.
    pub farms: Vec<Farm>,
    /// The configuration that produced the graph.
    pub config: PlantedConfig,
}

/// A generated graph: follows `(follower, followee)` sorted and unique, no
/// self-follows; tags `(user, topic index)`.
#[derive(Clone, Debug)]
pub struct Planted {
    /// Number of accounts; ids are `0..users`.
    pub users: usize,
    /// `(follower, followee)`, sorted, unique, no self-follows.
    pub edges: Vec<(u32, u32)>,
    /// `(user, topic index)`, sorted by user.
    pub tags: Vec<(u32, u32)>,
    /// Topic names, by topic index.
    pub topic_names: Vec<String>,
    /// The planted ground truth.
    pub truth: Truth,
}
