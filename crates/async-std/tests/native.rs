//! The native async API, and the synchronous one misused from async code.

use std::sync::Arc;
use std::time::Duration;

use fetchlab_async_std::{AsyncFetcher, AsyncStdDownloader};
use fetchlab_core::{Downloader, Error, HashStore, RunEnv};
use fetchlab_server::{ServerConfig, TestServer};

use fetchlab_conformance::{quick_settings as settings, seed_jobs};

#[test]
fn native_api_inside_block_on() {
    let server = TestServer::start(ServerConfig::default()).expect("server");
    let jobs = seed_jobs(&server, 10);
    let store = HashStore::new();
    let env = RunEnv::new(Arc::new(store.clone()));
    let fetcher = AsyncFetcher::new(settings()).expect("valid settings");
    let report = async_std::task::block_on(fetcher.download(&jobs, &env)).expect("runs");

    assert_eq!(report.counts().downloaded, 10);
    for job in jobs.iter() {
        let file = server.corpus().get(job.name()).expect("in corpus");
        assert_eq!(store.digest(job.name()).expect("saved").sha256, file.sha256);
    }
}

#[test]
fn sync_download_inside_a_task_is_an_error_not_a_hang() {
    let server = TestServer::start(ServerConfig::default()).expect("server");
    let downloader = AsyncStdDownloader::new(settings()).expect("valid settings");
    let env = RunEnv::new(Arc::new(HashStore::new()));
    let jobs = seed_jobs(&server, 2);
    let result = async_std::task::block_on(async { downloader.download(&jobs, &env) });
    let err = result.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Backend {
                backend: "async-std",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("AsyncFetcher"), "{err}");
    assert_eq!(server.stats().requests, 0);
    assert_eq!(downloader.name(), "async-std");
    assert_eq!(downloader.client_library(), "surf 2.3 (h1, no TLS)");
}

/// Polls `done` every 10 ms for at most `bound`; whether it came true.
fn eventually(bound: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = std::time::Instant::now();
    while start.elapsed() < bound {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    done()
}

/// Dropping the run's future (here: once both of its first requests are
/// waiting on a slow server) stops the tasks it spawned: no further request
/// arrives, the server sees nothing in flight once it gave up on them, and
/// no file is written.
#[test]
fn dropping_the_run_future_stops_its_jobs() {
    let latency = Duration::from_secs(2);
    let server = TestServer::start(ServerConfig::default().with_latency(latency)).expect("server");
    let dir = tempfile::tempdir().expect("tempdir");
    let store = fetchlab_core::DirStore::new(dir.path()).expect("store");
    let env = RunEnv::new(Arc::new(store));
    // Timeouts far beyond the latency: only the drop can stop the jobs.
    let settings = settings()
        .to_builder()
        .concurrency(2)
        .timeouts(
            Duration::from_secs(30),
            Duration::from_secs(30),
            Duration::from_secs(60),
        )
        .build()
        .expect("valid settings");
    let fetcher = AsyncFetcher::new(settings).expect("valid settings");
    let jobs = seed_jobs(&server, 10);
    async_std::task::block_on(async {
        let run = std::pin::pin!(fetcher.download(&jobs, &env));
        let both_sent = std::pin::pin!(async {
            while server.stats().requests < 2 {
                async_std::task::sleep(Duration::from_millis(10)).await;
            }
        });
        let raced = async_std::future::timeout(
            Duration::from_secs(30),
            futures::future::select(run, both_sent),
        );
        match raced.await {
            Ok(futures::future::Either::Right(((), _run))) => {} // `_run` dropped here
            Ok(futures::future::Either::Left(_)) => panic!("the run finished first"),
            Err(_) => panic!("two requests never arrived"),
        }
    });
    let sent = server.stats().requests;
    assert_eq!(sent, 2, "concurrency 2: two requests in flight at the drop");
    assert!(
        eventually(latency * 5, || server.stats().in_flight == 0),
        "the server still has requests in flight"
    );
    // Jobs that lived on would have started their next requests by now.
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(server.stats().requests, sent, "no request after the drop");
    assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 0);
}
