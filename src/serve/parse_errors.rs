//! JSON bodies for the errors hyper answers by itself.
//!
//! When hyper cannot parse a request head (a request line or header it
//! rejects, a request target over 65,534 bytes, a head over its read
//! buffer) no request reaches the service: hyper writes a bare head,
//!
//! ```text
//! HTTP/1.1 414 URI Too Long\r\nconnection: close\r\ncontent-length: 0\r\ndate: …\r\n\r\n
//! ```
//!
//! and closes the connection. Issue 19 found those empty 400/414 bodies
//! contradicting "every error is JSON". Hyper has no hook for them, so
//! [`JsonParseErrors`] wraps the connection's byte stream and, when a
//! write is exactly such a head (status 4xx, `content-length: 0`, no
//! `content-type`), sends the same head with a JSON body instead. The
//! service's own responses always carry a `content-type` (every error is
//! JSON by then, see `errors.rs`), so they never match and pass through
//! byte for byte.
//!
//! A connection layer with its own accept loop wraps each accepted stream
//! with [`JsonParseErrors::new`]; with `axum::serve`, wrap the listener in
//! [`JsonParseErrorsListener`].

use super::errors::{body, ErrorCode};
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// A connection whose hyper-written parse-error responses get JSON bodies.
pub struct JsonParseErrors<T> {
    inner: T,
    /// The rewritten response still to be written, and how much of it went.
    pending: Vec<u8>,
    sent: usize,
}

impl<T> JsonParseErrors<T> {
    /// Wraps one accepted connection.
    pub fn new(inner: T) -> Self {
        JsonParseErrors {
            inner,
            pending: Vec::new(),
            sent: 0,
        }
    }

    /// The wrapped connection.
    pub fn get_ref(&self) -> &T {
        &self.inner
    }
}

/// The replacement for `buf` when it is one of hyper's automatic error
/// heads, else `None`.
fn rewrite(buf: &[u8]) -> Option<Vec<u8>> {
    // "HTTP/1.x 4dd " at the start, the whole head and nothing after it.
    if buf.len() < 13 || !(buf.starts_with(b"HTTP/1.1 4") || buf.starts_with(b"HTTP/1.0 4")) {
        return None;
    }
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    if end + 4 != buf.len() {
        return None;
    }
    let head = std::str::from_utf8(&buf[..end]).ok()?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next()?;
    let headers: Vec<&str> = lines.collect();
    let lower = |h: &str| h.to_ascii_lowercase();
    if !headers.iter().any(|h| lower(h) == "content-length: 0")
        || headers
            .iter()
            .any(|h| lower(h).starts_with("content-type:"))
    {
        return None;
    }
    let status: u16 = status_line.get(9..12)?.parse().ok()?;
    let status = axum::http::StatusCode::from_u16(status).ok()?;
    let code = ErrorCode::for_status(status);
    let message = match code {
        ErrorCode::UriTooLong => "the request target is over 65,534 bytes".to_string(),
        ErrorCode::HeadersTooLarge => "the request head is too large".to_string(),
        ErrorCode::BadRequest => {
            "the request is not valid HTTP/1.1 (request line or a header)".to_string()
        }
        _ => status
            .canonical_reason()
            .unwrap_or("error")
            .to_ascii_lowercase(),
    };
    let json = body(code, &message);
    let mut out = String::with_capacity(buf.len() + json.len() + 64);
    out.push_str(status_line);
    out.push_str("\r\ncontent-type: application/json\r\n");
    out.push_str(&format!("content-length: {}\r\n", json.len()));
    for h in headers
        .iter()
        .filter(|h| !lower(h).starts_with("content-length:"))
    {
        out.push_str(h);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    out.push_str(&json);
    Some(out.into_bytes())
}

impl<T: AsyncWrite + Unpin> JsonParseErrors<T> {
    /// Writes what is left of a rewritten response.
    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.sent < self.pending.len() {
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &self.pending[self.sent..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.sent += n;
        }
        self.pending.clear();
        self.sent = 0;
        Poll::Ready(Ok(()))
    }

    /// Takes `buf` as written after queueing its replacement.
    fn substitute(
        &mut self,
        cx: &mut Context<'_>,
        buf: &[u8],
        new: Vec<u8>,
    ) -> Poll<io::Result<usize>> {
        self.pending = new;
        self.sent = 0;
        // Pending here is fine: flush and shutdown drain the rest.
        if let Poll::Ready(Err(e)) = self.poll_drain(cx) {
            return Poll::Ready(Err(e));
        }
        Poll::Ready(Ok(buf.len()))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for JsonParseErrors<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for JsonParseErrors<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_drain(cx))?;
        match rewrite(buf) {
            Some(new) => this.substitute(cx, buf, new),
            None => Pin::new(&mut this.inner).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_drain(cx))?;
        // hyper queues the head as its own slice; an automatic error
        // response is that slice alone.
        if let Some(first) = bufs.iter().find(|b| !b.is_empty()) {
            if let Some(new) = rewrite(first) {
                return this.substitute(cx, first, new);
            }
        }
        Pin::new(&mut this.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_drain(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_drain(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

/// An `axum::serve` listener whose connections are [`JsonParseErrors`].
pub struct JsonParseErrorsListener<L>(pub L);

impl<L: axum::serve::Listener> axum::serve::Listener for JsonParseErrorsListener<L> {
    type Io = JsonParseErrors<L::Io>;
    type Addr = L::Addr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (io, addr) = self.0.accept().await;
        (JsonParseErrors::new(io), addr)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

#[cfg(test)]
mod tests {
    use super::rewrite;

    #[test]
    fn hyper_automatic_error_heads_get_a_json_body() {
        let head = b"HTTP/1.1 414 URI Too Long\r\nconnection: close\r\ncontent-length: 0\r\ndate: Wed, 02 Dec 2026 07:18:01 GMT\r\n\r\n";
        let out = String::from_utf8(rewrite(head).unwrap()).unwrap();
        let (h, b) = out.split_once("\r\n\r\n").unwrap();
        assert!(h.starts_with("HTTP/1.1 414 URI Too Long\r\ncontent-type: application/json\r\n"));
        assert!(h.contains(&format!("content-length: {}", b.len())), "{h}");
        assert!(
            h.contains("connection: close") && h.contains("date: Wed"),
            "{h}"
        );
        let v: serde_json::Value = serde_json::from_str(b).unwrap();
        assert_eq!(v["error"], "uri_too_long");
        let bad = b"HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        assert!(String::from_utf8(rewrite(bad).unwrap())
            .unwrap()
            .contains("\"error\":\"bad_request\""));
    }

    #[test]
    fn the_services_own_responses_pass_unchanged() {
        for buf in [
            &b"HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: 0\r\n\r\n"[..],
            b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n",
            b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n{}",
            b"{\"error\":\"x\"}",
            b"HTTP/1.1 401 Unauthorized\r\ncontent-length: 24\r\n\r\n",
        ] {
            assert!(rewrite(buf).is_none(), "{}", String::from_utf8_lossy(buf));
        }
    }
}
