//! A bounded load test for `marketrank serve`: C keep-alive connections,
//! each sending requests back to back for S seconds (or N requests),
//! recording every latency.
//!
//! ```sh
//! cargo run --release --example load -- SNAPSHOT HOST:PORT TOKEN MARKET single|batch|healthz CONNECTIONS SECONDS [BATCH]
//! ```
//! Users are drawn from the snapshot (10,000 random ids, fixed seed).
//! Prints one JSON line: requests, lookups, seconds, throughput, p50/p99/max.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

fn main() {
    let a: Vec<String> = std::env::args().collect();
    if a.len() < 8 {
        eprintln!("usage: load SNAPSHOT HOST:PORT TOKEN MARKET single|batch|healthz CONNECTIONS SECONDS [BATCH]");
        std::process::exit(2);
    }
    let snap = marketrank::Snapshot::open_unverified(&a[1]).expect("snapshot");
    let (addr, token, market, mode) = (a[2].clone(), a[3].clone(), a[4].clone(), a[5].clone());
    let conns: usize = a[6].parse().unwrap();
    let secs: f64 = a[7].parse().unwrap();
    let batch: usize = a.get(8).map_or(100, |b| b.parse().unwrap());
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let ids: Vec<String> = (0..10_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            snap.user_id((x % snap.users() as u64) as u32).to_string()
        })
        .collect();
    drop(snap);
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let start = Instant::now();
    let per_request = if mode == "batch" { batch } else { 1 };
    let handles: Vec<_> = (0..conns)
        .map(|c| {
            let (addr, token, market, ids, mode) =
                (addr.clone(), token.clone(), market.clone(), ids.clone(), mode.clone());
            std::thread::spawn(move || {
                let s = TcpStream::connect(&addr).expect("connect");
                s.set_nodelay(true).unwrap();
                let mut w = s.try_clone().unwrap();
                let mut r = BufReader::new(s);
                let mut lat = Vec::new();
                let mut i = c * 7919;
                let mut errors = 0u64;
                while Instant::now() < deadline {
                    let req = if mode == "batch" {
                        let body = format!(
                            "{{\"market\":\"{market}\",\"ids\":[{}]}}",
                            (0..batch)
                                .map(|j| format!("\"{}\"", ids[(i + j) % ids.len()]))
                                .collect::<Vec<_>>()
                                .join(",")
                        );
                        format!("POST /v1/users:batch HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}", body.len())
                    } else if mode == "healthz" {
                        "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".to_string()
                    } else {
                        format!("GET /v1/users/{}?market={market} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\r\n", ids[i % ids.len()])
                    };
                    i += per_request;
                    let t = Instant::now();
                    w.write_all(req.as_bytes()).unwrap();
                    let mut line = String::new();
                    r.read_line(&mut line).unwrap();
                    if !line.starts_with("HTTP/1.1 200") {
                        errors += 1;
                    }
                    let mut len = 0usize;
                    loop {
                        let mut h = String::new();
                        r.read_line(&mut h).unwrap();
                        if h == "\r\n" {
                            break;
                        }
                        if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                            len = v.trim().parse().unwrap();
                        }
                    }
                    let mut body = vec![0u8; len];
                    r.read_exact(&mut body).unwrap();
                    lat.push(t.elapsed().as_secs_f64());
                }
                (lat, errors)
            })
        })
        .collect();
    let mut all = Vec::new();
    let mut errors = 0;
    for h in handles {
        let (l, e) = h.join().unwrap();
        all.extend(l);
        errors += e;
    }
    let wall = start.elapsed().as_secs_f64();
    all.sort_by(f64::total_cmp);
    let q = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)] * 1e3;
    println!(
        "{}",
        serde_json::json!({
            "mode": mode, "connections": conns, "requests": all.len(), "errors": errors,
            "lookups": all.len() * per_request, "seconds": wall,
            "requests_per_s": all.len() as f64 / wall,
            "lookups_per_s": (all.len() * per_request) as f64 / wall,
            "p50_ms": q(0.50), "p99_ms": q(0.99), "max_ms": all.last().unwrap() * 1e3,
        })
    );
}
