//! The flags that say how input files are read (`rank`, `ingest`): text
//! dialect and Parquet columns, turned into the library's
//! [`marketrank::input::ReadOptions`].

use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// How input files are read (`rank`, `ingest`): text dialect and Parquet
/// columns. Recorded in the snapshot's inputs.
#[derive(Debug, Args, Clone, Default)]
pub struct InputArgs {
    /// Column separator of text inputs: tab, comma, semicolon, space, pipe
    /// or any single character (default: comma for `.csv`, else tab).
    /// Fields may be quoted (RFC 4180) with every separator but tab.
    #[arg(long, value_parser = marketrank::input::dialect::parse_delimiter)]
    pub delimiter: Option<u8>,
    /// Whether each text file's first data line is a header: yes, no, or
    /// auto (column words like `follower_id`, or ids that do not parse
    /// like the next line's; reported when skipped).
    #[arg(long, value_enum, default_value_t = HeaderArg::Auto)]
    pub header: HeaderArg,
    /// A field value that means "no value" (repeatable; default `\N`, as
    /// Postgres and MySQL export nulls): a line holding one as an id is a
    /// bad line. `--null-token ''` adds nothing (empty ids are always
    /// refused) and drops the default.
    #[arg(long)]
    pub null_token: Vec<String>,
    /// Parquet: the follower column (default: one named like `follower`,
    /// `src`, `source`, else the first).
    #[arg(long)]
    pub follower_col: Option<String>,
    /// Parquet: the followee column (default: one named like `followee`,
    /// `dst`, `target`, else the second).
    #[arg(long)]
    pub followee_col: Option<String>,
    /// Parquet: the weight column of follows and topics (default: one
    /// named `weight`, else none: every weight 1).
    #[arg(long)]
    pub weight_col: Option<String>,
    /// Parquet: the user column of topic files (default: one named like
    /// `user`, `user_id`, else the first).
    #[arg(long)]
    pub user_col: Option<String>,
    /// Parquet: the topic column of topic files (default: one named like
    /// `topic`, `market`, `tag`, else the second).
    #[arg(long)]
    pub topic_col: Option<String>,
    /// Where a graph too large to build in memory keeps its follows while
    /// it is read (default: the system's temporary directory, `$TMPDIR`):
    /// about 8 bytes a follow free; removed when the read ends.
    #[arg(long, value_name = "DIR")]
    pub spill_dir: Option<PathBuf>,
    /// Follows held in memory before they go to the spill directory
    /// (default 268435456, 2 GiB of pairs; 0: never spill). The graph
    /// built is the same either way; only the peak memory differs.
    #[arg(long, value_name = "FOLLOWS")]
    pub spill_after: Option<u64>,
}

/// CLI mirror of [`marketrank::input::HeaderMode`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum HeaderArg {
    /// Always skip the first data line.
    Yes,
    /// Never: the first line is data.
    No,
    /// Decide from the first line, and report a skipped one.
    #[default]
    Auto,
}

impl InputArgs {
    /// The files and read options of a run.
    pub fn graph_files(
        &self,
        edges: Vec<PathBuf>,
        topics: Vec<PathBuf>,
    ) -> anyhow::Result<marketrank::input::load::GraphFiles> {
        use marketrank::input::{ColumnNames, Dialect, HeaderMode, InputColumns, ReadOptions};
        let null_tokens = if self.null_token.is_empty() {
            Dialect::default().null_tokens
        } else {
            self.null_token
                .iter()
                .filter(|t| !t.is_empty())
                .cloned()
                .collect()
        };
        let dialect = Dialect {
            delimiter: self.delimiter,
            header: match self.header {
                HeaderArg::Yes => HeaderMode::Yes,
                HeaderArg::No => HeaderMode::No,
                HeaderArg::Auto => HeaderMode::Auto,
            },
            null_tokens,
        };
        let columns = InputColumns {
            edges: ColumnNames {
                first: self.follower_col.clone(),
                second: self.followee_col.clone(),
                weight: self.weight_col.clone(),
            },
            topics: ColumnNames {
                first: self.user_col.clone(),
                second: self.topic_col.clone(),
                weight: self.weight_col.clone(),
            },
        };
        let spill = marketrank::graph::SpillOptions {
            after_follows: match self.spill_after {
                None => Some(marketrank::graph::SpillOptions::DEFAULT_AFTER),
                Some(0) => None,
                Some(n) => Some(n),
            },
            dir: self.spill_dir.clone(),
        };
        Ok(marketrank::input::load::GraphFiles {
            edges,
            topics,
            read: ReadOptions { dialect, columns },
            spill,
        })
    }
}
