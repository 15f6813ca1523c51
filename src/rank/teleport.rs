//! Where each market's random walk restarts, and how strongly each user
//! belongs to each market.

use super::config::TeleportMode;
use crate::graph::{strongly_connected, FollowerGraph, TopicTags};

/// Users someone vouches for: followed by at least one account that is
/// outside every closed group and is itself followed by someone. The
/// second condition stops the two-layer farm: untagged fakes that nobody
/// follows cannot vouch for the tagged fakes they follow.
fn vouched(graph: &FollowerGraph) -> Vec<f32> {
    let comps = strongly_connected(graph);
    (0..graph.users() as u32)
        .map(|u| {
            let any = graph
                .followers(u)
                .iter()
                .any(|&f| !comps.in_closed_group(f) && graph.follower_count(f) > 0);
            f32::from(u8::from(any))
        })
        .collect()
}

/// Name of the absolute-influence market: ordinary PageRank, uniform
/// teleport over all users.
pub const GLOBAL_MARKET: &str = "_global";

/// Teleport vectors and topic affinities of all markets (score columns),
/// stored by user so the kernel reads them in the sweep that writes a row.
///
/// Column `c`'s teleport probability at user `u` is `base[c]` plus the `prob`
/// of an entry `(c, prob)` in `u`'s list; every column sums to 1. Column 0
/// is [`GLOBAL_MARKET`] (uniform), column `t + 1` is topic `t` (or column `t`
/// when built without the global column).
#[derive(Debug, Clone)]
pub struct TopicTeleport {
    pub(crate) markets: Vec<String>,
    pub(crate) base: Vec<f64>,
    pub(crate) offsets: Vec<u64>,
    pub(crate) entries: Vec<(u32, f64)>,
    /// Per user `(column, affinity in (0, 1])`, same offsets as `entries`.
    pub(crate) affinity: Vec<(u32, f32)>,
    pub(crate) aff_offsets: Vec<u64>,
    pub(crate) seeds: Vec<u64>,
    pub(crate) fallback: Vec<bool>,
    pub(crate) global: bool,
}

impl TopicTeleport {
    /// Teleport over tagged users in proportion to tag weight.
    pub fn from_tags(tags: &TopicTags, users: usize) -> TopicTeleport {
        Self::build(tags, users, None, true)
    }

    /// *Earned* teleport: a tagged user restarts walks only if at least one
    /// account vouches for them — follows them without being part of a
    /// closed group. A closed group is a strongly connected set of two or
    /// more accounts that nobody outside it follows (a ring farm). So:
    ///
    /// - accounts nobody follows (fresh fakes that tag themselves) carry no
    ///   teleport weight;
    /// - a ring of fakes that tag themselves and follow each other carries
    ///   none either: every follower they have is inside the ring;
    /// - a market in which nobody earned anything falls back to its plain
    ///   tags ([`fell_back`](Self::fell_back)).
    ///
    /// - a follower that nobody follows vouches for no one, so fakes
    ///   followed only by other, untagged fakes (a two-layer farm) earn
    ///   nothing.
    ///
    /// Limits: a ring that obtains one follow from outside is no longer
    /// closed, and a farm whose bottom layer is followed by anyone vouches
    /// again. Graph-only rules are gamed by a free follow; account history
    /// ([`TopicTeleport::with_trust`]) is the anchor that holds.
    pub fn earned(tags: &TopicTags, graph: &FollowerGraph) -> TopicTeleport {
        Self::build(tags, graph.users(), Some(&vouched(graph)), true)
    }

    /// Teleport weighted by earned trust (`--accounts`): user `u`'s restart
    /// weight in a topic is its tag weight × `trust.earned[u]`, normalised
    /// per topic (see [`crate::rank::trust`]).
    pub fn with_trust(
        tags: &TopicTags,
        users: usize,
        trust: &super::trust::AccountTrust,
        global: bool,
    ) -> TopicTeleport {
        Self::build_part(
            tags,
            users,
            users as u64,
            Some(&trust.earned),
            global,
            &mut |v| v,
        )
    }

    /// Teleport of either mode, with or without the [`GLOBAL_MARKET`]
    /// column (without it: topics only, for benchmarks against libraries
    /// that compute topic vectors alone).
    pub fn new(
        tags: &TopicTags,
        graph: &FollowerGraph,
        mode: TeleportMode,
        global: bool,
    ) -> TopicTeleport {
        match mode {
            TeleportMode::Tagged => Self::build(tags, graph.users(), None, global),
            TeleportMode::Earned => Self::build(tags, graph.users(), Some(&vouched(graph)), global),
        }
    }

    fn build(
        tags: &TopicTags,
        users: usize,
        vouched: Option<&[f32]>,
        global: bool,
    ) -> TopicTeleport {
        Self::build_part(tags, users, users as u64, vouched, global, &mut |v| v)
    }

    /// The teleport of a worker that holds `users` of `all_users` users
    /// (their tags in `tags`; `earned[u]` in [0, 1] scales `u`'s tag
    /// weights, `None` = all 1): the per-topic totals go through `sum`
    /// (over all workers; the identity for one process).
    pub(crate) fn build_part(
        tags: &TopicTags,
        users: usize,
        all_users: u64,
        earned: Option<&[f32]>,
        global: bool,
        sum: &mut dyn FnMut(Vec<f64>) -> Vec<f64>,
    ) -> TopicTeleport {
        let off = u32::from(global);
        let k = tags.len() + off as usize;
        let mut markets = Vec::with_capacity(k);
        if global {
            markets.push(GLOBAL_MARKET.to_string());
        }
        markets.extend(tags.names().iter().cloned());
        let mut base = vec![0.0; k];
        if global {
            base[0] = if all_users > 0 {
                1.0 / all_users as f64
            } else {
                0.0
            };
        }
        let factor = |u: u32| earned.map_or(1.0, |e| e[u as usize] as f64);
        // Totals of earned weight per topic; a topic with none falls back.
        let mut earned_total = vec![0f64; tags.len()];
        let mut earned_users = vec![0u64; tags.len()];
        for u in 0..users as u32 {
            let e = factor(u);
            if e > 0.0 {
                for &(t, w) in tags.of_user(u) {
                    earned_total[t as usize] += w as f64 * e;
                    earned_users[t as usize] += 1;
                }
            }
        }
        let nt = tags.len();
        let mut local = earned_total;
        local.extend(earned_users.iter().map(|&c| c as f64));
        local.extend((0..nt as u32).map(|t| tags.total_weight(t)));
        local.extend((0..nt as u32).map(|t| tags.tagged_users(t) as f64));
        let totals = sum(local);
        let earned_total = &totals[..nt];
        let earned_users: Vec<u64> = totals[nt..2 * nt].iter().map(|&c| c as u64).collect();
        let tag_total = &totals[2 * nt..3 * nt];
        let tagged_users: Vec<u64> = totals[3 * nt..].iter().map(|&c| c as u64).collect();
        let fallback_topic: Vec<bool> = earned_total.iter().map(|&t| t == 0.0).collect();
        let mut seeds = if global { vec![all_users] } else { Vec::new() };
        let mut fallback = if global { vec![false] } else { Vec::new() };
        for t in 0..tags.len() {
            fallback.push(fallback_topic[t]);
            seeds.push(if fallback_topic[t] {
                tagged_users[t]
            } else {
                earned_users[t]
            });
        }
        let mut offsets = Vec::with_capacity(users + 1);
        let mut entries = Vec::with_capacity(tags.tags());
        let mut aff_offsets = Vec::with_capacity(users + 1);
        let mut affinity = Vec::with_capacity(tags.tags());
        offsets.push(0);
        aff_offsets.push(0);
        for u in 0..users as u32 {
            let user_tags = tags.of_user(u);
            let strongest = user_tags.iter().map(|e| e.1).fold(0f32, f32::max);
            for &(t, w) in user_tags {
                let ti = t as usize;
                if fallback_topic[ti] {
                    entries.push((t + off, w as f64 / tag_total[ti]));
                } else if factor(u) > 0.0 {
                    entries.push((t + off, w as f64 * factor(u) / earned_total[ti]));
                }
                affinity.push((t + off, super::walk::affinity(w, strongest)));
            }
            offsets.push(entries.len() as u64);
            aff_offsets.push(affinity.len() as u64);
        }
        TopicTeleport {
            markets,
            base,
            offsets,
            entries,
            affinity,
            aff_offsets,
            seeds,
            fallback,
            global,
        }
    }

    /// True when column `c` is the uniform-teleport [`GLOBAL_MARKET`].
    pub fn is_global(&self, c: usize) -> bool {
        self.global && c == 0
    }

    /// Market (column) names.
    pub fn markets(&self) -> &[String] {
        &self.markets
    }

    /// Number of columns.
    pub fn len(&self) -> usize {
        self.markets.len()
    }

    /// True when there is no market at all.
    pub fn is_empty(&self) -> bool {
        self.markets.is_empty()
    }

    /// Users the teleport of column `c` restarts at.
    pub fn seed_users(&self, c: usize) -> u64 {
        self.seeds[c]
    }

    /// True when column `c` asked for earned teleport but nobody tagged
    /// there earned anything, so it uses its plain tags.
    pub fn fell_back(&self, c: usize) -> bool {
        self.fallback[c]
    }

    /// `(column, probability)` entries of user `u` beyond the uniform base.
    pub fn of_user(&self, u: u32) -> &[(u32, f64)] {
        let u = u as usize;
        &self.entries[self.offsets[u] as usize..self.offsets[u + 1] as usize]
    }

    /// `(column, affinity)` of user `u`: tag weight relative to the user's
    /// strongest tag.
    pub fn affinity_of(&self, u: u32) -> &[(u32, f32)] {
        let u = u as usize;
        &self.affinity[self.aff_offsets[u] as usize..self.aff_offsets[u + 1] as usize]
    }

    /// Teleport probability of user `u` in column `c`.
    pub fn prob(&self, u: u32, c: usize) -> f64 {
        self.base[c]
            + self
                .of_user(u)
                .iter()
                .filter(|e| e.0 as usize == c)
                .map(|e| e.1)
                .sum::<f64>()
    }
}
