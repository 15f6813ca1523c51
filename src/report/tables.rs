//! The report's tables: each an HTML table followed by its CSV download
//! link (see [`csv_link`](super::csv_link)), so what a reader sees is what
//! they can take into a spreadsheet, cell for cell.

use super::csv_link::{self, file_name};
use super::escape;
use super::rules::{self, is_specialist, MICRO_PERCENTILE};
use crate::query::compare::Specialist;
use crate::query::diff::diff_market;
use crate::query::explain::explain_many;
use crate::query::standing::user_view;
use crate::snapshot::Snapshot;
use std::fmt::Write;

/// Users of each market whose carriers are shown.
pub const CARRIED_USERS: usize = 5;

/// Followers listed per carried user.
pub const CARRIERS: usize = 5;

/// Writes an HTML table (escaped cells) and its CSV link (`csv`, a name
/// from [`file_name`]). `users` tables (a user id in the second column) are
/// the ones the page's search box filters.
pub(super) fn table(o: &mut String, csv: &str, users: bool, head: &[&str], rows: &[Vec<String>]) {
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
            let _ = write!(o, "<td>{}</td>", escape(cell));
        }
        o.push_str("</tr>");
    }
    o.push_str("</table>");
    csv_link::link(o, csv, head, rows);
}

/// The market's top `top` users with the numbers a reader acts on (score,
/// influence, followers) and the global rank and lift that show whether
/// they are specialists here or famous everywhere.
pub(super) fn top_list(o: &mut String, snap: &Snapshot, m: usize, top: usize) {
    let rows: Vec<Vec<String>> = snap
        .top(m, top)
        .map(|(u, _)| {
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
        })
        .collect();
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
    let name = file_name(&[&snap.markets()[m], "top"]);
    table(o, &name, true, &head, &rows);
}

/// The specialists of `here` against `there` (see
/// [`rules::is_specialist`]), sorted by rank in `here`, best first: the
/// reader meets the market's strongest specialist first, and the order
/// matches the top list above it. (`marketrank compare` picks its
/// specialists by the worst rank in the other market; listed that way, the
/// table opened with fashion's #20, issue 23.) `list` is compare's pick
/// from here's top `k`, asked for with a limit of `k`, so it holds them all.
pub(super) fn specialists(
    o: &mut String,
    snap: &Snapshot,
    (here, there): (&str, &str),
    k: usize,
    list: &[Specialist],
) {
    let mut list: Vec<&Specialist> = list
        .iter()
        .filter(|s| is_specialist(s.rank_here, s.rank_there, k))
        .collect();
    list.sort_by_key(|s| (s.rank_here, s.user));
    let _ = write!(
        o,
        "<p>Specialists of {}: in the top {k} of {} but not of {} ({}), by rank in {}:</p>",
        escape(here),
        escape(here),
        escape(there),
        list.len(),
        escape(here)
    );
    let (rh, rt) = (format!("rank in {here}"), format!("rank in {there}"));
    let rows: Vec<Vec<String>> = list
        .iter()
        .enumerate()
        .map(|(i, sp)| {
            vec![
                (i + 1).to_string(),
                snap.user_id(sp.user).to_string(),
                sp.rank_here.to_string(),
                sp.rank_there.to_string(),
            ]
        })
        .collect();
    let name = file_name(&[here, "vs", there, "specialists"]);
    table(o, &name, true, &["#", "user", &rh, &rt], &rows);
}

/// Market `m`'s micro-influencers (rule in
/// [`rules::MicroInfluencers`], spelled out on the page), the first `top`
/// by market rank, and how many there are in all.
pub(super) fn micro_influencers(o: &mut String, snap: &Snapshot, m: usize, top: usize) {
    let name = &snap.markets()[m];
    let mi = rules::micro_influencers(snap, m, top);
    let _ = write!(
        o,
        r#"<h3>Micro-influencers</h3><p class="note">High standing in the market, few followers: the people companies miss. Rule: in the top 1% of {} (percentile ≥ {MICRO_PERCENTILE}) with fewer than half the median follower count of its top {} accounts ({} followers, so under {}). {} qualif{}{}.</p>"#,
        escape(name),
        mi.reference,
        mi.median_followers,
        mi.median_followers / 2.0,
        match mi.qualifying {
            1 => "1 user".to_string(),
            q => format!("{q} users"),
        },
        if mi.qualifying == 1 { "ies" } else { "y" },
        if mi.qualifying > mi.users.len() {
            format!("; the first {} by rank are listed", mi.users.len())
        } else {
            String::new()
        }
    );
    let rows: Vec<Vec<String>> = mi
        .users
        .iter()
        .map(|&u| {
            let v = user_view(snap, u, m);
            vec![
                v.rank.to_string(),
                snap.user_id(u).to_string(),
                v.followers.to_string(),
                format!("{:.2}", v.percentile),
                format!("{:.0}", v.influence),
                v.global_rank.to_string(),
            ]
        })
        .collect();
    let head = [
        "rank",
        "user",
        "followers",
        "percentile",
        "influence (0–100)",
        "global rank",
    ];
    let csv = file_name(&[name, "micro_influencers"]);
    table(o, &csv, true, &head, &rows);
}

/// "Who carries this user": for the market's top [`CARRIED_USERS`], the
/// [`CARRIERS`] followers whose endorsement passes them the most score,
/// with their share — the computation behind `marketrank explain`, so the
/// page and the command agree. The market's users share one scan over the
/// follows ([`explain_many`]): one scan per market at any size. A snapshot
/// without its graph (a sharded part) gets a note.
pub(super) fn who_carries(o: &mut String, snap: &Snapshot, m: usize) {
    let name = &snap.markets()[m];
    o.push_str("<h3>Who carries the top users</h3>");
    let top: Vec<u32> = snap.order(m).iter().take(CARRIED_USERS).copied().collect();
    let explained = match explain_many(snap, &top, m) {
        Ok(e) => e,
        Err(err) => {
            let _ = write!(o, "<p class=\"note\">{}</p>", escape(&err.to_string()));
            return;
        }
    };
    for (i, (&u, e)) in top.iter().zip(&explained).enumerate() {
        let user = snap.user_id(u);
        let pct = |x: f64| {
            if e.score > 0.0 {
                format!("{:.1}%", 100.0 * x / e.score)
            } else {
                "—".to_string()
            }
        };
        let _ = write!(
            o,
            r#"<div class="carries" id="carries-{}-{}"><p><b>{}</b> (#{}, {} followers): {} of the score from followers, {} from teleport (seed of the market). The followers passing the most:</p>"#,
            escape(name),
            i + 1,
            escape(user),
            snap.standing(u, m).rank,
            snap.followers(u),
            pct(e.from_followers()),
            pct(e.teleport)
        );
        let rows: Vec<Vec<String>> = e
            .contributions
            .iter()
            .take(CARRIERS)
            .enumerate()
            .map(|(j, c)| {
                vec![
                    (j + 1).to_string(),
                    snap.user_id(c.follower).to_string(),
                    format!("{:.1}%", 100.0 * c.share),
                    snap.standing(c.follower, m).rank.to_string(),
                    snap.followers(c.follower).to_string(),
                ]
            })
            .collect();
        let head = [
            "#",
            "follower",
            "share",
            "their rank here",
            "their followers",
        ];
        let csv = file_name(&[name, "carries", &(i + 1).to_string(), user]);
        table(o, &csv, true, &head, &rows);
        if let Some(rest) = e.contributions.get(CARRIERS..).filter(|r| !r.is_empty()) {
            let _ = write!(
                o,
                r#"<p class="note">… {} more followers pass {}.</p>"#,
                rest.len(),
                pct(rest.iter().map(|c| c.amount).sum())
            );
        }
        o.push_str("</div>");
    }
}

/// Risers, fallers and newcomers in market `name` since the earlier run
/// `prev`; a market the earlier run lacks gets a note instead, not an error,
/// so one new market does not cost the whole report.
pub(super) fn changes(o: &mut String, prev: &Snapshot, snap: &Snapshot, name: &str, top: usize) {
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
                let rows: Vec<Vec<String>> = list
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        vec![
                            (i + 1).to_string(),
                            c.user.clone(),
                            r(c.old_rank),
                            r(c.new_rank),
                        ]
                    })
                    .collect();
                let csv = file_name(&[name, &title.to_lowercase()]);
                let head = ["#", "user", "earlier rank", "rank now"];
                table(o, &csv, true, &head, &rows);
            }
        }
        Err(e) => {
            let _ = write!(o, "<p class=\"note\">{}</p>", escape(&e.to_string()));
        }
    }
}
