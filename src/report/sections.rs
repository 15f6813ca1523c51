//! The sections of the report page, in page order. Each appends its HTML
//! to the page buffer; [`render`](super::render) only decides which run.
//! Kept as separate functions so one section can change without reading
//! (or risking) the others.

use super::{escape, svg, table, ReportOptions, SCATTER_POINTS};
use crate::query::compare::compare_markets;
use crate::query::diff::diff_market;
use crate::query::standing::user_view;
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
</style></head><body>
<h1>marketrank report: {t}</h1>
"#,
        t = escape(title)
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
        .map(|mk| mk.convergence_cells());
    let head = crate::snapshot::MarketMeta::CONVERGENCE_HEADER;
    table(o, false, &head, rows);
}

/// Markets `a` and `b` side by side: how much their top lists overlap, how
/// well their orders agree, and who is top in one but not the other.
pub(super) fn comparison(o: &mut String, snap: &Snapshot, top: usize, (a, b): (usize, usize)) {
    let k = top.max(10).min(snap.users());
    let c = compare_markets(snap, a, b, k, 10);
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
    for (here, there, list) in [(na, nb, &c.specialists_a), (nb, na, &c.specialists_b)] {
        let _ = write!(
            o,
            "<p>In the top {k} of {} but not of {}:</p>",
            escape(here),
            escape(there)
        );
        let (rh, rt) = (format!("rank in {here}"), format!("rank in {there}"));
        let rows = list.iter().enumerate().map(|(i, sp)| {
            let user = snap.user_id(sp.user).to_string();
            vec![
                (i + 1).to_string(),
                user,
                sp.rank_here.to_string(),
                sp.rank_there.to_string(),
            ]
        });
        table(o, true, &["#", "user", &rh, &rt], rows);
    }
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
    top_list(o, snap, m, opts.top);
    charts(o, snap, m, g);
    if let Some(prev) = opts.previous {
        changes(o, prev, snap, name, opts.top);
    }
    o.push_str("</section>");
}

/// The market's top `top` users with the numbers a reader acts on (score,
/// influence, followers) and the global rank and lift that show whether
/// they are specialists here or famous everywhere.
fn top_list(o: &mut String, snap: &Snapshot, m: usize, top: usize) {
    let rows = snap.top(m, top).map(|(u, _)| {
        let v = user_view(snap, u, m);
        vec![
            v.rank.to_string(),
            snap.user_id(u).to_string(),
            format!("{:.3e}", v.score),
            format!("{:.0}", v.influence),
            format!("{:.2}", v.percentile),
            v.followers.to_string(),
            v.global_rank.to_string(),
            format!("{:.2}", v.lift),
        ]
    });
    let head = [
        "rank",
        "user",
        "score",
        "influence (0–100)",
        "percentile",
        "followers",
        "global rank",
        "lift",
    ];
    table(o, true, &head, rows);
}

/// The score histogram, and for a market other than global the rank
/// scatter against global with its note on what was sampled (the page shows
/// a sample, not every user, so it says so).
fn charts(o: &mut String, snap: &Snapshot, m: usize, g: Option<usize>) {
    o.push_str("<div class=\"charts\">");
    let scores: Vec<f64> = (0..snap.users() as u32).map(|u| snap.score(u, m)).collect();
    o.push_str(&svg::score_histogram(&scores, snap.users()));
    if let Some(g) = g.filter(|&g| g != m) {
        let points: Vec<(u64, u64, String)> = scatter_sample(snap, m, Some(g))
            .into_iter()
            .map(|u| {
                (
                    snap.rank(u, m),
                    snap.rank(u, g),
                    snap.user_id(u).to_string(),
                )
            })
            .collect();
        o.push_str(&svg::rank_scatter(&points, snap.users()));
        let _ = write!(
            o,
            r#"</div><p class="note">Scatter: {} users — this market's top 300, the global top 300, and users at evenly spaced ranks of this market (at most {SCATTER_POINTS}, so the page stays small at any size). Green: specialists (global rank over 10× their rank here); orange: celebrities (the opposite).</p>"#,
            points.len()
        );
    } else {
        o.push_str("</div>");
    }
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

/// Risers, fallers and newcomers in market `name` since the earlier run
/// `prev`; a market the earlier run lacks gets a note instead, not an error,
/// so one new market does not cost the whole report.
fn changes(o: &mut String, prev: &Snapshot, snap: &Snapshot, name: &str, top: usize) {
    match diff_market(prev, snap, name, top.max(10) * 5, 10) {
        Ok(d) => {
            for (title, list) in [
                ("Risers", &d.risers),
                ("Fallers", &d.fallers),
                ("Newcomers", &d.newcomers),
            ] {
                if list.is_empty() {
                    continue;
                }
                let _ = write!(o, "<p>{title} since the earlier run:</p>");
                let r = |x: Option<u64>| x.map_or("—".to_string(), |x| x.to_string());
                let rows = list.iter().enumerate().map(|(i, c)| {
                    vec![
                        (i + 1).to_string(),
                        c.user.clone(),
                        r(c.old_rank),
                        r(c.new_rank),
                    ]
                });
                table(o, true, &["#", "user", "earlier rank", "rank now"], rows);
            }
        }
        Err(e) => {
            let _ = write!(o, "<p class=\"note\">{}</p>", escape(&e.to_string()));
        }
    }
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
