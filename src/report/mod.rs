//! `marketrank report`: one self-contained HTML page about a snapshot
//! (top lists, score distributions, market-vs-global rank scatter,
//! convergence, run metadata), optionally against an earlier run
//! (risers and fallers) and between two markets (overlap, correlation).
//!
//! Per market, besides the top list and charts: its micro-influencers (top
//! 1% standing, few followers; the rules are in `rules.rs`) and
//! who carries its top users (the followers `marketrank explain` names).
//! Every table is followed by a link that downloads it as CSV, carried in
//! the page as a `data:` URI.
//!
//! Inline CSS and SVG, no network access; a few lines of JavaScript only
//! filter the tables by user id (the page reads fine without it). Size is
//! bounded whatever the number of users: top lists and micro-influencer
//! lists are `top` long, the comparison's specialists at most `max(top,
//! 10)`, carriers [`CARRIERS`] for each of [`CARRIED_USERS`] users, the
//! histogram has 40 bars, and the scatter shows at most [`SCATTER_POINTS`];
//! each CSV link repeats one of these tables.

mod csv_link;
mod rules;
mod sections;
mod svg;
mod tables;

pub use rules::{MICRO_PERCENTILE, MICRO_REFERENCE};
pub use tables::{CARRIED_USERS, CARRIERS};

use crate::snapshot::Snapshot;
use crate::GLOBAL_MARKET;

/// Most points in a market's scatter.
pub const SCATTER_POINTS: usize = 2_000;

/// What goes into the report.
pub struct ReportOptions<'a> {
    /// Title (usually the snapshot path).
    pub title: String,
    /// Users per top list.
    pub top: usize,
    /// An earlier run to compare with (risers and fallers).
    pub previous: Option<&'a Snapshot>,
    /// Two markets to compare.
    pub markets: Option<(usize, usize)>,
}

/// Escapes text for HTML.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Writes the whole page: a header about the run, convergence, the
/// optional market comparison, one section per market, and the search
/// script, each appending to one buffer sized for a typical page.
pub fn render(snap: &Snapshot, opts: &ReportOptions<'_>) -> String {
    let g = snap.market_index(GLOBAL_MARKET);
    let mut o = String::with_capacity(1 << 20);
    sections::head(&mut o, &opts.title);
    sections::run_summary(&mut o, snap);
    sections::convergence(&mut o, snap);
    if let Some(pair) = opts.markets {
        sections::comparison(&mut o, snap, opts.top, pair);
    }
    for m in 0..snap.markets().len() {
        sections::market(&mut o, snap, opts, m, g);
    }
    sections::script(&mut o);
    o
}
