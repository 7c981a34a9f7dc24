//! The strategies by name: each one's client library, worker rule,
//! open-files need and how its backend is built.

use std::fmt;
use std::str::FromStr;

use fetchlab_core::{Downloader, Error, HttpVersion, Settings, SettingsError};

/// A download strategy: one backend crate behind the [`Downloader`] trait.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    /// One request at a time: the baseline.
    Sequential,
    /// A pool of OS threads, one blocking request each.
    Threads,
    /// A sized rayon pool of blocking requests.
    Rayon,
    /// Async tasks on a tokio runtime.
    Tokio,
    /// Async tasks on a tokio runtime over HTTP/2: every request a stream
    /// multiplexed on one connection per host.
    TokioH2,
    /// Async tasks on async-std.
    AsyncStd,
}

impl Strategy {
    /// Every strategy, in the order tables list them.
    pub const ALL: [Strategy; 6] = [
        Self::Sequential,
        Self::Threads,
        Self::Rayon,
        Self::Tokio,
        Self::TokioH2,
        Self::AsyncStd,
    ];

    /// The short name used on command lines, in tables and benchmark ids.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sequential => "sequential",
            Self::Threads => "threads",
            Self::Rayon => "rayon",
            Self::Tokio => "tokio",
            Self::TokioH2 => "tokio-h2",
            Self::AsyncStd => "async-std",
        }
    }

    /// The HTTP client library the backend uses, as its
    /// [`Downloader::client_library`] reports it.
    pub fn client_library(self) -> &'static str {
        match self {
            Self::Sequential | Self::Threads | Self::Rayon => fetchlab_sequential::CLIENT_LIBRARY,
            Self::Tokio | Self::TokioH2 => fetchlab_tokio::CLIENT_LIBRARY,
            Self::AsyncStd => fetchlab_async_std::CLIENT_LIBRARY,
        }
    }

    /// How many requests the strategy really has in flight at most for
    /// `jobs` jobs at a concurrency limit: 1 for sequential (it ignores the
    /// limit), otherwise the limit, capped by the jobs.
    pub fn workers(self, concurrency: usize, jobs: usize) -> usize {
        match self {
            Self::Sequential => 1,
            _ => concurrency.min(jobs).max(1),
        }
    }

    /// Descriptors a run at `concurrency` over `jobs` jobs needs when each
    /// in-flight download holds `per_download` of them (see
    /// [`crate::fdlimit`]): the strategy's [`workers`](Self::workers), not
    /// the limit asked for, so a sequential run needs one socket.
    pub fn open_files(self, concurrency: usize, jobs: usize, per_download: u64) -> u64 {
        crate::fdlimit::needed(self.workers(concurrency, jobs) as u64, per_download)
    }

    /// Builds the backend with `settings`; fails on settings it cannot
    /// honour. `tokio-h2` is the tokio backend with the settings' HTTP
    /// version set to HTTP/2.
    pub fn build(self, settings: Settings) -> Result<Box<dyn Downloader>, Error> {
        Ok(match self {
            Self::Sequential => Box::new(fetchlab_sequential::SequentialDownloader::new(settings)?),
            Self::Threads => Box::new(fetchlab_threaded::ThreadPoolDownloader::new(settings)?),
            Self::Rayon => Box::new(fetchlab_threaded::RayonDownloader::new(settings)?),
            Self::Tokio => Box::new(fetchlab_tokio::TokioDownloader::new(settings)?),
            Self::TokioH2 => {
                let settings = settings
                    .to_builder()
                    .http_version(HttpVersion::Http2)
                    .build()?;
                Box::new(fetchlab_tokio::TokioDownloader::new(settings)?)
            }
            Self::AsyncStd => Box::new(fetchlab_async_std::AsyncStdDownloader::new(settings)?),
        })
    }

    /// Parses `all` or a comma-separated list of names (duplicates dropped,
    /// order kept).
    pub fn parse_list(text: &str) -> Result<Vec<Strategy>, ParseStrategyError> {
        if text.trim().eq_ignore_ascii_case("all") {
            return Ok(Self::ALL.to_vec());
        }
        let mut list = Vec::new();
        for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let strategy = name.parse()?;
            if !list.contains(&strategy) {
                list.push(strategy);
            }
        }
        if list.is_empty() {
            return Err(ParseStrategyError(text.to_owned()));
        }
        Ok(list)
    }
}

/// Whether a build error is a backend refusing the concurrency or a
/// connection setting it cannot honour (a row in the table, "refused"),
/// rather than a failure. Returns the reason.
pub fn refusal(error: &Error) -> Option<String> {
    match error {
        Error::Settings(
            e @ (SettingsError::ConcurrencyTooHigh { .. } | SettingsError::Unsupported { .. }),
        ) => Some(e.to_string()),
        _ => None,
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A strategy name that is not known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown strategy {0:?} (known: sequential, threads, rayon, tokio, tokio-h2, async-std, or all)"
)]
pub struct ParseStrategyError(pub String);

impl FromStr for Strategy {
    type Err = ParseStrategyError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let name = text.trim().to_ascii_lowercase().replace('_', "-");
        Ok(match name.as_str() {
            "sequential" | "seq" => Self::Sequential,
            "threads" | "thread" | "threadpool" | "thread-pool" => Self::Threads,
            "rayon" => Self::Rayon,
            "tokio" => Self::Tokio,
            "tokio-h2" | "h2" => Self::TokioH2,
            "async-std" | "asyncstd" => Self::AsyncStd,
            _ => return Err(ParseStrategyError(text.to_owned())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequential_has_one_worker() {
        assert_eq!(Strategy::Sequential.workers(20, 80), 1);
        assert_eq!(Strategy::Tokio.workers(20, 80), 20);
        assert_eq!(Strategy::Threads.workers(20, 4), 4);
        let reserved = crate::fdlimit::RESERVED;
        assert_eq!(Strategy::Sequential.open_files(1000, 1000, 2), reserved + 2);
        assert_eq!(Strategy::Tokio.open_files(1000, 1000, 2), reserved + 2000);
    }

    #[test]
    fn names_round_trip() {
        for strategy in Strategy::ALL {
            assert_eq!(strategy.name().parse::<Strategy>().unwrap(), strategy);
            assert_eq!(strategy.to_string(), strategy.name());
        }
        assert_eq!("async_std".parse::<Strategy>().unwrap(), Strategy::AsyncStd);
        assert!("fibers".parse::<Strategy>().is_err());
    }

    #[test]
    fn lists() {
        assert_eq!(Strategy::parse_list("all").unwrap(), Strategy::ALL.to_vec());
        assert_eq!(
            Strategy::parse_list("tokio, threads,tokio").unwrap(),
            [Strategy::Tokio, Strategy::Threads]
        );
        assert!(Strategy::parse_list(" , ").is_err());
        assert!(Strategy::parse_list("tokio,nope").is_err());
    }

    #[test]
    fn every_backend_builds_and_reports_its_library() {
        for strategy in Strategy::ALL {
            let built = strategy.build(Settings::default()).unwrap();
            assert_eq!(built.name(), strategy.name());
            assert_eq!(
                built.client_library(),
                strategy.client_library(),
                "{strategy}"
            );
        }
    }

    #[test]
    fn zero_concurrency_is_an_error_not_a_refusal() {
        for strategy in Strategy::ALL {
            let err = Settings::builder()
                .concurrency(0)
                .build()
                .map_err(Error::from)
                .and_then(|s| strategy.build(s))
                .err()
                .unwrap();
            assert!(refusal(&err).is_none(), "{strategy}");
        }
    }
}
