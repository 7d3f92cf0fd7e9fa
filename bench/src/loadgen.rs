//! Load generation. Fixed rates are OPEN LOOP: request `i` is due at
//! `start + i / rate` and goes out then whether or not earlier ones were
//! answered, and its latency counts from that due time (so a server that falls
//! behind is charged for the queue it builds; no coordinated omission).
//! Saturation is closed loop: `concurrency` senders, each sending its next
//! request as soon as the previous one is answered.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use indicatif::ProgressBar;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::stats::Latencies;

/// What one load phase measured.
#[derive(Clone)]
pub struct Phase {
    /// Offered requests per second; `None` at saturation.
    pub offered: Option<f64>,
    pub sent: u64,
    /// Answered 200.
    pub ok: u64,
    pub failed: u64,
    /// From the first due time to the last answer.
    pub elapsed: Duration,
    /// Of every request, answered or failed.
    pub latencies: Latencies,
}

impl Phase {
    /// Requests answered 200 per second of the phase.
    pub fn accepted_per_s(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.ok as f64 / secs
        } else {
            0.0
        }
    }

    pub fn label(&self) -> String {
        match self.offered {
            Some(rate) => format!("{rate:.0}/s"),
            None => "saturation".to_owned(),
        }
    }
}

/// Sends `count` requests at `rate` per second. `fire(i)` starts request `i`
/// and resolves to whether it was answered 200. At most `max_in_flight` are
/// outstanding (a safety cap; latency still counts from the due time).
pub async fn open_loop<F, Fut>(
    rate: f64,
    count: usize,
    max_in_flight: usize,
    bar: &ProgressBar,
    fire: F,
) -> Phase
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = bool> + Send + 'static,
{
    open_loop_while(rate, max_in_flight, bar, |i| i < count, fire).await
}

/// [`open_loop`] that sends request `i` only while `more(i)` holds (asked
/// when request `i - 1` went out), e.g. until something beside it has finished.
pub async fn open_loop_while<M, F, Fut>(
    rate: f64,
    max_in_flight: usize,
    bar: &ProgressBar,
    more: M,
    fire: F,
) -> Phase
where
    M: Fn(usize) -> bool,
    F: Fn(usize) -> Fut,
    Fut: Future<Output = bool> + Send + 'static,
{
    let permits = Arc::new(Semaphore::new(max_in_flight.max(1)));
    let mut tasks = JoinSet::new();
    let mut phase = Phase {
        offered: Some(rate),
        sent: 0,
        ok: 0,
        failed: 0,
        elapsed: Duration::ZERO,
        latencies: Latencies::new(),
    };
    let tally = |phase: &mut Phase, (latency, ok): (Duration, bool)| {
        phase.latencies.record(latency);
        if ok {
            phase.ok += 1;
        } else {
            phase.failed += 1;
        }
        bar.inc(1);
    };
    let start = Instant::now() + Duration::from_millis(5);
    for i in 0.. {
        if !more(i) {
            break;
        }
        let due = start + Duration::from_secs_f64(i as f64 / rate);
        tokio::time::sleep_until(due).await;
        let permit = permits
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        let request = fire(i);
        phase.sent += 1;
        tasks.spawn(async move {
            let ok = request.await;
            drop(permit);
            (due.elapsed(), ok)
        });
        while let Some(done) = tasks.try_join_next() {
            tally(&mut phase, done.unwrap_or((Duration::ZERO, false)));
        }
    }
    while let Some(done) = tasks.join_next().await {
        tally(&mut phase, done.unwrap_or((Duration::ZERO, false)));
    }
    phase.elapsed = start.elapsed();
    phase
}

/// `concurrency` closed-loop senders for `duration` (or until `limit`
/// requests were started).
pub async fn saturate<F, Fut>(
    concurrency: usize,
    duration: Duration,
    limit: Option<usize>,
    bar: &ProgressBar,
    fire: F,
) -> Phase
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = bool> + Send + 'static,
{
    let fire = Arc::new(fire);
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let deadline = start + duration;
    let limit = limit.unwrap_or(usize::MAX);
    let mut senders = JoinSet::new();
    for _ in 0..concurrency.max(1) {
        let fire = fire.clone();
        let next = next.clone();
        let bar = bar.clone();
        senders.spawn(async move {
            let mut latencies = Latencies::new();
            let (mut ok, mut failed) = (0u64, 0u64);
            while Instant::now() < deadline {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= limit {
                    break;
                }
                let sent = Instant::now();
                if fire(i).await {
                    ok += 1;
                } else {
                    failed += 1;
                }
                latencies.record(sent.elapsed());
                bar.inc(1);
            }
            (latencies, ok, failed)
        });
    }
    let mut phase = Phase {
        offered: None,
        sent: 0,
        ok: 0,
        failed: 0,
        elapsed: Duration::ZERO,
        latencies: Latencies::new(),
    };
    while let Some(done) = senders.join_next().await {
        if let Ok((latencies, ok, failed)) = done {
            phase.latencies.merge(&latencies);
            phase.ok += ok;
            phase.failed += failed;
        }
    }
    phase.sent = phase.ok + phase.failed;
    phase.elapsed = start.elapsed();
    phase
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn open_loop_keeps_its_schedule_when_answers_are_slow() {
        let started = std::time::Instant::now();
        let phase = open_loop(100.0, 20, 100, &ProgressBar::hidden(), |_| async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            true
        })
        .await;
        // 20 requests due over 190 ms, each taking 300 ms: about 0.5 s in
        // total, not 20 x 300 ms as a closed loop would take.
        assert!(started.elapsed() < Duration::from_secs(2));
        assert_eq!((phase.sent, phase.ok), (20, 20));
        assert!(phase.latencies.ms(0.5) >= 300.0);
    }

    #[tokio::test]
    async fn saturation_stops_at_its_limit() {
        let phase = saturate(
            4,
            Duration::from_secs(5),
            Some(10),
            &ProgressBar::hidden(),
            |i| async move { i % 2 == 0 },
        )
        .await;
        assert_eq!((phase.sent, phase.ok, phase.failed), (10, 5, 5));
    }
}
