//! The rules every backend applies to a response, whatever its HTTP library:
//! which status means what, how large a body may be, when a body is short.
//!
//! A backend turns its library's response into a [`ResponseHead`], asks
//! [`ResponseHead::decide`] what to do, and streams the body through a
//! [`BodyWriter`], which enforces the size limit chunk by chunk and checks
//! the length at the end.

use std::io;
use std::time::Duration;

use crate::outcome::{Failure, FailureKind};
use crate::store::Sink;

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
                Some(len) if len > max_body_bytes => HeadDecision::Fail(too_large(len, max_body_bytes)),
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

/// Streams a body into a [`Sink`], failing as soon as it passes the size
/// limit, and as truncated when it ends short of `Content-Length`.
pub struct BodyWriter {
    sink: Box<dyn Sink>,
    written: u64,
    expected: Option<u64>,
    max: u64,
}

impl BodyWriter {
    /// A writer for a body announced as `expected` bytes (if known).
    pub fn new(sink: Box<dyn Sink>, expected: Option<u64>, max_body_bytes: u64) -> Self {
        Self {
            sink,
            written: 0,
            expected,
            max: max_body_bytes,
        }
    }

    /// Appends a chunk; fails (and the caller drops the writer, discarding
    /// the partial body) when the body grows past the limit or the store
    /// cannot write.
    pub fn write(&mut self, chunk: &[u8]) -> Result<(), Failure> {
        let written = self.written + chunk.len() as u64;
        if written > self.max {
            return Err(too_large(written, self.max));
        }
        if let Some(expected) = self.expected.filter(|&e| written > e) {
            return Err(Failure::new(
                FailureKind::Protocol,
                format!("body longer than its Content-Length of {expected}"),
            ));
        }
        self.sink
            .write(chunk)
            .map_err(|e| Failure::new(FailureKind::Io, format!("cannot write body: {e}")))?;
        self.written = written;
        Ok(())
    }

    /// Bytes written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Ends the body: checks it is as long as announced, then commits it.
    pub fn finish(self) -> Result<u64, Failure> {
        if let Some(expected) = self.expected.filter(|&e| self.written < e) {
            return Err(Failure::new(
                FailureKind::Truncated,
                format!("body ended after {} of {expected} bytes", self.written),
            ));
        }
        self.sink
            .commit()
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

    #[test]
    fn retry_after_in_seconds() {
        assert_eq!(parse_retry_after(" 3 "), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }
}
