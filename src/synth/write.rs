//! Writing a planted graph as the files `marketrank` reads: `edges.tsv`,
//! `topics.tsv` and `truth.json`. Hand-formatted integers and one large
//! buffer, because the graphs run to millions of edges and `write!` per
//! line would dominate the generator's run time.

use super::Planted;
use std::io::{self, Write};
use std::path::Path;

/// Flush the edge buffer to disk at this size, so memory stays bounded
/// however many edges there are.
const FLUSH_AT: usize = 1 << 20;

/// Appends `x` in decimal (no allocation, unlike `to_string`).
pub(crate) fn push_u32(buf: &mut Vec<u8>, x: u32) {
    crate::graph::push_decimal(buf, u64::from(x));
}

impl Planted {
    /// Writes `edges.tsv` (`follower<TAB>followee`), `topics.tsv`
    /// (`user<TAB>topic`) and `truth.json` into `dir`, creating it.
    pub fn write_dir(&self, dir: &Path) -> io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let mut buf = Vec::with_capacity(FLUSH_AT);
        write_edges(&dir.join("edges.tsv"), &self.edges, &mut buf)?;
        buf.clear();
        write_topics(
            &dir.join("topics.tsv"),
            &self.tags,
            &self.topic_names,
            &mut buf,
        )?;
        let mut json = serde_json::to_vec_pretty(&self.truth).map_err(io::Error::other)?;
        json.push(b'\n');
        std::fs::write(dir.join("truth.json"), json)
    }
}

/// `follower<TAB>followee` lines, written in [`FLUSH_AT`]-sized pieces.
fn write_edges(path: &Path, edges: &[(u32, u32)], buf: &mut Vec<u8>) -> io::Result<()> {
    let mut f = std::fs::File::create(path)?;
    for &(a, b) in edges {
        push_u32(buf, a);
        buf.push(b'\t');
        push_u32(buf, b);
        buf.push(b'\n');
        if buf.len() >= FLUSH_AT {
            f.write_all(buf)?;
            buf.clear();
        }
    }
    f.write_all(buf)
}

/// `user<TAB>topic name` lines; tags are few enough to write in one go.
fn write_topics(
    path: &Path,
    tags: &[(u32, u32)],
    names: &[String],
    buf: &mut Vec<u8>,
) -> io::Result<()> {
    let mut f = std::fs::File::create(path)?;
    for &(u, t) in tags {
        push_u32(buf, u);
        buf.push(b'\t');
        buf.extend_from_slice(names[t as usize].as_bytes());
        buf.push(b'\n');
    }
    f.write_all(buf)
}
