//! Prometheus metrics (CONTRACT "Operations"): counters bumped where the work
//! happens, gauges read when `/metrics` is scraped. One registry per server,
//! held in the service context, never a global. Labels are bounded: an HTTP
//! status code, a messenger name, a pool state; never an id.

use prometheus::{IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry, TextEncoder};
use shared::api::Channel;

/// The Prometheus text format we answer with.
pub const CONTENT_TYPE: &str = prometheus::TEXT_FORMAT;

pub struct Metrics {
    registry: Registry,
    http_requests: IntCounterVec,
    inbound_accepted: IntCounterVec,
    inbound_applied: IntCounterVec,
    inbound_write_failures: IntCounter,
    outbound_sent: IntCounterVec,
    outbound_failed: IntCounterVec,
    push: IntCounterVec,
    inbound_backlog: IntGauge,
    outbound_pending: IntGauge,
    live_sockets: IntGauge,
    push_pending: IntGauge,
    db_pool_connections: IntGaugeVec,
    resident_memory: IntGauge,
}

/// What became of one Web Push job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushOutcome {
    Delivered,
    /// The push service no longer knows the subscription (`404`/`410`).
    Gone,
    /// Refused for now (`429`, `5xx`, a timeout): tried again later.
    Retried,
    /// Given up: a permanent refusal or too many attempts.
    Dropped,
    /// Not sent: the user's app was in front of them.
    Skipped,
}

impl PushOutcome {
    pub const ALL: [PushOutcome; 5] = [
        PushOutcome::Delivered,
        PushOutcome::Gone,
        PushOutcome::Retried,
        PushOutcome::Dropped,
        PushOutcome::Skipped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PushOutcome::Delivered => "delivered",
            PushOutcome::Gone => "gone",
            PushOutcome::Retried => "retried",
            PushOutcome::Dropped => "dropped",
            PushOutcome::Skipped => "skipped",
        }
    }
}

/// What is read at scrape time (the database, the hub, the process).
#[derive(Debug, Clone, Copy, Default)]
pub struct Snapshot {
    pub inbound_backlog: i64,
    pub outbound_pending: i64,
    pub push_pending: i64,
    pub live_sockets: usize,
    pub pool_idle: u32,
    pub pool_in_use: u32,
    pub resident_memory_bytes: u64,
}

#[derive(Debug, thiserror::Error)]
#[error("metrics: {0}")]
pub struct MetricsError(#[from] prometheus::Error);

impl Metrics {
    pub fn new() -> Result<Metrics, MetricsError> {
        let registry = Registry::new();
        let counters = |name: &str, help: &str, label: &str| {
            let vec = IntCounterVec::new(Opts::new(name, help), &[label])?;
            registry.register(Box::new(vec.clone()))?;
            Ok::<_, prometheus::Error>(vec)
        };
        let gauge = |name: &str, help: &str| {
            let gauge = IntGauge::new(name, help)?;
            registry.register(Box::new(gauge.clone()))?;
            Ok::<_, prometheus::Error>(gauge)
        };
        let counter = |name: &str, help: &str| {
            let counter = IntCounter::new(name, help)?;
            registry.register(Box::new(counter.clone()))?;
            Ok::<_, prometheus::Error>(counter)
        };
        let per_channel = |name: &str, help: &str| {
            let vec = counters(name, help, "channel")?;
            // Every messenger shows from the start (0), so rates work at once.
            for channel in Channel::ALL {
                vec.with_label_values(&[channel.as_str()]);
            }
            Ok::<_, prometheus::Error>(vec)
        };
        let db_pool_connections = IntGaugeVec::new(
            Opts::new(
                "tidings_db_pool_connections",
                "Database pool connections by state (idle, in_use)",
            ),
            &["state"],
        )?;
        registry.register(Box::new(db_pool_connections.clone()))?;
        let push = counters(
            "tidings_push_total",
            "Web Push attempts by outcome (delivered, gone, retried, dropped, skipped)",
            "outcome",
        )?;
        for outcome in PushOutcome::ALL {
            push.with_label_values(&[outcome.as_str()]);
        }
        Ok(Metrics {
            push,
            http_requests: counters(
                "tidings_http_requests_total",
                "HTTP requests answered, by status code",
                "status",
            )?,
            inbound_accepted: per_channel(
                "tidings_inbound_accepted_total",
                "Inbound updates stored (acknowledged to the messenger)",
            )?,
            inbound_applied: per_channel(
                "tidings_inbound_applied_total",
                "Inbound updates applied to chats",
            )?,
            inbound_write_failures: counter(
                "tidings_inbound_write_failures_total",
                "Times the inbound writer could not write (the database unreachable, a full disk) and tried again",
            )?,
            outbound_sent: per_channel(
                "tidings_outbound_sent_total",
                "Messages delivered to a messenger",
            )?,
            outbound_failed: per_channel(
                "tidings_outbound_failed_total",
                "Messages that failed for good",
            )?,
            inbound_backlog: gauge(
                "tidings_inbound_backlog",
                "Inbound updates stored but not applied yet (pending or kept as failed)",
            )?,
            outbound_pending: gauge("tidings_outbound_pending", "Messages waiting to be sent")?,
            live_sockets: gauge("tidings_live_sockets", "Open live sockets")?,
            push_pending: gauge(
                "tidings_push_pending",
                "Web Push notifications waiting to be sent (due or retrying)",
            )?,
            resident_memory: gauge(
                "process_resident_memory_bytes",
                "Resident memory of this process in bytes",
            )?,
            db_pool_connections,
            registry,
        })
    }

    pub fn count_response(&self, status: u16) {
        self.http_requests
            .with_label_values(&[status.to_string()])
            .inc();
    }

    pub fn count_accepted(&self, channel: Channel) {
        self.inbound_accepted
            .with_label_values(&[channel.as_str()])
            .inc();
    }

    pub fn count_applied(&self, channel: Channel) {
        self.inbound_applied
            .with_label_values(&[channel.as_str()])
            .inc();
    }

    /// The inbound writer could not write and tries again shortly: what it
    /// was given stays kept (or its webhooks were answered 503).
    pub fn count_write_failure(&self) {
        self.inbound_write_failures.inc();
    }

    pub fn count_sent(&self, channel: Channel) {
        self.outbound_sent
            .with_label_values(&[channel.as_str()])
            .inc();
    }

    pub fn count_failed(&self, channel: Channel) {
        self.outbound_failed
            .with_label_values(&[channel.as_str()])
            .inc();
    }

    pub fn count_push(&self, outcome: PushOutcome) {
        self.push.with_label_values(&[outcome.as_str()]).inc();
    }

    /// The text exposition of every metric, gauges set from `now`.
    pub fn render(&self, now: Snapshot) -> Result<String, MetricsError> {
        self.inbound_backlog.set(now.inbound_backlog);
        self.outbound_pending.set(now.outbound_pending);
        self.push_pending.set(now.push_pending);
        self.live_sockets
            .set(i64::try_from(now.live_sockets).unwrap_or(i64::MAX));
        self.db_pool_connections
            .with_label_values(&["idle"])
            .set(i64::from(now.pool_idle));
        self.db_pool_connections
            .with_label_values(&["in_use"])
            .set(i64::from(now.pool_in_use));
        self.resident_memory
            .set(i64::try_from(now.resident_memory_bytes).unwrap_or(i64::MAX));
        Ok(TextEncoder::new().encode_to_string(&self.registry.gather())?)
    }
}

/// This process's resident memory (Linux: `VmRSS` of `/proc/self/status`;
/// 0 where there is no such file).
pub fn resident_memory_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| vm_rss_bytes(&status))
        .unwrap_or(0)
}

fn vm_rss_bytes(status: &str) -> Option<u64> {
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resident_memory_is_read_from_vm_rss() {
        let status = "Name:\ttidings\nVmPeak:\t  9000 kB\nVmRSS:\t    2048 kB\nThreads:\t4\n";
        assert_eq!(vm_rss_bytes(status), Some(2048 * 1024));
        assert_eq!(vm_rss_bytes("Name:\ttidings\n"), None);
    }

    #[test]
    fn every_contract_metric_is_exposed_in_text_format() {
        let metrics = Metrics::new().expect("the metrics register");
        metrics.count_response(200);
        metrics.count_accepted(Channel::Telegram);
        metrics.count_push(PushOutcome::Gone);
        metrics.count_write_failure();
        let text = metrics
            .render(Snapshot {
                inbound_backlog: 3,
                pool_idle: 2,
                ..Snapshot::default()
            })
            .expect("renders");
        for line in [
            "tidings_http_requests_total{status=\"200\"} 1",
            "tidings_inbound_accepted_total{channel=\"telegram\"} 1",
            "tidings_inbound_applied_total{channel=\"viber\"} 0",
            "tidings_outbound_sent_total{channel=\"telegram\"} 0",
            "tidings_outbound_failed_total{channel=\"viber\"} 0",
            "tidings_inbound_backlog 3",
            "tidings_inbound_write_failures_total 1",
            "tidings_outbound_pending 0",
            "tidings_live_sockets 0",
            "tidings_push_total{outcome=\"gone\"} 1",
            "tidings_push_total{outcome=\"delivered\"} 0",
            "tidings_push_pending 0",
            "tidings_db_pool_connections{state=\"idle\"} 2",
            "tidings_db_pool_connections{state=\"in_use\"} 0",
            "# TYPE process_resident_memory_bytes gauge",
        ] {
            assert!(text.contains(line), "{line} missing from:\n{text}");
        }
    }
}
