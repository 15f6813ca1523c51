//! RFC 4180 records: where a record ends (a quoted field may hold line
//! ends) and how its fields split and unescape.
//!
//! The same rules serve both readers, so that the parallel reader's chunk
//! cuts and the line reader's records always agree:
//!
//! - a field that *starts* with `"` is quoted: inside it `""` is one quote,
//!   and the separator and line ends are data; after its closing quote only
//!   the separator or the end of the record may follow;
//! - a `"` anywhere else in a field is an ordinary byte;
//! - a record starting with `#` is a comment and ends at its line end,
//!   whatever quotes it holds (a comment never swallows the lines after it);
//! - a record that runs past [`MAX_LINE_BYTES`] (an unterminated quote, most
//!   likely) is cut back to its first physical line, which then fails to
//!   parse at that line, and reading goes on at the next line. Memory stays
//!   bounded and one stray quote costs one line, not the rest of the file.

use super::{BadLine, MAX_LINE_BYTES};
use std::borrow::Cow;

/// Where the record starting at `bytes[start]` ends: the index of its
/// terminating `\n`, or `bytes.len()` when the bytes end outside quotes.
/// `None` when the bytes end inside a quoted field before the record went
/// past [`MAX_LINE_BYTES`]: more bytes are needed (or, at the end of the
/// file, see [`record_end_at_eof`]).
pub(crate) fn record_end(bytes: &[u8], start: usize, sep: u8) -> Option<usize> {
    let line_end = |from: usize| memchr::memchr(b'\n', &bytes[from..]).map(|i| from + i);
    if bytes.get(start) == Some(&b'#') {
        return Some(line_end(start).unwrap_or(bytes.len()));
    }
    let cap = start + MAX_LINE_BYTES;
    let mut pos = start;
    // Start of the current field (a quote opens a quoted field only there).
    let mut field = start;
    // (A byte-order mark at the start of a file is the caller's to step
    // over: `start` is then 3.)
    loop {
        if pos > cap {
            return cut_back(bytes, start);
        }
        // Outside quotes: only the next quote, separator or line end matters.
        let Some(i) = memchr::memchr3(b'"', b'\n', sep, &bytes[pos..]) else {
            return Some(bytes.len());
        };
        let at = pos + i;
        match bytes[at] {
            b'\n' => return (at <= cap).then_some(at).or_else(|| cut_back(bytes, start)),
            b'"' if at == field => {
                // Quoted field: runs to a quote not followed by another.
                let mut q = at + 1;
                loop {
                    match memchr::memchr(b'"', &bytes[q..]) {
                        Some(j) if q + j > cap => return cut_back(bytes, start),
                        Some(j) if bytes.get(q + j + 1) == Some(&b'"') => q += j + 2,
                        Some(j) => {
                            pos = q + j + 1;
                            break;
                        }
                        None if bytes.len() > cap => return cut_back(bytes, start),
                        None => return None,
                    }
                }
            }
            b'"' => pos = at + 1,
            _ => {
                pos = at + 1;
                field = pos;
            }
        }
    }
}

/// A record past [`MAX_LINE_BYTES`] is its first physical line (`None`:
/// that line has not ended yet in these bytes).
fn cut_back(bytes: &[u8], start: usize) -> Option<usize> {
    memchr::memchr(b'\n', &bytes[start..]).map(|i| start + i)
}

/// [`record_end`] where `bytes` end the file: a quote still open there
/// leaves the record as its first physical line.
pub(crate) fn record_end_at_eof(bytes: &[u8], start: usize, sep: u8) -> usize {
    record_end(bytes, start, sep)
        .or_else(|| cut_back(bytes, start))
        .unwrap_or(bytes.len())
}

/// One field of a record, unescaped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Field<'a> {
    /// The value (borrowed unless it held a doubled quote).
    pub text: Cow<'a, str>,
    /// Whether it was written in quotes: a quoted value is always a string
    /// (a quoted `"\N"` is an id, not a null).
    pub quoted: bool,
}

fn bad_quoting(message: String) -> BadLine {
    BadLine {
        kind: "bad quoting",
        message,
    }
}

/// Splits the next field off `rest` (a record without its line end),
/// leaving in `rest` what follows its separator; `None` once the record is
/// used up. `quoted`: RFC 4180 quoting, else the field runs to the next
/// separator whatever it holds.
pub(crate) fn next_field<'a>(
    rest: &mut Option<&'a str>,
    sep: u8,
    quoted: bool,
) -> Option<Result<Field<'a>, BadLine>> {
    let s = rest.take()?;
    let sep_char = sep as char;
    if !quoted || !s.starts_with('"') {
        let (text, after) = match s.find(sep_char) {
            Some(i) => (&s[..i], Some(&s[i + 1..])),
            None => (s, None),
        };
        *rest = after;
        return Some(Ok(Field {
            text: Cow::Borrowed(text),
            quoted: false,
        }));
    }
    let body = &s[1..];
    let mut owned: Option<String> = None;
    let mut from = 0;
    loop {
        let Some(i) = body[from..].find('"') else {
            return Some(Err(bad_quoting(
                "unterminated quote: a field starting with `\"` must end with `\"` (a quote inside a quoted field is written `\"\"`)"
                    .into(),
            )));
        };
        let q = from + i;
        if body[q + 1..].starts_with('"') {
            owned
                .get_or_insert_with(String::new)
                .push_str(&body[from..=q]);
            from = q + 2;
            continue;
        }
        let text = match owned {
            Some(mut o) => {
                o.push_str(&body[from..q]);
                Cow::Owned(o)
            }
            None => Cow::Borrowed(&body[..q]),
        };
        let after = &body[q + 1..];
        if after.is_empty() {
            *rest = None;
        } else if let Some(next) = after.strip_prefix(sep_char) {
            *rest = Some(next);
        } else {
            let shown: String = after.chars().take(10).collect();
            return Some(Err(bad_quoting(format!(
                "`{}` follows the closing quote of a quoted field (only the separator or the line end may): write a quote inside a quoted field as `\"\"`, or quote the whole field",
                shown.escape_debug()
            ))));
        }
        return Some(Ok(Field { text, quoted: true }));
    }
}

/// The first `N` fields of `record` (fewer when it has fewer; errors
/// ignored): what header detection looks at.
pub(crate) fn first_fields<const N: usize>(
    record: &str,
    sep: u8,
    quoted: bool,
) -> [Option<Cow<'_, str>>; N] {
    let mut rest = Some(record);
    std::array::from_fn(|_| match next_field(&mut rest, sep, quoted) {
        Some(Ok(f)) => Some(f.text),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(s: &str) -> Result<Vec<(String, bool)>, BadLine> {
        let mut rest = Some(s);
        let mut out = Vec::new();
        while let Some(f) = next_field(&mut rest, b',', true) {
            let f = f?;
            out.push((f.text.into_owned(), f.quoted));
        }
        Ok(out)
    }

    #[test]
    fn quoted_fields_unescape() {
        let v = |s: &str| fields(s).unwrap();
        assert_eq!(v("\"a\",\"b\""), [("a".into(), true), ("b".into(), true)]);
        assert_eq!(v("\"a,1\",b"), [("a,1".into(), true), ("b".into(), false)]);
        assert_eq!(v("\"say \"\"hi\"\"\",b")[0].0, "say \"hi\"");
        assert_eq!(v("\"x\ny\",b")[0].0, "x\ny");
        assert_eq!(v("a\"b,c")[0], ("a\"b".into(), false));
        assert_eq!(v("a,\"\""), [("a".into(), false), ("".into(), true)]);
        assert_eq!(v("a,"), [("a".into(), false), ("".into(), false)]);
        assert_eq!(v("\"a\"\"\",b")[0].0, "a\"");
    }

    #[test]
    fn bad_quoting_is_refused() {
        let e = fields("\"a\"x,b").unwrap_err();
        assert_eq!(e.kind, "bad quoting");
        assert!(
            e.message.contains("`x,b` follows the closing quote"),
            "{}",
            e.message
        );
        let e = fields("\"abc,d").unwrap_err();
        assert!(e.message.starts_with("unterminated quote"), "{}", e.message);
    }

    #[test]
    fn tab_fields_stay_literal() {
        let mut rest = Some("\"a\"\t\"b");
        let a = next_field(&mut rest, b'\t', false).unwrap().unwrap();
        let b = next_field(&mut rest, b'\t', false).unwrap().unwrap();
        assert_eq!((&*a.text, &*b.text), ("\"a\"", "\"b"));
    }

    #[test]
    fn records_end_outside_quotes() {
        let b = b"\"a\nb\",c\nd,e\n";
        assert_eq!(record_end(b, 0, b','), Some(7));
        assert_eq!(record_end(b, 8, b','), Some(11));
        // A quote inside an unquoted field does not open anything.
        assert_eq!(record_end(b"a\"b,c\nd", 0, b','), Some(5));
        // A comment ends at its line end, quotes or not.
        assert_eq!(record_end(b"# x,\"y\nz", 0, b','), Some(6));
        // Doubled quotes stay inside the field.
        assert_eq!(record_end(b"\"a\"\"\nb\",c\n", 0, b','), Some(9));
        // Open at the end of the bytes: more are needed, or at the end of
        // the file the record is its first line.
        assert_eq!(record_end(b"\"a\nb", 0, b','), None);
        assert_eq!(record_end_at_eof(b"\"a\nb", 0, b','), 2);
    }

    #[test]
    fn an_unterminated_quote_costs_one_line() {
        let mut b = b"\"a,b\n".to_vec();
        for _ in 0..3000 {
            b.extend_from_slice(b"123,456\n");
        }
        assert_eq!(record_end(&b, 0, b','), Some(4));
        assert_eq!(record_end(&b[..100], 0, b','), None);
    }
}
