//! The scenarios (listed in `docs/harness.md`), defined once for `benches/` and
//! `fetchlab compare`.
//!
//! Each scenario answers one question and varies one parameter over a few
//! points. They are sized so that a full `cargo bench` stays under 16
//! minutes on 2 cores (how many runs a row gets: `docs/harness.md`, "The
//! budget"; the `hosts` scenario takes about one of them, the `network`
//! scenario about 100 s); where a strategy is left out of a point, the
//! point says why.

use std::time::Duration;

use fetchlab_server::{Fault, NetworkModel};

use crate::strategy::Strategy;
use crate::workload::{Host, Workload};

/// One value of a scenario's parameter.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Point {
    /// The value as written in benchmark ids and tables (`100`).
    pub label: String,
    /// The value as a number, for plots.
    pub x: f64,
    /// The workload at this point.
    pub workload: Workload,
    /// Strategies not run here, with the reason.
    pub skip: Vec<(Strategy, String)>,
}

impl Point {
    /// A point where every strategy runs.
    pub fn new(label: impl Into<String>, x: f64, workload: Workload) -> Self {
        Self {
            label: label.into(),
            x,
            workload,
            skip: Vec::new(),
        }
    }

    /// Leaves `strategy` out of this point, for `reason`.
    pub fn skipping(mut self, strategy: Strategy, reason: &str) -> Self {
        self.skip.push((strategy, reason.to_owned()));
        self
    }
}

/// Why the `processes` row is measured at a scenario's first point only
/// where the points only scale the list: it is the thread pool split over
/// child processes, so what it costs shows at the first point.
const PROCESSES_ONCE: &str = "the thread pool split over child processes: its cost is measured at the seed point; repeated here it would cost the bench budget";

/// A question, and the points that answer it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Scenario {
    /// Short id: the bench group and the file names under `results/`.
    pub id: String,
    /// Title for tables and plots.
    pub title: String,
    /// The question it answers.
    pub question: String,
    /// What varies across points (`workers`, `latency (ms)`, …).
    pub parameter: String,
    /// The points, in plot order.
    pub points: Vec<Point>,
}

const SEQUENTIAL_IGNORES_WORKERS: &str =
    "sequential makes one request at a time whatever the worker count";

impl Scenario {
    /// The nine scenarios, in the order `docs/harness.md` lists them.
    pub fn all() -> Vec<Scenario> {
        vec![
            Self::seed(),
            Self::network(),
            Self::concurrency(),
            Self::latency(),
            Self::flaky(),
            Self::large_files(),
            Self::scale(),
            Self::peers(),
            Self::hosts(),
        ]
    }

    /// The latencies of the `hosts` scenario's eight hosts, ms: a URL list
    /// over a nearby CDN edge (10 ms) out to an origin on another continent
    /// (150 ms), most hosts in between, as a real list of image URLs mixes
    /// them. The slowest is 15 × the fastest, so a host-blind strategy and
    /// a per-host limit both have something to lose.
    pub const HOST_LATENCIES_MS: [u64; 8] = [10, 20, 30, 40, 60, 80, 110, 150];

    /// The seed-sized files (80 of 8–40 KiB, so 10 a host) spread
    /// round-robin over eight hosts of [`Scenario::HOST_LATENCIES_MS`], at
    /// 32 workers with no per-host limit and with 4 per host.
    pub fn hosts() -> Scenario {
        let hosts = Self::HOST_LATENCIES_MS
            .iter()
            .map(|&ms| Host::latency(Duration::from_millis(ms)))
            .collect();
        let base = Workload::seed().with_concurrency(32).with_hosts(hosts);
        const ONE_AT_A_TIME: &str = "one request at a time: the sum of every job's latency (80 × 62.5 ms = 5 s a run, 3 runs 15 s of the bench budget), and no per-host limit to keep";
        const SAME_MODEL: &str = "the same concurrency model as another row here (rayon: a pool of OS threads, as threads; async-std: tasks, as tokio) waiting on the same per-host gate; 12 runs of 0.5 s would cost 6 s of the bench budget";
        let points = vec![
            Point::new("32 workers", 1.0, base.clone())
                .skipping(Strategy::Sequential, ONE_AT_A_TIME)
                .skipping(Strategy::Processes, PROCESSES_ONCE),
            Point::new("32 workers, 4 per host", 2.0, base.with_per_host(Some(4)))
                .skipping(Strategy::Sequential, ONE_AT_A_TIME)
                .skipping(Strategy::Rayon, SAME_MODEL)
                .skipping(Strategy::AsyncStd, SAME_MODEL)
                .skipping(Strategy::Processes, PROCESSES_ONCE),
        ];
        Scenario {
            id: "hosts".into(),
            title: "Hosts: 80 files over 8 hosts of 10–150 ms, 32 workers".into(),
            question: "With a URL list spanning 8 hosts of different latency, which strategy \
                       comes closest to the limit, and what does a per-host limit of 4 cost?"
                .into(),
            parameter: "case".into(),
            points,
        }
    }

    /// The seed workload with the peer tools found on `PATH` beside the
    /// strategies (the bench adds their rows; see [`crate::command::peers`]).
    pub fn peers() -> Scenario {
        let mut scenario = Self::custom(
            "peers",
            "Peers: curl, wget2 and aria2c beside the strategies (seed workload)",
            Workload::seed(),
        );
        scenario.question = "How do the common download tools compare with fetchlab's \
             strategies on the book's lesson, against the same server and verified the same way?"
            .into();
        scenario.points[0] = scenario.points[0].clone().skipping(
            Strategy::Sequential,
            "identical to the seed scenario's sequential row (8 s a run); repeated here it would cost 90 s of the bench budget",
        ).skipping(
            Strategy::Processes,
            "identical to the seed scenario's processes row; repeated here it would cost the bench budget",
        );
        scenario
    }

    /// The scenario with this id.
    pub fn by_id(id: &str) -> Option<Scenario> {
        Self::all().into_iter().find(|s| s.id == id)
    }

    /// A one-point scenario for a workload of the user's choosing (what
    /// `fetchlab compare` runs).
    pub fn custom(id: &str, title: &str, workload: Workload) -> Scenario {
        let label = workload.concurrency.to_string();
        let x = workload.concurrency as f64;
        Scenario {
            id: id.to_owned(),
            title: title.to_owned(),
            question: workload.label(),
            parameter: "workers".into(),
            points: vec![Point::new(label, x, workload)],
        }
    }

    /// The book's lesson.
    pub fn seed() -> Scenario {
        let mut scenario = Self::custom(
            "seed",
            "Seed: 80 thumbnails, 20 workers, 100 ms",
            Workload::seed(),
        );
        scenario.question =
            "The book's lesson: how much faster than one-at-a-time is each strategy, and how close \
             to the limit of 4 rounds of 100 ms?"
                .into();
        scenario
    }

    /// The seed workload over a modelled network of 50 ms round trips
    /// (no server delay: the time is the network's) as plain HTTP/1.1,
    /// over TLS (where the `tokio-h2` row is HTTP/2 by ALPN `h2`), and with
    /// a new connection per request; then 1,000 files (the seed's 80 sizes
    /// cycled) at 100 workers, and a lossy link.
    ///
    /// Budget: about 100 s of a `cargo bench` (the runs a row gets:
    /// [`crate::budget`]). So every point leaves out the rows that repeat another
    /// row's concurrency model (rayon is a pool of blocking ureq workers
    /// like threads; async-std is a task per request like tokio), the
    /// points after the seed leave out sequential (the seed point's row is
    /// the baseline), keep-alive off runs the threads row alone (the
    /// policy costs every client the same handshakes), 1,000 files and the
    /// lossy link set tokio's HTTP/1.1 connections against tokio-h2's one
    /// (on the lossy link that one connection's halved windows make a run
    /// several seconds, so it gets 3 runs), and
    /// 1,000 files at 20 workers (2.8 s a run, 11 s a row) is left to
    /// `fetchlab compare --calibrate`, which times it against real TCP.
    pub fn network() -> Scenario {
        let rtt = Duration::from_millis(50);
        let base = Workload::seed().with_server(|s| {
            s.with_latency(Duration::ZERO)
                .with_network(NetworkModel::with_rtt(rtt))
        });
        const ONE_AT_A_TIME: &str = "one request at a time: 80 round trips of 50 ms are over 4.1 s a run, 18 s a row of the bench budget; the seed point's sequential row is the baseline";
        const LIKE_THREADS: &str = "a pool of blocking ureq workers on kept HTTP/1.1 connections, as the threads row here; 12 more runs would cost bench budget without a new answer";
        const LIKE_TOKIO: &str = "a task per request on kept HTTP/1.1 connections, as the tokio row here; 12 more runs would cost bench budget without a new answer";
        const POLICY: &str = "a new connection per request costs every client the same handshake and slow start; the threads row (the book's pool) answers it";
        const SCALE_H1: &str = "a hundred kept HTTP/1.1 connections, as the tokio row here; at 1,000 files the question is those against one HTTP/2 connection";
        const LOSS_H1: &str = "the same twenty HTTP/1.1 connections as the tokio row; on a lossy link the question is those against one HTTP/2 connection";
        let later = |point: Point| {
            point
                .skipping(Strategy::Sequential, ONE_AT_A_TIME)
                .skipping(Strategy::Rayon, LIKE_THREADS)
                .skipping(Strategy::Processes, PROCESSES_ONCE)
        };
        let points = vec![
            Point::new("seed", 1.0, base.clone())
                .skipping(Strategy::Rayon, LIKE_THREADS)
                .skipping(Strategy::AsyncStd, LIKE_TOKIO),
            // async-std refuses TLS (no run, no cost): its row says why;
            // tokio-h2 is HTTP/2 here, by ALPN h2.
            later(Point::new(
                "seed, TLS",
                2.0,
                base.clone().with_server(|s| s.with_tls(true)),
            )),
            // tokio-h2 refuses (HTTP/2 needs a kept connection), with its reason.
            later(Point::new(
                "seed, keep-alive off",
                3.0,
                base.clone().with_keep_alive(false),
            ))
            .skipping(Strategy::Tokio, POLICY)
            .skipping(Strategy::AsyncStd, POLICY),
            later(Point::new(
                "1000 files, 100 workers",
                4.0,
                base.clone()
                    .with_jobs(1000)
                    .with_concurrency(100)
                    .with_size_cycle(Some(fetchlab_core::SEED_NAMES_COUNT)),
            ))
            .skipping(Strategy::Threads, SCALE_H1)
            .skipping(Strategy::AsyncStd, SCALE_H1),
            later(Point::new(
                "seed, 1 % loss",
                5.0,
                base.with_server(|s| {
                    s.with_network(NetworkModel {
                        loss: 0.01,
                        ..NetworkModel::with_rtt(rtt)
                    })
                }),
            ))
            .skipping(Strategy::Threads, LOSS_H1)
            .skipping(Strategy::AsyncStd, LOSS_H1),
        ];
        Scenario {
            id: "network".into(),
            title: "Network: 50 ms round trips, handshakes and slow start (no server delay)".into(),
            question: "With the round trips, handshakes and slow-start flights of a host 50 ms \
                       away, how close does each strategy come to the modelled floor — over \
                       HTTP/1.1, TLS, HTTP/2 and with a new connection per request, at 80 and \
                       1,000 files and on a lossy link?"
                .into(),
            parameter: "case".into(),
            points,
        }
    }

    /// 1 … 1,000 workers on 1,000 jobs.
    pub fn concurrency() -> Scenario {
        let base = Workload::seed()
            .with_jobs(1000)
            .with_server(|s| s.with_latency(Duration::from_millis(5)));
        let points = [1, 10, 100, 1000]
            .into_iter()
            .map(|c| {
                let point = Point::new(c.to_string(), c as f64, base.clone().with_concurrency(c));
                match c {
                    1 => Strategy::ALL[1..].iter().fold(point, |p, &s| {
                        p.skipping(s, "at one worker the sequential row is the baseline; 5 s × 11 runs per strategy would cost 4 minutes of the bench budget")
                    }),
                    _ => point
                        .skipping(Strategy::Sequential, SEQUENTIAL_IGNORES_WORKERS)
                        .skipping(Strategy::Processes, PROCESSES_ONCE),
                }
            })
            .collect();
        Scenario {
            id: "concurrency".into(),
            title: "Concurrency sweep: 1,000 jobs, 5 ms each".into(),
            question:
                "Where does each strategy stop scaling, and what does it cost in threads and \
                       memory per in-flight download?"
                    .into(),
            parameter: "workers".into(),
            points,
        }
    }

    /// 0, 10 and 100 ms per request on the seed workload.
    pub fn latency() -> Scenario {
        let points = [0u64, 10, 100]
            .into_iter()
            .map(|ms| {
                let workload =
                    Workload::seed().with_server(|s| s.with_latency(Duration::from_millis(ms)));
                let point = Point::new(ms.to_string(), ms as f64, workload);
                if ms == 100 {
                    point.skipping(Strategy::Sequential, "identical to the seed scenario's sequential row (8 s a run); repeated here it would cost 90 s of the bench budget")
                } else {
                    point
                }
            })
            .collect();
        Scenario {
            id: "latency".into(),
            title: "Latency sweep: 80 jobs, 20 workers".into(),
            question: "When does the strategy stop mattering: at what server latency are the \
                       strategies indistinguishable?"
                .into(),
            parameter: "latency (ms)".into(),
            points,
        }
    }

    /// 10 % and 25 % errors, plus 5 % resets, truncations and stalls, with retries.
    pub fn flaky() -> Scenario {
        let faults = vec![
            Fault::ResetBeforeHeaders,
            Fault::ResetMidBody,
            Fault::ShortBody,
            Fault::Stall,
        ];
        let points = [10u32, 25]
            .into_iter()
            .map(|percent| {
                let workload = Workload::seed()
                    .with_jobs(200)
                    .with_server(|s| {
                        s.with_latency(Duration::from_millis(10))
                            .with_error_rate(f64::from(percent) / 100.0)
                            .with_fault_rate(0.05)
                            .with_faults(faults.clone())
                            .with_stall(Duration::from_secs(2))
                    })
                    .with_retries(6, Duration::from_millis(20), Duration::from_millis(500))
                    .with_read_timeout(Duration::from_millis(500));
                Point::new(percent.to_string(), f64::from(percent), workload).skipping(
                    Strategy::Sequential,
                    "each stall costs a sequential client its whole read timeout (about 6 s a run, 2 minutes of bench budget)",
                )
            })
            .collect();
        Scenario {
            id: "flaky".into(),
            title:
                "Flaky server: 200 jobs, 20 workers, 10 ms, errors + 5 % resets/truncations/stalls"
                    .into(),
            question: "Who recovers from errors, resets and stalls, and at what cost in time and \
                       extra requests?"
                .into(),
            parameter: "error rate (%)".into(),
            points,
        }
    }

    /// 4 files of 256 MiB at 256 MiB/s per connection, all at once: large
    /// enough that a backend buffering whole bodies shows in its memory.
    pub fn large_files() -> Scenario {
        const MIB: usize = 1 << 20;
        let workload = Workload::seed()
            .with_jobs(4)
            .with_concurrency(4)
            .with_sizes(256 * MIB, 256 * MIB)
            .with_server(|s| {
                s.with_latency(Duration::from_millis(10))
                    .with_bandwidth(Some(256 * MIB as u64))
            });
        Scenario {
            id: "large-files".into(),
            title: "Large files: 4 × 256 MiB, 256 MiB/s per connection, 4 workers".into(),
            question:
                "Do the strategies stream large bodies in bounded memory, and do they use the \
                       per-connection bandwidth fully?"
                    .into(),
            parameter: "workers".into(),
            points: vec![Point::new("4", 4.0, workload).skipping(
                Strategy::Processes,
                "its children save the 1 GiB to the disk where every other row only hashes it: \
                 not a like-for-like row, and 11 runs of it would cost the bench budget",
            )],
        }
    }

    /// 10,000 jobs at 1,000 and 10,000 workers.
    pub fn scale() -> Scenario {
        let base = Workload::seed()
            .with_jobs(10_000)
            .with_sizes(1024, 4 * 1024)
            .with_server(|s| s.with_latency(Duration::from_millis(50)));
        let points = [1000, 10_000]
            .into_iter()
            .map(|c| {
                Point::new(c.to_string(), c as f64, base.clone().with_concurrency(c)).skipping(
                    Strategy::Sequential,
                    "10,000 requests one at a time take over 8 minutes a run",
                )
            })
            .collect();
        Scenario {
            id: "scale".into(),
            title: "Scale: 10,000 jobs of 1–4 KiB, 50 ms each".into(),
            question: "Does each strategy survive 10,000 jobs and thousands of sockets, and what \
                       does one in-flight download cost in memory and threads?"
                .into(),
            parameter: "workers".into(),
            points,
        }
    }

    /// The same scenario shrunk to a few milliseconds of work per point, for
    /// criterion's test mode (`cargo test --benches`): at most 8 jobs of at
    /// most 4 KiB, 4 workers, 1 ms.
    pub fn tiny(&self) -> Scenario {
        let mut tiny = self.clone();
        for point in &mut tiny.points {
            let w = &mut point.workload;
            w.jobs = w.jobs.min(8);
            w.concurrency = w.concurrency.min(4);
            w.server.latency = w.server.latency.min(Duration::from_millis(1));
            w.server.network.rtt = w.server.network.rtt.min(Duration::from_millis(1));
            for host in &mut w.hosts {
                host.latency = host.latency.map(|l| l.min(Duration::from_millis(1)));
                host.rtt = host.rtt.map(|r| r.min(Duration::from_millis(1)));
            }
            w.max_size = w.max_size.min(4096);
            w.min_size = w.min_size.min(w.max_size);
            point.skip.clear();
        }
        tiny
    }

    /// The strategies of `wanted` that run at `point`.
    pub fn strategies_at(&self, point: &Point, wanted: &[Strategy]) -> Vec<Strategy> {
        wanted
            .iter()
            .copied()
            .filter(|s| !point.skip.iter().any(|(skipped, _)| skipped == s))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scenario_is_valid_and_distinct() {
        let all = Scenario::all();
        assert_eq!(all.len(), 9);
        for scenario in &all {
            assert!(!scenario.points.is_empty(), "{}", scenario.id);
            assert!(scenario.question.ends_with('?'), "{}", scenario.id);
            for point in &scenario.points {
                point.workload.validate().unwrap();
                let runs = scenario.strategies_at(point, &Strategy::ALL);
                assert!(!runs.is_empty(), "{} {}", scenario.id, point.label);
            }
            assert_eq!(Scenario::by_id(&scenario.id).as_ref(), Some(scenario));
        }
    }

    #[test]
    fn design_parameters() {
        assert_eq!(Scenario::seed().points[0].workload, Workload::seed());
        let sweep = Scenario::concurrency();
        let workers: Vec<usize> = sweep
            .points
            .iter()
            .map(|p| p.workload.concurrency)
            .collect();
        assert_eq!(workers, [1, 10, 100, 1000]);
        assert!(sweep.points.iter().all(|p| p.workload.jobs == 1000));
        let latencies: Vec<f64> = Scenario::latency().points.iter().map(|p| p.x).collect();
        assert_eq!(latencies, [0.0, 10.0, 100.0]);
        assert!(
            Scenario::scale()
                .points
                .iter()
                .all(|p| p.workload.jobs >= 10_000)
        );
        assert!(
            Scenario::large_files().points[0]
                .workload
                .server
                .bandwidth
                .is_some()
        );
        let flaky = Scenario::flaky();
        assert!(flaky.points.iter().all(|p| p.workload.retries > 0
            && p.workload.server.faults.contains(&Fault::Stall)
            && (0.10..=0.25).contains(&p.workload.server.error_rate)));
    }

    #[test]
    fn the_network_scenario_models_a_50ms_link() {
        let network = Scenario::network();
        for point in &network.points {
            let w = &point.workload;
            assert_eq!(w.server.network.rtt, Duration::from_millis(50));
            assert!(w.server.latency.is_zero());
            assert!(w.efficiency_caveat().is_none());
            // Sequential runs at the seed point only, and says why not elsewhere.
            let sequential = point.skip.iter().find(|(s, _)| *s == Strategy::Sequential);
            assert_eq!(
                sequential.is_none(),
                point.label == "seed",
                "{}",
                point.label
            );
            assert!(sequential.is_none_or(|(_, why)| why.contains("4.1 s")));
            // Every point has an HTTP/1.1 pool or task row to set against.
            let rows = network.strategies_at(point, &Strategy::ALL);
            assert!(rows.contains(&Strategy::Threads) || rows.contains(&Strategy::Tokio));
        }
        // HTTP/1.1 against HTTP/2 at 1,000 files and on a lossy link.
        for i in [3, 4] {
            let rows = network.strategies_at(&network.points[i], &Strategy::ALL);
            assert_eq!(rows, [Strategy::Tokio, Strategy::TokioH2]);
        }
        let shape: Vec<(usize, usize, bool, bool)> = network
            .points
            .iter()
            .map(|p| {
                let w = &p.workload;
                (w.jobs, w.concurrency, w.server.tls, w.connection.keep_alive)
            })
            .collect();
        assert_eq!(
            shape,
            [
                (80, 20, false, true),
                (80, 20, true, true),
                (80, 20, false, false),
                (1000, 100, false, true),
                (80, 20, false, true),
            ]
        );
        assert!(network.points.iter().all(|p| !p.workload.connection.http2));
        // The TLS point keeps tokio-h2, which is HTTP/2 there (ALPN h2).
        let tls = &network.points[1];
        let rows = network.strategies_at(tls, &Strategy::ALL);
        assert!(rows.contains(&Strategy::TokioH2) && rows.contains(&Strategy::Threads));
        assert!(network.points[4].workload.server.network.loss > 0.0);
        // 1,000 files of the seed's 80 sizes, cycled.
        let thousand = &network.points[3].workload;
        let seed_sizes: Vec<u64> = fetchlab_server::Corpus::default()
            .files()
            .iter()
            .map(|f| f.len())
            .collect();
        let sizes: Vec<u64> = fetchlab_server::Corpus::generate(&thousand.corpus_spec())
            .files()
            .iter()
            .map(|f| f.len())
            .collect();
        assert!(
            sizes
                .iter()
                .enumerate()
                .all(|(i, &s)| s == seed_sizes[i % 80])
        );
        // The floors: a handshake, four rounds, one extra flight; TLS one
        // more round trip; a new connection per file pays both every time.
        let seed = &network.points[0].workload;
        assert_eq!(seed.ideal_time(&seed_sizes), Duration::from_millis(300));
        let ideal = |i: usize| network.points[i].workload.ideal_time(&seed_sizes);
        assert_eq!(ideal(1), Duration::from_millis(350));
        assert_eq!(ideal(2), Duration::from_millis(600));
    }

    /// The network bench's budget (about 100 s): every row's ideal, a
    /// lower bound of each run, times its runs ([`crate::budget`]) stays
    /// inside it.
    #[test]
    fn the_network_bench_fits_its_budget() {
        let network = Scenario::network();
        let mut total = Duration::ZERO;
        for point in &network.points {
            let w = &point.workload;
            let sizes: Vec<u64> = fetchlab_server::Corpus::generate(&w.corpus_spec())
                .files()
                .iter()
                .map(|f| f.len())
                .collect();
            let rows = network.strategies_at(point, &Strategy::ALL);
            // Rows that refuse the point cost nothing.
            let running = rows
                .iter()
                .filter(|s| !(w.server.tls && **s == Strategy::AsyncStd))
                .filter(|s| w.connection.keep_alive || **s != Strategy::TokioH2);
            for strategy in running {
                let workers = strategy.workers(w.concurrency, w.jobs);
                let ideal = w.clone().with_concurrency(workers).ideal_time(&sizes);
                // A probe takes at least the ideal, so this counts a row's
                // runs as the bench does or more (a slow row has fewer).
                total += ideal * crate::budget::runs_of_a_row(ideal) as u32;
            }
        }
        assert!(total < Duration::from_secs(80), "{total:?}");
    }

    #[test]
    fn the_hosts_scenario_spans_eight_hosts_with_and_without_a_limit() {
        let hosts = Scenario::hosts();
        let per_host: Vec<Option<usize>> =
            hosts.points.iter().map(|p| p.workload.per_host).collect();
        assert_eq!(per_host, [None, Some(4)]);
        for point in &hosts.points {
            let w = &point.workload;
            assert_eq!((w.jobs, w.concurrency, w.host_count()), (80, 32, 8));
            assert!(w.efficiency_caveat().is_none());
            let configs = w.server_configs(&fetchlab_server::Corpus::from_files([]));
            let latencies: Vec<u64> = configs
                .iter()
                .map(|c| c.latency.as_millis() as u64)
                .collect();
            assert_eq!(latencies, Scenario::HOST_LATENCIES_MS);
        }
        // With 4 per host the 150 ms host's 10 jobs take 3 rounds: the ideal
        // is exactly that bound, which no client can beat.
        let limited = &hosts.points[1].workload;
        assert_eq!(
            limited.ideal_time(&[20_000; 80]),
            Duration::from_millis(450)
        );
        // Without it the ideal is at least the work over the workers
        // (10 rounds of 500 ms over 32) and the slowest job.
        let free = hosts.points[0].workload.ideal_time(&[20_000; 80]);
        assert!(free >= Duration::from_millis(5000 / 32), "{free:?}");
        assert!(free < Duration::from_millis(450), "{free:?}");
    }

    /// The ideal times, which bound the bench budget from below. A row
    /// whose ideal alone is over the bench's probe limit is certainly a
    /// slow row; any other row may be a probe, criterion's warm-up and 10
    /// samples ([`crate::budget`]).
    #[test]
    fn ideal_budget_is_small() {
        let mut total = Duration::ZERO;
        for scenario in Scenario::all() {
            for point in &scenario.points {
                let w = &point.workload;
                let sizes = vec![w.max_size as u64; w.jobs];
                let ideal = w.ideal_time(&sizes);
                let runs_per_row = crate::budget::runs_of_a_row(ideal) as u32;
                let rows = scenario.strategies_at(point, &Strategy::ALL).len() as u32;
                total += ideal * rows * runs_per_row;
            }
        }
        // 15 minutes in all, of which the ideal (the waiting) may be half.
        assert!(total < Duration::from_secs(450), "{total:?}");
    }

    #[test]
    fn tiny_keeps_the_shape() {
        for scenario in Scenario::all() {
            let tiny = scenario.tiny();
            assert_eq!(tiny.points.len(), scenario.points.len());
            for point in &tiny.points {
                assert!(point.workload.jobs <= 8 && point.workload.max_size <= 4096);
                let corpus = fetchlab_server::Corpus::from_files([]);
                for config in point.workload.server_configs(&corpus) {
                    assert!(
                        config.latency <= Duration::from_millis(1),
                        "{}",
                        scenario.id
                    );
                }
                point.workload.validate().unwrap();
            }
        }
    }
}
