//! Plain aligned text tables for the terminal.

use std::io::{self, Write};

/// Writes rows under a header to `out`, each column as wide as its widest
/// cell; columns listed in `right` are right-aligned (numbers).
pub fn print(
    out: &mut dyn Write,
    header: &[&str],
    rows: &[Vec<String>],
    right: &[usize],
) -> io::Result<()> {
    let mut width: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (w, c) in width.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |out: &mut dyn Write, cells: Vec<&str>| {
        let parts: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if right.contains(&i) {
                    format!("{c:>w$}", w = width[i])
                } else {
                    format!("{c:<w$}", w = width[i])
                }
            })
            .collect();
        writeln!(out, "{}", parts.join("  ").trim_end())
    };
    line(out, header.to_vec())?;
    for r in rows {
        line(out, r.iter().map(|s| s.as_str()).collect())?;
    }
    Ok(())
}

/// Formats a score compactly (probabilities are small).
pub fn score(s: f64) -> String {
    if s == 0.0 {
        "0".into()
    } else if s >= 1e-3 {
        format!("{s:.5}")
    } else {
        format!("{s:.3e}")
    }
}
