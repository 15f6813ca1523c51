//! How files are written and laid out: atomic replacement (temporary file,
//! fsync, rename) and the checksummed section container shared by snapshots
//! and graph caches.

pub mod atomic;
pub(crate) mod container;
pub mod paths;
