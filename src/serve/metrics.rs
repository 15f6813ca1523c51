//! Prometheus text metrics: requests by endpoint and status, latency
//! histograms, snapshot swaps. Plain atomics: no lock on the request path.

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
const STATUSES: [u16; 7] = [200, 400, 401, 404, 413, 500, 0];
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
        o
    }
}

#[cfg(test)]
mod tests {
    use super::{label_value, Metrics};

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
