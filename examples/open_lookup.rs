//! Times `Snapshot::open` + one lookup (a development and benchmark aid):
//! `cargo run --release --example open_lookup -- scores.snap USER MARKET`.
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (path, user, market) = (&args[1], &args[2], &args[3]);
    for (label, verify) in [
        ("open (checksums verified)", true),
        ("open_unverified (structure checked)", false),
    ] {
        let t = Instant::now();
        let snap = if verify {
            marketrank::Snapshot::open(path)
        } else {
            marketrank::Snapshot::open_unverified(path)
        }
        .unwrap();
        let m = snap.market_index(market).unwrap();
        let u = snap.user_index(user).unwrap();
        let st = snap.standing(u, m);
        let dt = t.elapsed();
        println!(
            "{label} + lookup: {:.1} ms ({} users x {} markets, {} bytes; {user} in {market}: rank {}, score {:.3e})",
            dt.as_secs_f64() * 1e3,
            snap.users(),
            snap.markets().len(),
            std::fs::metadata(path).unwrap().len(),
            st.rank,
            st.score
        );
    }
}
