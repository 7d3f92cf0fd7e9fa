//! Latency recording (HDR histograms in microseconds) and process memory.

use std::time::Duration;

use hdrhistogram::Histogram;

/// Latencies of one phase, 1 µs to 10 min at 3 significant figures.
#[derive(Clone)]
pub struct Latencies {
    hist: Histogram<u64>,
}

impl Default for Latencies {
    fn default() -> Self {
        Latencies::new()
    }
}

impl Latencies {
    pub fn new() -> Latencies {
        Latencies {
            hist: Histogram::new_with_bounds(1, 600_000_000, 3)
                .expect("constant histogram bounds are valid"),
        }
    }

    pub fn record(&mut self, latency: Duration) {
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.hist.saturating_record(micros.max(1));
    }

    pub fn merge(&mut self, other: &Latencies) {
        // Both histograms have the same bounds, so adding cannot fail.
        let _ = self.hist.add(&other.hist);
    }

    pub fn count(&self) -> u64 {
        self.hist.len()
    }

    /// The quantile (0.5, 0.99, 0.999) in milliseconds; 0 when empty.
    pub fn ms(&self, quantile: f64) -> f64 {
        if self.hist.is_empty() {
            return 0.0;
        }
        self.hist.value_at_quantile(quantile) as f64 / 1000.0
    }

    pub fn max_ms(&self) -> f64 {
        self.hist.max() as f64 / 1000.0
    }
}

/// Resident set size of this process in KiB (`VmRSS` in /proc/self/status),
/// `None` where /proc is not there.
pub fn rss_kib() -> Option<u64> {
    rss_kib_of("self")
}

/// `VmRSS` of another process (`pid`) or of `"self"`, in KiB.
pub fn rss_kib_of(pid: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// KiB as MiB with one decimal.
pub fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_reported_in_milliseconds() {
        let mut latencies = Latencies::new();
        for ms in 1..=100 {
            latencies.record(Duration::from_millis(ms));
        }
        assert!((latencies.ms(0.5) - 50.0).abs() < 0.5);
        assert!((latencies.ms(0.99) - 99.0).abs() < 0.5);
        assert_eq!(latencies.count(), 100);
    }

    #[test]
    fn this_process_has_a_resident_set() {
        assert!(rss_kib().is_some_and(|kib| kib > 0));
    }
}
