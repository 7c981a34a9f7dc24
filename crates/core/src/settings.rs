//! Settings every backend honours, validated before any request is made.

use std::time::Duration;

use crate::error::SettingsError;

/// The most retries a job may be given; more only hides a dead server.
pub const MAX_RETRIES: u32 = 20;

/// How a run behaves. Build with [`Settings::default`] and the `with_*`
/// methods; backends call [`Settings::validate`] when they are built, so a bad
/// value is reported before any request.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Settings {
    /// Most requests in flight at once (the seed's `max_workers`). At least 1.
    pub concurrency: usize,
    /// Longest wait for a TCP connection.
    pub connect_timeout: Duration,
    /// Longest wait for the next bytes (headers or body) once connected.
    pub read_timeout: Duration,
    /// Longest time one attempt may take, headers and whole body.
    pub total_timeout: Duration,
    /// How many times a transient failure is retried (so at most
    /// `retries + 1` attempts). Connect errors, resets, timeouts, 429 and 5xx
    /// are transient; 404 and other 4xx are not.
    pub retries: u32,
    /// Delay before the first retry; doubles each retry, with jitter.
    pub backoff_base: Duration,
    /// Longest delay between retries, also the cap on a `Retry-After` wait.
    pub backoff_max: Duration,
    /// Largest body accepted, in bytes; larger bodies fail as too large.
    pub max_body_bytes: u64,
    /// The `User-Agent` header sent with every request.
    pub user_agent: String,
    /// Download again files that are already complete on disk.
    pub overwrite: bool,
    /// Seed for the retry jitter, so a run can be repeated exactly.
    pub jitter_seed: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            concurrency: 20,
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
            total_timeout: Duration::from_secs(300),
            retries: 3,
            backoff_base: Duration::from_millis(100),
            backoff_max: Duration::from_secs(10),
            max_body_bytes: 4 << 30,
            user_agent: concat!("fetchlab/", env!("CARGO_PKG_VERSION")).to_owned(),
            overwrite: false,
            jitter_seed: 0x5eed,
        }
    }
}

impl Settings {
    /// Sets the concurrency limit.
    pub fn with_concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency;
        self
    }

    /// Sets the number of retries for transient failures.
    pub fn with_retries(mut self, retries: u32) -> Self {
        self.retries = retries;
        self
    }

    /// Sets the connect, read and total timeouts.
    pub fn with_timeouts(mut self, connect: Duration, read: Duration, total: Duration) -> Self {
        self.connect_timeout = connect;
        self.read_timeout = read;
        self.total_timeout = total;
        self
    }

    /// Sets the first and the largest backoff delay between retries.
    pub fn with_backoff(mut self, base: Duration, max: Duration) -> Self {
        self.backoff_base = base;
        self.backoff_max = max;
        self
    }

    /// Sets the largest body accepted, in bytes.
    pub fn with_max_body_bytes(mut self, max: u64) -> Self {
        self.max_body_bytes = max;
        self
    }

    /// Sets whether complete files are downloaded again.
    pub fn with_overwrite(mut self, overwrite: bool) -> Self {
        self.overwrite = overwrite;
        self
    }

    /// Checks every value; the first bad one is returned.
    pub fn validate(&self) -> Result<(), SettingsError> {
        if self.concurrency == 0 {
            return Err(SettingsError::ZeroConcurrency);
        }
        for (which, timeout) in [
            ("connect", self.connect_timeout),
            ("read", self.read_timeout),
            ("total", self.total_timeout),
        ] {
            if timeout.is_zero() {
                return Err(SettingsError::ZeroTimeout { which });
            }
        }
        if self.retries > MAX_RETRIES {
            return Err(SettingsError::TooManyRetries {
                got: self.retries,
                max: MAX_RETRIES,
            });
        }
        if self.max_body_bytes == 0 {
            return Err(SettingsError::ZeroMaxBody);
        }
        if self.user_agent.is_empty() || !self.user_agent.bytes().all(|b| (0x20..0x7f).contains(&b))
        {
            return Err(SettingsError::BadUserAgent);
        }
        Ok(())
    }

    /// Like [`Settings::validate`], and also refuses a concurrency above a
    /// backend's `ceiling`, naming the backend and the reason.
    pub fn validate_for(
        &self,
        backend: &'static str,
        ceiling: usize,
        reason: &str,
    ) -> Result<(), SettingsError> {
        self.validate()?;
        if self.concurrency > ceiling {
            return Err(SettingsError::ConcurrencyTooHigh {
                requested: self.concurrency,
                ceiling,
                backend,
                reason: reason.to_owned(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        Settings::default().validate().unwrap();
    }

    #[test]
    fn bad_values_are_named() {
        let s = Settings::default();
        assert_eq!(
            s.clone().with_concurrency(0).validate(),
            Err(SettingsError::ZeroConcurrency)
        );
        let zero = Duration::ZERO;
        let one = Duration::from_secs(1);
        assert_eq!(
            s.clone().with_timeouts(one, zero, one).validate(),
            Err(SettingsError::ZeroTimeout { which: "read" })
        );
        assert!(matches!(
            s.clone().with_retries(MAX_RETRIES + 1).validate(),
            Err(SettingsError::TooManyRetries { .. })
        ));
        assert_eq!(
            s.clone().with_max_body_bytes(0).validate(),
            Err(SettingsError::ZeroMaxBody)
        );
        let mut agent = s.clone();
        agent.user_agent = "bad\nagent".into();
        assert_eq!(agent.validate(), Err(SettingsError::BadUserAgent));
        assert!(matches!(
            s.with_concurrency(10)
                .validate_for("threads", 5, "too many threads"),
            Err(SettingsError::ConcurrencyTooHigh { ceiling: 5, .. })
        ));
    }
}
