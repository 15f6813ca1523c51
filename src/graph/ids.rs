//! External user ids (arbitrary strings) ↔ dense indices.
//!
//! Most follower graphs use integer ids. An id written in canonical decimal
//! (no sign, no leading zero, below 2⁶³) is stored as a number: 8 bytes and
//! a cheap hash instead of a heap string; when such ids are dense, lookups go
//! through a direct table. Any other id is stored as a string. `"42"` is
//! always the number 42 and `"042"` always a string, so the two kinds never
//! name the same user.

use rustc_hash::FxHashMap;
use std::borrow::Cow;

/// Marks a key that indexes `strs` rather than holding a number.
const STR_TAG: u64 = 1 << 63;
/// Direct tables are used for numeric ids below this bound.
const TABLE_LIMIT: u64 = 1 << 27;
const ABSENT: u32 = u32::MAX;

/// Interned user ids. Index `i` is the `i`-th distinct id in the order first
/// seen (edges first, then topics), so the same input gives the same indices.
#[derive(Debug, Default, Clone)]
pub struct UserIds {
    keys: Vec<u64>,
    strs: Vec<Box<str>>,
    str_map: FxHashMap<Box<str>, u32>,
    num_map: FxHashMap<u64, u32>,
    num_table: Vec<u32>,
    /// A lower cap than 2³² − 1, so tests can reach the overflow path.
    max_users: Option<u32>,
}

/// The numeric value of a canonical decimal id, if it is one.
pub fn canonical_number(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 19 || (s[0] == b'0' && s.len() > 1) {
        return None;
    }
    let mut v: u64 = 0;
    for &c in s {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + d as u64;
    }
    (v < STR_TAG).then_some(v)
}

impl UserIds {
    /// An empty table.
    pub fn new() -> UserIds {
        UserIds::default()
    }

    /// An empty table that refuses more than `max` users, as a full 32-bit
    /// table would (for testing the overflow error without 4 billion ids).
    #[doc(hidden)]
    pub fn with_max_users(max: u32) -> UserIds {
        UserIds {
            max_users: Some(max),
            ..UserIds::default()
        }
    }

    fn push(&mut self, key: u64) -> Option<u32> {
        if self
            .max_users
            .is_some_and(|m| self.keys.len() >= m as usize)
        {
            return None;
        }
        let i = u32::try_from(self.keys.len())
            .ok()
            .filter(|&i| i != ABSENT)?;
        self.keys.push(key);
        Some(i)
    }

    /// The index of numeric id `v`, adding it if new. `None` once 2³² − 1
    /// users exist.
    #[inline]
    pub fn intern_number(&mut self, v: u64) -> Option<u32> {
        if v < TABLE_LIMIT {
            if (v as usize) >= self.num_table.len() {
                let want = (v as usize + 1)
                    .max(self.num_table.len() * 2)
                    .min(TABLE_LIMIT as usize);
                self.num_table.resize(want, ABSENT);
            }
            let slot = self.num_table[v as usize];
            if slot != ABSENT {
                return Some(slot);
            }
            let i = self.push(v)?;
            self.num_table[v as usize] = i;
            return Some(i);
        }
        if let Some(&i) = self.num_map.get(&v) {
            return Some(i);
        }
        let i = self.push(v)?;
        self.num_map.insert(v, i);
        Some(i)
    }

    /// The index of `id`, adding it if new. `None` once 2³² − 1 users exist.
    pub fn intern(&mut self, id: &str) -> Option<u32> {
        if let Some(v) = canonical_number(id.as_bytes()) {
            return self.intern_number(v);
        }
        if let Some(&i) = self.str_map.get(id) {
            return Some(i);
        }
        let i = self.push(STR_TAG | self.strs.len() as u64)?;
        let boxed: Box<str> = id.into();
        self.strs.push(boxed.clone());
        self.str_map.insert(boxed, i);
        Some(i)
    }

    /// The index of a known id.
    pub fn get(&self, id: &str) -> Option<u32> {
        match canonical_number(id.as_bytes()) {
            Some(v) if v < TABLE_LIMIT => self
                .num_table
                .get(v as usize)
                .copied()
                .filter(|&i| i != ABSENT),
            Some(v) => self.num_map.get(&v).copied(),
            None => self.str_map.get(id).copied(),
        }
    }

    /// The external id of index `i`.
    pub fn name(&self, i: u32) -> Cow<'_, str> {
        let k = self.keys[i as usize];
        if k & STR_TAG != 0 {
            Cow::Borrowed(&self.strs[(k & !STR_TAG) as usize])
        } else {
            Cow::Owned(k.to_string())
        }
    }

    /// Appends the external id of index `i` to `out` (no allocation for
    /// numeric ids).
    pub fn write_name(&self, i: u32, out: &mut Vec<u8>) {
        let k = self.keys[i as usize];
        if k & STR_TAG != 0 {
            out.extend_from_slice(self.strs[(k & !STR_TAG) as usize].as_bytes());
        } else {
            push_decimal(out, k);
        }
    }

    /// Number of users.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when no user is known.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// All ids in index order.
    pub fn names(&self) -> impl ExactSizeIterator<Item = Cow<'_, str>> {
        (0..self.keys.len() as u32).map(|i| self.name(i))
    }

    /// The stored keys (numeric id, or [`STR_TAG`] | index into `strs`) and
    /// the string ids, for the graph cache.
    pub(crate) fn parts(&self) -> (&[u64], &[Box<str>]) {
        (&self.keys, &self.strs)
    }

    /// Rebuilds the table from [`parts`](Self::parts); `None` when a key
    /// names a missing string or an id repeats.
    pub(crate) fn from_parts(keys: Vec<u64>, strs: Vec<Box<str>>) -> Option<UserIds> {
        let mut ids = UserIds {
            keys: Vec::with_capacity(keys.len()),
            strs: Vec::new(),
            str_map: FxHashMap::default(),
            num_map: FxHashMap::default(),
            num_table: Vec::new(),
            max_users: None,
        };
        let table_len = keys
            .iter()
            .filter(|&&k| k < TABLE_LIMIT)
            .max()
            .map_or(0, |&m| m as usize + 1);
        ids.num_table = vec![ABSENT; table_len];
        let mut strs: Vec<Option<Box<str>>> = strs.into_iter().map(Some).collect();
        for k in keys {
            let before = ids.len();
            let got = if k & STR_TAG != 0 {
                let s = strs.get_mut((k & !STR_TAG) as usize)?.take()?;
                ids.intern(&s)?
            } else {
                ids.intern_number(k)?
            };
            if got as usize != before {
                return None;
            }
        }
        Some(ids)
    }

    /// Rough heap size in bytes (for the memory estimate).
    pub fn heap_bytes(&self) -> usize {
        let text: usize = self.strs.iter().map(|s| s.len()).sum();
        self.keys.len() * 8
            + 2 * text
            + self.strs.len() * 40
            + self.num_map.len() * 16
            + self.num_table.len() * 4
    }
}

/// Appends `v` in decimal (no allocation, unlike `to_string`): numeric ids
/// and the planted graphs' files are written with it.
pub(crate) fn push_decimal(out: &mut Vec<u8>, mut v: u64) {
    let mut buf = [0u8; 20];
    let mut p = buf.len();
    loop {
        p -= 1;
        buf[p] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[p..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_strings_intern_in_first_seen_order() {
        let mut ids = UserIds::new();
        assert_eq!(ids.intern("42"), Some(0));
        assert_eq!(ids.intern("alice"), Some(1));
        assert_eq!(ids.intern("042"), Some(2), "not canonical: a string");
        assert_eq!(
            ids.intern("18446744073709551615"),
            Some(3),
            "too large: a string"
        );
        assert_eq!(
            ids.intern("1099511627776"),
            Some(4),
            "beyond the table: hashed"
        );
        assert_eq!(ids.intern("42"), Some(0));
        assert_eq!(ids.get("alice"), Some(1));
        assert_eq!(ids.get("1099511627776"), Some(4));
        assert_eq!(ids.get("7"), None);
        assert_eq!(ids.name(0), "42");
        assert_eq!(ids.name(2), "042");
        let mut out = Vec::new();
        ids.write_name(4, &mut out);
        assert_eq!(out, b"1099511627776");
    }
}
