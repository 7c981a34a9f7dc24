//! fetchlab's tokio strategy: reqwest 0.13 on a tokio runtime.
//!
//! Two ways in:
//!
//! - [`TokioDownloader`] implements the synchronous
//!   [`fetchlab_core::Downloader`] trait by owning its tokio runtimes and
//!   `block_on`-ing a run: over HTTP/1.1 one current-thread runtime per
//!   core, each with its own client and a share of the concurrency, taking
//!   jobs from one queue ([`Flavor::Sharded`]). Use it from ordinary
//!   (non-async) code.
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
//! - `client`: the one shared `reqwest::Client` (no proxy, pool size,
//!   timeouts, user agent, no redirects: core follows them; TLS over
//!   rustls (*ring*) configured here and handed to reqwest: Mozilla's
//!   compiled-in roots, as the ureq backends use, or the settings' CA
//!   certificates only, or unverified when `insecure`; no idle pool with keep-alive off; HTTP/1.1 only, or with
//!   [`fetchlab_core::HttpVersion::Http2`] HTTP/2 only — ALPN `h2` or
//!   prior knowledge — every request a stream on one connection, reported
//!   as [`NAME_H2`]).
//! - `transport`: that client behind core's async transport seam
//!   ([`fetchlab_core::backend::AsyncTransport`]); `failure`:
//!   `reqwest::Error` → [`fetchlab_core::FailureKind`].
//! - `runtime`: tokio's timer and blocking pool for core's async attempt.
//! - `fetcher`: [`AsyncFetcher`] and the bounded concurrency (`JoinSet` +
//!   `Semaphore`, jobs taken from a shared cursor); every job runs through
//!   [`fetchlab_core::backend::run_async`].
//! - `downloader`: [`TokioDownloader`], its runtimes ([`Flavor`]) and how
//!   a run is split between them.
//! - [`design`]: why one current-thread runtime per core, `JoinSet` + `Semaphore`,
//!   batched blocking writes, the TLS roots, and reqwest despite its read
//!   buffer, with the measurements that decided them.
//!
//! No reqwest type is part of this crate's API.
#![deny(missing_docs)]

mod client;
pub mod design;
mod downloader;
mod failure;
mod fetcher;
mod runtime;
mod transport;

pub use downloader::{Flavor, OPEN_FILES_PER_RUNTIME, TokioDownloader, runtimes_open_files};
pub use fetcher::AsyncFetcher;

/// The strategy's name in reports.
pub const NAME: &str = "tokio";

/// The strategy's name in reports when it speaks HTTP/2.
pub const NAME_H2: &str = "tokio-h2";

/// The HTTP client library behind it.
pub const CLIENT_LIBRARY: &str = "reqwest 0.13";
