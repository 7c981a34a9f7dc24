//! The trait every strategy implements.

use std::sync::Arc;

use crate::error::Error;
use crate::job::JobList;
use crate::progress::{CancelToken, NoProgress, Progress};
use crate::report::Report;
use crate::store::Store;

/// Where a run's bodies go, who watches it, and how it is stopped.
#[derive(Clone)]
pub struct RunEnv {
    /// Where bodies are saved.
    pub store: Arc<dyn Store>,
    /// Told about every start and outcome.
    pub progress: Arc<dyn Progress>,
    /// Stops the run early.
    pub cancel: CancelToken,
}

impl RunEnv {
    /// A run into `store`, unobserved, not cancellable from outside.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            progress: Arc::new(NoProgress),
            cancel: CancelToken::new(),
        }
    }

    /// Adds a progress observer.
    pub fn with_progress(mut self, progress: Arc<dyn Progress>) -> Self {
        self.progress = progress;
        self
    }

    /// Adds a cancel token.
    pub fn with_cancel(mut self, cancel: CancelToken) -> Self {
        self.cancel = cancel;
        self
    }
}

/// A download strategy. Synchronous, so one loop can drive every backend;
/// a backend that needs an async runtime owns it.
///
/// # Contract
///
/// - A downloader is built from [`crate::Settings`], which are valid by
///   construction; a backend refuses at build time what it cannot honour
///   (a concurrency above its ceiling), before any request.
/// - [`Downloader::download`] returns exactly one [`crate::Outcome`] per job, in the
///   order of the job list. A failed URL is an outcome, not an `Err`.
/// - No more than `concurrency` requests are in flight at once.
/// - Transient failures are retried as [`crate::backend::RetrySchedule`]
///   says; 404 is never retried.
/// - A file under its final name is whole or absent, also on failure or
///   cancellation.
/// - A cancelled run ([`RunEnv::cancel`]) starts no new request, stops the
///   requests in flight at once, and ends every unfinished job as
///   [`crate::FailureKind::Cancelled`].
///
/// # Panics
///
/// The same policy for every backend: a panic while running one job (in
/// the HTTP client, the store, or the progress observer) does not unwind
/// out of `download` and does not stop the run. That job ends
/// [`crate::Status::Failed`] with [`crate::FailureKind::Io`] and the detail
/// `job panicked: <message>`, the observer is told of that outcome (a
/// second panic there is ignored), and every other job runs as usual. Core
/// enforces it in [`crate::backend::run_blocking`] and
/// [`crate::backend::run_async`].
pub trait Downloader: Send + Sync {
    /// The strategy's short name (`sequential`, `threads`, `tokio`, …).
    fn name(&self) -> &'static str;

    /// The HTTP client library and version it uses (e.g. `ureq 3`).
    fn client_library(&self) -> &'static str;

    /// Downloads every job into `env.store`.
    fn download(&self, jobs: &JobList, env: &RunEnv) -> Result<Report, Error>;
}

/// A boxed downloader (what the strategy registry builds) is a downloader.
impl<D: Downloader + ?Sized> Downloader for Box<D> {
    fn name(&self) -> &'static str {
        (**self).name()
    }

    fn client_library(&self) -> &'static str {
        (**self).client_library()
    }

    fn download(&self, jobs: &JobList, env: &RunEnv) -> Result<Report, Error> {
        (**self).download(jobs, env)
    }
}
