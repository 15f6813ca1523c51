//! Plain aligned text tables for the terminal.

use std::borrow::Cow;
use std::io::{self, Write};

/// `s` with every control character (C0, DEL and C1, Unicode category Cc,
/// ESC and the one-character CSI U+009B among them) written as `\u{1b}`,
/// the way Rust spells it; the rest as it is.
///
/// Ids, market names and metadata come from input files and snapshots,
/// which anyone may have written: printed raw, an id holding `ESC[2J` or
/// an OSC sequence would clear the screen, retitle the window or plant a
/// link on the terminal of whoever runs `top` (issue 18, item 17). The
/// HTML, CSV and JSON outputs escape in their own syntax; this is the
/// terminal's. It is done always, not only on a terminal, so that a
/// `top > file` read later with `cat` is as safe and the output does not
/// change with where it goes. A backslash stays as it is: the escaped form
/// is for reading, and ids with a literal `\u{..}` in them are rarer than
/// ids with a backslash.
pub fn printable(s: &str) -> Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return s.into();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out.into()
}

/// Writes rows under a header to `out`, each column as wide as its widest
/// cell; columns listed in `right` are right-aligned (numbers). Every cell
/// goes through [`printable`] first.
pub fn print(
    out: &mut dyn Write,
    header: &[&str],
    rows: &[Vec<String>],
    right: &[usize],
) -> io::Result<()> {
    let header: Vec<Cow<'_, str>> = header.iter().map(|h| printable(h)).collect();
    let header: Vec<&str> = header.iter().map(|h| h.as_ref()).collect();
    let rows: Vec<Vec<Cow<'_, str>>> = rows
        .iter()
        .map(|r| r.iter().map(|c| printable(c)).collect())
        .collect();
    let mut width: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in &rows {
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
    for r in &rows {
        line(out, r.iter().map(|s| s.as_ref()).collect())?;
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

#[cfg(test)]
mod tests {
    use super::printable;

    #[test]
    fn control_characters_are_escaped_and_the_rest_kept() {
        assert_eq!(printable("mila_atelier"), "mila_atelier");
        assert_eq!(printable("\u{1b}[31mévil"), "\\u{1b}[31mévil");
        assert_eq!(
            printable("a\tb\nc\u{7f}\u{9b}2J\\"),
            "a\\u{9}b\\u{a}c\\u{7f}\\u{9b}2J\\"
        );
    }
}
