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

use crate::outcome::Failure;

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

/// The parts of a response head core reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Head {
    /// The HTTP status code.
    pub status: u16,
    /// The body length the response announces (`Content-Length`), if any.
    pub content_length: Option<u64>,
    /// `Location`, for a redirect.
    pub location: Option<String>,
    /// `Content-Range`, for a `206`.
    pub content_range: Option<String>,
    /// `Retry-After`, as sent.
    pub retry_after: Option<String>,
}

impl Head {
    /// The response headers core reads, lower-case, for [`Head::from_lookup`].
    pub const HEADERS: [&'static str; 3] = ["location", "content-range", "retry-after"];

    /// A head from a status, the announced length and a lookup that gives a
    /// header's value by (lower-case) name. A value that is not text is
    /// passed as `None`.
    pub fn from_lookup(
        status: u16,
        content_length: Option<u64>,
        mut header: impl FnMut(&'static str) -> Option<String>,
    ) -> Self {
        let [location, content_range, retry_after] = Self::HEADERS;
        Self {
            status,
            content_length,
            location: header(location),
            content_range: header(content_range),
            retry_after: header(retry_after),
        }
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
    /// A piece of the body.
    type Chunk: AsRef<[u8]> + Send;

    /// The next piece of the body; `Ok(None)` at its end. A connection closed
    /// before the announced length is
    /// [`FailureKind::Truncated`](crate::FailureKind::Truncated).
    fn chunk(&mut self) -> impl Future<Output = Result<Option<Self::Chunk>, Failure>> + Send;
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
            "retry-after" => Some("2".into()),
            _ => None,
        });
        assert_eq!(head.location, None);
        let decided = head.response_head();
        assert_eq!(decided.retry_after, Some(Duration::from_secs(2)));
        assert_eq!(decided.content_length, Some(4));
    }
}
