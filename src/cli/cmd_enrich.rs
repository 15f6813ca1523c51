//! `marketrank enrich`: influence columns (and a triage priority) for a customer CSV.

use super::args::EnrichArgs;
use marketrank::crm::dialect::OutputDialect;
use marketrank::crm::enrich::{enrich, EnrichConfig, EnrichError, EnrichSummary, MarketChoice};
use marketrank::crm::handles::did_you_mean;
use marketrank::crm::triage::Policy;

pub fn run(a: EnrichArgs) -> anyhow::Result<()> {
    let sidecar = marketrank::crm::enrich::policy_path_for(&a.out);
    let inputs: Vec<&std::path::Path> = [a.customers.as_path(), a.snapshot.as_path()]
        .into_iter()
        .chain(a.policy.as_deref())
        .collect();
    super::refuse_over_inputs([Some(a.out.as_path()), Some(sidecar.as_path())], &inputs)?;
    if a.strict && a.out.as_os_str() == "-" {
        // Rows on standard output are gone before the last one is checked.
        anyhow::bail!(
            "--strict holds the output back until every row is checked, which standard output cannot do: give --out FILE"
        );
    }
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
        delimiter: a.delimiter,
        output: OutputDialect {
            delimiter: a.delimiter,
            excel: a.excel,
        },
        match_case: a.match_case,
        strict: a.strict,
    };
    let s = match enrich(&snap, &cfg) {
        Ok(s) => s,
        Err(EnrichError::Strict { what, out, summary }) => {
            report_problems(&cfg, &summary);
            return Err(EnrichError::Strict { what, out, summary }.into());
        }
        Err(e) => return Err(e.into()),
    };
    eprintln!("{}", summary_line(&cfg, &s));
    report_problems(&cfg, &s);
    Ok(())
}

/// `wrote OUT: N rows, N matched (…), N unknown users …; priorities: …`.
fn summary_line(cfg: &EnrichConfig, s: &EnrichSummary) -> String {
    let mut how = Vec::new();
    if s.at_stripped > 0 {
        how.push(format!("{} `@` stripped", s.at_stripped));
    }
    if s.case_folded > 0 {
        how.push(format!("{} case folded", s.case_folded));
    }
    let markets = s
        .unknown_markets
        .iter()
        .map(|(m, (n, close))| format!("`{m}`: {n}{}", did_you_mean(close.as_deref())))
        .collect::<Vec<_>>()
        .join(", ");
    let priorities = s
        .priorities
        .iter()
        .map(|(p, n)| match &cfg.policy {
            Some(policy) => format!("{p} {}: {n}", policy.label(*p)),
            None => format!("{p}: {n}"),
        })
        .collect::<Vec<_>>()
        .join(", ");
    let mut line = format!(
        "wrote {}: {} rows, {} matched, {} unknown users (columns left blank)",
        cfg.out.display(),
        s.rows,
        s.matched,
        s.unknown_users,
    );
    if s.ambiguous.count > 0 {
        line.push_str(&format!(", {} ambiguous ids", s.ambiguous.count));
    }
    if !markets.is_empty() {
        line.push_str(&format!(", unknown markets: {markets}"));
    }
    if !how.is_empty() {
        line.push_str(&format!(
            "; ids found after normalising: {}",
            how.join(", ")
        ));
    }
    if !priorities.is_empty() {
        line.push_str(&format!("; priorities: {priorities}"));
    }
    line
}

/// One stderr line per kind of value left out, naming the file, lines and
/// what to do.
fn report_problems(cfg: &EnrichConfig, s: &EnrichSummary) {
    let path = cfg.customers.display();
    for (col, p) in &s.unparseable {
        if p.count == 0 {
            continue;
        }
        let advice = if p.has_comma() {
            "a comma may be a thousands separator or a decimal comma, so it is not guessed: write plain digits (1200, or 1.2)"
        } else if p.has_dot_groups() {
            "in a `;` file a dot before three digits may be a thousands separator (1.200 = 1200 in a decimal-comma locale), so it is not guessed: write plain digits (1200)"
        } else {
            "write a plain number (1200, 1.5) or leave the cell blank"
        };
        eprintln!(
            "{path}: `{col}`: {} value{} not a number, treated as no value ({}): {advice}",
            p.count,
            if p.count == 1 { "" } else { "s" },
            p.examples_text()
        );
    }
    if s.ambiguous.count > 0 {
        eprintln!(
            "{path}: {} id{} matching several users that differ only by case, left blank ({}): write the id in its exact case",
            s.ambiguous.count,
            if s.ambiguous.count == 1 { "" } else { "s" },
            s.ambiguous.examples_text()
        );
    }
}
