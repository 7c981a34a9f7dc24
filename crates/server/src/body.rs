//! [`ResponseBody`], the body type of every response: empty, whole, or a
//! paced stream. It carries the request's in-flight guard and drops it
//! with its last byte (under the network model the count then waits for
//! the wire to release those bytes; see `wire::Release`).

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use futures::stream::{BoxStream, StreamExt};
use hyper::body::{Body, Frame, SizeHint};

use crate::pace::{Pace, Source, paced};
use crate::stats::{Counters, FlightGuard};

enum Kind {
    Empty,
    Full(Option<Bytes>),
    Stream {
        stream: BoxStream<'static, Bytes>,
        /// Bytes still to come, when the length is announced.
        remaining: Option<u64>,
    },
}

/// The body type of every response.
pub(crate) struct ResponseBody {
    kind: Kind,
    counters: Arc<Counters>,
    guard: Option<FlightGuard>,
}

impl ResponseBody {
    /// No body.
    pub(crate) fn empty(counters: Arc<Counters>, guard: Option<FlightGuard>) -> Self {
        Self::new(Kind::Empty, counters, guard)
    }

    /// A whole body in one frame.
    pub(crate) fn full(bytes: Bytes, counters: Arc<Counters>, guard: Option<FlightGuard>) -> Self {
        let kind = if bytes.is_empty() {
            Kind::Empty
        } else {
            Kind::Full(Some(bytes))
        };
        Self::new(kind, counters, guard)
    }

    /// A streamed body; `known_len` announces its length (else chunked).
    pub(crate) fn stream(
        source: Source,
        pace: Pace,
        known_len: bool,
        counters: Arc<Counters>,
        guard: Option<FlightGuard>,
    ) -> Self {
        let remaining = known_len.then_some(source.len());
        let kind = if remaining == Some(0) {
            Kind::Empty
        } else {
            Kind::Stream {
                stream: paced(source, pace),
                remaining,
            }
        };
        Self::new(kind, counters, guard)
    }

    fn new(kind: Kind, counters: Arc<Counters>, guard: Option<FlightGuard>) -> Self {
        ResponseBody {
            kind,
            counters,
            guard,
        }
    }
}

impl Body for ResponseBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        let next = match &mut this.kind {
            Kind::Empty => None,
            Kind::Full(bytes) => bytes.take(),
            Kind::Stream { stream, .. } => ready!(stream.poll_next_unpin(cx)),
        };
        let Some(bytes) = next else {
            this.guard = None;
            return Poll::Ready(None);
        };
        this.counters.add_bytes(bytes.len());
        if let Kind::Stream {
            remaining: Some(r), ..
        } = &mut this.kind
        {
            *r = r.saturating_sub(bytes.len() as u64);
        }
        if this.is_end_stream() {
            // The last byte is handed over: the request is no longer in flight.
            this.guard = None;
        }
        Poll::Ready(Some(Ok(Frame::data(bytes))))
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Kind::Empty => true,
            Kind::Full(bytes) => bytes.is_none(),
            Kind::Stream { remaining, .. } => *remaining == Some(0),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Empty => SizeHint::with_exact(0),
            Kind::Full(bytes) => SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64)),
            Kind::Stream {
                remaining: Some(r), ..
            } => SizeHint::with_exact(*r),
            Kind::Stream {
                remaining: None, ..
            } => SizeHint::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_is_released_with_the_last_byte() {
        let counters = Arc::new(Counters::default());
        let guard = FlightGuard::enter(&counters);
        let mut body = ResponseBody::full(
            Bytes::from_static(b"abc"),
            Arc::clone(&counters),
            Some(guard),
        );
        assert_eq!(body.size_hint().exact(), Some(3));
        let waker = futures::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        let frame = Pin::new(&mut body).poll_frame(&mut cx);
        assert!(matches!(frame, Poll::Ready(Some(Ok(_)))));
        let s = counters.snapshot();
        assert_eq!((s.in_flight, s.peak_in_flight, s.bytes_sent), (0, 1, 3));
        assert!(body.is_end_stream());
    }
}
