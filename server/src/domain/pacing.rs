//! Send pacing: messengers limit how fast a bot may send (Telegram: about 30
//! messages a second per bot, about one a second per chat with short bursts).
//! A sliding window over recent send times says how long to wait.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// At most `limit` sends within any `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub limit: usize,
    pub window: Duration,
}

/// Per bot: 30 a second.
pub const PER_BOT: Window = Window {
    limit: 30,
    window: Duration::from_secs(1),
};

/// Per chat: a burst of 3, then one a second on average.
pub const PER_CHAT: Window = Window {
    limit: 3,
    window: Duration::from_secs(3),
};

/// Sends are spaced as if every window were this much longer: requests can
/// reach the messenger closer together than they left us (one waited for a
/// connection, the next did not), and the messenger counts arrivals; a 429
/// costs far more than this.
pub const JITTER_MARGIN: Duration = Duration::from_millis(50);

/// Recent send times of one bot or chat, oldest first.
#[derive(Debug, Clone, Default)]
pub struct Recent(VecDeque<Instant>);

impl Recent {
    /// How long until one more send fits the window (zero: now).
    pub fn wait(&self, rule: Window, now: Instant) -> Duration {
        let in_window: Vec<&Instant> = self
            .0
            .iter()
            .filter(|at| now.saturating_duration_since(**at) < rule.window + JITTER_MARGIN)
            .collect();
        if in_window.len() < rule.limit {
            return Duration::ZERO;
        }
        // The oldest send that still counts must leave the window first.
        let oldest = in_window[in_window.len() - rule.limit];
        (*oldest + rule.window + JITTER_MARGIN).saturating_duration_since(now)
    }

    pub fn record(&mut self, at: Instant, rule: Window) {
        self.0.push_back(at);
        while self.0.len() > rule.limit {
            self.0.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chat_gets_a_short_burst_then_one_a_second() {
        let start = Instant::now();
        let mut recent = Recent::default();
        for n in 0..3 {
            let at = start + Duration::from_millis(n * 10);
            assert_eq!(recent.wait(PER_CHAT, at), Duration::ZERO);
            recent.record(at, PER_CHAT);
        }
        let fourth = start + Duration::from_millis(30);
        assert_eq!(recent.wait(PER_CHAT, fourth), Duration::from_millis(3_020));
        assert_eq!(
            recent.wait(PER_CHAT, start + Duration::from_millis(3_050)),
            Duration::ZERO
        );
    }

    #[test]
    fn a_bot_sends_at_most_thirty_a_second() {
        let start = Instant::now();
        let mut recent = Recent::default();
        for n in 0..30 {
            let at = start + Duration::from_millis(n);
            assert_eq!(recent.wait(PER_BOT, at), Duration::ZERO, "send {n}");
            recent.record(at, PER_BOT);
        }
        assert!(recent.wait(PER_BOT, start + Duration::from_millis(30)) > Duration::ZERO);
        assert_eq!(
            recent.wait(PER_BOT, start + Duration::from_millis(1_000)),
            JITTER_MARGIN
        );
        assert_eq!(
            recent.wait(PER_BOT, start + Duration::from_millis(1_050)),
            Duration::ZERO
        );
    }
}
