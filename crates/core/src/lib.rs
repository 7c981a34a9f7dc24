//! The vocabulary every fetchlab backend shares.
//!
//! fetchlab compares concurrency strategies for downloading many files over
//! HTTP. Each strategy lives in its own crate and implements [`Downloader`];
//! this crate holds that trait and only the types it needs, so that a backend
//! depends on nothing heavier than this.
//!
//! Layout, one concept a module:
//!
//! - [`job`]: a [`Job`] (URL + safe file name) and the [`JobList`] built from
//!   the seed list, a URL file, or code.
//! - [`settings`]: validated [`Settings`] (concurrency, timeouts, retries,
//!   body size limit, user agent).
//! - [`outcome`]: exactly one [`Outcome`] per job: saved, not found, skipped,
//!   or failed with a [`FailureKind`].
//! - [`report`]: the [`Report`] of a run, with flags2-style counts.
//! - [`store`]: where bodies go. [`DirStore`] writes atomically into a
//!   directory; [`HashStore`] only hashes (for benches).
//! - [`progress`]: the [`Progress`] observer and the [`CancelToken`].
//! - [`retry`]: the backoff schedule with jitter shared by all backends.
//! - [`transfer`]: the protocol-independent rules every backend applies to a
//!   response (status → outcome, size limits, truncation).
//! - [`run`]: the life of one job ([`run::JobRun`]): skip, attempts, retries.
//! - [`downloader`]: the [`Downloader`] trait and its [`RunEnv`].
//! - [`error`]: errors that stop a run before it starts.
//! - [`chain`]: walking an error's source chain (find a cause, describe it).
#![deny(missing_docs)]

pub mod chain;
pub mod downloader;
pub mod error;
pub mod job;
pub mod outcome;
pub mod progress;
pub mod report;
pub mod retry;
pub mod run;
pub mod settings;
pub mod store;
pub mod transfer;

pub use downloader::{Downloader, RunEnv};
pub use error::{Error, JobListError, SettingsError};
pub use job::{Job, JobList, SEED_NAMES_COUNT, seed_names};
pub use outcome::{Failure, FailureKind, Outcome, Status};
pub use progress::{CancelToken, NoProgress, Progress};
pub use report::{Counts, LatencySummary, Report};
pub use retry::RetrySchedule;
pub use settings::Settings;
pub use store::{DirStore, HashStore, Sink, Store};
pub use transfer::{BodyWriter, HeadDecision, ResponseHead};
