//! How a text file is laid out (delimiter, quoting, header, null token) and
//! which columns of a Parquet file hold what: the choices a run makes about
//! its input files, given once for all the files of a role and recorded in
//! the snapshot's inputs.
//!
//! Why these defaults: a `.csv` file is RFC 4180 CSV (quotes, doubled
//! quotes, quoted delimiters and newlines), because that is what Excel,
//! Python's `csv`, DuckDB and the warehouses write; any other name is tab
//! separated and read literally (IANA `text/tab-separated-values` has no
//! quoting, and ids holding a `"` have always been valid there). `\N` is
//! refused as an id by default: it is Postgres' and MySQL's null in text
//! exports, and a user really named `\N` is far less likely than a null.

use serde::{Deserialize, Serialize};
use std::path::Path;

/// Whether a file's first data line is a header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HeaderMode {
    /// The first data line is column names: skipped, whatever it holds.
    Yes,
    /// There is no header: the first line is data.
    No,
    /// Decided from the first line (column words like `follower_id`, or ids
    /// that do not parse like the next line's), and reported when skipped.
    #[default]
    Auto,
}

impl HeaderMode {
    /// `yes`, `no` or `auto`, as on the command line.
    pub fn name(self) -> &'static str {
        match self {
            HeaderMode::Yes => "yes",
            HeaderMode::No => "no",
            HeaderMode::Auto => "auto",
        }
    }
}

/// The null token refused by default (Postgres `COPY` text format, MySQL).
pub const DEFAULT_NULL_TOKEN: &str = "\\N";

/// How text files are read; one for all the input files of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dialect {
    /// Column separator; `None`: from the file name (`.csv`: comma, else tab).
    pub delimiter: Option<u8>,
    /// Header handling.
    pub header: HeaderMode,
    /// Field values that mean "no value": a line holding one as an id is a
    /// bad line (`null id`), refused or skipped like any other. The empty
    /// field is always refused (`empty id`).
    pub null_tokens: Vec<String>,
}

impl Default for Dialect {
    fn default() -> Self {
        Dialect {
            delimiter: None,
            header: HeaderMode::Auto,
            null_tokens: vec![DEFAULT_NULL_TOKEN.to_string()],
        }
    }
}

impl Dialect {
    /// The separator for `path`: the one given, else from its name
    /// (compression suffixes ignored).
    pub fn separator(&self, path: &Path) -> u8 {
        self.delimiter
            .unwrap_or_else(|| super::Delimiter::for_path(path).byte())
    }

    /// True when fields of `path` may be quoted (RFC 4180): every separator
    /// but tab. Tab-separated files are read literally.
    pub fn quoted(&self, path: &Path) -> bool {
        self.separator(path) != b'\t'
    }

    /// True when `field` is one of the null tokens.
    pub fn is_null(&self, field: &str) -> bool {
        self.null_tokens.iter().any(|t| t == field)
    }
}

/// The column names usual for each role, tried in this order when the
/// column is not named: what DuckDB, polars and warehouse exports of a
/// follow or tag table tend to call them (Parquet files and in-memory
/// tables: roles `follower`, `followee`, `user`, `topic`, `market`).
pub fn usual_column_names(role: &str) -> &'static [&'static str] {
    match role {
        "follower" => &[
            "follower",
            "follower_id",
            "src",
            "source",
            "from",
            "user",
            "user_id",
        ],
        "followee" => &["followee", "followee_id", "dst", "target", "to"],
        "user" => &["user", "user_id", "userid", "account", "id", "handle"],
        "topic" => &["topic", "tag", "market", "topic_id", "label"],
        "market" => &["market", "market_id"],
        _ => &[],
    }
}

/// Parses a `--delimiter` value: `tab`, `comma`, `semicolon`, `space`,
/// `pipe`, `\t`, or any single byte.
pub fn parse_delimiter(s: &str) -> Result<u8, String> {
    let b = match s {
        "tab" | "\\t" | "\t" => b'\t',
        "comma" | "," => b',',
        "semicolon" | ";" => b';',
        "space" | " " => b' ',
        "pipe" | "|" => b'|',
        _ if s.len() == 1 => s.as_bytes()[0],
        _ => {
            return Err(format!(
                "`{s}` is not a delimiter: give tab, comma, semicolon, space, pipe or a single character"
            ))
        }
    };
    if matches!(b, b'\n' | b'\r' | b'"') || !b.is_ascii() {
        return Err(format!(
            "`{}` cannot separate columns (line ends, quotes and non-ASCII bytes cannot)",
            s.escape_debug()
        ));
    }
    Ok(b)
}

/// A separator as people write it: `tab`, `comma`, `semicolon`, `space`,
/// or the character.
pub fn delimiter_name(b: u8) -> String {
    match b {
        b'\t' => "tab".into(),
        b',' => "comma".into(),
        b';' => "semicolon".into(),
        b' ' => "space".into(),
        b'|' => "pipe".into(),
        _ => (b as char).to_string(),
    }
}

/// Which Parquet columns hold a role's two ids and weight: by name, or
/// `None` for the default (a column with a usual name such as `follower`,
/// `src`, `user_id`, else the first two columns; the weight only when named
/// or called `weight`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnNames {
    /// First id column (follower, or user).
    pub first: Option<String>,
    /// Second id column (followee, or topic).
    pub second: Option<String>,
    /// Weight column.
    pub weight: Option<String>,
}

/// The column choices of both roles.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputColumns {
    /// Follow files: `--follower-col`, `--followee-col`, `--weight-col`.
    pub edges: ColumnNames,
    /// Topic files: `--user-col`, `--topic-col` (and `--weight-col`).
    pub topics: ColumnNames,
}

/// Everything a run chose about reading its input files: the text dialect
/// and the Parquet columns.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadOptions {
    /// Text layout.
    pub dialect: Dialect,
    /// Parquet columns.
    pub columns: InputColumns,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters_by_name_and_by_character() {
        assert_eq!(parse_delimiter("tab"), Ok(b'\t'));
        assert_eq!(parse_delimiter("\\t"), Ok(b'\t'));
        assert_eq!(parse_delimiter(";"), Ok(b';'));
        assert_eq!(parse_delimiter("space"), Ok(b' '));
        assert_eq!(parse_delimiter("|"), Ok(b'|'));
        assert!(parse_delimiter("ab").is_err());
        assert!(parse_delimiter("\"").is_err());
    }

    #[test]
    fn csv_names_are_quoted_and_tab_files_literal() {
        let d = Dialect::default();
        assert!(d.quoted(Path::new("a.csv.gz")));
        assert!(!d.quoted(Path::new("a.tsv")));
        let semi = Dialect {
            delimiter: Some(b';'),
            ..Dialect::default()
        };
        assert!(semi.quoted(Path::new("a.txt")));
        assert!(d.is_null("\\N") && !d.is_null("N"));
    }
}
