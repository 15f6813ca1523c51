//! "Download as CSV" links that carry their table inside the page.
//!
//! Each table of the report is followed by
//! `<a download="NAME.csv" href="data:text/csv;charset=utf-8,…">`: the
//! CSV is in the link itself (a `data:` URI, RFC 2397), so the page stays
//! one self-contained file that works offline and from an e-mail
//! attachment, with no server to answer a download (issue 23). The tables
//! are bounded (see the module doc of [`super`]), so the links are too.

use crate::export::csv_field;
use std::fmt::Write;

/// The CSV text of a table: the header line, then one line per row, fields
/// quoted as RFC 4180 asks (the same quoting as `marketrank export`), lines
/// ended by CRLF as RFC 4180 specifies.
pub(super) fn csv_text(head: &[&str], rows: &[Vec<String>]) -> String {
    let mut o = String::new();
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        for (i, c) in cells.enumerate() {
            if i > 0 {
                o.push(',');
            }
            o.push_str(&csv_field(c));
        }
        o.push_str("\r\n");
    };
    line(&mut head.iter().copied());
    for row in rows {
        line(&mut row.iter().map(String::as_str));
    }
    o
}

/// Percent-encodes `s` (UTF-8 bytes) for a `data:` URI: every byte except
/// RFC 3986's unreserved characters (`A–Z a–z 0–9 - . _ ~`) becomes `%XX`.
/// More than a URI strictly needs, but then nothing in the text can end
/// the URI early (`#` starts a fragment, `%` an escape), break out of the
/// HTML attribute (`"`, `&`, `<`) or be taken apart by a browser's own
/// reading of commas, spaces and line ends.
pub(super) fn percent_encode(s: &str) -> String {
    let mut o = String::with_capacity(s.len() * 2);
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            o.push(b as char);
        } else {
            let _ = write!(o, "%{b:02X}");
        }
    }
    o
}

/// A file name made of `parts` joined by `-`, each kept to letters, digits,
/// `_` and `.` (anything else becomes `_`), so a market or user id cannot
/// put a path or a quote into the `download` attribute.
pub(super) fn file_name(parts: &[&str]) -> String {
    let clean = |p: &str| -> String {
        p.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    let mut name = parts.iter().map(|p| clean(p)).collect::<Vec<_>>().join("-");
    name.push_str(".csv");
    name
}

/// Appends the download link of one table; `name` from [`file_name`].
pub(super) fn link(o: &mut String, name: &str, head: &[&str], rows: &[Vec<String>]) {
    let _ = write!(
        o,
        r#"<p class="csv"><a download="{name}" href="data:text/csv;charset=utf-8,{}">download {name}</a></p>"#,
        percent_encode(&csv_text(head, rows))
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Inverse of [`percent_encode`], as a browser decodes the URI.
    fn decode(s: &str) -> String {
        let b = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%' {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                out.push(b[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn fields_with_quotes_commas_and_line_ends_are_quoted() {
        let rows = vec![
            vec!["1".to_string(), "say \"hi\", then go".to_string()],
            vec!["2".to_string(), "two\nlines".to_string()],
            vec!["3".to_string(), "plain".to_string()],
        ];
        assert_eq!(
            csv_text(&["#", "user"], &rows),
            "#,user\r\n1,\"say \"\"hi\"\", then go\"\r\n2,\"two\nlines\"\r\n3,plain\r\n"
        );
    }

    #[test]
    fn data_uri_encodes_everything_that_could_end_or_break_it() {
        let text = "a,\"b\"#c%d é😀 <&>\r\n";
        let enc = percent_encode(text);
        assert_eq!(
            enc,
            "a%2C%22b%22%23c%25d%20%C3%A9%F0%9F%98%80%20%3C%26%3E%0D%0A"
        );
        // Only unreserved characters and `%XX` escapes are left.
        let b = enc.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%' {
                assert!(b[i + 1..i + 3].iter().all(u8::is_ascii_hexdigit));
                i += 3;
            } else {
                assert!(b[i].is_ascii_alphanumeric() || b"-._~".contains(&b[i]));
                i += 1;
            }
        }
        assert_eq!(decode(&enc), text);
        // Unreserved characters stay as they are (the link stays short).
        assert_eq!(percent_encode("mila_atelier-1.5~"), "mila_atelier-1.5~");
    }

    #[test]
    fn link_round_trips_a_table() {
        let rows = vec![vec!["1".into(), "zoë, \"z\" #1 100%".into()]];
        let mut o = String::new();
        link(&mut o, "t.csv", &["rank", "user"], &rows);
        let href = o
            .split("href=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        let body = href.strip_prefix("data:text/csv;charset=utf-8,").unwrap();
        assert_eq!(
            decode(body),
            "rank,user\r\n1,\"zoë, \"\"z\"\" #1 100%\"\r\n"
        );
        assert!(o.contains(r#"download="t.csv""#));
    }

    #[test]
    fn file_names_keep_to_safe_characters() {
        assert_eq!(file_name(&["fashion", "top"]), "fashion-top.csv");
        assert_eq!(
            file_name(&["a/b", "x\"y", "é"]),
            "a_b-x_y-_.csv",
            "no path, no quote, ASCII only"
        );
    }
}
