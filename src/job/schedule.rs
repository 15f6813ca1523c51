//! Periodic recomputes: timestamped snapshots in a directory, an atomically
//! updated `latest.snap` link, and pruning of old runs.

use crate::snapshot::{meta::now_unix, SNAPSHOT_EXT};
use std::io;
use std::path::{Path, PathBuf};

/// Name of the link that points at the newest good snapshot.
pub const LATEST: &str = "latest.snap";

/// `DIR/<UTC timestamp>-<n>.snap`, e.g. `DIR/20261125T154500Z-001.snap`:
/// names sort by time, and runs within the same second by `n`.
pub fn timestamped_path(dir: &Path) -> PathBuf {
    let stamp = crate::snapshot::rfc3339_of(now_unix()).replace(['-', ':'], "");
    // One more than the highest number used in this second (not the first
    // free one: a pruned name must not be reused out of order).
    let used = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_prefix(&format!("{stamp}-"))?
                .strip_suffix(&format!(".{SNAPSHOT_EXT}"))?
                .parse::<u32>()
                .ok()
        })
        .max()
        .unwrap_or(0);
    dir.join(format!("{stamp}-{:03}.{SNAPSHOT_EXT}", used + 1))
}

/// Points `DIR/latest.snap` at `snap` (a file in `DIR`): a new symbolic link
/// is created under a temporary name and renamed over the old one, so
/// readers always find a complete snapshot there.
pub fn publish_latest(dir: &Path, snap: &Path) -> io::Result<()> {
    let name = snap.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "snapshot path has no file name",
        )
    })?;
    let tmp = dir.join(format!(".{LATEST}.tmp.{}", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    #[cfg(unix)]
    std::os::unix::fs::symlink(name, &tmp)?;
    #[cfg(not(unix))]
    std::fs::copy(snap, &tmp).map(|_| ())?;
    std::fs::rename(&tmp, dir.join(LATEST))?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Removes all but the newest `keep` timestamped snapshots of `dir` (never
/// the one `latest.snap` points at). Returns the removed paths.
pub fn prune(dir: &Path, keep: usize) -> io::Result<Vec<PathBuf>> {
    let latest = std::fs::read_link(dir.join(LATEST))
        .ok()
        .map(|p| dir.join(p));
    let mut snaps: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.ends_with(&format!(".{SNAPSHOT_EXT}"))
                && name != LATEST
                && name.as_bytes().first().is_some_and(|b| b.is_ascii_digit())
        })
        .collect();
    snaps.sort();
    let cut = snaps.len().saturating_sub(keep);
    let mut removed = Vec::new();
    for p in snaps.into_iter().take(cut) {
        if Some(&p) != latest.as_ref() {
            std::fs::remove_file(&p)?;
            removed.push(p);
        }
    }
    Ok(removed)
}
