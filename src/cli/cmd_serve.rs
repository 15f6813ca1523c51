//! `marketrank serve`: the HTTP lookup service.

use super::args::ServeArgs;
use marketrank::serve::ServeConfig;

pub fn run(a: ServeArgs) -> anyhow::Result<()> {
    anyhow::ensure!(a.poll > 0.0, "--poll must be positive");
    let config = ServeConfig {
        snapshot: a.snapshot,
        listen: a.listen,
        tokens: a.tokens,
        insecure_no_auth: a.insecure_no_auth,
        poll: std::time::Duration::from_secs_f64(a.poll),
        api: marketrank::serve::ApiConfig {
            access_log: a.access_log,
            metrics_listen: a.metrics_listen,
            cors: a.cors,
        },
    };
    marketrank::serve::run(&config, |line| eprintln!("{line}"))?;
    Ok(())
}
