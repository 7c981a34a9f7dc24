//! [`TokioDownloader`]: the synchronous [`Downloader`] over an owned runtime.

use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::time::Instant;

use fetchlab_core::backend::{Cursor, panic_message};
use fetchlab_core::{Downloader, Error, JobList, Outcome, Report, RunEnv, Settings};
use tokio::runtime::{Handle, Runtime};

use crate::fetcher::{self, AsyncFetcher, Run};

/// Which tokio scheduler a [`TokioDownloader`] runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// Everything on the calling thread inside `block_on` (the default
    /// over HTTP/2; see [`crate::design`] for the measurements behind it).
    CurrentThread,
    /// A work-stealing pool of this many worker threads.
    MultiThread {
        /// Worker threads (at least 1).
        workers: usize,
    },
    /// This many current-thread runtimes (at least 1, at most the
    /// concurrency and the per-host limit), each driven by a thread of its
    /// own with a client (connection pool) of its own and an equal share
    /// of the concurrency and of the per-host limit, so that the requests
    /// and the connections to a host stay within the limit. They take
    /// jobs from one queue, in job order. The calling thread drives the
    /// first; a run starts a thread for each other one it needs (no more
    /// than there are jobs). No task or connection moves between threads.
    /// The default over HTTP/1.1, one runtime per core. Each runtime holds
    /// [`OPEN_FILES_PER_RUNTIME`] open files.
    Sharded {
        /// Runtimes (at least 1).
        runtimes: usize,
    },
}

impl Flavor {
    /// What [`TokioDownloader::new`] runs `settings` on: over HTTP/1.1,
    /// [`Flavor::Sharded`] with one runtime per core the process may use;
    /// over HTTP/2, [`Flavor::CurrentThread`], whose one client multiplexes
    /// every request on one connection (each shard's client would open its
    /// own).
    pub fn default_for(settings: &Settings) -> Self {
        match settings.http_version() {
            fetchlab_core::HttpVersion::Http1 => Flavor::Sharded { runtimes: cores() },
            fetchlab_core::HttpVersion::Http2 => Flavor::CurrentThread,
        }
    }
}

/// Open files one runtime holds (its I/O driver's event queue and
/// waker, and tokio's other handles; 32 runtimes measured 128).
pub const OPEN_FILES_PER_RUNTIME: u64 = 4;

/// At most the open files the runtimes of [`TokioDownloader::new`] hold
/// for a run of `workers` downloads at once: one runtime per core, at most
/// one per worker, [`OPEN_FILES_PER_RUNTIME`] each.
pub fn runtimes_open_files(workers: usize) -> u64 {
    (cores().clamp(1, workers.max(1)) as u64).saturating_mul(OPEN_FILES_PER_RUNTIME)
}

/// The cores this process may use (1 when the system cannot say).
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// A runtime and the fetcher whose client's connections it drives.
#[derive(Debug)]
struct Shard {
    /// Always `Some` until dropped (taken in `Drop`).
    runtime: Option<Runtime>,
    fetcher: AsyncFetcher,
}

impl Shard {
    fn new(settings: Settings, flavor: Flavor) -> Result<Self, Error> {
        let mut builder = match flavor {
            Flavor::CurrentThread | Flavor::Sharded { .. } => {
                tokio::runtime::Builder::new_current_thread()
            }
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

    fn runtime(&self) -> Result<&Runtime, Error> {
        self.runtime
            .as_ref()
            .ok_or_else(|| backend_error("the runtime is gone".into()))
    }
}

impl Drop for Shard {
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

/// The tokio + reqwest strategy behind the synchronous [`Downloader`]
/// trait: owns its tokio runtimes, each with an [`AsyncFetcher`], and
/// `block_on`s the fetchers' run (one runtime per core over HTTP/1.1: see
/// [`Flavor::default_for`]).
///
/// Do not call [`Downloader::download`] from inside a tokio runtime: it
/// would have to block a runtime thread. It detects that and returns
/// [`Error::Backend`]; async callers use [`AsyncFetcher`] instead.
#[derive(Debug)]
pub struct TokioDownloader {
    /// The settings asked for (a shard has its share of the limits).
    settings: Settings,
    /// At least one; more only for [`Flavor::Sharded`].
    shards: Vec<Shard>,
}

impl TokioDownloader {
    /// Builds the runtimes of [`Flavor::default_for`] `settings`, each with
    /// its HTTP client.
    pub fn new(settings: Settings) -> Result<Self, Error> {
        let flavor = Flavor::default_for(&settings);
        Self::with_flavor(settings, flavor)
    }

    /// Like [`TokioDownloader::new`], on a runtime of the given flavour.
    pub fn with_flavor(settings: Settings, flavor: Flavor) -> Result<Self, Error> {
        let count = match flavor {
            Flavor::Sharded { runtimes } => shard_count(runtimes, &settings),
            Flavor::CurrentThread | Flavor::MultiThread { .. } => 1,
        };
        let shards = (0..count)
            .map(|i| Shard::new(shard_settings(&settings, count, i)?, flavor))
            .collect::<Result<_, _>>()?;
        Ok(Self { settings, shards })
    }

    /// The settings this downloader honours.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    fn first(&self) -> &Shard {
        // `with_flavor` makes at least one shard and none is removed.
        &self.shards[0]
    }

    /// One run over the shards (no more than there are jobs): the first on
    /// this thread, each other on a scoped thread of its own, all taking
    /// jobs from one cursor.
    fn download_sharded(&self, jobs: &JobList, env: &RunEnv) -> Result<Report, Error> {
        let started = Instant::now();
        let shards = &self.shards[..self.shards.len().min(jobs.len()).max(1)];
        // Every runtime is checked before any job starts, so no error can
        // come once jobs have run.
        let runtimes = shards
            .iter()
            .map(Shard::runtime)
            .collect::<Result<Vec<_>, _>>()?;
        let first = Arc::new(shards[0].fetcher.run(env));
        let runs: Vec<Arc<Run>> = std::iter::once(Arc::clone(&first))
            .chain(
                shards[1..]
                    .iter()
                    .map(|shard| Arc::new(shard.fetcher.sibling_run(&first))),
            )
            .collect();
        let next = Cursor::default();
        let run_shard = |i: usize| runtimes[i].block_on(fetcher::run_all(&runs[i], jobs, &next));
        let mut indexed = Vec::with_capacity(jobs.len());
        let mut died = None;
        std::thread::scope(|scope| {
            // A shard whose thread cannot start leaves its jobs to the
            // others (they share the cursor), with its share of the
            // limits unused.
            let others: Vec<_> = (1..shards.len())
                .filter_map(|i| {
                    std::thread::Builder::new()
                        .name(format!("fetchlab-tokio-{i}"))
                        .spawn_scoped(scope, move || run_shard(i))
                        .ok()
                })
                .collect();
            // A job catches its own panic (core's `run_async`); a shard
            // that still died leaves the jobs it took to `complete`.
            let mine = panic::catch_unwind(AssertUnwindSafe(|| run_shard(0)));
            for result in std::iter::once(mine).chain(others.into_iter().map(|t| t.join())) {
                match result {
                    Ok(outcomes) => indexed.extend(outcomes),
                    Err(payload) => died = Some(panic_message(payload.as_ref())),
                }
            }
        });
        let outcomes = complete(jobs, indexed, died.as_deref(), env);
        Ok(Report::new(crate::NAME, outcomes, started.elapsed()))
    }
}

/// How many runtimes [`Flavor::Sharded`] runs: as asked, at least one, at
/// most one per worker and one per request a host may have in flight (so
/// that every shard has a share of both limits).
fn shard_count(runtimes: usize, settings: &Settings) -> usize {
    let most = settings
        .concurrency()
        .min(settings.per_host().unwrap_or(usize::MAX));
    runtimes.clamp(1, most.max(1))
}

/// Shard `i` of `count`'s settings: its share of the concurrency and of
/// the per-host limit, the rest as asked.
fn shard_settings(settings: &Settings, count: usize, i: usize) -> Result<Settings, Error> {
    if count == 1 {
        return Ok(settings.clone());
    }
    settings
        .to_builder()
        .concurrency(share(settings.concurrency(), count, i))
        .per_host(settings.per_host().map(|limit| share(limit, count, i)))
        .build()
        .map_err(Error::from)
}

/// Shard `i`'s share of `limit` over `shards`: equal, the first ones one
/// more when it does not divide.
fn share(limit: usize, shards: usize, i: usize) -> usize {
    limit / shards + usize::from(i < limit % shards)
}

/// Every job's outcome in job order. A job no shard recorded (its shard's
/// thread died, `died` says how) is failed, not lost from the report, and
/// told to `env.progress` like every outcome.
fn complete(
    jobs: &JobList,
    indexed: Vec<(usize, Outcome)>,
    died: Option<&str>,
    env: &RunEnv,
) -> Vec<Outcome> {
    let mut slots: Vec<Option<Outcome>> = vec![None; jobs.len()];
    for (index, outcome) in indexed {
        if let Some(slot) = slots.get_mut(index) {
            *slot = Some(outcome);
        }
    }
    slots
        .into_iter()
        .zip(jobs.iter())
        .map(|(slot, job)| {
            slot.unwrap_or_else(|| {
                let detail = format!(
                    "no runtime recorded an outcome for this job (a runtime's thread died: {})",
                    died.unwrap_or("no panic message")
                );
                let outcome = Outcome::lost(job.clone(), detail);
                // As core does for a job that panicked: the observer's own
                // panic does not undo the outcome.
                let _ = panic::catch_unwind(AssertUnwindSafe(|| env.progress.finished(&outcome)));
                outcome
            })
        })
        .collect()
}

impl Downloader for TokioDownloader {
    fn name(&self) -> &'static str {
        match self.settings().http_version() {
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
        if self.shards.len() > 1 {
            return self.download_sharded(jobs, env);
        }
        let first = self.first();
        first.runtime()?.block_on(first.fetcher.download(jobs, env))
    }
}

fn backend_error(reason: String) -> Error {
    Error::backend(crate::NAME, reason)
}

#[cfg(test)]
mod tests {
    use super::*;
    use fetchlab_core::FailureKind;
    use fetchlab_core::Job;
    use std::time::Duration;

    #[test]
    fn shares_split_the_concurrency_exactly() {
        for (concurrency, shards) in [(1, 1), (2, 2), (7, 2), (20, 3), (1_000, 7)] {
            let shares: Vec<usize> = (0..shards).map(|i| share(concurrency, shards, i)).collect();
            assert_eq!(shares.iter().sum::<usize>(), concurrency, "{shares:?}");
            assert!(shares.iter().all(|&s| s >= 1), "{shares:?}");
            let (min, max) = (shares.iter().min(), shares.iter().max());
            assert!(max.zip(min).is_some_and(|(max, min)| max - min <= 1));
        }
    }

    #[test]
    fn shards_get_a_share_of_both_limits_and_never_none() {
        let settings = |concurrency, per_host| {
            Settings::builder()
                .concurrency(concurrency)
                .per_host(per_host)
                .build()
                .expect("valid")
        };
        assert_eq!(shard_count(0, &settings(20, None)), 1);
        assert_eq!(shard_count(8, &settings(3, None)), 3);
        assert_eq!(shard_count(8, &settings(20, Some(2))), 2);
        assert_eq!(shard_count(2, &settings(20, Some(1))), 1);
        let asked = settings(7, Some(5));
        let count = shard_count(4, &asked);
        let parts: Vec<Settings> = (0..count)
            .map(|i| shard_settings(&asked, count, i).expect("valid"))
            .collect();
        let total = |f: fn(&Settings) -> usize| parts.iter().map(f).sum::<usize>();
        assert_eq!(total(Settings::concurrency), 7);
        assert_eq!(total(|s| s.per_host().unwrap_or(0)), 5);
        assert!(parts.iter().all(|s| s.retries() == asked.retries()));
        // One shard runs the settings as asked.
        assert_eq!(shard_settings(&asked, 1, 0).expect("valid"), asked);
    }

    #[test]
    fn a_job_no_shard_recorded_is_failed_not_lost() {
        let jobs = JobList::from_jobs(
            (0..3)
                .map(|i| Job::with_name(format!("http://127.0.0.1:1/{i}"), format!("{i}")))
                .collect(),
        );
        let done = |i: usize| {
            (
                i,
                Outcome::cancelled(jobs.jobs()[i].clone(), 0, Duration::ZERO),
            )
        };
        let env = RunEnv::new(Arc::new(fetchlab_core::HashStore::new()));
        let outcomes = complete(&jobs, vec![done(2), done(0)], Some("boom"), &env);
        assert_eq!(outcomes.len(), 3);
        let names: Vec<&str> = outcomes.iter().map(|o| o.job.name()).collect();
        assert_eq!(names, ["0", "1", "2"]);
        let kind = |i: usize| outcomes[i].failure().map(|f| f.kind);
        assert_eq!(kind(0), Some(FailureKind::Cancelled));
        assert_eq!(kind(1), Some(FailureKind::Io));
        let detail = outcomes[1].failure().map(ToString::to_string);
        assert!(
            detail.as_deref().is_some_and(|d| d.contains("boom")),
            "{detail:?}"
        );
        assert_eq!(kind(2), Some(FailureKind::Cancelled));
    }

    #[test]
    fn http2_runs_on_one_runtime_and_http1_on_one_per_core() {
        let h1 = Settings::builder().build().expect("valid");
        let h2 = h1
            .to_builder()
            .http_version(fetchlab_core::HttpVersion::Http2)
            .build()
            .expect("valid");
        assert_eq!(Flavor::default_for(&h2), Flavor::CurrentThread);
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        assert_eq!(
            Flavor::default_for(&h1),
            Flavor::Sharded { runtimes: cores }
        );
    }

    #[test]
    fn open_files_count_one_runtime_per_core_at_most_one_per_worker() {
        let cores = std::thread::available_parallelism().map_or(1, usize::from) as u64;
        assert_eq!(runtimes_open_files(0), OPEN_FILES_PER_RUNTIME);
        assert_eq!(runtimes_open_files(1), OPEN_FILES_PER_RUNTIME);
        assert_eq!(
            runtimes_open_files(1_000),
            OPEN_FILES_PER_RUNTIME * cores.min(1_000)
        );
    }
}
