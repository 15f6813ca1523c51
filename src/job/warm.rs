//! Warm start: begin the iteration from an earlier snapshot's scores, so a
//! nightly run over a graph that changed a little converges in a few
//! iterations instead of from scratch.

use super::{JobError, Level, Observer};
use crate::input::load::TaggedGraph;
use crate::rank::TopicTeleport;
use std::path::Path;

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
    let mut start = vec![f32::NAN; data.ids.len() * k];
    let mut matched = 0u64;
    let mut name = Vec::new();
    for u in 0..data.ids.len() as u32 {
        name.clear();
        data.ids.write_name(u, &mut name);
        let Some(pu) = std::str::from_utf8(&name)
            .ok()
            .and_then(|s| prev.user_index(s))
        else {
            continue;
        };
        matched += 1;
        for (c, pc) in cols.iter().enumerate() {
            if let Some(pc) = pc {
                start[u as usize * k + c] = prev.score(pu, *pc) as f32;
            }
        }
    }
    obs.note(
        Level::Info,
        &format!(
            "warm start from {}: {matched} of {} users and {} of {k} markets known",
            path.display(),
            data.ids.len(),
            cols.iter().filter(|c| c.is_some()).count()
        ),
    );
    Ok((start, parent))
}
