//! `tidings-bench`: load and latency benchmarks of the real Tidings server
//! (in this process, with fake messengers), baselines to compare against, and
//! the tiny `smoke` run CI uses so the bench never rots. See docs/BENCHMARKS.md.

pub mod backup;
pub mod baseline;
pub mod bulk;
pub mod canned;
pub mod channels;
pub mod corpus;
pub mod crm;
pub mod footprint;
pub mod harness;
pub mod ingest;
pub mod live;
pub mod loadgen;
pub mod outbound;
pub mod progress;
pub mod push;
pub mod queries;
pub mod reads;
pub mod report;
pub mod reports;
pub mod routing;
pub mod sections;
pub mod stats;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Parser, ValueEnum};

use ingest::Load;
use loadgen::Phase;
use report::{Report, Section};
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
    /// Webhooks at a steady rate alone, then with managers reading beside them.
    Reads,
    /// Routing one new chat: many managers, integrations and open chats.
    Routing,
    /// Memory idle and after ingest; binary and WASM sizes.
    Footprint,
    /// Ingest plus the bare-parse and SQLite-per-request baselines, with ratios.
    Baseline,
    /// Canned replies; the lookup each keystroke after "/" causes.
    Canned,
    /// A bulk action (`POST /api/v1/chats/bulk`) on 100 chats, each action timed.
    BulkActions,
    /// Reports over a bulk-loaded month: overview, managers table, conversations CSV.
    Reports,
    /// A WhatsApp notification's ingest cost against a Telegram update's.
    Channels,
    /// A burst of notifications through the Web Push queue to a fake push service.
    Push,
    /// A funnel's deal board with many open deals; contact search among many contacts.
    Crm,
    /// A backup of a loaded SQLite database while webhooks come in (SQLite only).
    Backup,
    /// Every scenario at tiny sizes (seconds); what CI runs.
    Smoke,
    /// Footprint, baseline (with ingest), live, outbound, queries, reads, routing, canned,
    /// bulk actions, reports, channels, push, crm and backup.
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
    /// ingest: run again, in this process, with every update from a new
    /// customer, and report what a first contact costs against a message in
    /// an existing chat (the ratio of their catch-up rates).
    #[arg(long)]
    pub first_contacts: bool,
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

    /// queries, reports: chats to load.
    #[arg(long, default_value_t = 20_000)]
    pub chats: u64,
    /// queries, reports: messages to load (spread over the chats).
    #[arg(long, default_value_t = 200_000)]
    pub messages: u64,
    /// queries: timed requests per query.
    #[arg(long, default_value_t = 200)]
    pub repeat: usize,

    /// bulk-actions: rounds of every bulk action on 100 chats.
    #[arg(long, default_value_t = 10)]
    pub bulk_repeat: usize,

    /// ingest on PostgreSQL: the server's inbound appliers (comma-separated:
    /// one ingest run per value, e.g. `1,4` for before and after).
    #[arg(long, value_delimiter = ',', default_value = "4")]
    pub appliers: Vec<usize>,
    /// ingest on PostgreSQL: server nodes on the one database, the load
    /// spread over their webhooks (comma-separated: one ingest run per value,
    /// e.g. `1,2` for what a second node adds).
    #[arg(long, value_delimiter = ',', default_value = "1")]
    pub nodes: Vec<usize>,

    /// routing: managers in every queue.
    #[arg(long, default_value_t = 50)]
    pub routing_managers: usize,
    /// routing: integrations (queues).
    #[arg(long, default_value_t = 20)]
    pub routing_integrations: usize,
    /// routing: chats to load (about three in four open).
    #[arg(long, default_value_t = 13_400)]
    pub routing_chats: u64,

    /// reads: webhooks per second, alone and beside the readers.
    #[arg(long, default_value_t = 150.0)]
    pub read_rate: f64,
    /// reads: seconds of each phase.
    #[arg(long, default_value_t = 10.0)]
    pub read_duration: f64,
    /// reads: concurrent reading loops (timelines, one-chat and archive searches).
    #[arg(long, default_value_t = 12)]
    pub readers: usize,
    /// reads: chats (one per customer) written to and read.
    #[arg(long, default_value_t = 50)]
    pub read_chats: u64,

    /// canned: canned replies stored before typing (`--repeat` shortcuts are typed).
    #[arg(long, default_value_t = 1_000)]
    pub canned_replies: u64,

    /// channels: rounds per messenger (alternating).
    #[arg(long, default_value_t = 6)]
    pub channel_rounds: usize,
    /// channels: updates per round.
    #[arg(long, default_value_t = 2_000)]
    pub channel_updates: u64,
    /// push: managers, each with one subscribed device and one chat.
    #[arg(long, default_value_t = 200)]
    pub push_devices: u64,
    /// push: notifications (customer messages) in the burst.
    #[arg(long, default_value_t = 1_000)]
    pub push_notifications: u64,
    /// push: the fake push service answers each push at once and verifies and
    /// decrypts them all after the timed window, rather than during it on the
    /// same cores as the server (a cost a real deployment does not have).
    #[arg(long)]
    pub push_check_after: bool,

    /// crm: open deals in the benchmark's funnel (a fifth as many won or lost besides).
    #[arg(long, default_value_t = 10_000)]
    pub crm_deals: u64,
    /// crm: contacts to search among.
    #[arg(long, default_value_t = 100_000)]
    pub crm_contacts: u64,

    /// backup: webhooks per second, alone and during the backup (uses
    /// `--chats`, `--messages` and `--customers`).
    #[arg(long, default_value_t = 500.0)]
    pub backup_rate: f64,
    /// backup: seconds of webhooks alone before the backup starts.
    #[arg(long, default_value_t = 20.0)]
    pub backup_alone: f64,

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
        self.read_rate = 20.0;
        self.read_duration = 1.0;
        self.readers = 3;
        self.read_chats = 5;
        self.routing_managers = 5;
        self.routing_integrations = 3;
        self.routing_chats = 200;
        self.canned_replies = 50;
        self.bulk_repeat = 1;
        self.channel_rounds = 2;
        self.channel_updates = 20;
        self.push_devices = 5;
        self.push_notifications = 20;
        self.crm_deals = 60;
        self.crm_contacts = 300;
        self.backup_rate = 50.0;
        self.backup_alone = 1.0;
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
        sections::ingest::run_target(&options, target, &mut report).await?;
        return Ok(report);
    }
    if wants(Scenario::Footprint) {
        for database in options.databases() {
            sections::footprint::footprint(&options, database, &mut report).await?;
        }
    }
    let baselines = if wants(Scenario::Baseline) {
        Some(sections::ingest::baselines(&options, &mut report).await?)
    } else {
        None
    };
    for database in options.databases() {
        if wants(Scenario::Ingest) || wants(Scenario::Baseline) {
            sections::ingest::ingest(&options, database, baselines.as_deref(), &mut report).await?;
        }
        if wants(Scenario::Live) {
            sections::live::live(&options, database, &mut report).await?;
        }
        if wants(Scenario::Outbound) {
            sections::outbound::outbound(&options, database, &mut report).await?;
        }
        if wants(Scenario::Queries) {
            sections::queries::queries(&options, database, &mut report).await?;
        }
        if wants(Scenario::Reads) {
            sections::reads::reads(&options, database, &mut report).await?;
        }
        if wants(Scenario::Routing) {
            sections::routing::routing(&options, database, &mut report).await?;
        }
        if wants(Scenario::Canned) {
            sections::canned::canned(&options, database, &mut report).await?;
        }
        if wants(Scenario::BulkActions) {
            sections::bulk_actions::bulk_actions(&options, database, &mut report).await?;
        }
        if wants(Scenario::Reports) {
            sections::reports::reports(&options, database, &mut report).await?;
        }
        if wants(Scenario::Channels) {
            sections::channels::channels(&options, database, &mut report).await?;
        }
        if wants(Scenario::Push) {
            sections::push::push(&options, database, &mut report).await?;
        }
        if wants(Scenario::Crm) {
            sections::crm::crm(&options, database, &mut report).await?;
        }
        if wants(Scenario::Backup) {
            sections::backup::backup(&options, database, &mut report).await?;
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

pub(crate) fn ms(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0}")
    } else if value >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

pub(crate) fn triple(phase: &Phase) -> String {
    format!(
        "{} / {} / {} ms",
        ms(phase.latencies.ms(0.5)),
        ms(phase.latencies.ms(0.99)),
        ms(phase.latencies.ms(0.999))
    )
}

pub(crate) fn ratio(ours: f64, theirs: f64) -> String {
    if theirs > 0.0 {
        format!("{:.2}x", ours / theirs)
    } else {
        "-".to_owned()
    }
}
