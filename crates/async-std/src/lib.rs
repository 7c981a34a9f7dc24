//! fetchlab's async-std strategy: surf 2.3 on async-std, HTTP/1.1 only,
//! without TLS.
//!
//! # Not for new production code
//!
//! **async-std is discontinued upstream** (its authors point to smol as its
//! successor) and **surf is unmaintained**. Consequences: no security
//! fixes; an old dependency tree (http-types 2, async-h1 2, futures-lite 1,
//! async-io 1 next to the current 2); and this build has **no TLS** (the
//! pure-Rust `h1-client-no-tls` backend: `https` URLs fail with
//! [`fetchlab_core::FailureKind::Protocol`], "https not supported by this
//! backend (built without TLS)"). It is here to be measured against the
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
//!   waits behind a stalled server. [`transport`] is surf's `HttpClient`
//!   instead: async-h1 over a small keep-alive pool that reuses a
//!   connection only when its response was read to the end, with a
//!   connect timeout and a head timeout (surf's one `timeout` covers
//!   connect and head together, and has no connect bound of its own).
//! - Redirects: surf follows none by default, and its `Redirect`
//!   middleware sends each hop twice and returns the last 3xx silently;
//!   `redirect` follows at most 10, only to `http`/`https`.
//! - Errors: `surf::Error` is not `std::error::Error`; `failure` walks its
//!   cause chain and keeps the text and the status.
//!
//! # Layout
//!
//! - `fetcher`: [`AsyncFetcher`] and the bounded concurrency;
//!   `downloader`: [`AsyncStdDownloader`].
//! - `job`: one job's attempts and waits; `attempt`: one attempt along its
//!   redirects; `body`: reading with timeouts, writing off the executor.
//! - [`transport`], `pool`: the HTTP client under surf; `client`: the surf
//!   client; `redirect`; `failure`; `wait`: timeouts and cancellation;
//!   `cancel`: the run's blocking cancel token seen from async code.
//! - [`design`]: why our own pool, one task per job, batched blocking
//!   writes, with the measurements that decided them.
#![deny(missing_docs)]

mod attempt;
mod body;
mod cancel;
mod client;
pub mod design;
mod downloader;
mod failure;
mod fetcher;
mod job;
mod pool;
mod redirect;
mod shared;
pub mod transport;
mod wait;

pub use downloader::AsyncStdDownloader;
pub use fetcher::AsyncFetcher;
pub use redirect::MAX_REDIRECTS;

/// The strategy's name in reports.
pub const NAME: &str = "async-std";

/// The HTTP client library behind it.
pub const CLIENT_LIBRARY: &str = "surf 2.3 (h1, no TLS)";
