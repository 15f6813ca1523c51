//! `marketrank enrich` flags (apart from args.rs, which holds the rest).

use clap::Args;
use std::path::PathBuf;

/// `marketrank enrich`
#[derive(Debug, Args)]
#[command(after_long_help = marketrank::crm::enrich::COLUMNS_HELP)]
pub struct EnrichArgs {
    /// Customer CSV with a header row (a UTF-8 BOM, as Excel writes, is
    /// skipped).
    #[arg(long)]
    pub customers: PathBuf,
    /// Column holding the user id (e.g. `twitter_handle`). Ids are trimmed,
    /// a leading `@` is dropped when that finds the user, and case is
    /// ignored when no id matches exactly (handles are case-insensitive on
    /// the networks); an id matching two users that differ only by case is
    /// counted as ambiguous, never guessed.
    #[arg(long)]
    pub id_column: String,
    /// The snapshot to look users up in.
    #[arg(long)]
    pub snapshot: PathBuf,
    /// Column naming each row's market (e.g. `segment`); names are trimmed
    /// and matched in any case; unknown ones are counted with a close name.
    #[arg(long, conflicts_with = "market", required_unless_present = "market")]
    pub market_column: Option<String>,
    /// One market for every row (any case; an unknown one is refused,
    /// naming a close one).
    #[arg(long)]
    pub market: Option<String>,
    /// Triage policy (TOML, see the README): adds `priority` (higher = more
    /// urgent), `priority_label` (Zendesk's low/normal/high/urgent unless
    /// the policy's `[labels]` names them) and `priority_reason`.
    #[arg(long)]
    pub policy: Option<PathBuf>,
    /// Output CSV (written atomically; with a policy also `<out>.policy.toml`).
    #[arg(long)]
    pub out: PathBuf,
    /// Field separator of the customer file: `,` `;` `tab` (or `\t`) or
    /// `|`; the output uses the same one. Excel saves `;` where the decimal
    /// separator is a comma.
    #[arg(long, value_parser = marketrank::crm::dialect::Delimiter::parse, default_value = ",")]
    pub delimiter: marketrank::crm::dialect::Delimiter,
    /// Write the output for Excel: a UTF-8 byte-order mark (without it
    /// Excel on Windows garbles non-ASCII names) and CRLF line ends, with
    /// the input's delimiter.
    #[arg(long)]
    pub excel: bool,
    /// Match ids exactly as written, case included (by default case is
    /// folded when no id matches exactly).
    #[arg(long)]
    pub match_case: bool,
    /// Exit 2 without writing the output (an existing one is left as it
    /// was) when a policy value is not a number, a market is unknown or an
    /// id is ambiguous by case. Not with `--out -`.
    #[arg(long)]
    pub strict: bool,
}
