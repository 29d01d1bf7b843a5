//! When to try the relay again after losing it: delays that double from
//! [`MIN_MS`] to [`MAX_MS`], and start over once the relay welcomed the tab.

/// The first delay.
pub const MIN_MS: u32 = 500;
/// The longest delay.
pub const MAX_MS: u32 = 8_000;

/// The reconnect delays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backoff {
    next_ms: u32,
}

impl Backoff {
    /// Starts at [`MIN_MS`].
    pub fn new() -> Backoff {
        Backoff { next_ms: MIN_MS }
    }

    /// The delay before the next try; the one after is twice as long.
    pub fn next_delay(&mut self) -> u32 {
        let delay = self.next_ms;
        self.next_ms = (self.next_ms * 2).min(MAX_MS);
        delay
    }

    /// The relay answered: the next loss waits [`MIN_MS`] again.
    pub fn reset(&mut self) {
        self.next_ms = MIN_MS;
    }
}

impl Default for Backoff {
    fn default() -> Backoff {
        Backoff::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_cap_and_start_over_after_a_welcome() {
        let mut b = Backoff::new();
        let delays: Vec<u32> = (0..7).map(|_| b.next_delay()).collect();
        assert_eq!(delays, vec![500, 1000, 2000, 4000, 8000, 8000, 8000]);
        b.reset();
        assert_eq!(b.next_delay(), MIN_MS);
    }
}
