//! `--access-log FILE`: one JSON line per request (issue 19).
//!
//! ```json
//! {"time":"2026-12-02T07:18:01.123Z","method":"GET","route":"/v1/users/{id}","status":200,"latency_ms":0.084,"token":"3f9a12c0"}
//! ```
//!
//! - `route` is the route *template* the path has the shape of (the same
//!   split as the metrics' `endpoint` label), `null` for a path of no
//!   route's shape: the raw path holds user ids (personal data the log
//!   would keep for as long as logs are kept) and is as long as a client
//!   likes.
//! - `token` is the [`token_id`](super::auth::token_id) of the token that
//!   authenticated the request (`null`: none, or the route needs none),
//!   never the token.
//!
//! Lines go through a bounded channel to one writer thread, so a slow disk
//! never holds up an answer: when the channel is full the line is dropped
//! and counted (`marketrank_access_log_dropped_total`). The writer flushes
//! whenever the channel runs empty, so `tail -f` sees each line at once
//! under light load and writes are batched under heavy load.

use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// Lines held for the writer before new ones are dropped.
const QUEUE: usize = 16_384;

/// One request, as logged.
#[derive(Debug, serde::Serialize)]
pub struct Entry {
    /// When the request arrived (UTC, milliseconds).
    pub time: String,
    /// The HTTP method.
    pub method: String,
    /// The matched route template.
    pub route: Option<String>,
    /// The answer's status.
    pub status: u16,
    /// Time to answer, milliseconds.
    pub latency_ms: f64,
    /// The authenticating token's id.
    pub token: Option<String>,
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub fn timestamp(t: SystemTime) -> String {
    let d = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or(Duration::ZERO);
    let s = crate::snapshot::meta::rfc3339(d.as_secs());
    format!("{}.{:03}Z", &s[..s.len() - 1], d.subsec_millis())
}

/// The sending side of the access log; cheap to share.
pub struct AccessLog {
    tx: SyncSender<String>,
    dropped: Arc<AtomicU64>,
}

impl AccessLog {
    /// Appends to `path` (`-`: standard output), creating it if need be.
    pub fn open(path: &Path) -> std::io::Result<AccessLog> {
        let out: Box<dyn Write + Send> = if path == Path::new("-") {
            Box::new(std::io::stdout())
        } else {
            Box::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)?,
            )
        };
        Ok(AccessLog::to_writer(out))
    }

    /// Logs to `out` (tests, embedding).
    pub fn to_writer(out: Box<dyn Write + Send>) -> AccessLog {
        let (tx, rx) = sync_channel(QUEUE);
        std::thread::Builder::new()
            .name("access-log".into())
            .spawn(move || write_lines(rx, out))
            .expect("cannot start the access-log thread");
        AccessLog {
            tx,
            dropped: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Queues one line; drops it (and counts it) when the writer is behind.
    pub fn log(&self, e: &Entry) {
        let Ok(line) = serde_json::to_string(e) else {
            return;
        };
        match self.tx.try_send(line) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                self.dropped.fetch_add(1, Relaxed);
            }
        }
    }

    /// Lines dropped so far.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Relaxed)
    }
}

fn write_lines(rx: Receiver<String>, out: Box<dyn Write + Send>) {
    let mut out = std::io::BufWriter::new(out);
    while let Ok(line) = rx.recv() {
        let mut next = Some(line);
        while let Some(l) = next {
            if writeln!(out, "{l}").is_err() {
                return;
            }
            next = rx.try_recv().ok();
        }
        if out.flush().is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_have_milliseconds() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_millis(1_764_659_881_123);
        assert_eq!(timestamp(t), "2025-12-02T07:18:01.123Z");
    }
}
