//! Checks of a snapshot's sections beyond their lengths: that offsets stay
//! inside their data, indices inside the users and markets, and values are
//! finite and in range.
//!
//! The checksums only say that a file is what its writer wrote. A crafted
//! file (or one from a faulty writer) can carry valid checksums around a
//! graph offset past the end of the follows, a follower index beyond the
//! users or a NaN score, and then `explain` indexes out of bounds and a loop
//! over tied scores (`score == s`, never true for NaN) spins forever (issue
//! 18, item 10). So [`Part::open`](super::reader::Part) runs the checks that
//! make every accessor safe ([`offsets`], [`below`], [`scores`]: one
//! sequential pass over each array, cheap next to the body CRC that already
//! reads the whole file), and `marketrank info --check` adds the ones that
//! only make answers right ([`ascending`], [`in_range`]).

/// What is wrong inside one section (the section and market are in
/// [`SnapshotError::BadSection`](super::SnapshotError::BadSection)).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SectionProblem {
    /// The section's length is not a whole number of records.
    #[error("{len} bytes is not a whole number of {record}-byte records")]
    Ragged {
        /// Bytes in the section.
        len: usize,
        /// Bytes per record.
        record: usize,
    },
    /// An offsets array that does not start at 0.
    #[error("the first offset is {first}, not 0")]
    OffsetsStart {
        /// The first offset.
        first: u64,
    },
    /// An offset below the one before it.
    #[error("offset {at} is {value}, below the {before} before it")]
    OffsetsDecrease {
        /// Position in the offsets array.
        at: usize,
        /// Its value.
        value: u64,
        /// The value before it.
        before: u64,
    },
    /// The last offset is not the number of records it points into.
    #[error("the last offset is {last}, but the data it points into holds {records} records")]
    OffsetsEnd {
        /// The last offset.
        last: u64,
        /// Records in the data section.
        records: u64,
    },
    /// An index (a user, a market column) beyond what exists.
    #[error("entry {at} is {index}, but there are only {limit} {of}")]
    IndexOutOfRange {
        /// Position in the section.
        at: usize,
        /// The stored index.
        index: u64,
        /// How many there are.
        limit: u64,
        /// What it indexes: "users", "markets".
        of: &'static str,
    },
    /// A value that is not finite or outside what the field can hold.
    #[error("entry {at} is {value}, outside {allowed}")]
    Value {
        /// Position (for SCORES: the user).
        at: usize,
        /// The stored value.
        value: f64,
        /// The allowed range, in words.
        allowed: &'static str,
    },
    /// A score that is not a probability (NaN, infinite, negative, above 1).
    #[error("user {user:?} (index {index}) has score {value}, not a probability in [0, 1]")]
    Score {
        /// The user's id.
        user: String,
        /// The user's index.
        index: usize,
        /// The stored score.
        value: f64,
    },
    /// A list that must be strictly ascending is not (followers of a user).
    #[error("entries {at} and {next} of user {user} are not strictly ascending")]
    NotAscending {
        /// The user whose list it is.
        user: usize,
        /// Position of the first entry.
        at: usize,
        /// Position of the second.
        next: usize,
    },
    /// A reserved field that is not 0.
    #[error("entry {at} has {value} in its reserved field (always 0)")]
    Reserved {
        /// Position in the section.
        at: usize,
        /// The stored value.
        value: u64,
    },
}

/// The largest score accepted: scores are probabilities (each market's
/// sum to 1), and `1 + 1e-6` leaves room for the rounding of a one-user
/// market, so that no file marketrank wrote is refused.
pub(crate) const MAX_SCORE: f64 = 1.0 + 1e-6;

/// Number of `record`-byte records in a section of `len` bytes.
pub(crate) fn records(len: usize, record: usize) -> Result<usize, SectionProblem> {
    if !len.is_multiple_of(record) {
        return Err(SectionProblem::Ragged { len, record });
    }
    Ok(len / record)
}

/// A CSR offsets array: starts at 0, never decreases, ends at `records`
/// (the entries of the data section), so `data[off[i]..off[i+1]]` is in
/// bounds for every `i`.
pub(crate) fn offsets(offs: &[u64], records: usize) -> Result<(), SectionProblem> {
    match offs.first() {
        Some(&0) | None => {}
        Some(&first) => return Err(SectionProblem::OffsetsStart { first }),
    }
    if let Some(at) = offs.windows(2).position(|w| w[0] > w[1]) {
        return Err(SectionProblem::OffsetsDecrease {
            at: at + 1,
            value: offs[at + 1],
            before: offs[at],
        });
    }
    let last = offs.last().copied().unwrap_or(0);
    if last != records as u64 {
        return Err(SectionProblem::OffsetsEnd {
            last,
            records: records as u64,
        });
    }
    Ok(())
}

/// Every index below `limit` (`of` names what is indexed).
pub(crate) fn below(
    values: impl Iterator<Item = u64>,
    limit: usize,
    of: &'static str,
) -> Result<(), SectionProblem> {
    let limit = limit as u64;
    for (at, index) in values.enumerate() {
        if index >= limit {
            return Err(SectionProblem::IndexOutOfRange {
                at,
                index,
                limit,
                of,
            });
        }
    }
    Ok(())
}

/// Every value finite and in `lo..=hi` (`lo` itself excluded when
/// `open_low`); `allowed` says the range in words.
pub(crate) fn in_range(
    values: impl Iterator<Item = f64>,
    (lo, hi, open_low): (f64, f64, bool),
    allowed: &'static str,
) -> Result<(), SectionProblem> {
    for (at, value) in values.enumerate() {
        let low_ok = if open_low { value > lo } else { value >= lo };
        // NaN fails both comparisons, so it is refused here too.
        if !(low_ok && value <= hi) {
            return Err(SectionProblem::Value { at, value, allowed });
        }
    }
    Ok(())
}

/// The first bad score of a row-major `users × k` block: `(user, market
/// column, value)`. A score must be finite and in `[0, MAX_SCORE]`, or
/// ranks and ties (`score == s`) mean nothing and loops over them may not end.
pub(crate) fn scores<T: Copy + Into<f64>>(
    block: &[T],
    k: usize,
) -> Result<(), (usize, usize, f64)> {
    // A plain scan the compiler can vectorise; the position is found only
    // once something is wrong.
    let ok = |v: f64| (0.0..=MAX_SCORE).contains(&v);
    if block.iter().all(|&v| ok(v.into())) {
        return Ok(());
    }
    let i = block.iter().position(|&v| !ok(v.into())).unwrap_or(0);
    Err((i / k.max(1), i % k.max(1), block[i].into()))
}

/// The lists `data[off[u]..off[u+1]]` each strictly ascending (a user's
/// followers: sorted and distinct). `offsets` must have passed [`offsets`].
pub(crate) fn ascending(offs: &[u64], data: &[u32]) -> Result<(), SectionProblem> {
    for (user, w) in offs.windows(2).enumerate() {
        let (a, b) = (w[0] as usize, w[1] as usize);
        if let Some(i) = data[a..b].windows(2).position(|p| p[0] >= p[1]) {
            return Err(SectionProblem::NotAscending {
                user,
                at: a + i,
                next: a + i + 1,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_that_leave_their_data_are_refused() {
        assert_eq!(offsets(&[0, 2, 5], 5), Ok(()));
        assert_eq!(offsets(&[], 0), Ok(()));
        assert_eq!(
            offsets(&[1, 2], 2),
            Err(SectionProblem::OffsetsStart { first: 1 })
        );
        assert_eq!(
            offsets(&[0, 3, 2], 2),
            Err(SectionProblem::OffsetsDecrease {
                at: 2,
                value: 2,
                before: 3
            })
        );
        assert_eq!(
            offsets(&[0, 2, 9], 5),
            Err(SectionProblem::OffsetsEnd {
                last: 9,
                records: 5
            })
        );
    }

    #[test]
    fn nan_and_negative_scores_are_found_with_user_and_market() {
        assert!(scores(&[0.5f32, 0.5, 0.0, 1.0], 2).is_ok());
        let (u, m, v) = scores(&[0.5f64, 0.5, 0.1, f64::NAN], 2).unwrap_err();
        assert_eq!((u, m), (1, 1));
        assert!(v.is_nan());
        let (u, m, _) = scores(&[-0.1f32, 0.5], 2).unwrap_err();
        assert_eq!((u, m), (0, 0));
        assert!(scores(&[f32::INFINITY], 1).is_err());
    }

    #[test]
    fn followers_must_be_strictly_ascending() {
        assert_eq!(ascending(&[0, 2, 3], &[1, 4, 0]), Ok(()));
        assert!(matches!(
            ascending(&[0, 2, 3], &[4, 4, 0]),
            Err(SectionProblem::NotAscending { user: 0, .. })
        ));
    }
}
