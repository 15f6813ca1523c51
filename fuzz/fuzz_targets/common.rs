//! Shared by the fuzz targets (included with `#[path]`).
#![allow(dead_code)]

use std::path::PathBuf;

/// A scratch file of this process, rewritten by every run of a target.
pub fn scratch(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mr-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// For files of our container (`magic`): recomputes the body and header
/// CRCs, so that mutated bodies reach the parser instead of all stopping at
/// the checksum. The last byte (a reserved zero in real files) decides: even
/// means fix, odd means leave the CRCs as the fuzzer made them.
pub fn fix_crcs(b: &mut [u8], magic: &[u8; 8]) {
    if b.len() < 64 || &b[0..8] != magic || b.last().is_some_and(|l| l & 1 == 1) {
        return;
    }
    let body = crc32fast::hash(&b[64..]);
    b[56..60].copy_from_slice(&body.to_le_bytes());
    let head = crc32fast::hash(&b[0..60]);
    b[60..64].copy_from_slice(&head.to_le_bytes());
}
