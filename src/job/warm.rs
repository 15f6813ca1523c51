//! Warm start: begin the iteration from an earlier snapshot's scores, so a
//! nightly run over a graph that changed a little converges in a few
//! iterations instead of from scratch.

use super::{JobError, Level, Observer};
use crate::input::load::TaggedGraph;
use crate::rank::TopicTeleport;
use std::path::Path;

/// The previous snapshot's scores laid out for this run's users and
/// markets, node-major (NaN where unknown: users matched by id, markets by
/// name; the kernel starts the unknown ones from teleport).
pub fn start_from_previous(
    path: &Path,
    data: &TaggedGraph,
    tele: &TopicTeleport,
    obs: &mut dyn Observer,
) -> Result<Vec<f32>, JobError> {
    let prev = crate::Snapshot::open(path)?;
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
    Ok(start)
}
