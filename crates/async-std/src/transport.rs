//! [`SurfTransport`]: the shared surf client behind core's async seam.

use fetchlab_core::backend::{AsyncBody, AsyncTransport, Head, Request, classify_io_error};
use fetchlab_core::{Failure, FailureKind};
use futures::AsyncReadExt;
use surf::http::Version;
use surf::http::headers::{CONNECTION, CONTENT_LENGTH};

use crate::connection_pool::Reuse;
use crate::failure;

/// Bytes asked for per body read. async-h1 reads through a fixed 8 KiB
/// buffer; 16 KiB here keeps reads few without growing per connection.
const READ_BYTES: usize = 16 * 1024;

/// One fetcher's surf client (a cheap handle on its connection pool).
#[derive(Debug, Clone)]
pub(crate) struct SurfTransport {
    client: surf::Client,
}

impl SurfTransport {
    pub(crate) fn new(client: surf::Client) -> Self {
        Self { client }
    }
}

/// A response body being read. Its connection goes back to the pool only
/// once the body was read to its end, as long as announced.
pub(crate) struct SurfBody {
    body: surf::Body,
    buf: Vec<u8>,
    received: u64,
    expected: Option<u64>,
    reuse: Reuse,
}

impl AsyncTransport for SurfTransport {
    type Body = SurfBody;

    async fn send(&self, request: Request<'_>) -> Result<(Head, SurfBody), Failure> {
        let mut builder = self.client.get(request.url.clone());
        for (name, value) in request.headers {
            builder = builder.header(*name, value.as_str());
        }
        let mut response = builder.await.map_err(|e| failure::from_surf(&e))?;
        let header = |name: &str| -> Vec<String> {
            let values = response.header(name).map(|v| v.iter());
            values
                .into_iter()
                .flatten()
                .map(|v| v.as_str().to_owned())
                .collect()
        };
        let lengths = header(CONTENT_LENGTH.as_str());
        let expected = lengths.first().and_then(|v| v.trim().parse().ok());
        let head = Head::from_lookup(u16::from(response.status()), expected, header);
        // Every response of our client carries one; a missing one only
        // means the connection is not reused.
        let reuse = response.ext::<Reuse>().cloned().unwrap_or_default();
        if !keeps_alive(&response) {
            reuse.forbid();
        }
        let body = SurfBody {
            body: response.take_body(),
            buf: vec![0; READ_BYTES],
            received: 0,
            expected,
            reuse,
        };
        Ok((head, body))
    }
}

/// Whether the server keeps the connection open after `response`: not when
/// it said `Connection: close`, nor for HTTP/1.0 without
/// `Connection: keep-alive` (RFC 9112 §9.3). Such a connection is never
/// pooled: the server closes it, and the next request on it would fail.
fn keeps_alive(response: &surf::Response) -> bool {
    let says = |token: &str| {
        response.header(CONNECTION).is_some_and(|values| {
            values.iter().any(|v| {
                v.as_str()
                    .split(',')
                    .any(|t| t.trim().eq_ignore_ascii_case(token))
            })
        })
    };
    match response.version() {
        Some(Version::Http1_0) => says("keep-alive") && !says("close"),
        _ => !says("close"),
    }
}

impl AsyncBody for SurfBody {
    type Chunk<'a> = &'a [u8];

    async fn chunk(&mut self) -> Result<Option<&[u8]>, Failure> {
        match self.body.read(&mut self.buf).await {
            Ok(0) => {
                if self.expected.is_none_or(|e| e == self.received) {
                    self.reuse.allow();
                }
                Ok(None)
            }
            Ok(n) => {
                self.received += n as u64;
                Ok(Some(&self.buf[..n]))
            }
            Err(err) => {
                let closed_early = err.kind() == std::io::ErrorKind::UnexpectedEof
                    && self.expected.is_some_and(|e| self.received < e);
                let kind = if closed_early {
                    FailureKind::Truncated
                } else {
                    classify_io_error(&err)
                };
                Err(Failure::new(kind, err.to_string()))
            }
        }
    }
}
