//! All integration tests, linked as one binary (`autotests = false`).

mod common;

mod cli;
mod crash;
mod determinism;
mod graph_cache;
mod hand_checked;
mod periodic;
mod planted;
mod reference;
mod relative;
mod roundtrip;
mod snapshot;
