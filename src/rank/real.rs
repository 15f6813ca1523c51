//! The score types the kernel is generic over (f32, f64).

use super::result::ScoreBlock;
use std::ops::{Add, AddAssign, Div, Mul};

/// Storage type of a score block.
pub(crate) trait Real:
    Copy
    + Send
    + Sync
    + Default
    + PartialEq
    + bytemuck::Pod
    + Add<Output = Self>
    + AddAssign
    + Mul<Output = Self>
    + Div<Output = Self>
    + std::fmt::Debug
    + 'static
{
    fn from_f64(v: f64) -> Self;
    fn to_f64(self) -> f64;
    fn abs_diff(self, other: Self) -> f64;
    fn into_block(v: Vec<Self>) -> ScoreBlock;
}

impl Real for f32 {
    #[inline(always)]
    fn from_f64(v: f64) -> Self {
        v as f32
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self as f64
    }
    #[inline(always)]
    fn abs_diff(self, other: Self) -> f64 {
        (self - other).abs() as f64
    }
    fn into_block(v: Vec<Self>) -> ScoreBlock {
        ScoreBlock::F32(v)
    }
}

impl Real for f64 {
    #[inline(always)]
    fn from_f64(v: f64) -> Self {
        v
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
    #[inline(always)]
    fn abs_diff(self, other: Self) -> f64 {
        (self - other).abs()
    }
    fn into_block(v: Vec<Self>) -> ScoreBlock {
        ScoreBlock::F64(v)
    }
}
