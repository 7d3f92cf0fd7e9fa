//! `tidings-bench`: load and latency benchmarks of the real Tidings server
//! (in this process, with fake messengers), baselines to compare against, and
//! the tiny `smoke` run CI uses so the bench never rots. See docs/BENCHMARKS.md.

pub mod baseline;
pub mod bulk;
pub mod corpus;
pub mod footprint;
pub mod harness;
pub mod ingest;
pub mod live;
pub mod loadgen;
pub mod outbound;
pub mod progress;
pub mod queries;
pub mod report;
pub mod stats;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Parser, ValueEnum};

use baseline::{Baseline, Kind};
use harness::Harness;
use ingest::{Load, Updates};
use loadgen::Phase;
use report::{Curve, Report, Section};
use stats::mib;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scenario {
    /// Webhooks at fixed rates and at saturation; every accepted update stored once.
    Ingest,
    /// WebSocket sessions; webhook-200 to socket-event latency; memory per session.
    Live,
    /// Managers' replies through the outbound queue against Telegram's flood limits.
    Outbound,
    /// Bulk-loaded chats and messages; list, filter, search and timeline latency.
    Queries,
    /// Memory idle and after ingest; binary and WASM sizes.
    Footprint,
    /// Ingest plus the bare-parse and SQLite-per-request baselines, with ratios.
    Baseline,
    /// Every scenario at tiny sizes (seconds); what CI runs.
    Smoke,
    /// Footprint, baseline (with ingest), live, outbound and queries.
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DatabaseChoice {
    Sqlite,
    Postgres,
    Both,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Database {
    Sqlite,
    Postgres,
}

impl Database {
    pub fn name(self) -> &'static str {
        match self {
            Database::Sqlite => "SQLite",
            Database::Postgres => "PostgreSQL",
        }
    }

    fn key(self) -> &'static str {
        match self {
            Database::Sqlite => "sqlite",
            Database::Postgres => "postgres",
        }
    }
}

/// Command-line options; sizes default to a moderate run (a few minutes).
#[derive(Debug, Clone, Parser)]
#[command(
    name = "tidings-bench",
    version,
    about = "Benchmarks for the Tidings server"
)]
pub struct Options {
    /// Scenarios to run (comma-separated).
    #[arg(long, value_enum, value_delimiter = ',', default_value = "all")]
    pub scenario: Vec<Scenario>,
    /// Database of the server under test (a fresh one, dropped afterwards).
    #[arg(long, value_enum, default_value = "sqlite")]
    pub database: DatabaseChoice,
    /// HTTP workers of the server under test and of the baselines.
    #[arg(long, default_value_t = 2)]
    pub workers: usize,

    /// ingest: distinct customers sending.
    #[arg(long, default_value_t = 200)]
    pub customers: u64,
    /// ingest: offered rates, webhooks per second (open loop).
    #[arg(long, value_delimiter = ',', default_value = "100,300,1000")]
    pub rates: Vec<f64>,
    /// ingest: seconds per offered rate.
    #[arg(long, default_value_t = 10.0)]
    pub duration: f64,
    /// ingest: concurrent senders at saturation (closed loop).
    #[arg(long, default_value_t = 64)]
    pub saturation_concurrency: usize,
    /// ingest: seconds at saturation.
    #[arg(long, default_value_t = 10.0)]
    pub saturation_duration: f64,
    /// ingest: most requests outstanding at once in open loop.
    #[arg(long, default_value_t = 4096)]
    pub max_in_flight: usize,

    /// live: WebSocket sessions.
    #[arg(long, default_value_t = 200)]
    pub sessions: usize,
    /// live: webhooks per second while sessions listen.
    #[arg(long, default_value_t = 10.0)]
    pub live_rate: f64,
    /// live: seconds of webhooks.
    #[arg(long, default_value_t = 10.0)]
    pub live_duration: f64,
    /// live: chats the messages go to.
    #[arg(long, default_value_t = 20)]
    pub live_chats: u64,

    /// outbound: chats the replies go to.
    #[arg(long, default_value_t = 60)]
    pub outbound_chats: u64,
    /// outbound: replies per chat.
    #[arg(long, default_value_t = 5)]
    pub replies_per_chat: u64,
    /// outbound: replies offered per second (open loop).
    #[arg(long, default_value_t = 60.0)]
    pub reply_rate: f64,

    /// queries: chats to load.
    #[arg(long, default_value_t = 20_000)]
    pub chats: u64,
    /// queries: messages to load (spread over the chats).
    #[arg(long, default_value_t = 200_000)]
    pub messages: u64,
    /// queries: timed requests per query.
    #[arg(long, default_value_t = 200)]
    pub repeat: usize,

    /// footprint: updates ingested before measuring memory again.
    #[arg(long, default_value_t = 2_000)]
    pub footprint_updates: u64,
    /// footprint: workspace root holding target/release/tidings and dist/.
    #[arg(long)]
    pub root: Option<PathBuf>,

    /// Write or update a Markdown results file.
    #[arg(long)]
    pub markdown: Option<PathBuf>,
    /// Where the ingest latency chart goes.
    #[arg(long, default_value = "docs/bench-ingest.svg")]
    pub chart: PathBuf,
    /// Do not write the chart.
    #[arg(long)]
    pub no_chart: bool,
    /// No progress bars.
    #[arg(long)]
    pub quiet: bool,

    /// ingest against a running server instead (no verification).
    #[arg(long, requires_all = ["integration_id", "secret"])]
    pub target: Option<String>,
    /// --target: the Telegram integration to post to.
    #[arg(long)]
    pub integration_id: Option<i64>,
    /// --target: its webhook secret (X-Telegram-Bot-Api-Secret-Token).
    #[arg(long)]
    pub secret: Option<String>,
}

impl Options {
    /// The sizes of `--scenario smoke`: every scenario in seconds.
    pub fn smoke(mut self) -> Options {
        self.scenario = vec![Scenario::Smoke];
        self.customers = 5;
        self.rates = vec![20.0, 50.0];
        self.duration = 1.0;
        self.saturation_concurrency = 4;
        self.saturation_duration = 1.0;
        self.sessions = 6;
        self.live_rate = 10.0;
        self.live_duration = 1.0;
        self.live_chats = 3;
        self.outbound_chats = 3;
        self.replies_per_chat = 2;
        self.reply_rate = 20.0;
        self.chats = 200;
        self.messages = 2_000;
        self.repeat = 10;
        self.footprint_updates = 50;
        self
    }

    fn load(&self) -> Load {
        Load {
            rates: self.rates.clone(),
            duration: Duration::from_secs_f64(self.duration),
            saturation_concurrency: self.saturation_concurrency,
            saturation_duration: Duration::from_secs_f64(self.saturation_duration),
            max_in_flight: self.max_in_flight,
        }
    }

    fn databases(&self) -> Vec<Database> {
        match self.database {
            DatabaseChoice::Sqlite => vec![Database::Sqlite],
            DatabaseChoice::Postgres => vec![Database::Postgres],
            DatabaseChoice::Both => vec![Database::Sqlite, Database::Postgres],
        }
    }

    fn root(&self) -> PathBuf {
        self.root
            .clone()
            .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/..")))
    }
}

/// Runs what the options ask for; the caller prints [`Report::human`].
pub async fn run(options: Options) -> anyhow::Result<Report> {
    let options = if options.scenario.contains(&Scenario::Smoke) {
        options.smoke()
    } else {
        options
    };
    let wants = |s: Scenario| {
        options
            .scenario
            .iter()
            .any(|&x| x == s || x == Scenario::All || x == Scenario::Smoke)
    };
    let mut report = Report::default();
    report.sections.push(machine_section(&options));
    if let Some(target) = &options.target {
        run_target(&options, target, &mut report).await?;
        return Ok(report);
    }
    if wants(Scenario::Footprint) {
        for database in options.databases() {
            footprint(&options, database, &mut report).await?;
        }
    }
    let baselines = if wants(Scenario::Baseline) {
        Some(baselines(&options, &mut report).await?)
    } else {
        None
    };
    for database in options.databases() {
        if wants(Scenario::Ingest) || wants(Scenario::Baseline) {
            ingest(&options, database, baselines.as_deref(), &mut report).await?;
        }
        if wants(Scenario::Live) {
            live(&options, database, &mut report).await?;
        }
        if wants(Scenario::Outbound) {
            outbound(&options, database, &mut report).await?;
        }
        if wants(Scenario::Queries) {
            queries(&options, database, &mut report).await?;
        }
    }
    if !options.no_chart && !report.curves.is_empty() {
        let subtitle = format!(
            "{} on {}; {} s per rate, load generator in the same process",
            cpu_model(),
            cores_text(),
            options.duration
        );
        if let Some(parent) = options.chart.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(
            &options.chart,
            report::ingest_svg(&report.curves, &subtitle),
        )
        .with_context(|| format!("cannot write {}", options.chart.display()))?;
    }
    if let Some(path) = &options.markdown {
        report
            .update_markdown(path)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(report)
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|rest| rest.trim_start_matches([' ', '\t', ':']).trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned())
}

fn cores_text() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cores} cores")
}

fn machine_section(options: &Options) -> Section {
    let mut section = Section::new("machine", "Machine and run");
    section.row("CPU", cpu_model(), cores_text());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .next()
                .map(|l| l.split_whitespace().nth(1).unwrap_or("0").to_owned())
        })
        .and_then(|kib| kib.parse::<u64>().ok())
        .map_or("unknown".to_owned(), |kib| {
            format!("{:.1} GiB", mib(kib) / 1024.0)
        });
    section.row("memory", memory, "");
    section.row(
        "date",
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
        format!("server HTTP workers: {}", options.workers),
    );
    section
}

fn ms(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0}")
    } else if value >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

fn triple(phase: &Phase) -> String {
    format!(
        "{} / {} / {} ms",
        ms(phase.latencies.ms(0.5)),
        ms(phase.latencies.ms(0.99)),
        ms(phase.latencies.ms(0.999))
    )
}

fn ratio(ours: f64, theirs: f64) -> String {
    if theirs > 0.0 {
        format!("{:.2}x", ours / theirs)
    } else {
        "-".to_owned()
    }
}

/// One baseline's figures: fixed-rate phases and saturation.
pub struct BaselineRun {
    pub kind: Kind,
    pub phases: Vec<Phase>,
    pub saturation: Phase,
}

async fn baselines(options: &Options, report: &mut Report) -> anyhow::Result<Vec<BaselineRun>> {
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
            &server.url,
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

fn failed_note(phase: &Phase) -> String {
    if phase.failed > 0 {
        format!("{} of {} not answered 200", phase.failed, phase.sent)
    } else {
        String::new()
    }
}

async fn ingest(
    options: &Options,
    database: Database,
    baselines: Option<&[BaselineRun]>,
    report: &mut Report,
) -> anyhow::Result<()> {
    let harness = Harness::start(database, options.workers).await?;
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
    let updates = Arc::new(Updates::new(1, options.customers));
    let client = ingest::load_client()?;
    let what = format!("ingest {}", database.key());
    let (phases, saturation) = ingest::drive(
        &what,
        &client,
        &hook.url,
        &hook.secret,
        &updates,
        &options.load(),
        options.quiet,
    )
    .await;
    // Under overload the writer keeps raw updates and applies them after.
    let backlog = ingest::wait_until_applied(&harness.store).await?;
    let stored = ingest::stored(&harness.store, hook.integration_id).await?;
    let sent: u64 = phases.iter().map(|p| p.sent).sum::<u64>() + saturation.sent;
    let accepted: u64 = phases.iter().map(|p| p.ok).sum::<u64>() + saturation.ok;
    let outbound = harness.telegram.calls_of("sendMessage").len();
    harness.stop().await;

    let mut section = Section::new(
        format!("{}-ingest", database.key()),
        format!(
            "Ingest on {}: {} customers, {} s per rate, {} senders at saturation",
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
    section.row(
        "kept for later at the end of the load",
        format!("{}", backlog.kept),
        format!(
            "applied {:.1} s after the last request ({:.0} updates/s while catching up)",
            backlog.took.as_secs_f64(),
            backlog.kept as f64 / backlog.took.as_secs_f64().max(0.001)
        ),
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
    Ok(())
}

async fn live(options: &Options, database: Database, report: &mut Report) -> anyhow::Result<()> {
    let harness = Harness::start(database, options.workers).await?;
    let params = live::Params {
        sessions: options.sessions,
        chats: options.live_chats,
        rate: options.live_rate,
        duration: Duration::from_secs_f64(options.live_duration),
    };
    let outcome = live::run(&harness, &params, options.quiet).await;
    harness.stop().await;
    let outcome = outcome?;
    let mut section = Section::new(
        format!("{}-live", database.key()),
        format!(
            "Live on {}: {} sessions (1/5 admin, 3/5 employees, 1/5 followers of every chat), {:.0} webhooks/s for {} s over {} chats",
            database.name(),
            outcome.sessions,
            options.live_rate,
            options.live_duration,
            options.live_chats
        ),
    );
    section.row(
        "webhooks accepted",
        format!("{} of {}", outcome.webhooks.ok, outcome.webhooks.sent),
        format!("webhook p50 / p99 / p99.9 {}", triple(&outcome.webhooks)),
    );
    section.row(
        "webhook 200 -> socket event p50 / p99",
        format!(
            "{} / {} ms",
            ms(outcome.after_200.ms(0.5)),
            ms(outcome.after_200.ms(0.99))
        ),
        format!(
            "max {} ms; {} of {} events arrived before the sender read the 200 (counted as 0)",
            ms(outcome.after_200.max_ms()),
            outcome.before_200,
            outcome.received_events
        ),
    );
    section.row(
        "webhook sent -> socket event p50 / p99",
        format!(
            "{} / {} ms",
            ms(outcome.end_to_end.ms(0.5)),
            ms(outcome.end_to_end.ms(0.99))
        ),
        "end to end",
    );
    section.row(
        "events delivered",
        format!("{} of {}", outcome.received_events, outcome.expected_events),
        format!(
            "{} frames in all; {} sessions closed early",
            outcome.frames, outcome.dropped_sessions
        ),
    );
    if let (Some(before), Some(after)) = (outcome.rss_before_kib, outcome.rss_after_kib) {
        section.row(
            "RSS before / after connecting",
            format!("{:.1} / {:.1} MiB", mib(before), mib(after)),
            "whole process",
        );
    }
    if let Some(per) = outcome.kib_per_session() {
        section.row(
            "RSS per session",
            format!("{per:.1} KiB"),
            "server and client side together (both in this process): an upper bound for the server",
        );
    }
    report.check(
        format!(
            "{} live: every event reached every session",
            database.name()
        ),
        outcome.received_events == outcome.expected_events
            && outcome.dropped_sessions == 0
            && outcome.webhooks.ok > 0,
        format!(
            "{} of {} events, {} sessions dropped",
            outcome.received_events, outcome.expected_events, outcome.dropped_sessions
        ),
    );
    report.sections.push(section);
    Ok(())
}

async fn outbound(
    options: &Options,
    database: Database,
    report: &mut Report,
) -> anyhow::Result<()> {
    let harness = Harness::start(database, options.workers).await?;
    let params = outbound::Params {
        chats: options.outbound_chats,
        replies_per_chat: options.replies_per_chat,
        rate: options.reply_rate,
    };
    let outcome = outbound::run(&harness, &params, options.quiet).await;
    harness.stop().await;
    let outcome = outcome?;
    let mut section = Section::new(
        format!("{}-outbound", database.key()),
        format!(
            "Outbound on {}: {} replies to {} chats offered at {:.0}/s; the fake Telegram allows {} sends per {:?} per bot and {} per {:?} per chat",
            database.name(),
            outcome.replies.sent,
            options.outbound_chats,
            options.reply_rate,
            outbound::LIMITS.bot_sends,
            outbound::LIMITS.bot_window,
            outbound::LIMITS.chat_sends,
            outbound::LIMITS.chat_window,
        ),
    );
    section.row(
        "replies accepted (201)",
        format!("{} of {}", outcome.replies.ok, outcome.replies.sent),
        format!(
            "reply request p50 / p99 / p99.9 {}",
            triple(&outcome.replies)
        ),
    );
    section.row(
        "sent to Telegram",
        format!("{:.1}/s", outcome.sent_per_s),
        format!(
            "{} of the {:.0}/s the limits allow this run",
            ratio(outcome.sent_per_s, outcome.allowed_per_s),
            outcome.allowed_per_s
        ),
    );
    section.row(
        "reply 201 -> Telegram took it p50 / p99",
        format!(
            "{} / {} ms",
            ms(outcome.delay.ms(0.5)),
            ms(outcome.delay.ms(0.99))
        ),
        format!(
            "max {} ms; the backlog drains at the bot's rate",
            ms(outcome.delay.max_ms())
        ),
    );
    section.row(
        "429s",
        format!(
            "{} over the limits, {} injected",
            outcome.flood_refusals, outcome.injected_429s
        ),
        "each retried after retry_after",
    );
    report.check(
        format!(
            "{} outbound: every accepted reply reached Telegram exactly once",
            database.name()
        ),
        outcome.missing == 0 && outcome.repeated == 0 && outcome.replies.ok > 0,
        format!(
            "{} taken, {} missing, {} repeated",
            outcome.sent, outcome.missing, outcome.repeated
        ),
    );
    report.sections.push(section);
    Ok(())
}

async fn queries(options: &Options, database: Database, report: &mut Report) -> anyhow::Result<()> {
    let harness = Harness::start(database, options.workers).await?;
    let params = queries::Params {
        chats: options.chats,
        messages: options.messages,
        repeat: options.repeat,
    };
    let outcome = queries::run(&harness, &params, options.quiet).await;
    harness.stop().await;
    let outcome = outcome?;
    let mut section = Section::new(
        format!("{}-queries", database.key()),
        format!(
            "Queries on {}: {} chats, {} messages, {} timed requests each, as the admin",
            database.name(),
            outcome.loaded.chats,
            outcome.loaded.messages,
            options.repeat
        ),
    );
    let load_secs = outcome.load_time.as_secs_f64();
    section.row(
        "bulk load",
        format!("{load_secs:.1} s"),
        format!(
            "{:.0} messages/s (batched inserts, 500 chats per transaction)",
            outcome.loaded.messages as f64 / load_secs.max(0.001)
        ),
    );
    let mut failures = 0;
    for timed in &outcome.timed {
        failures += timed.failures;
        section.row(
            format!("{} p50 / p99", timed.name),
            format!(
                "{} / {} ms",
                ms(timed.latencies.ms(0.5)),
                ms(timed.latencies.ms(0.99))
            ),
            format!(
                "{} items in the first answer{}",
                timed.first_items,
                if timed.failures > 0 {
                    format!("; {} failed", timed.failures)
                } else {
                    String::new()
                }
            ),
        );
    }
    report.check(
        format!("{} queries: every request answered 200", database.name()),
        failures == 0,
        format!("{failures} failed"),
    );
    let lists_found = outcome
        .timed
        .iter()
        .filter(|t| t.name.starts_with("list") || t.name == "timeline page")
        .all(|t| t.first_items > 0);
    report.check(
        format!(
            "{} queries: lists and timelines are not empty",
            database.name()
        ),
        lists_found,
        "the loaded data is visible through the API",
    );
    report.sections.push(section);
    Ok(())
}

async fn footprint(
    options: &Options,
    database: Database,
    report: &mut Report,
) -> anyhow::Result<()> {
    let memory = footprint::memory(
        database,
        options.workers,
        options.footprint_updates,
        options.quiet,
    )
    .await?;
    let mut section = Section::new(
        format!("{}-footprint", database.key()),
        format!("Footprint on {}", database.name()),
    );
    if let (Some(before), Some(idle), Some(after)) =
        (memory.before_kib, memory.idle_kib, memory.after_ingest_kib)
    {
        section.row(
            "RSS idle (server share)",
            format!("{:.1} MiB", mib(idle.saturating_sub(before))),
            format!(
                "process {:.1} MiB, of which {:.1} MiB before the server started (bench, fakes)",
                mib(idle),
                mib(before)
            ),
        );
        section.row(
            "RSS after ingest (server share)",
            format!("{:.1} MiB", mib(after.saturating_sub(before))),
            format!(
                "process {:.1} MiB after {} updates at saturation",
                mib(after),
                memory.ingested
            ),
        );
        report.check(
            format!("{} footprint: memory measured", database.name()),
            idle > 0 && memory.ingested > 0,
            format!("idle {idle} KiB"),
        );
    }
    if database == Database::Sqlite {
        match footprint::binary_memory(&options.root()).await? {
            Some(binary) => {
                section.row(
                    "release binary RSS idle (own process)",
                    format!("{:.1} MiB", mib(binary.idle_kib)),
                    "target/release/tidings serve on SQLite: migrated, admin created, no request yet",
                );
                section.row(
                    "release binary RSS after one sign-in",
                    format!("{:.1} MiB", mib(binary.after_login_kib)),
                    "one Argon2 password check",
                );
            }
            None => section.row("release binary RSS", "not built", "cargo build --release"),
        }
    }
    let artifacts = footprint::artifacts(&options.root());
    section.row(
        "binary target/release/tidings",
        artifacts.binary.map_or("not built".to_owned(), |b| {
            format!("{:.1} MiB", b as f64 / 1048576.0)
        }),
        "",
    );
    if artifacts.wasm.is_empty() {
        section.row("WASM bundle", "not built", "run trunk build --release");
    }
    for (name, raw, gz) in &artifacts.wasm {
        section.row(
            "WASM bundle raw / gzip -9",
            format!(
                "{:.0} / {:.0} KiB",
                *raw as f64 / 1024.0,
                *gz as f64 / 1024.0
            ),
            name.clone(),
        );
    }
    report.sections.push(section);
    Ok(())
}

async fn run_target(options: &Options, target: &str, report: &mut Report) -> anyhow::Result<()> {
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
        &url,
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
