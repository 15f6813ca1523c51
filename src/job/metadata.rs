//! The snapshot's record of a run: parameters, inputs, per-market
//! convergence. Both engines write it from the same function, so a sharded
//! snapshot's manifest and a single-process snapshot describe a run alike.

use super::{GraphInput, RankJob, TrustedRun};
use crate::input::load::LoadReport;
use crate::rank::{MarketMix, RankResult, TopicTeleport, Walk, GLOBAL_MARKET};
use crate::snapshot::{
    self, InputFile, InputRole, LoadCounts, MarketKind, MarketMeta, Metadata, Parameters,
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
        parent: job.previous.as_ref().map(|p| p.display().to_string()),
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

/// The text files the graph came from (through the cache, when one was
/// used, which is listed too with role `graph_cache`).
fn inputs_of(job: &RankJob, r: &LoadReport) -> Vec<InputFile> {
    let mut inputs = vec![
        InputFile {
            role: InputRole::Edges,
            path: r.edges_path.display().to_string(),
            bytes: r.edge_lines.bytes,
            lines: r.edge_lines.lines,
            skipped_lines: r.edge_lines.skipped_total(),
        },
        InputFile {
            role: InputRole::Topics,
            path: r.topics_path.display().to_string(),
            bytes: r.topic_lines.bytes,
            lines: r.topic_lines.lines,
            skipped_lines: r.topic_lines.skipped_total(),
        },
    ];
    if let GraphInput::Cache(p) = &job.input {
        inputs.push(InputFile {
            role: InputRole::GraphCache,
            path: p.display().to_string(),
            bytes: std::fs::metadata(p).map_or(0, |m| m.len()),
            lines: 0,
            skipped_lines: 0,
        });
    }
    inputs
}
