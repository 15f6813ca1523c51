//! From input files to a [`FollowerGraph`] and [`TopicTags`]: the whole
//! loading step of a rank run.

use crate::graph::{BuildStats, FollowerGraph, SpillOptions, TopicTags, TopicsBuilder, UserIds};
use crate::input::error::InputError;
use crate::input::files::expand_inputs;
use crate::input::read::{read_follow_file, read_pair_file, FileRead};
use crate::input::table::{read_follow_table, read_tag_table, GraphTables};
use crate::input::{BadLines, EdgeColumns, LineStats, Pair, ReadBudget, ReadOptions, Rejects};
use std::path::{Path, PathBuf};

/// The text or Parquet files a graph is read from: each role as given
/// (files, directories, `*` patterns; expanded and sorted when read,
/// [`expand_inputs`]) and how to read them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GraphFiles {
    /// Follows (`follower<TAB>followee[<TAB>weight]`, or Parquet columns).
    pub edges: Vec<PathBuf>,
    /// Topic tags (`user<TAB>topic[<TAB>weight]`, or Parquet columns).
    pub topics: Vec<PathBuf>,
    /// Delimiter, header, null tokens, Parquet columns.
    pub read: ReadOptions,
    /// When follows go to disk while read (bounded memory for graphs of
    /// billions of follows; the graph built is the same).
    pub spill: SpillOptions,
}

impl GraphFiles {
    /// One follow file and one topic file, read the default way.
    pub fn new(edges: impl Into<PathBuf>, topics: impl Into<PathBuf>) -> GraphFiles {
        GraphFiles {
            edges: vec![edges.into()],
            topics: vec![topics.into()],
            read: ReadOptions::default(),
            spill: SpillOptions::default(),
        }
    }

    /// The files of both roles, expanded: (follow files, topic files).
    pub fn expand(&self) -> Result<(Vec<PathBuf>, Vec<PathBuf>), InputError> {
        let edges = expand_inputs(&self.edges)?;
        let topics = expand_inputs(&self.topics)?;
        for e in &edges {
            for t in &topics {
                refuse_same_input(e, t)?;
            }
        }
        Ok((edges, topics))
    }
}

/// A loaded, tagged follower graph.
#[derive(Debug)]
pub struct TaggedGraph {
    /// External ids.
    pub ids: UserIds,
    /// The follows.
    pub graph: FollowerGraph,
    /// Topic tags.
    pub tags: TopicTags,
    /// What was read and what was dropped.
    pub report: LoadReport,
}

/// Counts from loading, for the run summary and the snapshot metadata.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct LoadReport {
    /// Edge file path (the first, when there were several).
    pub edges_path: PathBuf,
    /// Topic file path (the first, when there were several).
    pub topics_path: PathBuf,
    /// Edge file lines, all files together.
    pub edge_lines: LineStats,
    /// Topic file lines, all files together.
    pub topic_lines: LineStats,
    /// Each follow file as read, in reading order.
    #[serde(default)]
    pub edge_files: Vec<FileRead>,
    /// Each topic file as read, in reading order.
    #[serde(default)]
    pub topic_files: Vec<FileRead>,
    /// Self-follows dropped and repeated follows merged.
    pub build: BuildStats,
    /// Repeated (user, topic) tags merged.
    pub duplicate_tags_merged: u64,
    /// Users who appear only in the topic file.
    pub users_only_in_topics: u64,
    /// Follows that went to disk while read ([`GraphFiles::spill`]); 0 when
    /// the graph was built in memory (and then not written).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub follows_spilled: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl LoadReport {
    /// Malformed lines skipped in both files.
    pub fn skipped_total(&self) -> u64 {
        self.edge_lines.skipped_total() + self.topic_lines.skipped_total()
    }
}

/// Refuses the same file as follows and topics (a run over it "ranks"
/// markets named after users), and `-` for both (standard input is one
/// stream).
pub fn refuse_same_input(edges: &Path, topics: &Path) -> Result<(), InputError> {
    if crate::store::paths::same_file(edges, topics) {
        return Err(InputError::Unusable {
            path: topics.to_path_buf(),
            reason: if crate::input::is_stdin(topics) {
                "only one of the follow and topic files can be `-` (standard input)".into()
            } else {
                format!(
                    "is the follow file too ({}): give the topic file (`user<TAB>topic`) as --topics",
                    edges.display()
                )
            },
        });
    }
    Ok(())
}

/// The error for a topic file without a single tag (empty, comments only,
/// every line skipped): like an empty follow file, nothing to rank.
pub fn no_topics(topics: &Path, lines: &LineStats) -> InputError {
    InputError::Unusable {
        path: topics.to_path_buf(),
        reason: format!(
            "no topic tags: {} lines, of which {} blank or comments, {} header, {} skipped as malformed (a market needs users tagged with it: `user<TAB>topic`)",
            lines.lines,
            lines.comments_and_blank,
            lines.headers,
            lines.skipped_total()
        ),
    }
}

/// Reads `edges` (`follower<TAB>followee[<TAB>weight]`) and `topics`
/// (`user<TAB>topic[<TAB>weight]`).
pub fn load_tagged_graph(
    edges: &Path,
    topics: &Path,
    bad: BadLines,
) -> Result<TaggedGraph, InputError> {
    load_tagged_graph_with(edges, topics, bad, None, None, None)
}

/// Like [`load_tagged_graph`], keeping only the topics in `only` (when
/// given); users tagged only with other topics stay in the graph, untagged.
/// A topic of `only` that the file never names is an error. Lines skipped
/// under [`BadLines::Skip`] go to `rejects` when given; with a `budget`
/// the read stops before the process outgrows it.
pub fn load_tagged_graph_with(
    edges: &Path,
    topics: &Path,
    bad: BadLines,
    only: Option<&[String]>,
    rejects: Option<&mut Rejects>,
    budget: Option<&ReadBudget>,
) -> Result<TaggedGraph, InputError> {
    load_graph_files(&GraphFiles::new(edges, topics), bad, only, rejects, budget)
}

/// Reads every follow file, then every topic file, of `files` (in the
/// order [`GraphFiles::expand`] gives), into one graph: ids are numbered
/// in reading order, so the same files give the same graph however they
/// are split into shards.
pub fn load_graph_files(
    files: &GraphFiles,
    bad: BadLines,
    only: Option<&[String]>,
    mut rejects: Option<&mut Rejects>,
    budget: Option<&ReadBudget>,
) -> Result<TaggedGraph, InputError> {
    let (edge_paths, topic_paths) = files.expand()?;
    let mut ids = UserIds::new();
    let mut cols = EdgeColumns::spilling(&files.spill);
    let mut edge_files = Vec::with_capacity(edge_paths.len());
    for path in &edge_paths {
        let read = read_follow_file(
            path,
            &files.read,
            &mut ids,
            &mut cols,
            bad,
            rejects.as_deref_mut(),
            budget,
        )?;
        // Parquet and table reads spill between files, text between windows.
        cols.relieve()?;
        edge_files.push(read);
    }
    let mut overflow = None;
    let users_in_edges = ids.len();
    let mut tb = TopicsBuilder::new();
    let mut topic_files = Vec::with_capacity(topic_paths.len());
    for path in &topic_paths {
        let read = read_pair_file(
            path,
            &files.read,
            ("user", "topic"),
            bad,
            rejects.as_deref_mut(),
            budget,
            |p| {
                if !add_tag(&mut ids, &mut tb, only, &p) {
                    overflow = Some(path.clone());
                }
            },
        )?;
        topic_files.push(read);
    }
    if let Some(path) = overflow {
        return Err(InputError::too_many_users(&path));
    }
    let edges = edge_paths.first().map_or(Path::new("-"), |p| p.as_path());
    let topics = topic_paths.first().map_or(Path::new("-"), |p| p.as_path());
    let sum = |files: &[FileRead]| {
        let mut all = LineStats::default();
        for f in files {
            all.add(&f.lines);
        }
        all
    };
    let (edge_lines, topic_lines) = (sum(&edge_files), sum(&topic_files));
    let read = Read {
        ids,
        follows: cols,
        tags: tb,
        users_in_edges,
        edges: edges.to_path_buf(),
        topics: topics.to_path_buf(),
        edge_lines,
        topic_lines,
        edge_files,
        topic_files,
    };
    assemble(read, only)
}

/// Adds a topic record's tag (only a topic of `only`, when given; the
/// user is interned either way, so users tagged only with other topics
/// stay in the graph, untagged). False when the user table is full.
fn add_tag(
    ids: &mut UserIds,
    tb: &mut TopicsBuilder,
    only: Option<&[String]>,
    p: &Pair<'_>,
) -> bool {
    match ids.intern(&p.first) {
        Some(u) if only.is_none_or(|o| o.iter().any(|t| *t == *p.second)) => {
            tb.add_tag(u, &p.second, p.weight);
            true
        }
        Some(_) => true,
        None => false,
    }
}

/// What a load read, before the graph and the tags are built.
struct Read {
    ids: UserIds,
    follows: EdgeColumns,
    tags: TopicsBuilder,
    users_in_edges: usize,
    edges: PathBuf,
    topics: PathBuf,
    edge_lines: LineStats,
    topic_lines: LineStats,
    edge_files: Vec<FileRead>,
    topic_files: Vec<FileRead>,
}

/// Builds the graph and the tags of what was read, refusing a graph
/// without follows or without topics (or without a topic of `only`).
fn assemble(r: Read, only: Option<&[String]>) -> Result<TaggedGraph, InputError> {
    let Read {
        ids,
        follows,
        tags: tb,
        users_in_edges,
        edges,
        topics,
        edge_lines,
        topic_lines,
        edge_files,
        topic_files,
    } = r;
    let (edges, topics) = (edges.as_path(), topics.as_path());
    let users = ids.len();
    let follows_spilled = follows.spilled();
    let (graph, build) = follows.build(users)?;
    if graph.edges() == 0 {
        return Err(InputError::Unusable {
            path: edges.to_path_buf(),
            reason: format!(
                "no follows to rank: {} lines, of which {} blank or comments, {} header, {} skipped as malformed, {} self-follows dropped",
                edge_lines.lines,
                edge_lines.comments_and_blank,
                edge_lines.headers,
                edge_lines.skipped_total(),
                build.self_follows_dropped
            ),
        });
    }
    let tags = tb.build(users);
    if let Some(missing) = only.and_then(|o| o.iter().find(|t| tags.topic_index(t).is_none())) {
        return Err(InputError::Unusable {
            path: topics.to_path_buf(),
            reason: format!("topic `{missing}` (asked for by name) is not in this file"),
        });
    }
    if tags.is_empty() {
        return Err(no_topics(topics, &topic_lines));
    }
    let report = LoadReport {
        edges_path: edges.to_path_buf(),
        topics_path: topics.to_path_buf(),
        edge_lines,
        topic_lines,
        edge_files,
        topic_files,
        build,
        duplicate_tags_merged: tags.duplicates_merged(),
        users_only_in_topics: (users - users_in_edges) as u64,
        follows_spilled,
    };
    Ok(TaggedGraph {
        ids,
        graph,
        tags,
        report,
    })
}

/// Reads in-memory follow and topic tables ([`GraphTables`]) into one
/// graph, as [`load_graph_files`] reads files: the same rows give the same
/// users, graph and tags as the same lines of a file. Skipped rows go to
/// `rejects` when given.
pub fn load_graph_tables(
    tables: &GraphTables,
    bad: BadLines,
    only: Option<&[String]>,
    mut rejects: Option<&mut Rejects>,
) -> Result<TaggedGraph, InputError> {
    let mut ids = UserIds::new();
    let mut cols = EdgeColumns::default();
    let follows = &tables.follows;
    let edge_lines = read_follow_table(follows, &mut ids, &mut cols, bad, rejects.as_deref_mut())?;
    let users_in_edges = ids.len();
    let mut tb = TopicsBuilder::new();
    let mut overflow = false;
    let topic_lines = read_tag_table(&tables.topics, bad, rejects, |p| {
        overflow |= !add_tag(&mut ids, &mut tb, only, &p);
    })?;
    if overflow {
        return Err(InputError::too_many_users(Path::new(&tables.topics.label)));
    }
    let read = Read {
        ids,
        follows: cols,
        tags: tb,
        users_in_edges,
        edges: PathBuf::from(&follows.label),
        topics: PathBuf::from(&tables.topics.label),
        edge_lines,
        topic_lines,
        edge_files: Vec::new(),
        topic_files: Vec::new(),
    };
    assemble(read, only)
}
