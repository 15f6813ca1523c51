//! `Snapshot::open` on arbitrary bytes: a clear error or a snapshot whose
//! every lookup works; never a panic, a hang, or an allocation beyond the
//! file's size. Inputs start from real snapshots (see the corpus), so the
//! fuzzer reaches past the checksums with the CRC fix-up below.
#![no_main]

use libfuzzer_sys::fuzz_target;
use marketrank::Snapshot;

/// Recomputes the body and header CRCs so that mutations of the body are
/// not all stopped by the checksum.
fn fix_crcs(b: &mut [u8]) {
    if b.len() < 64 || &b[0..8] != b"MKTRANK\0" {
        return;
    }
    let body = crc32fast::hash(&b[64..]);
    b[56..60].copy_from_slice(&body.to_le_bytes());
    let head = crc32fast::hash(&b[0..60]);
    b[60..64].copy_from_slice(&head.to_le_bytes());
}

fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir().join(format!("mr-fuzz-snap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut bytes = data.to_vec();
    // The last byte (a reserved zero in real files) decides: even = fix the CRCs.
    if bytes.last().is_some_and(|b| b & 1 == 0) {
        fix_crcs(&mut bytes);
    }
    let path = dir.join("s.snap");
    std::fs::write(&path, &bytes).unwrap();
    let Ok(snap) = Snapshot::open(&path) else { return };
    let users = snap.users() as u32;
    for m in 0..snap.markets().len() {
        let top: Vec<_> = snap.top(m, 5).collect();
        for (u, _) in top {
            let id = snap.user_id(u).to_string();
            assert_eq!(snap.user_index(&id), Some(u));
            let _ = snap.standing(u, m);
        }
    }
    if users > 0 {
        let _ = snap.followers(users - 1);
    }
    let _ = snap.metadata();
});
