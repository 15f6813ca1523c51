//! `marketrank merge`: a sharded snapshot as one file.

use super::args::MergeArgs;

pub fn run(a: MergeArgs) -> anyhow::Result<()> {
    let snap = super::open_snapshot(&a.manifest)?;
    marketrank::snapshot::shards::merge(&snap, &a.out)?;
    eprintln!(
        "wrote {}: {} users, {} markets from {} part(s)",
        a.out.display(),
        snap.users(),
        snap.markets().len(),
        snap.part_count()
    );
    Ok(())
}
