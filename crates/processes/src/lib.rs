//! fetchlab's process-pool strategy: the book's `ProcessPoolExecutor`
//! beside the `ThreadPoolExecutor` of `fetchlab-threaded`.
//!
//! [`ProcessPoolDownloader`] (`processes`) starts P child `fetchlab
//! download` processes, child k on shard k of P of the job list (the
//! `--shard K/N` mechanism a cluster scheduler uses, here on one machine),
//! each with its share of the concurrency, all saving into the run's
//! directory. It maps the children's event lines back to the list's jobs
//! (outcomes in list order, progress as it happens), and checks the
//! children's shard reports, merged with [`fetchlab_core::merge_reports`],
//! against those outcomes.
//!
//! Layout, one concept a module:
//!
//! - `downloader`: [`ProcessPoolDownloader`], the run: start the
//!   children, read their events, end their unfinished jobs, check the
//!   reports.
//! - [`plan`]: how many children a run starts and how the concurrency and
//!   the per-host limit are split between them.
//! - [`protocol`]: what parent and child say to each other: the settings
//!   and jobs files the parent writes, the event lines a child prints
//!   ([`protocol::EventStream`], used by `fetchlab download --events`).
//! - `child`: one child process: its own process group, its standard
//!   error kept, interrupted on cancel, always reaped.
//! - [`design`]: why it is built this way, what it costs against threads
//!   and how that was measured.
//!
//! # What it needs
//!
//! - **The `fetchlab` program**, given to [`ProcessPoolDownloader::new`]:
//!   the CLI passes its own executable, the benches and tests
//!   `CARGO_BIN_EXE_fetchlab`.
//! - **A directory store.** Children can only share a store that another
//!   process can open: [`fetchlab_core::Store::directory`] must answer (a
//!   [`fetchlab_core::DirStore`]). With any other store (the harness's
//!   hashing store, a custom one) `download` returns an
//!   [`fetchlab_core::Error::Backend`] before any child starts.
//!
//! # How it ends
//!
//! - One [`fetchlab_core::Outcome`] per job, in list order. A child that
//!   cannot start, crashes or is killed fails its unfinished jobs
//!   ([`fetchlab_core::FailureKind::Io`]) with a reason that names the
//!   child (`child fetchlab process 1/2 (pid …) was killed by signal 9 …`)
//!   and ends with its standard error; the other children's jobs are not
//!   touched.
//! - A cancel closes every child's standard input: each stops as
//!   `fetchlab download` does on Ctrl-C, its unfinished jobs end
//!   [`fetchlab_core::FailureKind::Cancelled`]; a child still running
//!   after a grace period is killed. Every child is reaped before
//!   `download` returns, and one still running when the pool is dropped
//!   mid-run is killed and reaped.
//!
//! # Conformance cases it does not run
//!
//! The shared suite runs against this strategy, built through the
//! strategy registry, from the root package's
//! `tests/processes_conformance.rs` (only there is the `fetchlab` binary
//! built for a test). Three cases are excluded, each for a reason of the
//! process boundary, not a bug:
//!
//! - `integrity::many_jobs_all_verified`: it downloads into a hashing
//!   store, which lives in the test's process; the children can only share
//!   a directory, and the pool refuses any other store with an error.
//! - `run::a_panic_fails_only_its_own_job`: the observer that panics runs
//!   in the parent, when the child's `started` event arrives; the child
//!   has made its request by then and cannot take it back. The job still
//!   fails with `job panicked: …` (the core policy), but the request and
//!   the saved file the case forbids exist.
//! - `directory::read_only_directory_fails_the_job`: a child opens the
//!   output directory before its first request and refuses a read-only one
//!   as bad input (as `fetchlab download` does), so the job fails with the
//!   child's reason and no request, where the case expects one request.
#![deny(missing_docs)]

mod child;
pub mod design;
mod downloader;
pub mod plan;
pub mod protocol;

pub use downloader::{DEFAULT_INNER, NAME, ProcessPoolDownloader};

/// What the strategy reports as its client: the children's, through
/// `fetchlab download` processes.
pub const CLIENT_LIBRARY: &str = "fetchlab processes (ureq 3)";
