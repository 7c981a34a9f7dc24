//! Errors that stop a run before any request is made.
//!
//! A URL that fails during a run is not an error: it is a [`crate::Outcome`]
//! in the report. The errors here are about bad input (settings, job lists)
//! and about the environment (an output directory that cannot be written).

use std::path::PathBuf;

/// A setting that cannot work; reported before any request is made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SettingsError {
    /// The concurrency limit was zero.
    #[error("concurrency must be at least 1 (got 0)")]
    ZeroConcurrency,
    /// The concurrency limit is beyond what this backend can honour.
    #[error("concurrency {requested} is above the ceiling of {ceiling} for {backend}: {reason}")]
    ConcurrencyTooHigh {
        /// What was asked for.
        requested: usize,
        /// The largest value the backend accepts.
        ceiling: usize,
        /// Which backend refused.
        backend: &'static str,
        /// Why, and what to do instead.
        reason: String,
    },
    /// The per-host limit was zero.
    #[error("the per-host limit must be at least 1 (got 0)")]
    ZeroPerHost,
    /// A timeout was zero.
    #[error("{which} must be greater than zero")]
    ZeroTimeout {
        /// Which timeout (`connect timeout`, `read timeout`, `total timeout`).
        which: &'static str,
    },
    /// A timeout or backoff is longer than fetchlab accepts.
    #[error("{which} of {got:?} is longer than the maximum of {max:?}")]
    DurationTooLong {
        /// Which setting (`total timeout`, `backoff maximum`, …).
        which: &'static str,
        /// What was asked for.
        got: std::time::Duration,
        /// The longest accepted value.
        max: std::time::Duration,
    },
    /// Too many retries were asked for.
    #[error("retries must be at most {max} (got {got})")]
    TooManyRetries {
        /// What was asked for.
        got: u32,
        /// The largest accepted value.
        max: u32,
    },
    /// The maximum body size was zero.
    #[error("maximum body size must be greater than zero")]
    ZeroMaxBody,
    /// The maximum body size is beyond what fetchlab accepts.
    #[error("maximum body size of {got} bytes is above the limit of {max} bytes")]
    MaxBodyTooLarge {
        /// What was asked for.
        got: u64,
        /// The largest accepted value.
        max: u64,
    },
    /// The user agent cannot be sent as an HTTP header value.
    #[error("user agent must be visible ASCII without control characters")]
    BadUserAgent,
    /// A CA certificate to trust cannot be used.
    #[error("CA certificate {origin}: {reason}")]
    BadCaCertificate {
        /// The file name, or `<pem>` for bytes given.
        origin: String,
        /// What is wrong with it.
        reason: String,
    },
    /// `insecure` (no certificate checks) and CA certificates (checks
    /// against them) were both asked for; one contradicts the other.
    #[error(
        "insecure skips certificate verification, so the CA certificates given would be ignored: use one or the other"
    )]
    InsecureWithCaCertificate,
    /// The backend cannot honour a connection setting (an HTTP version, a
    /// scheme, keep-alive off).
    #[error("{backend} does not support {what}: {reason}")]
    Unsupported {
        /// Which backend refused.
        backend: &'static str,
        /// The setting, e.g. `HTTP/2`.
        what: String,
        /// Why, and what to use instead.
        reason: String,
    },
}

/// Why a text is not a URL fetchlab can download.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UrlError {
    /// Not a URL at all.
    #[error("not a URL ({0})")]
    Parse(#[source] url::ParseError),
    /// A scheme other than `http` or `https`.
    #[error("scheme {0:?} is not http or https")]
    Scheme(String),
    /// The URL names no host.
    #[error("URL has no host")]
    NoHost,
    /// The text holds a space or another blank, which the URL parser would
    /// quietly percent-encode: more likely two URLs on a line or a pasted
    /// title than a name with a space.
    #[error("a URL cannot contain a space (write %20 if the name has one)")]
    Whitespace,
}

/// Why a job list could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JobListError {
    /// A line of a URL list is not a usable URL.
    #[error("{origin}:{line}: {reason}: {text:?}")]
    BadLine {
        /// The file name (or `<stdin>`, `<args>`).
        origin: String,
        /// 1-based line number.
        line: usize,
        /// The offending text, trimmed.
        text: String,
        /// What is wrong with it.
        #[source]
        reason: UrlError,
    },
    /// Two URLs would be saved under the same file name.
    #[error("{origin}:{line}: {url} would be saved as {name:?}, like line {first_line}")]
    DuplicateName {
        /// The file name (or `<stdin>`, `<args>`).
        origin: String,
        /// The later line.
        line: usize,
        /// The earlier line with the same name.
        first_line: usize,
        /// The later URL.
        url: String,
        /// The name both map to.
        name: String,
    },
    /// The base URL for the seed list is not usable.
    #[error("bad base URL {url:?}: {reason}")]
    BadBaseUrl {
        /// What was given.
        url: String,
        /// What is wrong with it.
        #[source]
        reason: UrlError,
    },
    /// The URL file could not be read.
    #[error("cannot read URL list {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// An error that stops a run (as opposed to a failed job, which is an outcome).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The settings are not usable.
    #[error("invalid settings: {0}")]
    Settings(#[from] SettingsError),
    /// The job list is not usable.
    #[error(transparent)]
    JobList(#[from] JobListError),
    /// The store cannot be used (e.g. the output directory is not writable).
    #[error("cannot use output directory {path}: {source}")]
    Store {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The backend could not set itself up (runtime, HTTP client, thread
    /// pool), or was called where it cannot run.
    #[error("{backend} could not start: {reason}")]
    Backend {
        /// Which backend.
        backend: &'static str,
        /// Why, in words.
        reason: String,
        /// The library error behind it, if any.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

impl Error {
    /// A backend error with no library error behind it.
    pub fn backend(backend: &'static str, reason: impl Into<String>) -> Self {
        Self::Backend {
            backend,
            reason: reason.into(),
            source: None,
        }
    }

    /// A backend error caused by `source`.
    pub fn backend_caused(
        backend: &'static str,
        reason: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self::Backend {
            backend,
            reason: reason.into(),
            source: Some(source.into()),
        }
    }
}
