//! The seam between core's attempt and a backend's HTTP client.
//!
//! A backend adapts its client to one of two traits: [`BlockingTransport`]
//! (threads: `send` blocks, the body is read like [`std::io::Read`]) or
//! [`AsyncTransport`] (futures: `send` and each body chunk are awaited).
//! Either way the transport does one thing: send one `GET` with the headers
//! core gives (`Range` when resuming), and hand back the response's
//! [`Head`] and its body, with the client's errors already sorted into
//! [`FailureKind`](crate::FailureKind)s. It follows no redirects (core does,
//! hop by hop, see [`super::redirect`]), decides nothing about statuses or
//! sizes, and writes nothing: that is [`super::attempt`]'s job, written once
//! for every backend.
//!
//! Connection reuse stays the client's business; core helps by reading every
//! body it does not keep to its end when it is small (see
//! [`super::attempt::DRAIN_LIMIT`]), then dropping it.

use std::future::Future;
use std::time::Duration;

use url::Url;

use crate::outcome::{Failure, FailureKind};

use super::transfer::{ResponseHead, parse_retry_after};

/// One request core asks a transport to send: a `GET` of `url` with these
/// extra headers, in addition to the client's own (`User-Agent`, `Host`…).
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// An absolute `http` or `https` URL (core checked the scheme).
    pub url: &'a Url,
    /// Extra headers, as `(name, value)`; names are lower-case.
    pub headers: &'a [(&'static str, String)],
}

/// The most bytes of response head a transport reads before refusing the
/// response as a protocol failure: the status line and every header line,
/// interim (`1xx`) responses included. Every backend enforces this one limit
/// (through its client's own setting where it has one, otherwise in its
/// transport), so an endless header line, an endless status line, a flood
/// of headers or of `100 Continue` costs at most this much memory.
pub const MAX_HEAD_BYTES: usize = 64 * 1024;

/// The parts of a response head core reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Head {
    /// The HTTP status code.
    pub status: u16,
    /// The body length the client will read (`Content-Length` as the
    /// client understood it), if any.
    pub content_length: Option<u64>,
    /// Every `Content-Length` value as sent, for core's framing check.
    pub content_lengths: Vec<String>,
    /// `Transfer-Encoding`, as sent.
    pub transfer_encoding: Option<String>,
    /// `Location`, for a redirect.
    pub location: Option<String>,
    /// `Content-Range`, for a `206`.
    pub content_range: Option<String>,
    /// `Retry-After`, as sent.
    pub retry_after: Option<String>,
    /// `ETag`, as sent: recorded with a partial body to validate a resume.
    pub etag: Option<String>,
    /// `Last-Modified`, as sent: the validator when there is no strong
    /// `ETag`.
    pub last_modified: Option<String>,
}

impl Head {
    /// The response headers core reads, lower-case, for [`Head::from_lookup`].
    pub const HEADERS: [&'static str; 7] = [
        "content-length",
        "transfer-encoding",
        "location",
        "content-range",
        "retry-after",
        "etag",
        "last-modified",
    ];

    /// A head from a status, the length the client will read and a lookup
    /// that gives every value of a header by (lower-case) name, in the order
    /// sent. A value that is not text is left out.
    pub fn from_lookup(
        status: u16,
        content_length: Option<u64>,
        mut header: impl FnMut(&'static str) -> Vec<String>,
    ) -> Self {
        let [length, encoding, location, range, retry, etag, modified] = Self::HEADERS;
        let content_lengths = header(length);
        let mut first = |name| header(name).into_iter().next();
        Self {
            status,
            content_length,
            content_lengths,
            transfer_encoding: first(encoding),
            location: first(location),
            content_range: first(range),
            retry_after: first(retry),
            etag: first(etag),
            last_modified: first(modified),
        }
    }

    /// Refuses a head no correct server sends, whatever the client library
    /// let through, as a [`FailureKind::Protocol`] failure (never retried):
    ///
    /// - a status outside `200..=599` reaching core: `1xx` are interim
    ///   responses the transport skips, anything outside `100..=599` is no
    ///   HTTP status (RFC 9110 §15);
    /// - a `Content-Length` that is not a decimal number of at most 64 bits,
    ///   or several that differ (RFC 9112 §6.3);
    /// - `Content-Length` together with `Transfer-Encoding` (RFC 9112 §6.3:
    ///   "ought to be handled as an error"; it is how response splitting
    ///   looks).
    pub fn check_framing(&self) -> Result<(), Failure> {
        let refuse = |why: String| Err(Failure::new(FailureKind::Protocol, why));
        match self.status {
            200..=599 => {}
            100..=199 => {
                return refuse(format!(
                    "interim status {} given as the final response",
                    self.status
                ));
            }
            status => return refuse(format!("status {status} is outside 100..=599")),
        }
        let mut length = None;
        for value in self.content_lengths.iter().flat_map(|v| v.split(',')) {
            let value = value.trim();
            let parsed = match value.parse::<u64>() {
                Ok(n) if value.bytes().all(|b| b.is_ascii_digit()) => n,
                _ => return refuse(format!("Content-Length {value:?} is not a length")),
            };
            if length.is_some_and(|seen| seen != parsed) {
                return refuse("conflicting Content-Length values".into());
            }
            length = Some(parsed);
        }
        if length.is_some() && self.transfer_encoding.is_some() {
            return refuse("both Content-Length and Transfer-Encoding".into());
        }
        Ok(())
    }

    /// What [`ResponseHead::decide`] needs.
    pub fn response_head(&self) -> ResponseHead {
        ResponseHead {
            status: self.status,
            content_length: self.content_length,
            retry_after: self.retry_after.as_deref().and_then(parse_retry_after),
        }
    }
}

/// A blocking HTTP client, as core's blocking attempt uses it.
///
/// Shared by every worker thread of a run (`Sync`), so that its connection
/// pool is shared too.
pub trait BlockingTransport: Sync {
    /// A response body being read.
    type Body: BlockingBody;

    /// Sends `request`; returns the head once it arrived, with the body
    /// still to read. Redirects are returned as they are, not followed.
    fn send(&self, request: Request<'_>) -> Result<(Head, Self::Body), Failure>;
}

/// A response body read with blocking calls.
pub trait BlockingBody {
    /// Reads the next bytes into `buf`; `Ok(0)` at the end of the body. A
    /// connection closed before the announced length is
    /// [`FailureKind::Truncated`](crate::FailureKind::Truncated).
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Failure>;
}

/// An async HTTP client, as core's async attempt uses it. Its futures run
/// on the backend's runtime; core only awaits them.
pub trait AsyncTransport: Send + Sync {
    /// A response body being read.
    type Body: AsyncBody;

    /// Sends `request`; completes with the head, the body still to read.
    /// Redirects are returned as they are, not followed. Bounding the
    /// connect and head phases is the transport's job (its client's
    /// timeouts); core bounds the whole attempt by the total timeout.
    fn send(
        &self,
        request: Request<'_>,
    ) -> impl Future<Output = Result<(Head, Self::Body), Failure>> + Send;
}

/// A response body read chunk by chunk, asynchronously. Core bounds each
/// chunk's wait by the read timeout.
pub trait AsyncBody: Send {
    /// A piece of the body. It may borrow the body (a slice of the
    /// backend's read buffer), so that a library that reads into a buffer
    /// of ours does not also copy each piece out of it.
    type Chunk<'a>: AsRef<[u8]> + Send
    where
        Self: 'a;

    /// The next piece of the body; `Ok(None)` at its end. A connection closed
    /// before the announced length is
    /// [`FailureKind::Truncated`](crate::FailureKind::Truncated).
    fn chunk(&mut self) -> impl Future<Output = Result<Option<Self::Chunk<'_>>, Failure>> + Send;
}

/// What core's async code needs from the backend's runtime: a timer, and a
/// thread to run blocking store I/O on.
pub trait AsyncRuntime: Send + Sync {
    /// Completes after `duration`.
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send;

    /// Runs `work` on a thread where blocking is allowed (the runtime's
    /// blocking pool); `Err` with a reason when it could not run or
    /// panicked.
    fn spawn_blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> impl Future<Output = Result<T, String>> + Send;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_reads_the_headers_core_needs() {
        let head = Head::from_lookup(503, Some(4), |name| match name {
            "retry-after" => vec!["2".into()],
            _ => vec![],
        });
        assert_eq!(head.location, None);
        let decided = head.response_head();
        assert_eq!(decided.retry_after, Some(Duration::from_secs(2)));
        assert_eq!(decided.content_length, Some(4));
    }

    fn head(status: u16, lengths: &[&str], encoding: Option<&str>) -> Head {
        Head {
            status,
            content_lengths: lengths.iter().map(|s| (*s).to_owned()).collect(),
            transfer_encoding: encoding.map(str::to_owned),
            ..Head::default()
        }
    }

    #[test]
    fn framing_a_server_cannot_mean_is_refused() {
        assert!(head(200, &["5"], None).check_framing().is_ok());
        assert!(head(200, &["5", "5"], None).check_framing().is_ok());
        assert!(head(200, &["5, 5"], None).check_framing().is_ok());
        assert!(head(200, &[], Some("chunked")).check_framing().is_ok());
        assert!(head(599, &[], None).check_framing().is_ok());
        let refused = [
            head(200, &["5", "7"], None),
            head(200, &["5, 7"], None),
            head(200, &["-1"], None),
            head(200, &["+5"], None),
            head(200, &["99999999999999999999999"], None),
            head(200, &["3"], Some("chunked")),
            head(999, &[], None),
            head(100, &[], None),
            head(99, &[], None),
        ];
        for head in refused {
            let failure = head.check_framing().unwrap_err();
            assert_eq!(failure.kind, FailureKind::Protocol, "{head:?}");
        }
    }
}
