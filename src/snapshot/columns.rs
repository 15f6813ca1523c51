//! A snapshot's columns as stored, for programs that hand them on without
//! a copy: the Python package's numpy views (`scores`, `followers`) and
//! Arrow arrays (`users`: the id sections are an Arrow `large_utf8`
//! array as they lie in the file).

/// A part's score block: users × markets, row-major by user (row `i` is
/// user `i`'s scores in every market, in [`super::Metadata::markets`]
/// order), in the precision of the run.
#[derive(Debug, Clone, Copy)]
pub enum ScoreBlock<'a> {
    /// `--precision f32` (the default).
    F32(&'a [f32]),
    /// `--precision f64`.
    F64(&'a [f64]),
}

/// One file's columns (a single-file snapshot has one part; a sharded one
/// a part per file, its users after the previous part's).
#[derive(Debug, Clone, Copy)]
pub struct PartColumns<'a> {
    /// Global index of the part's first user.
    pub first_user: u32,
    /// Users in the part.
    pub users: usize,
    /// The scores.
    pub scores: ScoreBlock<'a>,
    /// Follower counts, one per user.
    pub followers: &'a [u32],
    /// `users + 1` offsets into `id_bytes`: user `i`'s id is
    /// `id_bytes[id_offsets[i]..id_offsets[i + 1]]`.
    pub id_offsets: &'a [u64],
    /// The ids, UTF-8, concatenated.
    pub id_bytes: &'a [u8],
}
