//! The connection level of `serve`: the accept loop, each connection's
//! deadlines, and the cap on open connections (issue 19).
//!
//! `axum::serve` gives hyper no timer, so hyper enforced no header timeout:
//! 20,000 sockets each holding half a request line, with no token, used
//! every file descriptor the process had, and a client with a valid token
//! could no longer connect. Here each accepted socket is served by hyper's
//! HTTP/1 connection directly, beside a watchdog (same task, no timer
//! thread) that drops the socket when the deadline of its current phase
//! passes:
//!
//! | phase of the connection                         | closed, or answered, at        |
//! |-------------------------------------------------|--------------------------------|
//! | waiting for the first request's head            | accept + `header_timeout`      |
//! | kept alive after an answer, no byte yet         | answer + `idle_timeout`        |
//! | a later request's head begun, not finished      | its first byte + `header_timeout` |
//! | the request body not read to its end            | head + `body_timeout`: `408`   |
//! | the request not answered                        | head + `request_timeout`: `503` |
//!
//! The header and idle deadlines drop the socket without an answer (the
//! client has not asked anything yet); the body and request deadlines answer
//! JSON with `Connection: close`. The body deadline is total, not per
//! chunk, so a body trickled one byte a second is cut as surely as a
//! chunked body whose final chunk never comes.
//!
//! **The cap.** At most [`Limits::max_connections`] sockets are open
//! (default [`Limits::DEFAULT_MAX_CONNECTIONS`], and never more than the
//! open-files limit allows less [`FD_HEADROOM`]). A connection is *trusted*
//! once it has presented a valid token (without tokens: once it has sent a
//! whole request head). When a new socket arrives at the cap, the oldest
//! untrusted connection is closed to make room, so a flood of anonymous
//! sockets only ever displaces itself and a client with a token is
//! accepted and answered. Only when every open connection is trusted is the
//! new socket answered `503` at once and closed.

mod conn;

use super::metrics::ConnectionClosed;
use super::AppState;
use axum::http::{header, HeaderValue, Request};
use axum::Router;
use conn::{serve_connection, Conn, NONE};
use hyper::body::Incoming;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

/// How long each phase of a connection may take, and how many may be open.
/// The defaults are generous for any real client of a lookup service on a
/// network and short enough that idle sockets do not pile up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// From accept (or, on a kept-alive connection, from the request's first
    /// byte) until the request head is complete; then the socket is closed.
    pub header_timeout: Duration,
    /// From the end of the head until the body has been read to its end;
    /// then `408` and close.
    pub body_timeout: Duration,
    /// How long a kept-alive connection may wait for its next request after
    /// an answer (the answer's writing included); then it is closed.
    pub idle_timeout: Duration,
    /// From the end of the head until the answer is ready; then `503` and
    /// close.
    pub request_timeout: Duration,
    /// Most sockets open at once (`None`: [`Limits::DEFAULT_MAX_CONNECTIONS`]);
    /// lowered to what the open-files limit allows.
    pub max_connections: Option<usize>,
}

impl Limits {
    /// Default [`Limits::header_timeout`].
    pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
    /// Default [`Limits::body_timeout`]: a 10,000-id batch is usually under
    /// 200 KB; the largest body accepted (~41 MB) needs 1.4 MB/s.
    pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(30);
    /// Default [`Limits::idle_timeout`].
    pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
    /// Default [`Limits::request_timeout`]: the body's time and the
    /// answer's; a lookup takes microseconds, a `top` of 10,000 milliseconds.
    pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
    /// Default [`Limits::max_connections`], where the open-files limit allows.
    pub const DEFAULT_MAX_CONNECTIONS: usize = 10_000;
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            header_timeout: Limits::DEFAULT_HEADER_TIMEOUT,
            body_timeout: Limits::DEFAULT_BODY_TIMEOUT,
            idle_timeout: Limits::DEFAULT_IDLE_TIMEOUT,
            request_timeout: Limits::DEFAULT_REQUEST_TIMEOUT,
            max_connections: None,
        }
    }
}

/// File descriptors kept free beyond the connection cap: the listener, the
/// runtime's own, stdio, the snapshot and tokens files during a reload,
/// and the sockets being answered `503` (at most 32 at once).
pub const FD_HEADROOM: u64 = 128;
/// Most sockets being answered `503` at once; beyond, a socket is closed
/// without an answer, so a flood at the cap costs no descriptors.
const MAX_REFUSING: usize = 32;
/// Pending connections the kernel may queue before `accept` (capped by
/// `net.core.somaxconn`, 4,096 on current Linux). The standard library's
/// 128 overflowed under a burst of 2,000 connects on loopback: the kernel
/// then drops SYNs, and a client with a token waits a second for its SYN
/// to be retransmitted.
const BACKLOG: u32 = 4_096;

/// Binds `addr` for [`serve`] with an accept queue 4,096 deep (the
/// standard library's 128 overflowed under a burst of connects).
pub fn bind(addr: std::net::SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    // As the standard library does: rebinding right after a restart must
    // not wait for the old connections' TIME_WAIT.
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(BACKLOG)
}

/// Raises this process's soft limit on open files to its hard limit, so
/// that the connection cap is not lowered needlessly (many systems start
/// processes at 1,024 with a hard limit far higher). Returns the soft limit
/// now in force; `None` where it cannot be read.
pub fn raise_open_files_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes one `rlimit` into the struct it is given.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
            return None;
        }
        // macOS refuses a soft limit above OPEN_MAX (10,240) even when the
        // hard limit is unlimited: try the hard limit, then that.
        for want in [lim.rlim_max, lim.rlim_max.min(10_240)] {
            if want <= lim.rlim_cur {
                break;
            }
            let new = libc::rlimit {
                rlim_cur: want,
                rlim_max: lim.rlim_max,
            };
            // SAFETY: setrlimit only reads the struct it is given.
            if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &new) } == 0 {
                lim.rlim_cur = want;
                break;
            }
        }
        Some(lim.rlim_cur as u64)
    }
    #[cfg(not(unix))]
    None
}

/// The connection cap for `requested` (`None`: the default) under an
/// open-files limit of `open_files`, and a note to log when the limit
/// lowered an explicit request.
pub fn connection_cap(
    requested: Option<usize>,
    open_files: Option<u64>,
) -> (usize, Option<String>) {
    let room = open_files.map(|n| {
        let free = if n > 2 * FD_HEADROOM {
            n - FD_HEADROOM
        } else {
            n / 2
        };
        usize::try_from(free).unwrap_or(usize::MAX).max(1)
    });
    let want = requested.unwrap_or(Limits::DEFAULT_MAX_CONNECTIONS);
    match room {
        Some(room) if want > room => {
            let note = requested.map(|r| {
                format!(
                    "--max-connections {r} lowered to {room}: the process may open {} files \
                     (RLIMIT_NOFILE); raise it with `ulimit -n` to allow more",
                    open_files.unwrap_or(0)
                )
            });
            (room, note)
        }
        _ => (want, None),
    }
}

/// The open connections, by whether they may be shed.
#[derive(Default)]
struct Registry {
    next_id: u64,
    /// Untrusted connections by accept order: the first is shed first.
    untrusted: BTreeMap<u64, Arc<Conn>>,
    /// How many trusted connections are open (they are never shed).
    trusted: usize,
}

/// What every connection task shares.
struct Shared {
    state: Arc<AppState>,
    router: Router,
    limits: Limits,
    cap: usize,
    registry: Mutex<Registry>,
    refusing: Arc<Semaphore>,
    log: fn(&str),
    /// Seconds after `started` of the last "at the cap" line, or [`NONE`].
    noted: AtomicU64,
    started: Instant,
}

impl Shared {
    fn registry(&self) -> MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Registers a new socket, shedding the oldest untrusted connection at
    /// the cap (then `.1` is true); `None` when every open connection is
    /// trusted.
    fn admit(&self) -> Option<(Arc<Conn>, bool)> {
        let mut r = self.registry();
        let full = r.untrusted.len() + r.trusted >= self.cap;
        if full {
            let (_, victim) = r.untrusted.pop_first()?;
            victim.shed.store(true, Relaxed);
            victim.wake.notify_one();
            self.state.metrics.connection_closed(ConnectionClosed::Shed);
        }
        let id = r.next_id;
        r.next_id += 1;
        let conn = Arc::new(Conn::new(id));
        r.untrusted.insert(id, Arc::clone(&conn));
        Some((conn, full))
    }

    /// `conn` presented a valid token: it is never shed from now on.
    fn trust(&self, conn: &Conn) {
        let mut r = self.registry();
        // Absent: shed meanwhile, and closing; it takes no trusted place.
        if r.untrusted.remove(&conn.id).is_some() {
            r.trusted += 1;
            conn.trusted.store(true, Relaxed);
        }
    }

    /// `conn`'s socket is closed.
    fn close(&self, conn: &Conn) {
        let mut r = self.registry();
        if r.untrusted.remove(&conn.id).is_none() && conn.trusted.load(Relaxed) {
            r.trusted -= 1;
        }
    }

    /// Logs the cap being reached at most once a minute, with counts, so a
    /// flood is visible without a line per socket.
    fn note_at_cap(&self) {
        let now = self.started.elapsed().as_secs();
        let last = self.noted.load(Relaxed);
        if (last == NONE || now >= last + 60)
            && self
                .noted
                .compare_exchange(last, now, Relaxed, Relaxed)
                .is_ok()
        {
            (self.log)(&format!(
                "at the connection cap ({}): {} unauthenticated connections closed to make room, \
                 {} new ones answered 503, since start (on every address served)",
                self.cap,
                self.state.metrics.closed(ConnectionClosed::Shed),
                self.state.metrics.closed(ConnectionClosed::Refused)
            ));
        }
    }

    /// True when `req` makes its connection trusted.
    fn presents_token(&self, req: &Request<Incoming>) -> bool {
        match &self.state.tokens {
            None => true,
            Some(tokens) => tokens.accepts(
                req.headers()
                    .get(header::AUTHORIZATION)
                    .map(HeaderValue::as_bytes),
            ),
        }
    }
}

/// Serves `router`'s routes over `state` on `listener` under `limits`,
/// until the process ends. `log` gets the cap in force at start and, at
/// most once a minute, a line when the cap is reached. Raises the
/// open-files limit first (see [`raise_open_files_limit`]).
pub async fn serve(
    listener: TcpListener,
    state: Arc<AppState>,
    router: Router,
    limits: Limits,
    log: fn(&str),
) {
    let open_files = raise_open_files_limit();
    let (cap, note) = connection_cap(limits.max_connections, open_files);
    if let Some(note) = note {
        log(&note);
    }
    let at = listener
        .local_addr()
        .map_or_else(|_| "the listener".to_string(), |a| a.to_string());
    log(&format!(
        "{at}: at most {cap} connections; timeouts: header {:?}, body {:?}, idle {:?}, request {:?}",
        limits.header_timeout, limits.body_timeout, limits.idle_timeout, limits.request_timeout
    ));
    let shared = Arc::new(Shared {
        state,
        router,
        limits,
        cap,
        registry: Mutex::new(Registry::default()),
        refusing: Arc::new(Semaphore::new(MAX_REFUSING)),
        log,
        noted: AtomicU64::new(NONE),
        started: Instant::now(),
    });
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                // The cap keeps descriptors free, but other processes share
                // the system's: wait instead of spinning on EMFILE/ENFILE.
                if !is_connection_error(&e) {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                continue;
            }
        };
        match shared.admit() {
            Some((conn, shed_one)) => {
                if shed_one {
                    shared.note_at_cap();
                }
                tokio::spawn(serve_connection(Arc::clone(&shared), stream, conn));
            }
            None => {
                shared
                    .state
                    .metrics
                    .connection_closed(ConnectionClosed::Refused);
                shared.note_at_cap();
                refuse(&shared, stream);
            }
        }
    }
}

/// Errors of one connection, not of the listener.
fn is_connection_error(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        e.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    )
}

/// Answers a socket beyond the cap `503` and closes it. The request is read
/// and discarded for up to a second first: closing with unread bytes makes
/// the kernel send a reset, which can destroy the answer before the client
/// reads it.
fn refuse(shared: &Shared, stream: TcpStream) {
    let Ok(permit) = Arc::clone(&shared.refusing).try_acquire_owned() else {
        return; // too many being refused: drop without an answer
    };
    let cap = shared.cap;
    tokio::spawn(async move {
        let _permit = permit;
        let mut stream = stream;
        let _ = stream.set_nodelay(true);
        let body = serde_json::json!({
            "error": "overloaded",
            "message": format!(
                "the server is at its cap of {cap} connections, each of which has shown a \
                 token; retry shortly"
            ),
        })
        .to_string();
        let head = format!(
            "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
             content-length: {}\r\nretry-after: 1\r\nconnection: close\r\n\r\n",
            body.len()
        );
        let _ = tokio::time::timeout(Duration::from_secs(1), async {
            stream.write_all(head.as_bytes()).await?;
            stream.write_all(body.as_bytes()).await?;
            stream.shutdown().await?;
            let mut sink = [0u8; 4096];
            while stream.read(&mut sink).await? > 0 {}
            Ok::<(), std::io::Error>(())
        })
        .await;
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_is_the_default_or_asked_within_the_open_files_limit() {
        assert_eq!(connection_cap(None, None), (10_000, None));
        assert_eq!(connection_cap(None, Some(1_024)), (896, None));
        assert_eq!(connection_cap(Some(50), Some(1_024)), (50, None));
        assert_eq!(connection_cap(None, Some(200)), (100, None));
        let (cap, note) = connection_cap(Some(5_000), Some(1_024));
        assert_eq!(cap, 896);
        assert!(note
            .unwrap()
            .contains("--max-connections 5000 lowered to 896"));
    }
}
