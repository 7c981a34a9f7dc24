//! Run control: cancellation and progress.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use fetchlab_core::{CancelToken, FailureKind, Job, JobList, Outcome, Progress, RunEnv};

use crate::Subject;
use crate::fixture::{self, Output};

/// A run cancelled before it starts makes no request and leaves no file;
/// every job still gets an outcome (cancelled).
pub fn cancelled_run_makes_no_request(subject: &Subject) {
    let server = fixture::plain_server();
    let out = Output::new();
    let mut jobs = JobList::seed(&server.base_url()).expect("seed list");
    jobs.truncate(10);
    let cancel = CancelToken::new();
    cancel.cancel();
    let env = RunEnv::new(out.store.clone()).with_cancel(cancel);
    let downloader = subject.downloader(fixture::quick_settings());
    let report = fixture::run_with(downloader.as_ref(), &jobs, &env);

    for outcome in &report.outcomes {
        let kind = outcome.failure().map(|f| f.kind);
        assert_eq!(kind, Some(FailureKind::Cancelled), "{}", outcome.job.name());
    }
    assert_eq!(server.stats().requests, 0);
    assert!(out.files().is_empty());
}

#[derive(Default)]
struct Counting {
    started: AtomicUsize,
    finished: AtomicUsize,
}

impl Progress for Counting {
    fn started(&self, _job: &Job) {
        self.started.fetch_add(1, Ordering::SeqCst);
    }

    fn finished(&self, _outcome: &Outcome) {
        self.finished.fetch_add(1, Ordering::SeqCst);
    }
}

/// The progress observer hears every start and every outcome; skipped jobs
/// finish without starting.
pub fn progress_sees_every_job(subject: &Subject) {
    let server = fixture::plain_server();
    let out = Output::new();
    let mut jobs = JobList::seed(&server.base_url()).expect("seed list");
    jobs.truncate(12);
    std::fs::write(out.dir.join(jobs.jobs()[0].name()), b"done").expect("write");
    let progress = Arc::new(Counting::default());
    let env = RunEnv::new(out.store.clone()).with_progress(progress.clone());
    let downloader = subject.downloader(fixture::quick_settings());
    fixture::run_with(downloader.as_ref(), &jobs, &env);

    assert_eq!(progress.started.load(Ordering::SeqCst), 11);
    assert_eq!(progress.finished.load(Ordering::SeqCst), 12);
}

/// Cancelling a run while requests wait on a slow server ends every job as
/// cancelled well before the server would have answered, and leaves no file.
pub fn cancelling_in_flight_stops_at_once(subject: &Subject) {
    let server = fixture::server(fetchlab_server::ServerConfig {
        latency: std::time::Duration::from_secs(5),
        ..fetchlab_server::ServerConfig::default()
    });
    let out = Output::new();
    let mut jobs = JobList::seed(&server.base_url()).expect("seed list");
    jobs.truncate(8);
    let env = RunEnv::new(out.store.clone());
    let cancel = env.cancel.clone();
    let canceller = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(300));
        cancel.cancel();
    });
    // Timeouts far beyond the server's latency: only the cancel can end the
    // requests in flight early.
    let settings = fixture::quick()
        .timeouts(
            std::time::Duration::from_secs(2),
            std::time::Duration::from_secs(30),
            std::time::Duration::from_secs(60),
        )
        .build()
        .expect("valid settings");
    let downloader = subject.downloader(settings);
    let started = std::time::Instant::now();
    let report = fixture::run_with(downloader.as_ref(), &jobs, &env);
    let took = started.elapsed();
    canceller.join().expect("the canceller finishes");

    assert!(
        took < std::time::Duration::from_secs(3),
        "cancelled run took {took:?}"
    );
    for outcome in &report.outcomes {
        let kind = outcome.failure().map(|f| f.kind);
        assert_eq!(kind, Some(FailureKind::Cancelled), "{}", outcome.job.name());
    }
    assert!(out.files().is_empty(), "{:?}", out.files());
}

/// A progress observer that panics when one job starts.
struct PanicsOnStart {
    victim: String,
    finished: AtomicUsize,
}

impl Progress for PanicsOnStart {
    fn started(&self, job: &Job) {
        assert_ne!(job.name(), self.victim, "observer bug");
    }

    fn finished(&self, _outcome: &Outcome) {
        self.finished.fetch_add(1, Ordering::SeqCst);
    }
}

/// The panic policy every backend shares: a panic in one job (here the
/// progress observer's) fails only that job, as `job panicked: …`, without
/// unwinding out of the run; every other job is downloaded, and every
/// outcome is observed.
pub fn a_panic_fails_only_its_own_job(subject: &Subject) {
    let server = fixture::plain_server();
    let out = Output::new();
    let mut jobs = JobList::seed(&server.base_url()).expect("seed list");
    jobs.truncate(6);
    let victim = jobs.jobs()[2].name().to_owned();
    let progress = Arc::new(PanicsOnStart {
        victim: victim.clone(),
        finished: AtomicUsize::new(0),
    });
    let env = RunEnv::new(out.store.clone()).with_progress(progress.clone());
    let downloader = subject.downloader(fixture::quick_settings());
    let report = fixture::run_with(downloader.as_ref(), &jobs, &env);

    for (index, outcome) in report.outcomes.iter().enumerate() {
        if index == 2 {
            let failure = outcome.failure().expect("the victim failed");
            assert_eq!(failure.kind, FailureKind::Io, "{failure}");
            assert!(failure.detail.starts_with("job panicked: "), "{failure}");
            assert!(failure.detail.contains("observer bug"), "{failure}");
            assert_eq!(outcome.attempts, 0, "it panicked before its request");
        } else {
            fixture::assert_saved(outcome);
        }
    }
    assert_eq!(progress.finished.load(Ordering::SeqCst), 6);
    assert_eq!(server.stats().requests, 5);
    assert!(!out.files().contains(&victim));
}
