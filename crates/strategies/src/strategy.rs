//! The strategies by name: each one's client library, worker rule,
//! open-files need and how its backend is built.

use std::fmt;
use std::path::PathBuf;
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
    /// Async tasks on one current-thread tokio runtime per core, sharing
    /// the jobs and the limits.
    Tokio,
    /// Async tasks on one tokio runtime over HTTP/2: every request a stream
    /// multiplexed on one connection per host.
    TokioH2,
    /// Async tasks on async-std.
    AsyncStd,
    /// Child `fetchlab download` processes, one shard each, running the
    /// thread pool.
    Processes,
}

/// What building a strategy may need besides its settings: the programs
/// it starts. Only `processes` needs one (the `fetchlab` binary it runs
/// as its children); the CLI passes its own executable, the benches
/// `CARGO_BIN_EXE_fetchlab`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Programs {
    /// The `fetchlab` binary.
    pub fetchlab: Option<PathBuf>,
}

impl Programs {
    /// Programs with `fetchlab` at `path`.
    pub fn fetchlab(path: impl Into<PathBuf>) -> Self {
        Self {
            fetchlab: Some(path.into()),
        }
    }
}

impl Strategy {
    /// Every strategy, in the order tables list them.
    pub const ALL: [Strategy; 7] = [
        Self::Sequential,
        Self::Threads,
        Self::Processes,
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
            Self::Processes => "processes",
        }
    }

    /// The HTTP client library the backend uses, as its
    /// [`Downloader::client_library`] reports it.
    pub fn client_library(self) -> &'static str {
        match self {
            Self::Sequential | Self::Threads | Self::Rayon => fetchlab_sequential::CLIENT_LIBRARY,
            Self::Tokio | Self::TokioH2 => fetchlab_tokio::CLIENT_LIBRARY,
            Self::AsyncStd => fetchlab_async_std::CLIENT_LIBRARY,
            Self::Processes => fetchlab_processes::CLIENT_LIBRARY,
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

    /// Whether the strategy's runs need a store other processes can share
    /// (a directory store, see `fetchlab_core::Store::directory`):
    /// `processes`, whose children save the files.
    pub fn needs_directory_store(self) -> bool {
        self == Self::Processes
    }

    /// Descriptors a run at `concurrency` over `jobs` jobs needs when each
    /// in-flight download holds `per_download` of them (see
    /// [`crate::fdlimit`]): the strategy's [`workers`](Self::workers), not
    /// the limit asked for, so a sequential run needs one socket; for
    /// `tokio`, also its runtimes' own (one runtime per core, at most one
    /// per worker).
    pub fn open_files(self, concurrency: usize, jobs: usize, per_download: u64) -> u64 {
        let workers = self.workers(concurrency, jobs);
        let runtimes = match self {
            Self::Tokio => fetchlab_tokio::runtimes_open_files(workers),
            _ => 0,
        };
        crate::fdlimit::needed(workers as u64, per_download).saturating_add(runtimes)
    }

    /// Builds the backend with `settings`, without [`Programs`]: every
    /// strategy but `processes`, which then fails with an error saying it
    /// needs the `fetchlab` program (use [`Strategy::build_with`]).
    pub fn build(self, settings: Settings) -> Result<Box<dyn Downloader>, Error> {
        self.build_with(settings, &Programs::default())
    }

    /// Builds the backend with `settings`; fails on settings it cannot
    /// honour. `tokio-h2` is the tokio backend with the settings' HTTP
    /// version set to HTTP/2. `processes` starts `programs.fetchlab`, and
    /// refuses what its children's thread pool would refuse with their
    /// share of the settings (so a refusal comes before any child starts).
    pub fn build_with(
        self,
        settings: Settings,
        programs: &Programs,
    ) -> Result<Box<dyn Downloader>, Error> {
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
            Self::Processes => {
                use fetchlab_processes::{ProcessPoolDownloader, plan};
                let program = programs.fetchlab.clone().ok_or_else(|| {
                    Error::backend(
                        fetchlab_processes::NAME,
                        "it needs the fetchlab program to run as its children, and none was given",
                    )
                })?;
                let pool = ProcessPoolDownloader::new(settings.clone(), program)?;
                let n = plan::process_count(&settings, pool.processes(), usize::MAX);
                for k in 0..n {
                    let child = plan::child_settings(&settings, k, n)?;
                    Self::Threads.build(child).map_err(|err| match err {
                        // The children's ceiling, added up, is the pool's.
                        Error::Settings(SettingsError::ConcurrencyTooHigh {
                            ceiling,
                            reason,
                            ..
                        }) => Error::Settings(SettingsError::ConcurrencyTooHigh {
                            requested: settings.concurrency(),
                            ceiling: ceiling.saturating_mul(n),
                            backend: fetchlab_processes::NAME,
                            reason: format!("{n} children of the thread pool: {reason}"),
                        }),
                        other => other,
                    })?;
                }
                Box::new(pool.with_inner(Self::Threads.name()))
            }
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
    "unknown strategy {0:?} (known: sequential, threads, processes, rayon, tokio, tokio-h2, async-std, \
     or all)"
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
            "processes" | "process" | "processpool" | "process-pool" => Self::Processes,
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
        let cores = std::thread::available_parallelism().map_or(1, usize::from) as u64;
        let runtimes = fetchlab_tokio::OPEN_FILES_PER_RUNTIME * cores.min(1000);
        assert_eq!(
            Strategy::Tokio.open_files(1000, 1000, 2),
            reserved + 2000 + runtimes
        );
        // One job: one worker, one runtime.
        assert_eq!(
            Strategy::Tokio.open_files(1000, 1, 2),
            reserved + 2 + fetchlab_tokio::OPEN_FILES_PER_RUNTIME
        );
        assert_eq!(Strategy::Threads.open_files(1000, 1000, 2), reserved + 2000);
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

    /// Any file stands in for the `fetchlab` program: building starts
    /// nothing.
    fn programs() -> Programs {
        Programs::fetchlab(std::env::current_exe().unwrap())
    }

    #[test]
    fn every_backend_builds_and_reports_its_library() {
        for strategy in Strategy::ALL {
            let built = strategy
                .build_with(Settings::default(), &programs())
                .unwrap();
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
                .and_then(|s| strategy.build_with(s, &programs()))
                .err()
                .unwrap();
            assert!(refusal(&err).is_none(), "{strategy}");
        }
    }

    #[test]
    fn processes_needs_the_program_and_refuses_what_threads_refuses() {
        let err = Strategy::Processes
            .build(Settings::default())
            .err()
            .unwrap();
        assert!(
            err.to_string().contains("needs the fetchlab program"),
            "{err}"
        );
        assert!(refusal(&err).is_none());
        let http2 = Settings::builder()
            .http_version(HttpVersion::Http2)
            .build()
            .unwrap();
        let err = Strategy::Processes
            .build_with(http2, &programs())
            .err()
            .unwrap();
        assert!(refusal(&err).is_some(), "{err}");
    }
}
