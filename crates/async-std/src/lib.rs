//! fetchlab's async-std strategy: surf 2.3 on async-std, HTTP/1.1 only,
//! without TLS.
//!
//! # Not for new production code
//!
//! **async-std is discontinued upstream** (its authors point to smol as its
//! successor) and **surf is unmaintained**. Consequences: no security
//! fixes; an old dependency tree (http-types 2, async-h1 2, futures-lite 1,
//! async-io 1 next to the current 2); and this build has **no TLS**: surf
//! has no rustls client that works over its async-h1 stack (its TLS
//! clients are OpenSSL through `async-native-tls`, or a shim over an old
//! rustls), so `https` jobs fail, not retried, with
//! [`fetchlab_core::FailureKind::Protocol`] ("https is not supported by the
//! async-std backend: …"), and TLS settings (CA certificates, `insecure`)
//! and HTTP/2 are refused when the downloader is built. It is here to be measured against the
//! others. For production prefer `fetchlab-tokio` (tokio + reqwest).
//!
//! # Two ways in
//!
//! - [`AsyncStdDownloader`] implements the synchronous
//!   [`fetchlab_core::Downloader`] trait by `block_on`-ing a run on
//!   async-std's global executor. Called from inside an async-std task it
//!   returns [`fetchlab_core::Error::Backend`] instead of blocking it.
//! - [`AsyncFetcher`] is the native async API:
//!   `fetcher.download(&jobs, &env).await`.
//!
//! # What surf does and what this crate does instead
//!
//! - Connections: surf's h1 backend (http-client's deadpool pool) puts a
//!   connection back when its response is dropped, even half-read, so the
//!   next request on it reads the rest of an old body as its head, or
//!   waits behind a stalled server. `h1` is surf's `HttpClient` instead:
//!   async-h1 over a small keep-alive pool (`connection_pool`) that reuses
//!   a connection only when its response was read to the end, with a
//!   connect timeout and a head timeout (surf's one `timeout` covers
//!   connect and head together, and has no connect bound of its own).
//! - Redirects: surf follows none by default, and its `Redirect`
//!   middleware sends each hop twice and returns the last 3xx silently;
//!   core follows them instead, with the policy every backend shares.
//! - Errors: `surf::Error` is not `std::error::Error`; `failure` walks its
//!   cause chain and keeps the text and the status.
//!
//! # Layout
//!
//! - `fetcher`: [`AsyncFetcher`] and the bounded concurrency (one task per
//!   job); every job runs through [`fetchlab_core::backend::run_async`].
//!   `downloader`: [`AsyncStdDownloader`].
//! - `transport`: the surf client behind core's async transport seam;
//!   `client`: the surf client's configuration; `h1`, `connection_pool`:
//!   the HTTP/1.1 client under surf; `failure`: `surf::Error` →
//!   [`fetchlab_core::FailureKind`].
//! - `runtime`: async-std's timer and blocking pool for core's attempt.
//! - [`design`]: why our own pool, one task per job, batched blocking
//!   writes, with the measurements that decided them.
//!
//! No surf type is part of this crate's API.
#![deny(missing_docs)]

mod client;
mod connection_pool;
pub mod design;
mod downloader;
mod failure;
mod fetcher;
mod h1;
mod runtime;
mod transport;

pub use downloader::AsyncStdDownloader;
pub use fetcher::AsyncFetcher;

/// The strategy's name in reports.
pub const NAME: &str = "async-std";

/// The HTTP client library behind it.
pub const CLIENT_LIBRARY: &str = "surf 2.3 (h1, no TLS)";
