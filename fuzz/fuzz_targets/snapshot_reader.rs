//! `Snapshot::open` on arbitrary bytes: a clear error or a snapshot whose
//! every lookup works; never a panic, a hang, or an allocation beyond the
//! file's size. Seeds are real snapshots; see `common::fix_crcs`.
#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use marketrank::Snapshot;

fuzz_target!(|data: &[u8]| {
    let mut bytes = data.to_vec();
    common::fix_crcs(&mut bytes, b"MKTRANK\0");
    let path = common::scratch("s.snap", &bytes);
    let Ok(snap) = Snapshot::open(&path) else { return };
    // Whatever passed `open` must answer lookups without panicking.
    let users = snap.users() as u32;
    let consistent = snap.check_consistency().is_ok();
    for m in 0..snap.markets().len() {
        let top: Vec<_> = snap.top(m, 5).collect();
        for (u, _) in top {
            let id = snap.user_id(u).to_string();
            let found = snap.user_index(&id);
            // Only a consistent file promises that every id is found again.
            assert!(!consistent || found == Some(u), "{id}: {found:?} != {u}");
            let _ = snap.standing(u, m);
        }
    }
    if users > 0 {
        let _ = snap.followers(users - 1);
    }
    let _ = snap.metadata();
});
