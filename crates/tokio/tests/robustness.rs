//! Beyond the conformance suite: cancelling a run in flight, and keeping
//! connections healthy across error bodies and abandoned bodies.

use std::sync::Arc;
use std::time::{Duration, Instant};

use fetchlab_core::{
    CancelToken, DirStore, Downloader, FailureKind, JobList, RunEnv, Settings, Status,
};
use fetchlab_server::{ServerConfig, TestServer};
use fetchlab_tokio::TokioDownloader;

fn settings(concurrency: usize) -> Settings {
    Settings::default()
        .with_concurrency(concurrency)
        .with_retries(1)
        .with_timeouts(
            Duration::from_secs(2),
            Duration::from_millis(500),
            Duration::from_secs(3),
        )
        .with_backoff(Duration::from_millis(10), Duration::from_millis(50))
        .with_max_body_bytes(1 << 20)
}

fn jobs(server: &TestServer, paths: &[String]) -> JobList {
    let urls: Vec<String> = paths.iter().map(|p| server.url(p)).collect();
    JobList::from_urls(urls.iter().map(String::as_str)).expect("valid URLs")
}

#[test]
fn cancelling_in_flight_ends_every_job_quickly_and_leaves_no_file() {
    let server = TestServer::start(ServerConfig::default().with_latency(Duration::from_secs(5)))
        .expect("server");
    let mut list = JobList::seed(&server.base_url()).expect("seed");
    list.truncate(8);
    let dir = tempfile::tempdir().expect("tempdir");
    let env = RunEnv::new(Arc::new(DirStore::new(dir.path()).expect("store")))
        .with_cancel(CancelToken::new());
    let cancel = env.cancel.clone();
    let canceller = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        cancel.cancel();
    });
    let downloader = TokioDownloader::new(settings(4)).expect("settings");
    let started = Instant::now();
    let report = downloader.download(&list, &env).expect("runs");
    canceller.join().expect("canceller");

    // Well before the server's 5 s latency: in-flight requests were dropped.
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(report.outcomes.len(), 8);
    for outcome in &report.outcomes {
        assert_eq!(
            outcome.failure().map(|f| f.kind),
            Some(FailureKind::Cancelled)
        );
    }
    assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 0);
}

#[test]
fn error_bodies_are_drained_so_connections_are_reused() {
    let server = TestServer::start(ServerConfig::default()).expect("server");
    let names = server.corpus().names();
    let paths: Vec<String> = names
        .iter()
        .take(12)
        .map(|n| format!("flaky/1/{n}"))
        .collect();
    let store = Arc::new(fetchlab_core::HashStore::new());
    let downloader = TokioDownloader::new(settings(3)).expect("settings");
    let report = downloader
        .download(&jobs(&server, &paths), &RunEnv::new(store))
        .expect("runs");

    assert_eq!(report.counts().downloaded, 12);
    assert_eq!(server.stats().requests, 24);
    assert!(server.stats().connections <= 3, "{:?}", server.stats());
}

#[test]
fn an_abandoned_body_does_not_spoil_the_next_request() {
    let server = TestServer::start(ServerConfig::default()).expect("server");
    let names = server.corpus().names();
    let mut paths = vec![
        format!("fault/oversized/{}", names[0]),
        format!("fault/stall/{}", names[1]),
    ];
    paths.extend(names[2..5].iter().cloned());
    let store = fetchlab_core::HashStore::new();
    let downloader = TokioDownloader::new(settings(1).with_retries(0)).expect("settings");
    let report = downloader
        .download(
            &jobs(&server, &paths),
            &RunEnv::new(Arc::new(store.clone())),
        )
        .expect("runs");

    let kinds: Vec<Option<FailureKind>> = report
        .outcomes
        .iter()
        .map(|o| o.failure().map(|f| f.kind))
        .collect();
    assert_eq!(
        kinds[..2],
        [Some(FailureKind::TooLarge), Some(FailureKind::Timeout)]
    );
    for (outcome, name) in report.outcomes[2..].iter().zip(&names[2..]) {
        assert!(
            matches!(outcome.status, Status::Saved { .. }),
            "{outcome:?}"
        );
        let file = server.corpus().get(name).expect("in corpus");
        assert_eq!(store.digest(name).expect("saved").sha256, file.sha256);
    }
}

#[test]
fn connections_stay_within_the_limit_at_high_concurrency() {
    // hyper-util's pool races a new connect against waiting for an idle
    // connection; a job started before the previous one's connection was
    // back in the pool would open a surplus connection.
    let corpus = fetchlab_server::Corpus::generate(&fetchlab_server::CorpusSpec::files(
        400,
        8 * 1024,
        40 * 1024,
    ));
    let config = ServerConfig::default()
        .with_corpus(corpus)
        .with_latency(Duration::from_millis(10));
    let server = TestServer::start(config).expect("server");
    let urls: Vec<String> = server
        .corpus()
        .names()
        .iter()
        .map(|n| server.url(n))
        .collect();
    let list = JobList::from_urls(urls.iter().map(String::as_str)).expect("valid URLs");
    let store = Arc::new(fetchlab_core::HashStore::new());
    let downloader = TokioDownloader::new(settings(50)).expect("settings");
    let report = downloader
        .download(&list, &RunEnv::new(store))
        .expect("runs");

    assert_eq!(report.counts().downloaded, 400);
    let stats = server.stats();
    assert_eq!(stats.peak_in_flight, 50);
    assert!(
        stats.connections <= 50,
        "{} connections for a limit of 50",
        stats.connections
    );
}
