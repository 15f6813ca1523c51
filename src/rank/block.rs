//! 64-byte-aligned score blocks, so that a 16-market f32 row is exactly one
//! cache line (one memory access per follow instead of two; unaligned rows
//! made the gather probe 35% slower).
//!
//! Large blocks are mapped and asked for transparent huge pages (Linux,
//! `MADV_HUGEPAGE`): the gathers read rows at random all over the block, so
//! with 4 KiB pages nearly every follow also misses the TLB once the block
//! is past the TLB's reach (a few MB); 2 MiB pages cover a 2.8 GB block
//! with 1,400 entries. Where the kernel refuses or has none to give, the
//! same memory comes in 4 KiB pages: the advice changes speed, never the
//! scores.

use bytemuck::{Pod, Zeroable};
use std::marker::PhantomData;

/// One cache line.
#[repr(C, align(64))]
#[derive(Clone, Copy, Pod, Zeroable)]
struct Line([u8; 64]);

/// Blocks from this size on are mapped with huge pages asked for (smaller
/// ones fit the TLB's reach well enough, and stay plain heap memory).
const HUGE_FROM: usize = 32 << 20;
/// The huge page size the mapping is aligned to.
const HUGE_PAGE: usize = 2 << 20;

enum Storage {
    Lines(Vec<Line>),
    /// An anonymous map (zero-filled) and the offset of the block in it.
    Map(memmap2::MmapMut, usize),
}

/// A zero-initialised, 64-byte-aligned array of `T`.
pub struct Block<T> {
    storage: Storage,
    len: usize,
    _t: PhantomData<T>,
}

impl<T: Pod> Block<T> {
    /// `len` zeros.
    pub fn zeroed(len: usize) -> Block<T> {
        let bytes = len * std::mem::size_of::<T>();
        let storage = if bytes >= HUGE_FROM {
            huge_map(bytes)
        } else {
            None
        };
        Block {
            storage: storage
                .unwrap_or_else(|| Storage::Lines(vec![Line([0; 64]); bytes.div_ceil(64)])),
            len,
            _t: PhantomData,
        }
    }

    fn bytes(&self) -> &[u8] {
        let n = self.len * std::mem::size_of::<T>();
        match &self.storage {
            Storage::Lines(v) => &bytemuck::cast_slice(v)[..n],
            Storage::Map(m, at) => &m[*at..*at + n],
        }
    }

    /// The values.
    pub fn as_slice(&self) -> &[T] {
        bytemuck::cast_slice(self.bytes())
    }

    /// The values, mutable.
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        let n = self.len * std::mem::size_of::<T>();
        let bytes = match &mut self.storage {
            Storage::Lines(v) => &mut bytemuck::cast_slice_mut(v)[..n],
            Storage::Map(m, at) => &mut m[*at..*at + n],
        };
        bytemuck::cast_slice_mut(bytes)
    }
}

/// An anonymous map of `bytes` starting on a huge-page boundary, huge pages
/// asked for; `None` when the map itself fails (the caller falls back to
/// the heap).
fn huge_map(bytes: usize) -> Option<Storage> {
    let map = memmap2::MmapMut::map_anon(bytes + HUGE_PAGE).ok()?;
    let start = map.as_ptr() as usize;
    let at = start.next_multiple_of(HUGE_PAGE) - start;
    #[cfg(target_os = "linux")]
    {
        // Advice only: refused (THP "never"), the pages are 4 KiB.
        let _ = map.advise_range(memmap2::Advice::HugePage, at, bytes);
    }
    Some(Storage::Map(map, at))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_aligned() {
        let b: Block<f32> = Block::zeroed(100);
        assert_eq!(b.as_slice().as_ptr() as usize % 64, 0);
        assert_eq!(b.as_slice().len(), 100);
        let big: Block<f32> = Block::zeroed(4 << 20);
        assert_eq!(big.as_slice().as_ptr() as usize % 64, 0);
        assert!(big.as_slice().iter().all(|&v| v == 0.0));
        let mut huge: Block<f32> = Block::zeroed((HUGE_FROM / 4) + 3);
        assert!(matches!(huge.storage, Storage::Map(..)));
        assert_eq!(huge.as_slice().as_ptr() as usize % 64, 0);
        assert_eq!(huge.as_slice().len(), HUGE_FROM / 4 + 3);
        assert!(huge.as_slice().iter().all(|&v| v == 0.0));
        huge.as_mut_slice()[HUGE_FROM / 4 + 2] = 7.0;
        assert_eq!(huge.as_slice()[HUGE_FROM / 4 + 2], 7.0);
    }
}
