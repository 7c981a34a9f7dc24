//! The rules every backend applies to a response, whatever its HTTP library:
//! which status means what, how large a body may be, when a body is short.
//!
//! A backend turns its library's response into a [`ResponseHead`], asks
//! [`ResponseHead::decide`] what to do, and streams the body through a
//! [`BodyWriter`], which enforces the size limit chunk by chunk and checks
//! the length at the end.
//!
//! Resume: before an attempt, [`resume_point`] says whether the store kept
//! a partial body that can be continued: one whose recorded origin
//! ([`PartialOrigin`]) is this job's URL and holds a validator (a strong
//! `ETag`, else `Last-Modified`). Then the request carries
//! `Range: bytes=<offset>-` and `If-Range: <validator>`, and [`open_body`]
//! appends on a matching `206` or starts afresh on a `200` (the server's
//! answer when the representation changed). A partial body with no origin,
//! another URL's, or no validator is never resumed blind: the body starts
//! from zero and replaces it. When a body starts, the response's `ETag` and
//! `Last-Modified` are recorded with it ([`Sink::set_origin`]), so that a
//! later attempt or run can resume it.
//!
//! A restart (a partial body dropped for one of these reasons, or a `200`
//! to an `If-Range` request) is not a failure: the saved outcome says it
//! in its [`Resume`] ([`Resume::Restarted`] with a [`RestartReason`]), as
//! it says a continued body ([`Resume::Resumed`]); [`resume_start`] gives
//! the reason before the request, [`BodyOpening::resume`] after the head.

use std::io;
use std::time::Duration;

use crate::job::Job;
use crate::outcome::{Failure, FailureKind, RestartReason, Resume};
use crate::settings::Settings;
use crate::store::{PartialOrigin, Presence, Sink, Store};

/// The parts of a response head that decide a job's fate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseHead {
    /// The HTTP status code.
    pub status: u16,
    /// The `Content-Length`, when given.
    pub content_length: Option<u64>,
    /// The `Retry-After` delay, when given in seconds.
    pub retry_after: Option<Duration>,
}

/// What to do with a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeadDecision {
    /// 2xx within the size limit: stream the body.
    ReadBody,
    /// 404: the job is not found; do not retry.
    NotFound,
    /// Anything else: this attempt failed (maybe transiently).
    Fail(Failure),
}

impl ResponseHead {
    /// Decides from the status and the announced length.
    pub fn decide(&self, max_body_bytes: u64) -> HeadDecision {
        match self.status {
            200..=299 => match self.content_length {
                Some(len) if len > max_body_bytes => {
                    HeadDecision::Fail(too_large(len, max_body_bytes))
                }
                _ => HeadDecision::ReadBody,
            },
            404 => HeadDecision::NotFound,
            status => {
                let mut failure = Failure::new(
                    FailureKind::HttpStatus(status),
                    format!("server answered {status}"),
                );
                failure.retry_after = self.retry_after;
                HeadDecision::Fail(failure)
            }
        }
    }
}

/// Parses a `Retry-After` value given in seconds (HTTP dates are ignored).
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

fn too_large(len: u64, max: u64) -> Failure {
    Failure::new(
        FailureKind::TooLarge,
        format!("body of {len} bytes or more exceeds the limit of {max} bytes"),
    )
}

/// A partial body shorter than this is not worth keeping for resume: it is
/// discarded on failure, like any body of a small file.
pub const RESUME_MIN_BYTES: u64 = 1 << 20;

/// Streams a body into a [`Sink`], failing as soon as it passes the size
/// limit, and as truncated when it ends short of `Content-Length`.
///
/// Dropped before [`BodyWriter::finish`] (an error, a timeout, a cancel), it
/// keeps a partial body of at least [`RESUME_MIN_BYTES`] for resume, unless
/// the failure was permanent (too large, longer than announced, a store
/// error); otherwise the partial body is discarded.
pub struct BodyWriter {
    /// `None` once finished.
    sink: Option<Box<dyn Sink>>,
    /// Bytes already in the sink before this response (a resumed body).
    offset: u64,
    written: u64,
    expected: Option<u64>,
    max: u64,
    resumable: bool,
}

impl BodyWriter {
    /// A writer for a body announced as `expected` bytes (if known).
    pub fn new(sink: Box<dyn Sink>, expected: Option<u64>, max_body_bytes: u64) -> Self {
        Self {
            sink: Some(sink),
            offset: 0,
            written: 0,
            expected,
            max: max_body_bytes,
            resumable: true,
        }
    }

    /// For a resumed body: the sink already holds `offset` bytes, and
    /// `expected` counts only the rest.
    pub fn resuming_at(mut self, offset: u64) -> Self {
        self.offset = offset;
        self
    }

    /// Appends a chunk; fails (and the caller drops the writer) when the
    /// body grows past the limit or the store cannot write.
    pub fn write(&mut self, chunk: &[u8]) -> Result<(), Failure> {
        let written = self.written + chunk.len() as u64;
        if self.offset + written > self.max {
            self.resumable = false;
            return Err(too_large(self.offset + written, self.max));
        }
        if let Some(expected) = self.expected.filter(|&e| written > e) {
            self.resumable = false;
            return Err(Failure::new(
                FailureKind::Protocol,
                format!("body longer than its Content-Length of {expected}"),
            ));
        }
        let Some(sink) = self.sink.as_mut() else {
            return Err(Failure::new(FailureKind::Io, "body already finished"));
        };
        if let Err(e) = sink.write(chunk) {
            self.resumable = false;
            return Err(Failure::new(
                FailureKind::Io,
                format!("cannot write body: {e}"),
            ));
        }
        self.written = written;
        Ok(())
    }

    /// Bytes written from this response so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Ends the body: checks it is as long as announced, then commits it.
    pub fn finish(mut self) -> Result<u64, Failure> {
        if let Some(expected) = self.expected.filter(|&e| self.written < e) {
            return Err(Failure::new(
                FailureKind::Truncated,
                format!("body ended after {} of {expected} bytes", self.written),
            ));
        }
        let Some(sink) = self.sink.take() else {
            return Err(Failure::new(FailureKind::Io, "body already finished"));
        };
        sink.commit()
            .map_err(|e| Failure::new(FailureKind::Io, format!("cannot save body: {e}")))
    }

    /// Copies a whole body from a blocking reader, in chunks of `buf`'s
    /// size, then finishes. Read errors are classified by
    /// [`classify_io_error`].
    pub fn copy_from(mut self, reader: &mut dyn io::Read, buf: &mut [u8]) -> Result<u64, Failure> {
        loop {
            match reader.read(buf) {
                Ok(0) => return self.finish(),
                Ok(n) => self.write(&buf[..n])?,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Failure::new(classify_io_error(&e), e.to_string())),
            }
        }
    }
}

impl Drop for BodyWriter {
    fn drop(&mut self) {
        let keep = self.resumable && self.offset + self.written >= RESUME_MIN_BYTES;
        if let Some(sink) = self.sink.take().filter(|_| keep) {
            sink.keep_partial();
        }
    }
}

/// Where a resume continues a kept partial body, and the validator that
/// proves the server still sends the same representation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResumePoint {
    /// Bytes already kept: send `Range: bytes=<offset>-`.
    pub offset: u64,
    /// Send as `If-Range`.
    pub if_range: String,
}

impl ResumePoint {
    /// The request headers of the resume.
    pub fn headers(&self) -> [(&'static str, String); 2] {
        [
            ("range", format!("bytes={}-", self.offset)),
            ("if-range", self.if_range.clone()),
        ]
    }
}

/// Whether an attempt at `job` continues a partial body the store kept:
/// only when `settings.overwrite()` is off and the partial's origin is
/// this job's URL with a validator to send as `If-Range`. `None`: the body
/// starts from zero (replacing any partial one).
pub fn resume_point(store: &dyn Store, job: &Job, settings: &Settings) -> Option<ResumePoint> {
    resume_start(store, job, settings).ok()
}

/// [`resume_point`], saying on `Err` how a body started from zero relates
/// to what the store kept: [`Resume::None`] when it kept no partial body
/// (or `settings.overwrite()` is on), else [`Resume::Restarted`] with the
/// reason the partial body cannot be continued.
pub fn resume_start(
    store: &dyn Store,
    job: &Job,
    settings: &Settings,
) -> Result<ResumePoint, Resume> {
    if settings.overwrite() {
        return Err(Resume::None);
    }
    resume_from(store.check(job).ok().as_ref(), job, settings)
}

/// [`resume_start`] from what the store was already found to hold for
/// `job` (`presence`, `None` when the look-up failed), without asking it
/// again: a run checks each job once before its first attempt
/// ([`super::JobRun::begin`]) and hands that answer to the attempt.
pub fn resume_from(
    presence: Option<&Presence>,
    job: &Job,
    settings: &Settings,
) -> Result<ResumePoint, Resume> {
    if settings.overwrite() {
        return Err(Resume::None);
    }
    let restarted = |reason| Err(Resume::Restarted { reason });
    match presence {
        Some(Presence::Partial { bytes, origin }) => match origin {
            None => restarted(RestartReason::NoOrigin),
            Some(origin) if !origin.is_for(job) => restarted(RestartReason::OtherUrl),
            Some(origin) => match origin.if_range() {
                Some(validator) => Ok(ResumePoint {
                    offset: *bytes,
                    if_range: validator.to_owned(),
                }),
                None => restarted(RestartReason::NoValidator),
            },
        },
        _ => Err(Resume::None),
    }
}

/// Opens the body of a response the head said to read
/// ([`HeadDecision::ReadBody`]): a `206` that continues the partial body at
/// `requested_from` appends to it; anything else (a `200`: the server
/// ignored the `Range`, or the `If-Range` validator no longer matched)
/// starts the body afresh. `origin` (the job's URL and the response's
/// validators) is recorded with the body; a `206` without validators keeps
/// the origin the partial body had.
pub fn open_body(
    store: &dyn Store,
    job: &Job,
    head: &ResponseHead,
    content_range: Option<&str>,
    requested_from: Option<u64>,
    max_body_bytes: u64,
    origin: &PartialOrigin,
) -> Result<BodyWriter, Failure> {
    let has_validator = origin.etag.is_some() || origin.last_modified.is_some();
    let (mut sink, offset) = match (head.status, requested_from) {
        (206, Some(offset)) => {
            let start = content_range.and_then(range_start);
            if start != Some(offset) {
                return Err(Failure::new(
                    FailureKind::Protocol,
                    format!("asked for bytes from {offset}, got Content-Range {content_range:?}"),
                ));
            }
            (store.resume(job, offset)?, Some(offset))
        }
        (206, None) => {
            return Err(Failure::new(
                FailureKind::Protocol,
                "206 Partial Content to a request without Range",
            ));
        }
        _ => (store.begin(job)?, None),
    };
    if offset.is_none() || has_validator {
        sink.set_origin(origin.clone());
    }
    let writer = BodyWriter::new(sink, head.content_length, max_body_bytes);
    Ok(match offset {
        Some(offset) => writer.resuming_at(offset),
        None => writer,
    })
}

/// Everything [`open_body`] needs, owned, so that an async backend can move
/// it into a blocking task and open the sink there, off its runtime.
pub struct BodyOpening {
    /// The store.
    pub store: std::sync::Arc<dyn Store>,
    /// The job.
    pub job: Job,
    /// The response head (its `Content-Length` counts this response only).
    pub head: ResponseHead,
    /// The response's `Content-Range`, if any.
    pub content_range: Option<String>,
    /// The offset asked for with `Range`, if the request resumed.
    pub resumed_from: Option<u64>,
    /// How the body relates to what the store kept when the request asked
    /// for no range ([`resume_start`]'s `Err`).
    pub without_range: Resume,
    /// The largest body accepted.
    pub max: u64,
    /// What the body is part of: recorded with it ([`Sink::set_origin`]).
    pub origin: PartialOrigin,
}

impl BodyOpening {
    /// How the saved body relates to a partial body the store kept: a `206`
    /// to a range request continues it; any other answer to one restarts
    /// it ([`RestartReason::NotResumed`]); without a range, as
    /// [`BodyOpening::without_range`] says.
    pub fn resume(&self) -> Resume {
        match (self.head.status, self.resumed_from) {
            (206, Some(from)) => Resume::Resumed { from },
            (_, Some(_)) => Resume::Restarted {
                reason: RestartReason::NotResumed,
            },
            (_, None) => self.without_range,
        }
    }

    /// Opens the body: [`open_body`] with these values.
    pub fn open(&self) -> Result<BodyWriter, Failure> {
        open_body(
            self.store.as_ref(),
            &self.job,
            &self.head,
            self.content_range.as_deref(),
            self.resumed_from,
            self.max,
            &self.origin,
        )
    }
}

/// The first byte of a `Content-Range: bytes <first>-<last>/<total>`.
fn range_start(value: &str) -> Option<u64> {
    let range = value.trim().strip_prefix("bytes ")?;
    range.split('-').next()?.trim().parse().ok()
}

/// The failure kind of an I/O error met while talking to a server.
pub fn classify_io_error(err: &io::Error) -> FailureKind {
    use io::ErrorKind as K;
    match err.kind() {
        K::TimedOut | K::WouldBlock => FailureKind::Timeout,
        K::ConnectionRefused | K::HostUnreachable | K::NetworkUnreachable | K::AddrNotAvailable => {
            FailureKind::Connect
        }
        K::InvalidData => FailureKind::Protocol,
        _ => FailureKind::Reset,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct VecSink(Vec<u8>);

    impl Sink for VecSink {
        fn write(&mut self, chunk: &[u8]) -> io::Result<()> {
            self.0.extend_from_slice(chunk);
            Ok(())
        }
        fn commit(self: Box<Self>) -> io::Result<u64> {
            Ok(self.0.len() as u64)
        }
    }

    fn head(status: u16, len: Option<u64>) -> ResponseHead {
        ResponseHead {
            status,
            content_length: len,
            retry_after: Some(Duration::from_secs(2)),
        }
    }

    #[test]
    fn statuses_decide_the_outcome() {
        assert_eq!(head(200, Some(10)).decide(10), HeadDecision::ReadBody);
        assert_eq!(head(404, None).decide(10), HeadDecision::NotFound);
        let HeadDecision::Fail(f) = head(200, Some(11)).decide(10) else {
            panic!("too large not refused")
        };
        assert_eq!(f.kind, FailureKind::TooLarge);
        let HeadDecision::Fail(f) = head(503, None).decide(10) else {
            panic!("503 not a failure")
        };
        assert_eq!(f.kind, FailureKind::HttpStatus(503));
        assert_eq!(f.retry_after, Some(Duration::from_secs(2)));
    }

    #[test]
    fn writer_enforces_limit_and_length() {
        let mut w = BodyWriter::new(Box::new(VecSink(vec![])), None, 4);
        w.write(b"abc").unwrap();
        assert_eq!(w.write(b"de").unwrap_err().kind, FailureKind::TooLarge);

        let mut w = BodyWriter::new(Box::new(VecSink(vec![])), Some(5), 100);
        w.write(b"abc").unwrap();
        assert_eq!(w.finish().unwrap_err().kind, FailureKind::Truncated);

        let mut reader: &[u8] = b"hello";
        let w = BodyWriter::new(Box::new(VecSink(vec![])), Some(5), 100);
        assert_eq!(w.copy_from(&mut reader, &mut [0; 2]).unwrap(), 5);
    }

    fn origin(job: &Job, etag: Option<&str>) -> PartialOrigin {
        PartialOrigin::new(job.url(), etag.map(str::to_owned), None)
    }

    /// Keeps `bytes` as the partial body of `job`, recorded with `origin`.
    fn keep(store: &crate::DirStore, job: &Job, bytes: &[u8], origin: &PartialOrigin) {
        let head = ResponseHead {
            status: 200,
            content_length: Some(2 * bytes.len() as u64),
            retry_after: None,
        };
        let mut w = open_body(store, job, &head, None, None, 1 << 30, origin).unwrap();
        w.write(bytes).unwrap();
        drop(w);
    }

    #[test]
    fn resumes_on_206_and_restarts_on_200() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::DirStore::new(dir.path()).unwrap();
        let job = Job::with_name("http://127.0.0.1/big", "big.bin");
        let settings = Settings::default();
        let big = vec![7u8; RESUME_MIN_BYTES as usize];

        // A large body cut off transiently is kept with its validator…
        keep(&store, &job, &big, &origin(&job, Some("\"v1\"")));
        let point = resume_point(&store, &job, &settings).expect("resumable");
        assert_eq!(point.offset, big.len() as u64);
        assert_eq!(point.headers()[1], ("if-range", "\"v1\"".to_owned()));

        // …and continued by a matching 206.
        let head = ResponseHead {
            status: 206,
            content_length: Some(3),
            retry_after: None,
        };
        let range = format!("bytes {}-{}/{}", big.len(), big.len() + 2, big.len() + 3);
        let none = origin(&job, None);
        let offset = Some(point.offset);
        let mut w = open_body(&store, &job, &head, Some(&range), offset, 1 << 30, &none).unwrap();
        w.write(b"end").unwrap();
        assert_eq!(w.finish().unwrap(), big.len() as u64 + 3);
        assert_eq!(resume_point(&store, &job, &settings), None);

        // A 206 for another offset is refused.
        let wrong = open_body(
            &store,
            &job,
            &head,
            Some("bytes 5-7/8"),
            Some(4),
            100,
            &none,
        );
        assert_eq!(wrong.err().map(|f| f.kind), Some(FailureKind::Protocol));
    }

    #[test]
    fn a_partial_without_a_usable_origin_is_not_resumed() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::DirStore::new(dir.path()).unwrap();
        let job = Job::with_name("http://127.0.0.1/big", "big.bin");
        let settings = Settings::default();
        let big = vec![7u8; RESUME_MIN_BYTES as usize];
        let other = Job::with_name("http://127.0.0.2/big", "big.bin");
        for (origin, reason) in [
            (origin(&job, None), RestartReason::NoValidator),
            (origin(&other, Some("\"v1\"")), RestartReason::OtherUrl),
        ] {
            keep(&store, &job, &big, &origin);
            assert!(matches!(store.check(&job), Ok(Presence::Partial { .. })));
            assert_eq!(resume_point(&store, &job, &settings), None, "{origin:?}");
            let start = resume_start(&store, &job, &settings);
            assert_eq!(start, Err(Resume::Restarted { reason }), "{origin:?}");
        }
        let overwrite = settings.to_builder().overwrite(true).build().unwrap();
        keep(&store, &job, &big, &origin(&job, Some("\"v1\"")));
        assert_eq!(resume_point(&store, &job, &overwrite), None);
        assert_eq!(resume_start(&store, &job, &overwrite), Err(Resume::None));
    }

    #[test]
    fn small_or_permanently_failed_bodies_are_not_kept() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::DirStore::new(dir.path()).unwrap();
        let job = Job::with_name("http://127.0.0.1/a", "a.bin");
        let settings = Settings::default();
        let mut w = BodyWriter::new(store.begin(&job).unwrap(), Some(100), 1 << 30);
        w.write(b"small").unwrap();
        drop(w);
        assert_eq!(resume_point(&store, &job, &settings), None);

        let big = vec![1u8; RESUME_MIN_BYTES as usize];
        let mut w = BodyWriter::new(store.begin(&job).unwrap(), None, RESUME_MIN_BYTES + 1);
        w.write(&big).unwrap();
        assert_eq!(w.write(b"xx").unwrap_err().kind, FailureKind::TooLarge);
        drop(w);
        assert_eq!(resume_point(&store, &job, &settings), None);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn retry_after_in_seconds() {
        assert_eq!(parse_retry_after(" 3 "), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }
}
