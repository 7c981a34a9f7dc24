//! The modelled floor of a workload: perfect workers under the network model.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::time::Duration;

use super::{Bottleneck, NetworkModel, Path, Schedule};

/// How the workers talk HTTP.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Protocol {
    /// HTTP/1.1: one request at a time per connection, one connection per worker.
    #[default]
    Http1,
    /// HTTP/2: every worker's request is a stream on one shared connection.
    Http2,
}

/// A workload for [`floor`].
#[derive(Clone, Debug, PartialEq)]
pub struct FloorSpec<'a> {
    /// Body sizes, bytes, in the order the jobs are taken.
    pub sizes: &'a [u64],
    /// Workers (requests in flight at once).
    pub workers: usize,
    /// Whether a worker keeps its connection for the next request.
    pub keep_alive: bool,
    /// Whether connections pay a TLS 1.3 handshake (one round trip).
    pub tls: bool,
    /// HTTP/1.1 or HTTP/2.
    pub protocol: Protocol,
    /// The network.
    pub network: NetworkModel,
}

/// The makespan of perfect workers on `spec`'s network: each takes the
/// next job the moment it is free, requests and reads take no time, and
/// every connection pays exactly the model's handshake, rounds, window
/// flights and shared bottleneck — nothing else. Response heads and the
/// TLS handshake's own bytes are not counted against the window, and no
/// segment is lost, so the result is a lower bound for a real client.
/// With HTTP/2 every stream shares one connection and window, and the
/// server sends the streams' bytes in the order they were requested.
pub fn floor(spec: &FloorSpec<'_>) -> Duration {
    if spec.sizes.is_empty() {
        return Duration::ZERO;
    }
    let network = NetworkModel {
        loss: 0.0,
        ..spec.network.clone()
    };
    let workers = spec.workers.clamp(1, spec.sizes.len());
    let simulated = match spec.protocol {
        Protocol::Http1 => http1(spec, &network, workers),
        Protocol::Http2 => http2(spec, &network, workers),
    };
    // The bottleneck is simulated per connection in job order; whatever
    // the interleaving, all bytes must cross it.
    let total: u64 = spec.sizes.iter().sum();
    let crossing = network
        .bottleneck
        .filter(|&r| r > 0)
        .map_or(Duration::ZERO, |r| {
            Duration::from_secs_f64(total as f64 / r as f64) + network.rtt
        });
    simulated.max(crossing)
}

/// When data can first be sent on a connection opened at `t` (the TLS
/// handshake's flight comes first and takes a round trip).
fn opened(network: &NetworkModel, t: Duration, tls: bool) -> Path {
    let tls_round = if tls { network.rtt } else { Duration::ZERO };
    let mut path = Path::new(network, t, 0);
    path.open_at += tls_round;
    path
}

fn http1(spec: &FloorSpec<'_>, network: &NetworkModel, workers: usize) -> Duration {
    http1_ordered(spec, network, workers, &mut |w| w as u64)
}

/// [`http1`] where workers free at the same instant take the next job in
/// the order of `rank` (lowest first; drawn anew each time a worker frees).
fn http1_ordered(
    spec: &FloorSpec<'_>,
    network: &NetworkModel,
    workers: usize,
    rank: &mut dyn FnMut(usize) -> u64,
) -> Duration {
    let link = Bottleneck::new(network.bottleneck);
    let mut paths: Vec<Option<Path>> = (0..workers).map(|_| None).collect();
    let mut free: BinaryHeap<Reverse<(Duration, u64, usize)>> = (0..workers)
        .map(|w| Reverse((Duration::ZERO, rank(w), w)))
        .collect();
    let mut makespan = Duration::ZERO;
    for &size in spec.sizes {
        // The heap always holds every worker.
        let Some(Reverse((t, _, w))) = free.pop() else {
            break;
        };
        let path = match &mut paths[w] {
            Some(path) if spec.keep_alive => path,
            slot => slot.insert(opened(network, t, spec.tls)),
        };
        let done = path.deliver(t, size, &link);
        makespan = makespan.max(done);
        free.push(Reverse((done, rank(w), w)));
    }
    makespan
}

/// One response queued on the shared connection.
struct Stream {
    available: Duration,
    left: u64,
}

fn http2(spec: &FloorSpec<'_>, network: &NetworkModel, workers: usize) -> Duration {
    let link = Bottleneck::new(network.bottleneck);
    let mut path = opened(network, Duration::ZERO, spec.tls);
    let mut sizes = spec.sizes.iter();
    let mut queue: VecDeque<Stream> = sizes
        .by_ref()
        .take(workers)
        .map(|&s| Stream {
            available: Duration::ZERO,
            left: s.max(1),
        })
        .collect();
    // Completion times of streams whose last byte is scheduled.
    let mut completions: BinaryHeap<Reverse<Duration>> = BinaryHeap::new();
    let (mut now, mut makespan) = (Duration::ZERO, Duration::ZERO);
    loop {
        let mut wake: Option<Duration> = None;
        while let Some(front) = queue.front_mut() {
            if front.available > now {
                wake = Some(front.available);
                break;
            }
            let more = queue.len() > 1;
            let front_left = queue[0].left;
            match path.schedule(now, front_left, more, &link) {
                Schedule::Send { len, release } => {
                    queue[0].left -= len;
                    if queue[0].left == 0 {
                        queue.pop_front();
                        completions.push(Reverse(release));
                    }
                }
                Schedule::WaitUntil(t) => {
                    wake = Some(t);
                    break;
                }
            }
        }
        let next_completion = completions.peek().map(|Reverse(t)| *t);
        let next = match (wake, next_completion) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => return makespan,
        };
        now = now.max(next);
        while let Some(&Reverse(t)) = completions.peek() {
            if t > now {
                break;
            }
            completions.pop();
            makespan = makespan.max(t);
            if let Some(&s) = sizes.next() {
                queue.push_back(Stream {
                    available: t,
                    left: s.max(1),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::Corpus;

    const MS: Duration = Duration::from_millis(1);

    fn spec(sizes: &[u64], workers: usize) -> FloorSpec<'_> {
        FloorSpec {
            sizes,
            workers,
            keep_alive: true,
            tls: false,
            protocol: Protocol::Http1,
            network: NetworkModel::with_rtt(50 * MS),
        }
    }

    fn seed_sizes() -> Vec<u64> {
        Corpus::default().files().iter().map(|f| f.len()).collect()
    }

    #[test]
    fn one_small_file_is_handshake_plus_one_round() {
        assert_eq!(floor(&spec(&[1000], 1)), 100 * MS);
        let tls = FloorSpec {
            tls: true,
            ..spec(&[1000], 1)
        };
        assert_eq!(floor(&tls), 150 * MS);
        assert_eq!(floor(&spec(&[], 4)), Duration::ZERO);
    }

    #[test]
    fn keep_alive_saves_the_handshake_and_slow_start() {
        let sizes = [25_000; 4];
        assert_eq!(floor(&spec(&sizes, 1)), 150 * MS + 3 * 50 * MS);
        let fresh = FloorSpec {
            keep_alive: false,
            ..spec(&sizes, 1)
        };
        assert_eq!(floor(&fresh), 4 * 150 * MS);
    }

    #[test]
    fn the_seed_corpus_at_50ms_is_six_round_trips() {
        let sizes = seed_sizes();
        // Handshake, four request rounds, one extra flight on a fresh
        // connection (files over 10 × 1448 B).
        let kept = floor(&spec(&sizes, 20));
        assert_eq!(kept, 300 * MS);
        // A new connection per file: handshake and slow start every time.
        let fresh = floor(&FloorSpec {
            keep_alive: false,
            ..spec(&sizes, 20)
        });
        assert_eq!(fresh, 600 * MS);
        // TLS 1.3: one more round trip per connection.
        let tls = floor(&FloorSpec {
            tls: true,
            ..spec(&sizes, 20)
        });
        assert_eq!(tls, 350 * MS);
        // One worker on one kept connection.
        assert_eq!(floor(&spec(&sizes, 1)), Duration::from_millis(4100));
    }

    /// Workers whose responses end in the same instant may take the next
    /// jobs in any order (a real client's threads or tasks race for them),
    /// and on a kept connection the order decides whether a large file
    /// meets a window that has grown: for the seed at 50 ms some orders
    /// pay one more round trip. The floor is the best of them.
    #[test]
    fn the_floor_is_the_best_order_of_simultaneous_workers() {
        let sizes = seed_sizes();
        let spec = spec(&sizes, 20);
        let network = spec.network.clone();
        let floor = floor(&spec);
        let mut rng = crate::prng::SplitMix64::new(9);
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..100 {
            let mut rank = |_| rng.next_u64();
            seen.insert(http1_ordered(&spec, &network, 20, &mut rank));
        }
        assert_eq!(seen.first(), Some(&floor));
        assert_eq!(seen.into_iter().collect::<Vec<_>>(), [300 * MS, 350 * MS]);
    }

    #[test]
    fn http2_shares_one_window() {
        let sizes = seed_sizes();
        let h2 = floor(&FloorSpec {
            protocol: Protocol::Http2,
            ..spec(&sizes, 20)
        });
        let h1 = floor(&spec(&sizes, 20));
        // One window that must grow to carry everything: slower than 20.
        assert!(h2 > h1, "{h2:?} vs {h1:?}");
        // One small stream: like HTTP/1.1.
        let one = FloorSpec {
            protocol: Protocol::Http2,
            ..spec(&[1000], 1)
        };
        assert_eq!(floor(&one), 100 * MS);
    }

    #[test]
    fn a_bottleneck_bounds_the_floor() {
        let sizes = [1_000_000u64; 10];
        let slow = FloorSpec {
            network: NetworkModel {
                bottleneck: Some(1_000_000),
                ..NetworkModel::with_rtt(50 * MS)
            },
            ..spec(&sizes, 10)
        };
        assert!(floor(&slow) >= Duration::from_secs(10));
    }
}
