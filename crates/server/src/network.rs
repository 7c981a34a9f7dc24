//! The network model: what a loopback connection does not pay and a real
//! one does — round trips, the TCP handshake, slow start, a shared
//! bottleneck, loss — applied by the server to the bytes it sends, so every
//! client (fetchlab, curl, wget2, a browser) sees it.
//!
//! # What is modelled
//!
//! Time is the server's. A byte the server hands to a connection at time
//! `x` is *sent* at `x` (or later, when the window or the handshake does not
//! allow it yet) and released to the loopback socket one round-trip time
//! (`rtt`) after it is sent: half an RTT for the request to have reached a
//! real server, half for the response to come back. Its acknowledgement is
//! taken to reach the sender at that same moment. Every chunk is delayed
//! from its own send time (pipelined, as toxiproxy does), never
//! cumulatively.
//!
//! - **TCP handshake.** Nothing is sent on a connection before one RTT
//!   after it was accepted (the SYN / SYN-ACK exchange a loopback `connect`
//!   does not wait for). A client that sends its request at once therefore
//!   sees its first response after two RTTs; one that connected earlier and
//!   idled pays nothing extra.
//! - **TLS 1.3.** Not added as a constant: with TLS on, the model sits
//!   below rustls, so the server's handshake flight is itself delayed one
//!   RTT and the request can only follow it — one more RTT, as on a real
//!   link, and the handshake's CPU is real. (TLS 1.2 would cost two.)
//! - **Congestion window.** At most `cwnd` bytes are unacknowledged. It
//!   starts at the Linux initial window, [`INITIAL_WINDOW`] = 10 × [`MSS`]
//!   (1448 B), grows by every acknowledged byte in slow start (doubling per
//!   RTT) and by one MSS per RTT after a loss, up to [`MAX_WINDOW`] (a
//!   stand-in for the receive window). It grows only while the sender was
//!   window-limited (Linux's `tcp_is_cwnd_limited`: in slow start, while
//!   `cwnd < 2 × in flight`). Acknowledgements of a flight arrive here in
//!   one instant, where on a real link they are spread over the flight and
//!   the next flight overlaps them; so the bytes acknowledged in the same
//!   instant still count as in flight for that test. The window is kept
//!   across requests on a connection and restarted after an idle period
//!   longer than one RTO (Linux `tcp_slow_start_after_idle`: halved per RTO
//!   idle, down to the initial window).
//! - **RTO.** [`rto`] = RTT + 200 ms: Linux's `srtt + max(4·rttvar,
//!   TCP_RTO_MIN)` on a link whose delay does not vary (`rttvar` ≈ 0,
//!   `TCP_RTO_MIN` = 200 ms).
//! - **Bottleneck.** An optional link rate shared by every connection of
//!   the server: sent bytes queue on it in order (a FIFO link, a token
//!   bucket of zero depth) and are released one RTT after they leave it.
//!   It sits beside the per-connection `bandwidth` cap, which paces what
//!   the server writes.
//! - **Loss.** An optional rate per 1448-byte segment, drawn from a
//!   generator seeded with the server seed and the connection's number, so
//!   a run in the same order loses the same segments. A lost segment is
//!   retransmitted one RTT later (fast retransmit) and halves the window
//!   (`ssthresh = cwnd / 2`); a lost *tail* — the last segment queued, with
//!   nothing after it to trigger duplicate acknowledgements — waits an RTO
//!   instead. Bytes are delivered in order, so everything behind a lost
//!   segment waits for it.
//!
//! # What is left out
//!
//! Precise release times: a flight reaches the socket when the writer
//! task wakes, which tokio's timer does on the next whole millisecond (a
//! loaded machine later still), so each flight arrives up to about a
//! millisecond after its model time. That lateness stays out of the
//! model's own timeline (the next flight is scheduled at model time, see
//! `wire`), so it is paid once per flight, not added up over a
//! connection; the floor does not count it.
//!
//! Request bytes travel instantly (requests are small; their half RTT is
//! in the response's RTT); SYN loss and the 1 s initial RTO; delayed ACKs,
//! pacing, tail-loss probes, RACK, SACK, CUBIC's growth curve (the window
//! grows by Reno's rule after a loss); the receive window beyond the
//! [`MAX_WINDOW`] cap and a slow reader's effect on it; reordering,
//! jitter in the link delay, queueing loss at the bottleneck; TLS session
//! resumption and 0-RTT; QUIC. Requests on one HTTP/2 connection share its
//! one window, as they do on a real link.
//!
//! # The floor
//!
//! [`floor`] computes, with the same arithmetic, the makespan of perfect
//! workers who pay exactly the model's handshakes, rounds and flights and
//! nothing else: the lower bound a harness compares a strategy against.
//! For the seed corpus (80 files of 8–40 KiB) at 50 ms and 20 workers it is
//! 0.30 s with keep-alive (a handshake, four request rounds, one extra
//! flight for files over 10 × 1448 B on a fresh connection), 0.35 s over
//! TLS, 0.60 s with a new connection per file, and 4.1 s for one worker
//! (the `floor` tests hold these).
//!
//! Workers whose responses end in the same instant take the next jobs in
//! worker order there. A real client's threads or tasks race for them in
//! whatever order the scheduler makes, and on kept connections the order
//! decides whether a large file meets a connection whose window has grown
//! or one that still needs two flights: for the seed at 50 ms, some orders
//! take 0.35 s under the model (a test holds that 0.30 s is the best of
//! them), so a client's runs against the model fall on 0.30 s or one round
//! trip more, run by run.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use crate::prng::SplitMix64;

mod floor;

pub use floor::{FloorSpec, Protocol, floor};

/// The segment size: Ethernet's 1500-byte MTU less IP, TCP and timestamp headers.
pub const MSS: u64 = 1448;

/// The initial congestion window: 10 segments (RFC 6928, Linux's default).
pub const INITIAL_WINDOW: u64 = 10 * MSS;

/// The largest window, standing in for the receive window: 4 MiB.
pub const MAX_WINDOW: u64 = 4 << 20;

/// Linux's lower bound on the retransmission timeout.
pub const RTO_MIN: Duration = Duration::from_millis(200);

/// Bytes scheduled as one piece: a window is sent in pieces this big so
/// that connections interleave on a shared bottleneck.
const PIECE: u64 = 16 * 1024;

/// The retransmission timeout on a link of round-trip time `rtt`.
pub fn rto(rtt: Duration) -> Duration {
    rtt + RTO_MIN
}

/// The network between the server and its clients.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NetworkModel {
    /// Round-trip time; zero turns the handshake, round and window model off.
    #[serde(with = "crate::config::duration_text")]
    pub rtt: Duration,
    /// Bytes per second of a bottleneck shared by every connection; `None`
    /// for none.
    pub bottleneck: Option<u64>,
    /// Share (0..=1) of segments lost.
    pub loss: f64,
}

impl NetworkModel {
    /// A link of round-trip time `rtt` and nothing else.
    pub fn with_rtt(rtt: Duration) -> Self {
        NetworkModel {
            rtt,
            ..NetworkModel::default()
        }
    }

    /// Whether any part of the model is on (otherwise bytes go straight to
    /// the socket, as on plain loopback).
    pub fn is_active(&self) -> bool {
        !self.rtt.is_zero() || self.bottleneck.is_some() || self.loss > 0.0
    }
}

/// One acknowledged-later piece.
#[derive(Clone, Copy, Debug)]
struct Sent {
    ack_at: Duration,
    len: u64,
    /// Whether the sender was window-limited when it went out.
    limited: bool,
}

/// A sender's congestion window.
#[derive(Debug)]
pub(crate) struct Window {
    cwnd: u64,
    ssthresh: u64,
    flight: VecDeque<Sent>,
    in_flight: u64,
    last_send: Option<Duration>,
    /// Bytes acknowledged at `acked_at` (the last instant acks were taken).
    acked_now: u64,
    acked_at: Duration,
    rto: Duration,
}

impl Window {
    pub(crate) fn new(rto: Duration) -> Self {
        Window {
            cwnd: INITIAL_WINDOW,
            ssthresh: u64::MAX,
            flight: VecDeque::new(),
            in_flight: 0,
            last_send: None,
            acked_now: 0,
            acked_at: Duration::ZERO,
            rto,
        }
    }

    /// Takes every acknowledgement due by `now`.
    fn ack(&mut self, now: Duration) {
        if now != self.acked_at {
            self.acked_now = 0;
            self.acked_at = now;
        }
        while let Some(sent) = self.flight.front().copied() {
            if sent.ack_at > now {
                break;
            }
            self.flight.pop_front();
            self.in_flight -= sent.len;
            if sent.ack_at == now {
                self.acked_now += sent.len;
            }
            if sent.limited {
                self.grow(sent.len);
            }
        }
    }

    fn grow(&mut self, acked: u64) {
        let step = if self.cwnd < self.ssthresh {
            acked
        } else {
            (MSS * acked / self.cwnd).max(1)
        };
        self.cwnd = self.cwnd.saturating_add(step).min(MAX_WINDOW);
    }

    /// `tcp_cwnd_restart`: halve per RTO idle, down to the initial window.
    fn restart_if_idle(&mut self, now: Duration) {
        let Some(last) = self.last_send else { return };
        let idle = now.saturating_sub(last);
        if self.in_flight > 0 || idle <= self.rto || self.rto.is_zero() {
            return;
        }
        let restart = self.cwnd.min(INITIAL_WINDOW);
        let mut periods = idle.as_nanos() / self.rto.as_nanos();
        while periods > 0 && self.cwnd > restart {
            self.cwnd >>= 1;
            periods -= 1;
        }
        self.cwnd = self.cwnd.max(restart);
        // The idle period is accounted for; a send follows at once.
        self.last_send = Some(now);
    }

    /// Bytes that may be sent at `now`.
    fn room(&mut self, now: Duration) -> u64 {
        self.ack(now);
        self.restart_if_idle(now);
        self.cwnd.saturating_sub(self.in_flight)
    }

    /// When the next acknowledgement arrives, if any is outstanding.
    fn next_ack(&self) -> Option<Duration> {
        self.flight.front().map(|s| s.ack_at)
    }

    fn sent(&mut self, now: Duration, len: u64, ack_at: Duration) {
        self.in_flight += len;
        let outstanding = self.in_flight + self.acked_now;
        let limited = if self.cwnd < self.ssthresh {
            self.cwnd < 2 * outstanding
        } else {
            outstanding >= self.cwnd
        };
        self.flight.push_back(Sent {
            ack_at,
            len,
            limited,
        });
        self.last_send = Some(now);
    }

    fn lost(&mut self) {
        self.ssthresh = (self.cwnd / 2).max(2 * MSS);
        self.cwnd = self.ssthresh;
    }
}

/// The shared bottleneck: a FIFO link of `rate` bytes per second.
#[derive(Debug)]
pub(crate) struct Bottleneck {
    rate: Option<u64>,
    busy_until: Mutex<Duration>,
}

impl Bottleneck {
    pub(crate) fn new(rate: Option<u64>) -> Self {
        Bottleneck {
            rate: rate.filter(|&r| r > 0),
            busy_until: Mutex::new(Duration::ZERO),
        }
    }

    /// Queues `len` bytes at `now`; returns when the last of them leaves.
    fn transmit(&self, now: Duration, len: u64) -> Duration {
        let Some(rate) = self.rate else { return now };
        // A panic while holding this lock cannot leave a Duration inconsistent.
        let mut busy = self.busy_until.lock().unwrap_or_else(|e| e.into_inner());
        let start = (*busy).max(now);
        let end = start + Duration::from_secs_f64(len as f64 / rate as f64);
        *busy = end;
        end
    }
}

/// One connection's sending side: handshake, window, loss, in-order release.
#[derive(Debug)]
pub(crate) struct Path {
    window: Window,
    rtt: Duration,
    open_at: Duration,
    last_release: Duration,
    loss: f64,
    rng: SplitMix64,
}

/// What [`Path::schedule`] decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Schedule {
    /// Send this many bytes now; they are released at `release`.
    Send {
        /// Bytes sent.
        len: u64,
        /// When they reach the client.
        release: Duration,
    },
    /// Nothing may be sent before this time.
    WaitUntil(Duration),
}

impl Path {
    /// A connection accepted at `accepted` (model time); `seed` draws its losses.
    pub(crate) fn new(model: &NetworkModel, accepted: Duration, seed: u64) -> Self {
        Path {
            window: Window::new(rto(model.rtt)),
            rtt: model.rtt,
            open_at: accepted + model.rtt,
            last_release: Duration::ZERO,
            loss: model.loss,
            rng: SplitMix64::new(seed),
        }
    }

    /// The connection's congestion window now, bytes.
    #[cfg(test)]
    pub(crate) fn cwnd(&self) -> u64 {
        self.window.cwnd
    }

    /// Schedules up to `want` bytes at `now`; `more_after` says whether
    /// more bytes are queued behind them (else their last segment is a tail).
    pub(crate) fn schedule(
        &mut self,
        now: Duration,
        want: u64,
        more_after: bool,
        link: &Bottleneck,
    ) -> Schedule {
        if now < self.open_at {
            return Schedule::WaitUntil(self.open_at);
        }
        let room = self.window.room(now);
        if room == 0 {
            // A full window always has an acknowledgement outstanding.
            let at = self.window.next_ack().unwrap_or(now + self.rtt);
            return Schedule::WaitUntil(at);
        }
        let len = want.min(room).clamp(1, PIECE);
        let mut release = link.transmit(now, len) + self.rtt;
        if self.loss > 0.0 {
            let segments = len.div_ceil(MSS);
            for segment in 0..segments {
                let roll = (self.rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
                if roll < self.loss {
                    let tail = !more_after && segment + 1 == segments && want == len;
                    release += if tail { rto(self.rtt) } else { self.rtt };
                    self.window.lost();
                }
            }
        }
        let release = release.max(self.last_release);
        self.last_release = release;
        self.window.sent(now, len, release);
        Schedule::Send { len, release }
    }

    /// Sends `len` bytes handed over at `at` as early as the model allows;
    /// returns when the last of them reaches the client. For a whole
    /// response with nothing queued behind it.
    pub(crate) fn deliver(&mut self, at: Duration, len: u64, link: &Bottleneck) -> Duration {
        let (mut now, mut left, mut done) = (at, len.max(1), at);
        while left > 0 {
            match self.schedule(now, left, false, link) {
                Schedule::Send { len, release } => {
                    left -= len;
                    done = release;
                }
                Schedule::WaitUntil(t) => now = t,
            }
        }
        done
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn rtt50() -> NetworkModel {
        NetworkModel::with_rtt(50 * MS)
    }

    #[test]
    fn a_fresh_connection_pays_the_handshake_and_one_flight_per_window() {
        let link = Bottleneck::new(None);
        // 14 480 bytes fit the initial window: handshake + one round.
        let mut path = Path::new(&rtt50(), Duration::ZERO, 1);
        assert_eq!(
            path.deliver(Duration::ZERO, INITIAL_WINDOW, &link),
            100 * MS
        );
        // 25 KB: one extra flight.
        let mut path = Path::new(&rtt50(), Duration::ZERO, 1);
        assert_eq!(path.deliver(Duration::ZERO, 25_000, &link), 150 * MS);
        // The window grew past 25 KB: the next 25 KB body is one round.
        assert!(path.cwnd() > 25_000, "{}", path.cwnd());
        assert_eq!(path.deliver(150 * MS, 25_000, &link), 200 * MS);
    }

    #[test]
    fn slow_start_doubles_per_round() {
        let link = Bottleneck::new(None);
        let mut path = Path::new(&rtt50(), Duration::ZERO, 1);
        // 10 + 20 + 40 segments: three rounds after the handshake.
        let done = path.deliver(Duration::ZERO, 70 * MSS, &link);
        assert_eq!(done, 200 * MS);
        // The last flight's acknowledgements are taken at the next send.
        path.deliver(390 * MS, 1000, &link);
        assert_eq!(path.cwnd(), 80 * MSS);
    }

    #[test]
    fn a_connection_that_idled_past_the_handshake_pays_only_the_round() {
        let link = Bottleneck::new(None);
        let mut path = Path::new(&rtt50(), Duration::ZERO, 1);
        assert_eq!(path.deliver(500 * MS, 1000, &link), 550 * MS);
    }

    #[test]
    fn the_window_restarts_after_an_idle_rto() {
        let link = Bottleneck::new(None);
        let mut path = Path::new(&rtt50(), Duration::ZERO, 1);
        path.deliver(Duration::ZERO, 70 * MSS, &link);
        // Idle for less than an RTO (250 ms) after the last send at 150 ms: kept.
        path.deliver(390 * MS, 1000, &link);
        assert_eq!(path.cwnd(), 80 * MSS);
        // Idle for two RTOs: halved twice, to 20 segments.
        path.deliver(450 * MS + 2 * rto(50 * MS) + MS, 1000, &link);
        assert_eq!(path.cwnd(), 20 * MSS);
        // Idle for long: down to the initial window, no further.
        path.deliver(Duration::from_secs(60), 1000, &link);
        assert_eq!(path.cwnd(), INITIAL_WINDOW);
    }

    #[test]
    fn small_responses_do_not_grow_the_window() {
        let link = Bottleneck::new(None);
        let mut path = Path::new(&rtt50(), Duration::ZERO, 1);
        let mut t = Duration::ZERO;
        for _ in 0..10 {
            t = path.deliver(t, 2000, &link);
        }
        assert_eq!(path.cwnd(), INITIAL_WINDOW);
    }

    #[test]
    fn a_bottleneck_is_shared_in_order() {
        let link = Bottleneck::new(Some(1_000_000));
        let model = NetworkModel {
            bottleneck: Some(1_000_000),
            ..rtt50()
        };
        let mut a = Path::new(&model, Duration::ZERO, 1);
        let mut b = Path::new(&model, Duration::ZERO, 2);
        // 10 000 bytes take 10 ms on the link; the second connection queues behind.
        assert_eq!(a.deliver(Duration::ZERO, 10_000, &link), 110 * MS);
        assert_eq!(b.deliver(Duration::ZERO, 10_000, &link), 120 * MS);
    }

    #[test]
    fn losses_cost_a_round_a_tail_an_rto_and_are_reproducible() {
        let link = Bottleneck::new(None);
        let lossy = NetworkModel {
            loss: 1.0,
            ..rtt50()
        };
        // Every segment lost: one segment, a tail, waits an RTO.
        let mut path = Path::new(&lossy, Duration::ZERO, 1);
        assert_eq!(
            path.deliver(Duration::ZERO, 100, &link),
            100 * MS + rto(50 * MS)
        );
        // Two segments, with more queued behind: each costs a round.
        let mut path = Path::new(&lossy, Duration::ZERO, 1);
        let got = path.schedule(50 * MS, 2 * MSS, true, &link);
        assert_eq!(
            got,
            Schedule::Send {
                len: 2 * MSS,
                release: 200 * MS
            }
        );
        assert_eq!(path.cwnd(), INITIAL_WINDOW / 4);
        let some = NetworkModel {
            loss: 0.1,
            ..rtt50()
        };
        let run = |seed| {
            let mut path = Path::new(&some, Duration::ZERO, seed);
            path.deliver(Duration::ZERO, 1 << 20, &link)
        };
        assert_eq!(run(7), run(7));
        let clean = Path::new(&rtt50(), Duration::ZERO, 7).deliver(Duration::ZERO, 1 << 20, &link);
        assert!(run(7) > clean);
    }
}
