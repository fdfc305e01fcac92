//! What the API transport and the token endpoint share about retrying: how long to wait
//! between attempts, how to put a failed send into words, and how to read a reply body that
//! is not clean UTF-8.

use std::time::Duration;

use serde_json::Value;

use crate::crm::error::{secs, Problem};
use crate::crm::CrmError;

const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// The longest Retry-After we will sit through; longer means the daily credits are gone.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);

/// How often and how patiently to retry.
pub struct Backoff {
    pub max_retries: u32,
    base: Duration,
    /// The per-request timeout, to say how long we waited when one ran out.
    pub timeout: Duration,
}

impl Backoff {
    pub fn new(max_retries: u32, base: Duration, timeout: Duration) -> Backoff {
        Backoff { max_retries, base, timeout }
    }

    /// How long making a connection may take (the client is built with this).
    pub fn connect_timeout(&self) -> Duration {
        self.timeout.min(Duration::from_secs(10))
    }

    /// After failed attempt `attempt` (counted from 0) of `endpoint`: how long to wait before
    /// the next one, or the error to give up with — retries used up, or a Retry-After longer
    /// than is worth sitting through.
    pub fn next(
        &self,
        endpoint: &str,
        attempt: u32,
        problem: Problem,
        retry_after: Option<Duration>,
    ) -> Result<Duration, CrmError> {
        let give_up =
            |problem| CrmError::Unavailable { endpoint: endpoint.to_string(), problem, attempts: attempt + 1 };
        if attempt >= self.max_retries {
            return Err(give_up(problem));
        }
        match retry_after {
            Some(ra) if ra > MAX_RETRY_AFTER => Err(give_up(Problem::CreditsUsedUp { wait: ra })),
            Some(ra) => Ok(ra),
            None => Ok(self.wait(attempt)),
        }
    }

    /// Exponential backoff with jitter: a random wait in [base·2^attempt / 2, base·2^attempt], capped.
    /// The jitter comes from `fastrand` (seeded per thread from the system), so two processes
    /// retrying together draw different waits; the loop around it stays hand-written in
    /// `next`, as Zoho's Retry-After and credit rules are ours to decide, not a retry crate's.
    pub fn wait(&self, attempt: u32) -> Duration {
        let ceiling = self.base.saturating_mul(1u32 << attempt.min(16)).min(MAX_BACKOFF);
        ceiling.mul_f64(0.5 + fastrand::f64() / 2.0)
    }

    /// A send or body read that failed, in words (reqwest's own Display says only "error
    /// sending request").
    pub fn problem(&self, e: &reqwest::Error) -> Problem {
        if e.is_connect() && e.is_timeout() {
            Problem::CannotConnect(format!("no connection within {}", secs(self.connect_timeout())))
        } else if e.is_timeout() {
            Problem::TimedOut(self.timeout)
        } else if e.is_connect() {
            Problem::CannotConnect(root_cause(e))
        } else {
            Problem::Dropped
        }
    }
}

/// The innermost cause ("Connection refused (os error 111)"), which is what a person can act on.
fn root_cause(e: &reqwest::Error) -> String {
    let mut last = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(cause) = src {
        last = cause.to_string();
        src = cause.source();
    }
    // Never echo a URL, whatever layer put it in the message.
    if last.contains("://") {
        "connection failed".into()
    } else {
        last
    }
}

/// Parses a JSON body. Bytes that are not UTF-8 (one bad record in a page) are replaced with
/// U+FFFD instead of failing the whole reply; the second value says whether that happened.
pub fn json_lossy(bytes: &[u8]) -> Result<(Value, bool), serde_json::Error> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(v) => Ok((v, false)),
        Err(e) => match std::str::from_utf8(bytes) {
            // Valid UTF-8 and still not JSON: really garbled.
            Ok(_) => Err(e),
            Err(_) => serde_json::from_str::<Value>(&String::from_utf8_lossy(bytes)).map(|v| (v, true)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_in_one_string_spoils_only_that_string() {
        let body = b"{\"data\":[{\"id\":\"1\",\"Last_Name\":\"Ca\xfe\"},{\"id\":\"2\",\"Last_Name\":\"Ok\"}]}";
        let (v, lossy) = json_lossy(body).unwrap();
        assert!(lossy);
        assert_eq!(v["data"][0]["Last_Name"], "Ca\u{FFFD}");
        assert_eq!(v["data"][1]["Last_Name"], "Ok");
        assert!(json_lossy(b"{\"data\":[").is_err());
    }

    #[test]
    fn backoff_stays_within_its_ceiling() {
        let b = Backoff::new(3, Duration::from_millis(100), Duration::from_secs(1));
        for attempt in 0..40 {
            let w = b.wait(attempt);
            assert!(w <= MAX_BACKOFF, "{w:?}");
        }
        assert!(b.wait(0) <= Duration::from_millis(100));
        // Never less than half the ceiling: a retry always backs off.
        assert!((0..200).all(|_| b.wait(0) >= Duration::from_millis(50)));
    }
}
