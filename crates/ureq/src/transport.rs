//! [`UreqTransport`]: one shared ureq agent behind core's blocking seam.

use std::io::Read;

use fetchlab_core::backend::{BlockingBody, BlockingTransport, Head, Request};
use fetchlab_core::{CancelHook, CancelToken, Failure, Settings};
use ureq::{Agent, BodyReader};

use crate::client;
use crate::failure::Limits;

/// The ureq client of one run: an [`Agent`] (configured by `client`) whose
/// connection pool every worker thread shares, and which is shut down the
/// moment the run is cancelled. Share it by reference; build one per run.
#[derive(Debug)]
pub struct UreqTransport {
    agent: Agent,
    limits: Limits,
    /// Shuts `agent` down on cancel, which cuts off every request in
    /// flight (see the crate docs); unregistered with the transport.
    _shutdown: CancelHook,
}

impl UreqTransport {
    /// A transport for a run with `settings`, cancelled through `cancel`.
    pub fn new(settings: &Settings, cancel: &CancelToken) -> Self {
        let agent = client::agent(settings);
        let shutdown = {
            let agent = agent.clone();
            cancel.on_cancel(move || agent.shutdown())
        };
        Self {
            agent,
            limits: Limits::new(settings),
            _shutdown: shutdown,
        }
    }
}

/// A response body being read from its connection.
pub struct UreqBody {
    reader: BodyReader<'static>,
    limits: Limits,
}

impl BlockingTransport for UreqTransport {
    type Body = UreqBody;

    fn send(&self, request: Request<'_>) -> Result<(Head, UreqBody), Failure> {
        let mut builder = self.agent.get(request.url.as_str());
        for (name, value) in request.headers {
            builder = builder.header(*name, value.as_str());
        }
        let response = builder.call().map_err(|e| self.limits.request_failure(e))?;
        let content_length = response.body().content_length();
        let head = Head::from_lookup(response.status().as_u16(), content_length, |name| {
            let values = response.headers().get_all(name).iter();
            values
                .filter_map(|v| v.to_str().ok().map(str::to_owned))
                .collect()
        });
        let body = UreqBody {
            reader: response.into_body().into_reader(),
            limits: self.limits,
        };
        Ok((head, body))
    }
}

impl BlockingBody for UreqBody {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Failure> {
        loop {
            match self.reader.read(buf) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                result => return result.map_err(|e| self.limits.body_failure(e)),
            }
        }
    }
}
