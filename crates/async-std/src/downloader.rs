//! [`AsyncStdDownloader`]: the synchronous [`Downloader`] over async-std.

use fetchlab_core::{Downloader, Error, JobList, Report, RunEnv, Settings};

use crate::fetcher::AsyncFetcher;

/// The async-std + surf strategy behind the synchronous [`Downloader`]
/// trait: `block_on`s an [`AsyncFetcher`]'s run on async-std's global
/// executor (async-std has no runtime object to own).
///
/// Do not call [`Downloader::download`] from inside an async-std task: it
/// would block an executor thread. It detects that and returns
/// [`Error::Backend`]; async callers await [`AsyncFetcher::download`].
#[derive(Debug, Clone)]
pub struct AsyncStdDownloader {
    fetcher: AsyncFetcher,
}

impl AsyncStdDownloader {
    /// Builds the shared surf client.
    pub fn new(settings: Settings) -> Result<Self, Error> {
        Ok(Self {
            fetcher: AsyncFetcher::new(settings)?,
        })
    }

    /// The settings this downloader honours.
    pub fn settings(&self) -> &Settings {
        self.fetcher.settings()
    }
}

impl Downloader for AsyncStdDownloader {
    fn name(&self) -> &'static str {
        crate::NAME
    }

    fn client_library(&self) -> &'static str {
        crate::CLIENT_LIBRARY
    }

    fn download(&self, jobs: &JobList, env: &RunEnv) -> Result<Report, Error> {
        if async_std::task::try_current().is_some() {
            return Err(Error::backend(
                crate::NAME,
                "download() was called from inside an async-std task, where it would \
                 block an executor thread; await AsyncFetcher::download instead",
            ));
        }
        async_std::task::block_on(self.fetcher.download(jobs, env))
    }
}
