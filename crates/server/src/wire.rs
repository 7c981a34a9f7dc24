//! The connection's byte stream under the [network model](crate::network):
//! [`Wire`] is what TLS and hyper read from and write to. Without a model
//! it is the TCP stream itself; with one, reads go straight through and
//! writes are queued for a writer task that sends them when the
//! connection's [`Path`] allows and releases them to the socket one RTT
//! later.
//!
//! Model time and the task's time are kept apart: every write is stamped
//! with the model time it was handed over, and the writer schedules each
//! piece at the model time it may go (when it was handed over, or when the
//! wait the path asked for ended), not when the task happens to run. Tokio
//! wakes a timer on the next whole millisecond, and a loaded machine later
//! still; scheduling at the task's time let that lateness enter the model
//! and add up over the handshake and every flight of a connection (about
//! 40 ms over the seed's 80 files at 50 ms). Now only the release to the
//! socket is late — by the timer's granularity and the wake-up, once per
//! flight — which the model cannot avoid and the floor does not count.

use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::network::{Bottleneck, Path, Schedule};
use crate::stats::FlightGuard;

/// Bytes a writer may queue ahead of what the window lets out, like a
/// socket's send buffer: writes beyond it wait.
const SEND_BUFFER: usize = 256 * 1024;

/// Pause between the last released byte and an abortive close, so the
/// bytes leave the kernel's queue first (an RST discards what is queued).
const RESET_GRACE: Duration = Duration::from_millis(50);

/// The clock and the bottleneck every modelled connection of a server shares.
#[derive(Debug)]
pub(crate) struct Network {
    epoch: Instant,
    pub(crate) link: Bottleneck,
}

impl Network {
    pub(crate) fn new(bottleneck: Option<u64>) -> Self {
        Network {
            epoch: Instant::now(),
            link: Bottleneck::new(bottleneck),
        }
    }

    /// Model time: since the server started.
    pub(crate) fn now(&self) -> Duration {
        Instant::now().saturating_duration_since(self.epoch)
    }

    fn instant(&self, at: Duration) -> Instant {
        self.epoch + at
    }
}

/// The socket side a writer task writes to.
pub(crate) trait Sink: AsyncWrite + Unpin + Send + 'static {
    /// Gives up the stream so that its close is an abortive one (TCP RST),
    /// without a FIN first.
    fn reset(self);
}

impl Sink for OwnedWriteHalf {
    fn reset(self) {
        // Best effort: if this fails the peer sees a FIN, still an abrupt end.
        let _ = socket2::SockRef::from(self.as_ref()).set_linger(Some(Duration::ZERO));
        // Dropping a write half sends a FIN; the socket closes (with the
        // RST) when the read half goes too.
        self.forget();
    }
}

/// A connection's stream: plain, or under the model.
pub(crate) enum Wire {
    /// Bytes go straight to the socket.
    Direct(TcpStream),
    /// Bytes go through the model.
    Modelled(Modelled<OwnedReadHalf>),
}

impl Wire {
    /// `stream` under `path`, or plain when `path` is `None`.
    pub(crate) fn new(stream: TcpStream, path: Option<(Path, Arc<Network>)>) -> Wire {
        match path {
            None => Wire::Direct(stream),
            Some((path, network)) => {
                let (read, write) = stream.into_split();
                Wire::Modelled(Modelled::spawn(read, write, path, network))
            }
        }
    }

    /// Under the model, the handle that holds a finished request's
    /// in-flight count until its bytes are released.
    pub(crate) fn release(&self) -> Option<Release> {
        match self {
            Wire::Direct(_) => None,
            Wire::Modelled(m) => Some(Release(Arc::clone(&m.shared))),
        }
    }

    /// Makes the connection end with a TCP RST, after what was written.
    pub(crate) fn reset_on_close(&self) {
        match self {
            Wire::Direct(s) => {
                // Best effort, as for a modelled stream.
                let _ = socket2::SockRef::from(s).set_linger(Some(Duration::ZERO));
            }
            Wire::Modelled(m) => m.reset_on_close(),
        }
    }
}

/// What the stream and its writer task share.
#[derive(Default)]
struct Queue {
    /// Bytes not yet sent, each with the model time it was handed over.
    pending: VecDeque<(Duration, Bytes)>,
    pending_len: usize,
    /// The stream asked for a FIN after the queued bytes.
    shutdown: bool,
    /// The stream asked for an RST after the queued bytes.
    reset: bool,
    /// The stream is gone: release what is queued, then close.
    dropped: bool,
    /// The writer stopped (error or close): writes fail from now on.
    closed: bool,
    /// A writer waiting for room, or a shutdown waiting for the end.
    waiting: Option<Waker>,
    /// Bytes handed over, and bytes released to the socket, so far.
    handed_total: u64,
    released_total: u64,
    /// In-flight counts of finished requests: each is dropped once the
    /// bytes handed over by the first flush after it finished (`None`
    /// until then) are released.
    parked: Vec<(Option<u64>, FlightGuard)>,
}

impl Queue {
    /// Drops the parked counts whose bytes are all released.
    fn drop_released(&mut self) {
        let released = self.released_total;
        self.parked
            .retain(|(upto, _)| upto.is_none_or(|upto| upto > released));
    }
}

/// A connection's modelled wire, as a finished request's in-flight count
/// sees it: the count is parked here until the model has released every
/// byte handed over up to the flush that follows the request's end (hyper
/// flushes once it has written a response; for HTTP/2, a stream whose data
/// waits for flow-control window counts as released with that flush's
/// bytes).
#[derive(Clone)]
pub(crate) struct Release(Arc<Shared>);

impl Release {
    /// Holds `guard` until its response is released (drops it at once on a
    /// closed connection).
    pub(crate) fn park(&self, guard: FlightGuard) {
        let mut q = self.0.lock();
        if q.closed {
            drop(q);
            drop(guard);
            return;
        }
        q.parked.push((None, guard));
    }
}

struct Shared {
    queue: Mutex<Queue>,
    notify: Notify,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        // A panic while holding this lock leaves at worst a queue to drop.
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A stream whose writes a writer task releases under the model.
pub(crate) struct Modelled<R> {
    read: R,
    shared: Arc<Shared>,
    /// The model's clock, to stamp each write.
    network: Arc<Network>,
}

impl<R> Modelled<R> {
    /// Splits into `read` (passed through) and a writer task that owns `write`.
    pub(crate) fn spawn(
        read: R,
        write: impl Sink,
        path: Path,
        network: Arc<Network>,
    ) -> Modelled<R> {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue::default()),
            notify: Notify::new(),
        });
        tokio::spawn(writer(
            write,
            path,
            Arc::clone(&network),
            Arc::clone(&shared),
        ));
        Modelled {
            read,
            shared,
            network,
        }
    }

    fn reset_on_close(&self) {
        self.shared.lock().reset = true;
        self.shared.notify.notify_one();
    }
}

impl<R> Drop for Modelled<R> {
    fn drop(&mut self) {
        self.shared.lock().dropped = true;
        self.shared.notify.notify_one();
    }
}

/// Sends queued bytes as the path allows and releases them on time.
async fn writer(mut sink: impl Sink, mut path: Path, network: Arc<Network>, shared: Arc<Shared>) {
    let mut flight: VecDeque<(Duration, Bytes)> = VecDeque::new();
    let mut had_bytes = false;
    // The model time the sender has reached, and the end of its last wait.
    let mut clock = Duration::ZERO;
    let mut ready: Option<Duration> = None;
    loop {
        let now = network.now();
        // The model acts when it may (a wait's end, bytes handed over), not
        // when this task happens to run: a late wake-up must not push every
        // later flight of the connection back (it would compound per flight).
        let resumed = ready.map_or(clock, |r: Duration| r.min(now)).max(clock);
        while flight.front().is_some_and(|(at, _)| *at <= now) {
            let Some((_, bytes)) = flight.pop_front() else {
                break;
            };
            {
                // Counted as released before the socket has them, so that
                // no client can answer them (with its next request) first.
                let mut q = shared.lock();
                q.released_total += bytes.len() as u64;
                q.drop_released();
            }
            if sink.write_all(&bytes).await.is_err() {
                close(&shared);
                return;
            }
            had_bytes = true;
        }
        let mut wake = flight.front().map(|(at, _)| *at);
        let (finish, reset) = {
            let mut q = shared.lock();
            let mut moved = false;
            while let Some((handed, front_len)) = q.pending.front().map(|(t, b)| (*t, b.len())) {
                let more = q.pending_len > front_len;
                clock = resumed.max(handed).max(clock);
                match path.schedule(clock, front_len as u64, more, &network.link) {
                    Schedule::Send { len, release } => {
                        let len = len as usize;
                        let piece = match q.pending.front_mut() {
                            Some((_, front)) if len < front_len => front.split_to(len),
                            _ => q.pending.pop_front().unwrap_or_default().1,
                        };
                        q.pending_len -= len;
                        flight.push_back((release, piece));
                        wake = Some(wake.map_or(release, |w| w.min(release)));
                        moved = true;
                    }
                    Schedule::WaitUntil(at) => {
                        ready = Some(at);
                        wake = Some(wake.map_or(at, |w| w.min(at)));
                        break;
                    }
                }
            }
            if moved && let Some(w) = q.waiting.take() {
                w.wake();
            }
            let ending = q.shutdown || q.reset || q.dropped;
            (ending && q.pending.is_empty() && flight.is_empty(), q.reset)
        };
        if finish {
            if reset {
                if had_bytes {
                    tokio::time::sleep(RESET_GRACE).await;
                }
                sink.reset();
            } else {
                let _ = sink.shutdown().await;
            }
            close(&shared);
            return;
        }
        match wake {
            Some(at) => {
                tokio::select! {
                    _ = tokio::time::sleep_until(network.instant(at)) => {}
                    _ = shared.notify.notified() => {}
                }
            }
            None => shared.notify.notified().await,
        }
    }
}

fn close(shared: &Shared) {
    let mut q = shared.lock();
    q.closed = true;
    q.pending.clear();
    q.pending_len = 0;
    q.parked.clear();
    if let Some(w) = q.waiting.take() {
        w.wake();
    }
}

impl<R: AsyncRead + Unpin> AsyncRead for Modelled<R> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().read).poll_read(cx, buf)
    }
}

impl<R: Unpin> AsyncWrite for Modelled<R> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let mut q = self.shared.lock();
        if q.closed || q.shutdown {
            return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
        }
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        if q.pending_len >= SEND_BUFFER {
            q.waiting = Some(cx.waker().clone());
            return Poll::Pending;
        }
        let n = buf.len().min(SEND_BUFFER - q.pending_len);
        let handed = self.network.now();
        q.pending
            .push_back((handed, Bytes::copy_from_slice(&buf[..n])));
        q.pending_len += n;
        q.handed_total += n as u64;
        drop(q);
        self.shared.notify.notify_one();
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // Like a socket: written bytes are the kernel's (here, the model's)
        // to send. Requests that finished before this flush are released
        // with the bytes handed over so far.
        let mut q = self.shared.lock();
        let handed = q.handed_total;
        for (upto, _) in q.parked.iter_mut().filter(|(upto, _)| upto.is_none()) {
            *upto = Some(handed);
        }
        q.drop_released();
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut q = self.shared.lock();
        if q.closed {
            return Poll::Ready(Ok(()));
        }
        q.shutdown = true;
        q.waiting = Some(cx.waker().clone());
        drop(q);
        self.shared.notify.notify_one();
        Poll::Pending
    }
}

impl AsyncRead for Wire {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Wire::Direct(s) => Pin::new(s).poll_read(cx, buf),
            Wire::Modelled(m) => Pin::new(m).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Wire {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Wire::Direct(s) => Pin::new(s).poll_write(cx, buf),
            Wire::Modelled(m) => Pin::new(m).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Wire::Direct(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Wire::Modelled(m) => {
                let first = bufs.iter().find(|b| !b.is_empty()).map_or(&[][..], |b| b);
                Pin::new(m).poll_write(cx, first)
            }
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Wire::Direct(s) => s.is_write_vectored(),
            Wire::Modelled(_) => false,
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Wire::Direct(s) => Pin::new(s).poll_flush(cx),
            Wire::Modelled(m) => Pin::new(m).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Wire::Direct(s) => Pin::new(s).poll_shutdown(cx),
            Wire::Modelled(m) => Pin::new(m).poll_shutdown(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::NetworkModel;
    use tokio::io::{AsyncReadExt, DuplexStream};

    impl Sink for tokio::io::WriteHalf<DuplexStream> {
        fn reset(self) {}
    }

    const MS: Duration = Duration::from_millis(1);

    type TestStream = Modelled<tokio::io::ReadHalf<DuplexStream>>;

    /// A modelled server stream on a link of `rtt`, and the client's end.
    fn modelled(rtt: Duration) -> (TestStream, DuplexStream) {
        let network = Arc::new(Network::new(None));
        let (server, client) = tokio::io::duplex(1 << 20);
        let (read, write) = tokio::io::split(server);
        let path = Path::new(&NetworkModel::with_rtt(rtt), network.now(), 1);
        (Modelled::spawn(read, write, path, network), client)
    }

    /// Writes `sizes` as responses on one modelled stream, each when the
    /// previous one has fully arrived; returns when each arrived.
    async fn exchange(sizes: &[usize]) -> Vec<Duration> {
        exchange_at(50 * MS, sizes).await
    }

    /// [`exchange`] on a link of round-trip time `rtt`.
    async fn exchange_at(rtt: Duration, sizes: &[usize]) -> Vec<Duration> {
        let (mut stream, mut client) = modelled(rtt);
        let start = Instant::now();
        let mut arrived = Vec::new();
        for &size in sizes {
            stream.write_all(&vec![7u8; size]).await.unwrap();
            let mut got = vec![0u8; size];
            client.read_exact(&mut got).await.unwrap();
            arrived.push(start.elapsed());
        }
        arrived
    }

    #[tokio::test(start_paused = true)]
    async fn a_25kb_body_costs_handshake_round_and_flight_then_one_round_warm() {
        let times = exchange(&[25_000, 25_000]).await;
        assert_eq!(times, [150 * MS, 200 * MS]);
    }

    /// The timer wakes the writer on whole milliseconds (and a loaded
    /// machine later still): that lateness is the socket's, once per
    /// response, and must not move the model's own timeline, where it would
    /// add up over the handshake and every flight.
    #[tokio::test(start_paused = true)]
    async fn a_late_wake_up_does_not_compound_over_flights() {
        let rtt = Duration::from_micros(50_300);
        let size = 70 * crate::network::MSS;
        // The model: the handshake, then flights of 10, 20 and 40 segments.
        let modelled = Path::new(&NetworkModel::with_rtt(rtt), Duration::ZERO, 1).deliver(
            Duration::ZERO,
            size,
            &Bottleneck::new(None),
        );
        assert_eq!(modelled, 4 * rtt);
        let arrived = exchange_at(rtt, &[size as usize]).await[0];
        assert!(arrived >= modelled, "{arrived:?} before {modelled:?}");
        // Only the last release waits for the next millisecond tick.
        assert!(arrived < modelled + MS, "{arrived:?} vs {modelled:?}");
    }

    /// In flight means: received, and not yet released to the socket by
    /// the model — not merely handed over to the connection.
    #[tokio::test(start_paused = true)]
    async fn a_finished_request_stays_in_flight_until_its_bytes_are_released() {
        let (mut stream, mut client) = modelled(50 * MS);
        let counters = Arc::new(crate::stats::Counters::default());
        let release = Release(Arc::clone(&stream.shared));
        let guard = FlightGuard::enter_on(&counters, None, Some(release.clone()));
        // The handler's body ends (as its last byte is handed over), then
        // hyper writes and flushes.
        drop(guard);
        stream.write_all(&vec![7u8; 25_000]).await.unwrap();
        stream.flush().await.unwrap();
        let start = Instant::now();
        let in_flight = || counters.snapshot().in_flight;
        assert_eq!(in_flight(), 1);
        // The handshake, the first flight at 100 ms, the rest at 150 ms.
        tokio::time::sleep(149 * MS).await;
        assert_eq!(in_flight(), 1);
        let mut got = vec![0u8; 25_000];
        client.read_exact(&mut got).await.unwrap();
        assert_eq!(start.elapsed(), 150 * MS);
        tokio::time::sleep(MS).await;
        assert_eq!(in_flight(), 0);
        assert_eq!(counters.snapshot().peak_in_flight, 1);
        // A count parked on a closed wire ends at once.
        drop(stream);
        tokio::time::sleep(MS).await;
        drop(FlightGuard::enter_on(&counters, None, Some(release)));
        assert_eq!(in_flight(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_small_body_fits_the_first_flight() {
        assert_eq!(exchange(&[1000]).await, [100 * MS]);
    }

    #[tokio::test(start_paused = true)]
    async fn shutdown_waits_for_the_queued_bytes() {
        let (mut stream, mut client) = modelled(50 * MS);
        stream.write_all(b"bye").await.unwrap();
        stream.shutdown().await.unwrap();
        let mut got = Vec::new();
        client.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"bye");
    }
}
