//! The strategies a user can pick by name, and how each is built.

use clap::ValueEnum;
use fetchlab_core::{Downloader, Error, Settings};

/// A download strategy, as named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StrategyName {
    /// One request at a time (ureq): the baseline.
    Sequential,
    /// A pool of OS threads, one blocking request each (ureq).
    Threads,
    /// A sized rayon pool of blocking requests (ureq).
    Rayon,
    /// Async tasks on a tokio runtime (reqwest).
    Tokio,
    /// Async tasks on async-std (surf).
    AsyncStd,
}

impl StrategyName {
    /// Every strategy, in the order tables list them.
    pub const ALL: [StrategyName; 5] = [
        Self::Sequential,
        Self::Threads,
        Self::Rayon,
        Self::Tokio,
        Self::AsyncStd,
    ];

    /// Builds the downloader; fails on settings it cannot honour.
    pub fn build(self, settings: Settings) -> Result<Box<dyn Downloader>, Error> {
        Ok(match self {
            Self::Sequential => Box::new(fetchlab_sequential::SequentialDownloader::new(settings)?),
            Self::Threads => Box::new(fetchlab_threaded::ThreadPoolDownloader::new(settings)?),
            Self::Rayon => Box::new(fetchlab_threaded::RayonDownloader::new(settings)?),
            Self::Tokio => Box::new(fetchlab_tokio::TokioDownloader::new(settings)?),
            Self::AsyncStd => Box::new(fetchlab_async_std::AsyncStdDownloader::new(settings)?),
        })
    }
}
