//! Writing a distributed run's snapshot: every worker its part, then
//! worker 0 commits the manifest that names them — the only write at the
//! output path itself, atomic, so readers see the old run or the new one.

use super::mailroom::{read_pod, Mailroom};
use super::partition::{Partition, Totals};
use crate::graph::BuildStats;
use crate::input::load::LoadReport;
use crate::job::metadata::{metadata_for, Coverage};
use crate::job::{GraphInput, JobError, RankJob};
use crate::rank::{MarketMix, RankResult, TopicTeleport};
use crate::snapshot::shards::{self, PartEntry};
use crate::snapshot::{write_snapshot, SnapshotContent};

/// The load report the metadata records, from the cluster's totals.
fn report_of(job: &RankJob, t: &Totals) -> LoadReport {
    let (edges_path, topics_path) = match &job.input {
        GraphInput::Text(files) => {
            let first = |p: &[std::path::PathBuf]| p.first().cloned().unwrap_or_default();
            (first(&files.edges), first(&files.topics))
        }
        GraphInput::Cache(p) => (p.clone(), p.clone()),
        GraphInput::Tables(t) => (
            t.follows.label.clone().into(),
            t.topics.label.clone().into(),
        ),
    };
    LoadReport {
        edges_path,
        topics_path,
        edge_lines: t.edge_lines.clone(),
        topic_lines: t.topic_lines.clone(),
        edge_files: Vec::new(),
        topic_files: Vec::new(),
        build: BuildStats {
            self_follows_dropped: t.self_follows_dropped,
            duplicate_follows_merged: t.duplicate_follows_merged,
        },
        duplicate_tags_merged: t.duplicate_tags_merged,
        users_only_in_topics: t.users_only_in_topics,
        // Workers read their follow partitions in memory.
        follows_spilled: 0,
    }
}

/// Writes this worker's part, then worker 0 commits the manifest that
/// names all parts (the only write at the output path itself, atomic).
/// Parts carry the run id in their name, so a new run never touches the
/// parts of the manifest that readers may still have open.
pub(super) fn write_part(
    mail: &mut Mailroom<'_>,
    job: &RankJob,
    part: &Partition,
    result: &RankResult,
    tele: &TopicTeleport,
    mixes: &[MarketMix],
) -> Result<(), JobError> {
    let (me, w) = (mail.index(), mail.peers());
    let report = report_of(job, &part.totals);
    let all_users = part.starts[w];
    // One run id for all parts: worker 0's clock.
    let mine = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let run = read_pod::<u64>(&mail.broadcast(mine.to_le_bytes().to_vec())?[0])[0];
    // Written into every part's metadata and the manifest, so that opening
    // refuses a part of another run (issue 18, item 16).
    let run_id = format!("{run:016x}");
    let name = shards::part_name(&job.out, run, me, w);
    let path = job.out.with_file_name(&name);
    let covers = Coverage {
        users: part.owned as u64,
        edges: part.graph.edges(),
        load: &report,
    };
    let mut metadata = metadata_for(job, covers, result, tele, mixes);
    metadata.run_id = Some(run_id.clone());
    let content = SnapshotContent {
        user_ids: &part.ids,
        followers: (0..part.owned as u32)
            .map(|v| part.graph.follower_count(v) as u32)
            .collect(),
        result,
        metadata,
        model: None,
        trust: None,
    };
    write_snapshot(&path, &content)?;
    // Worker 0 commits once every part is on disk, binding each by its
    // length and body CRC.
    let (bytes, crc32) = shards::fingerprint(&path)?;
    let mut out = vec![Vec::new(); w];
    out[0] = bytemuck::cast_slice(&[part.owned as u64, bytes, crc32 as u64]).to_vec();
    let got = mail.exchange(out)?;
    let mut ok = vec![1u8];
    if me == 0 {
        let parts: Vec<PartEntry> = got
            .iter()
            .enumerate()
            .map(|(i, p)| {
                // Exactly what every worker sends above.
                let v = read_pod::<u64>(p);
                PartEntry {
                    file: shards::part_name(&job.out, run, i, w),
                    users: v[0],
                    bytes: v[1],
                    crc32: v[2] as u32,
                }
            })
            .collect();
        let covers = Coverage {
            users: all_users,
            edges: part.totals.edges,
            load: &report,
        };
        let mut metadata = metadata_for(job, covers, result, tele, mixes);
        metadata.run_id = Some(run_id.clone());
        if let Err(e) = shards::commit(&job.out, &run_id, metadata, parts) {
            eprintln!("marketrank: {e}");
            ok = vec![0u8];
        }
    }
    let got = mail.broadcast(if me == 0 { ok } else { Vec::new() })?;
    if got[0] != [1u8] {
        let _ = std::fs::remove_file(&path);
        return Err(JobError::Config(format!(
            "worker 0 could not commit the manifest {}",
            job.out.display()
        )));
    }
    Ok(())
}
