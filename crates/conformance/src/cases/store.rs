//! The output directory: nothing outside it, complete files kept.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use fetchlab_core::store::{Durability, Presence};
use fetchlab_core::{DirStore, Failure, FailureKind, Job, JobList, RunEnv, Sink, Status, Store};

use crate::Subject;
use crate::fixture::{self, Output, assert_failed, assert_file_matches_corpus, only};

/// A job whose name would leave the directory is refused without a request.
pub fn escaping_name_is_refused(subject: &Subject) {
    let server = fixture::plain_server();
    let out = Output::new();
    let jobs = JobList::from_jobs(vec![Job::with_name(
        server.url("zzpic23150_s.jpg"),
        "../escaped.jpg",
    )]);
    let report = out.run(
        subject.downloader(fixture::quick_settings()).as_ref(),
        &jobs,
    );

    assert_failed(only(&report), &[FailureKind::UnsafeName], 0);
    assert_eq!(server.stats().requests, 0, "no request for a refused job");
    assert!(
        !out.root().join("escaped.jpg").exists(),
        "escaped the directory"
    );
    assert!(out.files().is_empty());
}

/// A file already complete under its name is skipped, not requested.
pub fn complete_file_is_skipped(subject: &Subject) {
    let server = fixture::plain_server();
    let out = Output::new();
    let jobs = fixture::jobs_for(&server, &["zzpic23151_s.jpg", "zzpic23152_s.jpg"]);
    std::fs::write(out.dir.join("zzpic23151_s.jpg"), b"kept").expect("write");
    let report = out.run(
        subject.downloader(fixture::quick_settings()).as_ref(),
        &jobs,
    );

    assert_eq!(report.outcomes[0].status, Status::Skipped { bytes: 4 });
    assert_eq!(report.outcomes[0].attempts, 0);
    assert!(matches!(report.outcomes[1].status, Status::Saved { .. }));
    assert_eq!(server.requests_for("/zzpic23151_s.jpg"), 0);
    assert_eq!(
        std::fs::read(out.dir.join("zzpic23151_s.jpg")).expect("read"),
        b"kept"
    );
}

/// With overwrite on, a complete file is downloaded again and replaced.
pub fn force_overwrites_complete_file(subject: &Subject) {
    let server = fixture::plain_server();
    let out = Output::new();
    let jobs = fixture::jobs_for(&server, &["zzpic23153_s.jpg"]);
    std::fs::write(out.dir.join("zzpic23153_s.jpg"), b"stale").expect("write");
    let settings = fixture::quick()
        .overwrite(true)
        .build()
        .expect("valid settings");
    let report = out.run(subject.downloader(settings).as_ref(), &jobs);

    assert!(matches!(only(&report).status, Status::Saved { .. }));
    assert_file_matches_corpus(&server, &out.dir, "zzpic23153_s.jpg");
    out.assert_no_temp_files();
}

/// A [`DirStore`] that counts the runs it is told of, and the checks made
/// before the first.
struct Watched {
    inner: Arc<DirStore>,
    runs: AtomicUsize,
    checks_before: AtomicUsize,
}

impl Store for Watched {
    fn run_starting(&self) {
        self.runs.fetch_add(1, Ordering::SeqCst);
        self.inner.run_starting();
    }

    fn check(&self, job: &Job) -> Result<Presence, Failure> {
        if self.runs.load(Ordering::SeqCst) == 0 {
            self.checks_before.fetch_add(1, Ordering::SeqCst);
        }
        self.inner.check(job)
    }

    fn begin(&self, job: &Job) -> Result<Box<dyn Sink>, Failure> {
        self.inner.begin(job)
    }

    fn resume(&self, job: &Job, offset: u64) -> Result<Box<dyn Sink>, Failure> {
        self.inner.resume(job, offset)
    }

    fn directory(&self) -> Option<(&std::path::Path, Durability)> {
        self.inner.directory()
    }

    fn saves_small_bodies_quickly(&self) -> bool {
        self.inner.saves_small_bodies_quickly()
    }
}

/// Every run tells its store once, before its first check
/// ([`Store::run_starting`]): a [`DirStore`] reads its directory then, so
/// a file put there after the store was made and before the run is seen
/// (and skipped) without a lookup per job.
pub fn the_store_hears_of_the_run_before_any_check(subject: &Subject) {
    let server = fixture::plain_server();
    let out = Output::new();
    let jobs = fixture::jobs_for(&server, &["zzpic23151_s.jpg", "zzpic23152_s.jpg"]);
    let store = Arc::new(Watched {
        inner: out.store.clone(),
        runs: AtomicUsize::new(0),
        checks_before: AtomicUsize::new(0),
    });
    let downloader = subject.downloader(fixture::quick_settings());
    for run in 1..=2 {
        std::fs::write(out.dir.join("zzpic23151_s.jpg"), b"kept").expect("write");
        let report = fixture::run_with(downloader.as_ref(), &jobs, &RunEnv::new(store.clone()));
        assert_eq!(store.runs.load(Ordering::SeqCst), run, "told once per run");
        assert_eq!(store.checks_before.load(Ordering::SeqCst), 0);
        assert_eq!(report.outcomes[0].status, Status::Skipped { bytes: 4 });
        std::fs::remove_file(out.dir.join("zzpic23152_s.jpg")).expect("saved");
    }
    assert_eq!(server.requests_for("/zzpic23151_s.jpg"), 0);
}
