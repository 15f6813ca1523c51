//! Score blocks laid out for the gather: rows padded to a cache-friendly
//! width and aligned to 64 bytes, so that a 16-market f32 row is exactly
//! one cache line (one memory access per follow instead of two).

use bytemuck::{Pod, Zeroable};
use std::marker::PhantomData;

/// One cache line.
#[repr(C, align(64))]
#[derive(Clone, Copy, Pod, Zeroable)]
struct Line([u8; 64]);

/// Row width (in values) for `k` markets of `elem` bytes: the next power of
/// two up to a cache line, then whole cache lines.
pub fn row_stride(k: usize, elem: usize) -> usize {
    let per_line = 64 / elem;
    if k >= per_line {
        k.div_ceil(per_line) * per_line
    } else {
        k.next_power_of_two()
    }
}

/// A zero-initialised, 64-byte-aligned array of `T`.
pub struct Block<T> {
    lines: Vec<Line>,
    len: usize,
    _t: PhantomData<T>,
}

impl<T: Pod> Block<T> {
    /// `len` zeros.
    pub fn zeroed(len: usize) -> Block<T> {
        let bytes = len * std::mem::size_of::<T>();
        Block {
            lines: vec![Line([0; 64]); bytes.div_ceil(64)],
            len,
            _t: PhantomData,
        }
    }

    /// The values.
    pub fn as_slice(&self) -> &[T] {
        &bytemuck::cast_slice(&self.lines)[..self.len]
    }

    /// The values, mutable.
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        &mut bytemuck::cast_slice_mut(&mut self.lines)[..self.len]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strides_fill_cache_lines() {
        assert_eq!(row_stride(1, 4), 1);
        assert_eq!(row_stride(3, 4), 4);
        assert_eq!(row_stride(16, 4), 16);
        assert_eq!(row_stride(17, 4), 32);
        assert_eq!(row_stride(8, 8), 8);
        assert_eq!(row_stride(9, 8), 16);
        let b: Block<f32> = Block::zeroed(100);
        assert_eq!(b.as_slice().as_ptr() as usize % 64, 0);
        assert_eq!(b.as_slice().len(), 100);
    }
}
