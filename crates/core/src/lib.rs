//! The vocabulary every fetchlab backend shares, and the library surface a
//! user of fetchlab relies on.
//!
//! fetchlab compares concurrency strategies for downloading many files over
//! HTTP. Each strategy lives in its own crate and implements [`Downloader`];
//! this crate holds that trait and the types around it, so that a backend
//! depends on nothing heavier than this.
//!
//! # For users
//!
//! The types at the top of this crate are all a caller needs: build
//! [`Settings`], a [`JobList`] of [`Job`]s (cut into [`Shard`]s for several
//! processes), a [`RunEnv`] with a store
//! ([`DirStore`] writes files, [`HashStore`] only hashes), an optional
//! [`Progress`] observer and [`CancelToken`]; hand them to any
//! [`Downloader`]; read the [`Report`]: one [`Outcome`] per job, whose
//! [`Status`] says saved, not found, skipped, or failed with a
//! [`FailureKind`]. Errors that stop a run before it starts are [`Error`].
//! A sharded run's processes each write a [`ShardReport`];
//! [`merge_reports`] adds them up. Whatever is shown of a URL hides its
//! password ([`redact_credentials`]).
//!
//! # For backend authors
//!
//! [`backend`] holds the transport seam a backend implements with its HTTP
//! client, and everything core does over it: the attempt (resume,
//! redirects, status and size rules, body streaming), the retry loop, the
//! panic policy, batched off-runtime writes. [`store`] holds the
//! [`Store`]/[`Sink`] traits for custom stores.
#![deny(missing_docs)]

pub mod backend;
mod downloader;
mod error;
mod job;
mod outcome;
mod progress;
mod report;
mod settings;
pub mod store;

pub use downloader::{Downloader, RunEnv};
pub use error::{Error, JobListError, SettingsError, UrlError};
pub use job::{Job, JobList, SEED_NAMES_COUNT, Shard, ShardError, redact_credentials, seed_names};
pub use outcome::{Failure, FailureKind, Outcome, RestartReason, Resume, Status};
pub use progress::{CancelHook, CancelToken, Cancelled, NoProgress, Progress, ScopedCancel};
pub use report::{
    Counts, FailedJob, LatencySummary, ListInfo, MergeProblem, MergedReport, Report,
    SHARD_REPORT_FORMAT, ShardReport, merge_reports,
};
pub use settings::{
    CaCertificate, HttpVersion, MAX_BODY_BYTES, MAX_CONCURRENCY, MAX_DURATION, MAX_RETRIES,
    Settings, SettingsBuilder,
};
pub use store::{DirStore, HashStore, Sink, Store};
