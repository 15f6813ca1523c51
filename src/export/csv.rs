//! CSV export: RFC 4180 quoting, a header line, numbers spelled so that
//! spreadsheets and pandas read them back without loss where it matters
//! (scores in full precision, `{:e}`) and short where it does not.

use super::rows::{Row, RowSource, WideRows};
use super::text::TextFile;
use super::{Layout, RowWriter};
use std::borrow::Cow;
use std::io::{self, Write};
use std::path::Path;

/// Quotes a CSV field when it needs it (RFC 4180).
pub fn csv_field(s: &str) -> Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

pub(super) struct CsvWriter {
    file: TextFile,
}

impl CsvWriter {
    /// Creates the file and writes the header line of `layout`.
    pub fn create(out: &Path, layout: &Layout<'_>) -> io::Result<CsvWriter> {
        let mut file = TextFile::create(out)?;
        let w = &mut file.out;
        if layout.wide {
            write!(w, "user,followers,global_rank")?;
            for n in &layout.markets {
                let n = csv_field(n);
                write!(
                    w,
                    ",{n}_score,{n}_rank,{n}_percentile,{n}_influence,{n}_lift"
                )?;
            }
            writeln!(w)?;
        } else {
            writeln!(
                w,
                "user,market,score,rank,percentile,followers,influence,global_rank,lift"
            )?;
        }
        Ok(CsvWriter { file })
    }
}

impl RowWriter for CsvWriter {
    fn market_rows(&mut self, src: &RowSource<'_>, market: &str, rows: &[Row]) -> io::Result<()> {
        let w = &mut self.file.out;
        let market = csv_field(market);
        for r in rows {
            let u = r.user;
            writeln!(
                w,
                "{},{market},{:e},{},{:.4},{},{:.2},{},{:.6}",
                csv_field(src.snap.user_id(u)),
                r.score,
                r.rank,
                r.percentile,
                src.snap.followers(u),
                r.influence,
                src.global_rank(u),
                r.lift
            )?;
        }
        Ok(())
    }

    fn wide_rows(&mut self, src: &RowSource<'_>, wide: &WideRows) -> io::Result<()> {
        let w = &mut self.file.out;
        for (i, &u) in wide.users.iter().enumerate() {
            write!(
                w,
                "{},{},{}",
                csv_field(src.snap.user_id(u)),
                src.snap.followers(u),
                src.global_rank(u)
            )?;
            for cell in wide.cells_of(i) {
                match cell {
                    Some(r) => write!(
                        w,
                        ",{:e},{},{:.4},{:.2},{:.6}",
                        r.score, r.rank, r.percentile, r.influence, r.lift
                    )?,
                    None => write!(w, ",,,,,")?,
                }
            }
            writeln!(w)?;
        }
        Ok(())
    }

    fn finish(self: Box<Self>) -> io::Result<()> {
        self.file.finish()
    }
}
