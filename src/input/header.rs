//! Whether a file's first data record is a header: one rule for the
//! parallel follow reader and the line reader, so a file reads the same
//! whichever reads it.

use super::quoted::first_fields;
use super::{HeaderMode, Syntax};
use crate::graph::canonical_number;

/// Column names people put on a first line. A first data line whose two
/// id columns are both such words (or shaped like column names, see
/// [`column_shaped`]) is taken as a header: skipped, counted and reported,
/// never ranked as two users named `follower` and `followee`.
const HEADER_WORDS: &[&str] = &[
    "follower",
    "followee",
    "follower_id",
    "followee_id",
    "source",
    "target",
    "src",
    "dst",
    "from",
    "to",
    "user",
    "user_id",
    "userid",
    "topic",
    "tag",
    "market",
    "weight",
    "handle",
    "segment",
    "account",
    "account_id",
    "screen_name",
    "username",
    "name",
    "id",
    "node",
    "category",
    "label",
    "interest",
    "community",
    "followed",
    "following",
    "friend",
    "group",
];

/// Prefixes and suffixes of column names (`src_user_id`, `follower_handle`,
/// `topic_name`): a user id shaped like this is far more likely a column.
const HEADER_PREFIXES: &[&str] = &[
    "src_",
    "dst_",
    "source_",
    "target_",
    "follower_",
    "followee_",
    "from_",
    "to_",
    "user_",
];
const HEADER_SUFFIXES: &[&str] = &["_id", "_name"];

/// True for a header word, or an ASCII identifier with a column-name
/// prefix or suffix.
fn column_shaped(c: &str) -> bool {
    let c = c.trim_ascii();
    let lower = c.to_ascii_lowercase();
    if HEADER_WORDS.contains(&lower.as_str()) {
        return true;
    }
    let ident = !c.is_empty() && c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    ident
        && (HEADER_PREFIXES
            .iter()
            .any(|p| lower.len() > p.len() && lower.starts_with(p))
            || HEADER_SUFFIXES
                .iter()
                .any(|s| lower.len() > s.len() && lower.ends_with(s)))
}

/// True when `line` (the first data line of a file) names columns: both
/// id columns are column words. The rule without a next line to compare.
pub fn is_header_line(line: &[u8], sep: u8) -> bool {
    looks_like_header(line, None, &Syntax::literal(sep))
}

/// The `--header auto` rule: the first record is a header when both its
/// id columns are column-shaped names, or when it does not parse like the
/// next record: its two ids are not both numbers while the next record's
/// are (`src_user_id,dst_user_id` over numeric ids), or its third column
/// is not a number while the next record's is; in both cases the odd
/// fields must be names (start with a letter): `-5` is an id.
pub(crate) fn looks_like_header(first: &[u8], next: Option<&[u8]>, syn: &Syntax<'_>) -> bool {
    let text = |l: &[u8]| {
        let l = l.strip_suffix(b"\r").unwrap_or(l);
        std::str::from_utf8(l).ok().map(str::to_owned)
    };
    let Some(first) = text(first) else {
        return false;
    };
    let [a, b, w] = first_fields::<3>(&first, syn.sep, syn.quoted);
    if a.as_deref().is_some_and(column_shaped) && b.as_deref().is_some_and(column_shaped) {
        return true;
    }
    let Some(next) = next.and_then(text) else {
        return false;
    };
    let [na, nb, nw] = first_fields::<3>(&next, syn.sep, syn.quoted);
    let number = |f: &Option<std::borrow::Cow<'_, str>>| {
        f.as_deref()
            .is_some_and(|f| canonical_number(f.as_bytes()).is_some())
    };
    let weight = |f: &Option<std::borrow::Cow<'_, str>>| {
        f.as_deref()
            .is_some_and(|f| f.trim().parse::<f64>().is_ok())
    };
    // Only a name can be a column's: a field that starts with a letter.
    // `-5`, `007` or a 20-digit id are ids that are not canonical numbers,
    // never a header (the Parquet reader reads them as ids, too).
    let named = |f: &Option<std::borrow::Cow<'_, str>>| {
        f.as_deref()
            .is_some_and(|f| f.starts_with(|c: char| c.is_ascii_alphabetic()))
    };
    let id_or_name = |f: &Option<std::borrow::Cow<'_, str>>| number(f) || named(f);
    let ids_unlike = b.is_some()
        && !(number(&a) && number(&b))
        && id_or_name(&a)
        && id_or_name(&b)
        && number(&na)
        && number(&nb);
    let weight_unlike = w.is_some() && named(&w) && weight(&nw);
    ids_unlike || weight_unlike
}

/// Whether the first data record is a header, under `mode`.
pub(crate) fn is_header(
    mode: HeaderMode,
    first: &[u8],
    next: Option<&[u8]>,
    syn: &Syntax<'_>,
) -> bool {
    match mode {
        HeaderMode::Yes => true,
        HeaderMode::No => false,
        HeaderMode::Auto => looks_like_header(first, next, syn),
    }
}

/// A header's text as the report shows it: at most about 200 bytes.
pub(crate) fn header_text(line: &[u8]) -> String {
    let s = String::from_utf8_lossy(line);
    let s = s.trim_end_matches(['\r', '\n']);
    if s.len() <= 200 {
        return s.to_string();
    }
    let mut end = 200;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv() -> Syntax<'static> {
        Syntax::literal(b',')
    }

    #[test]
    fn column_words_and_shapes() {
        assert!(is_header_line(b"follower,followee", b','));
        assert!(is_header_line(b"handle\tsegment", b'\t'));
        assert!(is_header_line(b"src_user_id,dst_user_id", b','));
        assert!(is_header_line(b"account_id,topic_name", b','));
        assert!(!is_header_line(b"alice,bob", b','));
        assert!(!is_header_line(b"src_,x", b','));
        // Not an identifier: a user called `a b_id` is data.
        assert!(!is_header_line(b"a b_id,c_id", b','));
    }

    #[test]
    fn a_first_line_unlike_the_next_is_a_header() {
        let s = csv();
        assert!(looks_like_header(b"a,b", Some(b"1,2"), &s));
        assert!(!looks_like_header(b"1,2", Some(b"3,4"), &s));
        assert!(!looks_like_header(b"alice,bob", Some(b"carol,dave"), &s));
        assert!(!looks_like_header(b"-5,7", Some(b"1,2"), &s));
        assert!(!looks_like_header(
            b"007,12345678901234567890",
            Some(b"1,2"),
            &s
        ));
        assert!(looks_like_header(b"src_user_id,7", Some(b"1,2"), &s));
        assert!(looks_like_header(
            b"alice,bob,w",
            Some(b"carol,dave,2.5"),
            &s
        ));
        assert!(!looks_like_header(
            b"alice,bob,1",
            Some(b"carol,dave,2.5"),
            &s
        ));
        let quoted = Syntax {
            quoted: true,
            ..csv()
        };
        assert!(looks_like_header(
            b"\"follower\",\"followee\"",
            None,
            &quoted
        ));
    }

    #[test]
    fn modes() {
        let s = csv();
        assert!(is_header(HeaderMode::Yes, b"1,2", None, &s));
        assert!(!is_header(HeaderMode::No, b"follower,followee", None, &s));
        assert_eq!(header_text(b"a,b\r"), "a,b");
        assert!(header_text(&[b'x'; 300]).ends_with('…'));
    }
}
