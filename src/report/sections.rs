//! The sections of the report page, in page order. Each appends its HTML
//! to the page buffer; [`render`](super::render) only decides which run.
//! Kept as separate functions so one section can change without reading
//! (or risking) the others.

use super::csv_link::file_name;
use super::rules::{is_specialist, specialist_k};
use super::svg::{PointKind, ScatterPoint};
use super::tables::{self, table};
use super::{escape, svg, ReportOptions, SCATTER_POINTS};
use crate::query::compare::compare_markets;
use crate::snapshot::Snapshot;
use std::fmt::Write;

/// The document head: title and the page's only stylesheet (inline, so the
/// file stands alone), then the page heading.
pub(super) fn head(o: &mut String, title: &str) {
    let _ = write!(
        o,
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>marketrank report: {t}</title>
<style>
body{{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}}
h1{{font-size:1.5em}} h2{{margin-top:2em;border-bottom:1px solid #ddd}} table{{border-collapse:collapse;margin:.5em 0}}
td,th{{padding:2px 8px;text-align:right;border-bottom:1px solid #eee}} td:nth-child(2),th:nth-child(2){{text-align:left}}
.charts{{display:flex;flex-wrap:wrap;gap:1em}} .ax{{font-size:12px;fill:#444}} .tick{{font-size:10px;fill:#666}}
.note{{color:#666;font-size:12px}} nav a{{margin-right:1em}} input{{font-size:14px;padding:3px}}
h3{{font-size:1.1em;margin:1.5em 0 .3em}} p.csv{{margin:0 0 1em;font-size:12px}} .carries{{display:inline-block;vertical-align:top;margin:0 1.5em 0 0;max-width:520px}}
{points}
</style></head><body>
<h1>marketrank report: {t}</h1>
"#,
        t = escape(title),
        points = svg::point_css()
    );
}

/// How the snapshot was made (sizes, walk parameters, inputs), so a reader
/// can tell two reports' runs apart; then the market links and the search
/// box.
pub(super) fn run_summary(o: &mut String, snap: &Snapshot) {
    let meta = snap.metadata();
    let p = &meta.parameters;
    let _ = write!(
        o,
        r#"<p id="run">{} users, {} follows, {} markets; written {} by marketrank {}; walk {}{}, teleport {}, damping {}, tolerance {:e}, {} scores.</p>"#,
        meta.users,
        meta.edges,
        snap.markets().len(),
        escape(&meta.created),
        escape(&meta.tool_version),
        escape(&p.walk.to_string()),
        p.topic_bias
            .map(|e| format!(" (ε = {e})"))
            .unwrap_or_default(),
        escape(&p.teleport.to_string()),
        p.damping,
        p.tolerance,
        escape(&p.precision.to_string())
    );
    for input in &meta.inputs {
        let _ = write!(
            o,
            r#"<p class="note">input {}: {} ({} bytes, {} lines, {} skipped)</p>"#,
            escape(&input.role.to_string()),
            escape(&input.path),
            input.bytes,
            input.lines,
            input.skipped_lines
        );
    }
    o.push_str(r#"<nav>"#);
    for name in snap.markets() {
        let _ = write!(o, r##"<a href="#m-{0}">{0}</a>"##, escape(name));
    }
    o.push_str(r#"</nav><p><label>Find a user: <input id="find" placeholder="user id" oninput="find(this.value)"></label></p>"#);
}

/// One row per market: did the walk converge, and how fast. Up front, since
/// a market that did not converge makes the rest of its numbers suspect.
pub(super) fn convergence(o: &mut String, snap: &Snapshot) {
    o.push_str("<h2 id=\"convergence\">Convergence</h2>");
    let rows = snap
        .metadata()
        .markets
        .iter()
        .map(|mk| mk.convergence_cells())
        .collect::<Vec<_>>();
    let head = crate::snapshot::MarketMeta::CONVERGENCE_HEADER;
    table(o, &file_name(&["convergence"]), false, &head, &rows);
}

/// Markets `a` and `b` side by side: how much their top lists overlap, how
/// well their orders agree, and each one's specialists against the other
/// (see [`tables::specialists`] for who is listed and in which order).
pub(super) fn comparison(o: &mut String, snap: &Snapshot, top: usize, (a, b): (usize, usize)) {
    let k = specialist_k(top, snap.users());
    // A limit of k: every top-k user comes back, the table keeps the
    // specialists among them.
    let c = compare_markets(snap, a, b, k, k);
    let (na, nb) = (&snap.markets()[a], &snap.markets()[b]);
    let _ = write!(
        o,
        r#"<h2 id="compare">{} vs {}</h2><p>top-{k} overlap (Jaccard) {:.3}; Spearman rank correlation over all users {:.3}; Kendall τ-b over the two top-{k} lists {:.3}.</p>"#,
        escape(na),
        escape(nb),
        c.jaccard_top_k,
        c.spearman,
        c.kendall_tau_top_k
    );
    tables::specialists(o, snap, (na, nb), k, &c.specialists_a);
    tables::specialists(o, snap, (nb, na), k, &c.specialists_b);
}

/// Market `m`'s section: its heading and walk summary, top list, charts,
/// and (with an earlier run) what changed. `g` is the global market, which
/// the scatter plots against.
pub(super) fn market(
    o: &mut String,
    snap: &Snapshot,
    opts: &ReportOptions<'_>,
    m: usize,
    g: Option<usize>,
) {
    let name = &snap.markets()[m];
    let mk = &snap.metadata().markets[m];
    let _ = write!(
        o,
        r#"<section id="m-{0}"><h2>{0}</h2><p class="note">{1}; restarts at {2} users; {3} iterations, L1 change {4:.2e}{5}</p>"#,
        escape(name),
        escape(&mk.kind.to_string()),
        mk.seed_users,
        mk.iterations,
        mk.residual,
        if mk.converged {
            ""
        } else {
            " — NOT converged"
        }
    );
    tables::top_list(o, snap, m, opts.top);
    charts(o, snap, m, g, specialist_k(opts.top, snap.users()));
    tables::micro_influencers(o, snap, m, opts.top);
    tables::who_carries(o, snap, m);
    if let Some(prev) = opts.previous {
        tables::changes(o, prev, snap, name, opts.top);
    }
    o.push_str("</section>");
}

/// The score histogram, and for a market other than global the rank
/// scatter against global with its note on what was sampled (the page shows
/// a sample, not every user, so it says so). Points are coloured by the
/// specialist rule of [`is_specialist`] with the comparison's `k`: green
/// for the market's specialists against global, orange for global's
/// against the market (celebrities).
fn charts(o: &mut String, snap: &Snapshot, m: usize, g: Option<usize>, k: usize) {
    o.push_str("<div class=\"charts\">");
    let scores: Vec<f64> = (0..snap.users() as u32).map(|u| snap.score(u, m)).collect();
    o.push_str(&svg::score_histogram(&scores, snap.users()));
    let Some(g) = g.filter(|&g| g != m) else {
        o.push_str("</div>");
        return;
    };
    let points: Vec<ScatterPoint> = scatter_sample(snap, m, Some(g))
        .into_iter()
        .map(|u| {
            let (market_rank, global_rank) = (snap.rank(u, m), snap.rank(u, g));
            let kind = if is_specialist(market_rank, global_rank, k) {
                PointKind::Specialist
            } else if is_specialist(global_rank, market_rank, k) {
                PointKind::Celebrity
            } else {
                PointKind::Other
            };
            ScatterPoint {
                market_rank,
                global_rank,
                label: snap.user_id(u).to_string(),
                kind,
            }
        })
        .collect();
    o.push_str(&svg::rank_scatter(&points, snap.users()));
    let count = |kind| points.iter().filter(|p| p.kind == kind).count();
    let _ = write!(
        o,
        r#"</div><p class="note">Scatter: {} users — this market's top 300, the global top 300, and users at evenly spaced ranks of this market (at most {SCATTER_POINTS}, so the page stays small at any size). Green: specialists, in the top {k} here but not in the global top {k} ({}); orange: celebrities, in the global top {k} but not in the top {k} here ({}) — the rule of the market comparison's specialists tables.</p>"#,
        points.len(),
        count(PointKind::Specialist),
        count(PointKind::Celebrity)
    );
}

/// The users drawn in a market's scatter: the market's top users and the
/// global top users (what the eye looks for), then users at evenly spaced
/// ranks of the market's order, up to [`SCATTER_POINTS`] in all.
fn scatter_sample(snap: &Snapshot, m: usize, g: Option<usize>) -> Vec<u32> {
    let n = snap.users();
    let mut pick: Vec<u32> = snap.order(m).iter().take(300).copied().collect();
    if let Some(g) = g {
        pick.extend(snap.order(g).iter().take(300));
    }
    let rest = SCATTER_POINTS.saturating_sub(pick.len()).max(1);
    let step = (n / rest).max(1);
    pick.extend(snap.order(m).iter().step_by(step).take(rest));
    pick.sort_unstable();
    pick.dedup();
    pick.truncate(SCATTER_POINTS);
    pick
}

/// The few lines of JavaScript behind the search box (filters the `users`
/// tables by user id; the page reads fine without it), and the page's end.
pub(super) fn script(o: &mut String) {
    o.push_str(
        r#"<script>
function find(q){q=q.trim().toLowerCase();document.querySelectorAll('table.users tr').forEach(function(tr,i){var c=tr.cells[1];if(!c||tr.parentNode.rows[0]===tr)return;tr.style.display=(!q||c.textContent.toLowerCase().indexOf(q)>=0)?'':'none';});}
</script></body></html>
"#,
    );
}
