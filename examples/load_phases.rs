//! Times the loading phases on one edge file (a development aid):
//! `cargo run --release --example load_phases -- edges.tsv topics.tsv`.
use marketrank::input::{read_edges_parallel, BadLines};
use marketrank::{GraphBuilder, UserIds};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let t = Instant::now();
    let mut ids = UserIds::new();
    let (cols, _) = read_edges_parallel(args[1].as_ref(), &mut ids, BadLines::Fail, None).unwrap();
    println!(
        "parse+intern {:.2?} ({} users, {} follows)",
        t.elapsed(),
        ids.len(),
        cols.src.len()
    );
    let t = Instant::now();
    let (g, _) = GraphBuilder::from_columns(cols.src, cols.dst, cols.weights).build(ids.len());
    println!("build {:.2?} ({} edges)", t.elapsed(), g.edges());
    if let Some(topics) = args.get(2) {
        let t = Instant::now();
        let d = marketrank::load_tagged_graph(args[1].as_ref(), topics.as_ref(), BadLines::Fail)
            .unwrap();
        println!(
            "whole load incl. topics {:.2?} ({} tags)",
            t.elapsed(),
            d.tags.tags()
        );
    }
}
