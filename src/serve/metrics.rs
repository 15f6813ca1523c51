//! Prometheus text metrics: requests by endpoint and status, latency
//! histograms, snapshot swaps; `marketrank_build_info` and the standard
//! `process_*` gauges read from `/proc` (issue 19). Plain atomics: no lock
//! on the request path.

use std::borrow::Cow;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

/// A label value as the text exposition format spells it: backslash,
/// double quote and line feed escaped (`\\`, `\"`, `\n`), the three it
/// names; everything else is literal UTF-8.
///
/// The snapshot id holds the run's `created` text from the snapshot's
/// metadata, which whoever wrote the file chose: a raw line feed in it
/// would end the sample line and start one of the writer's own (issue 18,
/// item 17), a raw quote would end the label.
fn label_value(s: &str) -> Cow<'_, str> {
    if !s.contains(['\\', '"', '\n']) {
        return s.into();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.into()
}

/// Endpoints, as metric labels.
pub const ENDPOINTS: [&str; 7] = [
    "user", "batch", "top", "healthz", "metrics", "openapi", "other",
];
const STATUSES: [u16; 12] = [200, 204, 400, 401, 404, 405, 408, 413, 414, 500, 503, 0];
const BUCKETS: [f64; 10] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 1.0,
];

/// Counters and histograms.
pub struct Metrics {
    requests: Vec<AtomicU64>,
    buckets: Vec<AtomicU64>,
    sum_ns: Vec<AtomicU64>,
    count: Vec<AtomicU64>,
    swaps: AtomicU64,
    swap_failures: AtomicU64,
    /// Connections the server closed, by [`ConnectionClosed`].
    closed: [AtomicU64; 3],
}

/// Why the server closed a connection (not counted: the client closing
/// it, and a request cut by its body or request timeout, which is counted
/// by its 408 or 503 status).
#[derive(Debug, Clone, Copy)]
pub enum ConnectionClosed {
    /// Closed at the cap to make room for a new one (it had shown no token).
    Shed = 0,
    /// Answered 503 at the cap (every open connection had shown a token).
    Refused = 1,
    /// No request head in time: `--header-timeout`, or `--idle-timeout`
    /// on a kept-alive connection.
    TimedOut = 2,
}

impl ConnectionClosed {
    const LABELS: [&'static str; 3] = ["shed", "refused", "timed_out"];
}

impl Default for Metrics {
    fn default() -> Self {
        let n = |k: usize| (0..k).map(|_| AtomicU64::new(0)).collect();
        Metrics {
            requests: n(ENDPOINTS.len() * STATUSES.len()),
            buckets: n(ENDPOINTS.len() * BUCKETS.len()),
            sum_ns: n(ENDPOINTS.len()),
            count: n(ENDPOINTS.len()),
            swaps: AtomicU64::new(0),
            swap_failures: AtomicU64::new(0),
            closed: Default::default(),
        }
    }
}

impl Metrics {
    /// Records one request to endpoint `e` (index into `ENDPOINTS`).
    pub fn record(&self, e: usize, status: u16, took: Duration) {
        let s = STATUSES
            .iter()
            .position(|&x| x == status)
            .unwrap_or(STATUSES.len() - 1);
        self.requests[e * STATUSES.len() + s].fetch_add(1, Relaxed);
        let secs = took.as_secs_f64();
        for (b, &le) in BUCKETS.iter().enumerate() {
            if secs <= le {
                self.buckets[e * BUCKETS.len() + b].fetch_add(1, Relaxed);
            }
        }
        self.sum_ns[e].fetch_add(took.as_nanos() as u64, Relaxed);
        self.count[e].fetch_add(1, Relaxed);
    }

    pub(crate) fn swapped(&self) {
        self.swaps.fetch_add(1, Relaxed);
    }

    pub(crate) fn swap_failed(&self) {
        self.swap_failures.fetch_add(1, Relaxed);
    }

    pub(crate) fn connection_closed(&self, why: ConnectionClosed) {
        self.closed[why as usize].fetch_add(1, Relaxed);
    }

    /// Connections closed for `why` since start (every listener).
    pub fn closed(&self, why: ConnectionClosed) -> u64 {
        self.closed[why as usize].load(Relaxed)
    }

    /// The Prometheus text exposition, with the served snapshot's details.
    pub fn render(&self, snapshot_id: &str, age_s: f64, users: usize) -> String {
        let mut o = String::new();
        let _ = writeln!(
            o,
            "# HELP marketrank_requests_total Requests by endpoint and status."
        );
        let _ = writeln!(o, "# TYPE marketrank_requests_total counter");
        for (e, name) in ENDPOINTS.iter().enumerate() {
            for (s, code) in STATUSES.iter().enumerate() {
                let v = self.requests[e * STATUSES.len() + s].load(Relaxed);
                if v > 0 {
                    let code = if *code == 0 {
                        "other".to_string()
                    } else {
                        code.to_string()
                    };
                    let _ = writeln!(
                        o,
                        "marketrank_requests_total{{endpoint=\"{name}\",status=\"{code}\"}} {v}"
                    );
                }
            }
        }
        let _ = writeln!(
            o,
            "# HELP marketrank_request_duration_seconds Time to answer, by endpoint."
        );
        let _ = writeln!(o, "# TYPE marketrank_request_duration_seconds histogram");
        for (e, name) in ENDPOINTS.iter().enumerate() {
            let count = self.count[e].load(Relaxed);
            if count == 0 {
                continue;
            }
            for (b, le) in BUCKETS.iter().enumerate() {
                let v = self.buckets[e * BUCKETS.len() + b].load(Relaxed);
                let _ = writeln!(o, "marketrank_request_duration_seconds_bucket{{endpoint=\"{name}\",le=\"{le}\"}} {v}");
            }
            let _ = writeln!(o, "marketrank_request_duration_seconds_bucket{{endpoint=\"{name}\",le=\"+Inf\"}} {count}");
            let sum = self.sum_ns[e].load(Relaxed) as f64 / 1e9;
            let _ = writeln!(
                o,
                "marketrank_request_duration_seconds_sum{{endpoint=\"{name}\"}} {sum}"
            );
            let _ = writeln!(
                o,
                "marketrank_request_duration_seconds_count{{endpoint=\"{name}\"}} {count}"
            );
        }
        let _ = writeln!(
            o,
            "# HELP marketrank_snapshot_info The snapshot being served."
        );
        let _ = writeln!(o, "# TYPE marketrank_snapshot_info gauge");
        let _ = writeln!(
            o,
            "marketrank_snapshot_info{{id=\"{}\"}} 1",
            label_value(snapshot_id)
        );
        let _ = writeln!(o, "# HELP marketrank_snapshot_age_seconds Seconds since the served snapshot's run finished.");
        let _ = writeln!(o, "# TYPE marketrank_snapshot_age_seconds gauge");
        let _ = writeln!(o, "marketrank_snapshot_age_seconds {age_s}");
        let _ = writeln!(
            o,
            "# HELP marketrank_snapshot_users Users in the served snapshot."
        );
        let _ = writeln!(o, "# TYPE marketrank_snapshot_users gauge");
        let _ = writeln!(o, "marketrank_snapshot_users {users}");
        let _ = writeln!(
            o,
            "# HELP marketrank_snapshot_swaps_total New snapshots swapped in."
        );
        let _ = writeln!(o, "# TYPE marketrank_snapshot_swaps_total counter");
        let _ = writeln!(
            o,
            "marketrank_snapshot_swaps_total {}",
            self.swaps.load(Relaxed)
        );
        let _ = writeln!(o, "# HELP marketrank_snapshot_swap_failures_total New snapshots refused (the old one kept serving).");
        let _ = writeln!(o, "# TYPE marketrank_snapshot_swap_failures_total counter");
        let _ = writeln!(
            o,
            "marketrank_snapshot_swap_failures_total {}",
            self.swap_failures.load(Relaxed)
        );
        let _ = writeln!(o, "# HELP marketrank_connections_closed_total Connections the server closed (on every address it listens on): shed at the cap, refused at the cap, or timed out waiting for a request head.");
        let _ = writeln!(o, "# TYPE marketrank_connections_closed_total counter");
        for (label, n) in ConnectionClosed::LABELS.iter().zip(&self.closed) {
            let _ = writeln!(
                o,
                "marketrank_connections_closed_total{{reason=\"{label}\"}} {}",
                n.load(Relaxed)
            );
        }
        o
    }
}

/// `marketrank_build_info`: which build answers, as labels on a constant 1
/// (the Prometheus convention), so a dashboard can tell replicas apart
/// during a rollout.
pub fn build_info() -> String {
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    format!(
        "# HELP marketrank_build_info The marketrank build serving.\n\
         # TYPE marketrank_build_info gauge\n\
         marketrank_build_info{{version=\"{}\",target=\"{}-{}\",profile=\"{profile}\"}} 1\n",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::ARCH,
        std::env::consts::OS,
    )
}

/// Clock ticks per second in `/proc/self/stat` times: `USER_HZ`, which the
/// kernel fixes at 100 for userspace on every architecture Rust targets
/// for Linux (what `sysconf(_SC_CLK_TCK)` returns), so no libc call.
const USER_HZ: f64 = 100.0;

/// The standard `process_*` metrics (the names Prometheus client libraries
/// use, so existing dashboards work): resident memory, open and maximum
/// file descriptors, start time, CPU seconds. Linux only (`/proc`); empty
/// elsewhere or when `/proc` is not mounted.
pub fn process() -> String {
    let mut o = String::new();
    let mut gauge = |name: &str, help: &str, kind: &str, v: Option<f64>| {
        if let Some(v) = v {
            let _ = writeln!(o, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {v}");
        }
    };
    let rd = |p: &str| std::fs::read_to_string(p).ok();
    let rss = rd("/proc/self/status").and_then(|s| {
        let l = s.lines().find(|l| l.starts_with("VmRSS:"))?;
        Some(l.split_whitespace().nth(1)?.parse::<f64>().ok()? * 1024.0)
    });
    gauge(
        "process_resident_memory_bytes",
        "Resident memory size in bytes.",
        "gauge",
        rss,
    );
    let fds = std::fs::read_dir("/proc/self/fd")
        .ok()
        .map(|d| d.count() as f64);
    gauge(
        "process_open_fds",
        "Number of open file descriptors.",
        "gauge",
        fds,
    );
    let max_fds = rd("/proc/self/limits").and_then(|s| {
        let l = s.lines().find(|l| l.starts_with("Max open files"))?;
        l.split_whitespace().nth(3)?.parse::<f64>().ok()
    });
    gauge(
        "process_max_fds",
        "Maximum number of open file descriptors.",
        "gauge",
        max_fds,
    );
    // Fields after the command name (which may hold spaces, so split
    // after its closing parenthesis): utime is field 14, stime 15 and
    // starttime 22 of proc(5), i.e. indices 11, 12 and 19 here.
    let stat = rd("/proc/self/stat").and_then(|s| {
        let rest = s.get(s.rfind(')')? + 2..)?.to_string();
        let f: Vec<f64> = rest
            .split_whitespace()
            .map(|x| x.parse().unwrap_or(f64::NAN))
            .collect();
        Some((*f.get(11)?, *f.get(12)?, *f.get(19)?))
    });
    let cpu = stat.map(|(u, s, _)| (u + s) / USER_HZ);
    gauge(
        "process_cpu_seconds_total",
        "Total user and system CPU time spent in seconds.",
        "counter",
        cpu,
    );
    let boot = rd("/proc/stat").and_then(|s| {
        s.lines()
            .find_map(|l| l.strip_prefix("btime "))?
            .trim()
            .parse::<f64>()
            .ok()
    });
    let start = stat.zip(boot).map(|((_, _, st), b)| b + st / USER_HZ);
    gauge(
        "process_start_time_seconds",
        "Start time of the process since unix epoch in seconds.",
        "gauge",
        start,
    );
    o
}

#[cfg(test)]
mod tests {
    use super::{label_value, Metrics};

    #[cfg(target_os = "linux")]
    #[test]
    fn process_metrics_are_read_from_proc() {
        let text = super::process();
        for name in [
            "process_resident_memory_bytes",
            "process_open_fds",
            "process_max_fds",
            "process_cpu_seconds_total",
            "process_start_time_seconds",
        ] {
            let v: f64 = text
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{name} ")))
                .unwrap_or_else(|| panic!("{name} in {text}"))
                .parse()
                .unwrap();
            assert!(v.is_finite() && v >= 0.0, "{name} {v}");
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs_f64();
        let start: f64 = text
            .lines()
            .find_map(|l| l.strip_prefix("process_start_time_seconds "))
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            start <= now + 1.0 && start > now - 86_400.0 * 30.0,
            "{start}"
        );
        assert!(super::build_info().contains("marketrank_build_info{version=\""));
    }

    #[test]
    fn label_values_escape_backslash_quote_and_line_feed() {
        assert_eq!(
            label_value("2026-01-01T00:00:00Z/5users"),
            "2026-01-01T00:00:00Z/5users"
        );
        assert_eq!(label_value("a\\b\"c\nd"), r#"a\\b\"c\nd"#);
    }

    /// A snapshot id with a line feed stays one sample line: no line of
    /// the exposition starts with what came after the line feed.
    #[test]
    fn a_line_feed_in_the_snapshot_id_injects_no_metric_line() {
        let text = Metrics::default().render("x\"} 1\nmarketrank_injected 1\n\\", 0.0, 1);
        assert!(
            text.contains(r#"marketrank_snapshot_info{id="x\"} 1\nmarketrank_injected 1\n\\"} 1"#),
            "{text}"
        );
        assert!(
            !text.lines().any(|l| l.starts_with("marketrank_injected")),
            "{text}"
        );
    }
}
