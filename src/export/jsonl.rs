//! JSON Lines export: one object per row, no header; numbers as JSON
//! numbers in full precision. In the wide layout a market the filter left
//! the user out of is an absent key, not a null object.

use super::rows::{Row, RowSource, WideRows};
use super::text::TextFile;
use super::{Layout, RowWriter};
use serde_json::{json, Map, Value};
use std::io::{self, Write};
use std::path::Path;

pub(super) struct JsonLinesWriter {
    file: TextFile,
    /// The selected markets' names: the wide layout's keys, in cell order.
    markets: Vec<String>,
}

impl JsonLinesWriter {
    pub fn create(out: &Path, layout: &Layout<'_>) -> io::Result<JsonLinesWriter> {
        Ok(JsonLinesWriter {
            file: TextFile::create(out)?,
            markets: layout.markets.iter().map(|m| m.to_string()).collect(),
        })
    }

    fn line(&mut self, value: &impl serde::Serialize) -> io::Result<()> {
        serde_json::to_writer(&mut self.file.out, value)?;
        writeln!(self.file.out)
    }
}

impl RowWriter for JsonLinesWriter {
    fn market_rows(&mut self, src: &RowSource<'_>, market: &str, rows: &[Row]) -> io::Result<()> {
        for r in rows {
            let u = r.user;
            self.line(&json!({
                "user": src.snap.user_id(u), "market": market, "score": r.score, "rank": r.rank,
                "percentile": r.percentile, "followers": src.snap.followers(u),
                "influence": r.influence, "global_rank": src.global_rank(u), "lift": r.lift,
            }))?;
        }
        Ok(())
    }

    fn wide_rows(&mut self, src: &RowSource<'_>, wide: &WideRows) -> io::Result<()> {
        for (i, &u) in wide.users.iter().enumerate() {
            let mut obj = Map::new();
            obj.insert("user".into(), src.snap.user_id(u).into());
            obj.insert("followers".into(), src.snap.followers(u).into());
            obj.insert("global_rank".into(), src.global_rank(u).into());
            for (name, cell) in self.markets.iter().zip(wide.cells_of(i)) {
                if let Some(r) = cell {
                    obj.insert(name.clone(), market_cell(r));
                }
            }
            self.line(&obj)?;
        }
        Ok(())
    }

    fn finish(self: Box<Self>) -> io::Result<()> {
        self.file.finish()
    }
}

/// One market's numbers for a user in the wide layout.
fn market_cell(r: &Row) -> Value {
    json!({
        "score": r.score, "rank": r.rank, "percentile": r.percentile,
        "influence": r.influence, "lift": r.lift,
    })
}
