//! The memory guard: estimate a run's peak before the large allocations and
//! refuse, with the numbers, when it would not fit — a clear error instead
//! of the kernel's OOM killer halfway through a nightly job.

use super::{GraphInput, Level, Observer};
use crate::rank::{human_bytes, MemoryEstimate};

/// A `Key:   123 kB` field of a /proc file, in bytes.
fn proc_kb(file: &str, key: &str) -> Option<u64> {
    let text = std::fs::read_to_string(file).ok()?;
    let kb: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix(key))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    Some(kb * 1024)
}

/// Memory this process may still use: `MemAvailable` (Linux), capped by a
/// cgroup v2 `memory.max` when one is set. `None` when unknown.
pub fn available_memory() -> Option<u64> {
    let mut avail = proc_kb("/proc/meminfo", "MemAvailable:")?;
    if let Ok(max) = std::fs::read_to_string("/sys/fs/cgroup/memory.max") {
        if let Ok(limit) = max.trim().parse::<u64>() {
            let used = std::fs::read_to_string("/sys/fs/cgroup/memory.current")
                .ok()
                .and_then(|s| s.trim().parse::<u64>().ok())
                .unwrap_or(0);
            avail = avail.min(limit.saturating_sub(used));
        }
    }
    Some(avail)
}

/// Resident memory of this process now (Linux `VmRSS`).
pub fn current_rss() -> Option<u64> {
    proc_kb("/proc/self/status", "VmRSS:")
}

/// Peak resident memory of this process so far (Linux `VmHWM`).
pub fn peak_rss() -> Option<u64> {
    proc_kb("/proc/self/status", "VmHWM:")
}

/// [`peak_rss`] for log lines: `"312.4 MB"`, or `"unknown"`.
pub fn peak_rss_text() -> String {
    peak_rss()
        .map(human_bytes)
        .unwrap_or_else(|| "unknown".into())
}

/// Parses a size such as `512MB`, `24GB`, `1.5GiB`, `800M` or `1000000`
/// (bytes). Decimal units are powers of 1000, `KiB`/`MiB`/`GiB`/`TiB` powers
/// of 1024; a bare `K`/`M`/`G`/`T` is decimal.
pub fn parse_size(s: &str) -> Result<u64, BadSize> {
    let bad = |reason: String| BadSize {
        input: s.to_string(),
        reason,
    };
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let value: f64 = num
        .parse()
        .map_err(|_| bad("is not a size (examples: 512MB, 24GB, 1.5GiB)".into()))?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "t" | "tb" => 1e12,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        other => {
            return Err(bad(format!(
                "has an unknown unit `{other}` (use B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)"
            )))
        }
    };
    let bytes = value * mult;
    if !(bytes.is_finite() && bytes >= 1.0) {
        return Err(bad("is not a positive size".into()));
    }
    Ok(bytes as u64)
}

/// A size that does not parse, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{input}` {reason}")]
pub struct BadSize {
    /// What was given.
    pub input: String,
    /// What is wrong with it.
    pub reason: String,
}

/// A run that would not fit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not enough memory for {step}: it needs about {} ({detail}), the limit is {} ({source_of_limit}); rank fewer markets, use f32 precision, or raise the limit on a larger machine", human_bytes(*.needed), human_bytes(*.limit))]
pub struct MemoryRefusal {
    /// What was about to run ("reading the graph", "ranking").
    pub step: &'static str,
    /// Estimated peak of the process, bytes.
    pub needed: u64,
    /// The limit, bytes.
    pub limit: u64,
    /// Where the estimate comes from.
    pub detail: String,
    /// "the limit given" or "memory available on this machine".
    pub source_of_limit: String,
}

/// The limit a run works under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryLimit {
    /// Bytes.
    pub bytes: u64,
    /// True when given by the user (`--max-memory`).
    pub explicit: bool,
}

impl MemoryLimit {
    /// `max` when given, else the memory available now; `None` when neither
    /// is known (no guard).
    pub fn resolve(max: Option<u64>) -> Option<MemoryLimit> {
        match max {
            Some(bytes) => Some(MemoryLimit {
                bytes,
                explicit: true,
            }),
            None => available_memory().map(|avail| MemoryLimit {
                // What is resident now is not available but is ours.
                bytes: avail + current_rss().unwrap_or(0),
                explicit: false,
            }),
        }
    }

    /// Refuses when `needed` (the whole process's estimated peak) exceeds the limit.
    pub fn check(
        &self,
        step: &'static str,
        needed: u64,
        detail: String,
    ) -> Result<(), MemoryRefusal> {
        if needed <= self.bytes {
            return Ok(());
        }
        Err(MemoryRefusal {
            step,
            needed,
            limit: self.bytes,
            detail,
            source_of_limit: if self.explicit {
                "the limit given".into()
            } else {
                "memory available on this machine".into()
            },
        })
    }
}

/// Estimated peak while reading a follow file of `bytes` bytes (a regular
/// file: a stream has no size, and the read itself is guarded by
/// [`crate::input::ReadBudget`] as it goes): at least 12 bytes per follow
/// (two index columns, then the CSR column) at the shortest plausible line
/// (`1\t2\n` ≈ 10 bytes per follow after gzip's ~4×), plus the parser's
/// own windows ([`crate::input::reader_overhead`]). A lower bound on
/// purpose: the read checks as it goes, and the precise check comes after
/// loading, before the score blocks.
pub fn read_estimate(bytes: u64, compressed: bool) -> u64 {
    let text = if compressed { bytes * 4 } else { bytes };
    let follows = text / 10;
    follows * 12 + crate::input::reader_overhead()
}

/// Refuses to start reading `input` when even a lower bound of the read's
/// peak ([`read_estimate`], or a cache's size) exceeds `limit`.
pub(crate) fn guard_read(limit: MemoryLimit, input: &GraphInput) -> Result<(), MemoryRefusal> {
    let resident = current_rss().unwrap_or(0);
    let (needed, detail) = match input {
        GraphInput::Text(files) => {
            // Patterns that match nothing are reported by the read itself.
            let edges = crate::input::files::expand_inputs(&files.edges).unwrap_or_default();
            let (mut bytes, mut need, mut compressed) = (0, 0, false);
            for e in &edges {
                let size = std::fs::metadata(e)
                    .ok()
                    .filter(|m| m.is_file())
                    .map_or(0, |m| m.len());
                let packed = crate::input::is_compressed(e);
                compressed |= packed;
                bytes += size;
                need += read_estimate(size, packed) - crate::input::reader_overhead();
            }
            need += crate::input::reader_overhead();
            let what = match edges.as_slice() {
                [one] => one.display().to_string(),
                many => format!("{} follow files", many.len()),
            };
            (
                resident + need,
                format!(
                    "at least {} to parse {what} ({} of follows{}, the reader's windows included), + {} resident",
                    human_bytes(need),
                    human_bytes(bytes),
                    if compressed { ", compressed" } else { "" },
                    human_bytes(resident)
                ),
            )
        }
        // The tables are in memory already; the graph built from them is
        // checked after the read, as every graph is (`guard_rank`).
        GraphInput::Tables(_) => return Ok(()),
        GraphInput::Cache(p) => {
            let bytes = std::fs::metadata(p).map_or(0, |m| m.len());
            (
                resident + bytes,
                format!(
                    "the graph cache's {} + {} resident",
                    human_bytes(bytes),
                    human_bytes(resident)
                ),
            )
        }
    };
    limit.check("reading the graph", needed, detail)
}

/// After loading, before the score blocks: refuses when what is resident
/// plus the ranking's blocks ([`MemoryEstimate`]) plus writing the snapshot
/// of `users` users with `mixes` composed markets exceeds `limit`, and
/// notes the estimate either way.
pub(crate) fn guard_rank(
    limit: MemoryLimit,
    users: u64,
    estimate: &MemoryEstimate,
    mixes: usize,
    obs: &mut dyn Observer,
) -> Result<(), MemoryRefusal> {
    let resident = current_rss().unwrap_or(0);
    // Writing the snapshot: one market's sort keys and order at a time,
    // the id bytes and index, and the composed markets' columns.
    let write = users * (16 + 4 + 24) + users * mixes as u64 * 8;
    let peak = resident + estimate.scores + estimate.other + write;
    obs.note(
        Level::Info,
        &format!(
            "memory guard: estimated peak {} of a {} limit{}",
            human_bytes(peak),
            human_bytes(limit.bytes),
            if limit.explicit {
                " (the limit given)"
            } else {
                " (memory available)"
            }
        ),
    );
    limit.check(
        "ranking",
        peak,
        format!(
            "{} resident after loading + score blocks {} + teleport and per-user tables {} + snapshot writing {}",
            human_bytes(resident),
            human_bytes(estimate.scores),
            human_bytes(estimate.other),
            human_bytes(write)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("512MB"), Ok(512_000_000));
        assert_eq!(parse_size("24GB"), Ok(24_000_000_000));
        assert_eq!(parse_size("1.5GiB"), Ok(1_610_612_736));
        assert_eq!(parse_size("800m"), Ok(800_000_000));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("12 parsecs").is_err());
        assert!(parse_size("0").is_err());
    }

    #[test]
    fn refusal_names_the_numbers() {
        let l = MemoryLimit {
            bytes: 1_000_000,
            explicit: true,
        };
        assert!(l.check("ranking", 999_999, String::new()).is_ok());
        let e = l
            .check("ranking", 2_000_000, "scores 1.5 MB".into())
            .unwrap_err()
            .to_string();
        assert!(e.contains("not enough memory for ranking"), "{e}");
        assert!(
            e.contains("2.0 MB") && e.contains("1.0 MB") && e.contains("the limit given"),
            "{e}"
        );
    }
}
