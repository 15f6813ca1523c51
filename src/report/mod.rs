//! `marketrank report`: one self-contained HTML page about a snapshot
//! (top lists, score distributions, market-vs-global rank scatter,
//! convergence, run metadata), optionally against an earlier run
//! (risers and fallers) and between two markets (overlap, correlation).
//!
//! Inline CSS and SVG, no network access; a few lines of JavaScript only
//! filter the tables by user id (the page reads fine without it). Size is
//! bounded whatever the number of users: top lists are `top` long, the
//! histogram has 40 bars, and the scatter shows at most [`SCATTER_POINTS`].

mod sections;
mod svg;

use crate::snapshot::Snapshot;
use crate::GLOBAL_MARKET;
use std::fmt::Write;

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

/// Writes an HTML table (escaped cells); `users` tables (user id in the
/// second column) are the ones the page's search box filters.
fn table(o: &mut String, users: bool, head: &[&str], rows: impl Iterator<Item = Vec<String>>) {
    o.push_str(if users {
        "<table class=\"users\"><tr>"
    } else {
        "<table><tr>"
    });
    for h in head {
        let _ = write!(o, "<th>{}</th>", escape(h));
    }
    o.push_str("</tr>");
    for row in rows {
        o.push_str("<tr>");
        for cell in row {
            let _ = write!(o, "<td>{}</td>", escape(&cell));
        }
        o.push_str("</tr>");
    }
    o.push_str("</table>");
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
