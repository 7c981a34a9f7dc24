//! Counters, injection, pacing and the server's life cycle.

mod common;

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use common::{End, agent, get, raw_get};
use fetchlab_server::{Corpus, CorpusSpec, Fault, ServerConfig, Stats, TestServer};

/// Runs `n` requests at once, each on its own connection, held in the
/// server by `latency` so they overlap.
fn concurrent(server: &TestServer, n: usize) {
    let barrier = Arc::new(Barrier::new(n));
    let threads: Vec<_> = (0..n)
        .map(|i| {
            let (barrier, url) = (
                Arc::clone(&barrier),
                server.url(&server.corpus().names()[i]),
            );
            std::thread::spawn(move || {
                let agent = agent();
                barrier.wait();
                get(&agent, &url).status
            })
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), 200);
    }
}

#[test]
fn peak_in_flight_counts_overlapping_requests() {
    let config = ServerConfig::default().with_latency(Duration::from_secs(2));
    let server = TestServer::start(config).unwrap();
    concurrent(&server, 8);
    let stats = server.stats();
    assert_eq!((stats.requests, stats.connections), (8, 8));
    assert_eq!((stats.in_flight, stats.peak_in_flight), (0, 8));
    server.reset_stats();
    assert_eq!(server.stats(), Stats::default());
}

#[test]
fn sequential_requests_never_overlap_under_keep_alive() {
    let server =
        TestServer::start(ServerConfig::default().with_latency(Duration::from_millis(5))).unwrap();
    let agent = agent();
    for name in server.corpus().names() {
        assert_eq!(get(&agent, &server.url(&name)).status, 200);
    }
    let stats = server.stats();
    assert_eq!((stats.requests, stats.connections), (80, 1));
    assert_eq!((stats.in_flight, stats.peak_in_flight), (0, 1));
}

#[test]
fn latency_comes_before_every_response_but_the_counters() {
    let latency = Duration::from_secs(1);
    let server = TestServer::start(ServerConfig::default().with_latency(latency)).unwrap();
    let agent = agent();
    for path in ["nope", "status/500/x"] {
        let start = Instant::now();
        get(&agent, &server.url(path));
        assert!(start.elapsed() >= latency, "{path}");
    }
    // A harness reads `/_stats` between runs; it waits for no think time.
    let start = Instant::now();
    assert_eq!(get(&agent, &server.url("_stats")).status, 200);
    assert!(start.elapsed() < latency, "_stats");
}

#[test]
fn bandwidth_caps_each_connection() {
    let corpus = Corpus::generate(&CorpusSpec::files(1, 4000, 4000));
    let config = ServerConfig::default()
        .with_corpus(corpus)
        .with_bandwidth(Some(4000));
    let server = TestServer::start(config).unwrap();
    let start = Instant::now();
    let got = get(&agent(), &server.url("file00000.bin"));
    let elapsed = start.elapsed();
    assert_eq!(got.body, server.corpus().files()[0].body);
    assert!(elapsed >= Duration::from_secs(1), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(30), "{elapsed:?}");
}

/// The statuses of `n` sequential requests to corpus files.
fn statuses(config: ServerConfig, n: usize) -> Vec<u16> {
    let server = TestServer::start(config).unwrap();
    let agent = agent();
    let names = server.corpus().names();
    (0..n)
        .map(|i| get(&agent, &server.url(&names[i % names.len()])).status)
        .collect()
}

#[test]
fn injected_errors_are_reproducible_from_the_seed() {
    let config = ServerConfig::default().with_error_rate(0.5);
    let a = statuses(config.clone(), 40);
    assert_eq!(a, statuses(config.clone(), 40));
    assert_ne!(a, statuses(config.with_seed(99), 40));
    assert!(a.iter().all(|s| [200, 500, 503].contains(s)), "{a:?}");
    assert!(a.contains(&200) && a.iter().any(|&s| s != 200), "{a:?}");
}

#[test]
fn reset_restarts_the_injection_sequence() {
    let config = ServerConfig::default().with_error_rate(0.5);
    let server = TestServer::start(config).unwrap();
    let agent = agent();
    let url = server.url(&server.corpus().names()[0]);
    let run = || {
        (0..20)
            .map(|_| get(&agent, &url).status)
            .collect::<Vec<_>>()
    };
    let first = run();
    server.reset_stats();
    assert_eq!(first, run());
}

#[test]
fn every_corpus_request_can_fail_with_retry_after() {
    let config = ServerConfig::default()
        .with_error_rate(1.0)
        .with_error_statuses([503])
        .with_retry_after(Some(Duration::from_secs(3)));
    let server = TestServer::start(config).unwrap();
    let agent = agent();
    let got = get(&agent, &server.url(&server.corpus().names()[0]));
    assert_eq!((got.status, got.header("retry-after")), (503, Some("3")));
    assert_eq!(
        get(&agent, &server.url("index.txt")).status,
        200,
        "only corpus paths"
    );
}

#[test]
fn drop_does_not_hang_on_stalled_connections() {
    let config = ServerConfig::default()
        .with_faults([Fault::Stall])
        .with_fault_rate(1.0);
    let server = TestServer::start(config).unwrap();
    let (addr, name) = (server.addr(), server.corpus().names()[0].clone());
    let client = std::thread::spawn(move || {
        raw_get(
            addr,
            &format!("/{name}"),
            usize::MAX,
            Duration::from_secs(60),
        )
    });
    while server.stats().in_flight == 0 {
        std::thread::sleep(Duration::from_millis(10));
    }
    let start = Instant::now();
    drop(server);
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    let raw = client.join().unwrap();
    assert!(raw.bytes.is_empty());
    assert!(matches!(raw.end, End::Eof | End::Reset), "{raw:?}");
}

#[test]
fn stop_handle_ends_wait() {
    let server = TestServer::start(ServerConfig::default()).unwrap();
    let (stop, url) = (server.stop_handle(), server.url("index.txt"));
    assert_eq!(get(&agent(), &url).status, 200);
    let stopper = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        stop.stop();
    });
    server.wait();
    stopper.join().unwrap();
    assert!(agent().get(&url).call().is_err(), "no longer listening");
}

#[test]
fn bind_reports_bad_configs_and_busy_ports() {
    let bad = ServerConfig::default().with_error_rate(2.0);
    let err = TestServer::start(bad).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    let server = TestServer::start(ServerConfig::default()).unwrap();
    assert!(TestServer::bind(server.addr(), ServerConfig::default()).is_err());
    let any = TestServer::bind("0.0.0.0:0".parse().unwrap(), ServerConfig::default()).unwrap();
    assert!(
        any.base_url().starts_with("http://127.0.0.1:"),
        "{}",
        any.base_url()
    );
    assert_eq!(get(&agent(), &any.url("index.txt")).status, 200);
}

#[test]
fn abandoned_requests_leave_flight_when_the_client_hangs_up() {
    let config = ServerConfig::default().with_latency(Duration::from_secs(30));
    let server = TestServer::start(config).unwrap();
    let (addr, name) = (server.addr(), server.corpus().names()[0].clone());
    let client = std::thread::spawn(move || {
        raw_get(
            addr,
            &format!("/{name}"),
            usize::MAX,
            Duration::from_millis(200),
        )
    });
    assert_eq!(client.join().unwrap().end, End::Timeout);
    // The client's socket is closed now; the server notices well before 30 s.
    let start = Instant::now();
    while server.stats().in_flight > 0 {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{:?}",
            server.stats()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(server.stats().peak_in_flight, 1);
}

#[test]
fn starts_and_stops_inside_an_async_runtime() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let server = TestServer::start(ServerConfig::default()).unwrap();
        let addr = server.addr();
        let raw = tokio::task::spawn_blocking(move || {
            raw_get(addr, "/index.txt", usize::MAX, Duration::from_secs(10))
        })
        .await
        .unwrap();
        assert!(raw.head().unwrap().starts_with("HTTP/1.1 200 OK"));
        drop(server);
    });
}
