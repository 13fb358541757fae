//! The client-side rate limiter: at most N requests in any 60-second window, and a shared pause after a 429.

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// A sliding-window limiter shared by every request of a client: at most `limit` requests start within any
/// `window` (one minute for the per-minute limits Flexera documents), and after a 429 nobody sends until the
/// server's `retry-after` has passed.
#[derive(Debug)]
pub struct RateLimiter {
    state: Mutex<Window>,
}

#[derive(Debug)]
struct Window {
    limit: usize,
    period: Duration,
    sent: VecDeque<Instant>,
    paused_until: Option<Instant>,
}

impl Window {
    /// Takes a slot at `now`, or says when to ask again.
    fn reserve(&mut self, now: Instant) -> Result<(), Instant> {
        if let Some(until) = self.paused_until {
            if now < until {
                return Err(until);
            }
            self.paused_until = None;
        }
        while self
            .sent
            .front()
            .is_some_and(|&t| now.saturating_duration_since(t) >= self.period)
        {
            self.sent.pop_front();
        }
        if self.sent.len() < self.limit {
            self.sent.push_back(now);
            return Ok(());
        }
        match self.sent.front() {
            Some(&oldest) => Err(oldest + self.period),
            None => Ok(()),
        }
    }
}

impl RateLimiter {
    /// At most `per_minute` requests in any minute (at least 1).
    pub fn per_minute(per_minute: u32) -> Self {
        RateLimiter::new(per_minute, Duration::from_secs(60))
    }

    /// At most `limit` requests in any `window`.
    pub fn new(limit: u32, window: Duration) -> Self {
        RateLimiter {
            state: Mutex::new(Window {
                limit: limit.max(1) as usize,
                period: window,
                sent: VecDeque::new(),
                paused_until: None,
            }),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut Window) -> T) -> T {
        f(&mut self.state.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Takes a slot at `now` if one is free; otherwise the instant to try again.
    pub fn try_acquire_at(&self, now: Instant) -> Result<(), Instant> {
        self.with(|w| w.reserve(now))
    }

    /// Waits for a slot.
    pub async fn acquire(&self) {
        loop {
            match self.try_acquire_at(Instant::now()) {
                Ok(()) => return,
                Err(at) => tokio::time::sleep_until(at).await,
            }
        }
    }

    /// Holds every request back until `until` (after a 429 with `retry-after`).
    pub fn pause_until(&self, until: Instant) {
        self.with(|w| {
            if w.paused_until.is_none_or(|p| p < until) {
                w.paused_until = Some(until);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_more_than_the_limit_in_any_window() {
        let limiter = RateLimiter::new(5, Duration::from_secs(60));
        let t0 = Instant::now();
        for i in 0..5 {
            assert_eq!(limiter.try_acquire_at(t0 + Duration::from_secs(i)), Ok(()));
        }
        // The 6th waits for the first slot to leave the window.
        assert_eq!(
            limiter.try_acquire_at(t0 + Duration::from_secs(10)),
            Err(t0 + Duration::from_secs(60))
        );
        assert_eq!(limiter.try_acquire_at(t0 + Duration::from_secs(60)), Ok(()));
        assert_eq!(
            limiter.try_acquire_at(t0 + Duration::from_secs(60)),
            Err(t0 + Duration::from_secs(61))
        );

        // Simulate a client that always waits as told: count starts per sliding minute.
        let limiter = RateLimiter::new(400, Duration::from_secs(60));
        let mut now = t0;
        let mut starts = Vec::new();
        while starts.len() < 1000 {
            match limiter.try_acquire_at(now) {
                Ok(()) => starts.push(now),
                Err(at) => now = at,
            }
        }
        for (i, &s) in starts.iter().enumerate() {
            let in_window = starts[i..]
                .iter()
                .take_while(|&&t| t.duration_since(s) < Duration::from_secs(60))
                .count();
            assert!(in_window <= 400, "{in_window} requests within a minute");
        }
    }

    #[test]
    fn a_pause_holds_everyone_back() {
        let limiter = RateLimiter::per_minute(1000);
        let t0 = Instant::now();
        limiter.pause_until(t0 + Duration::from_secs(2));
        limiter.pause_until(t0 + Duration::from_secs(1)); // a shorter pause does not shorten the longer one
        assert_eq!(
            limiter.try_acquire_at(t0 + Duration::from_millis(500)),
            Err(t0 + Duration::from_secs(2))
        );
        assert_eq!(limiter.try_acquire_at(t0 + Duration::from_secs(2)), Ok(()));
    }

    #[test]
    fn acquire_waits_for_the_window() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        runtime.block_on(async {
            let limiter = RateLimiter::new(2, Duration::from_millis(100));
            let t0 = Instant::now();
            for _ in 0..5 {
                limiter.acquire().await;
            }
            // 5 requests at 2 per 100 ms need at least 200 ms.
            assert!(t0.elapsed() >= Duration::from_millis(200), "{:?}", t0.elapsed());
        });
    }
}
