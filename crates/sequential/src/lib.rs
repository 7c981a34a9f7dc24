//! fetchlab's sequential strategy: one request at a time, in job order, on
//! one reused ureq agent. The baseline every other strategy is measured
//! against.
//!
//! Layout:
//!
//! - `downloader`: [`SequentialDownloader`], the [`fetchlab_core::Downloader`]
//!   impl: a loop over the jobs calling
//!   [`fetchlab_core::backend::run_blocking`] with
//!   [`fetchlab_ureq::UreqTransport`].
//!
//! The HTTP side (agent configuration, timeouts, cancellation, error
//! kinds) is `fetchlab-ureq`'s, shared with `fetchlab-threaded`; the
//! attempt itself (resume, redirects, statuses, the body) is core's.
#![deny(missing_docs)]

mod downloader;

pub use downloader::SequentialDownloader;

/// The HTTP client library behind it (shared by every ureq strategy).
pub use fetchlab_ureq::CLIENT_LIBRARY;
