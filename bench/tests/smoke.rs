//! Every scenario at tiny sizes, in process: keeps the bench compiling and
//! working (CI runs this with the rest of the workspace).

use clap::Parser as _;
use tidings_bench::{run, Options};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scenario_runs_at_tiny_sizes() {
    let out = tempfile::tempdir().expect("a temporary directory");
    let chart = out.path().join("ingest.svg");
    let markdown = out.path().join("results.md");
    let options = Options::parse_from([
        "tidings-bench".into(),
        "--scenario=smoke".into(),
        "--quiet".into(),
        "--chart".into(),
        chart.into_os_string(),
        "--markdown".into(),
        markdown.clone().into_os_string(),
    ] as [std::ffi::OsString; 7]);
    let report = run(options).await.expect("the smoke run completes");
    let failed = report.failed_checks();
    assert!(
        failed.is_empty(),
        "failed checks: {failed:#?}\n{}",
        report.human()
    );
    for key in [
        "sqlite-ingest",
        "baselines",
        "sqlite-live",
        "sqlite-outbound",
        "sqlite-queries",
        "sqlite-routing",
        "sqlite-reports",
        "sqlite-channels",
        "sqlite-footprint",
        "sqlite-crm",
        "sqlite-backup",
    ] {
        assert!(
            report.sections.iter().any(|s| s.key == key),
            "no {key} section:\n{}",
            report.human()
        );
    }
    let svg = std::fs::read_to_string(out.path().join("ingest.svg")).expect("the chart is written");
    assert!(svg.contains("<polyline"), "{svg}");
    let text = std::fs::read_to_string(&markdown).expect("the results file is written");
    assert!(
        text.contains("<!-- tidings-bench:sqlite-ingest -->"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_runs_on_postgres() {
    let options = Options::parse_from([
        "tidings-bench",
        "--scenario=ingest",
        "--database=postgres",
        "--quiet",
        "--no-chart",
        "--customers=3",
        "--rates=20",
        "--duration=1",
        "--saturation-concurrency=4",
        "--saturation-duration=1",
    ]);
    let report = run(options).await.expect("the run completes");
    let failed = report.failed_checks();
    assert!(
        failed.is_empty(),
        "failed checks: {failed:#?}\n{}",
        report.human()
    );
}
