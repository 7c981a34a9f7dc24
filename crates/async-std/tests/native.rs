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
