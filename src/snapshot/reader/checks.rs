//! The checks of a [`Part`]'s sections beyond their lengths: those
//! [`Part::open`] runs so that no accessor can index out of bounds and no
//! loop over ranks can spin (structure, scores, the model's bounds), and the
//! deep ones `marketrank info --check` adds ([`Part::check_consistency`]).
//! What each value check tests is in [`validate`].

use super::super::format::*;
use super::super::validate::{self, SectionProblem};
use super::Part;
use std::ops::Range;

impl Part {
    /// The error for `problem` in section `kind` (of market column
    /// `market`, for the per-market sections).
    fn bad_section(
        &self,
        kind: u32,
        market: Option<usize>,
        problem: SectionProblem,
    ) -> SnapshotError {
        SnapshotError::BadSection {
            path: self.path.clone(),
            section: section_name(kind),
            market: market.map(|m| self.markets[m].clone()),
            problem,
        }
    }

    /// The variable-length model sections hold whole records; without it
    /// the casts to their records would panic. O(1), so [`Part::open_unverified`]
    /// runs it too.
    pub(super) fn check_record_sizes(&self) -> Result<(), SnapshotError> {
        let Some(m) = &self.model else { return Ok(()) };
        for (kind, r, size) in [
            (KIND_GRAPH_SOURCES, &m.sources, 4),
            (
                KIND_AFFINITY,
                &m.affinity,
                std::mem::size_of::<AffinityEntry>(),
            ),
            (
                KIND_TELEPORT,
                &m.teleport,
                std::mem::size_of::<TeleportEntry>(),
            ),
        ] {
            validate::records(r.len(), size).map_err(|p| self.bad_section(kind, None, p))?;
        }
        Ok(())
    }

    /// The checks that make every accessor safe, run by [`Part::open`]
    /// (one sequential pass over each array; the body CRC already read the
    /// whole file): id offsets inside the id bytes, user indices inside the
    /// users, ids UTF-8, scores finite and in [0, 1], the model's offsets and
    /// indices in bounds. Kept apart from the deep checks so that
    /// [`check_consistency`](Part::check_consistency) can rerun them on a
    /// part opened without them.
    pub(super) fn check_structure(&self) -> Result<(), SnapshotError> {
        let bad = |reason: &str| SnapshotError::Malformed {
            path: self.path.clone(),
            reason: reason.to_string(),
        };
        // Id offsets must be monotone and inside the id bytes.
        let offs = self.id_offsets_slice();
        let total = self.id_bytes.len() as u64;
        if offs.first() != Some(&0)
            || offs.windows(2).any(|w| w[0] > w[1])
            || offs.last() != Some(&total)
        {
            return Err(bad("user id offsets are not consistent"));
        }
        if self
            .order_all()
            .iter()
            .chain(self.id_index_slice())
            .any(|&u| u as usize >= self.users)
        {
            return Err(bad("user index out of range"));
        }
        self.checked(&self.order);
        self.checked(&self.id_index);
        // Ids are UTF-8 (one sequential pass), so lookups compare real ids.
        if (0..self.users as u32).any(|u| std::str::from_utf8(self.id_bytes_of(u)).is_err()) {
            return Err(bad("a user id is not UTF-8"));
        }
        self.checked(&self.id_offsets);
        self.checked(&self.id_bytes);
        self.check_scores()?;
        self.checked(&self.scores);
        self.check_model_bounds()?;
        if let Some(m) = &self.model {
            for r in [
                &m.offsets,
                &m.sources,
                &m.aff_offsets,
                &m.affinity,
                &m.tele_offsets,
                &m.teleport,
            ] {
                self.checked(r);
            }
        }
        Ok(())
    }

    /// Every score finite and in [0, 1]: ranks, ties and the loops over them
    /// (`score == s`) assume it, and a NaN once made them spin.
    fn check_scores(&self) -> Result<(), SnapshotError> {
        let s = &self.map[self.scores.clone()];
        let found = match self.dtype {
            DTYPE_F32 => validate::scores(bytemuck::cast_slice::<u8, f32>(s), self.k),
            _ => validate::scores(bytemuck::cast_slice::<u8, f64>(s), self.k),
        };
        found.map_err(|(index, m, value)| {
            let user = self.user_id(index as u32).to_string();
            let p = SectionProblem::Score { user, index, value };
            self.bad_section(KIND_SCORES, Some(m), p)
        })
    }

    /// The model's offsets inside their data and its indices inside the
    /// users and markets, so that `followers_of`, `affinity_of`,
    /// `teleport_of` and `explain` never index out of bounds.
    fn check_model_bounds(&self) -> Result<(), SnapshotError> {
        let Some(m) = &self.model else { return Ok(()) };
        let offs = |r: &Range<usize>| -> &[u64] { bytemuck::cast_slice(&self.map[r.clone()]) };
        let sources = self.graph_sources();
        validate::offsets(offs(&m.offsets), sources.len())
            .map_err(|p| self.bad_section(KIND_GRAPH_OFFSETS, None, p))?;
        validate::below(sources.iter().map(|&v| v as u64), self.users, "users")
            .map_err(|p| self.bad_section(KIND_GRAPH_SOURCES, None, p))?;
        let aff = self.affinity_all();
        validate::offsets(offs(&m.aff_offsets), aff.len())
            .map_err(|p| self.bad_section(KIND_AFFINITY_OFFSETS, None, p))?;
        validate::below(aff.iter().map(|a| a.column as u64), self.k, "markets")
            .map_err(|p| self.bad_section(KIND_AFFINITY, None, p))?;
        let tele = self.teleport_all();
        validate::offsets(offs(&m.tele_offsets), tele.len())
            .map_err(|p| self.bad_section(KIND_TELEPORT_OFFSETS, None, p))?;
        validate::below(tele.iter().map(|t| t.column as u64), self.k, "markets")
            .map_err(|p| self.bad_section(KIND_TELEPORT, None, p))
    }

    /// The model's values (`info --check`): followers sorted and distinct,
    /// weights positive, affinities in (0, 1], teleport probabilities in
    /// [0, 1] with the reserved field 0, trust finite and non-negative.
    /// Wrong values make `explain` wrong, not unsafe, so `open` leaves them.
    fn check_model_values(&self) -> Result<(), SnapshotError> {
        let Some(m) = &self.model else { return Ok(()) };
        let offs: &[u64] = bytemuck::cast_slice(&self.map[m.offsets.clone()]);
        validate::ascending(offs, self.graph_sources())
            .map_err(|p| self.bad_section(KIND_GRAPH_SOURCES, None, p))?;
        let f32s = |r: &Range<usize>| -> &[f32] { bytemuck::cast_slice(&self.map[r.clone()]) };
        if let Some(w) = &m.weights {
            let weights = f32s(w).iter().map(|&v| v as f64);
            let positive = (0.0, f64::MAX, true);
            validate::in_range(weights, positive, "(0, ∞) (a follow weighs more than 0)")
                .map_err(|p| self.bad_section(KIND_GRAPH_WEIGHTS, None, p))?;
        }
        let aff = self.affinity_all().iter().map(|a| a.affinity as f64);
        validate::in_range(
            aff,
            (0.0, 1.0, true),
            "(0, 1] (a share of the strongest tag)",
        )
        .map_err(|p| self.bad_section(KIND_AFFINITY, None, p))?;
        let tele = self.teleport_all();
        if let Some(at) = tele.iter().position(|t| t.reserved != 0) {
            let value = tele[at].reserved as u64;
            let p = SectionProblem::Reserved { at, value };
            return Err(self.bad_section(KIND_TELEPORT, None, p));
        }
        let probs = tele.iter().map(|t| t.prob);
        validate::in_range(probs, (0.0, 1.0, false), "[0, 1] (a probability)")
            .map_err(|p| self.bad_section(KIND_TELEPORT, None, p))?;
        if let Some(t) = &m.trust {
            let trust = f32s(t).iter().map(|&v| v as f64);
            validate::in_range(trust, (0.0, f64::MAX, false), "[0, ∞) (trust passed on)")
                .map_err(|p| self.bad_section(KIND_TRUST, None, p))?;
        }
        Ok(())
    }

    /// Deep consistency checks that [`open`](Part::open) leaves out because
    /// they read the file in random order (seconds to a minute at 10M
    /// users) or only make answers right, not reads safe: the id index
    /// lists ids in strictly increasing byte order (so every user is found
    /// and ids are distinct), each market's stored order is a permutation of
    /// the users by non-increasing, finite, non-negative score, and the
    /// model's values are in range. It reruns `open`'s structural checks
    /// first, for a part opened with [`open_unverified`](Part::open_unverified).
    /// A file that passed its checksums fails these only if its writer was
    /// faulty or it was crafted; `marketrank info --check` runs them.
    pub fn check_consistency(&self) -> Result<(), SnapshotError> {
        use rayon::prelude::*;
        self.check_structure()?;
        let bad = |reason: String| SnapshotError::Malformed {
            path: self.path.clone(),
            reason,
        };
        let idx = self.id_index_slice();
        if idx
            .par_windows(2)
            .any(|w| self.id_bytes_of(w[0]) >= self.id_bytes_of(w[1]))
        {
            return Err(bad("the id index is not sorted (or ids repeat)".into()));
        }
        let broken = (0..self.k).into_par_iter().find_first(|&m| {
            let mut seen = vec![false; self.users];
            let mut last = f64::INFINITY;
            self.order(m).iter().any(|&u| {
                let s = self.score(u, m);
                let wrong = seen[u as usize] || !(s.is_finite() && s >= 0.0) || s > last;
                seen[u as usize] = true;
                last = s;
                wrong
            })
        });
        if let Some(m) = broken {
            return Err(bad(format!(
                "market `{}`: the stored order is not a ranking of its scores",
                self.markets[m]
            )));
        }
        self.check_model_values()
    }
}
