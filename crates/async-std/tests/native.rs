//! The native async API, and the synchronous one misused from async code.

use std::sync::Arc;
use std::time::Duration;

use fetchlab_async_std::{AsyncFetcher, AsyncStdDownloader};
use fetchlab_core::{Downloader, Error, HashStore, JobList, RunEnv, Settings};
use fetchlab_server::{ServerConfig, TestServer};

fn settings() -> Settings {
    Settings::default().with_concurrency(4).with_timeouts(
        Duration::from_secs(2),
        Duration::from_secs(2),
        Duration::from_secs(5),
    )
}

fn seed_jobs(server: &TestServer, n: usize) -> JobList {
    let mut jobs = JobList::seed(&server.base_url()).expect("seed list");
    jobs.truncate(n);
    jobs
}

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

#[test]
fn zero_concurrency_is_refused_up_front() {
    let err = AsyncStdDownloader::new(settings().with_concurrency(0)).unwrap_err();
    assert!(matches!(err, Error::Settings(_)), "{err}");
}

struct Panicking;

impl fetchlab_core::Progress for Panicking {
    fn finished(&self, _outcome: &fetchlab_core::Outcome) {
        panic!("observer bug");
    }
}

#[test]
fn a_panicking_observer_panics_the_caller_instead_of_hanging() {
    let server = TestServer::start(ServerConfig::default()).expect("server");
    let downloader = AsyncStdDownloader::new(settings()).expect("valid settings");
    let env = RunEnv::new(Arc::new(HashStore::new())).with_progress(Arc::new(Panicking));
    let jobs = seed_jobs(&server, 3);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        downloader.download(&jobs, &env)
    }));
    assert!(result.is_err(), "the observer's panic reached the caller");
}

#[test]
fn dropping_the_run_future_stops_its_jobs() {
    let config = ServerConfig::default().with_latency(Duration::from_millis(500));
    let server = TestServer::start(config).expect("server");
    let dir = tempfile::tempdir().expect("tempdir");
    let store = fetchlab_core::DirStore::new(dir.path()).expect("store");
    let env = RunEnv::new(Arc::new(store));
    let fetcher = AsyncFetcher::new(settings().with_concurrency(2)).expect("valid settings");
    let jobs = seed_jobs(&server, 10);
    let run = fetcher.download(&jobs, &env);
    let cut =
        async_std::task::block_on(async_std::future::timeout(Duration::from_millis(200), run));
    assert!(cut.is_err(), "the run was cut short");
    // Had the spawned jobs lived on, their files would land at ~500 ms.
    std::thread::sleep(Duration::from_millis(1200));
    assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 0);
    assert_eq!(server.stats().requests, 2);
}
