//! The native async API, and the synchronous one misused from async code.

use std::sync::Arc;

use fetchlab_core::{Downloader, Error, HashStore, JobList, RunEnv};
use fetchlab_server::{ServerConfig, TestServer};
use fetchlab_tokio::{AsyncFetcher, Flavor, TokioDownloader};

use fetchlab_conformance::{quick_settings as settings, seed_jobs};

/// Checks every job was saved with the corpus's checksum.
fn assert_all_verified(server: &TestServer, store: &HashStore, jobs: &JobList) {
    for job in jobs.iter() {
        let digest = store.digest(job.name()).expect("saved");
        let file = server.corpus().get(job.name()).expect("in corpus");
        assert_eq!(digest.sha256, file.sha256, "{}", job.name());
    }
}

async fn fetch_ten() {
    let server = TestServer::start(ServerConfig::default()).expect("server");
    let jobs = seed_jobs(&server, 10);
    let store = HashStore::new();
    let fetcher = AsyncFetcher::new(settings()).expect("valid settings");
    let report = fetcher
        .download(&jobs, &RunEnv::new(Arc::new(store.clone())))
        .await
        .expect("runs");
    assert_eq!(report.counts().downloaded, 10);
    assert_all_verified(&server, &store, &jobs);
}

#[tokio::test]
async fn native_api_on_a_current_thread_runtime() {
    fetch_ten().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn native_api_on_a_multi_thread_runtime() {
    fetch_ten().await;
}

#[tokio::test]
async fn sync_download_inside_a_runtime_is_an_error_not_a_panic() {
    let server = TestServer::start(ServerConfig::default()).expect("server");
    let downloader = TokioDownloader::new(settings()).expect("valid settings");
    let env = RunEnv::new(Arc::new(HashStore::new()));
    let err = downloader
        .download(&seed_jobs(&server, 2), &env)
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Backend {
                backend: "tokio",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("AsyncFetcher"), "{err}");
    assert_eq!(server.stats().requests, 0);
    // Dropping the downloader (and its runtime) here must not panic either.
    drop(downloader);
}

#[test]
fn multi_thread_flavor_downloads_too() {
    let server = TestServer::start(ServerConfig::default()).expect("server");
    let jobs = seed_jobs(&server, 12);
    let store = HashStore::new();
    let flavor = Flavor::MultiThread { workers: 2 };
    let downloader = TokioDownloader::with_flavor(settings(), flavor).expect("valid settings");
    let report = downloader
        .download(&jobs, &RunEnv::new(Arc::new(store.clone())))
        .expect("runs");
    assert_eq!(report.counts().downloaded, 12);
    assert_all_verified(&server, &store, &jobs);
    assert_eq!(downloader.name(), "tokio");
    assert_eq!(downloader.client_library(), "reqwest 0.13");
}

/// Jobs that finish while the first ones are still starting give their
/// connections to the next jobs: no more connections than workers, even
/// when starting all workers takes longer than a response. (It failed, at
/// 302–312 for 300, while the fetcher yielded after each start.)
#[test]
fn connections_stay_within_the_limit_when_jobs_end_during_the_start() {
    let server = TestServer::start(ServerConfig {
        latency: std::time::Duration::from_millis(2),
        ..ServerConfig::default()
    })
    .expect("server");
    let names = server.corpus().names();
    let jobs = JobList::from_jobs(
        (0..1_000)
            .map(|i| {
                let name = &names[i % names.len()];
                fetchlab_core::Job::with_name(server.url(name), format!("{i}-{name}"))
            })
            .collect(),
    );
    let limit = 300;
    let settings = fetchlab_conformance::quick()
        .concurrency(limit)
        .build()
        .expect("valid settings");
    let downloader = TokioDownloader::new(settings).expect("runtime");
    let report = downloader
        .download(&jobs, &RunEnv::new(Arc::new(HashStore::new())))
        .expect("runs");
    assert_eq!(report.counts().downloaded, 1_000);
    let opened = server.stats().connections;
    assert!(
        opened <= limit as u64,
        "{opened} connections for {limit} workers"
    );
}
