//! External user ids (arbitrary strings) ↔ dense indices.

use rustc_hash::FxHashMap;

/// Interned user ids. Index `i` is the `i`-th distinct id in the order first
/// seen (edges first, then topics), so the same input gives the same indices.
#[derive(Debug, Default, Clone)]
pub struct UserIds {
    map: FxHashMap<Box<str>, u32>,
    names: Vec<Box<str>>,
}

impl UserIds {
    /// An empty table.
    pub fn new() -> UserIds {
        UserIds::default()
    }

    /// The index of `id`, adding it if new. `None` once 2³² − 1 users exist.
    pub fn intern(&mut self, id: &str) -> Option<u32> {
        if let Some(&i) = self.map.get(id) {
            return Some(i);
        }
        let i = u32::try_from(self.names.len())
            .ok()
            .filter(|&i| i != u32::MAX)?;
        let boxed: Box<str> = id.into();
        self.names.push(boxed.clone());
        self.map.insert(boxed, i);
        Some(i)
    }

    /// The index of a known id.
    pub fn get(&self, id: &str) -> Option<u32> {
        self.map.get(id).copied()
    }

    /// The external id of index `i`.
    pub fn name(&self, i: u32) -> &str {
        &self.names[i as usize]
    }

    /// Number of users.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True when no user is known.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// All ids in index order.
    pub fn names(&self) -> impl ExactSizeIterator<Item = &str> {
        self.names.iter().map(|s| &**s)
    }

    /// Rough heap size in bytes (for the memory estimate).
    pub fn heap_bytes(&self) -> usize {
        let text: usize = self.names.iter().map(|s| s.len()).sum();
        // Two boxed copies of each id, the Vec slot and the hash slot.
        2 * text + self.names.len() * (16 + 16 + 8)
    }
}
