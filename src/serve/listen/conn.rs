//! One connection: its phases' deadlines, the watchdog that enforces
//! them, and each request under the body and request timeouts (see the
//! table in [`super`]).

use super::{Limits, Shared};
use crate::serve::metrics::ConnectionClosed;
use axum::body::{Body, Bytes, HttpBody};
use axum::http::{header, HeaderValue, Request, Response, StatusCode};
use hyper::body::{Frame, Incoming, SizeHint};
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tokio::time::sleep_until;
use tower_service::Service;

/// hyper's read buffer per connection, which also bounds a request head:
/// an id of [`crate::input::MAX_ID_BYTES`] percent-encoded fits three times
/// over. hyper's default (~400 KB) would let 10,000 slow heads hold 4 GB.
const MAX_BUF: usize = 64 * 1024;

/// Marks "no time yet" in [`Conn`]'s millisecond fields.
pub(super) const NONE: u64 = u64::MAX;

/// One open connection, as its watchdog, its reader, its requests and the
/// registry see it. All but the registry run on the connection's own task,
/// so the fields need no ordering stronger than `Relaxed`.
pub(super) struct Conn {
    /// Accept order: the registry sheds the lowest untrusted id first.
    pub(super) id: u64,
    /// When it was accepted; the millisecond fields count from here.
    accepted: Instant,
    /// First byte of a later request's head, or [`NONE`].
    head_started: AtomicU64,
    /// When the last answer was handed to hyper, or [`NONE`] before any.
    answered: AtomicU64,
    /// A request is being answered (from its head to its answer).
    busy: AtomicBool,
    /// Closed by the registry to make room.
    pub(super) shed: AtomicBool,
    /// Has presented a valid token (without tokens: a whole request head).
    pub(super) trusted: AtomicBool,
    /// Wakes the watchdog when its deadline may have come closer.
    pub(super) wake: Notify,
}

impl Conn {
    pub(super) fn new(id: u64) -> Conn {
        Conn {
            id,
            accepted: Instant::now(),
            head_started: AtomicU64::new(NONE),
            answered: AtomicU64::new(NONE),
            busy: AtomicBool::new(false),
            shed: AtomicBool::new(false),
            trusted: AtomicBool::new(false),
            wake: Notify::new(),
        }
    }

    fn now_ms(&self) -> u64 {
        self.accepted.elapsed().as_millis() as u64
    }

    fn at(&self, ms: u64) -> Instant {
        self.accepted + Duration::from_millis(ms)
    }

    /// When the watchdog closes the socket, as things stand; `None` while a
    /// request is being answered (its own body and request timeouts apply).
    fn deadline(&self, limits: &Limits) -> Option<Instant> {
        if self.shed.load(Relaxed) {
            return Some(self.accepted);
        }
        if self.busy.load(Relaxed) {
            return None;
        }
        match (self.answered.load(Relaxed), self.head_started.load(Relaxed)) {
            (NONE, _) => Some(self.accepted + limits.header_timeout),
            (answered, NONE) => Some(self.at(answered) + limits.idle_timeout),
            (_, head) => Some(self.at(head) + limits.header_timeout),
        }
    }

    /// Bytes arrived: on a kept-alive connection between requests, they
    /// begin the next head, whose deadline is the header timeout.
    fn saw_bytes(&self) {
        if !self.busy.load(Relaxed)
            && self.answered.load(Relaxed) != NONE
            && self.head_started.load(Relaxed) == NONE
        {
            self.head_started.store(self.now_ms(), Relaxed);
            self.wake.notify_one();
        }
    }

    /// A request head is complete and goes to the router.
    fn begin_request(&self) {
        self.busy.store(true, Relaxed);
        self.head_started.store(NONE, Relaxed);
    }

    /// Its answer goes to hyper: the idle deadline starts.
    fn end_request(&self) {
        self.answered.store(self.now_ms(), Relaxed);
        self.busy.store(false, Relaxed);
        self.wake.notify_one();
    }
}

/// Returns when `conn`'s deadline has passed (or it was shed).
async fn watchdog(conn: &Conn, limits: &Limits) {
    loop {
        match conn.deadline(limits) {
            Some(d) if d <= Instant::now() => return,
            Some(d) => tokio::select! {
                _ = sleep_until(d.into()) => {}
                _ = conn.wake.notified() => {}
            },
            None => conn.wake.notified().await,
        }
    }
}

/// Serves one socket until the client closes it or a deadline passes.
pub(super) async fn serve_connection(shared: Arc<Shared>, stream: TcpStream, conn: Arc<Conn>) {
    // Answers are small: do not let Nagle hold them for the client's ACK.
    let _ = stream.set_nodelay(true);
    // hyper's own parse-error answers (400/414/431) get JSON bodies.
    let io = TokioIo::new(crate::serve::errors::JsonParseErrors::new(Watched {
        io: stream,
        conn: Arc::clone(&conn),
    }));
    let service = {
        let (shared, conn) = (Arc::clone(&shared), Arc::clone(&conn));
        hyper::service::service_fn(move |req| {
            conn.begin_request();
            let fut = answer(req, Arc::clone(&shared), Arc::clone(&conn));
            async move { Ok::<_, Infallible>(fut.await) }
        })
    };
    let http = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .max_buf_size(MAX_BUF)
        // The watchdog enforces the header timeout (hyper's would also
        // count the keep-alive wait against it).
        .header_read_timeout(None)
        .serve_connection(io, service);
    tokio::select! {
        _ = http => {}
        _ = watchdog(&conn, &shared.limits) => {
            if !conn.shed.load(Relaxed) {
                shared.state.metrics.connection_closed(ConnectionClosed::TimedOut);
            }
        }
    }
    shared.close(&conn);
}

/// One request through the router, under the body and request timeouts.
async fn answer(req: Request<Incoming>, shared: Arc<Shared>, conn: Arc<Conn>) -> Response<Body> {
    let start = Instant::now();
    if !conn.trusted.load(Relaxed) && shared.presents_token(&req) {
        shared.trust(&conn);
    }
    let body_done = Arc::new(AtomicBool::new(req.body().is_end_stream()));
    let req = req.map({
        let done = Arc::clone(&body_done);
        move |inner| Body::new(Tracked { inner, done })
    });
    let mut router = shared.router.clone();
    let call = router.call(req);
    tokio::pin!(call);
    let body_by = sleep_until((start + shared.limits.body_timeout).into());
    let answer_by = sleep_until((start + shared.limits.request_timeout).into());
    tokio::pin!(body_by, answer_by);
    let mut body_pending = true;
    let resp = loop {
        tokio::select! {
            biased;
            r = &mut call => break r.unwrap_or_else(|never| match never {}),
            _ = &mut body_by, if body_pending => {
                if body_done.load(Relaxed) {
                    body_pending = false;
                } else {
                    break timed_out(
                        StatusCode::REQUEST_TIMEOUT,
                        "body_timeout",
                        format!("request body not received within {:?}", shared.limits.body_timeout),
                    );
                }
            }
            _ = &mut answer_by => break timed_out(
                StatusCode::SERVICE_UNAVAILABLE,
                "request_timeout",
                format!("request not answered within {:?}", shared.limits.request_timeout),
            ),
        }
    };
    conn.end_request();
    resp
}

/// A JSON answer to a request cut by a timeout; the connection closes after
/// it (the unread rest of a body cannot be told from a next request).
fn timed_out(status: StatusCode, code: &str, message: String) -> Response<Body> {
    let body = serde_json::json!({ "error": code, "message": message }).to_string();
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(header::CONNECTION, HeaderValue::from_static("close"));
    r
}

/// The socket, telling its connection when bytes arrive.
struct Watched {
    io: TcpStream,
    conn: Arc<Conn>,
}

impl AsyncRead for Watched {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let r = Pin::new(&mut this.io).poll_read(cx, buf);
        if buf.filled().len() > before {
            this.conn.saw_bytes();
        }
        r
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

/// A request body that records when it has been read to its end, so that
/// the body timeout stops counting once the handler has it all.
struct Tracked {
    inner: Incoming,
    done: Arc<AtomicBool>,
}

impl HttpBody for Tracked {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_frame(cx);
        if matches!(r, Poll::Ready(None)) || this.inner.is_end_stream() {
            this.done.store(true, Relaxed);
        }
        r
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_phase_has_its_deadline() {
        let l = Limits {
            header_timeout: Duration::from_secs(2),
            idle_timeout: Duration::from_secs(7),
            ..Limits::default()
        };
        let c = Conn::new(0);
        assert_eq!(c.deadline(&l), Some(c.accepted + l.header_timeout));
        c.saw_bytes(); // the first head's deadline counts from accept
        assert_eq!(c.deadline(&l), Some(c.accepted + l.header_timeout));
        c.begin_request();
        assert_eq!(c.deadline(&l), None);
        c.end_request();
        let answered = c.at(c.answered.load(Relaxed));
        assert_eq!(c.deadline(&l), Some(answered + l.idle_timeout));
        c.saw_bytes();
        let head = c.at(c.head_started.load(Relaxed));
        assert_eq!(c.deadline(&l), Some(head + l.header_timeout));
        c.shed.store(true, Relaxed);
        assert!(c.deadline(&l).unwrap() <= Instant::now());
    }
}
