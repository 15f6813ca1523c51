//! Hand-written inline SVG charts (smaller than a plotting crate, and the
//! page needs no JavaScript to show them).
//!
//! Both charts share one frame: the plot area sits inside margins wide
//! enough for tick labels (left), axis titles (left and bottom) and a
//! caption line above the plot, so no bar or point can cover a label
//! (issue 23: the tallest bar used to hide the histogram's caption).

use std::fmt::Write;

const W: f64 = 460.0;
const H: f64 = 300.0;
/// Left margin: y tick labels (up to "100k") and the rotated axis title.
const LEFT: f64 = 58.0;
/// Right margin.
const RIGHT: f64 = 12.0;
/// Top margin: the caption line, above the plot so bars never reach it.
const TOP: f64 = 28.0;
/// Bottom margin: x tick labels and the axis title.
const BOTTOM: f64 = 44.0;
/// Plot area width and height.
const PW: f64 = W - LEFT - RIGHT;
const PH: f64 = H - TOP - BOTTOM;
/// Baseline of the caption line.
const CAPTION_Y: f64 = 17.0;

/// Colours of the scatter's classes, as the legend and the page's CSS
/// show them.
const GREEN: &str = "#1b9e77";
const ORANGE: &str = "#d95f02";
const PURPLE: &str = "#7570b3";

fn frame(o: &mut String, title: &str, xlabel: &str, ylabel: &str) {
    let _ = write!(
        o,
        r##"<svg class="chart" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" aria-label="{title}"><rect x="{LEFT}" y="{TOP}" width="{PW}" height="{PH}" fill="none" stroke="#bbb"/><text x="{}" y="{}" text-anchor="middle" class="ax">{xlabel}</text><text x="14" y="{}" text-anchor="middle" class="ax" transform="rotate(-90 14 {})">{ylabel}</text>"##,
        LEFT + PW / 2.0,
        H - 8.0,
        TOP + PH / 2.0,
        TOP + PH / 2.0
    );
}

/// An x-axis tick at `x`: a short mark below the plot and its label.
fn x_tick(o: &mut String, x: f64, label: &str) {
    let y = TOP + PH;
    let _ = write!(
        o,
        r##"<line x1="{x:.1}" y1="{y}" x2="{x:.1}" y2="{}" stroke="#888"/><text x="{x:.1}" y="{}" text-anchor="middle" class="tick">{label}</text>"##,
        y + 4.0,
        y + 15.0
    );
}

/// A y-axis tick at `y`: a mark left of the plot, a faint grid line
/// across it (to read a bar's height), and its label.
fn y_tick(o: &mut String, y: f64, label: &str) {
    let _ = write!(
        o,
        r##"<line x1="{}" y1="{y:.1}" x2="{}" y2="{y:.1}" stroke="#888"/><line x1="{LEFT}" y1="{y:.1}" x2="{}" y2="{y:.1}" stroke="#eee"/><text x="{}" y="{:.1}" text-anchor="end" class="tick">{label}</text>"##,
        LEFT - 4.0,
        LEFT,
        LEFT + PW,
        LEFT - 6.0,
        y + 3.5
    );
}

/// A short spelling of a count or rank for a tick label (`950`, `12k`,
/// `1.5M`), so labels stay inside the margin at any size.
fn compact(v: f64) -> String {
    let (d, unit) = if v >= 1e9 {
        (1e9, "G")
    } else if v >= 1e6 {
        (1e6, "M")
    } else if v >= 1e4 {
        (1e3, "k")
    } else {
        (1.0, "")
    };
    let x = v / d;
    if (x - x.round()).abs() < 1e-9 {
        format!("{}{unit}", x.round())
    } else {
        format!("{x:.1}{unit}")
    }
}

/// Round tick values from 0 to at least `max`: a step of 1, 2 or 5 times a
/// power of ten, about five ticks.
fn nice_ticks(max: f64) -> Vec<f64> {
    if max <= 0.0 {
        return vec![0.0];
    }
    let raw = max / 5.0;
    let p = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|f| f * p)
        .find(|&s| s >= raw)
        .unwrap_or(10.0 * p)
        .max(1.0);
    let n = (max / step).ceil() as usize;
    (0..=n).map(|i| i as f64 * step).collect()
}

/// Histogram of log10(score) over the users with a positive score; the y
/// axis (users per bar) runs to the top tick at or above the tallest bar.
pub fn score_histogram(scores: &[f64], users: usize) -> String {
    let logs: Vec<f64> = scores
        .iter()
        .filter(|&&s| s > 0.0)
        .map(|s| s.log10())
        .collect();
    let mut o = String::new();
    frame(
        &mut o,
        "score distribution",
        "log10(score)",
        "users per bar",
    );
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
    let max = *counts.iter().max().unwrap();
    let ticks = nice_ticks(max as f64);
    let ymax = *ticks.last().unwrap();
    for &t in &ticks {
        y_tick(&mut o, TOP + PH * (1.0 - t / ymax), &compact(t));
    }
    let bw = PW / BINS as f64;
    for (i, &c) in counts.iter().enumerate() {
        let h = PH * c as f64 / ymax;
        let _ = write!(
            o,
            r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="#4a7ab5"><title>{c} users</title></rect>"##,
            LEFT + i as f64 * bw,
            TOP + PH - h,
            bw - 1.0,
            h
        );
    }
    // One label per decade; every other one past 12 decades, so they
    // cannot run into each other.
    let every = if hi - lo > 12.0 { 2 } else { 1 };
    for d in ((lo as i64)..=(hi as i64)).step_by(every) {
        x_tick(
            &mut o,
            LEFT + PW * (d as f64 - lo) / (hi - lo),
            &d.to_string(),
        );
    }
    let _ = write!(
        o,
        r#"<text x="{}" y="{CAPTION_Y}" text-anchor="end" class="tick">{} of {users} users have a score &gt; 0; tallest bar {max}</text></svg>"#,
        W - RIGHT,
        logs.len()
    );
    o
}

/// How a scatter point is drawn; the class names are what the legend, the
/// page's CSS and the tests look for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PointKind {
    /// Strong in this market, not globally: green.
    Specialist,
    /// Strong globally, not in this market: orange.
    Celebrity,
    /// Neither: purple.
    Other,
}

impl PointKind {
    fn class(self) -> &'static str {
        match self {
            PointKind::Specialist => "specialist",
            PointKind::Celebrity => "celebrity",
            PointKind::Other => "other",
        }
    }
}

/// The scatter points' colours, for the page's stylesheet: by class, so
/// each of up to 2,000 points per market carries a class name only, not
/// its colour and opacity (about 0.5 MB less at 17 markets).
pub fn point_css() -> String {
    format!(
        "circle.specialist{{fill:{GREEN}}} circle.celebrity{{fill:{ORANGE}}} circle.other{{fill:{PURPLE}}} circle{{fill-opacity:.75}}"
    )
}

/// One user in the scatter.
pub struct ScatterPoint {
    /// Rank in the market (x).
    pub market_rank: u64,
    /// Global rank (y).
    pub global_rank: u64,
    /// User id, shown on hover.
    pub label: String,
    /// Which class (colour) the point gets; the caller decides, so the rule
    /// is the one the page's tables use.
    pub kind: PointKind,
}

/// Market rank (x) against global rank (y), both log scale, rank 1 at the
/// origin's corner (bottom left for x, top for y). Points are drawn others
/// first, specialists last, so the few coloured ones stay visible.
pub fn rank_scatter(points: &[ScatterPoint], users: usize) -> String {
    let mut o = String::new();
    frame(
        &mut o,
        "market rank vs global rank",
        "rank in this market (log scale)",
        "global rank (log scale)",
    );
    let top = (users.max(2) as f64).log10();
    let pos = |r: u64| (r.max(1) as f64).log10() / top;
    for d in 0..=(top.ceil() as i64) {
        let f = d as f64 / top;
        if f > 1.0 {
            break;
        }
        let label = compact(10f64.powi(d as i32));
        x_tick(&mut o, LEFT + PW * f, &label);
        y_tick(&mut o, TOP + PH * f, &label);
    }
    // The diagonal: as influential here as in the graph at large.
    let _ = write!(
        o,
        r##"<line x1="{LEFT}" y1="{TOP}" x2="{}" y2="{}" stroke="#ccc" stroke-dasharray="4 3"/>"##,
        LEFT + PW,
        TOP + PH
    );
    for kind in [
        PointKind::Other,
        PointKind::Celebrity,
        PointKind::Specialist,
    ] {
        for p in points.iter().filter(|p| p.kind == kind) {
            let (x, y) = (
                LEFT + PW * pos(p.market_rank),
                TOP + PH * pos(p.global_rank),
            );
            let _ = write!(
                o,
                r#"<circle class="{}" cx="{x:.1}" cy="{y:.1}" r="2.4"><title>{} (market #{}, global #{})</title></circle>"#,
                kind.class(),
                super::escape(&p.label),
                p.market_rank,
                p.global_rank
            );
        }
    }
    let _ = write!(
        o,
        r#"<text x="{}" y="{CAPTION_Y}" text-anchor="end" class="tick"><tspan fill="{GREEN}">● specialists</tspan>  <tspan fill="{ORANGE}">● celebrities</tspan>  <tspan fill="{PURPLE}">● others</tspan></text></svg>"#,
        W - RIGHT
    );
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_maximum() {
        assert_eq!(nice_ticks(0.0), vec![0.0]);
        assert_eq!(nice_ticks(3.0), vec![0.0, 1.0, 2.0, 3.0]);
        assert_eq!(nice_ticks(47.0), vec![0.0, 10.0, 20.0, 30.0, 40.0, 50.0]);
        assert_eq!(*nice_ticks(123_456.0).last().unwrap(), 150_000.0);
        assert_eq!(compact(950.0), "950");
        assert_eq!(compact(20_000.0), "20k");
        assert_eq!(compact(1_500_000.0), "1.5M");
    }

    #[test]
    fn the_caption_sits_above_the_tallest_bar() {
        let svg = score_histogram(&[0.5, 0.5, 0.5, 0.01], 4);
        let top_of_bars = svg
            .split("<rect x=")
            .skip(2) // the frame, then the bars
            .map(|r| {
                let y = r.split("y=\"").nth(1).unwrap().split('"').next().unwrap();
                y.parse::<f64>().unwrap()
            })
            .fold(f64::MAX, f64::min);
        assert!(top_of_bars >= TOP, "{top_of_bars}");
        assert!(
            CAPTION_Y + 4.0 < TOP,
            "caption baseline and descenders above the plot"
        );
        assert!(
            svg.contains(">3</text>"),
            "a y tick at the tallest bar's count"
        );
    }
}
