//! [`TokioDownloader`]: the synchronous [`Downloader`] over an owned runtime.

use fetchlab_core::{Downloader, Error, JobList, Report, RunEnv, Settings};
use tokio::runtime::{Handle, Runtime};

use crate::fetcher::AsyncFetcher;

/// Which tokio scheduler a [`TokioDownloader`] runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// Everything on the calling thread inside `block_on` (the default; see
    /// [`crate::design`] for the measurements behind it).
    CurrentThread,
    /// A work-stealing pool of this many worker threads.
    MultiThread {
        /// Worker threads (at least 1).
        workers: usize,
    },
}

/// The tokio + reqwest strategy behind the synchronous [`Downloader`]
/// trait: owns a tokio runtime and an [`AsyncFetcher`], and `block_on`s
/// the fetcher's run.
///
/// Do not call [`Downloader::download`] from inside a tokio runtime: it
/// would have to block a runtime thread. It detects that and returns
/// [`Error::Backend`]; async callers use [`AsyncFetcher`] instead.
#[derive(Debug)]
pub struct TokioDownloader {
    /// Always `Some` until dropped (taken in `Drop`).
    runtime: Option<Runtime>,
    fetcher: AsyncFetcher,
}

impl TokioDownloader {
    /// Builds the runtime (the default
    /// [`Flavor::CurrentThread`]) and the shared HTTP client.
    pub fn new(settings: Settings) -> Result<Self, Error> {
        Self::with_flavor(settings, Flavor::CurrentThread)
    }

    /// Like [`TokioDownloader::new`], on a runtime of the given flavour.
    pub fn with_flavor(settings: Settings, flavor: Flavor) -> Result<Self, Error> {
        let mut builder = match flavor {
            Flavor::CurrentThread => tokio::runtime::Builder::new_current_thread(),
            Flavor::MultiThread { workers } => {
                let mut builder = tokio::runtime::Builder::new_multi_thread();
                builder.worker_threads(workers.max(1));
                builder
            }
        };
        let runtime = builder
            .enable_all()
            .thread_name("fetchlab-tokio")
            .build()
            .map_err(|e| Error::backend_caused(crate::NAME, "cannot build the tokio runtime", e))?;
        let fetcher = {
            let _context = runtime.enter();
            AsyncFetcher::new(settings)?
        };
        Ok(Self {
            runtime: Some(runtime),
            fetcher,
        })
    }

    /// The settings this downloader honours.
    pub fn settings(&self) -> &Settings {
        self.fetcher.settings()
    }
}

impl Downloader for TokioDownloader {
    fn name(&self) -> &'static str {
        match self.fetcher.settings().http_version() {
            fetchlab_core::HttpVersion::Http1 => crate::NAME,
            fetchlab_core::HttpVersion::Http2 => crate::NAME_H2,
        }
    }

    fn client_library(&self) -> &'static str {
        crate::CLIENT_LIBRARY
    }

    fn download(&self, jobs: &JobList, env: &RunEnv) -> Result<Report, Error> {
        if Handle::try_current().is_ok() {
            return Err(backend_error(
                "download() was called from inside a tokio runtime, where blocking on the \
                 downloader's own runtime would panic; await AsyncFetcher::download instead"
                    .into(),
            ));
        }
        let runtime = self
            .runtime
            .as_ref()
            .ok_or_else(|| backend_error("the runtime is gone".into()))?;
        runtime.block_on(self.fetcher.download(jobs, env))
    }
}

impl Drop for TokioDownloader {
    /// Dropping a runtime blocks until its worker threads stop, which
    /// panics inside another runtime; there, shut it down in the background.
    fn drop(&mut self) {
        // Outside a runtime, `runtime` is simply dropped (blocking).
        if let Some(runtime) = self.runtime.take()
            && Handle::try_current().is_ok()
        {
            runtime.shutdown_background();
        }
    }
}

fn backend_error(reason: String) -> Error {
    Error::backend(crate::NAME, reason)
}
