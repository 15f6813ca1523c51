//! The CSV dialect of a customer file: its field separator, and how the
//! enriched copy is written for the spreadsheet that will open it.
//!
//! Customer files come out of spreadsheets. Excel in locales with a decimal
//! comma (most of Europe) saves "CSV" with `;` between fields, and Excel on
//! Windows reads a CSV as the ANSI code page unless it starts with a UTF-8
//! byte-order mark, so `Zoë` turns into `ZoÃ«` (issue 23). The input side
//! needs a separator; the output side needs a BOM and CRLF line ends.
//! A BOM at the start of the *input* is stripped by the `csv` reader
//! (csv-core's `strip_utf8_bom`), so Excel's own files match their first
//! header name; a test guards that.

/// The UTF-8 byte-order mark Excel looks for.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// A field separator `enrich` accepts: `,` `;` tab or `|`.
///
/// Only these four: they are what spreadsheets and CRM exports write, and
/// refusing the rest keeps a typo such as `--delimiter "'"` or a quote
/// character from silently producing a one-column file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delimiter(u8);

impl Delimiter {
    /// `,`, the default.
    pub const COMMA: Delimiter = Delimiter(b',');

    /// The byte.
    pub fn byte(self) -> u8 {
        self.0
    }

    /// How a message names it (`;`, `tab`).
    pub fn name(self) -> &'static str {
        match self.0 {
            b',' => ",",
            b';' => ";",
            b'\t' => "tab",
            _ => "|",
        }
    }

    /// Parses a `--delimiter` value: `,` `;` `|`, a tab character, `\t` or
    /// `tab`.
    pub fn parse(s: &str) -> Result<Delimiter, String> {
        match s {
            "," => Ok(Delimiter(b',')),
            ";" => Ok(Delimiter(b';')),
            "|" => Ok(Delimiter(b'|')),
            "\t" | "\\t" | "tab" | "TAB" => Ok(Delimiter(b'\t')),
            other => Err(format!(
                "`{other}` is not a delimiter enrich reads: give one of `,` `;` `|` `tab` (a one-byte separator)"
            )),
        }
    }

    /// A hint for a header that came out as one column: the separator the
    /// file seems to use, when it is another one that enrich accepts.
    pub fn guess_other(self, header: &csv::StringRecord) -> Option<Delimiter> {
        if header.len() != 1 {
            return None;
        }
        let h = header.get(0).unwrap_or("");
        [b';', b'\t', b'|', b',']
            .into_iter()
            .filter(|&b| b != self.0)
            .find(|&b| h.as_bytes().contains(&b))
            .map(Delimiter)
    }
}

impl std::fmt::Display for Delimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// How the enriched file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputDialect {
    /// Field separator (by default the input's, so the file opens the way
    /// the original did).
    pub delimiter: Delimiter,
    /// `--excel`: a UTF-8 BOM first and CRLF line ends, which Excel on
    /// Windows needs to read UTF-8 names correctly.
    pub excel: bool,
}

impl Default for OutputDialect {
    fn default() -> Self {
        OutputDialect {
            delimiter: Delimiter::COMMA,
            excel: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters_by_name_and_refusals() {
        assert_eq!(Delimiter::parse(";").unwrap().byte(), b';');
        assert_eq!(Delimiter::parse("tab").unwrap().byte(), b'\t');
        assert_eq!(Delimiter::parse("\\t").unwrap().byte(), b'\t');
        assert_eq!(Delimiter::parse("\t").unwrap().byte(), b'\t');
        assert!(Delimiter::parse("ab").unwrap_err().contains("`ab`"));
        assert!(Delimiter::parse("\"").is_err());
    }

    #[test]
    fn a_one_column_header_suggests_the_separator_it_holds() {
        let h = csv::StringRecord::from(vec!["id;handle;segment"]);
        assert_eq!(Delimiter::COMMA.guess_other(&h), Some(Delimiter(b';')));
        let two = csv::StringRecord::from(vec!["id", "handle"]);
        assert_eq!(Delimiter::COMMA.guess_other(&two), None);
    }
}
