//! The attack × ranking table of QUALITY.md (issue 16) on its own, for a
//! quick look: `cargo run --release --example attack_report -- [--sizes
//! 20000,100000] [--seeds 3] [--study 100000]`. `scripts/quality.sh`
//! writes the same tables into QUALITY.md.

use marketrank::quality::{attack_study, attack_table};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let opt = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .map(|i| args[i + 1].clone())
    };
    if let Some(users) = opt("--study") {
        print!("{}", attack_study(users.parse().expect("users"), 1));
        return;
    }
    let sizes: Vec<usize> = opt("--sizes")
        .unwrap_or_else(|| "20000,100000".into())
        .split(',')
        .map(|s| s.parse().expect("size"))
        .collect();
    let seeds: u64 = opt("--seeds").map_or(3, |s| s.parse().expect("seeds"));
    let runs: Vec<(usize, u64)> = sizes
        .iter()
        .flat_map(|&n| (1..=seeds).map(move |s| (n, s)))
        .collect();
    print!("{}", attack_table(&runs, &mut |l| eprintln!("{l}")));
}
