//! fetchlab's tokio strategy: reqwest 0.13 on a tokio runtime.
//!
//! Two ways in:
//!
//! - [`TokioDownloader`] implements the synchronous
//!   [`fetchlab_core::Downloader`] trait by owning a tokio runtime and
//!   `block_on`-ing a run. Use it from ordinary (non-async) code.
//! - [`AsyncFetcher`] is the native async API for callers already running
//!   tokio: `fetcher.download(&jobs, &env).await` creates no runtime and
//!   never blocks a thread. Calling [`TokioDownloader`]'s synchronous
//!   `download` from inside a runtime returns [`fetchlab_core::Error::Backend`]
//!   instead of panicking.
//!
//! The two do not share a client: a reqwest connection is driven by a task
//! on the runtime that opened it, so a pool filled on the downloader's
//! runtime is useless (or hangs) on the caller's.
//!
//! Layout:
//!
//! - [`client`]: the one shared `reqwest::Client` (no proxy, pool size,
//!   timeouts, user agent, redirect policy).
//! - `fetcher`: [`AsyncFetcher`] and the bounded concurrency.
//! - `downloader`: [`TokioDownloader`] and its runtime [`Flavor`].
//! - `job`: one job's attempts and waits; `attempt`: one request and its
//!   body; `body`: writing bodies off the runtime threads.
//! - `failure`: `reqwest::Error` → [`fetchlab_core::FailureKind`].
//! - `cancel`: the run's blocking cancel token seen from async code.
//! - [`design`]: why a current-thread runtime, `JoinSet` + `Semaphore`,
//!   and batched blocking writes, with the measurements that decided them.
#![deny(missing_docs)]

mod attempt;
mod body;
mod cancel;
pub mod client;
pub mod design;
mod downloader;
mod failure;
mod fetcher;
mod job;
mod shared;

pub use downloader::{Flavor, TokioDownloader};
pub use fetcher::AsyncFetcher;

/// The strategy's name in reports.
pub const NAME: &str = "tokio";

/// The HTTP client library behind it.
pub const CLIENT_LIBRARY: &str = "reqwest 0.13";
