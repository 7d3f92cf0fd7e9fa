//! Token buckets: how much one caller may ask for, with bursts. Pure: the
//! caller says what time it is.

use std::time::{Duration, Instant};

/// Holds up to `capacity` tokens and gains `per_second` a second; each request
/// takes its cost or is refused with how long until it would fit.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    capacity: f64,
    per_second: f64,
    tokens: f64,
    updated: Instant,
}

impl TokenBucket {
    /// A full bucket.
    pub fn new(capacity: u32, per_second: u32, now: Instant) -> TokenBucket {
        TokenBucket {
            capacity: f64::from(capacity),
            per_second: f64::from(per_second.max(1)),
            tokens: f64::from(capacity),
            updated: now,
        }
    }

    /// Takes `cost` tokens, or says how long until that many are there (a
    /// cost above the capacity is treated as the capacity).
    pub fn take(&mut self, cost: u32, now: Instant) -> Result<(), Duration> {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.capacity);
        self.updated = now;
        let cost = f64::from(cost).min(self.capacity);
        if self.tokens >= cost {
            self.tokens -= cost;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                (cost - self.tokens) / self.per_second,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_bucket_allows_its_burst_then_refuses_until_it_refills() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(5, 10, start);
        for n in 0..5 {
            assert_eq!(bucket.take(1, start), Ok(()), "request {n} of the burst");
        }
        let wait = bucket.take(1, start).expect_err("the burst is spent");
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_millis(100),
            "{wait:?}"
        );
        // 100 ms at 10 a second is one more token, no more.
        let later = start + Duration::from_millis(100);
        assert_eq!(bucket.take(1, later), Ok(()));
        assert!(bucket.take(1, later).is_err());
    }

    #[test]
    fn a_bucket_never_holds_more_than_its_capacity_and_costs_add_up() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(10, 1, start);
        let much_later = start + Duration::from_secs(3600);
        assert_eq!(bucket.take(8, much_later), Ok(()));
        assert!(
            bucket.take(3, much_later).is_err(),
            "two left, not an hour's worth"
        );
        assert_eq!(bucket.take(2, much_later), Ok(()));
        // A cost above the capacity waits for a full bucket instead of never fitting.
        let wait = bucket.take(50, much_later).expect_err("empty");
        assert_eq!(wait, Duration::from_secs(10));
    }

    #[test]
    fn time_going_backwards_adds_nothing() {
        let start = Instant::now() + Duration::from_secs(10);
        let mut bucket = TokenBucket::new(1, 1, start);
        assert_eq!(bucket.take(1, start), Ok(()));
        assert!(bucket.take(1, start - Duration::from_secs(5)).is_err());
    }
}
