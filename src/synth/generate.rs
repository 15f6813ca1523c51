//! [`generate`], phase by phase. Each phase draws from the random stream
//! it is handed, in a fixed order: the phases run in the order `generate`
//! calls them, so reordering calls or draws inside one changes every byte
//! that follows. Stream 0 serves the sequential phases, streams `1..` the
//! parallel chunks of organic follows, stream `u64::MAX` the farms.

use super::rng::{Alias, Rng};
use super::{topic_name, Celebrity, Farm, Planted, PlantedConfig, Truth};
use rayon::prelude::*;

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

/// Role of an organic user; only ordinary users may be planted.
const ORDINARY: u8 = 0;
const TAKEN: u8 = 1;

/// Generates a planted graph. Panics if the configuration cannot be met
/// (more fakes than users, or a topic too small to host its experts).
pub fn generate(cfg: &PlantedConfig) -> Planted {
    let k = cfg.topics.max(1);
    let n_org = cfg.organic_users();
    let names: Vec<String> = (0..k).map(topic_name).collect();
    let mut rng = Rng::new(cfg.seed, 0);

    let mut topics = draw_topics(&mut rng, n_org, k);
    let w = draw_attractiveness(&mut rng, cfg, n_org);
    let mut role = vec![ORDINARY; n_org];
    let celebs = pick_celebrities(&mut rng, cfg, &mut topics, &mut role);
    let members = topic_members(&topics, k);
    cfg.assert_topics_fit(&members, &names);
    let experts = pick_experts(&mut rng, cfg, &members, &w, &mut role);
    let farm_specs = farm_specs(cfg, k);
    let targets: Vec<u32> = farm_specs
        .iter()
        .map(|s| pick_low(&mut rng, &members[s.topic], &w, &mut role, 0.25, 1)[0])
        .collect();
    let guess = planted_follows_guess(cfg, &members, &experts, &celebs);
    let od = draw_out_degrees(&mut rng, cfg, n_org, guess);

    let plan = FollowPlan {
        cfg,
        topics: &topics,
        members: &members,
        experts: &experts,
        celebs: &celebs,
        od: &od,
        global: Alias::new(w.iter().copied()),
        topic_alias: members
            .iter()
            .map(|m| Alias::new(m.iter().map(|&u| w[u as usize])))
            .collect(),
    };
    let mut edges = organic_follows(&plan, cfg.fake_accounts());
    let mut tags = organic_tags(&topics);
    let farms = plant_farms(
        cfg,
        &farm_specs,
        &targets,
        &names,
        n_org,
        &mut edges,
        &mut tags,
    );
    let truth = record_truth(cfg, &names, n_org, &edges, &experts, &celebs, farms);
    Planted {
        users: cfg.users,
        edges,
        tags,
        topic_names: names,
        truth,
    }
}

/// Up to three topics per organic user, stored inline (no `Vec` per user:
/// there are millions of users).
struct Topics {
    utop: Vec<[u32; 3]>,
    ntop: Vec<u8>,
}

impl Topics {
    /// The topics of organic user `u`.
    fn of(&self, u: usize) -> &[u32] {
        &self.utop[u][..self.ntop[u] as usize]
    }
}

/// Phase 1: 1-3 distinct topics per organic user, Zipf-like popularity,
/// so a few topics are big and most are niche, as on a real network.
fn draw_topics(rng: &mut Rng, n_org: usize, k: usize) -> Topics {
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
    Topics { utop, ntop }
}

/// Phase 2: attractiveness (expected share of in-follows) with a Pareto
/// tail, for the heavy-tailed follower counts real graphs have. Capped so
/// no organic user grows into an unplanted celebrity; the cap depends on
/// the sum, hence the short fixed-point loop.
fn draw_attractiveness(rng: &mut Rng, cfg: &PlantedConfig, n_org: usize) -> Vec<f64> {
    let mut w: Vec<f64> = (0..n_org)
        .map(|_| (1.0 - rng.f64()).powf(-1.0 / (GAMMA - 1.0)))
        .collect();
    let e_total = cfg.target_edges();
    for _ in 0..3 {
        let cap = MAX_FOLLOWER_SHARE * cfg.users as f64 * w.iter().sum::<f64>() / e_total.max(1.0);
        w.iter_mut().for_each(|x| *x = x.min(cap.max(1.0)));
    }
    w
}

/// A celebrity to plant: who, its one home topic, and the chances that any
/// organic user, and a home-topic member on top, follows it.
struct CelebPlan {
    id: u32,
    home: u32,
    p_all: f64,
    p_home: f64,
}

/// Phase 3a: celebrities. Chosen before topic membership is built, since
/// retagging a celebrity to its single home topic changes membership.
fn pick_celebrities(
    rng: &mut Rng,
    cfg: &PlantedConfig,
    topics: &mut Topics,
    role: &mut [u8],
) -> Vec<CelebPlan> {
    let n_org = role.len();
    let mut celebs = Vec::new();
    while celebs.len() < cfg.celebrities.min(n_org / 2) {
        let c = rng.below(n_org);
        if role[c] == ORDINARY {
            role[c] = TAKEN;
            topics.ntop[c] = 1;
            let (p_all, p_home) = (
                rng.range(cfg.celebrity_share),
                rng.range(cfg.celebrity_home_share),
            );
            celebs.push(CelebPlan {
                id: c as u32,
                home: topics.utop[c][0],
                p_all,
                p_home,
            });
        }
    }
    celebs
}

/// Organic members of each topic, in id order.
fn topic_members(topics: &Topics, k: usize) -> Vec<Vec<u32>> {
    let mut members: Vec<Vec<u32>> = vec![Vec::new(); k];
    for u in 0..topics.ntop.len() {
        for &t in topics.of(u) {
            members[t as usize].push(u as u32);
        }
    }
    members
}

/// Phase 3b: experts, each with the share of its topic that follows it.
/// Drawn from below-median attractiveness, so only the planted follows make
/// them stand out: a ranking that finds them has read the topic structure.
fn pick_experts(
    rng: &mut Rng,
    cfg: &PlantedConfig,
    members: &[Vec<u32>],
    w: &[f64],
    role: &mut [u8],
) -> Vec<Vec<(u32, f64)>> {
    let mut experts: Vec<Vec<(u32, f64)>> = Vec::with_capacity(members.len());
    for m in members {
        let ex = pick_low(rng, m, w, role, 0.5, cfg.experts_per_topic);
        experts.push(
            ex.into_iter()
                .map(|e| (e, rng.range(cfg.expert_share)))
                .collect(),
        );
    }
    experts
}

/// One follow farm to plant: its kind, how many fakes, the topic it targets.
struct FarmSpec {
    kind: &'static str,
    accounts: usize,
    topic: usize,
}

/// The three farm kinds, on topics 1, 2 and 3 (wrapping with few topics),
/// so each kind is scored in a topic of its own.
fn farm_specs(cfg: &PlantedConfig, k: usize) -> [FarmSpec; 3] {
    let spec = |kind, accounts, i: usize| FarmSpec {
        kind,
        accounts,
        topic: i % k,
    };
    [
        spec("simple", cfg.farm_accounts, 1),
        spec("self_tagged", cfg.tagged_farm_accounts, 2),
        spec("ring", cfg.ring_accounts, 3),
    ]
}

/// The `q`-quantile of `v` (copied; `v` is left alone).
fn quantile(v: impl Iterator<Item = f64>, q: f64) -> f64 {
    let mut v: Vec<f64> = v.collect();
    let i = ((v.len() as f64 - 1.0) * q) as usize;
    *v.select_nth_unstable_by(i, f64::total_cmp).1
}

/// Picks `n` ordinary members of `members` with attractiveness at most the
/// `q`-quantile of the topic (a partial Fisher–Yates shuffle), marks them
/// taken. Low attractiveness keeps planted accounts from being popular on
/// their own; farm targets use the bottom quartile, i.e. few organic
/// followers, so the fakes dominate their in-degree.
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

fn mid((lo, hi): (f64, f64)) -> f64 {
    (lo + hi) / 2.0
}

/// Expected number of planted follows (experts, celebrities, farms), so
/// the organic follows can be scaled to make up the rest of the target
/// edge count.
fn planted_follows_guess(
    cfg: &PlantedConfig,
    members: &[Vec<u32>],
    experts: &[Vec<(u32, f64)>],
    celebs: &[CelebPlan],
) -> f64 {
    let n_org = cfg.organic_users();
    members
        .iter()
        .zip(experts)
        .map(|(m, ex)| ex.len() as f64 * mid(cfg.expert_share) * m.len() as f64)
        .sum::<f64>()
        + celebs
            .iter()
            .map(|c| c.p_all * n_org as f64 + c.p_home * members[c.home as usize].len() as f64)
            .sum::<f64>()
        + (cfg.farm_accounts + cfg.tagged_farm_accounts) as f64
        + (cfg.ring_accounts * (cfg.ring_degree + 1)) as f64
}

/// Phase 4: organic out-degrees, log-normal (most users follow a few
/// dozen, some hundreds), a `dangling` share at zero, scaled so organic
/// plus planted follows come to about `users × avg_degree`; randomized
/// rounding keeps that total unbiased.
fn draw_out_degrees(rng: &mut Rng, cfg: &PlantedConfig, n_org: usize, planted: f64) -> Vec<u32> {
    let e_org = (cfg.target_edges() - planted).max(0.0);
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
    od.iter()
        .map(|&d| {
            if d == 0.0 {
                0
            } else {
                (d + rng.f64()).floor() as u32
            }
        })
        .collect()
}

/// Everything phase 5 reads: who follows how many, and the tables to draw
/// followees from.
struct FollowPlan<'a> {
    cfg: &'a PlantedConfig,
    topics: &'a Topics,
    members: &'a [Vec<u32>],
    experts: &'a [Vec<(u32, f64)>],
    celebs: &'a [CelebPlan],
    od: &'a [u32],
    /// Followees by attractiveness over all organic users.
    global: Alias,
    /// Followees by attractiveness within each topic (indexes `members[t]`).
    topic_alias: Vec<Alias>,
}

/// Phase 5: organic and planted follows of every organic user, sorted by
/// follower. One random stream per chunk of [`CHUNK`] followers, so the
/// graph is the same whatever the thread count. Leaves room for the
/// `n_fake` accounts' follows appended next.
fn organic_follows(plan: &FollowPlan<'_>, n_fake: usize) -> Vec<(u32, u32)> {
    let n_org = plan.od.len();
    let chunks: Vec<Vec<(u32, u32)>> = (0..n_org.div_ceil(CHUNK))
        .into_par_iter()
        .map(|ci| {
            let mut rng = Rng::new(plan.cfg.seed, 1 + ci as u64);
            let mut out = Vec::new();
            let mut buf: Vec<u32> = Vec::new();
            for u in ci * CHUNK..((ci + 1) * CHUNK).min(n_org) {
                user_follows(plan, &mut rng, u, &mut buf, &mut out);
            }
            out
        })
        .collect();
    let mut edges = Vec::with_capacity(chunks.iter().map(Vec::len).sum::<usize>() + n_fake * 2);
    chunks.into_iter().for_each(|c| edges.extend(c));
    edges
}

/// Appends user `u`'s follows to `out`: its organic followees (homophily
/// picks a topic of its own, else anyone), then each planted account it
/// follows by chance. Dangling users follow nobody, planted accounts
/// included.
fn user_follows(
    plan: &FollowPlan<'_>,
    rng: &mut Rng,
    u: usize,
    buf: &mut Vec<u32>,
    out: &mut Vec<(u32, u32)>,
) {
    let d = plan.od[u] as usize;
    if d == 0 {
        return;
    }
    let ts = plan.topics.of(u);
    buf.clear();
    // Redraw duplicates a few rounds so out-degrees survive dedupe.
    for _round in 0..4 {
        for _ in buf.len()..d {
            let v = if !ts.is_empty() && rng.f64() < plan.cfg.homophily {
                let t = ts[rng.below(ts.len())] as usize;
                plan.members[t][plan.topic_alias[t].sample(rng)]
            } else {
                plan.global.sample(rng) as u32
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
        for &(e, p) in &plan.experts[t as usize] {
            if rng.f64() < p {
                buf.push(e);
            }
        }
    }
    for c in plan.celebs {
        let p = if ts.contains(&c.home) {
            1.0 - (1.0 - c.p_all) * (1.0 - c.p_home)
        } else {
            c.p_all
        };
        if rng.f64() < p {
            buf.push(c.id);
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

/// `(user, topic)` for every organic user's topics, sorted by user.
fn organic_tags(topics: &Topics) -> Vec<(u32, u32)> {
    let mut tags: Vec<(u32, u32)> = Vec::new();
    for u in 0..topics.ntop.len() {
        tags.extend(topics.of(u).iter().map(|&t| (u as u32, t)));
    }
    tags
}

/// Phase 6: the fake accounts, appended in id order so edges stay sorted;
/// nobody follows them from outside, which is what gives a farm away to a
/// ranking that looks at where the votes come from. Every fake follows its
/// farm's target; ring fakes also follow each other.
fn plant_farms(
    cfg: &PlantedConfig,
    specs: &[FarmSpec],
    targets: &[u32],
    names: &[String],
    n_org: usize,
    edges: &mut Vec<(u32, u32)>,
    tags: &mut Vec<(u32, u32)>,
) -> Vec<Farm> {
    let mut farms = Vec::new();
    let mut next_id = n_org as u32;
    let mut rng = Rng::new(cfg.seed, u64::MAX);
    for (spec, &target) in specs.iter().zip(targets) {
        let (kind, n, topic) = (spec.kind, spec.accounts, spec.topic);
        let first = next_id;
        for i in 0..n as u32 {
            let me = first + i;
            if kind != "simple" {
                tags.push((me, topic as u32));
            }
            edges.push((me, target));
            if kind == "ring" && n > 1 {
                let fs = ring_follows(&mut rng, first, i, n, cfg.ring_degree);
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
    farms
}

/// Sorted ring members that ring fake `i` (of `n`, ids from `first`)
/// follows: the next one in the cycle, which keeps the ring strongly
/// connected, then random others up to `ring_degree`.
fn ring_follows(rng: &mut Rng, first: u32, i: u32, n: usize, ring_degree: usize) -> Vec<u32> {
    let me = first + i;
    let deg = ring_degree.clamp(1, n - 1);
    let mut fs = vec![first + (i + 1) % n as u32];
    while fs.len() < deg {
        let j = first + rng.below(n) as u32;
        if j != me && !fs.contains(&j) {
            fs.push(j);
        }
    }
    fs.sort_unstable();
    fs
}

/// Phase 7: the ground truth, with the follower count everything planted
/// ended up with (the draws are random, so counts are only known now).
fn record_truth(
    cfg: &PlantedConfig,
    names: &[String],
    n_org: usize,
    edges: &[(u32, u32)],
    experts: &[Vec<(u32, f64)>],
    celebs: &[CelebPlan],
    mut farms: Vec<Farm>,
) -> Truth {
    let mut indeg = vec![0usize; cfg.users];
    edges.iter().for_each(|&(_, v)| indeg[v as usize] += 1);
    farms
        .iter_mut()
        .for_each(|f| f.target_followers = indeg[f.target as usize]);
    Truth {
        topics: names.to_vec(),
        organic_users: n_org,
        edges: edges.len(),
        experts: (0..names.len())
            .map(|t| (names[t].clone(), experts[t].iter().map(|e| e.0).collect()))
            .collect(),
        expert_followers: (0..names.len())
            .map(|t| {
                (
                    names[t].clone(),
                    experts[t].iter().map(|e| indeg[e.0 as usize]).collect(),
                )
            })
            .collect(),
        celebrities: celebs
            .iter()
            .map(|c| Celebrity {
                id: c.id,
                home_topic: names[c.home as usize].clone(),
                followers: indeg[c.id as usize],
            })
            .collect(),
        farms,
        config: cfg.clone(),
    }
}
