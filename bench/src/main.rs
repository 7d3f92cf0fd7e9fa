//! `tidings-bench`: see `tidings-bench --help` and docs/BENCHMARKS.md.

use clap::Parser as _;
use tidings_bench::{run, Options};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Quiet by default: per-request logging would be measured too.
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr)
        .init();
    let report = run(Options::parse()).await?;
    print!("{}", report.human());
    let failed = report.failed_checks();
    if !failed.is_empty() {
        anyhow::bail!("{} check(s) failed", failed.len());
    }
    Ok(())
}
