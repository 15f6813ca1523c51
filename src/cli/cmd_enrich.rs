//! `marketrank enrich`: influence columns (and a triage priority) for a customer CSV.

use super::args::EnrichArgs;
use marketrank::crm::enrich::{enrich, EnrichConfig, MarketChoice};
use marketrank::crm::triage::Policy;

pub fn run(a: EnrichArgs) -> anyhow::Result<()> {
    let sidecar = marketrank::crm::enrich::policy_path_for(&a.out);
    let inputs: Vec<&std::path::Path> = [a.customers.as_path(), a.snapshot.as_path()]
        .into_iter()
        .chain(a.policy.as_deref())
        .collect();
    super::refuse_over_inputs([Some(a.out.as_path()), Some(sidecar.as_path())], &inputs)?;
    let snap = super::open_snapshot(&a.snapshot)?;
    let policy = a.policy.as_deref().map(Policy::read).transpose()?;
    let market = match (a.market, a.market_column) {
        (Some(m), _) => MarketChoice::Fixed(m),
        (None, Some(c)) => MarketChoice::Column(c),
        (None, None) => anyhow::bail!("give --market M or --market-column COLUMN"),
    };
    let cfg = EnrichConfig {
        customers: a.customers,
        id_column: a.id_column,
        market,
        out: a.out,
        policy,
    };
    let s = enrich(&snap, &cfg)?;
    let counts = |m: Vec<(String, u64)>| {
        m.iter()
            .map(|(k, n)| format!("{k}: {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let markets = counts(
        s.unknown_markets
            .iter()
            .map(|(m, n)| (format!("`{m}`"), *n))
            .collect(),
    );
    let priorities = counts(
        s.priorities
            .iter()
            .map(|(p, n)| (p.to_string(), *n))
            .collect(),
    );
    eprintln!(
        "wrote {}: {} rows, {} matched, {} unknown users (columns left blank){}{}",
        cfg.out.display(),
        s.rows,
        s.matched,
        s.unknown_users,
        if markets.is_empty() {
            String::new()
        } else {
            format!(", unknown markets: {markets}")
        },
        if priorities.is_empty() {
            String::new()
        } else {
            format!("; priorities: {priorities}")
        },
    );
    Ok(())
}
