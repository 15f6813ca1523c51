//! The last round of [`super::load`]: this worker's counts summed over the
//! cluster, so every worker holds the same [`Totals`] for the summary and
//! the snapshot metadata.

use super::Totals;
use crate::cluster::mailroom::Mailroom;
use crate::input::LineStats;
use crate::job::JobError;

/// One `sum_u64` of 17 values: both line stats, then the seven counts.
/// Only a line stat's total of skipped lines travels, so the summed stats
/// report it under `malformed` and carry no example lines.
pub(super) fn summed(mail: &mut Mailroom<'_>, mut local: Totals) -> Result<Totals, JobError> {
    let mut v = stats_vec(&local.edge_lines);
    v.extend(stats_vec(&local.topic_lines));
    v.extend([
        local.edges,
        local.self_follows_dropped,
        local.duplicate_follows_merged,
        local.duplicate_tags_merged,
        local.users_only_in_topics,
        local.pull_rows,
        local.push_rows,
    ]);
    let s = mail.sum_u64(&v)?;
    let totals = &mut local;
    totals.edges = s[10];
    totals.self_follows_dropped = s[11];
    totals.duplicate_follows_merged = s[12];
    totals.duplicate_tags_merged = s[13];
    totals.users_only_in_topics = s[14];
    totals.pull_rows = s[15];
    totals.push_rows = s[16];
    for (st, base) in [(&mut totals.edge_lines, 0), (&mut totals.topic_lines, 5)] {
        st.lines = s[base];
        st.bytes = s[base + 1];
        st.comments_and_blank = s[base + 2];
        st.headers = s[base + 3];
        st.skipped = std::iter::once(("malformed".to_string(), s[base + 4]))
            .filter(|e| e.1 > 0)
            .collect();
        st.first_skipped.clear();
    }
    Ok(local)
}

/// The five numbers of a line stat that travel.
fn stats_vec(s: &LineStats) -> Vec<u64> {
    vec![
        s.lines,
        s.bytes,
        s.comments_and_blank,
        s.headers,
        s.skipped_total(),
    ]
}

/// A cluster with no follows has nothing to rank; every worker sees the
/// same sums, so all refuse alike.
pub(super) fn require_follows(totals: &Totals, edge_files: usize) -> Result<(), JobError> {
    if totals.edges == 0 {
        return Err(JobError::Config(format!(
            "no follows to rank in {} edge file(s): {} lines, {} self-follows dropped",
            edge_files, totals.edge_lines.lines, totals.self_follows_dropped
        )));
    }
    Ok(())
}
