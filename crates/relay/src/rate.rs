//! A token bucket: at most `rate` frames per second on average, bursts of
//! up to `burst`. Time is an argument, so the rule is tested without waiting.

use std::time::Instant;

/// Per-connection frame budget.
#[derive(Debug, Clone)]
pub struct Bucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: Instant,
}

impl Bucket {
    /// A full bucket.
    pub fn new(rate: u32, burst: u32, now: Instant) -> Bucket {
        let burst = f64::from(burst.max(1));
        Bucket {
            rate: f64::from(rate.max(1)),
            burst,
            tokens: burst,
            last: now,
        }
    }

    /// A full bucket of `per_minute` tokens a minute on average.
    pub fn per_minute(per_minute: u32, burst: u32, now: Instant) -> Bucket {
        Bucket {
            rate: f64::from(per_minute.max(1)) / 60.0,
            ..Bucket::new(1, burst, now)
        }
    }

    /// How long since a token was last taken (or asked for).
    pub fn idle(&self, now: Instant) -> std::time::Duration {
        now.saturating_duration_since(self.last)
    }

    /// Takes one token; false if the budget is spent.
    pub fn take(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_burst_is_allowed_then_the_rate_applies() {
        let t0 = Instant::now();
        let mut b = Bucket::new(10, 5, t0);
        assert!((0..5).all(|_| b.take(t0)));
        assert!(!b.take(t0));
        assert!(b.take(t0 + Duration::from_millis(100)));
        assert!(!b.take(t0 + Duration::from_millis(100)));
        // Idle time refills up to the burst, not beyond.
        let later = t0 + Duration::from_secs(60);
        assert_eq!((0..10).filter(|_| b.take(later)).count(), 5);
    }
}
