//! Settings every backend honours: built through [`SettingsBuilder`], so a
//! [`Settings`] value is always valid.

use std::time::Duration;

use crate::error::SettingsError;

/// The most retries a job may be given; more only hides a dead server.
pub const MAX_RETRIES: u32 = 20;

/// The longest timeout or backoff accepted (one week). Longer ones are
/// refused, so that no backend can overflow `Instant + Duration`, and no
/// run waits for what is in effect forever.
pub const MAX_DURATION: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// The largest concurrency accepted (2²⁰). Backends may refuse less (see
/// [`Settings::check_ceiling`]); none can honour more.
pub const MAX_CONCURRENCY: usize = 1 << 20;

/// The largest body size limit accepted (1 TiB).
pub const MAX_BODY_BYTES: u64 = 1 << 40;

/// How a run behaves. Always valid: get one from [`Settings::default`] or
/// [`Settings::builder`]`…build()`, change one with
/// [`Settings::to_builder`]. Read it through its getters.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Settings {
    pub(crate) concurrency: usize,
    pub(crate) connect_timeout: Duration,
    pub(crate) read_timeout: Duration,
    pub(crate) total_timeout: Duration,
    pub(crate) retries: u32,
    pub(crate) backoff_base: Duration,
    pub(crate) backoff_max: Duration,
    pub(crate) max_body_bytes: u64,
    pub(crate) user_agent: String,
    pub(crate) overwrite: bool,
    pub(crate) jitter_seed: u64,
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
    /// A builder starting from the defaults.
    pub fn builder() -> SettingsBuilder {
        SettingsBuilder {
            settings: Self::default(),
        }
    }

    /// A builder starting from these settings.
    pub fn to_builder(&self) -> SettingsBuilder {
        SettingsBuilder {
            settings: self.clone(),
        }
    }

    /// Most requests in flight at once (the seed's `max_workers`). At least 1.
    pub fn concurrency(&self) -> usize {
        self.concurrency
    }

    /// Longest wait for a TCP connection.
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// Longest wait for the next bytes (head or body) once connected.
    pub fn read_timeout(&self) -> Duration {
        self.read_timeout
    }

    /// Longest time one attempt may take, head and whole body.
    pub fn total_timeout(&self) -> Duration {
        self.total_timeout
    }

    /// How many times a transient failure is retried (so at most
    /// `retries + 1` attempts). Connect errors, resets, timeouts, 429 and
    /// 5xx are transient; 404 and other 4xx are not.
    pub fn retries(&self) -> u32 {
        self.retries
    }

    /// Delay before the first retry; doubles each retry, with jitter.
    pub fn backoff_base(&self) -> Duration {
        self.backoff_base
    }

    /// Longest delay between retries, also the cap on a `Retry-After` wait.
    pub fn backoff_max(&self) -> Duration {
        self.backoff_max
    }

    /// Largest body accepted, in bytes; larger bodies fail as too large.
    pub fn max_body_bytes(&self) -> u64 {
        self.max_body_bytes
    }

    /// The `User-Agent` header sent with every request.
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }

    /// Whether files already complete in the store are downloaded again.
    pub fn overwrite(&self) -> bool {
        self.overwrite
    }

    /// Seed for the retry jitter, so a run can be repeated exactly.
    pub fn jitter_seed(&self) -> u64 {
        self.jitter_seed
    }

    /// Refuses a concurrency above a backend's `ceiling`, naming the
    /// backend and the reason. Backends with a ceiling call it when built.
    pub fn check_ceiling(
        &self,
        backend: &'static str,
        ceiling: usize,
        reason: &str,
    ) -> Result<(), SettingsError> {
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

    fn validate(&self) -> Result<(), SettingsError> {
        if self.concurrency == 0 {
            return Err(SettingsError::ZeroConcurrency);
        }
        if self.concurrency > MAX_CONCURRENCY {
            return Err(SettingsError::ConcurrencyTooHigh {
                requested: self.concurrency,
                ceiling: MAX_CONCURRENCY,
                backend: "fetchlab",
                reason: "no backend can keep more requests in flight".to_owned(),
            });
        }
        for (which, timeout) in [
            ("connect timeout", self.connect_timeout),
            ("read timeout", self.read_timeout),
            ("total timeout", self.total_timeout),
        ] {
            if timeout.is_zero() {
                return Err(SettingsError::ZeroTimeout { which });
            }
        }
        for (which, duration) in [
            ("connect timeout", self.connect_timeout),
            ("read timeout", self.read_timeout),
            ("total timeout", self.total_timeout),
            ("backoff base", self.backoff_base),
            ("backoff maximum", self.backoff_max),
        ] {
            if duration > MAX_DURATION {
                return Err(SettingsError::DurationTooLong {
                    which,
                    got: duration,
                    max: MAX_DURATION,
                });
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
        if self.max_body_bytes > MAX_BODY_BYTES {
            return Err(SettingsError::MaxBodyTooLarge {
                got: self.max_body_bytes,
                max: MAX_BODY_BYTES,
            });
        }
        if self.user_agent.is_empty() || !self.user_agent.bytes().all(|b| (0x20..0x7f).contains(&b))
        {
            return Err(SettingsError::BadUserAgent);
        }
        Ok(())
    }
}

/// Builds [`Settings`]; [`SettingsBuilder::build`] checks every value, so
/// only valid settings come out.
///
/// ```
/// use std::time::Duration;
/// let settings = fetchlab_core::Settings::builder()
///     .concurrency(20)
///     .retries(2)
///     .read_timeout(Duration::from_secs(5))
///     .build()?;
/// assert_eq!(settings.concurrency(), 20);
/// # Ok::<(), fetchlab_core::SettingsError>(())
/// ```
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until built"]
pub struct SettingsBuilder {
    settings: Settings,
}

impl SettingsBuilder {
    /// Most requests in flight at once: 1 to [`MAX_CONCURRENCY`].
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.settings.concurrency = concurrency;
        self
    }

    /// Retries for transient failures: 0 to [`MAX_RETRIES`].
    pub fn retries(mut self, retries: u32) -> Self {
        self.settings.retries = retries;
        self
    }

    /// The connect, read and total timeouts, each above zero and at most
    /// [`MAX_DURATION`].
    pub fn timeouts(self, connect: Duration, read: Duration, total: Duration) -> Self {
        self.connect_timeout(connect)
            .read_timeout(read)
            .total_timeout(total)
    }

    /// Longest wait for a TCP connection.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.settings.connect_timeout = timeout;
        self
    }

    /// Longest wait for the next bytes once connected.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.settings.read_timeout = timeout;
        self
    }

    /// Longest time one attempt may take.
    pub fn total_timeout(mut self, timeout: Duration) -> Self {
        self.settings.total_timeout = timeout;
        self
    }

    /// The first and the largest backoff delay between retries, each at
    /// most [`MAX_DURATION`].
    pub fn backoff(mut self, base: Duration, max: Duration) -> Self {
        self.settings.backoff_base = base;
        self.settings.backoff_max = max;
        self
    }

    /// The largest body accepted, in bytes: 1 to [`MAX_BODY_BYTES`].
    pub fn max_body_bytes(mut self, max: u64) -> Self {
        self.settings.max_body_bytes = max;
        self
    }

    /// The `User-Agent` header: visible ASCII, not empty.
    pub fn user_agent(mut self, agent: impl Into<String>) -> Self {
        self.settings.user_agent = agent.into();
        self
    }

    /// Whether complete files are downloaded again.
    pub fn overwrite(mut self, overwrite: bool) -> Self {
        self.settings.overwrite = overwrite;
        self
    }

    /// The seed of the retry jitter.
    pub fn jitter_seed(mut self, seed: u64) -> Self {
        self.settings.jitter_seed = seed;
        self
    }

    /// The settings, if every value is valid; else the first bad one.
    pub fn build(self) -> Result<Settings, SettingsError> {
        self.settings.validate()?;
        Ok(self.settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        assert_eq!(Settings::builder().build(), Ok(Settings::default()));
    }

    #[test]
    fn bad_values_are_named() {
        let b = Settings::builder;
        assert_eq!(
            b().concurrency(0).build(),
            Err(SettingsError::ZeroConcurrency)
        );
        let zero = Duration::ZERO;
        let one = Duration::from_secs(1);
        assert_eq!(
            b().timeouts(one, zero, one).build(),
            Err(SettingsError::ZeroTimeout {
                which: "read timeout"
            })
        );
        assert_eq!(
            b().retries(MAX_RETRIES + 1).build(),
            Err(SettingsError::TooManyRetries {
                got: MAX_RETRIES + 1,
                max: MAX_RETRIES
            })
        );
        assert_eq!(
            b().max_body_bytes(0).build(),
            Err(SettingsError::ZeroMaxBody)
        );
        assert_eq!(
            b().user_agent("bad\nagent").build(),
            Err(SettingsError::BadUserAgent)
        );
        let settings = b().concurrency(10).build().unwrap();
        assert!(matches!(
            settings.check_ceiling("threads", 5, "too many threads"),
            Err(SettingsError::ConcurrencyTooHigh {
                ceiling: 5,
                backend: "threads",
                ..
            })
        ));
    }

    #[test]
    fn extreme_values_are_refused_with_their_name() {
        let b = Settings::builder;
        let one = Duration::from_secs(1);
        let max = Duration::MAX;
        for (builder, which) in [
            (b().timeouts(max, one, one), "connect timeout"),
            (b().timeouts(one, max, one), "read timeout"),
            (b().total_timeout(max), "total timeout"),
            (b().backoff(max, max), "backoff base"),
            (b().backoff(one, max), "backoff maximum"),
        ] {
            assert_eq!(
                builder.build(),
                Err(SettingsError::DurationTooLong {
                    which,
                    got: max,
                    max: MAX_DURATION
                })
            );
        }
        assert_eq!(
            b().max_body_bytes(u64::MAX).build(),
            Err(SettingsError::MaxBodyTooLarge {
                got: u64::MAX,
                max: MAX_BODY_BYTES
            })
        );
        assert!(matches!(
            b().concurrency(usize::MAX).build(),
            Err(SettingsError::ConcurrencyTooHigh {
                ceiling: MAX_CONCURRENCY,
                ..
            })
        ));
    }

    #[test]
    fn the_largest_accepted_values_build() {
        let settings = Settings::builder()
            .concurrency(MAX_CONCURRENCY)
            .retries(MAX_RETRIES)
            .timeouts(MAX_DURATION, MAX_DURATION, MAX_DURATION)
            .backoff(MAX_DURATION, MAX_DURATION)
            .max_body_bytes(MAX_BODY_BYTES)
            .build()
            .expect("the limits themselves are accepted");
        assert_eq!(settings.total_timeout(), MAX_DURATION);
        assert!(
            std::time::Instant::now()
                .checked_add(MAX_DURATION)
                .is_some()
        );
    }
}
