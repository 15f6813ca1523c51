//! `marketrank report`: a self-contained HTML page about a snapshot.

use super::args::ReportArgs;
use marketrank::report::{render, ReportOptions};

pub fn run(a: ReportArgs) -> anyhow::Result<()> {
    let inputs: Vec<&std::path::Path> = std::iter::once(a.snapshot.as_path())
        .chain(a.compare.as_deref())
        .collect();
    super::refuse_over_inputs([Some(a.out.as_path())], &inputs)?;
    let snap = super::open_snapshot(&a.snapshot)?;
    let previous = a.compare.as_deref().map(super::open_snapshot).transpose()?;
    let markets = match a.markets.as_slice() {
        [] => None,
        [x, y] => Some((super::market(&snap, x)?, super::market(&snap, y)?)),
        _ => anyhow::bail!("--markets takes two markets, e.g. --markets fashion,tech"),
    };
    let html = render(
        &snap,
        &ReportOptions {
            title: a.snapshot.display().to_string(),
            top: a.top.max(1),
            previous: previous.as_ref(),
            markets,
        },
    );
    marketrank::atomic::write_with(&a.out, |w| w.write_all(html.as_bytes()))
        .map_err(|e| anyhow::anyhow!("could not write {}: {e}", a.out.display()))?;
    eprintln!("wrote {} ({} KB)", a.out.display(), html.len() / 1024);
    Ok(())
}
