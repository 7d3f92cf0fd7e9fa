//! The `ingest` and `baseline` sections: webhooks at fixed rates and at
//! saturation, the bare baselines beside them, and `--target` runs.

use std::sync::Arc;

use crate::baseline::{self, Baseline, Kind};
use crate::harness::Harness;
use crate::ingest::{self, Updates};
use crate::loadgen::Phase;
use crate::report::{Curve, Report, Section};
use crate::{ratio, triple, Database, Options};

/// One baseline's figures: fixed-rate phases and saturation.
pub struct BaselineRun {
    pub kind: Kind,
    pub phases: Vec<Phase>,
    pub saturation: Phase,
}

pub(crate) async fn baselines(
    options: &Options,
    report: &mut Report,
) -> anyhow::Result<Vec<BaselineRun>> {
    let load = options.load();
    let client = ingest::load_client()?;
    let mut runs = Vec::new();
    let mut section = Section::new(
        "baselines",
        format!(
            "Baselines: same update JSON, same load ({} s per rate, {} senders at saturation)",
            options.duration, options.saturation_concurrency
        ),
    );
    for kind in [Kind::ParseOnly, Kind::SqlitePerRequest] {
        let server = Baseline::start(kind, options.workers).await?;
        let updates = Arc::new(Updates::new(1, options.customers));
        let (phases, saturation) = ingest::drive(
            kind.name(),
            &client,
            std::slice::from_ref(&server.url),
            baseline::SECRET,
            &updates,
            &load,
            options.quiet,
        )
        .await;
        server.stop().await;
        for phase in phases.iter().chain(std::iter::once(&saturation)) {
            section.row(
                format!("{}: {} accepted", kind.name(), phase.label()),
                format!("{:.0}/s", phase.accepted_per_s()),
                failed_note(phase),
            );
            section.row(
                format!("{}: {} p50 / p99 / p99.9", kind.name(), phase.label()),
                triple(phase),
                "",
            );
        }
        report.curves.push(Curve {
            name: format!("baseline: {}", kind.name()),
            points: phases
                .iter()
                .filter_map(|p| Some((p.offered?, p.latencies.ms(0.5), p.latencies.ms(0.99))))
                .collect(),
        });
        runs.push(BaselineRun {
            kind,
            phases,
            saturation,
        });
    }
    report.sections.push(section);
    Ok(runs)
}

pub(crate) fn failed_note(phase: &Phase) -> String {
    if phase.failed > 0 {
        format!("{} of {} not answered 200", phase.failed, phase.sent)
    } else {
        String::new()
    }
}

/// `ingest` once per value of `--appliers` and of `--nodes` on PostgreSQL
/// (inbound appliers per node, nodes on the one database), once on SQLite
/// (one node, one applier).
pub(crate) async fn ingest(
    options: &Options,
    database: Database,
    baselines: Option<&[BaselineRun]>,
    report: &mut Report,
) -> anyhow::Result<()> {
    let catch_up = match database {
        Database::Sqlite => ingest_with(options, database, None, 1, baselines, report).await?,
        Database::Postgres => {
            let mut last = 0.0;
            for &appliers in &options.appliers {
                for &nodes in &options.nodes {
                    let named = (options.appliers.len() > 1).then_some(appliers);
                    last = ingest_with(options, database, named, nodes.max(1), baselines, report)
                        .await?;
                }
            }
            last
        }
    };
    if options.first_contacts {
        first_contacts(options, database, catch_up, report).await?;
    }
    Ok(())
}

/// Customers enough that every update of a run comes from a new one.
const ALL_NEW: u64 = 1_000_000_000_000;

/// The same ingest again with every update a first contact (contact, chat,
/// deal, assignment, greeting and auto-reply), and the cost of one against a
/// message in an existing chat: the ratio of the two catch-up rates, both
/// measured in this process.
async fn first_contacts(
    options: &Options,
    database: Database,
    existing_catch_up: f64,
    report: &mut Report,
) -> anyhow::Result<()> {
    let all_new = Options {
        customers: ALL_NEW,
        ..options.clone()
    };
    let appliers = (database == Database::Postgres)
        .then(|| options.appliers.last().copied())
        .flatten();
    let nodes = options.nodes.last().copied().unwrap_or(1).max(1);
    let first_catch_up = ingest_with(&all_new, database, appliers, nodes, None, report).await?;
    let mut section = Section::new(
        format!("{}-first-contact", database.key()),
        format!(
            "A first contact against a message in an existing chat on {} (same run)",
            database.name()
        ),
    );
    section.row(
        "first contacts applied while catching up",
        format!("{first_catch_up:.0}/s"),
        "",
    );
    section.row(
        format!(
            "messages in existing chats ({} customers) applied while catching up",
            options.customers
        ),
        format!("{existing_catch_up:.0}/s"),
        "",
    );
    section.row(
        "a first contact costs",
        format!(
            "{:.2}x",
            existing_catch_up / first_catch_up.max(f64::MIN_POSITIVE)
        ),
        "a message in an existing chat (target: at most 3x)",
    );
    report.sections.push(section);
    Ok(())
}

async fn ingest_with(
    options: &Options,
    database: Database,
    appliers: Option<usize>,
    nodes: usize,
    baselines: Option<&[BaselineRun]>,
    report: &mut Report,
) -> anyhow::Result<f64> {
    let mut harness = Harness::start_with_appliers(
        database,
        options.workers,
        appliers.unwrap_or(crate::harness::DEFAULT_APPLIERS),
    )
    .await?;
    let mut queue = Vec::new();
    for i in 1..=3 {
        queue.push(
            harness
                .create_user(&format!("Agent {i}"), "employee")
                .await?
                .0,
        );
    }
    let hook = harness
        .telegram_integration(
            &queue,
            Some("Hi! Thanks for writing to Bench shop."),
            Some("We got your message and will answer within the hour."),
        )
        .await?;
    // The same webhook on every node (each serves the path it was given).
    let mut urls = vec![hook.url.clone()];
    let path = hook.url.trim_start_matches(&harness.url(""));
    for _ in 1..nodes {
        let addr = harness.add_node().await?;
        urls.push(format!("http://{addr}{path}"));
    }
    let updates = Arc::new(Updates::new(1, options.customers));
    let client = ingest::load_client()?;
    let what = format!("ingest {}", database.key());
    let (phases, saturation) = ingest::drive(
        &what,
        &client,
        &urls,
        &hook.secret,
        &updates,
        &options.load(),
        options.quiet,
    )
    .await;
    // Under overload the writer keeps raw updates and applies them after.
    let backlog = ingest::wait_until_applied(&harness.store).await?;
    let write_failures = write_failures(&client, &harness.url("/metrics")).await?;
    // Once caught up, so nothing else runs beside it.
    let healthz = ingest::saturate_healthz(
        &client,
        &harness.url("/healthz"),
        &options.load(),
        options.quiet,
    )
    .await;
    let stored = ingest::stored(&harness.store, hook.integration_id).await?;
    let sent: u64 = phases.iter().map(|p| p.sent).sum::<u64>() + saturation.sent;
    let accepted: u64 = phases.iter().map(|p| p.ok).sum::<u64>() + saturation.ok;
    let outbound = harness.telegram.calls_of("sendMessage").len();
    harness.stop().await;

    let (mut key, mut appliers_note) = match appliers {
        Some(n) => (
            format!("{}-ingest-appliers-{n}", database.key()),
            format!(", {n} inbound applier(s)"),
        ),
        None => (format!("{}-ingest", database.key()), String::new()),
    };
    if options.nodes.len() > 1 || nodes > 1 {
        key.push_str(&format!("-nodes-{nodes}"));
        appliers_note.push_str(&format!(", {nodes} node(s) on the one database"));
    }
    let mut section = Section::new(
        key,
        format!(
            "Ingest on {}: {} customers, {} s per rate, {} senders at saturation{appliers_note}",
            database.name(),
            options.customers,
            options.duration,
            options.saturation_concurrency
        ),
    );
    let all: Vec<&Phase> = phases.iter().chain(std::iter::once(&saturation)).collect();
    for (i, phase) in all.iter().enumerate() {
        let twin = |run: &BaselineRun| -> Phase {
            if phase.offered.is_some() {
                run.phases[i].clone()
            } else {
                run.saturation.clone()
            }
        };
        let mut accepted_note = failed_note(phase);
        let mut latency_note = String::new();
        for run in baselines.unwrap_or_default() {
            let theirs = twin(run);
            accepted_note.push_str(&format!(
                "{}{} of {} ({:.0}/s)",
                if accepted_note.is_empty() { "" } else { "; " },
                ratio(phase.accepted_per_s(), theirs.accepted_per_s()),
                run.kind.name(),
                theirs.accepted_per_s()
            ));
            latency_note.push_str(&format!(
                "{}p50 {} / p99 {} / p99.9 {} of {}",
                if latency_note.is_empty() { "" } else { "; " },
                ratio(phase.latencies.ms(0.5), theirs.latencies.ms(0.5)),
                ratio(phase.latencies.ms(0.99), theirs.latencies.ms(0.99)),
                ratio(phase.latencies.ms(0.999), theirs.latencies.ms(0.999)),
                run.kind.name()
            ));
        }
        section.row(
            format!("{} accepted", phase.label()),
            format!("{:.0}/s", phase.accepted_per_s()),
            accepted_note,
        );
        section.row(
            format!("{} webhook p50 / p99 / p99.9", phase.label()),
            triple(phase),
            latency_note,
        );
    }
    let catch_up = backlog.kept as f64 / backlog.took.as_secs_f64().max(0.001);
    section.row(
        "kept for later at the end of the load",
        format!("{}", backlog.kept),
        format!(
            "applied {:.1} s after the last request ({catch_up:.0} updates/s while catching up)",
            backlog.took.as_secs_f64(),
        ),
    );
    // What a customer's message costs end to end: the saturating burst's
    // accepted updates become visible over the API only once applied, so its
    // applied rate counts from the burst's start to the end of catching up.
    let burst_applied =
        saturation.ok as f64 / (saturation.elapsed + backlog.took).as_secs_f64().max(0.001);
    let mut applied_note = format!(
        "{} accepted in {:.1} s at saturation, all applied {:.1} s later",
        saturation.ok,
        saturation.elapsed.as_secs_f64(),
        backlog.took.as_secs_f64()
    );
    for run in baselines.unwrap_or_default() {
        applied_note.push_str(&format!(
            "; {} of {} ({:.0}/s)",
            ratio(burst_applied, run.saturation.accepted_per_s()),
            run.kind.name(),
            run.saturation.accepted_per_s()
        ));
    }
    applied_note.push_str(&format!(
        "; {} of this server's /healthz ({:.0}/s)",
        ratio(burst_applied, healthz.accepted_per_s()),
        healthz.accepted_per_s()
    ));
    section.row(
        "saturation applied (burst and catch-up)",
        format!("{burst_applied:.0}/s"),
        applied_note,
    );
    section.row(
        "/healthz at saturation, after catching up",
        format!("{:.0}/s", healthz.accepted_per_s()),
        format!(
            "p50 / p99 / p99.9 {}; catching up applied {} of it{}",
            triple(&healthz),
            ratio(catch_up, healthz.accepted_per_s()),
            match failed_note(&healthz) {
                note if note.is_empty() => note,
                note => format!("; {note}"),
            }
        ),
    );
    section.row(
        "writes that failed and were tried again",
        format!("{write_failures}"),
        if write_failures > 0 {
            "the writer paused a second after each (see the log): this run's rates are not comparable"
        } else {
            ""
        },
    );
    let exactly_once = stored.is_exactly_once(accepted, sent);
    section.row(
        "stored exactly once",
        if exactly_once { "yes" } else { "NO" },
        format!(
            "{accepted} accepted of {sent} sent; {} bodies kept, {} customer messages, {} duplicates, {} chats; {outbound} auto-messages sent to the fake Telegram",
            stored.events, stored.messages, stored.duplicates, stored.chats
        ),
    );
    report.check(
        format!(
            "{} ingest: every accepted update stored exactly once",
            database.name()
        ),
        exactly_once && accepted > 0,
        format!("{stored:?}, accepted {accepted}, sent {sent}"),
    );
    report.curves.push(Curve {
        name: format!("Tidings ({})", database.name()),
        points: phases
            .iter()
            .filter_map(|p| Some((p.offered?, p.latencies.ms(0.5), p.latencies.ms(0.99))))
            .collect(),
    });
    report.sections.push(section);
    Ok(catch_up)
}

pub(crate) async fn run_target(
    options: &Options,
    target: &str,
    report: &mut Report,
) -> anyhow::Result<()> {
    let (Some(id), Some(secret)) = (options.integration_id, &options.secret) else {
        anyhow::bail!("--target needs --integration-id and --secret");
    };
    let url = format!("{}/hooks/telegram/{id}", target.trim_end_matches('/'));
    let client = ingest::load_client()?;
    // Update ids from the clock, so a second run is not taken for repeats.
    let first = chrono::Utc::now().timestamp_millis() * 1000;
    let updates = Arc::new(Updates::new(first, options.customers));
    let (phases, saturation) = ingest::drive(
        "ingest target",
        &client,
        std::slice::from_ref(&url),
        secret,
        &updates,
        &options.load(),
        options.quiet,
    )
    .await;
    let mut section = Section::new("target-ingest", format!("Ingest against {target}"));
    for phase in phases.iter().chain(std::iter::once(&saturation)) {
        section.row(
            format!("{} accepted", phase.label()),
            format!("{:.0}/s", phase.accepted_per_s()),
            failed_note(phase),
        );
        section.row(
            format!("{} webhook p50 / p99 / p99.9", phase.label()),
            triple(phase),
            "",
        );
    }
    report.curves.push(Curve {
        name: format!("target {target}"),
        points: phases
            .iter()
            .filter_map(|p| Some((p.offered?, p.latencies.ms(0.5), p.latencies.ms(0.99))))
            .collect(),
    });
    report.sections.push(section);
    Ok(())
}

/// How often the server's inbound writer could not write and paused before
/// trying again (`tidings_inbound_write_failures_total`): a run with such
/// pauses measured them, not applying.
async fn write_failures(client: &reqwest::Client, metrics_url: &str) -> anyhow::Result<u64> {
    let text = client
        .get(metrics_url)
        .send()
        .await?
        .error_for_status()?
        .text()
        .await?;
    let value = text
        .lines()
        .find_map(|line| line.strip_prefix("tidings_inbound_write_failures_total "))
        .ok_or_else(|| anyhow::anyhow!("no tidings_inbound_write_failures_total in /metrics"))?;
    Ok(value.trim().parse()?)
}
