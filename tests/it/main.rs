//! All integration tests, linked as one binary (`autotests = false`).

mod common;

mod bad_input;
mod cli;
mod crafted;
mod crash;
mod determinism;
mod distributed;
mod enrich;
mod golden;
mod graph_cache;
mod hand_checked;
mod hostile_cli;
mod hostile_input;
mod input_dialects;
mod input_formats;
mod input_parquet;
mod periodic;
mod pg_server;
mod planted;
mod properties;
mod publish;
mod reference;
mod relative;
mod report;
mod roundtrip;
mod scale;
mod serve;
mod serve_api;
mod serve_limits;
mod serve_swap;
mod snapshot;
mod trust;
