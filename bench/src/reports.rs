//! `reports`: bulk-loads C chats and M messages started over the last 29 days
//! (opened, assigned and closed events as the server writes them), waits
//! until the server's background builder has made every loaded chat's report
//! records fresh (timed from the end of the load), times the first report
//! apart, then
//! the overview and the managers table of the last 30 days over REST as the
//! admin (`--repeat` each), and downloads the conversations CSV once, reading
//! it as it streams, with this process's RSS (the server runs in it) sampled
//! before and during the download.

use std::time::Duration;
use std::time::Instant;

use crate::bulk::Loaded;
use crate::harness::{expect_json, Harness};
use crate::queries;
use crate::stats::{rss_kib, Latencies};

#[derive(Debug, Clone)]
pub struct Params {
    pub chats: u64,
    pub messages: u64,
    /// Timed requests per report.
    pub repeat: usize,
}

pub struct Outcome {
    pub loaded: Loaded,
    pub load_time: Duration,
    pub overview: Latencies,
    pub managers: Latencies,
    pub failures: u64,
    /// From the end of the load until no chat's records were stale, asking
    /// for no report (the background builder runs during the load too).
    pub records_fresh: Duration,
    /// The first report after the records were fresh.
    pub first_report: Duration,
    /// Conversations the overview counted as started.
    pub started: u64,
    /// Rows of the conversations CSV (without its header).
    pub csv_rows: u64,
    pub csv_time: Duration,
    /// The highest RSS seen while the CSV streamed, over the RSS before it (KiB).
    pub csv_rss_growth_kib: Option<u64>,
}

pub async fn run(harness: &Harness, params: &Params, quiet: bool) -> anyhow::Result<Outcome> {
    let (loaded, load_time) =
        queries::load(harness, params.chats, params.messages, 29, quiet).await?;
    let loaded_at = Instant::now();
    while harness
        .store
        .run(tidings::store::report_records::any_stale)
        .await?
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let records_fresh = loaded_at.elapsed();

    let mut failures = 0;
    let mut started = 0;
    let mut first_report = None;
    let mut overview = Latencies::new();
    let mut managers = Latencies::new();
    for (path, latencies) in [
        ("/api/v1/reports/overview", &mut overview),
        ("/api/v1/reports/managers", &mut managers),
    ] {
        // One untimed request first: a cold cache is not what a second look
        // meets. The first report after the load: timed apart.
        let sent = Instant::now();
        harness.admin.get(path).await?;
        if first_report.is_none() {
            first_report = Some(sent.elapsed());
        }
        for _ in 0..params.repeat {
            let sent = Instant::now();
            let response = harness.admin.get(path).await?;
            let ok = response.status() == 200;
            let body = response.bytes().await?;
            latencies.record(sent.elapsed());
            if !ok {
                failures += 1;
            } else if path.ends_with("overview") {
                let figures: serde_json::Value = serde_json::from_slice(&body)?;
                started = figures["conversations"]["started"].as_u64().unwrap_or(0);
            }
        }
    }

    let before = rss_kib();
    let mut peak = before;
    let sent = Instant::now();
    let response = harness
        .admin
        .get("/api/v1/reports/conversations?format=csv")
        .await?;
    if response.status() != 200 {
        let answer = expect_json(response, 200).await;
        anyhow::bail!("the conversations CSV: {answer:?}");
    }
    let mut lines = 0u64;
    let mut response = response;
    while let Some(chunk) = response.chunk().await? {
        lines += chunk.iter().filter(|b| **b == b'\n').count() as u64;
        peak = peak.max(rss_kib());
    }
    let csv_time = sent.elapsed();
    Ok(Outcome {
        loaded,
        load_time,
        overview,
        managers,
        failures,
        records_fresh,
        first_report: first_report.unwrap_or_default(),
        started,
        csv_rows: lines.saturating_sub(1),
        csv_time,
        csv_rss_growth_kib: before.zip(peak).map(|(b, p)| p.saturating_sub(b)),
    })
}
