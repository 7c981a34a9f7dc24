//! The connection wrapper that lets a handler put exact bytes on the wire:
//! a response with a lying head, garbage, a FIN or a TCP RST where hyper
//! would have written a proper response.
//!
//! The handler [`arm`](ConnCtl::arm)s a [`Takeover`] on the connection's
//! shared [`ConnCtl`] and returns a dummy response. The next time hyper
//! writes (or flushes), [`FaultyStream`] discards hyper's bytes, writes the
//! takeover's own, ends the connection as asked, and from then on fails every
//! write, so hyper drops the connection.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::{Buf, Bytes};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Sleep;

use crate::stats::FlightGuard;
use crate::wire::{Release, Wire};

/// A connection's byte stream as the handlers see it: plain or TLS, over a
/// [`Wire`].
pub(crate) trait Transport: AsyncRead + AsyncWrite + Unpin + Send + 'static {
    /// Makes the coming close an abortive one (TCP RST), after what was written.
    fn reset_on_close(&self);
}

impl Transport for Wire {
    fn reset_on_close(&self) {
        Wire::reset_on_close(self);
    }
}

impl Transport for tokio_rustls::server::TlsStream<Wire> {
    fn reset_on_close(&self) {
        self.get_ref().0.reset_on_close();
    }
}

/// Pause between the last byte of a takeover and its RST, so those bytes
/// leave the send queue (an RST discards whatever is still queued).
const RESET_GRACE: Duration = Duration::from_millis(50);

/// How a takeover ends the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ending {
    /// Clean close: FIN.
    Fin,
    /// Abortive close: `SO_LINGER` 0, then close, which sends an RST.
    Reset,
}

/// Bytes to write instead of hyper's, and how to end afterwards.
pub(crate) struct Takeover {
    /// Written verbatim.
    pub bytes: Bytes,
    /// What follows them.
    pub ending: Ending,
    /// Released just before the connection ends.
    pub guard: Option<FlightGuard>,
}

/// Per-connection state shared by the handler and the [`FaultyStream`].
pub(crate) struct ConnCtl {
    /// The connection's local address (for absolute URLs without `Host`).
    pub local_addr: SocketAddr,
    /// Whether the connection is TLS (for absolute URLs).
    pub tls: bool,
    /// Requests in flight on this connection (streams, for HTTP/2).
    pub in_flight: Arc<std::sync::atomic::AtomicU64>,
    /// Under the network model: where a finished request's in-flight
    /// count waits for its bytes to be released.
    pub release: Option<Release>,
    takeover: Mutex<Option<Takeover>>,
}

impl ConnCtl {
    pub(crate) fn new(local_addr: SocketAddr, tls: bool, release: Option<Release>) -> Self {
        ConnCtl {
            local_addr,
            tls,
            in_flight: Arc::default(),
            release,
            takeover: Mutex::new(None),
        }
    }

    /// Makes the next write on this connection perform `takeover`.
    pub(crate) fn arm(&self, takeover: Takeover) {
        *self.takeover.lock().unwrap_or_else(|e| e.into_inner()) = Some(takeover);
    }

    fn take(&self) -> Option<Takeover> {
        self.takeover
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }
}

enum State {
    Normal,
    /// The takeover, and whether it has bytes (then an RST waits a little).
    Writing(Takeover, bool),
    ShuttingDown,
    Pausing(Pin<Box<Sleep>>, Option<FlightGuard>),
    Done,
}

/// A stream that performs armed [`Takeover`]s.
pub(crate) struct FaultyStream<S> {
    inner: S,
    ctl: Arc<ConnCtl>,
    state: State,
}

impl<S: Transport> FaultyStream<S> {
    pub(crate) fn new(inner: S, ctl: Arc<ConnCtl>) -> Self {
        FaultyStream {
            inner,
            ctl,
            state: State::Normal,
        }
    }

    /// Drives a takeover, if one is armed. `Ready(Ok(()))` means none is:
    /// the caller proceeds normally. Once one ran, every call fails.
    fn poll_takeover(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            self.state = match std::mem::replace(&mut self.state, State::Done) {
                State::Normal => match self.ctl.take() {
                    None => {
                        self.state = State::Normal;
                        return Poll::Ready(Ok(()));
                    }
                    Some(t) => {
                        let has_bytes = !t.bytes.is_empty();
                        State::Writing(t, has_bytes)
                    }
                },
                State::Writing(t, has_bytes) => match self.poll_write_takeover(cx, t, has_bytes)? {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(next) => next,
                },
                State::ShuttingDown => {
                    let mut sd = Pin::new(&mut self.inner);
                    if sd.as_mut().poll_shutdown(cx).is_pending() {
                        self.state = State::ShuttingDown;
                        return Poll::Pending;
                    }
                    State::Done
                }
                State::Pausing(mut sleep, guard) => {
                    if sleep.as_mut().poll(cx).is_pending() {
                        self.state = State::Pausing(sleep, guard);
                        return Poll::Pending;
                    }
                    drop(guard);
                    self.reset_on_close();
                    State::Done
                }
                State::Done => return Poll::Ready(Err(io::ErrorKind::ConnectionAborted.into())),
            };
        }
    }

    /// Writes what is left of `t`; returns the state that follows.
    /// On `Pending` the takeover is put back.
    fn poll_write_takeover(
        &mut self,
        cx: &mut Context<'_>,
        mut t: Takeover,
        has_bytes: bool,
    ) -> io::Result<Poll<State>> {
        while t.bytes.has_remaining() {
            match Pin::new(&mut self.inner).poll_write(cx, &t.bytes) {
                Poll::Pending => {
                    self.state = State::Writing(t, has_bytes);
                    return Ok(Poll::Pending);
                }
                Poll::Ready(Ok(0)) => return Err(io::ErrorKind::WriteZero.into()),
                Poll::Ready(n) => t.bytes.advance(n?),
            }
        }
        if Pin::new(&mut self.inner).poll_flush(cx)?.is_pending() {
            self.state = State::Writing(t, has_bytes);
            return Ok(Poll::Pending);
        }
        Ok(Poll::Ready(match t.ending {
            Ending::Fin => State::ShuttingDown,
            Ending::Reset if has_bytes => {
                State::Pausing(Box::pin(tokio::time::sleep(RESET_GRACE)), t.guard)
            }
            Ending::Reset => {
                self.reset_on_close();
                State::Done
            }
        }))
    }

    /// Closing the socket (when hyper drops it) sends an RST.
    fn reset_on_close(&self) {
        self.inner.reset_on_close();
    }
}

impl<S: Transport> AsyncRead for FaultyStream<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<S: Transport> AsyncWrite for FaultyStream<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_takeover(cx))?;
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_takeover(cx))?;
        Pin::new(&mut this.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_takeover(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_takeover(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}
