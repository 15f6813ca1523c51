//! The next-cheapest attacks on a market's ranking, and the honest accounts
//! that look like them, planted on top of a [`generate`](super::generate())d
//! graph together with an account history (creation day, status).
//!
//! Each attack promotes one new, tagged target account. Fakes and targets
//! were created within the last 30 days; organic accounts and the genuine
//! community years ago; the genuine new expert 19 days ago.

use super::{push_u32, Planted, Rng};
use crate::graph::{AccountHistory, AccountStatus};
use serde::Serialize;
use std::io::{self, Write};
use std::path::Path;

/// Sizes of the planted attacks.
#[derive(Clone, Debug, Serialize)]
pub struct AttackConfig {
    /// Fake accounts of a ring (the 1,000 at 81k users).
    pub ring: usize,
    /// Real followers of the genuine new expert.
    pub new_expert_followers: usize,
    /// The day the history is written for (days since 1970-01-01).
    pub as_of_day: i32,
    /// Random seed of the attack layer.
    pub seed: u64,
}

impl AttackConfig {
    /// Sizes scaled with the graph: a ring of users/80 fakes (at least 50),
    /// a new expert with users·150/81,000 real followers (at least 30).
    pub fn for_users(users: usize, seed: u64) -> AttackConfig {
        AttackConfig {
            ring: (users / 80).max(50),
            new_expert_followers: (users * 150 / 81_000).max(30),
            as_of_day: 20_788, // 2026-12-01
            seed,
        }
    }
}

/// One planted attack.
#[derive(Clone, Debug, Serialize)]
pub struct Attack {
    /// `leaky_ring_1`, `leaky_ring_5`, `leaky_ring_20`, `follow_back_ring`,
    /// `one_follow_out_ring`, `two_layer_farm`, `camouflage_farm`,
    /// `compromised_real`.
    pub kind: String,
    /// The promoted account.
    pub target: u32,
    /// Its market.
    pub topic: String,
    /// Fake accounts `first..end` (half-open; empty for `compromised_real`).
    pub fakes: (u32, u32),
    /// True when no ranking can be expected to resist it from the graph
    /// (real, established accounts do the following).
    pub report_only: bool,
}

/// An honest account that looks like an attack target.
#[derive(Clone, Debug, Serialize)]
pub struct HonestPlant {
    /// `community_leader` or `new_expert`.
    pub kind: String,
    /// The account.
    pub user: u32,
    /// Its market.
    pub topic: String,
}

/// A planted graph with attacks, honest look-alikes and a history.
#[derive(Clone, Debug)]
pub struct Attacked {
    /// The graph (the base graph's edges and tags plus the planted ones).
    pub planted: Planted,
    /// The attacks.
    pub attacks: Vec<Attack>,
    /// The honest look-alikes.
    pub honest: Vec<HonestPlant>,
    /// Creation day and status of every account.
    pub history: AccountHistory,
    /// The sizes used.
    pub config: AttackConfig,
}

/// Builder state: new accounts are appended after the base graph's.
struct Layer<'a> {
    base: &'a Planted,
    rng: Rng,
    edges: Vec<(u32, u32)>,
    tags: Vec<(u32, u32)>,
    created: Vec<i32>,
    as_of: i32,
    members: Vec<Vec<u32>>,
    popular: Vec<u32>,
}

impl Layer<'_> {
    fn new_account(&mut self, age_days: (i32, i32), topic: Option<u32>) -> u32 {
        let id = self.created.len() as u32;
        let age = age_days.0 + self.rng.below((age_days.1 - age_days.0 + 1) as usize) as i32;
        self.created.push(self.as_of - age);
        if let Some(t) = topic {
            self.tags.push((id, t));
        }
        id
    }
    fn fakes(&mut self, n: usize, topic: Option<u32>) -> (u32, u32) {
        let first = self.created.len() as u32;
        for _ in 0..n {
            self.new_account((1, 29), topic);
        }
        (first, first + n as u32)
    }
    fn member(&mut self, t: u32) -> u32 {
        let m = &self.members[t as usize];
        m[self.rng.below(m.len())]
    }
    /// A ring: every fake follows the target, its successor and 9 others.
    fn ring(&mut self, (first, end): (u32, u32), target: u32) {
        let n = (end - first) as usize;
        for i in 0..n as u32 {
            let me = first + i;
            self.edges.push((me, target));
            self.edges.push((me, first + (i + 1) % n as u32));
            for _ in 0..9 {
                let j = first + self.rng.below(n) as u32;
                if j != me {
                    self.edges.push((me, j));
                }
            }
        }
    }
    fn random_fake(&mut self, (first, end): (u32, u32)) -> u32 {
        first + self.rng.below((end - first) as usize) as u32
    }
}

/// Plants the attacks and honest look-alikes of issue 16 on `base`.
///
/// (~200 lines: one block per attack, read top to bottom like the list in
/// QUALITY.md section C; each block is a few lines over the shared
/// `Layer` helpers, and splitting them into functions would only move
/// the random stream's order out of sight, which fixes every planted id.)
pub fn plant_attacks(base: &Planted, cfg: &AttackConfig) -> Attacked {
    let k = base.topic_names.len() as u32;
    let n_org = base.truth.organic_users;
    let mut members = vec![Vec::new(); k as usize];
    for &(u, t) in &base.tags {
        if (u as usize) < n_org {
            members[t as usize].push(u);
        }
    }
    let mut indeg = vec![0u32; base.users];
    base.edges.iter().for_each(|&(_, v)| indeg[v as usize] += 1);
    let mut popular: Vec<u32> = (0..n_org as u32).collect();
    popular.sort_unstable_by_key(|&u| (std::cmp::Reverse(indeg[u as usize]), u));
    popular.truncate(200);
    let mut rng = Rng::new(cfg.seed, 0xA77AC);
    // Organic accounts 1–10 years old; the base graph's farms are new.
    let created: Vec<i32> = (0..base.users)
        .map(|u| {
            let age = if u < n_org {
                365 + rng.below(3286) as i32
            } else {
                1 + rng.below(29) as i32
            };
            cfg.as_of_day - age
        })
        .collect();
    let mut l = Layer {
        base,
        rng,
        edges: base.edges.clone(),
        tags: base.tags.clone(),
        created,
        as_of: cfg.as_of_day,
        members,
        popular,
    };
    let r = cfg.ring;
    let mut attacks = Vec::new();
    let topic_of = |i: u32| (i + 1) % k;
    let mut add = |l: &mut Layer, kind: &str, topic: u32, target: u32, fakes: (u32, u32)| {
        attacks.push(Attack {
            kind: kind.into(),
            target,
            topic: l.base.topic_names[topic as usize].clone(),
            fakes,
            report_only: kind == "compromised_real",
        });
    };
    let mut i = 0u32;
    // Leaky rings: self-tagged fakes in a ring, with 1, 5 or 20 real follows in.
    for real_in in [1usize, 5, 20] {
        let t = topic_of(i);
        let target = l.new_account((1, 29), Some(t));
        let fakes = l.fakes(r, Some(t));
        l.ring(fakes, target);
        for _ in 0..real_in {
            let (real, fake) = (l.member(t), l.random_fake(fakes));
            l.edges.push((real, fake));
        }
        add(&mut l, &format!("leaky_ring_{real_in}"), t, target, fakes);
        i += 1;
    }
    // A ring whose target follows every fake back (one real follow in).
    let t = topic_of(i);
    let target = l.new_account((1, 29), Some(t));
    let fakes = l.fakes(r, Some(t));
    l.ring(fakes, target);
    l.edges.extend((fakes.0..fakes.1).map(|f| (target, f)));
    let (real, fake) = (l.member(t), l.random_fake(fakes));
    l.edges.push((real, fake));
    add(&mut l, "follow_back_ring", t, target, fakes);
    i += 1;
    // A ring with one follow out to a real, popular account.
    let t = topic_of(i);
    let target = l.new_account((1, 29), Some(t));
    let fakes = l.fakes(r, Some(t));
    l.ring(fakes, target);
    let out_to = l.popular[0];
    l.edges.push((fakes.0, out_to));
    add(&mut l, "one_follow_out_ring", t, target, fakes);
    i += 1;
    // Two layers: 3r untagged fakes follow 0.3r self-tagged fakes, which follow the target.
    let t = topic_of(i);
    let target = l.new_account((1, 29), Some(t));
    let tagged = l.fakes(r * 3 / 10, Some(t));
    let untagged = l.fakes(r * 3, None);
    for f in tagged.0..tagged.1 {
        l.edges.push((f, target));
    }
    for u in untagged.0..untagged.1 {
        for _ in 0..3 {
            let f = l.random_fake(tagged);
            l.edges.push((u, f));
        }
    }
    add(&mut l, "two_layer_farm", t, target, (tagged.0, untagged.1));
    i += 1;
    // Camouflage: 2r self-tagged fakes follow the target and 10–30 popular
    // real accounts; 10 real accounts follow ~10 fakes back.
    let t = topic_of(i);
    let target = l.new_account((1, 29), Some(t));
    let fakes = l.fakes(2 * r, Some(t));
    for f in fakes.0..fakes.1 {
        l.edges.push((f, target));
        let m = 10 + l.rng.below(21);
        for _ in 0..m {
            let p = l.popular[l.rng.below(l.popular.len())];
            l.edges.push((f, p));
        }
    }
    for _ in 0..10 {
        let real = l.member(t);
        for _ in 0..10 {
            let f = l.random_fake(fakes);
            l.edges.push((real, f));
        }
    }
    add(&mut l, "camouflage_farm", t, target, fakes);
    i += 1;
    // 50 compromised real accounts follow the target (report only).
    let t = topic_of(i);
    let target = l.new_account((1, 29), Some(t));
    for _ in 0..50 {
        let real = l.member(t);
        l.edges.push((real, target));
    }
    add(
        &mut l,
        "compromised_real",
        t,
        target,
        (target + 1, target + 1),
    );
    i += 1;
    // Honest: an established community (leader + 30 members who mostly
    // follow each other; 3 outsiders follow in).
    let mut honest = Vec::new();
    let t = topic_of(i);
    let leader = l.new_account((400, 2000), Some(t));
    let community: Vec<u32> = (0..30)
        .map(|_| l.new_account((400, 2000), Some(t)))
        .collect();
    for &m in &community {
        l.edges.push((m, leader));
        for &o in &community {
            if o != m && l.rng.f64() < 0.5 {
                l.edges.push((m, o));
            }
        }
        for _ in 0..3 {
            let o = l.member(t);
            l.edges.push((m, o));
        }
    }
    for _ in 0..3 {
        let outsider = l.member(t);
        l.edges.push((outsider, leader));
    }
    honest.push(HonestPlant {
        kind: "community_leader".into(),
        user: leader,
        topic: base.topic_names[t as usize].clone(),
    });
    i += 1;
    // Honest: a genuine expert who joined 19 days ago, followed by real
    // established users of the market.
    let t = topic_of(i);
    let expert = l.new_account((19, 19), Some(t));
    for _ in 0..cfg.new_expert_followers {
        let f = l.member(t);
        l.edges.push((f, expert));
    }
    for _ in 0..10 {
        let o = l.member(t);
        l.edges.push((expert, o));
    }
    honest.push(HonestPlant {
        kind: "new_expert".into(),
        user: expert,
        topic: base.topic_names[t as usize].clone(),
    });
    let users = l.created.len();
    let mut edges = l.edges;
    edges.retain(|&(a, b)| a != b);
    edges.sort_unstable();
    edges.dedup();
    let mut tags = l.tags;
    tags.sort_unstable();
    tags.dedup();
    let mut planted = base.clone();
    planted.users = users;
    planted.truth.edges = edges.len();
    planted.edges = edges;
    planted.tags = tags;
    let history = AccountHistory {
        created_day: l.created,
        status: vec![AccountStatus::Active; users],
    };
    Attacked {
        planted,
        attacks,
        honest,
        history,
        config: cfg.clone(),
    }
}

impl Attacked {
    /// Writes the graph (`edges.tsv`, `topics.tsv`, `truth.json`) and
    /// `accounts.tsv` (`user<TAB>created<TAB>status`) and `attacks.json`.
    pub fn write_dir(&self, dir: &Path) -> io::Result<()> {
        self.planted.write_dir(dir)?;
        let mut buf = Vec::with_capacity(1 << 20);
        buf.extend_from_slice(b"user\tcreated\tstatus\n");
        for (u, &d) in self.history.created_day.iter().enumerate() {
            push_u32(&mut buf, u as u32);
            buf.push(b'\t');
            buf.extend_from_slice(crate::input::utc_date(d).as_bytes());
            buf.extend_from_slice(b"\tactive\n");
        }
        std::fs::File::create(dir.join("accounts.tsv"))?.write_all(&buf)?;
        let json = serde_json::json!({ "attacks": self.attacks, "honest": self.honest, "config": self.config });
        let mut bytes = serde_json::to_vec_pretty(&json).map_err(io::Error::other)?;
        bytes.push(b'\n');
        std::fs::write(dir.join("attacks.json"), bytes)
    }
}
