//! Strongly connected components, for spotting closed groups of accounts.
//!
//! petgraph's `tarjan_scc` is recursive (a million-user chain would overflow
//! the stack) and its iterative `kosaraju_scc` needs edges in both
//! directions, which would double the graph's memory. This is Tarjan's
//! algorithm with an explicit stack over the incoming-edge CSR: the SCCs of
//! a graph and of its reverse are the same.

use super::csr::FollowerGraph;

const UNVISITED: u32 = u32::MAX;

/// Component label of every user, and per component its size and whether it
/// is *closed*: nobody outside the component follows any member.
#[derive(Debug, Clone)]
pub struct Components {
    /// Component of each user.
    pub label: Vec<u32>,
    /// Users per component.
    pub size: Vec<u32>,
    /// True when no follow enters the component from outside.
    pub closed: Vec<bool>,
}

impl Components {
    /// True when `u` is in a closed group of at least two accounts: a ring
    /// that only endorses itself.
    pub fn in_closed_group(&self, u: u32) -> bool {
        let c = self.label[u as usize] as usize;
        self.closed[c] && self.size[c] >= 2
    }
}

/// Labels the strongly connected components of `g`.
pub fn strongly_connected(g: &FollowerGraph) -> Components {
    let n = g.users();
    let mut index = vec![UNVISITED; n];
    let mut low = vec![0u32; n];
    let mut label = vec![UNVISITED; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<u32> = Vec::new();
    let mut frames: Vec<(u32, usize)> = Vec::new();
    let mut next_index = 0u32;
    let mut size: Vec<u32> = Vec::new();
    for s in 0..n as u32 {
        if index[s as usize] != UNVISITED {
            continue;
        }
        frames.push((s, 0));
        while let Some(&mut (v, ref mut pos)) = frames.last_mut() {
            let vi = v as usize;
            if *pos == 0 && index[vi] == UNVISITED {
                index[vi] = next_index;
                low[vi] = next_index;
                next_index += 1;
                stack.push(v);
                on_stack[vi] = true;
            }
            let nbrs = g.followers(v);
            let mut descended = false;
            while *pos < nbrs.len() {
                let w = nbrs[*pos];
                *pos += 1;
                let wi = w as usize;
                if index[wi] == UNVISITED {
                    frames.push((w, 0));
                    descended = true;
                    break;
                } else if on_stack[wi] {
                    low[vi] = low[vi].min(index[wi]);
                }
            }
            if descended {
                continue;
            }
            if low[vi] == index[vi] {
                let c = size.len() as u32;
                let mut count = 0;
                loop {
                    let w = stack.pop().expect("v is on the stack");
                    on_stack[w as usize] = false;
                    label[w as usize] = c;
                    count += 1;
                    if w == v {
                        break;
                    }
                }
                size.push(count);
            }
            frames.pop();
            if let Some(&(p, _)) = frames.last() {
                low[p as usize] = low[p as usize].min(low[vi]);
            }
        }
    }
    let mut closed = vec![true; size.len()];
    for v in 0..n as u32 {
        let c = label[v as usize];
        if g.followers(v).iter().any(|&f| label[f as usize] != c) {
            closed[c as usize] = false;
        }
    }
    Components {
        label,
        size,
        closed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::GraphBuilder;

    #[test]
    fn ring_followed_by_nobody_is_closed() {
        // 0→1→2→0 is a ring; 3 follows 4 (outsiders); ring members follow 5.
        let mut b = GraphBuilder::new();
        for (a, c) in [(0, 1), (1, 2), (2, 0), (3, 4), (0, 5), (1, 5)] {
            b.add_follow(a, c, 1.0);
        }
        let (g, _) = b.build(6);
        let comp = strongly_connected(&g);
        assert!(comp.in_closed_group(0) && comp.in_closed_group(1) && comp.in_closed_group(2));
        assert!(!comp.in_closed_group(3) && !comp.in_closed_group(5));
        // An outside follower opens the ring.
        let mut b = GraphBuilder::new();
        for (a, c) in [(0, 1), (1, 2), (2, 0), (3, 0)] {
            b.add_follow(a, c, 1.0);
        }
        let (g, _) = b.build(4);
        assert!(!strongly_connected(&g).in_closed_group(0));
    }

    #[test]
    fn long_chain_does_not_overflow_the_stack() {
        let n = 1_000_000u32;
        let mut b = GraphBuilder::new();
        for i in 0..n - 1 {
            b.add_follow(i, i + 1, 1.0);
        }
        b.add_follow(n - 1, 0, 1.0);
        let (g, _) = b.build(n as usize);
        let comp = strongly_connected(&g);
        assert_eq!(comp.size, vec![n]);
    }
}
