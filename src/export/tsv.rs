//! The score TSV of a rank run: `user<TAB>market<TAB>score`, the
//! interchange format of `../shared/bench`. It is written from a
//! [`RankResult`](crate::RankResult) right after ranking, not from a
//! snapshot, so it takes no [`ExportFilter`](super::ExportFilter) and no
//! part in [`export`](super::export).

use crate::store::atomic::{prepare_with, AtomicFile};
use std::path::Path;

/// Writes `user<TAB>market<TAB>score` for every non-zero score of `result`
/// (the interchange format of `../shared/bench`), atomically.
pub fn write_scores_tsv(
    result: &crate::RankResult,
    ids: &crate::UserIds,
    out: &Path,
) -> std::io::Result<u64> {
    let (file, rows) = prepare_scores_tsv(result, ids, out)?;
    file.commit()?;
    Ok(rows)
}

/// [`write_scores_tsv`] without publishing: the file and its row count, to
/// be committed with the snapshot it goes with.
pub fn prepare_scores_tsv(
    result: &crate::RankResult,
    ids: &crate::UserIds,
    out: &Path,
) -> std::io::Result<(AtomicFile, u64)> {
    prepare_with(out, |w| {
        let mut line = Vec::with_capacity(64);
        let mut rows = 0;
        for u in 0..result.users() {
            for (c, name) in result.markets.iter().enumerate() {
                let s = result.score(u, c);
                if s != 0.0 {
                    line.clear();
                    ids.write_name(u as u32, &mut line);
                    line.push(b'\t');
                    line.extend_from_slice(name.as_bytes());
                    line.push(b'\t');
                    w.write_all(&line)?;
                    writeln!(w, "{s:e}")?;
                    rows += 1;
                }
            }
        }
        Ok(rows)
    })
}
