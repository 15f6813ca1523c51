//! What workers trade once per iteration: follower rows of the users
//! another worker needs (ghosts) and the per-market totals, as the
//! kernel's [`Peers`].

use super::failure::{self, ClusterError};
use super::mailroom::{read_pod, Mailroom};
use super::partition::Partition;
use crate::rank::{Layout, Peers, Real};

/// Ends the process on a cluster failure: the other workers cannot be
/// abandoned cleanly (see [`failure`]).
pub(super) fn or_stop<T>(r: Result<T, ClusterError>) -> T {
    r.unwrap_or_else(|e| {
        eprintln!("marketrank: {e}");
        std::process::exit(failure::EXIT_CLUSTER)
    })
}

/// [`Peers`] over the mailroom: ghost rows and market totals, once per
/// iteration.
pub(super) struct RowExchange<'a, 'w> {
    mail: &'a mut Mailroom<'w>,
    part: &'a Partition,
}

impl<'a, 'w> RowExchange<'a, 'w> {
    /// The exchange of `part`'s rows over `mail`.
    pub(super) fn new(mail: &'a mut Mailroom<'w>, part: &'a Partition) -> Self {
        RowExchange { mail, part }
    }
}

impl Peers for RowExchange<'_, '_> {
    fn sum(&mut self, local: Vec<f64>) -> Vec<f64> {
        or_stop(self.mail.sum_f64(&local))
    }

    fn add_to_owners(&mut self, z: &mut [f64], k: usize) {
        let out = self
            .part
            .recv
            .iter()
            .map(|r| bytemuck::cast_slice(&z[r.start * k..r.end * k]).to_vec())
            .collect();
        let got = or_stop(self.mail.exchange(out));
        for (s, payload) in got.iter().enumerate() {
            let vals = read_pod::<f64>(payload);
            for (j, &u) in self.part.send[s].iter().enumerate() {
                for c in 0..k {
                    z[u as usize * k + c] += vals[j * k + c];
                }
            }
        }
    }

    fn share_rows<T: Real>(&mut self, x: &mut [T], lay: &Layout) {
        let k = lay.k;
        let lanes: Vec<usize> = (0..k).map(|c| lay.lane(c)).collect();
        let out = self
            .part
            .send
            .iter()
            .map(|users| {
                let mut vals: Vec<T> = Vec::with_capacity(users.len() * k);
                for &u in users {
                    vals.extend(lanes.iter().map(|&l| x[lay.at(u as usize, l)]));
                }
                bytemuck::cast_slice(&vals).to_vec()
            })
            .collect();
        let got = or_stop(self.mail.exchange(out));
        for (r, payload) in self.part.recv.iter().zip(&got) {
            let vals = read_pod::<T>(payload);
            for (j, u) in r.clone().enumerate() {
                for (c, &l) in lanes.iter().enumerate() {
                    x[lay.at(u, l)] = vals[j * k + c];
                }
            }
        }
    }
}
