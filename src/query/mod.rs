//! Questions asked of a snapshot: a user's standing in a market, every
//! user's rank in a market, why a user scores what they score, how two
//! markets compare, what changed between two runs.

pub mod compare;
pub mod diff;
pub mod explain;
pub mod rank_index;
pub mod ranks;
pub mod standing;
