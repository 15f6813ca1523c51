//! `marketrank publish`: a snapshot's scores into a PostgreSQL table,
//! swapped in atomically.

use super::args::PublishArgs;
use marketrank::export::ExportFilter;
use marketrank::publish::{connect, publish, resolve, PublishConfig, TableName};

pub fn run(a: PublishArgs) -> anyhow::Result<()> {
    let table: TableName = a.table.parse()?;
    let snap = super::open_snapshot(&a.snapshot)?;
    for m in &a.markets {
        super::market(&snap, m)?;
    }
    let conn = resolve(&a.postgres, a.password_file.as_deref())?;
    let mut client = connect(&conn)?;
    let cfg = PublishConfig {
        table,
        filter: ExportFilter {
            markets: a.markets,
            top: a.top,
            min_percentile: a.min_percentile,
            wide: false,
        },
    };
    let r = publish(&mut client, &snap, &cfg)?;
    eprintln!(
        "published {} rows ({} markets) of snapshot {} to {} at {} in {:.2} s (copy {:.2} s, indexes {:.2} s, swap {:.3} s){}",
        r.rows,
        r.markets,
        r.snapshot_id,
        cfg.table.display(),
        conn.target,
        r.copy_s + r.index_s + r.swap_s,
        r.copy_s,
        r.index_s,
        r.swap_s,
        match &r.replaced {
            Some(old) => format!("; replaced snapshot {old}"),
            None => String::new(),
        }
    );
    if let Some(why) = &r.old_left {
        eprintln!("warning: {why}; the next publish drops it");
    }
    Ok(())
}
