//! Numbers read from a customer file's cells (the policy's value and
//! tenure columns), and the tally of cells that are not numbers.
//!
//! A blank cell means "no value given"; a cell with text that is not a
//! number is a different thing (a spreadsheet's `1,200`, a typed `x`) and
//! used to be silently treated as blank (issue 23). Now it is
//! [`Cell::Unparseable`], counted per column with the first few examples
//! ([`Problems`]), reported, and fatal under `--strict`.
//!
//! `1,200` is *not* read as 1200: Excel in a decimal-comma locale writes
//! one and a half as `1,5` (and `1,200` as 1.2 to a German reader), so a
//! comma cannot be told apart from a thousands separator without knowing
//! the locale of whoever typed it. Guessing would silently misread a value
//! by a factor of a thousand; the cell is counted and the summary says to
//! write plain digits (`1200` or `1.2`). For the same reason, in a file
//! separated by `;` (a decimal-comma locale's Excel) a dot before groups of
//! exactly three digits (`1.200`, `12.500.000`) is a thousands separator
//! as often as a decimal point, and is counted rather than read as 1.2
//! ([`Cell::parse_in`]).

/// One cell of a number column.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    /// Empty or only whitespace: no value given.
    Blank,
    /// A finite number.
    Number(f64),
    /// Text that is not a finite number (kept, trimmed, for the reason and
    /// the report).
    Unparseable(&'a str),
}

impl<'a> Cell<'a> {
    /// Reads a cell: trimmed, then Rust's `f64` syntax (`1200`, `1.5`,
    /// `-3`, `2e3`); `NaN` and infinities are not values.
    pub fn parse(s: &'a str) -> Cell<'a> {
        let t = s.trim();
        if t.is_empty() {
            return Cell::Blank;
        }
        match t.parse::<f64>() {
            Ok(v) if v.is_finite() => Cell::Number(v),
            _ => Cell::Unparseable(t),
        }
    }

    /// [`Cell::parse`], for a file written in a decimal-comma locale
    /// (`decimal_comma`: the file is separated by `;`): `1.200` is then
    /// [`Cell::Unparseable`] (module docs).
    pub fn parse_in(s: &'a str, decimal_comma: bool) -> Cell<'a> {
        match Cell::parse(s) {
            Cell::Number(_) if decimal_comma && is_dot_grouped(s.trim()) => {
                Cell::Unparseable(s.trim())
            }
            c => c,
        }
    }

    /// The number, if the cell holds one.
    pub fn number(self) -> Option<f64> {
        match self {
            Cell::Number(v) => Some(v),
            _ => None,
        }
    }
}

/// `1.200`, `-12.500.000`: 1 to 3 digits, then `.ddd` groups only.
fn is_dot_grouped(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    let mut groups = s.split('.');
    let head = groups.next().unwrap_or("");
    let digits = |g: &str| g.bytes().all(|b| b.is_ascii_digit());
    let mut n = 0;
    let rest_ok = groups.all(|g| {
        n += 1;
        g.len() == 3 && digits(g)
    });
    (1..=3).contains(&head.len()) && digits(head) && n > 0 && rest_ok
}

/// How many examples a [`Problems`] keeps.
pub const MAX_EXAMPLES: usize = 3;

/// Rows of one kind of problem: how many, and the first few as
/// `(line of the file, text)`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Problems {
    /// Rows with the problem.
    pub count: u64,
    /// The first [`MAX_EXAMPLES`]: file line and the text at fault.
    pub examples: Vec<(u64, String)>,
}

impl Problems {
    /// Counts one more, keeping it as an example while there is room.
    pub fn add(&mut self, line: u64, text: &str) {
        self.count += 1;
        if self.examples.len() < MAX_EXAMPLES {
            self.examples.push((line, text.to_string()));
        }
    }

    /// `line 3: `1,200`; line 5: `x``, plus `…` when there were more.
    pub fn examples_text(&self) -> String {
        let mut s = self
            .examples
            .iter()
            .map(|(l, t)| format!("line {l}: `{t}`"))
            .collect::<Vec<_>>()
            .join("; ");
        if self.count > self.examples.len() as u64 {
            s.push_str("; …");
        }
        s
    }

    /// Whether any example holds a comma (then the report explains why a
    /// comma is not guessed).
    pub fn has_comma(&self) -> bool {
        self.examples.iter().any(|(_, t)| t.contains(','))
    }

    /// Whether any example is dot-grouped like `1.200` ([`Cell::parse_in`]).
    pub fn has_dot_groups(&self) -> bool {
        self.examples.iter().any(|(_, t)| is_dot_grouped(t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_number_and_text_are_three_things() {
        assert_eq!(Cell::parse("  "), Cell::Blank);
        assert_eq!(Cell::parse(" 12500 "), Cell::Number(12500.0));
        assert_eq!(Cell::parse("1.5"), Cell::Number(1.5));
        assert_eq!(Cell::parse("1,200"), Cell::Unparseable("1,200"));
        assert_eq!(Cell::parse(" x "), Cell::Unparseable("x"));
        assert_eq!(Cell::parse("NaN"), Cell::Unparseable("NaN"));
        assert_eq!(Cell::parse("inf"), Cell::Unparseable("inf"));
    }

    #[test]
    fn a_dot_before_three_digits_is_not_guessed_in_a_semicolon_file() {
        assert_eq!(Cell::parse_in("1.200", true), Cell::Unparseable("1.200"));
        assert_eq!(
            Cell::parse_in("12.500.000", true),
            Cell::Unparseable("12.500.000")
        );
        assert_eq!(Cell::parse_in("1.5", true), Cell::Number(1.5));
        assert_eq!(Cell::parse_in("1200", true), Cell::Number(1200.0));
        assert_eq!(Cell::parse_in("1.2000", true), Cell::Number(1.2));
        assert_eq!(Cell::parse_in("1.200", false), Cell::Number(1.2));
    }

    #[test]
    fn problems_keep_the_first_examples_and_count_all() {
        let mut p = Problems::default();
        for l in 2..10 {
            p.add(l, "x");
        }
        assert_eq!(p.count, 8);
        assert_eq!(p.examples.len(), MAX_EXAMPLES);
        assert_eq!(
            p.examples_text(),
            "line 2: `x`; line 3: `x`; line 4: `x`; …"
        );
    }
}
