//! [`ReqwestTransport`]: the shared reqwest client behind core's async seam.

use bytes::Bytes;
use fetchlab_core::Failure;
use fetchlab_core::backend::{AsyncBody, AsyncTransport, Head, Request};

use crate::failure;

/// One fetcher's reqwest client (a cheap handle on its connection pool).
#[derive(Debug, Clone)]
pub(crate) struct ReqwestTransport {
    client: reqwest::Client,
}

impl ReqwestTransport {
    pub(crate) fn new(client: reqwest::Client) -> Self {
        Self { client }
    }
}

/// A response whose body is being read. Dropping it at the end of the body
/// hands its connection back to the pool.
pub(crate) struct ReqwestBody {
    response: reqwest::Response,
    received: u64,
    expected: Option<u64>,
}

impl AsyncTransport for ReqwestTransport {
    type Body = ReqwestBody;

    async fn send(&self, request: Request<'_>) -> Result<(Head, ReqwestBody), Failure> {
        let mut builder = self.client.get(request.url.clone());
        for (name, value) in request.headers {
            builder = builder.header(*name, value.as_str());
        }
        let response = builder
            .send()
            .await
            .map_err(|e| failure::from_request(&e))?;
        let expected = response.content_length();
        let head = Head::from_lookup(response.status().as_u16(), expected, |name| {
            let values = response.headers().get_all(name).iter();
            values
                .filter_map(|v| v.to_str().ok().map(str::to_owned))
                .collect()
        });
        let body = ReqwestBody {
            response,
            received: 0,
            expected,
        };
        Ok((head, body))
    }
}

impl AsyncBody for ReqwestBody {
    type Chunk<'a> = Bytes;

    async fn chunk(&mut self) -> Result<Option<Bytes>, Failure> {
        match self.response.chunk().await {
            Ok(Some(chunk)) => {
                self.received += chunk.len() as u64;
                Ok(Some(chunk))
            }
            Ok(None) => {
                // The body is whole. hyper hands the connection back to
                // the pool from tasks of its own (the connection's
                // dispatcher, then a readiness future); a small body saved
                // in place lets this job end, and the next one ask the
                // pool for a connection, before those tasks ran, and the
                // pool opens a new connection (9–12 for 8 workers in the
                // TLS conformance case). One turn of the scheduler lets
                // them run first.
                tokio::task::yield_now().await;
                Ok(None)
            }
            Err(err) => Err(failure::from_body(&err, self.received, self.expected)),
        }
    }
}
