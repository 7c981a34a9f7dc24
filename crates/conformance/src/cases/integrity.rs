//! Every byte arrives: whole files, one outcome per job, in order.

use fetchlab_core::{JobList, Status};
use fetchlab_server::{Corpus, CorpusSpec, ServerConfig};

use crate::Subject;
use crate::fixture::{self, Output, assert_file_matches_corpus, jobs_for, only, plain_server};

/// The book's 80 thumbnails arrive byte for byte, each in one request.
pub fn seed_files_are_byte_exact(subject: &Subject) {
    let server = plain_server();
    let out = Output::new();
    let jobs = JobList::seed(&server.base_url()).expect("seed list");
    let settings = fixture::quick()
        .concurrency(20)
        .build()
        .expect("valid settings");
    let report = out.run(subject.downloader(settings).as_ref(), &jobs);

    assert_eq!(
        report.counts().downloaded,
        80,
        "{:?}",
        report.summary_lines()
    );
    for outcome in &report.outcomes {
        assert_eq!(outcome.attempts, 1, "{}", outcome.job.name());
        assert_file_matches_corpus(&server, &out.dir, outcome.job.name());
    }
    assert_eq!(out.files().len(), 80);
    assert_eq!(report.bytes_downloaded(), server.corpus().total_bytes());
    assert_eq!(server.stats().requests, 80);
}

/// A mixed list gets exactly one outcome per job, in list order.
pub fn outcomes_are_one_per_job_in_order(subject: &Subject) {
    let server = plain_server();
    let out = Output::new();
    let jobs = jobs_for(
        &server,
        &[
            "zzpic23111_s.jpg",
            "missing-1.jpg",
            "status/500/zzpic23112_s.jpg",
            "zzpic23113_s.jpg",
            "missing-2.jpg",
        ],
    );
    let settings = fixture::quick().retries(0).build().expect("valid settings");
    let report = out.run(subject.downloader(settings).as_ref(), &jobs);
    let kinds: Vec<&str> = report
        .outcomes
        .iter()
        .map(|o| match o.status {
            Status::Saved { .. } => "saved",
            Status::NotFound => "not found",
            Status::Failed(_) => "failed",
            Status::Skipped { .. } => "skipped",
            _ => "other",
        })
        .collect();
    assert_eq!(
        kinds,
        ["saved", "not found", "failed", "saved", "not found"]
    );
    let counts = report.counts();
    assert_eq!(
        (counts.downloaded, counts.not_found, counts.errors),
        (2, 2, 1)
    );
}

/// 10,000 small files at 200 at a time: every one has an outcome and the
/// right bytes.
pub fn many_jobs_all_verified(subject: &Subject) {
    const JOBS: usize = 10_000;
    let corpus = Corpus::generate(&CorpusSpec::files(JOBS, 64, 512));
    let server = fixture::server(ServerConfig {
        corpus,
        ..ServerConfig::default()
    });
    let store = std::sync::Arc::new(fetchlab_core::HashStore::new());
    let jobs = JobList::named_under(&server.base_url(), server.corpus().names()).expect("jobs");
    let settings = fixture::quick()
        .concurrency(200)
        .build()
        .expect("valid settings");
    let env = fetchlab_core::RunEnv::new(store.clone());
    let report = fixture::run_with(subject.downloader(settings).as_ref(), &jobs, &env);

    assert_eq!(
        report.counts().downloaded,
        JOBS,
        "{:?}",
        report.summary_lines()
    );
    for file in server.corpus().files() {
        let digest = store.digest(&file.name).expect("every file stored");
        assert_eq!(digest.sha256, file.sha256, "{}", file.name);
    }
}

/// A chain of redirects ends at the file, saved under the job's name.
pub fn redirect_chain_is_followed(subject: &Subject) {
    let server = plain_server();
    let out = Output::new();
    let jobs = jobs_for(&server, &["redirect/3/zzpic23120_s.jpg"]);
    let report = out.run(
        subject.downloader(fixture::quick_settings()).as_ref(),
        &jobs,
    );
    assert!(
        matches!(only(&report).status, Status::Saved { .. }),
        "{report:?}"
    );
    assert_file_matches_corpus(&server, &out.dir, "zzpic23120_s.jpg");
}

/// A body abandoned half-way (too large) and a stalled one do not spoil the
/// connection for the jobs after them.
pub fn abandoned_body_does_not_spoil_the_next_job(subject: &Subject) {
    let server = plain_server();
    let names = server.corpus().names();
    let mut paths = vec![
        format!("fault/oversized/{}", names[0]),
        format!("fault/stall/{}", names[1]),
    ];
    paths.extend(names[2..5].iter().cloned());
    let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
    let out = Output::new();
    let settings = fixture::quick()
        .concurrency(1)
        .retries(0)
        .build()
        .expect("valid settings");
    let report = out.run(
        subject.downloader(settings).as_ref(),
        &jobs_for(&server, &paths),
    );

    let kinds: Vec<_> = report.outcomes[..2]
        .iter()
        .map(|o| o.failure().map(|f| f.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            Some(fetchlab_core::FailureKind::TooLarge),
            Some(fetchlab_core::FailureKind::Timeout)
        ]
    );
    for name in &names[2..5] {
        assert_file_matches_corpus(&server, &out.dir, name);
    }
}
