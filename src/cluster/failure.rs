//! When a process of the cluster dies or never comes: stop within a bounded
//! time with a message that names it, never hang.
//!
//! timely has no failure handling of its own: a lost connection panics its
//! network thread (`timely:recv-P` / `timely:send-P`, P the other process)
//! with "timely communication error: ...", and the workers then wait for
//! progress that never comes; connecting retries forever. So:
//!
//! - a panic hook turns that panic into a message naming process P and
//!   exits at once (exit code 2);
//! - a watchdog thread gives the cluster a deadline to connect, and names
//!   the addresses that do not accept connections;
//! - a round that waits longer than the peer timeout names the workers it
//!   did not hear from (a process that hangs without closing its sockets).
//!
//! Exiting, not unwinding: timely's worker guards would wait for the dead
//! process forever. Nothing is left half-written at an output path, since
//! every file is written to a temporary name and renamed when complete.

use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Once};
use std::time::Duration;

/// A failure of the cluster as a whole.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// A round waited longer than the peer timeout.
    #[error("waited {seconds} s in exchange round {round} for {who}; a process hangs or the network dropped it (raise the peer timeout if a process is only slow)")]
    Timeout {
        /// The timeout in seconds.
        seconds: u64,
        /// The round number.
        round: u64,
        /// What did not come, naming workers and processes.
        who: String,
    },
}

/// Exit code of a process that stops because of another one.
pub const EXIT_CLUSTER: i32 = 2;

static HOOK: Once = Once::new();

/// Installs the panic hook that turns a timely network failure into a
/// message and an exit. `addresses` are the processes' addresses, to name
/// the one that failed.
pub fn install_hook(me: usize, addresses: Vec<String>) {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let name = std::thread::current().name().unwrap_or("").to_string();
            let msg = info
                .payload()
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| info.payload().downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            let peer = name
                .strip_prefix("timely:recv-")
                .or_else(|| name.strip_prefix("timely:send-"))
                .and_then(|p| p.parse::<usize>().ok());
            if let (Some(p), true) = (peer, msg.contains("timely communication error")) {
                let addr = addresses.get(p).map(String::as_str).unwrap_or("?");
                eprintln!(
                    "marketrank: process {me}: lost process {p} ({addr}): {}; stopping (the output path keeps its previous content)",
                    msg.trim_start_matches("timely communication error: ")
                );
                std::process::exit(EXIT_CLUSTER);
            }
            previous(info);
        }));
    });
}

/// A deadline for the cluster to connect. Until [`Connecting::done`] is
/// called, a thread waits `timeout`; then it names the processes whose
/// address accepts no connection and exits the process.
pub struct Connecting {
    done: Arc<AtomicBool>,
}

impl Connecting {
    /// Starts the deadline for process `me` of `addresses`.
    pub fn start(me: usize, addresses: Vec<String>, timeout: Duration) -> Connecting {
        let done = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&done);
        std::thread::Builder::new()
            .name("marketrank:connect-deadline".into())
            .spawn(move || {
                let step = Duration::from_millis(100);
                let mut waited = Duration::ZERO;
                while waited < timeout {
                    std::thread::sleep(step);
                    waited += step;
                    if flag.load(Ordering::SeqCst) {
                        return;
                    }
                }
                let silent: Vec<String> = addresses
                    .iter()
                    .enumerate()
                    .filter(|&(p, _)| p != me && !accepts(&addresses[p]))
                    .map(|(p, a)| format!("process {p} ({a})"))
                    .collect();
                let who = if silent.is_empty() {
                    "every address accepts connections, but the cluster did not form (do all processes use the same hostfile and process count?)".to_string()
                } else {
                    format!("not reachable: {}", silent.join(", "))
                };
                eprintln!(
                    "marketrank: process {me}: the cluster did not connect within {} s; {who}",
                    timeout.as_secs()
                );
                std::process::exit(EXIT_CLUSTER);
            })
            .expect("spawn the connect deadline thread");
        Connecting { done }
    }

    /// The cluster is up: cancel the deadline.
    pub fn done(&self) {
        self.done.store(true, Ordering::SeqCst);
    }
}

fn accepts(addr: &str) -> bool {
    let addrs: Vec<SocketAddr> = addr
        .to_socket_addrs()
        .map(|a| a.collect())
        .unwrap_or_default();
    addrs
        .iter()
        .any(|a| TcpStream::connect_timeout(a, Duration::from_secs(1)).is_ok())
}
