//! [`UreqTransport`]: one shared ureq agent behind core's blocking seam.

use std::io::Read;

use fetchlab_core::backend::{BlockingBody, BlockingTransport, Head, Request};
use fetchlab_core::{CancelHook, CancelToken, Failure, Settings};
use ureq::{Agent, BodyReader};

use crate::client;
use crate::failure::Limits;

/// The ureq client of one run: an [`Agent`] (configured by `client`) whose
/// connection pool every worker thread shares. Cheap to share by
/// reference; build one per run.
#[derive(Debug)]
pub struct UreqTransport {
    agent: Agent,
    limits: Limits,
}

impl UreqTransport {
    /// A transport for a run with `settings`.
    pub fn new(settings: &Settings) -> Self {
        Self {
            agent: client::agent(settings),
            limits: Limits::new(settings),
        }
    }

    /// Shuts the agent down the moment `cancel` is cancelled, which cuts
    /// off every request in flight (see the crate docs). Keep the returned
    /// hook for the length of the run.
    pub fn shut_down_on_cancel(&self, cancel: &CancelToken) -> CancelHook {
        let agent = self.agent.clone();
        cancel.on_cancel(move || agent.shutdown())
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
            let value = response.headers().get(name)?;
            value.to_str().ok().map(str::to_owned)
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
