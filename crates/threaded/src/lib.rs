//! fetchlab's thread strategies: blocking ureq requests on many OS threads.
//!
//! - [`ThreadPoolDownloader`] (`threads`, in `downloader`): `min(concurrency,
//!   jobs)` scoped OS threads pulling job indexes from one atomic cursor:
//!   the book's `ThreadPoolExecutor`.
//! - [`RayonDownloader`] (`rayon`, in `rayon_downloader`): the same work on
//!   a dedicated rayon pool of that size.
//! - `workers`: what both use: the limits, core's cursor, the outcome slots,
//!   a worker's loop.
//! - [`design`]: why 256 KiB stacks, why rayon is a poor fit and how this
//!   strategy works around it, with the measurements.
//!
//! Both build one [`fetchlab_ureq::UreqTransport`] per run and share it
//! between their threads (its connection pool is what keeps connections
//! alive), and every job runs through
//! [`fetchlab_core::backend::run_blocking`], so the three ureq strategies
//! differ only in scheduling. A cancelled run cuts requests in flight off
//! (the transport's cancel hook shuts its agent down).
//!
//! # Limits
//!
//! A concurrency above [`MAX_WORKERS`] (4096) is refused when the
//! downloader is built: each worker is an OS thread, and beyond a few
//! thousand of them an async strategy is the right tool. Threads get a
//! [`WORKER_STACK_BYTES`] (256 KiB) stack instead of Rust's 2 MiB default.
//!
//! # Panics
//!
//! As for every backend (see [`fetchlab_core::Downloader`]): a panic while
//! running a job fails only that job (`job panicked: …`), and its worker
//! goes on with the next job.
#![deny(missing_docs)]

pub mod design;
mod downloader;
mod rayon_downloader;
mod workers;

pub use downloader::ThreadPoolDownloader;
pub use rayon_downloader::RayonDownloader;
pub use workers::{MAX_WORKERS, WORKER_STACK_BYTES};

/// The HTTP client library behind it (shared by every ureq strategy).
pub use fetchlab_ureq::CLIENT_LIBRARY;
