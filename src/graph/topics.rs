//! Topic tags: which users belong to which topics, and how strongly.

use rustc_hash::FxHashMap;

/// Topic tags by user: for user `u`, `entries[offsets[u]..offsets[u+1]]` are
/// `(topic, weight)` pairs sorted by topic, one per topic, weight > 0.
///
/// Topics are numbered in name order (byte-wise), so the numbering does not
/// depend on the order of the input lines.
#[derive(Debug, Clone, Default)]
pub struct TopicTags {
    names: Vec<String>,
    offsets: Vec<u64>,
    entries: Vec<(u32, f32)>,
    totals: Vec<f64>,
    counts: Vec<u64>,
    duplicates: u64,
}

impl TopicTags {
    /// Repeated (user, topic) tags that were merged (the largest weight kept).
    pub fn duplicates_merged(&self) -> u64 {
        self.duplicates
    }

    /// Topic names, indexed by topic number.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Number of topics.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True when there are no topics.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Number of users the table covers.
    pub fn users(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// `(topic, weight)` tags of user `u`, sorted by topic.
    pub fn of_user(&self, u: u32) -> &[(u32, f32)] {
        let u = u as usize;
        if u + 1 >= self.offsets.len() {
            return &[];
        }
        &self.entries[self.offsets[u] as usize..self.offsets[u + 1] as usize]
    }

    /// The tag weight of user `u` in topic `t` (0 when untagged).
    pub fn weight(&self, u: u32, t: u32) -> f32 {
        let tags = self.of_user(u);
        match tags.binary_search_by_key(&t, |&(tt, _)| tt) {
            Ok(i) => tags[i].1,
            Err(_) => 0.0,
        }
    }

    /// Sum of tag weights in topic `t`.
    pub fn total_weight(&self, t: u32) -> f64 {
        self.totals[t as usize]
    }

    /// Number of distinct users tagged `t`.
    pub fn tagged_users(&self, t: u32) -> u64 {
        self.counts[t as usize]
    }

    /// Number of (user, topic) tags.
    pub fn tags(&self) -> usize {
        self.entries.len()
    }

    /// The raw table, for the graph cache: per-user offsets and
    /// `(topic, weight)` entries.
    pub(crate) fn parts(&self) -> (&[u64], &[(u32, f32)]) {
        (&self.offsets, &self.entries)
    }

    /// Rebuilds a table from [`parts`](Self::parts); `None` when the parts
    /// are inconsistent (offsets not ending at the entry count, topics out
    /// of range or unsorted within a user, weights not positive).
    pub(crate) fn from_parts(
        names: Vec<String>,
        offsets: Vec<u64>,
        entries: Vec<(u32, f32)>,
        duplicates: u64,
    ) -> Option<TopicTags> {
        let ok_offsets = offsets.first() == Some(&0)
            && offsets.last() == Some(&(entries.len() as u64))
            && offsets.windows(2).all(|w| w[0] <= w[1]);
        if !ok_offsets {
            return None;
        }
        let mut totals = vec![0f64; names.len()];
        let mut counts = vec![0u64; names.len()];
        for w in offsets.windows(2) {
            let user = &entries[w[0] as usize..w[1] as usize];
            if user.windows(2).any(|p| p[0].0 >= p[1].0) {
                return None;
            }
            for &(t, weight) in user {
                if t as usize >= names.len() || !(weight > 0.0 && weight.is_finite()) {
                    return None;
                }
                totals[t as usize] += weight as f64;
                counts[t as usize] += 1;
            }
        }
        Some(TopicTags {
            names,
            offsets,
            entries,
            totals,
            counts,
            duplicates,
        })
    }

    /// Only the topics in `keep` (renumbered in name order); users keep
    /// their index. Refused for a name this table does not have.
    pub fn restrict(&self, keep: &[String]) -> Result<TopicTags, UnknownTopic> {
        if let Some(missing) = keep.iter().find(|t| self.topic_index(t).is_none()) {
            return Err(UnknownTopic(missing.clone()));
        }
        let mut b = TopicsBuilder::new();
        for u in 0..self.users() as u32 {
            for &(t, w) in self.of_user(u) {
                let name = &self.names[t as usize];
                if keep.contains(name) {
                    b.add_tag(u, name, w);
                }
            }
        }
        let mut tags = b.build(self.users());
        tags.duplicates = self.duplicates;
        Ok(tags)
    }

    /// The topic number of a name.
    pub fn topic_index(&self, name: &str) -> Option<u32> {
        self.names.iter().position(|n| n == name).map(|i| i as u32)
    }
}

/// Collects `(user, topic, weight)` tags.
#[derive(Debug, Default)]
pub struct TopicsBuilder {
    topic_ids: FxHashMap<String, u32>,
    topic_names: Vec<String>,
    tags: Vec<(u32, u32, f32)>,
}

impl TopicsBuilder {
    /// An empty builder.
    pub fn new() -> TopicsBuilder {
        TopicsBuilder::default()
    }

    /// A builder that knows `names` from the start, so the built table has
    /// every one of them as a column (sorted by name) even if no tag here
    /// uses it: workers of a distributed run agree on topic columns.
    #[cfg_attr(not(feature = "cluster"), allow(dead_code))]
    pub(crate) fn with_topics(names: &[String]) -> TopicsBuilder {
        let mut b = TopicsBuilder::new();
        for n in names {
            b.topic_ids.insert(n.clone(), b.topic_names.len() as u32);
            b.topic_names.push(n.clone());
        }
        b
    }

    /// Adds a tag. `user` is a dense user index.
    pub fn add_tag(&mut self, user: u32, topic: &str, weight: f32) {
        let t = match self.topic_ids.get(topic) {
            Some(&t) => t,
            None => {
                let t = self.topic_names.len() as u32;
                self.topic_ids.insert(topic.to_string(), t);
                self.topic_names.push(topic.to_string());
                t
            }
        };
        self.tags.push((user, t, weight));
    }

    /// Builds the table for `users` users.
    pub fn build(mut self, users: usize) -> TopicTags {
        // Renumber topics by name.
        let mut order: Vec<u32> = (0..self.topic_names.len() as u32).collect();
        order.sort_by(|&a, &b| self.topic_names[a as usize].cmp(&self.topic_names[b as usize]));
        let mut renum = vec![0u32; order.len()];
        for (new, &old) in order.iter().enumerate() {
            renum[old as usize] = new as u32;
        }
        let names: Vec<String> = order
            .iter()
            .map(|&o| self.topic_names[o as usize].clone())
            .collect();
        for tag in &mut self.tags {
            tag.1 = renum[tag.1 as usize];
        }
        self.tags
            .sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)).then(b.2.total_cmp(&a.2)));
        let mut offsets = vec![0u64; users + 1];
        let mut entries = Vec::with_capacity(self.tags.len());
        let mut totals = vec![0f64; names.len()];
        let mut counts = vec![0u64; names.len()];
        let mut last = (u32::MAX, u32::MAX);
        let mut duplicates = 0;
        for &(u, t, w) in &self.tags {
            if (u, t) == last {
                duplicates += 1;
                continue;
            }
            last = (u, t);
            offsets[u as usize + 1] += 1;
            entries.push((t, w));
            totals[t as usize] += w as f64;
            counts[t as usize] += 1;
        }
        for i in 0..users {
            offsets[i + 1] += offsets[i];
        }
        TopicTags {
            names,
            offsets,
            entries,
            totals,
            counts,
            duplicates,
        }
    }
}

/// A topic asked for by name that the tags do not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("topic `{0}` is not in the topic file")]
pub struct UnknownTopic(pub String);
