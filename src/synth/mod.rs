//! Synthetic topic-tagged follower graphs with planted ground truth.
//!
//! [`generate`] builds a Chung–Lu-like organic graph (heavy-tailed
//! attractiveness, log-normal out-degree, topic homophily) and plants
//! structure a topic-personalized ranking should see through: per-topic
//! **experts**, globally followed **celebrities** with one home topic, and
//! three kinds of **follow farm** (untagged, self-tagged, ring). [`Truth`]
//! records what was planted. The same [`PlantedConfig`] always gives the same
//! bytes, whatever the thread count: every parallel chunk has its own
//! random stream derived from the seed and the chunk index.

mod attacks;
pub mod quality;

pub use attacks::{plant_attacks, Attack, AttackConfig, Attacked, HonestPlant};

use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

/// Power-law exponent of the attractiveness (in-degree) distribution.
const GAMMA: f64 = 2.3;
/// No organic user expects more followers than this share of all users.
const MAX_FOLLOWER_SHARE: f64 = 0.005;
/// Topic popularity ~ rank^-TOPIC_ZIPF.
const TOPIC_ZIPF: f64 = 0.5;
/// Log-normal sigma of the out-degree.
const OUT_SIGMA: f64 = 1.1;
/// Users per parallel chunk (and per random stream).
const CHUNK: usize = 1024;

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

/// Parameters of [`generate`]. `users` counts every account, fakes included.
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
}

impl Default for PlantedConfig {
    fn default() -> Self {
        Self::for_users(20_000)
    }
}

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

/// What [`generate`] planted, for scoring a ranking (written as `truth.json`).
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

/// xoshiro256++ seeded through SplitMix64: small, fast, reproducible.
struct Rng([u64; 4]);

impl Rng {
    fn new(seed: u64, stream: u64) -> Self {
        let mut x = seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03);
        let mut next = || {
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        Rng([next(), next(), next(), next()])
    }
    fn next_u64(&mut self) -> u64 {
        let s = &mut self.0;
        let r = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        r
    }
    /// Uniform in [0, 1).
    fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
    /// Uniform in 0..n (multiply-shift; bias is negligible here).
    fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() as u128 * n as u128) >> 64) as usize
    }
    fn range(&mut self, (lo, hi): (f64, f64)) -> f64 {
        lo + (hi - lo) * self.f64()
    }
    /// Standard normal (Box–Muller).
    fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.f64();
        let u2 = self.f64();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// Walker/Vose alias table: O(1) draws proportional to weight.
struct Alias {
    prob: Vec<f32>,
    alias: Vec<u32>,
}

impl Alias {
    fn new(w: impl Iterator<Item = f64>) -> Self {
        let mut p: Vec<f64> = w.collect();
        let n = p.len();
        let sum: f64 = p.iter().sum();
        p.iter_mut().for_each(|x| *x *= n as f64 / sum);
        let (mut small, mut large): (Vec<usize>, Vec<usize>) = (0..n).partition(|&i| p[i] < 1.0);
        let mut prob = vec![1f32; n];
        let mut alias: Vec<u32> = (0..n as u32).collect();
        while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
            small.pop();
            prob[s] = p[s] as f32;
            alias[s] = l as u32;
            p[l] += p[s] - 1.0;
            if p[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        Alias { prob, alias }
    }
    fn sample(&self, rng: &mut Rng) -> usize {
        let i = rng.below(self.prob.len());
        if rng.f64() < self.prob[i] as f64 {
            i
        } else {
            self.alias[i] as usize
        }
    }
}

fn mid((lo, hi): (f64, f64)) -> f64 {
    (lo + hi) / 2.0
}

/// The `q`-quantile of `v` (copied; `v` is left alone).
fn quantile(v: impl Iterator<Item = f64>, q: f64) -> f64 {
    let mut v: Vec<f64> = v.collect();
    let i = ((v.len() as f64 - 1.0) * q) as usize;
    *v.select_nth_unstable_by(i, f64::total_cmp).1
}

/// Role of an organic user; only ordinary users may be planted.
const ORDINARY: u8 = 0;
const TAKEN: u8 = 1;

/// Picks an ordinary member of `members` with attractiveness at most the
/// `q`-quantile of the topic, marks it taken.
fn pick_low(
    rng: &mut Rng,
    members: &[u32],
    w: &[f64],
    role: &mut [u8],
    q: f64,
    n: usize,
) -> Vec<u32> {
    let bound = quantile(members.iter().map(|&u| w[u as usize]), q);
    let mut cand: Vec<u32> = members
        .iter()
        .copied()
        .filter(|&u| role[u as usize] == ORDINARY && w[u as usize] <= bound)
        .collect();
    let n = n.min(cand.len());
    for i in 0..n {
        let j = i + rng.below(cand.len() - i);
        cand.swap(i, j);
        role[cand[i] as usize] = TAKEN;
    }
    cand.truncate(n);
    cand
}

/// Generates a planted graph. Panics if the configuration cannot be met
/// (more fakes than users, or a topic too small to host its experts).
pub fn generate(cfg: &PlantedConfig) -> Planted {
    let k = cfg.topics.max(1);
    let n_fake = cfg.farm_accounts + cfg.tagged_farm_accounts + cfg.ring_accounts;
    assert!(n_fake + 100 <= cfg.users, "need at least 100 organic users");
    let n_org = cfg.users - n_fake;
    let names: Vec<String> = (0..k).map(topic_name).collect();
    let mut rng = Rng::new(cfg.seed, 0);

    // 1. topics: 1-3 distinct per organic user, Zipf-like popularity.
    let mut cum = Vec::with_capacity(k);
    let mut acc = 0.0;
    for r in 1..=k {
        acc += (r as f64).powf(-TOPIC_ZIPF);
        cum.push(acc);
    }
    let mut utop = vec![[0u32; 3]; n_org];
    let mut ntop = vec![0u8; n_org];
    for u in 0..n_org {
        let r = rng.f64();
        let want = (if r < 0.55 {
            1
        } else if r < 0.85 {
            2
        } else {
            3
        })
        .min(k);
        let (mut c, mut tries) = (0, 0);
        while c < want && tries < 50 {
            let x = rng.f64() * acc;
            let t = cum.partition_point(|&v| v <= x).min(k - 1) as u32;
            if !utop[u][..c].contains(&t) {
                utop[u][c] = t;
                c += 1;
            }
            tries += 1;
        }
        ntop[u] = c as u8;
    }

    // 2. attractiveness: Pareto tail, capped; the cap depends on the sum (fixed point).
    let mut w: Vec<f64> = (0..n_org)
        .map(|_| (1.0 - rng.f64()).powf(-1.0 / (GAMMA - 1.0)))
        .collect();
    let e_total = cfg.users as f64 * cfg.avg_degree;
    for _ in 0..3 {
        let cap = MAX_FOLLOWER_SHARE * cfg.users as f64 * w.iter().sum::<f64>() / e_total.max(1.0);
        w.iter_mut().for_each(|x| *x = x.min(cap.max(1.0)));
    }

    // 3. celebrities first: retagging them to one home topic changes membership.
    let mut role = vec![ORDINARY; n_org];
    let mut celebs = Vec::new(); // (id, home, p_all, p_home)
    while celebs.len() < cfg.celebrities.min(n_org / 2) {
        let c = rng.below(n_org);
        if role[c] == ORDINARY {
            role[c] = TAKEN;
            ntop[c] = 1;
            let (pa, ph) = (
                rng.range(cfg.celebrity_share),
                rng.range(cfg.celebrity_home_share),
            );
            celebs.push((c as u32, utop[c][0], pa, ph));
        }
    }
    let mut members: Vec<Vec<u32>> = vec![Vec::new(); k];
    for u in 0..n_org {
        for &t in &utop[u][..ntop[u] as usize] {
            members[t as usize].push(u as u32);
        }
    }
    for (t, m) in members.iter().enumerate() {
        assert!(
            m.len() >= 4 * cfg.experts_per_topic + 4,
            "topic {} has only {} members; use more users or fewer topics",
            names[t],
            m.len()
        );
    }

    // Experts: below-median attractiveness, so only the planted follows make them stand out.
    let mut experts: Vec<Vec<(u32, f64)>> = Vec::with_capacity(k);
    for m in &members {
        let ex = pick_low(&mut rng, m, &w, &mut role, 0.5, cfg.experts_per_topic);
        experts.push(
            ex.into_iter()
                .map(|e| (e, rng.range(cfg.expert_share)))
                .collect(),
        );
    }
    // Farm targets: bottom-quartile attractiveness, i.e. few organic followers.
    let farm_topic = |i: usize| i % k;
    let farm_specs = [
        ("simple", cfg.farm_accounts, farm_topic(1)),
        ("self_tagged", cfg.tagged_farm_accounts, farm_topic(2)),
        ("ring", cfg.ring_accounts, farm_topic(3)),
    ];
    let targets: Vec<u32> = farm_specs
        .iter()
        .map(|&(_, _, t)| pick_low(&mut rng, &members[t], &w, &mut role, 0.25, 1)[0])
        .collect();

    // 4. out-degrees: log-normal, scaled so organic + planted ≈ users × avg_degree.
    let planted_guess: f64 = members
        .iter()
        .zip(&experts)
        .map(|(m, ex)| ex.len() as f64 * mid(cfg.expert_share) * m.len() as f64)
        .sum::<f64>()
        + celebs
            .iter()
            .map(|&(_, h, pa, ph)| pa * n_org as f64 + ph * members[h as usize].len() as f64)
            .sum::<f64>()
        + (cfg.farm_accounts + cfg.tagged_farm_accounts) as f64
        + (cfg.ring_accounts * (cfg.ring_degree + 1)) as f64;
    let e_org = (e_total - planted_guess).max(0.0);
    let max_od = (n_org / 20).clamp(1, 5000) as f64;
    let mut od: Vec<f64> = (0..n_org)
        .map(|_| {
            let d = (OUT_SIGMA * rng.normal()).exp();
            if rng.f64() < cfg.dangling {
                0.0
            } else {
                d
            }
        })
        .collect();
    for _ in 0..2 {
        // second pass spreads the mass the cap cut off over the others
        let s: f64 = od.iter().sum();
        od.iter_mut()
            .for_each(|d| *d = (*d * e_org / s.max(1e-300)).min(max_od));
    }
    let od: Vec<u32> = od
        .iter()
        .map(|&d| {
            if d == 0.0 {
                0
            } else {
                (d + rng.f64()).floor() as u32
            }
        })
        .collect();

    // 5. organic + planted follows, one random stream per chunk of followers.
    let global = Alias::new(w.iter().copied());
    let topic_alias: Vec<Alias> = members
        .iter()
        .map(|m| Alias::new(m.iter().map(|&u| w[u as usize])))
        .collect();
    let chunks: Vec<Vec<(u32, u32)>> = (0..n_org.div_ceil(CHUNK))
        .into_par_iter()
        .map(|ci| {
            let mut rng = Rng::new(cfg.seed, 1 + ci as u64);
            let mut out = Vec::new();
            let mut buf: Vec<u32> = Vec::new();
            for u in ci * CHUNK..((ci + 1) * CHUNK).min(n_org) {
                let d = od[u] as usize;
                if d == 0 {
                    continue; // dangling: follows nobody, planted follows included
                }
                let ts = &utop[u][..ntop[u] as usize];
                buf.clear();
                // Redraw duplicates a few rounds so out-degrees survive dedupe.
                for _round in 0..4 {
                    for _ in buf.len()..d {
                        let v = if !ts.is_empty() && rng.f64() < cfg.homophily {
                            let t = ts[rng.below(ts.len())] as usize;
                            members[t][topic_alias[t].sample(&mut rng)]
                        } else {
                            global.sample(&mut rng) as u32
                        };
                        if v as usize != u {
                            buf.push(v);
                        }
                    }
                    buf.sort_unstable();
                    buf.dedup();
                    if buf.len() >= d {
                        break;
                    }
                }
                for &t in ts {
                    for &(e, p) in &experts[t as usize] {
                        if rng.f64() < p {
                            buf.push(e);
                        }
                    }
                }
                for &(c, home, pa, ph) in &celebs {
                    let p = if ts.contains(&home) {
                        1.0 - (1.0 - pa) * (1.0 - ph)
                    } else {
                        pa
                    };
                    if rng.f64() < p {
                        buf.push(c);
                    }
                }
                buf.sort_unstable();
                buf.dedup();
                out.extend(
                    buf.iter()
                        .filter(|&&v| v as usize != u)
                        .map(|&v| (u as u32, v)),
                );
            }
            out
        })
        .collect();
    let mut edges = Vec::with_capacity(chunks.iter().map(Vec::len).sum::<usize>() + n_fake * 2);
    chunks.into_iter().for_each(|c| edges.extend(c));

    let mut tags: Vec<(u32, u32)> = Vec::new();
    for u in 0..n_org {
        tags.extend(utop[u][..ntop[u] as usize].iter().map(|&t| (u as u32, t)));
    }

    // 6. fakes, appended in id order so edges stay sorted; nobody follows them from outside.
    let mut farms = Vec::new();
    let mut next_id = n_org as u32;
    let mut rng = Rng::new(cfg.seed, u64::MAX);
    for (&(kind, n, topic), &target) in farm_specs.iter().zip(&targets) {
        let first = next_id;
        for i in 0..n as u32 {
            let me = first + i;
            if kind != "simple" {
                tags.push((me, topic as u32));
            }
            edges.push((me, target));
            if kind == "ring" && n > 1 {
                let deg = cfg.ring_degree.clamp(1, n - 1);
                let mut fs = vec![first + (i + 1) % n as u32]; // the cycle keeps the ring strongly connected
                while fs.len() < deg {
                    let j = first + rng.below(n) as u32;
                    if j != me && !fs.contains(&j) {
                        fs.push(j);
                    }
                }
                fs.sort_unstable();
                edges.extend(fs.into_iter().map(|f| (me, f)));
            }
        }
        next_id += n as u32;
        farms.push(Farm {
            kind,
            target,
            topic: names[topic].clone(),
            accounts: n,
            first_account: first,
            end_account: next_id,
            target_followers: 0,
        });
    }

    // 7. truth, with follower counts of everything planted.
    let mut indeg = vec![0usize; cfg.users];
    edges.iter().for_each(|&(_, v)| indeg[v as usize] += 1);
    farms
        .iter_mut()
        .for_each(|f| f.target_followers = indeg[f.target as usize]);
    let truth = Truth {
        topics: names.clone(),
        organic_users: n_org,
        edges: edges.len(),
        experts: (0..k)
            .map(|t| (names[t].clone(), experts[t].iter().map(|e| e.0).collect()))
            .collect(),
        expert_followers: (0..k)
            .map(|t| {
                (
                    names[t].clone(),
                    experts[t].iter().map(|e| indeg[e.0 as usize]).collect(),
                )
            })
            .collect(),
        celebrities: celebs
            .iter()
            .map(|&(c, h, _, _)| Celebrity {
                id: c,
                home_topic: names[h as usize].clone(),
                followers: indeg[c as usize],
            })
            .collect(),
        farms,
        config: cfg.clone(),
    };
    Planted {
        users: cfg.users,
        edges,
        tags,
        topic_names: names,
        truth,
    }
}

pub(crate) fn push_u32(buf: &mut Vec<u8>, mut x: u32) {
    let mut tmp = [0u8; 10];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (x % 10) as u8;
        x /= 10;
        if x == 0 {
            break;
        }
    }
    buf.extend_from_slice(&tmp[i..]);
}

impl Planted {
    /// Writes `edges.tsv` (`follower<TAB>followee`), `topics.tsv`
    /// (`user<TAB>topic`) and `truth.json` into `dir`, creating it.
    pub fn write_dir(&self, dir: &Path) -> io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let mut buf = Vec::with_capacity(1 << 20);
        let mut f = std::fs::File::create(dir.join("edges.tsv"))?;
        for &(a, b) in &self.edges {
            push_u32(&mut buf, a);
            buf.push(b'\t');
            push_u32(&mut buf, b);
            buf.push(b'\n');
            if buf.len() >= 1 << 20 {
                f.write_all(&buf)?;
                buf.clear();
            }
        }
        f.write_all(&buf)?;
        buf.clear();
        let mut f = std::fs::File::create(dir.join("topics.tsv"))?;
        for &(u, t) in &self.tags {
            push_u32(&mut buf, u);
            buf.push(b'\t');
            buf.extend_from_slice(self.topic_names[t as usize].as_bytes());
            buf.push(b'\n');
        }
        f.write_all(&buf)?;
        let mut json = serde_json::to_vec_pretty(&self.truth).map_err(io::Error::other)?;
        json.push(b'\n');
        std::fs::write(dir.join("truth.json"), json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> PlantedConfig {
        PlantedConfig {
            users: 6000,
            topics: 6,
            ..PlantedConfig::for_users(6000)
        }
    }

    #[test]
    fn deterministic() {
        let (a, b) = (generate(&small()), generate(&small()));
        assert_eq!(a.edges, b.edges);
        assert_eq!(a.tags, b.tags);
        assert_eq!(
            serde_json::to_string(&a.truth).unwrap(),
            serde_json::to_string(&b.truth).unwrap()
        );
        let c = generate(&PlantedConfig { seed: 2, ..small() });
        assert_ne!(a.edges, c.edges);
    }

    #[test]
    fn simple_graph_and_degree() {
        let p = generate(&small());
        assert!(p.edges.windows(2).all(|w| w[0] < w[1]), "sorted and unique");
        assert!(p
            .edges
            .iter()
            .all(|&(a, b)| a != b && (b as usize) < p.users));
        let want = p.users as f64 * 15.0;
        assert!(
            (p.edges.len() as f64 - want).abs() < 0.15 * want,
            "{} edges",
            p.edges.len()
        );
    }

    #[test]
    fn planted_shapes() {
        let cfg = small();
        let p = generate(&cfg);
        let t = &p.truth;
        let tag_of = |u: u32| -> Vec<&str> {
            p.tags
                .iter()
                .filter(|x| x.0 == u)
                .map(|x| p.topic_names[x.1 as usize].as_str())
                .collect()
        };
        let n_org = t.organic_users as u32;
        // Nobody outside a farm follows its accounts.
        for &(a, b) in &p.edges {
            if b >= n_org {
                let f = t
                    .farms
                    .iter()
                    .find(|f| (f.first_account..f.end_account).contains(&b))
                    .unwrap();
                assert_eq!(f.kind, "ring");
                assert!((f.first_account..f.end_account).contains(&a));
            }
        }
        for f in &t.farms {
            assert!(f.target < n_org && tag_of(f.target).contains(&f.topic.as_str()));
            assert_eq!(f.accounts, 60);
            for me in f.first_account..f.end_account {
                let outs: Vec<u32> = p.edges.iter().filter(|e| e.0 == me).map(|e| e.1).collect();
                assert!(outs.contains(&f.target));
                match f.kind {
                    "simple" => assert!(outs.len() == 1 && tag_of(me).is_empty()),
                    "self_tagged" => assert!(outs.len() == 1 && tag_of(me) == [f.topic.as_str()]),
                    _ => {
                        assert_eq!(outs.len(), 1 + cfg.ring_degree);
                        assert_eq!(tag_of(me), [f.topic.as_str()]);
                    }
                }
            }
            // Few organic followers: fakes dominate the target's in-degree.
            assert!(f.target_followers >= f.accounts && f.target_followers < f.accounts + 40);
        }
        let topics: Vec<&str> = t.farms.iter().map(|f| f.topic.as_str()).collect();
        assert_eq!(topics, ["fashion", "sports", "music"]);
        // Ring strongly connected: every member reachable forwards and backwards from the first.
        let ring = t.farms.iter().find(|f| f.kind == "ring").unwrap();
        let inside: Vec<(u32, u32)> = p
            .edges
            .iter()
            .copied()
            .filter(|&(a, b)| a >= ring.first_account && b >= ring.first_account)
            .collect();
        for dir in [false, true] {
            let mut seen = vec![false; ring.accounts];
            let mut stack = vec![ring.first_account];
            seen[0] = true;
            while let Some(x) = stack.pop() {
                for &(a, b) in &inside {
                    let (from, to) = if dir { (b, a) } else { (a, b) };
                    if from == x && !seen[(to - ring.first_account) as usize] {
                        seen[(to - ring.first_account) as usize] = true;
                        stack.push(to);
                    }
                }
            }
            assert!(seen.iter().all(|&s| s));
        }
        // Celebrities carry exactly their home tag; experts carry their topic.
        for c in &t.celebrities {
            assert_eq!(tag_of(c.id), [c.home_topic.as_str()]);
            assert!(c.followers as f64 > 0.02 * t.organic_users as f64);
        }
        for (topic, ex) in &t.experts {
            assert_eq!(ex.len(), 5);
            for (&e, &nf) in ex.iter().zip(&t.expert_followers[topic]) {
                assert!(tag_of(e).contains(&topic.as_str()));
                assert!(nf > 50, "expert {e} of {topic} has {nf} followers");
            }
        }
    }
}
