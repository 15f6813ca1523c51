//! Warm start: begin the iteration from an earlier snapshot's scores, so a
//! nightly run over a graph that changed a little converges in a few
//! iterations instead of from scratch.

use super::{JobError, Level, Observer};
use crate::input::load::TaggedGraph;
use crate::rank::TopicTeleport;
use rayon::prelude::*;
use std::path::Path;

/// No user of the other side.
const GONE: u32 = u32::MAX;

/// The snapshot a run continued from, as its metadata records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parent {
    /// The file read: a symlink (`latest.snap`) resolved to the file it
    /// pointed to then, so lineage survives the link moving on.
    pub path: String,
    /// Its content id ([`crate::Snapshot::content_id`]).
    pub snapshot_id: String,
}

/// The previous snapshot to warm-start from: `None` when there is none to
/// use (no `--previous`, or `--previous-if-exists` and no file yet: then a
/// warning says the run starts cold).
pub fn previous_to_use<'j>(
    previous: Option<&'j Path>,
    may_be_missing: bool,
    obs: &mut dyn Observer,
) -> Option<&'j Path> {
    let path = previous?;
    if may_be_missing && !path.exists() {
        obs.note(
            Level::Warning,
            &format!(
                "no previous snapshot at {} yet (first run of a schedule?): starting cold, without a parent",
                path.display()
            ),
        );
        return None;
    }
    Some(path)
}

/// The previous snapshot's scores laid out for this run's users and
/// markets, node-major (NaN where unknown: users matched by id, markets by
/// name; the kernel starts the unknown ones from teleport), and the parent
/// record of the new snapshot.
pub fn start_from_previous(
    path: &Path,
    data: &TaggedGraph,
    tele: &TopicTeleport,
    obs: &mut dyn Observer,
) -> Result<(Vec<f32>, Parent), JobError> {
    let t0 = std::time::Instant::now();
    let prev = crate::Snapshot::open(path)?;
    let parent = Parent {
        path: std::fs::canonicalize(path)
            .unwrap_or_else(|_| path.to_path_buf())
            .display()
            .to_string(),
        snapshot_id: prev.content_id(),
    };
    let k = tele.len();
    let cols: Vec<Option<usize>> = tele
        .markets()
        .iter()
        .map(|m| prev.market_index(m))
        .collect();
    let n = data.ids.len();
    // Our index of each previous user, one hash (or table) lookup per id
    // in parallel, then inverted: 0.05 s at 1M users where one binary
    // search per user over the snapshot's id index took 2.3-2.7 s (issue 22).
    let ours: Vec<u32> = (0..prev.users() as u32)
        .into_par_iter()
        .map(|p| data.ids.get(prev.user_id(p)).unwrap_or(GONE))
        .collect();
    let mut theirs = vec![GONE; n];
    for (p, &u) in ours.iter().enumerate() {
        if u != GONE {
            theirs[u as usize] = p as u32;
        }
    }
    drop(ours);
    let matched = theirs.iter().filter(|&&p| p != GONE).count();
    let mut start = vec![f32::NAN; n * k];
    start
        .par_chunks_mut(k.max(1))
        .zip(theirs.par_iter())
        .for_each(|(row, &p)| {
            if p == GONE {
                return;
            }
            for (c, pc) in cols.iter().enumerate() {
                if let Some(pc) = pc {
                    row[c] = prev.score(p, *pc) as f32;
                }
            }
        });
    obs.note(
        Level::Info,
        &format!(
            "warm start from {}: {matched} of {} users and {} of {k} markets known (read in {:.2?})",
            path.display(),
            data.ids.len(),
            cols.iter().filter(|c| c.is_some()).count(),
            t0.elapsed()
        ),
    );
    Ok((start, parent))
}
