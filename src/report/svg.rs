//! Hand-written inline SVG charts (smaller than a plotting crate, and the
//! page needs no JavaScript to show them).

use std::fmt::Write;

const W: f64 = 460.0;
const H: f64 = 300.0;
const PAD: f64 = 46.0;

fn frame(o: &mut String, title: &str, xlabel: &str, ylabel: &str) {
    let _ = write!(
        o,
        r##"<svg class="chart" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" aria-label="{title}"><rect x="{PAD}" y="10" width="{}" height="{}" fill="none" stroke="#bbb"/><text x="{}" y="{}" text-anchor="middle" class="ax">{xlabel}</text><text x="12" y="{}" text-anchor="middle" class="ax" transform="rotate(-90 12 {})">{ylabel}</text>"##,
        W - PAD - 10.0,
        H - PAD - 10.0,
        (W + PAD) / 2.0,
        H - 8.0,
        H / 2.0,
        H / 2.0
    );
}

/// Histogram of log10(score) over the users with a positive score.
pub fn score_histogram(scores: &[f64], users: usize) -> String {
    let logs: Vec<f64> = scores
        .iter()
        .filter(|&&s| s > 0.0)
        .map(|s| s.log10())
        .collect();
    let mut o = String::new();
    frame(&mut o, "score distribution", "log10(score)", "users");
    if logs.is_empty() {
        o.push_str("</svg>");
        return o;
    }
    let (lo, hi) = logs
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), &x| (a.min(x), b.max(x)));
    let (lo, hi) = (lo.floor(), hi.ceil().max(lo.floor() + 1.0));
    const BINS: usize = 40;
    let mut counts = [0u64; BINS];
    for &x in &logs {
        let b = (((x - lo) / (hi - lo)) * BINS as f64) as usize;
        counts[b.min(BINS - 1)] += 1;
    }
    let max = *counts.iter().max().unwrap() as f64;
    let (pw, ph) = (W - PAD - 10.0, H - PAD - 10.0);
    let bw = pw / BINS as f64;
    for (i, &c) in counts.iter().enumerate() {
        let h = ph * c as f64 / max;
        let _ = write!(
            o,
            r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="#4a7ab5"><title>{c} users</title></rect>"##,
            PAD + i as f64 * bw,
            10.0 + ph - h,
            bw - 1.0,
            h
        );
    }
    for d in (lo as i64)..=(hi as i64) {
        let x = PAD + pw * (d as f64 - lo) / (hi - lo);
        let _ = write!(
            o,
            r#"<text x="{x:.1}" y="{}" text-anchor="middle" class="tick">{d}</text>"#,
            H - PAD + 14.0
        );
    }
    let _ = write!(
        o,
        r#"<text x="{}" y="24" text-anchor="end" class="tick">{} of {users} users have a score &gt; 0; tallest bar {max}</text></svg>"#,
        W - 14.0,
        logs.len()
    );
    o
}

/// Market rank (x) against global rank (y), both log scale; `points` are
/// `(market rank, global rank, label)`.
pub fn rank_scatter(points: &[(u64, u64, String)], users: usize) -> String {
    let mut o = String::new();
    frame(
        &mut o,
        "market rank vs global rank",
        "rank in this market (log)",
        "global rank (log)",
    );
    let (pw, ph) = (W - PAD - 10.0, H - PAD - 10.0);
    let top = (users.max(2) as f64).log10();
    let pos = |r: u64| (r.max(1) as f64).log10() / top;
    // The diagonal: as influential here as in the graph at large.
    let _ = write!(
        o,
        r##"<line x1="{PAD}" y1="{}" x2="{}" y2="10" stroke="#ccc" stroke-dasharray="4 3"/>"##,
        10.0 + ph,
        PAD + pw
    );
    for (mr, gr, label) in points {
        let (x, y) = (PAD + pw * pos(*mr), 10.0 + ph * (1.0 - pos(*gr)));
        // Specialists: far better here than globally; celebrities: the opposite.
        let color = if *gr > mr * 10 {
            "#1b9e77"
        } else if *mr > gr * 10 {
            "#d95f02"
        } else {
            "#7570b3"
        };
        let _ = write!(
            o,
            r#"<circle cx="{x:.1}" cy="{y:.1}" r="2.2" fill="{color}" fill-opacity="0.7"><title>{} (market #{mr}, global #{gr})</title></circle>"#,
            super::escape(label)
        );
    }
    for d in 0..=(top.ceil() as i64) {
        let f = d as f64 / top;
        if f > 1.0 {
            break;
        }
        let _ = write!(
            o,
            r#"<text x="{:.1}" y="{}" text-anchor="middle" class="tick">1e{d}</text>"#,
            PAD + pw * f,
            H - PAD + 14.0
        );
        let _ = write!(
            o,
            r#"<text x="{}" y="{:.1}" text-anchor="end" class="tick">1e{d}</text>"#,
            PAD - 4.0,
            10.0 + ph * (1.0 - f) + 4.0
        );
    }
    let _ = write!(
        o,
        r##"<text x="{}" y="24" text-anchor="end" class="tick"><tspan fill="#1b9e77">specialists</tspan> · <tspan fill="#d95f02">celebrities</tspan></text></svg>"##,
        W - 14.0
    );
    o
}
