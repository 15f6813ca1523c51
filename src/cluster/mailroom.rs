//! Rounds of all-to-all messages between the workers of a timely dataflow
//! cluster.
//!
//! The distributed engine is the single-process engine with a few points
//! where workers must agree or trade rows (ids, follows, score rows, market
//! totals). Each such point is one *round*: every worker sends one payload
//! to every worker (itself included, possibly empty) at timely time `r`, and
//! the round is over when timely's progress tracking says time `r` is
//! complete at this worker's sink, i.e. every payload of round `r` has
//! arrived. Payloads are placed by sender, never by arrival order, so what a
//! worker computes from them is the same bytes on every run.

use crate::cluster::failure::ClusterError;
use serde_bytes::ByteBuf;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::{Duration, Instant};
use timely::container::CapacityContainerBuilder;
use timely::dataflow::channels::pact::Exchange;
use timely::dataflow::operators::generic::operator::Operator;
use timely::dataflow::operators::Input;
use timely::dataflow::InputHandle;
use timely::worker::Worker;

/// `(to worker, from worker, round, payload)`. `ByteBuf` so that timely's
/// bincode copies the payload in one piece, not byte by byte as a `Vec<u8>`.
type Envelope = (u32, u32, u64, ByteBuf);

/// A worker's end of the all-to-all rounds.
pub struct Mailroom<'w> {
    worker: &'w mut Worker,
    input: InputHandle<u64, CapacityContainerBuilder<Vec<Envelope>>>,
    /// Lower bound of the sink's input frontier (`u64::MAX` once closed).
    frontier: Rc<Cell<u64>>,
    inbox: Rc<RefCell<Vec<Envelope>>>,
    round: u64,
    timeout: Duration,
    workers_per_process: usize,
    /// Payload bytes this worker sent to other workers (not to itself).
    pub bytes_sent: u64,
}

impl<'w> Mailroom<'w> {
    /// Builds the dataflow (input → exchange by destination → sink) on
    /// `worker`. A round that has not completed after `timeout` is an error
    /// naming the workers that sent nothing (processes run
    /// `workers_per_process` workers each, numbered consecutively).
    pub fn new(
        worker: &'w mut Worker,
        timeout: Duration,
        workers_per_process: usize,
    ) -> Mailroom<'w> {
        let mut input = InputHandle::new();
        let frontier = Rc::new(Cell::new(0u64));
        let inbox = Rc::new(RefCell::new(Vec::new()));
        let (f, ib) = (Rc::clone(&frontier), Rc::clone(&inbox));
        worker.dataflow::<u64, _, _>(|scope| {
            scope.input_from(&mut input).sink(
                Exchange::new(|e: &Envelope| e.0 as u64),
                "Mailroom",
                move |(handle, front)| {
                    handle.for_each(|_cap, data| {
                        ib.borrow_mut().extend(data.drain(..));
                    });
                    f.set(front.frontier().iter().min().copied().unwrap_or(u64::MAX));
                },
            );
        });
        Mailroom {
            worker,
            input,
            frontier,
            inbox,
            round: 0,
            timeout,
            workers_per_process: workers_per_process.max(1),
            bytes_sent: 0,
        }
    }

    /// This worker's index among all workers of all processes.
    pub fn index(&self) -> usize {
        self.worker.index()
    }

    /// Number of workers in the cluster.
    pub fn peers(&self) -> usize {
        self.worker.peers()
    }

    /// Sends `outgoing[w]` to worker `w` (one payload per worker) and
    /// returns the payloads received, indexed by sender.
    pub fn exchange(&mut self, outgoing: Vec<Vec<u8>>) -> Result<Vec<Vec<u8>>, ClusterError> {
        let peers = self.peers();
        assert_eq!(outgoing.len(), peers, "one payload per worker");
        let me = self.index() as u32;
        let r = self.round;
        for (to, payload) in outgoing.into_iter().enumerate() {
            if to as u32 != me {
                self.bytes_sent += payload.len() as u64;
            }
            self.input.send((to as u32, me, r, ByteBuf::from(payload)));
        }
        self.round += 1;
        self.input.advance_to(self.round);
        let started = Instant::now();
        let mut spins = 0u32;
        while self.frontier.get() <= r {
            // Step without parking first: a round on one machine completes
            // in microseconds, and a park costs a timer tick.
            if spins < 1000 {
                spins += 1;
                self.worker.step();
            } else {
                self.worker.step_or_park(Some(Duration::from_millis(1)));
            }
            if started.elapsed() > self.timeout {
                let got: Vec<u32> = self
                    .inbox
                    .borrow()
                    .iter()
                    .filter(|e| e.2 == r)
                    .map(|e| e.1)
                    .collect();
                let w = self.workers_per_process;
                let missing: Vec<u32> = (0..peers as u32).filter(|x| !got.contains(x)).collect();
                let mut procs: Vec<usize> = missing.iter().map(|&x| x as usize / w).collect();
                procs.dedup();
                let who = if missing.is_empty() {
                    // Every payload came, but timely's progress updates
                    // from some process did not: any other process.
                    let others: Vec<usize> =
                        (0..peers / w).filter(|&p| p != me as usize / w).collect();
                    format!("the progress updates of process(es) {others:?} (their data arrived)")
                } else {
                    format!("data from workers {missing:?} (process(es) {procs:?})")
                };
                return Err(ClusterError::Timeout {
                    seconds: self.timeout.as_secs(),
                    round: r,
                    who,
                });
            }
        }
        let mut out = vec![Vec::new(); peers];
        let mut inbox = self.inbox.borrow_mut();
        let mut i = 0;
        while i < inbox.len() {
            if inbox[i].2 == r {
                let e = inbox.swap_remove(i);
                out[e.1 as usize] = e.3.into_vec();
            } else {
                i += 1;
            }
        }
        Ok(out)
    }

    /// Sends the same payload to every worker.
    pub fn broadcast(&mut self, payload: Vec<u8>) -> Result<Vec<Vec<u8>>, ClusterError> {
        let n = self.peers();
        self.exchange(vec![payload; n])
    }

    /// Element-wise sum of `local` over all workers, added in worker order,
    /// so every worker gets the same bits.
    pub fn sum_f64(&mut self, local: &[f64]) -> Result<Vec<f64>, ClusterError> {
        let parts = self.broadcast(bytemuck::cast_slice(local).to_vec())?;
        let mut total = vec![0f64; local.len()];
        for p in &parts {
            for (t, v) in total.iter_mut().zip(read_pod::<f64>(p)) {
                *t += v;
            }
        }
        Ok(total)
    }

    /// Sum of `local` over all workers.
    pub fn sum_u64(&mut self, local: &[u64]) -> Result<Vec<u64>, ClusterError> {
        let parts = self.broadcast(bytemuck::cast_slice(local).to_vec())?;
        let mut total = vec![0u64; local.len()];
        for p in &parts {
            for (t, v) in total.iter_mut().zip(read_pod::<u64>(p)) {
                *t += v;
            }
        }
        Ok(total)
    }
}

/// Reads a payload of plain values (payload buffers carry no alignment
/// guarantee, so values are copied out).
pub fn read_pod<T: bytemuck::Pod>(bytes: &[u8]) -> Vec<T> {
    let size = std::mem::size_of::<T>();
    bytes
        .chunks_exact(size)
        .map(bytemuck::pod_read_unaligned)
        .collect()
}

/// Appends a length-prefixed byte string.
pub fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as u32).to_le_bytes());
    out.extend_from_slice(b);
}

/// Iterates over the length-prefixed byte strings of `put_bytes`.
pub fn byte_strings(mut b: &[u8]) -> impl Iterator<Item = &[u8]> {
    std::iter::from_fn(move || {
        if b.len() < 4 {
            return None;
        }
        let n = u32::from_le_bytes(b[..4].try_into().unwrap()) as usize;
        let (s, rest) = b[4..].split_at(n);
        b = rest;
        Some(s)
    })
}
