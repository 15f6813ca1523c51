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
//! write plain digits (`1200` or `1.2`).

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

    /// The number, if the cell holds one.
    pub fn number(self) -> Option<f64> {
        match self {
            Cell::Number(v) => Some(v),
            _ => None,
        }
    }
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
