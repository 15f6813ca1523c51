//! `marketrank serve`: a read-only HTTP lookup service over a snapshot.
//!
//! Answers come from a private copy of the snapshot, read into the
//! process's memory and verified before any request sees it, so that
//! nothing written to the file afterwards can change an answer or crash
//! the server (`swap.rs` says why and what it costs). The snapshot in use
//! sits behind an [`ArcSwap`]: a request takes the current one once and
//! answers entirely from it, and a new snapshot at the path (polled, or on
//! SIGHUP) is read and verified on a blocking thread, then swapped in with
//! one pointer store. A bad new snapshot is refused and the old one keeps
//! serving.

pub mod access_log;
mod api;
pub mod auth;
mod cors;
pub mod errors;
mod layers;
pub mod listen;
mod metrics;
mod parse_errors;
mod swap;

pub use api::{metrics_router, router, router_with, MAX_BATCH};
pub use auth::Tokens;
pub use layers::{ApiConfig, ApiConfigError, ApiOptions};
pub use metrics::{ConnectionClosed, Metrics};
pub use swap::{load, load_with, Served, SwapEvent, SETTLE};

use crate::snapshot::{Snapshot, SnapshotError};
use arc_swap::ArcSwap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// What `serve` needs.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Snapshot file (or manifest, or `DIR/latest.snap` symlink).
    pub snapshot: PathBuf,
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Bearer tokens, one per line (`None` only with `insecure_no_auth`).
    pub tokens: Option<PathBuf>,
    /// Serve without authentication (loopback addresses only).
    pub insecure_no_auth: bool,
    /// How often to look for a new snapshot at the path.
    pub poll: Duration,
    /// Connection timeouts and the connection cap.
    pub limits: listen::Limits,
    /// Access log, `/metrics` listener, CORS (issue 19).
    pub api: ApiConfig,
    /// Precompute every rank at load ([`RankIndex`](crate::query::rank_index::RankIndex): 4 bytes per user and
    /// market, for lookups without searches); off: `--no-rank-index`.
    pub rank_index: bool,
}

/// Shared state of the service.
pub struct AppState {
    /// The snapshot answering requests now.
    pub current: ArcSwap<Served>,
    /// Accepted tokens (`None`: no authentication).
    pub tokens: Option<Tokens>,
    /// Request counts and latencies.
    pub metrics: Metrics,
    path: PathBuf,
    /// What the watcher last reported, so that each state is reported once.
    swap: swap::SwapState,
    /// Whether snapshots swapped in get a [`RankIndex`](crate::query::rank_index::RankIndex).
    rank_index: bool,
}

impl AppState {
    /// State serving `served` from `path`; snapshots swapped in later get
    /// a [`RankIndex`](crate::query::rank_index::RankIndex) when `served` has one.
    pub fn new(path: PathBuf, served: Served, tokens: Option<Tokens>) -> AppState {
        let rank_index = served.ranks.is_some();
        AppState {
            current: ArcSwap::from_pointee(served),
            tokens,
            metrics: Metrics::default(),
            path,
            swap: swap::SwapState::default(),
            rank_index,
        }
    }
}

/// Why `serve` could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Both a tokens file and open access were asked for.
    #[error("give either a tokens file or open access without tokens, not both")]
    AuthBoth,
    /// Open access on an address other hosts can reach.
    #[error("open access without tokens is only allowed on a loopback address, not {0}; give a tokens file")]
    AuthNotLoopback(std::net::SocketAddr),
    /// Neither a tokens file nor open access.
    #[error("give a tokens file (bearer tokens, one per line), or open access without tokens on a loopback address")]
    AuthMissing,
    /// The tokens file is unreadable or unfit.
    #[error(transparent)]
    Tokens(#[from] auth::TokensError),
    /// The snapshot could not be opened.
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    /// `--cors` or `--access-log` unusable.
    #[error(transparent)]
    Api(#[from] ApiConfigError),
    /// The runtime or the listener failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// Why it failed.
        source: std::io::Error,
    },
}

fn io_error(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> ServeError {
    let what = what.into();
    move |source| ServeError::Io { what, source }
}

/// Builds the state from `config` (opens the snapshot, reads the tokens).
pub fn state_for(config: &ServeConfig) -> Result<Arc<AppState>, ServeError> {
    let tokens = match (&config.tokens, config.insecure_no_auth) {
        (Some(_), true) => return Err(ServeError::AuthBoth),
        (Some(p), false) => Some(Tokens::read(p)?),
        (None, true) if config.listen.ip().is_loopback() => None,
        (None, true) => return Err(ServeError::AuthNotLoopback(config.listen)),
        (None, false) => return Err(ServeError::AuthMissing),
    };
    let served = swap::load_with(&config.snapshot, config.rank_index)?;
    Ok(Arc::new(AppState::new(
        config.snapshot.clone(),
        served,
        tokens,
    )))
}

/// Runs the service until the process is stopped. `log` gets one line per
/// swap or refused snapshot.
pub fn run(config: &ServeConfig, log: fn(&str)) -> Result<(), ServeError> {
    let state = state_for(config)?;
    let opts = ApiOptions::open(&config.api)?;
    for w in state.tokens.iter().flat_map(|t| t.warnings()) {
        log(w);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(io_error("cannot start the runtime"))?;
    rt.block_on(async move {
        let listener = listen::bind(config.listen)
            .map_err(io_error(format!("cannot listen on {}", config.listen)))?;
        {
            let s = state.current.load();
            log(&format!(
                "serving {} ({}; {} users, {} markets; {}) on http://{}",
                config.snapshot.display(),
                s.id,
                s.snap.users(),
                s.snap.markets().len(),
                match &s.ranks {
                    Some(r) => format!("rank index {} MB", r.bytes() >> 20),
                    None => "no rank index: lookups search".to_string(),
                },
                listener
                    .local_addr()
                    .map_err(io_error("cannot read the listening address"))?
            ));
        }
        if let Some(addr) = config.api.metrics_listen {
            let at = api::spawn_metrics_listener(
                addr,
                Arc::clone(&state),
                opts.clone(),
                config.limits.clone(),
                log,
            )
            .await
            .map_err(io_error(format!(
                "cannot listen on {addr} (--metrics-listen)"
            )))?;
            log(&format!("metrics without a token on http://{at}/metrics"));
        }
        tokio::spawn(swap::watch(Arc::clone(&state), config.poll, log));
        let routes = router_with(Arc::clone(&state), opts);
        listen::serve(listener, state, routes, config.limits.clone(), log).await;
        Ok(())
    })
}

/// An open-addressing hash table from external id to user index, built
/// when a snapshot is loaded. The snapshot's own lookup is a binary search
/// over the sorted ids (about 24 probes of three random reads each at 10M
/// users); this is one or two slot reads plus the id compare, for 4 bytes
/// per slot (64 MB at 10M users).
pub struct IdIndex {
    slots: Vec<u32>,
    mask: usize,
}

fn id_hash(id: &[u8]) -> usize {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    h.write(id);
    h.finish().wrapping_mul(0x9E37_79B9_7F4A_7C15) as usize
}

impl IdIndex {
    /// Indexes every user of `snap` (load factor at most 2/3).
    pub fn build(snap: &Snapshot) -> IdIndex {
        let n = snap.users();
        let size = (n * 3 / 2 + 1).next_power_of_two().max(8);
        let mask = size - 1;
        let mut slots = vec![u32::MAX; size];
        for u in 0..n as u32 {
            let mut i = id_hash(snap.user_id(u).as_bytes()) & mask;
            while slots[i] != u32::MAX {
                i = (i + 1) & mask;
            }
            slots[i] = u;
        }
        IdIndex { slots, mask }
    }

    /// The user index of `id` in `snap` (the snapshot it was built for).
    pub fn get(&self, snap: &Snapshot, id: &str) -> Option<u32> {
        let mut i = id_hash(id.as_bytes()) & self.mask;
        loop {
            match self.slots[i] {
                u32::MAX => return None,
                u if snap.user_id(u) == id => return Some(u),
                _ => i = (i + 1) & self.mask,
            }
        }
    }
}
