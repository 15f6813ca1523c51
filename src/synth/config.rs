//! What a planted graph is asked to look like: [`PlantedConfig`], its
//! defaults, the topic names, and the checks that refuse a configuration the
//! generator cannot honour (rather than quietly planting less than asked).

use serde::Serialize;

const NAMES: [&str; 16] = [
    "tech",
    "fashion",
    "sports",
    "music",
    "politics",
    "gaming",
    "food",
    "travel",
    "finance",
    "science",
    "health",
    "art",
    "movies",
    "books",
    "crypto",
    "automotive",
];

/// Readable name of topic `i`: `tech`, `fashion`, ... then `t16`, `t17`, ...
pub fn topic_name(i: usize) -> String {
    NAMES
        .get(i)
        .map_or_else(|| format!("t{i}"), |s| s.to_string())
}

/// Parameters of [`generate`](super::generate()). `users` counts every
/// account, fakes included.
#[derive(Clone, Debug, Serialize)]
pub struct PlantedConfig {
    /// Total accounts (organic + all farm accounts).
    pub users: usize,
    /// Target mean out-degree over all accounts (planted follows included).
    pub avg_degree: f64,
    /// Number of topics.
    pub topics: usize,
    /// Seed of every random draw.
    pub seed: u64,
    /// Experts planted per topic.
    pub experts_per_topic: usize,
    /// (min, max) share of its topic's members that follow an expert.
    pub expert_share: (f64, f64),
    /// Number of celebrities.
    pub celebrities: usize,
    /// (min, max) share of all organic users that follow a celebrity.
    pub celebrity_share: (f64, f64),
    /// (min, max) extra share of home-topic members that follow a celebrity.
    pub celebrity_home_share: (f64, f64),
    /// Untagged fake accounts that each follow only the topic-1 farm target.
    pub farm_accounts: usize,
    /// Fake accounts tagged topic 2 that each follow only the topic-2 target.
    pub tagged_farm_accounts: usize,
    /// Fake accounts tagged topic 3 forming a ring around the topic-3 target.
    pub ring_accounts: usize,
    /// Ring members each ring account follows (the next one in the cycle included).
    pub ring_degree: usize,
    /// Share of organic follows that stay inside one of the follower's topics.
    pub homophily: f64,
    /// Share of organic users that follow nobody.
    pub dangling: f64,
}

impl PlantedConfig {
    /// Defaults with `users` accounts; each farm kind gets ~1 % of them.
    pub fn for_users(users: usize) -> Self {
        let one_pct = users / 100;
        PlantedConfig {
            users,
            avg_degree: 15.0,
            topics: 8,
            seed: 1,
            experts_per_topic: 5,
            expert_share: (0.15, 0.25),
            celebrities: 10,
            celebrity_share: (0.03, 0.06),
            celebrity_home_share: (0.3, 0.5),
            farm_accounts: one_pct,
            tagged_farm_accounts: one_pct,
            ring_accounts: one_pct,
            ring_degree: 5,
            homophily: 0.75,
            dangling: 0.02,
        }
    }

    /// Fake accounts of all three farm kinds together.
    pub(super) fn fake_accounts(&self) -> usize {
        self.farm_accounts + self.tagged_farm_accounts + self.ring_accounts
    }

    /// Organic accounts (ids `0..` this). Panics below 100: the organic
    /// graph is the background the planted structure must stand out from,
    /// and with fewer users there is no background to speak of.
    pub(super) fn organic_users(&self) -> usize {
        let n_fake = self.fake_accounts();
        assert!(
            n_fake + 100 <= self.users,
            "need at least 100 organic users"
        );
        self.users - n_fake
    }

    /// Edges the whole graph should have (`users × avg_degree`); organic
    /// follows fill whatever the planted ones leave of it.
    pub(super) fn target_edges(&self) -> f64 {
        self.users as f64 * self.avg_degree
    }

    /// Panics when a topic is too small for its experts: they are drawn
    /// from the lower half of the topic, and with too few members the
    /// "below median yet followed" property the scoring relies on breaks.
    pub(super) fn assert_topics_fit(&self, members: &[Vec<u32>], names: &[String]) {
        for (t, m) in members.iter().enumerate() {
            assert!(
                m.len() >= 4 * self.experts_per_topic + 4,
                "topic {} has only {} members; use more users or fewer topics",
                names[t],
                m.len()
            );
        }
    }
}

impl Default for PlantedConfig {
    fn default() -> Self {
        Self::for_users(20_000)
    }
}
