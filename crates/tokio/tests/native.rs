//! The native async API, and the synchronous one misused from async code.

use std::collections::BTreeSet;
use std::sync::Arc;

use fetchlab_core::{Downloader, Error, HashStore, JobList, RunEnv};
use fetchlab_server::{ServerConfig, Stats, TestServer};
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

/// Records the name of the thread each job started on.
#[derive(Default)]
struct Threads(std::sync::Mutex<BTreeSet<String>>);

impl fetchlab_core::Progress for Threads {
    fn started(&self, _job: &fetchlab_core::Job) {
        let name = std::thread::current()
            .name()
            .unwrap_or("unnamed")
            .to_owned();
        self.0.lock().expect("not poisoned").insert(name);
    }
}

/// Downloads `jobs` from `server` (its counters reset first) with
/// `settings` on `flavor`, checks that every job was saved whole, and
/// returns the server's counters for the run and the names of the threads
/// the jobs started on.
fn download_all(
    server: &TestServer,
    jobs: &JobList,
    settings: fetchlab_core::Settings,
    flavor: Flavor,
) -> (Stats, BTreeSet<String>) {
    server.reset_stats();
    let downloader = TokioDownloader::with_flavor(settings, flavor).expect("runtimes");
    let store = HashStore::new();
    let threads = Arc::new(Threads::default());
    let env = RunEnv::new(Arc::new(store.clone())).with_progress(threads.clone());
    let report = downloader.download(jobs, &env).expect("runs");
    assert_eq!(report.counts().downloaded, jobs.len(), "{flavor:?}");
    assert_all_verified(server, &store, jobs);
    let threads = threads.0.lock().expect("not poisoned").clone();
    (server.stats(), threads)
}

/// Sharded runtimes split the run between them, and the limits hold across
/// them: no more requests in flight, and no more connections, than the
/// concurrency, and than the per-host limit to the host.
#[test]
fn sharded_runtimes_share_the_jobs_and_the_limits() {
    let server = TestServer::start(ServerConfig {
        latency: std::time::Duration::from_millis(20),
        ..ServerConfig::default()
    })
    .expect("server");
    let jobs = seed_jobs(&server, 40);
    for (per_host, allowed) in [(None, 6), (Some(2), 2)] {
        let settings = fetchlab_conformance::quick()
            .concurrency(6)
            .per_host(per_host)
            .build()
            .expect("valid settings");
        let flavor = Flavor::Sharded { runtimes: 3 };
        let (stats, threads) = download_all(&server, &jobs, settings, flavor);
        assert!(stats.peak_in_flight <= allowed, "{per_host:?}: {stats:?}");
        assert!(stats.connections <= allowed, "{per_host:?}: {stats:?}");
        // Each runtime's first jobs start at once; the calling thread's
        // cannot take all 40 (at most 3 in flight, 20 ms each) before the
        // other threads have started.
        assert!(
            threads.len() >= 2,
            "{per_host:?}: jobs started on {threads:?}"
        );
    }
}

/// More runtimes than the concurrency: one per worker, no more.
#[test]
fn sharded_runtimes_are_at_most_the_concurrency() {
    let server = TestServer::start(ServerConfig {
        latency: std::time::Duration::from_millis(5),
        ..ServerConfig::default()
    })
    .expect("server");
    let jobs = seed_jobs(&server, 12);
    for runtimes in [0, 8] {
        let settings = fetchlab_conformance::quick()
            .concurrency(2)
            .build()
            .expect("valid settings");
        let (stats, _) = download_all(&server, &jobs, settings, Flavor::Sharded { runtimes });
        assert!(stats.peak_in_flight <= 2, "{runtimes} runtimes: {stats:?}");
        assert!(stats.connections <= 2, "{runtimes} runtimes: {stats:?}");
    }
}

#[test]
fn current_thread_flavor_downloads_too() {
    let server = TestServer::start(ServerConfig::default()).expect("server");
    let jobs = seed_jobs(&server, 12);
    let (_, threads) = download_all(&server, &jobs, settings(), Flavor::CurrentThread);
    // Every job on the calling thread.
    let me = std::thread::current()
        .name()
        .unwrap_or("unnamed")
        .to_owned();
    assert_eq!(threads.into_iter().collect::<Vec<_>>(), [me]);
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
