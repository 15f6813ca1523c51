//! A twitter-2010-sized topic-tagged follower graph, streamed to disk
//! without ever holding its follows as text or pairs: sharded `.tsv.gz`
//! follow files, the topic and account files, and (optionally) the graph
//! cache a `marketrank ingest` of those files would write.
//!
//! Why a second generator: [`generate()`](super::generate()) plants ground
//! truth (experts, celebrities, farms) and keeps the whole graph in memory
//! to do it; at 1.47 billion follows that is 12 GB of pairs before any
//! text. This one draws each follower's follows independently — so chunks
//! of followers are drawn in parallel, each from its own random stream —
//! and writes them as they come.
//!
//! The shape follows twitter-2010 (41.7M users, 1.47B follows): out-degree
//! log-normal (median ≈ 10, mean 35), followees by a power law over a fixed
//! popularity order (exponent 0.75: the most followed account gets about
//! 2M followers, in the millions as twitter-2010's most followed), half of
//! each user's follows within the user's home topic. User `r`-th in
//! popularity is user number `π(r)` for an affine permutation `π`, so ids
//! say nothing about popularity; a user's home topic is `r mod topics`.
//! Tagged users (the market seeds): each topic's 1,000 most popular members
//! and 1% of the rest. Accounts: created between 2006-03-21 and the as-of
//! day, 3% in the 30 days before it, 0.5% suspended.
//!
//! Deterministic: chunk `c` (users `c·CHUNK..`) always draws from stream
//! `c` of the seed, and every gzip member is one chunk, so the bytes do not
//! depend on the thread count or the shard count's scheduling.

use super::config::topic_name;
use super::rng::Rng;
use crate::graph::{push_decimal, SpillOptions, TopicsBuilder, UserIds};
use crate::input::graph_cache::write_graph_cache;
use crate::input::load::{LoadReport, TaggedGraph};
use crate::input::{parse_utc_day, utc_date, EdgeColumns};
use flate2::write::GzEncoder;
use rayon::prelude::*;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Followers per chunk (one random stream, one gzip member each).
const CHUNK: u64 = 1 << 16;

/// What to draw.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ScaleConfig {
    /// Users (ids `0..users`).
    pub users: u32,
    /// Follows drawn, on average (the count written varies by a fraction of
    /// a percent with the seed; repeats and self-follows are merged or
    /// dropped at ingest, as in any graph).
    pub follows: u64,
    /// Topics (markets).
    pub topics: u32,
    /// Random seed.
    pub seed: u64,
    /// Follow files (`follows/part-NNNNN.tsv.gz`).
    pub shards: u32,
    /// Power-law exponent of popularity (0 < β < 1).
    pub popularity_exponent: f64,
    /// Share of follows drawn within the follower's home topic.
    pub home_share: f64,
    /// σ of the log-normal out-degree.
    pub degree_sigma: f64,
    /// The day accounts are dated up to (`YYYY-MM-DD`).
    pub as_of: String,
}

impl ScaleConfig {
    /// twitter-2010's size: 41,652,230 users, 1,468,365,182 follows, with
    /// 16 topics, in 64 shards.
    pub fn twitter_2010() -> ScaleConfig {
        ScaleConfig::scaled(41_652_230, 1_468_365_182)
    }

    /// The twitter-2010 shape at another size.
    pub fn scaled(users: u32, follows: u64) -> ScaleConfig {
        ScaleConfig {
            users,
            follows,
            topics: 16,
            seed: 2010,
            shards: 64,
            popularity_exponent: 0.75,
            home_share: 0.5,
            degree_sigma: 1.6,
            as_of: "2026-12-01".into(),
        }
    }
}

/// What was written, and how long each part took.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ScaleReport {
    /// Follow lines written (before ingest drops self-follows and merges repeats).
    pub follow_lines: u64,
    /// Topic tags written.
    pub tags: u64,
    /// The follow files, in order.
    pub follow_files: Vec<PathBuf>,
    /// Their total size, bytes.
    pub follow_bytes: u64,
    /// The graph cache, when written.
    pub cache: Option<PathBuf>,
    /// Seconds drawing and writing the follow files (and interning, with a cache).
    pub follows_s: f64,
    /// Seconds building and writing the cache.
    pub cache_s: f64,
}

/// Popularity order: rank `r` ↔ user `(a·r + b) mod n`.
#[derive(Clone, Copy)]
struct Permutation {
    n: u64,
    a: u64,
    b: u64,
    a_inv: u64,
}

impl Permutation {
    fn new(n: u64, seed: u64) -> Permutation {
        let gcd = |mut x: u64, mut y: u64| {
            while y != 0 {
                (x, y) = (y, x % y);
            }
            x
        };
        let mut a = ((n as f64 * 0.618_033_988_7) as u64).max(1) | 1;
        while gcd(a, n) != 1 {
            a += 2;
        }
        let a = a % n.max(1);
        let a_inv = mod_inverse(a, n);
        Permutation {
            n,
            a,
            b: seed % n,
            a_inv,
        }
    }
    fn user(&self, rank: u64) -> u64 {
        ((self.a as u128 * rank as u128 + self.b as u128) % self.n as u128) as u64
    }
    fn rank(&self, user: u64) -> u64 {
        let shifted = (user + self.n - self.b) % self.n;
        ((self.a_inv as u128 * shifted as u128) % self.n as u128) as u64
    }
}

/// `a⁻¹ mod n` for `gcd(a, n) = 1` (extended Euclid).
fn mod_inverse(a: u64, n: u64) -> u64 {
    if n == 1 {
        return 0;
    }
    let (mut t, mut new_t) = (0i128, 1i128);
    let (mut r, mut new_r) = (n as i128, a as i128);
    while new_r != 0 {
        let q = r / new_r;
        (t, new_t) = (new_t, t - q * new_t);
        (r, new_r) = (new_r, r - q * new_r);
    }
    t.rem_euclid(n as i128) as u64
}

/// Draws of `0..n` with weight `(r + 1)^−β`: inverse of the continuous CDF,
/// one `powf` a draw.
#[derive(Clone, Copy)]
struct PowerLaw {
    n: u64,
    span: f64,
    inv: f64,
}

impl PowerLaw {
    fn new(n: u64, beta: f64) -> PowerLaw {
        let a = 1.0 - beta;
        PowerLaw {
            n,
            span: ((n + 1) as f64).powf(a) - 1.0,
            inv: 1.0 / a,
        }
    }
    fn draw(&self, rng: &mut Rng) -> u64 {
        let x = (1.0 + rng.f64() * self.span).powf(self.inv);
        (x as u64).saturating_sub(1).min(self.n - 1)
    }
}

/// Everything a chunk needs to draw its followers' follows.
struct Shape {
    perm: Permutation,
    global: PowerLaw,
    /// Popularity within one topic (members `r ≡ t mod topics`).
    home: PowerLaw,
    topics: u64,
    users: u64,
    mu: f64,
    sigma: f64,
    home_share: f64,
    seed: u64,
}

impl Shape {
    fn new(cfg: &ScaleConfig) -> Shape {
        let n = cfg.users as u64;
        let k = cfg.topics.max(1) as u64;
        let mean = cfg.follows as f64 / n as f64;
        let sigma = cfg.degree_sigma;
        Shape {
            perm: Permutation::new(n, cfg.seed),
            global: PowerLaw::new(n, cfg.popularity_exponent),
            home: PowerLaw::new(n.div_ceil(k), cfg.popularity_exponent),
            topics: k,
            users: n,
            // E[⌊X⌋] ≈ E[X] − ½ for X log-normal.
            mu: (mean + 0.5).ln() - sigma * sigma / 2.0,
            sigma,
            home_share: cfg.home_share,
            seed: cfg.seed,
        }
    }

    /// `follower<TAB>followee` lines of chunk `c`, and how many.
    fn chunk_text(&self, c: u64) -> (Vec<u8>, u64) {
        let mut rng = Rng::new(self.seed, c);
        let (lo, hi) = (c * CHUNK, ((c + 1) * CHUNK).min(self.users));
        let mut text = Vec::with_capacity(((hi - lo) * 40 * 18) as usize);
        let mut lines = 0u64;
        for u in lo..hi {
            let degree = ((self.mu + self.sigma * rng.normal()).exp() as u64).min(self.users - 1);
            let topic = self.perm.rank(u) % self.topics;
            for _ in 0..degree {
                let rank = if rng.f64() < self.home_share {
                    let r = self.home.draw(&mut rng) * self.topics + topic;
                    if r < self.users {
                        r
                    } else {
                        self.global.draw(&mut rng)
                    }
                } else {
                    self.global.draw(&mut rng)
                };
                push_decimal(&mut text, u);
                text.push(b'\t');
                push_decimal(&mut text, self.perm.user(rank));
                text.push(b'\n');
            }
            lines += degree;
        }
        (text, lines)
    }

    /// Whether user `u` is tagged with its home topic.
    fn tagged(&self, u: u64) -> Option<u64> {
        let r = self.perm.rank(u);
        let topic = r % self.topics;
        let seed_draw = Rng::new(self.seed ^ 0x7A65, u).f64();
        (r / self.topics < 1000 || seed_draw < 0.01).then_some(topic)
    }
}

fn gzip(bytes: &[u8]) -> io::Result<Vec<u8>> {
    let mut enc = GzEncoder::new(
        Vec::with_capacity(bytes.len() / 3),
        flate2::Compression::fast(),
    );
    enc.write_all(bytes)?;
    enc.finish()
}

/// Writes the graph of `cfg` into `dir`: `follows/part-NNNNN.tsv.gz`,
/// `topics.tsv`, `accounts.tsv.gz`, `config.json`, and with `cache` also
/// `graph.mrg` — equal, array for array, to what `marketrank ingest` of the
/// follow and topic files builds (ids numbered in reading order; follows
/// spilled to disk per `spill`, so memory stays bounded).
pub fn write_scale_graph(
    cfg: &ScaleConfig,
    dir: &Path,
    cache: bool,
    spill: &SpillOptions,
) -> io::Result<ScaleReport> {
    if cfg.users < 2 || !(0.0..1.0).contains(&cfg.popularity_exponent) {
        return Err(io::Error::other(
            "need at least 2 users and a popularity exponent in [0, 1)",
        ));
    }
    let follows_dir = dir.join("follows");
    std::fs::create_dir_all(&follows_dir)?;
    let shape = Shape::new(cfg);
    let chunks = (cfg.users as u64).div_ceil(CHUNK);
    let shards = (cfg.shards.max(1) as u64).min(chunks);
    let per_shard = chunks.div_ceil(shards);
    let t0 = Instant::now();
    let mut ids = UserIds::new();
    let mut cols = EdgeColumns::spilling(spill);
    let mut report = ScaleReport {
        follow_lines: 0,
        tags: 0,
        follow_files: Vec::new(),
        follow_bytes: 0,
        cache: None,
        follows_s: 0.0,
        cache_s: 0.0,
    };
    let draw = |s: u64| -> io::Result<Vec<(Vec<u8>, Vec<u8>, u64)>> {
        let range = (s * per_shard)..((s + 1) * per_shard).min(chunks);
        range
            .into_par_iter()
            .map(|c| {
                let (text, lines) = shape.chunk_text(c);
                Ok((gzip(&text)?, if cache { text } else { Vec::new() }, lines))
            })
            .collect()
    };
    let mut next = Some(draw(0)?);
    for s in 0..shards {
        let parts = next.take().expect("drawn");
        let path = follows_dir.join(format!("part-{s:05}.tsv.gz"));
        // Shard s + 1 is drawn (all cores) while shard s is written and,
        // for the cache, interned in file order (one core).
        let (written, drawn) = rayon::join(
            || -> io::Result<()> {
                let mut f = io::BufWriter::new(std::fs::File::create(&path)?);
                for (gz, text, lines) in &parts {
                    f.write_all(gz)?;
                    report.follow_bytes += gz.len() as u64;
                    report.follow_lines += lines;
                    if cache {
                        intern_lines(text, &mut ids, &mut cols)?;
                    }
                }
                f.into_inner().map_err(|e| e.into_error())?.sync_all()
            },
            || (s + 1 < shards).then(|| draw(s + 1)).transpose(),
        );
        written?;
        next = drawn?;
        report.follow_files.push(path);
    }
    report.follows_s = t0.elapsed().as_secs_f64();

    // Topics, then accounts: one line per user, in user order.
    let mut tb = TopicsBuilder::new();
    let mut text = Vec::new();
    let names: Vec<String> = (0..cfg.topics as usize).map(topic_name).collect();
    for u in 0..cfg.users as u64 {
        if let Some(t) = shape.tagged(u) {
            push_decimal(&mut text, u);
            text.push(b'\t');
            text.extend_from_slice(names[t as usize].as_bytes());
            text.push(b'\n');
            report.tags += 1;
            if cache {
                let i = ids.intern_number(u).ok_or_else(too_many)?;
                tb.add_tag(i, &names[t as usize], 1.0);
            }
        }
    }
    std::fs::write(dir.join("topics.tsv"), &text)?;
    drop(text);
    write_accounts(cfg, &dir.join("accounts.tsv.gz"))?;
    let mut json = serde_json::to_vec_pretty(cfg).map_err(io::Error::other)?;
    json.push(b'\n');
    std::fs::write(dir.join("config.json"), json)?;

    if cache {
        let t1 = Instant::now();
        let users_in_edges = ids.len();
        let users = ids.len();
        let (graph, build) = cols.build(users).map_err(io::Error::other)?;
        let tags = tb.build(users);
        let report_in = LoadReport {
            edges_path: follows_dir.clone(),
            topics_path: dir.join("topics.tsv"),
            build,
            duplicate_tags_merged: tags.duplicates_merged(),
            users_only_in_topics: (users - users_in_edges) as u64,
            ..LoadReport::default()
        };
        let data = TaggedGraph {
            ids,
            graph,
            tags,
            report: report_in,
        };
        let path = dir.join("graph.mrg");
        write_graph_cache(&path, &data).map_err(io::Error::other)?;
        report.cache = Some(path);
        report.cache_s = t1.elapsed().as_secs_f64();
    }
    Ok(report)
}

fn too_many() -> io::Error {
    io::Error::other("more than 2³² − 1 users")
}

/// Interns the ids of `follower<TAB>followee` lines in order (follower,
/// then followee: the order `ingest` numbers them in) and adds the follows.
fn intern_lines(text: &[u8], ids: &mut UserIds, cols: &mut EdgeColumns) -> io::Result<()> {
    let num = |b: &[u8]| b.iter().fold(0u64, |v, &c| v * 10 + (c - b'0') as u64);
    for line in text.split(|&c| c == b'\n') {
        if line.is_empty() {
            continue;
        }
        let tab = memchr::memchr(b'\t', line).expect("generated lines have a tab");
        let a = ids.intern_number(num(&line[..tab])).ok_or_else(too_many)?;
        let b = ids
            .intern_number(num(&line[tab + 1..]))
            .ok_or_else(too_many)?;
        cols.push(a, b, 1.0);
    }
    cols.relieve().map_err(io::Error::other)
}

/// `user<TAB>created<TAB>status` for every user, gzip members per chunk.
fn write_accounts(cfg: &ScaleConfig, path: &Path) -> io::Result<()> {
    let as_of = parse_utc_day(&cfg.as_of).map_err(|e| io::Error::other(e.to_string()))?;
    let first = parse_utc_day("2006-03-21").expect("a date");
    let chunks = (cfg.users as u64).div_ceil(CHUNK);
    let parts: Vec<io::Result<Vec<u8>>> = (0..chunks)
        .into_par_iter()
        .map(|c| {
            let mut rng = Rng::new(cfg.seed ^ 0xACC0, c);
            let mut text = Vec::with_capacity((CHUNK * 32) as usize);
            for u in (c * CHUNK)..((c + 1) * CHUNK).min(cfg.users as u64) {
                let day = if rng.f64() < 0.03 {
                    as_of - rng.below(30) as i32
                } else {
                    first + rng.below((as_of - 30 - first).max(1) as usize) as i32
                };
                let status = if rng.f64() < 0.005 {
                    "suspended"
                } else {
                    "active"
                };
                push_decimal(&mut text, u);
                text.push(b'\t');
                text.extend_from_slice(utc_date(day).as_bytes());
                text.push(b'\t');
                text.extend_from_slice(status.as_bytes());
                text.push(b'\n');
            }
            gzip(&text)
        })
        .collect();
    // The header is a gzip member of its own, like every chunk.
    let mut f = io::BufWriter::new(std::fs::File::create(path)?);
    f.write_all(&gzip(b"user\tcreated\tstatus\n")?)?;
    for p in parts {
        f.write_all(&p?)?;
    }
    f.into_inner().map_err(|e| e.into_error())?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_permutation_is_a_bijection_with_its_inverse() {
        for n in [2u64, 7, 16, 1000, 41_652_230] {
            let p = Permutation::new(n, 2010);
            for r in [0, 1, n / 2, n - 1] {
                assert_eq!(p.rank(p.user(r)), r, "n={n} r={r}");
            }
        }
        let p = Permutation::new(1000, 3);
        let mut seen: Vec<u64> = (0..1000).map(|r| p.user(r)).collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..1000).collect::<Vec<_>>());
    }

    #[test]
    fn power_law_draws_stay_in_range_and_favour_the_top() {
        let law = PowerLaw::new(1000, 0.75);
        let mut rng = Rng::new(1, 2);
        let draws: Vec<u64> = (0..100_000).map(|_| law.draw(&mut rng)).collect();
        assert!(draws.iter().all(|&d| d < 1000));
        let top = draws.iter().filter(|&&d| d == 0).count();
        let mid = draws.iter().filter(|&&d| d == 500).count();
        assert!(top > 20 * mid.max(1), "top {top} vs rank 500 {mid}");
    }
}
