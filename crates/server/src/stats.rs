//! Counters: requests, connections, TLS handshakes, HTTP/2 streams,
//! requests in flight (and their peak, overall, per connection and across
//! the hosts of a [`Hosts`](crate::Hosts)), body bytes, requests per path.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, MutexGuard};

pub(crate) use crate::wire::Release;

/// A snapshot of a server's counters (see [`TestServer::stats`](crate::TestServer::stats)).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Stats {
    /// Requests received, on every path.
    pub requests: u64,
    /// TCP connections accepted.
    pub connections: u64,
    /// Requests whose response is not finished right now.
    pub in_flight: u64,
    /// The largest `in_flight` since start or the last reset. A request
    /// counts from the moment its head is parsed until its last body byte is
    /// handed to the connection — under the network model, until the model
    /// has released that byte to the socket — or the response is dropped.
    pub peak_in_flight: u64,
    /// Response body bytes handed to connections.
    pub bytes_sent: u64,
    /// TLS handshakes completed.
    pub tls_handshakes: u64,
    /// Requests received as HTTP/2 streams.
    pub h2_streams: u64,
    /// The most requests in flight at once on any one connection (HTTP/2
    /// streams; 1 for HTTP/1.1 without pipelining).
    pub peak_streams_per_connection: u64,
    /// For a host of a [`Hosts`](crate::Hosts): the most requests in flight
    /// at once on all its hosts together (the same on every host), since
    /// start or the last reset of any of them. A lone server: its own
    /// `peak_in_flight`.
    pub hosts_peak_in_flight: u64,
}

/// Requests in flight across several servers, and their peak (the hosts of
/// one [`Hosts`](crate::Hosts)).
#[derive(Default, Debug)]
pub(crate) struct Gauge {
    in_flight: AtomicU64,
    peak: AtomicU64,
}

impl Gauge {
    fn enter(&self) {
        let now = self.in_flight.fetch_add(1, Relaxed) + 1;
        self.peak.fetch_max(now, Relaxed);
    }

    fn leave(&self) {
        self.in_flight.fetch_sub(1, Relaxed);
    }

    /// The peak restarts from the requests in flight now.
    fn reset(&self) {
        self.peak.store(self.in_flight.load(Relaxed), Relaxed);
    }
}

/// The live counters behind [`Stats`], shared by every connection.
#[derive(Default)]
pub(crate) struct Counters {
    requests: AtomicU64,
    connections: AtomicU64,
    in_flight: AtomicU64,
    peak_in_flight: AtomicU64,
    bytes_sent: AtomicU64,
    tls_handshakes: AtomicU64,
    h2_streams: AtomicU64,
    peak_streams_per_connection: AtomicU64,
    /// Numbers requests for the random draws; restarts on reset.
    sequence: AtomicU64,
    per_path: Mutex<HashMap<String, u64>>,
    /// The gauge shared with the other hosts of a [`Hosts`](crate::Hosts).
    hosts: Option<Arc<Gauge>>,
}

/// What [`Counters::on_request`] tells the handler about a new request.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ticket {
    /// 0 for the first request since start or reset, then 1, 2, …
    pub sequence: u64,
    /// How many requests this exact path has had, this one included.
    pub path_count: u64,
}

impl Counters {
    /// Counters of one host of several, which also count into `hosts`.
    pub(crate) fn in_group(hosts: Arc<Gauge>) -> Self {
        Counters {
            hosts: Some(hosts),
            ..Counters::default()
        }
    }

    pub(crate) fn snapshot(&self) -> Stats {
        let peak_in_flight = self.peak_in_flight.load(Relaxed);
        Stats {
            requests: self.requests.load(Relaxed),
            connections: self.connections.load(Relaxed),
            in_flight: self.in_flight.load(Relaxed),
            peak_in_flight,
            hosts_peak_in_flight: self
                .hosts
                .as_ref()
                .map_or(peak_in_flight, |g| g.peak.load(Relaxed)),
            bytes_sent: self.bytes_sent.load(Relaxed),
            tls_handshakes: self.tls_handshakes.load(Relaxed),
            h2_streams: self.h2_streams.load(Relaxed),
            peak_streams_per_connection: self.peak_streams_per_connection.load(Relaxed),
        }
    }

    /// Zeroes every counter. `in_flight` is a live gauge, so it is kept, and
    /// the peak restarts from it (0 when the server is idle).
    pub(crate) fn reset(&self) {
        let mut paths = self.paths();
        self.requests.store(0, Relaxed);
        self.connections.store(0, Relaxed);
        self.bytes_sent.store(0, Relaxed);
        self.tls_handshakes.store(0, Relaxed);
        self.h2_streams.store(0, Relaxed);
        self.peak_streams_per_connection.store(0, Relaxed);
        self.sequence.store(0, Relaxed);
        self.peak_in_flight
            .store(self.in_flight.load(Relaxed), Relaxed);
        if let Some(hosts) = &self.hosts {
            hosts.reset();
        }
        paths.clear();
    }

    /// Counts a connection; returns its number (0 for the first since
    /// start or reset).
    pub(crate) fn on_connection(&self) -> u64 {
        self.connections.fetch_add(1, Relaxed)
    }

    pub(crate) fn on_tls_handshake(&self) {
        self.tls_handshakes.fetch_add(1, Relaxed);
    }

    pub(crate) fn on_h2_stream(&self) {
        self.h2_streams.fetch_add(1, Relaxed);
    }

    pub(crate) fn on_request(&self, path: &str) -> Ticket {
        let mut paths = self.paths();
        self.requests.fetch_add(1, Relaxed);
        let sequence = self.sequence.fetch_add(1, Relaxed);
        let count = paths.entry(path.to_owned()).or_insert(0);
        *count += 1;
        Ticket {
            sequence,
            path_count: *count,
        }
    }

    pub(crate) fn add_bytes(&self, n: usize) {
        self.bytes_sent.fetch_add(n as u64, Relaxed);
    }

    pub(crate) fn requests_for(&self, path: &str) -> u64 {
        self.paths().get(path).copied().unwrap_or(0)
    }

    fn paths(&self) -> MutexGuard<'_, HashMap<String, u64>> {
        // A panic while holding this lock cannot leave the map inconsistent.
        self.per_path.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Counts one request as in flight, overall and on its connection, for as
/// long as it lives — and, with a [`Release`], until the network model has
/// released what was handed to the connection when it was dropped.
pub(crate) struct FlightGuard {
    counters: Arc<Counters>,
    connection: Option<Arc<AtomicU64>>,
    release: Option<Release>,
    /// Whether dropping this guard ends the count (not when it was parked).
    counted: bool,
}

impl FlightGuard {
    /// In flight on the server only.
    #[cfg(test)]
    pub(crate) fn enter(counters: &Arc<Counters>) -> Self {
        Self::enter_on(counters, None, None)
    }

    /// In flight on the server and on the connection counted by
    /// `connection`; with `release`, until the connection's modelled wire
    /// has released the response (see [`Release`]).
    pub(crate) fn enter_on(
        counters: &Arc<Counters>,
        connection: Option<Arc<AtomicU64>>,
        release: Option<Release>,
    ) -> Self {
        let now = counters.in_flight.fetch_add(1, Relaxed) + 1;
        counters.peak_in_flight.fetch_max(now, Relaxed);
        if let Some(hosts) = &counters.hosts {
            hosts.enter();
        }
        if let Some(c) = &connection {
            let here = c.fetch_add(1, Relaxed) + 1;
            counters
                .peak_streams_per_connection
                .fetch_max(here, Relaxed);
        }
        FlightGuard {
            counters: Arc::clone(counters),
            connection,
            release,
            counted: true,
        }
    }
}

impl Drop for FlightGuard {
    fn drop(&mut self) {
        if let Some(release) = self.release.take() {
            // The count moves to a guard the wire drops once the bytes
            // handed over so far are released.
            let parked = FlightGuard {
                counters: Arc::clone(&self.counters),
                connection: self.connection.take(),
                release: None,
                counted: std::mem::replace(&mut self.counted, false),
            };
            release.park(parked);
            return;
        }
        if !self.counted {
            return;
        }
        self.counters.in_flight.fetch_sub(1, Relaxed);
        if let Some(hosts) = &self.counters.hosts {
            hosts.leave();
        }
        if let Some(c) = &self.connection {
            c.fetch_sub(1, Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guards_track_in_flight_and_peak() {
        let c = Arc::new(Counters::default());
        let a = FlightGuard::enter(&c);
        let b = FlightGuard::enter(&c);
        drop(a);
        let _c = FlightGuard::enter(&c);
        assert_eq!(
            (c.snapshot().in_flight, c.snapshot().peak_in_flight),
            (2, 2)
        );
        drop(b);
        assert_eq!(
            (c.snapshot().in_flight, c.snapshot().peak_in_flight),
            (1, 2)
        );
        c.reset();
        assert_eq!(
            (c.snapshot().in_flight, c.snapshot().peak_in_flight),
            (1, 1)
        );
    }

    #[test]
    fn hosts_of_a_group_share_one_peak() {
        let group = Arc::new(Gauge::default());
        let a = Arc::new(Counters::in_group(Arc::clone(&group)));
        let b = Arc::new(Counters::in_group(Arc::clone(&group)));
        let first = FlightGuard::enter(&a);
        drop(first);
        let on_a = FlightGuard::enter(&a);
        let on_b = FlightGuard::enter(&b);
        drop(on_a);
        let again_b = FlightGuard::enter(&b);
        // At most 1 on a and 2 on b at once, 2 across both (never 3).
        let (sa, sb) = (a.snapshot(), b.snapshot());
        assert_eq!((sa.peak_in_flight, sb.peak_in_flight), (1, 2));
        assert_eq!((sa.hosts_peak_in_flight, sb.hosts_peak_in_flight), (2, 2));
        drop((on_b, again_b));
        a.reset();
        assert_eq!(b.snapshot().hosts_peak_in_flight, 0);
        let alone = Arc::new(Counters::default());
        let _one = FlightGuard::enter(&alone);
        assert_eq!(
            alone.snapshot().hosts_peak_in_flight,
            1,
            "a lone server: its own"
        );
    }

    #[test]
    fn requests_are_counted_per_path_and_reset() {
        let c = Counters::default();
        c.on_connection();
        assert_eq!(c.on_request("/a").path_count, 1);
        let t = c.on_request("/a");
        assert_eq!((t.sequence, t.path_count), (1, 2));
        c.on_request("/b");
        c.add_bytes(10);
        assert_eq!(c.requests_for("/a"), 2);
        assert_eq!(c.requests_for("/zzz"), 0);
        let s = c.snapshot();
        assert_eq!((s.requests, s.connections, s.bytes_sent), (3, 1, 10));
        c.reset();
        assert_eq!(c.snapshot(), Stats::default());
        assert_eq!(c.requests_for("/a"), 0);
        assert_eq!(c.on_request("/a").sequence, 0);
    }
}
