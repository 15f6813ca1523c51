//! The snapshot's record of a run: parameters, inputs, per-market
//! convergence. Both engines write it from the same function, so a sharded
//! snapshot's manifest and a single-process snapshot describe a run alike.

use super::{GraphInput, RankJob, TrustedRun};
use crate::input::load::LoadReport;
use crate::input::read::{FileKind, FileRead};
use crate::input::Dialect;
use crate::rank::{MarketMix, RankResult, TopicTeleport, Walk, GLOBAL_MARKET};
use crate::snapshot::{
    self, InputFile, InputRead, InputRole, LoadCounts, MarketKind, MarketMeta, Metadata, Parameters,
};

/// The counts a snapshot covers: its users, the follows as read, and what
/// loading reported.
#[derive(Debug, Clone, Copy)]
pub struct Coverage<'a> {
    /// Users in this file (a part's owned users, or all).
    pub users: u64,
    /// Distinct follows as read.
    pub edges: u64,
    /// Lines read, skipped, merged.
    pub load: &'a LoadReport,
}

/// The snapshot metadata of `job`'s run: `result` ranked over `tele`, with
/// `mixes` composed after the topic columns.
pub fn metadata_for(
    job: &RankJob,
    covers: Coverage<'_>,
    result: &RankResult,
    tele: &TopicTeleport,
    mixes: &[MarketMix],
) -> Metadata {
    let created = snapshot::meta_now();
    let r = covers.load;
    Metadata {
        format_version: 1,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        created: snapshot::rfc3339_of(created),
        created_unix: created,
        users: covers.users,
        edges: covers.edges,
        parameters: parameters(job),
        inputs: inputs_of(job, r),
        markets: markets(result, tele, mixes),
        load: LoadCounts {
            self_follows_dropped: r.build.self_follows_dropped,
            duplicate_follows_merged: r.build.duplicate_follows_merged,
            duplicate_tags_merged: r.duplicate_tags_merged,
            users_only_in_topics: r.users_only_in_topics,
            skipped_lines: r.skipped_total(),
        },
        // Set by the warm start, which resolves the file and reads its id.
        parent: None,
        parent_snapshot_id: None,
        trust: None,
        run_id: None,
    }
}

/// Adds what an account history did to `metadata`: the trust record and
/// each market's restart share held by young accounts.
pub fn add_trust(metadata: &mut Metadata, trusted: &TrustedRun, tele: &TopicTeleport) {
    let young = super::young_restart_share(tele, &trusted.history, trusted.trust.config.as_of_day);
    for (m, share) in metadata.markets.iter_mut().zip(young) {
        m.young_restart_share = Some(share);
    }
    metadata.trust = Some(trusted.meta.clone());
}

fn parameters(job: &RankJob) -> Parameters {
    Parameters {
        damping: job.config.damping,
        tolerance: job.config.tolerance,
        max_iterations: job.config.max_iterations,
        precision: job.config.precision,
        walk: job.config.walk.kind(),
        topic_bias: match job.config.walk {
            Walk::Plain => None,
            Walk::TopicBiased { epsilon } => Some(epsilon),
        },
        teleport: job.config.teleport,
    }
}

fn markets(result: &RankResult, tele: &TopicTeleport, mixes: &[MarketMix]) -> Vec<MarketMeta> {
    result
        .markets
        .iter()
        .zip(&result.convergence)
        .enumerate()
        .map(|(c, (name, conv))| {
            let mix = c.checked_sub(tele.len()).map(|i| &mixes[i]);
            MarketMeta {
                name: name.clone(),
                kind: if c == 0 && name == GLOBAL_MARKET {
                    MarketKind::Global
                } else if mix.is_some() {
                    MarketKind::Market
                } else {
                    MarketKind::Topic
                },
                seed_users: if c < tele.len() {
                    tele.seed_users(c)
                } else {
                    0
                },
                iterations: conv.iterations,
                residual: conv.residual,
                converged: conv.converged,
                restart: conv.restart,
                teleport_fallback: c < tele.len() && tele.fell_back(c),
                composition: mix.map(|m| m.parts.clone()).unwrap_or_default(),
                young_restart_share: None,
            }
        })
        .collect()
}

/// The files the graph came from, one entry per file read (the shards of
/// a pattern or directory one by one), with how each was read; through the
/// cache, when one was used, which is listed too with role `graph_cache`.
fn inputs_of(job: &RankJob, r: &LoadReport) -> Vec<InputFile> {
    let mut inputs = Vec::new();
    let dialect = match &job.input {
        GraphInput::Text(files) => Some(&files.read.dialect),
        GraphInput::Cache(_) | GraphInput::Tables(_) => None,
    };
    let roles = [
        (
            InputRole::Edges,
            &r.edge_files,
            &r.edges_path,
            &r.edge_lines,
        ),
        (
            InputRole::Topics,
            &r.topic_files,
            &r.topics_path,
            &r.topic_lines,
        ),
    ];
    for (role, files, path, lines) in roles {
        if files.is_empty() {
            // A cache of an older version, or the cluster's totals.
            inputs.push(InputFile {
                role,
                path: path.display().to_string(),
                bytes: lines.bytes,
                lines: lines.lines,
                skipped_lines: lines.skipped_total(),
                read: None,
            });
        }
        for f in files {
            inputs.push(InputFile {
                role,
                path: f.path.display().to_string(),
                bytes: f.lines.bytes,
                lines: f.lines.lines,
                skipped_lines: f.lines.skipped_total(),
                read: Some(input_read(f, dialect)),
            });
        }
    }
    if let GraphInput::Cache(p) = &job.input {
        inputs.push(InputFile {
            role: InputRole::GraphCache,
            path: p.display().to_string(),
            bytes: std::fs::metadata(p).map_or(0, |m| m.len()),
            lines: 0,
            skipped_lines: 0,
            read: None,
        });
    }
    inputs
}

/// How `f` was read, under `dialect` (none: from a cache, whose run's
/// dialect is not known here).
fn input_read(f: &FileRead, dialect: Option<&Dialect>) -> InputRead {
    let text = f.kind == FileKind::Text;
    InputRead {
        format: f.kind,
        compression: f.lines.compression,
        delimiter: f.delimiter.clone(),
        quoted: text && dialect.is_some_and(|d| d.quoted(&f.path)),
        header: dialect.filter(|_| text).map(|d| d.header),
        headers_skipped: f.lines.headers,
        null_tokens: dialect
            .filter(|_| text)
            .map(|d| d.null_tokens.clone())
            .unwrap_or_default(),
        columns: f.columns.clone(),
    }
}
