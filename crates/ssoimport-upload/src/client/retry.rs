//! What to retry and how long to wait: exponential backoff with jitter, `retry-after`, and the verdict on an
//! answer.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use super::time::parse_http_date;

/// How often and how patiently a request is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (at least 1).
    pub max_attempts: u32,
    /// The wait before the first retry; each retry doubles it (with jitter), up to `max_delay`.
    pub base_delay: Duration,
    /// The longest wait between two attempts, whatever the backoff says.
    pub max_delay: Duration,
    /// The longest `retry-after` honoured; a server asking for more is waited for this long.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    /// 10 attempts, 200 ms doubling up to 20 s, `retry-after` up to 5 minutes.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(20),
            max_retry_after: Duration::from_secs(300),
        }
    }
}

impl RetryPolicy {
    /// The wait after failed attempt number `attempt` (1 = the first attempt failed): `base · 2^(attempt-1)`,
    /// capped at `max_delay`, then scaled by a factor in `[0.5, 1.0)` taken from `jitter` (a number in `[0, 1)`), so
    /// that clients that failed together do not retry together.
    pub fn backoff(&self, attempt: u32, jitter: f64) -> Duration {
        let exp = attempt.saturating_sub(1).min(30);
        let raw = self.base_delay.saturating_mul(1u32 << exp).min(self.max_delay);
        raw.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
    }

    /// The wait before the next attempt: the server's `retry-after` (capped) when it gave one, and never less
    /// than the backoff.
    pub fn wait(&self, attempt: u32, jitter: f64, retry_after: Option<Duration>) -> Duration {
        let backoff = self.backoff(attempt, jitter);
        match retry_after {
            Some(after) => after.min(self.max_retry_after).max(backoff),
            None => backoff,
        }
    }
}

/// Parses a `retry-after` value: delta seconds (`120`) or an HTTP date, relative to `now`. A date in the past
/// means "now" (zero).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Duration::from_secs(value.parse::<u64>().unwrap_or(u64::MAX)));
    }
    if let Ok(secs) = value.parse::<f64>()
        && secs.is_finite()
        && secs >= 0.0
    {
        return Some(Duration::from_secs_f64(secs.min(1e9)));
    }
    let at = parse_http_date(value)?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// What to do about an answer that is not a success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Transient: wait and send again.
    Retry,
    /// 401: get a new token and send again (once).
    Reauthenticate,
    /// Permanent: give up with the server's message.
    Fail,
}

/// The verdict on an HTTP status and the goa error flags (`temporary`, `timeout`) of its body, if it had one.
pub(crate) fn classify(status: u16, temporary: bool, timeout: bool) -> Verdict {
    match status {
        401 => Verdict::Reauthenticate,
        408 | 429 => Verdict::Retry,
        500..=599 => Verdict::Retry,
        _ if temporary || timeout => Verdict::Retry,
        _ => Verdict::Fail,
    }
}

/// A small, lock-free source of jitter (splitmix64 over a counter seeded from the clock).
#[derive(Debug)]
pub(crate) struct Jitter(AtomicU64);

impl Jitter {
    pub(crate) fn new() -> Self {
        let seed = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x5EED)
            ^ u64::from(std::process::id()).rotate_left(32);
        Jitter(AtomicU64::new(seed))
    }

    /// A number in `[0, 1)`.
    pub(crate) fn next(&self) -> f64 {
        let mut z = self
            .0
            .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
            .wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let p = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(2),
            max_retry_after: Duration::from_secs(60),
        };
        assert_eq!(p.backoff(1, 0.0), Duration::from_millis(50));
        assert_eq!(p.backoff(2, 0.0), Duration::from_millis(100));
        assert_eq!(p.backoff(3, 0.0), Duration::from_millis(200));
        assert_eq!(p.backoff(5, 0.0), Duration::from_millis(800));
        assert_eq!(p.backoff(6, 0.0), Duration::from_secs(1));
        assert_eq!(p.backoff(100, 0.0), Duration::from_secs(1));
        assert!(p.backoff(100, 0.99) < Duration::from_secs(2));
        for attempt in 1..20 {
            let lo = p.backoff(attempt, 0.0);
            let hi = p.backoff(attempt, 0.999);
            assert!(lo <= hi && hi <= p.max_delay);
        }
        // retry-after wins when longer, is capped, and never shortens the backoff.
        assert_eq!(
            p.wait(1, 0.0, Some(Duration::from_secs(3))),
            Duration::from_secs(3)
        );
        assert_eq!(
            p.wait(1, 0.0, Some(Duration::from_secs(600))),
            Duration::from_secs(60)
        );
        assert_eq!(p.wait(3, 0.0, Some(Duration::ZERO)), Duration::from_millis(200));
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(parse_retry_after("1", now), Some(Duration::from_secs(1)));
        assert_eq!(parse_retry_after(" 120 ", now), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after("0", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("1.5", now), Some(Duration::from_millis(1500)));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("", now), None);
        assert_eq!(parse_retry_after("-3", now), None);
        assert_eq!(parse_retry_after("later", now), None);
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(Duration::from_secs(u64::MAX))
        );
    }

    #[test]
    fn what_is_retried() {
        assert_eq!(classify(429, false, false), Verdict::Retry);
        assert_eq!(classify(500, false, false), Verdict::Retry);
        assert_eq!(classify(502, false, false), Verdict::Retry);
        assert_eq!(classify(503, true, false), Verdict::Retry);
        assert_eq!(classify(408, false, false), Verdict::Retry);
        assert_eq!(classify(400, true, false), Verdict::Retry);
        assert_eq!(classify(422, false, true), Verdict::Retry);
        assert_eq!(classify(401, false, false), Verdict::Reauthenticate);
        for status in [400, 403, 404, 409, 413, 422, 423] {
            assert_eq!(classify(status, false, false), Verdict::Fail, "{status}");
        }
    }

    #[test]
    fn jitter_is_in_range() {
        let j = Jitter::new();
        let draws: Vec<f64> = (0..1000).map(|_| j.next()).collect();
        assert!(draws.iter().all(|x| (0.0..1.0).contains(x)));
        assert!(draws.iter().any(|x| *x < 0.2) && draws.iter().any(|x| *x > 0.8));
    }
}
