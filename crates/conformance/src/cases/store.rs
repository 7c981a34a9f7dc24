//! The output directory: nothing outside it, complete files kept.

use fetchlab_core::{FailureKind, Job, JobList, Status};

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
