//! Issue 19, the connection level: the timeouts close what a hostile client
//! holds open, and at the connection cap unauthenticated sockets are shed
//! first, so a client with a token is still answered. Loopback only; every
//! wait is bounded.

use crate::common::rank_sample_with as rank_sample;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const TOKEN: &str = "test-token-0123456789";

/// `marketrank serve` on the sample snapshot with a tokens file, killed on drop.
struct Server {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Server {
    fn start(flags: &[&str]) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let snap = dir.path().join("s.snap");
        rank_sample(&snap, &[]);
        let tokens = dir.path().join("tokens.txt");
        std::fs::write(&tokens, format!("{TOKEN}\n")).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = std::fs::File::create(dir.path().join("stderr")).unwrap();
        let child = Command::new(assert_cmd::cargo::cargo_bin("marketrank"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .arg("--tokens")
            .arg(&tokens)
            .arg("--snapshot")
            .arg(&snap)
            .args(flags)
            .stderr(Stdio::from(log))
            .spawn()
            .unwrap();
        let server = Server { child, port, dir };
        for _ in 0..200 {
            if server.try_get(Some(TOKEN)).is_some() {
                return server;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("server did not come up: {}", server.stderr());
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("stderr")).unwrap_or_default()
    }

    fn connect(&self) -> TcpStream {
        let s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s
    }

    /// One lookup on a new connection: the whole answer, or `None` when the
    /// connection failed.
    fn try_get(&self, token: Option<&str>) -> Option<String> {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
        s.set_nodelay(true).ok()?;
        s.write_all(lookup(token, true).as_bytes()).ok()?;
        let mut out = String::new();
        s.read_to_string(&mut out).ok()?;
        Some(out)
    }

    /// Like `try_get`, with the time from connecting to the last byte.
    fn timed_get(&self, token: Option<&str>) -> (String, Duration) {
        let t = Instant::now();
        let out = self.try_get(token).unwrap_or_default();
        (out, t.elapsed())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn lookup(token: Option<&str>, close: bool) -> String {
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    let conn = if close { "Connection: close\r\n" } else { "" };
    format!("GET /v1/users/mila_atelier HTTP/1.1\r\nHost: x\r\n{auth}{conn}\r\n")
}

/// One answer on a kept-alive connection: head and `Content-Length` body.
fn read_answer(s: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let mut byte = [0u8; 1];
    while !out.ends_with(b"\r\n\r\n") {
        assert_eq!(s.read(&mut byte).unwrap(), 1, "closed mid-head");
        out.push(byte[0]);
    }
    let head = String::from_utf8(out).unwrap();
    let len: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length: ")
                .map(|v| v.trim().parse().unwrap())
        })
        .expect("content-length");
    let mut body = vec![0u8; len];
    s.read_exact(&mut body).unwrap();
    head + &String::from_utf8(body).unwrap()
}

/// True when the server has closed `s` (nothing is expected on it).
fn is_closed(mut s: &TcpStream) -> bool {
    s.set_nonblocking(true).unwrap();
    let closed = match s.read(&mut [0u8; 64]) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) if e.kind() == ErrorKind::WouldBlock => false,
        Err(_) => true, // reset
    };
    s.set_nonblocking(false).unwrap();
    closed
}

/// Blocks until the server closes `s` or `by` passes; true when closed.
fn wait_closed(s: &mut TcpStream, by: Instant) -> bool {
    let left = by.saturating_duration_since(Instant::now());
    s.set_read_timeout(Some(left.max(Duration::from_millis(1))))
        .unwrap();
    loop {
        match s.read(&mut [0u8; 64]) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return false
            }
            Err(_) => return true,
        }
    }
}

/// Authenticated lookups on new connections every 20 ms until `stop`:
/// each answer, when it was asked for and how long it took.
fn keep_asking(server: &Server, stop: &AtomicBool) -> Vec<(String, Instant, Duration)> {
    let mut answers = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        let asked = Instant::now();
        let (out, took) = server.timed_get(Some(TOKEN));
        answers.push((out, asked, took));
        std::thread::sleep(Duration::from_millis(20));
    }
    answers
}

/// Opens `n` sockets from 4 threads (a dropped SYN then delays one
/// thread, not the rest), each sending half a request line, and watches
/// them from this thread as they come, until each is closed or `grace`
/// after the last connect. Returns each socket's connect time and how long
/// after it the socket was seen closed (to within the 5 ms between scans),
/// or `None`.
fn half_requests(server: &Server, n: usize, grace: Duration) -> Vec<(Instant, Option<Duration>)> {
    let (tx, rx) = std::sync::mpsc::channel::<(TcpStream, Instant)>();
    std::thread::scope(|scope| {
        for t in 0..4 {
            let tx = tx.clone();
            scope.spawn(move || {
                for _ in (t..n).step_by(4) {
                    // Before connecting: the server accepts later, so no
                    // socket can be closed sooner than the timeout after this.
                    let at = Instant::now();
                    let mut s = server.connect();
                    s.write_all(b"GET /v1/us").unwrap();
                    s.set_nonblocking(true).unwrap();
                    tx.send((s, at)).unwrap();
                }
            });
        }
        drop(tx);
        let mut held: Vec<(TcpStream, Instant, Option<Duration>)> = Vec::with_capacity(n);
        let give_up = Instant::now() + Duration::from_secs(60) + grace;
        loop {
            held.extend(rx.try_iter().map(|(s, at)| (s, at, None)));
            let all_in = held.len() == n;
            let last = held.iter().map(|h| h.1).max();
            if (all_in && held.iter().all(|h| h.2.is_some()))
                || (all_in && Instant::now() > last.unwrap() + grace)
                || Instant::now() > give_up
            {
                break;
            }
            for (s, at, closed) in &mut held {
                if closed.is_none() {
                    let gone = match s.read(&mut [0u8; 64]) {
                        Ok(n) => n == 0,
                        Err(e) => e.kind() != ErrorKind::WouldBlock,
                    };
                    if gone {
                        *closed = Some(at.elapsed());
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        held.into_iter().map(|(_, at, c)| (at, c)).collect()
    })
}

/// 2,000 sockets each holding half a request line and no token are each
/// closed at the header timeout after its connect (not before, and not a
/// second after), and a client with a token is answered within 100 ms
/// while they are held, through the mass close included.
#[test]
fn half_requests_are_closed_at_the_header_timeout_while_a_token_is_answered() {
    const HEADER: Duration = Duration::from_secs(3);
    // Each socket is one descriptor here (the server holds the other end).
    let open_files = marketrank::serve::listen::raise_open_files_limit().unwrap_or(1_024);
    let n = 2_000.min(open_files.saturating_sub(512) as usize);
    if n < 2_000 {
        eprintln!("open-files limit {open_files}: {n} half-requests instead of 2,000");
    }
    let server = Server::start(&["--header-timeout", "3", "--idle-timeout", "30"]);
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let asker = scope.spawn(|| keep_asking(&server, &stop));
        let started = Instant::now();
        let held = half_requests(&server, n, HEADER + Duration::from_secs(3));
        let all_closed = started.elapsed();
        stop.store(true, Ordering::Relaxed);
        let answers = asker.join().unwrap();
        let connects = || held.iter().map(|h| h.0);
        let (first_connect, last_connect) = (connects().min().unwrap(), connects().max().unwrap());
        let at_once = held
            .iter()
            .filter(|(at, c)| c.map_or(true, |c| *at + c > last_connect))
            .count();
        let open_left = held.iter().filter(|h| h.1.is_none()).count();
        let took = || held.iter().filter_map(|h| h.1);
        let (soonest, latest) = (took().min().unwrap(), took().max().unwrap());
        // Lookups asked while the sockets were being opened wait behind
        // their accepts; the rest, while they are held and closed.
        let (mut during_opening, mut while_held) = (Duration::ZERO, Duration::ZERO);
        for (_, asked, took) in &answers {
            let worst = if *asked < last_connect {
                &mut during_opening
            } else {
                &mut while_held
            };
            *worst = (*worst).max(*took);
        }
        eprintln!(
            "{n} half-requests opened in {:?}, {at_once} open at once; each closed {soonest:?} \
             to {latest:?} after its connect, all by {all_closed:?}; {} authenticated lookups \
             meanwhile, slowest {during_opening:?} while opening, {while_held:?} while held \
             and closed",
            last_connect - first_connect,
            answers.len()
        );
        assert_eq!(open_left, 0, "{open_left} sockets not closed");
        assert!(
            soonest >= HEADER,
            "one closed {soonest:?} after its connect"
        );
        assert!(latest < HEADER + Duration::from_secs(1), "{latest:?}");
        assert!(answers.len() >= 10, "{} lookups", answers.len());
        for (a, _, _) in &answers {
            assert!(a.starts_with("HTTP/1.1 200"), "{a}");
        }
        // While the 2,000 are held and closed: the 100 ms. While
        // they are being opened as fast as 4 threads can, a lookup's socket
        // waits in the accept queue behind theirs (FIFO: nothing is known of
        // a client before its request is read); 20–75 ms measured on the
        // 2-core machine, asserted under a second.
        assert!(
            while_held < Duration::from_millis(100),
            "slowest lookup while held {while_held:?}"
        );
        assert!(
            during_opening < Duration::from_secs(1),
            "slowest lookup while opening {during_opening:?}"
        );
    });
}

/// A chunked batch POST sent up to its first chunk; the rest never comes.
fn chunked_post(server: &Server, token: Option<&str>) -> TcpStream {
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    let mut s = server.connect();
    write!(
        s,
        "POST /v1/users:batch HTTP/1.1\r\nHost: x\r\n{auth}Content-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\n\r\n7\r\n{{\"ids\":\r\n"
    )
    .unwrap();
    s
}

/// Sends one more one-byte chunk on `s` every 100 ms until the server
/// closes it: joins to the number of chunks sent.
fn trickle(s: &TcpStream) -> std::thread::JoinHandle<usize> {
    let mut writer = s.try_clone().unwrap();
    std::thread::spawn(move || {
        let mut sent = 0;
        while writer.write_all(b"1\r\n \r\n").is_ok() && sent < 100 {
            sent += 1;
            std::thread::sleep(Duration::from_millis(100));
        }
        sent
    })
}

/// Everything the server sends on `s` until it closes it, and how long
/// that took.
fn answer_of(mut s: TcpStream) -> (String, Duration) {
    let t = Instant::now();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out); // a reset after the answer is fine
    (out, t.elapsed())
}

/// `out` is a JSON answer with `status`, error code `code` and a close,
/// sent between `after` and `after` + 2 s.
fn assert_cut(out: &str, took: Duration, status: &str, code: &str, after: Duration) {
    assert!(out.starts_with(&format!("HTTP/1.1 {status}")), "{out}");
    assert!(out.contains("connection: close"), "{out}");
    let body: serde_json::Value =
        serde_json::from_str(out.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(body["error"], code, "{out}");
    assert!(
        took >= after - Duration::from_millis(100) && took < after + Duration::from_secs(2),
        "cut after {took:?}"
    );
}

/// A chunked body whose final chunk never comes, and one trickled a chunk
/// every 100 ms, are both cut at the body timeout with a JSON 408 and a
/// close; without a token the 401 closes the connection at once.
#[test]
fn a_never_ending_chunked_body_is_cut_at_the_body_timeout() {
    const BODY: Duration = Duration::from_secs(1);
    let server = Server::start(&["--body-timeout", "1"]);
    let (stalled, stalled_took) = answer_of(chunked_post(&server, Some(TOKEN)));
    let trickled = chunked_post(&server, Some(TOKEN));
    let feeder = trickle(&trickled);
    let (trickle, trickle_took) = answer_of(trickled);
    let chunks = feeder.join().unwrap();
    let (anonymous, anonymous_took) = answer_of(chunked_post(&server, None));
    eprintln!(
        "stalled body cut after {stalled_took:?}, trickled body ({chunks} chunks) after \
         {trickle_took:?}, anonymous closed after {anonymous_took:?}"
    );
    assert_cut(&stalled, stalled_took, "408", "body_timeout", BODY);
    assert_cut(&trickle, trickle_took, "408", "body_timeout", BODY);
    assert!((5..=20).contains(&chunks), "{chunks} chunks trickled");
    assert!(anonymous.starts_with("HTTP/1.1 401"), "{anonymous}");
    assert!(
        anonymous_took < BODY + Duration::from_secs(2),
        "{anonymous_took:?}"
    );
    assert!(server
        .try_get(Some(TOKEN))
        .unwrap()
        .starts_with("HTTP/1.1 200"));
}

/// The request timeout is a total from the head to the answer: with a
/// longer body timeout, a trickled body is cut at it with a JSON 503.
#[test]
fn a_request_not_answered_in_time_gets_503_at_the_request_timeout() {
    const REQUEST: Duration = Duration::from_secs(1);
    let server = Server::start(&["--body-timeout", "30", "--request-timeout", "1"]);
    let trickled = chunked_post(&server, Some(TOKEN));
    let feeder = trickle(&trickled);
    let (out, took) = answer_of(trickled);
    let chunks = feeder.join().unwrap();
    eprintln!("trickled body ({chunks} chunks) cut at the request timeout after {took:?}");
    assert_cut(&out, took, "503", "request_timeout", REQUEST);
}

/// A kept-alive connection is closed at the idle timeout after its answer,
/// and one that begins a second request head and stalls is closed at the
/// header timeout after that head's first byte.
#[test]
fn kept_alive_connections_are_closed_at_the_idle_and_header_timeouts() {
    let server = Server::start(&["--idle-timeout", "1", "--header-timeout", "2"]);
    let mut idle = server.connect();
    idle.write_all(lookup(Some(TOKEN), false).as_bytes())
        .unwrap();
    assert!(read_answer(&mut idle).starts_with("HTTP/1.1 200"));
    let answered = Instant::now();
    assert!(wait_closed(&mut idle, answered + Duration::from_secs(3)));
    let idle_took = answered.elapsed();

    let mut slow = server.connect();
    slow.write_all(lookup(Some(TOKEN), false).as_bytes())
        .unwrap();
    assert!(read_answer(&mut slow).starts_with("HTTP/1.1 200"));
    std::thread::sleep(Duration::from_millis(500));
    slow.write_all(b"GET /v1/us").unwrap();
    let began = Instant::now();
    assert!(wait_closed(&mut slow, began + Duration::from_secs(4)));
    let head_took = began.elapsed();
    eprintln!("idle closed after {idle_took:?}, stalled second head after {head_took:?}");
    assert!(
        idle_took >= Duration::from_millis(900) && idle_took < Duration::from_secs(2),
        "{idle_took:?}"
    );
    // The head began before the idle timeout, so the header timeout rules.
    assert!(
        head_took >= Duration::from_millis(1_900) && head_took < Duration::from_secs(3),
        "{head_took:?}"
    );
}

/// With `--max-connections 50`, 200 idle sockets without a token leave at
/// most 50 open (the oldest are shed) and authenticated lookups on new
/// connections are answered; once all 50 places are held by authenticated
/// connections a new socket gets a quick JSON 503, and the 50 are still
/// answered.
#[test]
fn beyond_the_connection_cap_authenticated_requests_are_still_answered() {
    let server = Server::start(&[
        "--max-connections",
        "50",
        "--header-timeout",
        "60",
        "--idle-timeout",
        "60",
    ]);
    assert!(
        server.stderr().contains("at most 50 connections"),
        "{}",
        server.stderr()
    );
    let idle: Vec<TcpStream> = (0..200)
        .map(|_| {
            let mut s = server.connect();
            s.write_all(b"GET /v1/us").unwrap();
            s
        })
        .collect();
    let mut slowest = Duration::ZERO;
    for _ in 0..20 {
        let (out, took) = server.timed_get(Some(TOKEN));
        assert!(out.starts_with("HTTP/1.1 200"), "{out}");
        slowest = slowest.max(took);
    }
    std::thread::sleep(Duration::from_millis(300));
    let open = idle.iter().filter(|s| !is_closed(s)).count();
    assert!(
        open <= 50,
        "{open} of 200 idle sockets open over a cap of 50"
    );
    assert!(
        idle[..150].iter().all(is_closed),
        "the oldest were not shed first"
    );

    // Every place held by an authenticated, kept-alive connection.
    let mut trusted: Vec<TcpStream> = (0..50)
        .map(|_| {
            let mut s = server.connect();
            s.write_all(lookup(Some(TOKEN), false).as_bytes()).unwrap();
            assert!(read_answer(&mut s).starts_with("HTTP/1.1 200"));
            s
        })
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        idle.iter().all(is_closed),
        "an idle socket outlived the cap"
    );
    let (refused, refused_took) = server.timed_get(None);
    assert!(refused.starts_with("HTTP/1.1 503"), "{refused}");
    assert!(refused.contains("\"error\":\"overloaded\""), "{refused}");
    assert!(refused_took < Duration::from_secs(1), "{refused_took:?}");
    let mut kept_slowest = Duration::ZERO;
    for s in &mut trusted {
        let t = Instant::now();
        s.write_all(lookup(Some(TOKEN), false).as_bytes()).unwrap();
        assert!(read_answer(s).starts_with("HTTP/1.1 200"));
        kept_slowest = kept_slowest.max(t.elapsed());
    }
    eprintln!(
        "cap 50: {open} of 200 idle sockets left open; 20 new authenticated lookups, slowest \
         {slowest:?}; at a full cap a new socket got 503 in {refused_took:?}; 50 kept-alive \
         authenticated lookups, slowest {kept_slowest:?}"
    );
    assert!(slowest < Duration::from_secs(1), "{slowest:?}");
    drop(trusted);
    // Places free again: a new connection is served.
    std::thread::sleep(Duration::from_millis(200));
    assert!(server
        .try_get(Some(TOKEN))
        .unwrap()
        .starts_with("HTTP/1.1 200"));
}
