//! Behaviour specific to the thread strategies: worker count, the
//! concurrency ceiling, panics inside a job, empty runs.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use fetchlab_core::store::Presence;
use fetchlab_core::{
    Downloader, Error, Failure, FailureKind, HashStore, Job, JobList, Outcome, Progress, RunEnv,
    Settings, SettingsError, Sink, Store,
};
use fetchlab_server::{ServerConfig, TestServer};
use fetchlab_threaded::{MAX_WORKERS, RayonDownloader, ThreadPoolDownloader};

fn quick(concurrency: usize) -> Settings {
    let quick = fetchlab_conformance::quick().concurrency(concurrency);
    quick.retries(0).build().expect("valid settings")
}

/// Both strategies, built with `settings`.
fn both(settings: Settings) -> Vec<Box<dyn Downloader>> {
    vec![
        Box::new(ThreadPoolDownloader::new(settings.clone()).expect("valid")),
        Box::new(RayonDownloader::new(settings).expect("valid")),
    ]
}

#[test]
fn concurrency_above_the_ceiling_is_refused() {
    let settings = Settings::builder()
        .concurrency(MAX_WORKERS + 1)
        .build()
        .expect("valid settings");
    for refused in [
        ThreadPoolDownloader::new(settings.clone()).err(),
        RayonDownloader::new(settings).err(),
    ] {
        assert!(
            matches!(
                refused,
                Some(Error::Settings(SettingsError::ConcurrencyTooHigh {
                    ceiling: MAX_WORKERS,
                    ..
                }))
            ),
            "{refused:?}"
        );
    }
}

#[test]
fn fewer_jobs_than_workers_run_all_at_once() {
    let server = TestServer::start(ServerConfig {
        latency: Duration::from_millis(300),
        ..ServerConfig::default()
    })
    .expect("server");
    for downloader in both(quick(50)) {
        server.reset_stats();
        let env = RunEnv::new(Arc::new(HashStore::new()));
        let report = downloader
            .download(&fetchlab_conformance::seed_jobs(&server, 5), &env)
            .expect("runs");
        assert_eq!(report.counts().downloaded, 5, "{}", downloader.name());
        assert_eq!(server.stats().peak_in_flight, 5, "{}", downloader.name());
    }
}

#[test]
fn an_empty_job_list_is_an_empty_report() {
    for downloader in both(quick(4)) {
        let env = RunEnv::new(Arc::new(HashStore::new()));
        let report = downloader
            .download(&JobList::from_jobs(vec![]), &env)
            .expect("runs");
        assert!(report.outcomes.is_empty(), "{}", downloader.name());
    }
}

/// A store that panics when asked to save one particular name.
struct PanicsOn(&'static str, HashStore);

impl Store for PanicsOn {
    fn check(&self, job: &Job) -> Result<Presence, Failure> {
        self.1.check(job)
    }

    fn begin(&self, job: &Job) -> Result<Box<dyn Sink>, Failure> {
        assert_ne!(job.name(), self.0, "store refuses to work");
        self.1.begin(job)
    }
}

#[derive(Default)]
struct Finished(AtomicUsize);

impl Progress for Finished {
    fn finished(&self, _outcome: &Outcome) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn a_panic_fails_only_its_own_job() {
    let server = TestServer::start(ServerConfig::default()).expect("server");
    let jobs = fetchlab_conformance::seed_jobs(&server, 12);
    let victim = jobs.jobs()[3].name().to_owned().leak();
    for downloader in both(quick(3)) {
        let progress = Arc::new(Finished::default());
        let store = Arc::new(PanicsOn(victim, HashStore::new()));
        let env = RunEnv::new(store).with_progress(progress.clone());
        let report = downloader.download(&jobs, &env).expect("runs");

        let name = downloader.name();
        assert_eq!(report.counts().downloaded, 11, "{name}");
        let failure = report.outcomes[3].failure().expect("the victim failed");
        assert_eq!(failure.kind, FailureKind::Io, "{name}");
        assert!(
            failure.detail.starts_with("job panicked: "),
            "{name}: {failure}"
        );
        assert!(
            failure.detail.contains("store refuses to work"),
            "{name}: {failure}"
        );
        assert_eq!(report.outcomes[3].attempts, 1, "{name}");
        assert_eq!(
            progress.0.load(Ordering::SeqCst),
            12,
            "{name}: every outcome observed"
        );
    }
}
