//! The machine's floor for the rank kernel's access pattern: for every user,
//! gather the K-wide f32 rows of its followers along the same incoming-edge
//! CSR and sum them — no teleport, no normalisation, no residuals. The rank
//! kernel's time per iteration divided by this probe's is how close it runs
//! to what the memory system allows.
//!
//! `cargo bench --bench gather_probe -- EDGES TOPICS [K] [ROUNDS]`
//! (prints `probe_s_per_sweep` for the CSR as built and in marketrank's
//! locality order).
//!
//! `cargo bench --bench gather_probe -- GRAPH.mrg [ROUNDS]`: the plain
//! sweep only, over a graph cache (twitter-2010 scale: two 16-wide blocks
//! of 41.7M rows are 5.3 GB beside the 6 GB graph; the variants below would
//! need three times that).

use marketrank::input::BadLines;
use marketrank::load_tagged_graph;
use rayon::prelude::*;
use std::time::Instant;

#[repr(C, align(64))]
#[derive(Clone, Copy)]
struct Row([f32; 16]);

fn sweep(offsets: &[u64], sources: &[u32], rows: &[Row], out: &mut [Row]) {
    let read_old = std::env::var_os("PROBE_OLD").is_some();
    out.par_chunks_mut(4096)
        .enumerate()
        .for_each(|(ci, chunk)| {
            for (i, o) in chunk.iter_mut().enumerate() {
                let v = ci * 4096 + i;
                let mut acc = [0f32; 16];
                for &u in &sources[offsets[v] as usize..offsets[v + 1] as usize] {
                    let r = &rows[u as usize].0;
                    for j in 0..16 {
                        acc[j] += r[j];
                    }
                }
                if read_old {
                    let old = &rows[v].0;
                    for j in 0..16 {
                        acc[j] += old[j];
                    }
                }
                o.0 = acc;
            }
        });
}

/// Cache-blocked variant: sources split into `segs` ranges; one pass per
/// range, each gathering only rows of that range (which fit in cache).
fn sweep_segmented(offsets: &[u64], sources: &[u32], rows: &[Row], out: &mut [Row], segs: usize) {
    let n = rows.len();
    let seg_len = n.div_ceil(segs);
    for s in 0..segs {
        let (lo, hi) = ((s * seg_len) as u32, ((s + 1) * seg_len).min(n) as u32);
        out.par_chunks_mut(4096)
            .enumerate()
            .for_each(|(ci, chunk)| {
                for (i, o) in chunk.iter_mut().enumerate() {
                    let v = ci * 4096 + i;
                    let srcs = &sources[offsets[v] as usize..offsets[v + 1] as usize];
                    let a = srcs.partition_point(|&u| u < lo);
                    let b = a + srcs[a..].partition_point(|&u| u < hi);
                    let mut acc = if s == 0 { [0f32; 16] } else { o.0 };
                    for &u in &srcs[a..b] {
                        let r = &rows[u as usize].0;
                        for j in 0..16 {
                            acc[j] += r[j];
                        }
                    }
                    o.0 = acc;
                }
            });
    }
}

fn sweep_flat(offsets: &[u64], sources: &[u32], rows: &[f32], out: &mut [f32]) {
    out.par_chunks_mut(16 * 4096)
        .enumerate()
        .for_each(|(ci, chunk)| {
            for (i, o) in chunk.chunks_exact_mut(16).enumerate() {
                let v = ci * 4096 + i;
                let mut a = [0f32; 16];
                for &u in &sources[offsets[v] as usize..offsets[v + 1] as usize] {
                    let row: &[f32; 16] = rows[u as usize * 16..u as usize * 16 + 16]
                        .try_into()
                        .unwrap();
                    for j in 0..16 {
                        a[j] += row[j];
                    }
                }
                o.copy_from_slice(&a);
            }
        });
}

fn main() {
    let args: Vec<String> = std::env::args().filter(|a| a != "--bench").collect();
    if args.len() < 3 && !args.get(1).is_some_and(|a| a.ends_with(".mrg")) {
        eprintln!("usage: gather_probe EDGES TOPICS [ROUNDS] | gather_probe GRAPH.mrg [ROUNDS]");
        return;
    }
    if args[1].ends_with(".mrg") {
        return probe_cache(&args[1], args.get(2).map_or(3, |s| s.parse().unwrap()));
    }
    let rounds: usize = args.get(3).map_or(10, |s| s.parse().unwrap());
    let data = load_tagged_graph(args[1].as_ref(), args[2].as_ref(), BadLines::Fail).unwrap();
    let g = &data.graph;
    let n = g.users();
    let rows = vec![Row([1.0 / n as f32; 16]); n];
    let mut out = vec![Row([0.0; 16]); n];
    sweep(g.offsets(), g.sources(), &rows, &mut out);
    let t = Instant::now();
    for _ in 0..rounds {
        sweep(g.offsets(), g.sources(), &rows, &mut out);
    }
    let per = t.elapsed().as_secs_f64() / rounds as f64;
    let flat: Vec<f32> = vec![1.0 / n as f32; n * 16];
    let mut flat_out = vec![0f32; n * 16];
    let t = Instant::now();
    for _ in 0..rounds {
        sweep_flat(g.offsets(), g.sources(), &flat, &mut flat_out);
    }
    println!(
        "flat f32 slice probe_s_per_sweep={:.4}",
        t.elapsed().as_secs_f64() / rounds as f64
    );
    // Ping-pong: read the block written by the previous sweep, as the kernel does.
    let mut a = rows.clone();
    let mut b2 = out.clone();
    let t = Instant::now();
    for _ in 0..rounds {
        sweep(g.offsets(), g.sources(), &a, &mut b2);
        std::mem::swap(&mut a, &mut b2);
    }
    println!(
        "ping-pong probe_s_per_sweep={:.4}",
        t.elapsed().as_secs_f64() / rounds as f64
    );
    let check: f32 = out.iter().map(|r| r.0[0]).sum();
    // Same sweep after renumbering users by primary topic (then in-degree).
    let tags = &data.tags;
    let primary = |u: u32| {
        tags.of_user(u)
            .iter()
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
            .map_or(u32::MAX, |e| e.0)
    };
    let mut order: Vec<u32> = (0..n as u32).collect();
    let key = std::env::var("PROBE_ORDER").unwrap_or_default();
    if key == "out" {
        order.sort_by(|&a, &b| g.out_weight(b).total_cmp(&g.out_weight(a)).then(a.cmp(&b)));
    } else {
        order.sort_by_key(|&u| (primary(u), std::cmp::Reverse(g.follower_count(u)), u));
    }
    let mut rank_of = vec![0u32; n];
    for (i, &u) in order.iter().enumerate() {
        rank_of[u as usize] = i as u32;
    }
    let mut b = marketrank::GraphBuilder::with_capacity(g.edges() as usize);
    for v in 0..n as u32 {
        for &u in g.followers(v) {
            b.add_follow(rank_of[u as usize], rank_of[v as usize], 1.0);
        }
    }
    let (g2, _) = b.build(n);
    let t = Instant::now();
    for _ in 0..rounds {
        sweep(g2.offsets(), g2.sources(), &rows, &mut out);
    }
    let per2 = t.elapsed().as_secs_f64() / rounds as f64;
    println!("probe after renumbering by primary topic: probe_s_per_sweep={per2:.4}");
    for segs in [2, 4, 8, 16] {
        let t = Instant::now();
        for _ in 0..rounds {
            sweep_segmented(g.offsets(), g.sources(), &rows, &mut out, segs);
        }
        let per3 = t.elapsed().as_secs_f64() / rounds as f64;
        let c2: f32 = out.iter().map(|r| r.0[0]).sum();
        println!("segmented x{segs}: probe_s_per_sweep={per3:.4} (checksum {c2:.3})");
    }
    println!(
        "probe users={n} follows={} K=16 threads={} probe_s_per_sweep={per:.4} (checksum {check:.3})",
        g.edges(),
        rayon::current_num_threads()
    );
}

/// The plain sweep over a graph cache: one warm-up, then `rounds` timed.
fn probe_cache(path: &str, rounds: usize) {
    let t = Instant::now();
    let data = marketrank::graph_cache::read_graph_cache(path.as_ref()).unwrap();
    eprintln!("read {path} in {:.1?}", t.elapsed());
    let g = &data.graph;
    let n = g.users();
    // PROBE_HUGE=1: the two blocks in 2 MiB pages, as the kernel's blocks
    // are (rank/block.rs); else plain heap memory in 4 KiB pages.
    let huge = std::env::var_os("PROBE_HUGE").is_some();
    let mut rows_map = rows_of(n, huge);
    let mut out_map = rows_of(n, huge);
    let rows: &mut [Row] = bytemuck_rows(&mut rows_map, n);
    rows.fill(Row([1.0 / n as f32; 16]));
    let rows: &[Row] = rows;
    let out: &mut [Row] = bytemuck_rows(&mut out_map, n);
    sweep(g.offsets(), g.sources(), rows, out);
    let t = Instant::now();
    for _ in 0..rounds {
        sweep(g.offsets(), g.sources(), rows, out);
    }
    let per = t.elapsed().as_secs_f64() / rounds as f64;
    let check: f32 = out.iter().map(|r| r.0[0]).sum();
    println!(
        "probe users={n} follows={} K=16 threads={} huge_pages={huge} probe_s_per_sweep={per:.4} (checksum {check:.3})",
        g.edges(),
        rayon::current_num_threads()
    );
}

/// Zeroed memory for `n` rows, in an anonymous map (2 MiB-aligned, huge
/// pages asked for when `huge`).
fn rows_of(n: usize, huge: bool) -> (memmap2::MmapMut, usize) {
    const HUGE: usize = 2 << 20;
    let bytes = n * std::mem::size_of::<Row>();
    let map = memmap2::MmapMut::map_anon(bytes + HUGE).unwrap();
    let at = (map.as_ptr() as usize).next_multiple_of(HUGE) - map.as_ptr() as usize;
    #[cfg(target_os = "linux")]
    if huge {
        map.advise_range(memmap2::Advice::HugePage, at, bytes)
            .unwrap();
    }
    (map, at)
}

fn bytemuck_rows(m: &mut (memmap2::MmapMut, usize), n: usize) -> &mut [Row] {
    let at = m.1;
    let bytes = &mut m.0[at..at + n * std::mem::size_of::<Row>()];
    // SAFETY: the map is 2 MiB-aligned at `at` (Row needs 64), zeroed, and
    // an all-zero Row is a valid value.
    unsafe { std::slice::from_raw_parts_mut(bytes.as_mut_ptr() as *mut Row, n) }
}
