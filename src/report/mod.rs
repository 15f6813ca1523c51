//! `marketrank report`: one self-contained HTML page about a snapshot
//! (top lists, score distributions, market-vs-global rank scatter,
//! convergence, run metadata), optionally against an earlier run
//! (risers and fallers) and between two markets (overlap, correlation).
//!
//! Inline CSS and SVG, no network access; a few lines of JavaScript only
//! filter the tables by user id (the page reads fine without it). Size is
//! bounded whatever the number of users: top lists are `top` long, the
//! histogram has 40 bars, and the scatter shows at most [`SCATTER_POINTS`].

mod svg;

use crate::query::compare::compare_markets;
use crate::query::diff::diff_market;
use crate::query::standing::user_view;
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

/// Writes the whole page.
pub fn render(snap: &Snapshot, opts: &ReportOptions<'_>) -> String {
    let meta = snap.metadata();
    let g = snap.market_index(GLOBAL_MARKET);
    let mut o = String::with_capacity(1 << 20);
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
        t = escape(&opts.title)
    );
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

    // Convergence.
    o.push_str("<h2 id=\"convergence\">Convergence</h2>");
    let rows = meta.markets.iter().map(|mk| {
        vec![
            mk.name.clone(),
            mk.kind.to_string(),
            mk.seed_users.to_string(),
            mk.iterations.to_string(),
            format!("{:.2e}", mk.residual),
            (if mk.converged { "yes" } else { "NO" }).to_string(),
        ]
    });
    let head = [
        "market",
        "kind",
        "seed users",
        "iterations",
        "residual",
        "converged",
    ];
    table(&mut o, false, &head, rows);

    // Two markets side by side.
    if let Some((a, b)) = opts.markets {
        let k = opts.top.max(10).min(snap.users());
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
            table(&mut o, true, &["#", "user", &rh, &rt], rows);
        }
    }

    // One section per market.
    for (m, name) in snap.markets().iter().enumerate() {
        let mk = &meta.markets[m];
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
        let rows = snap.top(m, opts.top).map(|(u, _)| {
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
        table(&mut o, true, &head, rows);
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
        if let Some(prev) = opts.previous {
            match diff_market(prev, snap, name, opts.top.max(10) * 5, 10) {
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
                        table(
                            &mut o,
                            true,
                            &["#", "user", "earlier rank", "rank now"],
                            rows,
                        );
                    }
                }
                Err(e) => {
                    let _ = write!(o, "<p class=\"note\">{}</p>", escape(&e));
                }
            }
        }
        o.push_str("</section>");
    }
    o.push_str(
        r#"<script>
function find(q){q=q.trim().toLowerCase();document.querySelectorAll('table.users tr').forEach(function(tr,i){var c=tr.cells[1];if(!c||tr.parentNode.rows[0]===tr)return;tr.style.display=(!q||c.textContent.toLowerCase().indexOf(q)>=0)?'':'none';});}
</script></body></html>
"#,
    );
    o
}
