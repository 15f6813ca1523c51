//! `marketrank publish` flags (apart from args.rs, which holds the rest).

use clap::Args;
use std::path::PathBuf;

/// `marketrank publish`
#[derive(Debug, Args)]
pub struct PublishArgs {
    /// The snapshot to publish.
    pub snapshot: PathBuf,
    /// The database: `postgres://USER@HOST:PORT/DB` (or libpq's
    /// `host=… user=… dbname=…`). The password: in the URL, from
    /// --password-file, PGPASSWORD or ~/.pgpass; never printed.
    #[arg(long, value_name = "URL")]
    pub postgres: String,
    /// The table CRM syncs read, `table` or `schema.table` (plain lower-case
    /// SQL names). Replaced atomically; a table marketrank did not publish
    /// is refused.
    #[arg(long, default_value = "influence")]
    pub table: String,
    /// A file whose first line is the password (instead of PGPASSWORD or
    /// ~/.pgpass).
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// Only these markets (comma separated).
    #[arg(long, value_delimiter = ',')]
    pub markets: Vec<String>,
    /// Only each market's top N users.
    #[arg(long)]
    pub top: Option<usize>,
    /// Only rows at or above this percentile (0 to 100; 99 for the top 1%).
    #[arg(long, value_parser = super::args::percentile)]
    pub min_percentile: Option<f64>,
}
