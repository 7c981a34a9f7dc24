//! The outcome of one job: exactly one per job, whatever happened.

use std::time::Duration;

use crate::job::Job;

/// Why a job failed. A failed job is data in the report, not an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FailureKind {
    /// No bytes arrived within the read timeout, or the attempt took longer
    /// than the total timeout.
    Timeout,
    /// The TCP connection could not be made.
    Connect,
    /// The connection was reset or closed before a complete response.
    Reset,
    /// The server answered with an HTTP status other than 2xx or 404.
    HttpStatus(u16),
    /// The body ended before `Content-Length` bytes.
    Truncated,
    /// The body is larger than the maximum body size.
    TooLarge,
    /// The server did not speak HTTP.
    Protocol,
    /// Too many redirects, a redirect loop, or a redirect to a non-HTTP scheme.
    Redirect,
    /// The file name would leave the output directory; nothing was requested.
    UnsafeName,
    /// The body could not be written to the store.
    Io,
    /// The run was cancelled before the job finished.
    Cancelled,
}

impl FailureKind {
    /// Whether a retry may help: connection problems, timeouts, 429 and 5xx.
    pub fn is_transient(self) -> bool {
        match self {
            Self::Timeout | Self::Connect | Self::Reset | Self::Truncated => true,
            Self::HttpStatus(status) => status == 429 || (500..600).contains(&status),
            Self::TooLarge
            | Self::Protocol
            | Self::Redirect
            | Self::UnsafeName
            | Self::Io
            | Self::Cancelled => false,
        }
    }

    /// A short lower-case label (`timeout`, `http 503`, …).
    pub fn label(self) -> String {
        match self {
            Self::Timeout => "timeout".into(),
            Self::Connect => "connect".into(),
            Self::Reset => "reset".into(),
            Self::HttpStatus(status) => format!("http {status}"),
            Self::Truncated => "truncated".into(),
            Self::TooLarge => "too large".into(),
            Self::Protocol => "protocol".into(),
            Self::Redirect => "redirect".into(),
            Self::UnsafeName => "unsafe name".into(),
            Self::Io => "i/o".into(),
            Self::Cancelled => "cancelled".into(),
        }
    }
}

impl serde::Serialize for FailureKind {
    /// Serialised as its [`FailureKind::label`], e.g. `"http 503"`.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.label())
    }
}

impl FailureKind {
    /// The kind a [`FailureKind::label`] names, if any.
    pub fn from_label(label: &str) -> Option<Self> {
        Some(match label {
            "timeout" => Self::Timeout,
            "connect" => Self::Connect,
            "reset" => Self::Reset,
            "truncated" => Self::Truncated,
            "too large" => Self::TooLarge,
            "protocol" => Self::Protocol,
            "redirect" => Self::Redirect,
            "unsafe name" => Self::UnsafeName,
            "i/o" => Self::Io,
            "cancelled" => Self::Cancelled,
            other => Self::HttpStatus(other.strip_prefix("http ")?.parse().ok()?),
        })
    }
}

impl<'de> serde::Deserialize<'de> for FailureKind {
    /// Read back from its [`FailureKind::label`].
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let label = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::from_label(&label)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown failure kind {label:?}")))
    }
}

/// One failed attempt: its kind, a human-readable cause, and for 429/503 the
/// server's `Retry-After`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Failure {
    /// What went wrong.
    pub kind: FailureKind,
    /// The cause, as the library said it.
    pub detail: String,
    /// The server's `Retry-After`, when it sent one.
    #[serde(skip)]
    pub retry_after: Option<Duration>,
}

impl Failure {
    /// A failure of `kind` with a cause.
    pub fn new(kind: FailureKind, detail: impl Into<String>) -> Self {
        Self {
            kind,
            detail: detail.into(),
            retry_after: None,
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind.label(), self.detail)
    }
}

/// Why a kept partial body was dropped and the body fetched from zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RestartReason {
    /// The partial body had no recorded origin.
    NoOrigin,
    /// The partial body was recorded for a different URL.
    OtherUrl,
    /// The partial body's origin held no validator (`ETag` or
    /// `Last-Modified`) to send as `If-Range`.
    NoValidator,
    /// The server answered `200` to the `If-Range` request: the
    /// representation changed, or the server ignores `Range`.
    NotResumed,
}

impl RestartReason {
    /// A short lower-case phrase (`partial body had no validator`, …).
    pub fn label(self) -> &'static str {
        match self {
            Self::NoOrigin => "partial body had no recorded origin",
            Self::OtherUrl => "partial body was for another URL",
            Self::NoValidator => "partial body had no validator",
            Self::NotResumed => "server sent the whole body to a range request",
        }
    }
}

/// How a saved body relates to a partial body the store kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Resume {
    /// No partial body was kept (or `overwrite` was set): the body was
    /// fetched whole.
    None,
    /// The saving attempt continued the kept partial body.
    Resumed {
        /// Bytes already kept, asked for with `Range: bytes=<from>-`.
        from: u64,
    },
    /// A kept partial body was dropped and the body fetched from zero.
    Restarted {
        /// Why it was not continued.
        reason: RestartReason,
    },
}

/// What became of a job. Serialised with its `status` tag, and read back
/// the same way (so that a child process can hand its outcomes to a
/// parent).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Status {
    /// The body was saved whole.
    Saved {
        /// Body size in bytes.
        bytes: u64,
        /// Whether the saving attempt continued a partial body the store
        /// kept, or dropped one and started from zero.
        resume: Resume,
    },
    /// The server answered 404 (never retried).
    NotFound,
    /// The file was already complete in the store; nothing was requested.
    Skipped {
        /// Size of the file already there.
        bytes: u64,
    },
    /// The job failed after its last attempt.
    Failed(Failure),
}

/// The outcome of one job.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Outcome {
    /// The job.
    pub job: Job,
    /// What became of it.
    #[serde(flatten)]
    pub status: Status,
    /// Requests made for it (0 when skipped or refused before a request).
    pub attempts: u32,
    /// Time from its first request to its outcome, backoff included.
    #[serde(with = "duration_secs")]
    pub elapsed: Duration,
}

impl Outcome {
    /// Whether the job ended saved or skipped.
    pub fn is_success(&self) -> bool {
        matches!(self.status, Status::Saved { .. } | Status::Skipped { .. })
    }

    /// The failure, when the job failed.
    pub fn failure(&self) -> Option<&Failure> {
        match &self.status {
            Status::Failed(failure) => Some(failure),
            _ => None,
        }
    }

    /// A failed outcome ([`FailureKind::Io`], no attempt counted) for a job
    /// whose backend lost track of it: the worker, task or child process
    /// that had it died before recording an outcome. `detail` says how.
    pub fn lost(job: Job, detail: impl Into<String>) -> Self {
        Self {
            job,
            status: Status::Failed(Failure::new(FailureKind::Io, detail)),
            attempts: 0,
            elapsed: Duration::ZERO,
        }
    }

    /// A cancelled outcome, for jobs a cancelled run never finished.
    pub fn cancelled(job: Job, attempts: u32, elapsed: Duration) -> Self {
        Self {
            job,
            status: Status::Failed(Failure::new(FailureKind::Cancelled, "run cancelled")),
            attempts,
            elapsed,
        }
    }
}

pub(crate) mod duration_secs {
    use std::time::Duration;

    pub fn serialize<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_kinds() {
        assert!(FailureKind::HttpStatus(503).is_transient());
        assert!(FailureKind::HttpStatus(429).is_transient());
        assert!(!FailureKind::HttpStatus(404).is_transient());
        assert!(!FailureKind::HttpStatus(403).is_transient());
        assert!(FailureKind::Reset.is_transient());
        assert!(!FailureKind::TooLarge.is_transient());
    }

    #[test]
    fn outcome_serialises_flat() {
        let outcome = Outcome {
            job: Job::with_name("http://127.0.0.1/a", "a"),
            status: Status::Failed(Failure::new(FailureKind::HttpStatus(500), "boom")),
            attempts: 4,
            elapsed: Duration::from_millis(1500),
        };
        let json = serde_json::to_value(&outcome).unwrap();
        assert_eq!(json["status"], "failed");
        assert_eq!(json["attempts"], 4);
        assert_eq!(json["elapsed"], 1.5);
        assert_eq!(json["kind"], "http 500");
        assert_eq!(json["detail"], "boom");
    }

    #[test]
    fn statuses_and_kinds_read_back() {
        let kinds = [
            FailureKind::Timeout,
            FailureKind::Connect,
            FailureKind::Reset,
            FailureKind::HttpStatus(503),
            FailureKind::Truncated,
            FailureKind::TooLarge,
            FailureKind::Protocol,
            FailureKind::Redirect,
            FailureKind::UnsafeName,
            FailureKind::Io,
            FailureKind::Cancelled,
        ];
        for kind in kinds {
            assert_eq!(FailureKind::from_label(&kind.label()), Some(kind));
        }
        assert_eq!(FailureKind::from_label("http x"), None);
        assert_eq!(FailureKind::from_label("fire"), None);
        let statuses = [
            Status::Saved {
                bytes: 3,
                resume: Resume::Restarted {
                    reason: RestartReason::NoValidator,
                },
            },
            Status::Saved {
                bytes: 9,
                resume: Resume::Resumed { from: 4 },
            },
            Status::NotFound,
            Status::Skipped { bytes: 7 },
            Status::Failed(Failure::new(FailureKind::HttpStatus(429), "slow down")),
        ];
        for status in statuses {
            let json = serde_json::to_string(&status).unwrap();
            assert_eq!(
                serde_json::from_str::<Status>(&json).unwrap(),
                status,
                "{json}"
            );
        }
    }
}
