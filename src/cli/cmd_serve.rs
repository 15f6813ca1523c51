//! `marketrank serve`: the HTTP lookup service.

use super::args::ServeArgs;
use marketrank::serve::listen::Limits;
use marketrank::serve::ServeConfig;
use std::time::Duration;

pub fn run(a: ServeArgs) -> anyhow::Result<()> {
    anyhow::ensure!(a.poll > 0.0, "--poll must be positive");
    anyhow::ensure!(
        a.max_connections != Some(0),
        "--max-connections must be at least 1"
    );
    let limits = Limits {
        header_timeout: seconds("--header-timeout", a.header_timeout)?,
        body_timeout: seconds("--body-timeout", a.body_timeout)?,
        idle_timeout: seconds("--idle-timeout", a.idle_timeout)?,
        request_timeout: seconds("--request-timeout", a.request_timeout)?,
        max_connections: a.max_connections,
    };
    let config = ServeConfig {
        snapshot: a.snapshot,
        listen: a.listen,
        tokens: a.tokens,
        insecure_no_auth: a.insecure_no_auth,
        poll: std::time::Duration::from_secs_f64(a.poll),
        limits,
        api: marketrank::serve::ApiConfig {
            access_log: a.access_log,
            metrics_listen: a.metrics_listen,
            cors: a.cors,
        },
        rank_index: !a.no_rank_index,
    };
    marketrank::serve::run(&config, |line| eprintln!("{line}"))?;
    Ok(())
}

/// A timeout flag's seconds: positive and at most a day (a larger one is a
/// typo, and would overflow the deadline arithmetic near `u64::MAX`).
fn seconds(flag: &str, v: f64) -> anyhow::Result<Duration> {
    anyhow::ensure!(
        v > 0.0 && v <= 86_400.0,
        "{flag} {v}: give seconds, more than 0 and at most 86400"
    );
    Ok(Duration::from_secs_f64(v))
}
