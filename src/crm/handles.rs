//! Finding a customer file's handles and market names in a snapshot.
//!
//! Support staff paste handles as the networks show them (`@runway_rosa`)
//! and CRMs keep whatever case was typed (`Stylist_Kemal`), while the
//! networks treat handles case-insensitively; market names come from a
//! segment column typed by people (`Cooking`, ` FASHION `). Each of these
//! used to leave a row blank (issue 23). The rules, in order, so that an
//! exact id always wins over a normalised one:
//!
//! 1. the cell trimmed, exactly;
//! 2. with one leading `@` stripped (and trimmed again), exactly;
//! 3. unless `--match-case`: the same, compared after Unicode lowercasing.
//!    When two snapshot users differ only by case (`Kemal`, `kemal`) and
//!    neither is exact, nothing is guessed: the row is *ambiguous*,
//!    counted and left blank.
//!
//! Step 3 needs every user id lowercased. [`Snapshot::user_index`] is a
//! binary search over ids sorted byte-wise, which case folding breaks, and
//! scanning the ids per row would make a file of R rows cost R × users.
//! So the folded index is built once, on the first row that needs it (a
//! file that matches exactly never pays for it), by one pass over the
//! snapshot's ids (`user_id` is a slice of the id section; a sharded
//! snapshot adds a search over its few parts): an open-addressing table of
//! `u32` user indexes keyed by a hash of the lowercased id, no strings
//! copied, at a load between ⅓ and ⅔ (6 to 12 bytes a user: about 0.5 GB
//! at 41.7M users). Candidates are compared by their lowercased ids, so a
//! hash collision never produces a match.

use crate::snapshot::Snapshot;
use std::cell::OnceCell;
use std::hash::Hasher;

/// A row's user, as found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserMatch {
    /// Found: the user index and how.
    Found {
        /// User index in the snapshot.
        user: u32,
        /// A leading `@` was stripped to find it.
        at_stripped: bool,
        /// Found only by comparing lowercased ids.
        case_folded: bool,
    },
    /// Several users differ from the id only by case, none exactly: their
    /// ids.
    Ambiguous(Vec<String>),
    /// The cell is blank (or only `@`).
    Blank,
    /// No such user.
    Unknown,
}

/// Looks rows' ids up in a snapshot ([module docs](self) for the rules).
pub struct UserLookup<'s> {
    snap: &'s Snapshot,
    fold_case: bool,
    folded: OnceCell<CaseIndex>,
}

impl<'s> UserLookup<'s> {
    /// `fold_case`: match ids case-insensitively (the default; off with
    /// `--match-case`).
    pub fn new(snap: &'s Snapshot, fold_case: bool) -> Self {
        UserLookup {
            snap,
            fold_case,
            folded: OnceCell::new(),
        }
    }

    /// The user a cell names.
    pub fn find(&self, cell: &str) -> UserMatch {
        let trimmed = cell.trim();
        if let Some(u) = self.snap.user_index(trimmed) {
            return found(u, false, false);
        }
        let (id, at) = match trimmed.strip_prefix('@') {
            Some(rest) => (rest.trim(), true),
            None => (trimmed, false),
        };
        if id.is_empty() {
            return UserMatch::Blank;
        }
        if at {
            if let Some(u) = self.snap.user_index(id) {
                return found(u, true, false);
            }
        }
        if !self.fold_case {
            return UserMatch::Unknown;
        }
        let index = self.folded.get_or_init(|| CaseIndex::build(self.snap));
        let mut hits = index.candidates(self.snap, id);
        match hits.len() {
            0 => UserMatch::Unknown,
            1 => found(hits[0], at, true),
            _ => {
                hits.sort_unstable();
                UserMatch::Ambiguous(
                    hits.iter()
                        .map(|&u| self.snap.user_id(u).to_string())
                        .collect(),
                )
            }
        }
    }
}

fn found(user: u32, at_stripped: bool, case_folded: bool) -> UserMatch {
    UserMatch::Found {
        user,
        at_stripped,
        case_folded,
    }
}

fn lower(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars().flat_map(char::to_lowercase)
}

fn folded_hash(s: &str) -> u64 {
    let mut h = rustc_hash::FxHasher::default();
    for c in lower(s) {
        h.write_u32(c as u32);
    }
    // Fx's low bits are weak on short keys; the table indexes by them.
    h.finish()
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .rotate_left(32)
}

const EMPTY: u32 = u32::MAX;

/// Users by lowercased id: open addressing with linear probing.
struct CaseIndex {
    slots: Vec<u32>,
    mask: usize,
}

impl CaseIndex {
    fn build(snap: &Snapshot) -> CaseIndex {
        let n = snap.users();
        let cap = (n + n / 2 + 1).next_power_of_two().max(8);
        let mut slots = vec![EMPTY; cap];
        let mask = cap - 1;
        for u in 0..n as u32 {
            let mut i = folded_hash(snap.user_id(u)) as usize & mask;
            while slots[i] != EMPTY {
                i = (i + 1) & mask;
            }
            slots[i] = u;
        }
        CaseIndex { slots, mask }
    }

    /// Every user whose lowercased id equals `id` lowercased.
    fn candidates(&self, snap: &Snapshot, id: &str) -> Vec<u32> {
        let mut i = folded_hash(id) as usize & self.mask;
        let mut out = Vec::new();
        while self.slots[i] != EMPTY {
            let u = self.slots[i];
            if lower(snap.user_id(u)).eq(lower(id)) {
                out.push(u);
            }
            i = (i + 1) & self.mask;
        }
        out
    }
}

/// A market name the snapshot does not have, with a close one if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarketMiss {
    /// The name as written (trimmed).
    pub name: String,
    /// A snapshot market within two edits (after lowercasing) or sharing
    /// a prefix of at least three letters.
    pub suggestion: Option<String>,
}

impl MarketMiss {
    /// ` (did you mean `cooking`?)`, or nothing.
    pub fn hint(&self) -> String {
        did_you_mean(self.suggestion.as_deref())
    }
}

/// ` (did you mean `cooking`?)` for a suggestion, or nothing: one wording
/// for the refusal of `--market` and the summary's per-name counts.
pub fn did_you_mean(suggestion: Option<&str>) -> String {
    match suggestion {
        Some(s) => format!(" (did you mean `{s}`?)"),
        None => String::new(),
    }
}

impl std::fmt::Display for MarketMiss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown market `{}`{}", self.name, self.hint())
    }
}

/// Finds market names: trimmed, exact first, then case-insensitively when
/// that names exactly one market.
pub fn find_market(markets: &[String], name: &str) -> Result<usize, MarketMiss> {
    let t = name.trim();
    if let Some(m) = markets.iter().position(|m| m == t) {
        return Ok(m);
    }
    let mut folded = markets
        .iter()
        .enumerate()
        .filter(|(_, m)| lower(m).eq(lower(t)));
    if let (Some((m, _)), None) = (folded.next(), folded.next()) {
        return Ok(m);
    }
    Err(MarketMiss {
        name: t.to_string(),
        suggestion: suggest(markets, t),
    })
}

fn suggest(markets: &[String], name: &str) -> Option<String> {
    let n: Vec<char> = lower(name).collect();
    if n.is_empty() {
        return None;
    }
    let scored = markets.iter().filter_map(|m| {
        let c: Vec<char> = lower(m).collect();
        let d = edit_distance(&n, &c);
        let prefix = n.len().min(c.len()) >= 3 && (c.starts_with(&n) || n.starts_with(&c));
        (d <= 2 || prefix).then_some((d, m))
    });
    scored.min_by_key(|(d, _)| *d).map(|(_, m)| m.clone())
}

/// Levenshtein distance (market names are short; O(|a|·|b|)).
fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn markets() -> Vec<String> {
        ["cooking", "fashion", "tech", "global"]
            .map(String::from)
            .to_vec()
    }

    #[test]
    fn markets_match_trimmed_and_in_any_case() {
        let m = markets();
        assert_eq!(find_market(&m, "Cooking"), Ok(0));
        assert_eq!(find_market(&m, " FASHION "), Ok(1));
        let miss = find_market(&m, "cokking").unwrap_err();
        assert_eq!(
            miss.to_string(),
            "unknown market `cokking` (did you mean `cooking`?)"
        );
        assert_eq!(
            find_market(&m, "techno").unwrap_err().suggestion.as_deref(),
            Some("tech")
        );
        assert_eq!(find_market(&m, "gardening").unwrap_err().suggestion, None);
    }

    #[test]
    fn two_markets_differing_by_case_are_not_guessed() {
        let m = ["Tech", "tech"].map(String::from).to_vec();
        assert_eq!(find_market(&m, "tech"), Ok(1));
        assert!(find_market(&m, "TECH").is_err());
    }

    #[test]
    fn edit_distance_counts_edits() {
        let d = |a: &str, b: &str| {
            edit_distance(
                &a.chars().collect::<Vec<_>>(),
                &b.chars().collect::<Vec<_>>(),
            )
        };
        assert_eq!(d("cokking", "cooking"), 1);
        assert_eq!(d("", "abc"), 3);
        assert_eq!(d("kitten", "sitting"), 3);
    }
}
