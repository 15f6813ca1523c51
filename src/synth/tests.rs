//! Tests of [`generate`](super::generate()): determinism, a simple graph of
//! the asked-for size, and every planted shape where the truth says it is.

use super::*;

fn small() -> PlantedConfig {
    PlantedConfig {
        users: 6000,
        topics: 6,
        ..PlantedConfig::for_users(6000)
    }
}

#[test]
fn deterministic() {
    let (a, b) = (generate(&small()), generate(&small()));
    assert_eq!(a.edges, b.edges);
    assert_eq!(a.tags, b.tags);
    assert_eq!(
        serde_json::to_string(&a.truth).unwrap(),
        serde_json::to_string(&b.truth).unwrap()
    );
    let c = generate(&PlantedConfig { seed: 2, ..small() });
    assert_ne!(a.edges, c.edges);
}

#[test]
fn simple_graph_and_degree() {
    let p = generate(&small());
    assert!(p.edges.windows(2).all(|w| w[0] < w[1]), "sorted and unique");
    assert!(p
        .edges
        .iter()
        .all(|&(a, b)| a != b && (b as usize) < p.users));
    let want = p.users as f64 * 15.0;
    assert!(
        (p.edges.len() as f64 - want).abs() < 0.15 * want,
        "{} edges",
        p.edges.len()
    );
}

#[test]
fn planted_shapes() {
    let cfg = small();
    let p = generate(&cfg);
    let t = &p.truth;
    let tag_of = |u: u32| -> Vec<&str> {
        p.tags
            .iter()
            .filter(|x| x.0 == u)
            .map(|x| p.topic_names[x.1 as usize].as_str())
            .collect()
    };
    let n_org = t.organic_users as u32;
    // Nobody outside a farm follows its accounts.
    for &(a, b) in &p.edges {
        if b >= n_org {
            let f = t
                .farms
                .iter()
                .find(|f| (f.first_account..f.end_account).contains(&b))
                .unwrap();
            assert_eq!(f.kind, "ring");
            assert!((f.first_account..f.end_account).contains(&a));
        }
    }
    for f in &t.farms {
        assert!(f.target < n_org && tag_of(f.target).contains(&f.topic.as_str()));
        assert_eq!(f.accounts, 60);
        for me in f.first_account..f.end_account {
            let outs: Vec<u32> = p.edges.iter().filter(|e| e.0 == me).map(|e| e.1).collect();
            assert!(outs.contains(&f.target));
            match f.kind {
                "simple" => assert!(outs.len() == 1 && tag_of(me).is_empty()),
                "self_tagged" => assert!(outs.len() == 1 && tag_of(me) == [f.topic.as_str()]),
                _ => {
                    assert_eq!(outs.len(), 1 + cfg.ring_degree);
                    assert_eq!(tag_of(me), [f.topic.as_str()]);
                }
            }
        }
        // Few organic followers: fakes dominate the target's in-degree.
        assert!(f.target_followers >= f.accounts && f.target_followers < f.accounts + 40);
    }
    let topics: Vec<&str> = t.farms.iter().map(|f| f.topic.as_str()).collect();
    assert_eq!(topics, ["fashion", "sports", "music"]);
    // Ring strongly connected: every member reachable forwards and backwards from the first.
    let ring = t.farms.iter().find(|f| f.kind == "ring").unwrap();
    let inside: Vec<(u32, u32)> = p
        .edges
        .iter()
        .copied()
        .filter(|&(a, b)| a >= ring.first_account && b >= ring.first_account)
        .collect();
    for dir in [false, true] {
        let mut seen = vec![false; ring.accounts];
        let mut stack = vec![ring.first_account];
        seen[0] = true;
        while let Some(x) = stack.pop() {
            for &(a, b) in &inside {
                let (from, to) = if dir { (b, a) } else { (a, b) };
                if from == x && !seen[(to - ring.first_account) as usize] {
                    seen[(to - ring.first_account) as usize] = true;
                    stack.push(to);
                }
            }
        }
        assert!(seen.iter().all(|&s| s));
    }
    // Celebrities carry exactly their home tag; experts carry their topic.
    for c in &t.celebrities {
        assert_eq!(tag_of(c.id), [c.home_topic.as_str()]);
        assert!(c.followers as f64 > 0.02 * t.organic_users as f64);
    }
    for (topic, ex) in &t.experts {
        assert_eq!(ex.len(), 5);
        for (&e, &nf) in ex.iter().zip(&t.expert_followers[topic]) {
            assert!(tag_of(e).contains(&topic.as_str()));
            assert!(nf > 50, "expert {e} of {topic} has {nf} followers");
        }
    }
}
