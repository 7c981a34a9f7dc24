//! Errors are classified, and only transient ones are retried.

use std::time::Duration;

use fetchlab_core::{FailureKind, JobList, Status};

use crate::Subject;
use crate::fixture::{self, Output, assert_failed, assert_file_matches_corpus, jobs_for, only};

/// 404 is "not found", asked once, and leaves no file.
pub fn not_found_is_not_retried(subject: &Subject) {
    let server = fixture::plain_server();
    let out = Output::new();
    let jobs = jobs_for(&server, &["no-such-file.jpg"]);
    let settings = fixture::quick().retries(3).build().expect("valid settings");
    let report = out.run(subject.downloader(settings).as_ref(), &jobs);

    let outcome = only(&report);
    assert_eq!(outcome.status, Status::NotFound);
    assert_eq!(outcome.attempts, 1);
    assert_eq!(server.requests_for("/no-such-file.jpg"), 1);
    assert!(out.files().is_empty(), "{:?}", out.files());
}

/// Two 503s then the file: retried to success, byte exact.
pub fn flaky_server_is_retried_to_success(subject: &Subject) {
    let server = fixture::plain_server();
    let out = Output::new();
    let jobs = jobs_for(&server, &["flaky/2/zzpic23130_s.jpg"]);
    let settings = fixture::quick().retries(3).build().expect("valid settings");
    let report = out.run(subject.downloader(settings).as_ref(), &jobs);

    let outcome = only(&report);
    assert!(
        matches!(outcome.status, Status::Saved { .. }),
        "{outcome:?}"
    );
    assert_eq!(outcome.attempts, 3);
    assert_eq!(server.requests_for("/flaky/2/zzpic23130_s.jpg"), 3);
    assert_file_matches_corpus(&server, &out.dir, "zzpic23130_s.jpg");
    assert_eq!(out.files(), ["zzpic23130_s.jpg"]);
}

/// A server that always answers 500 ends "failed" after retries + 1 attempts.
pub fn persistent_500_fails_after_all_retries(subject: &Subject) {
    let server = fixture::plain_server();
    let out = Output::new();
    let jobs = jobs_for(&server, &["status/500/zzpic23131_s.jpg"]);
    let settings = fixture::quick().retries(2).build().expect("valid settings");
    let report = out.run(subject.downloader(settings).as_ref(), &jobs);

    assert_failed(only(&report), &[FailureKind::HttpStatus(500)], 3);
    assert_eq!(server.requests_for("/status/500/zzpic23131_s.jpg"), 3);
    assert!(out.files().is_empty(), "{:?}", out.files());
}

/// A 4xx other than 404 fails at once: retrying cannot help.
pub fn client_error_is_not_retried(subject: &Subject) {
    let server = fixture::plain_server();
    let out = Output::new();
    let jobs = jobs_for(&server, &["status/403/zzpic23132_s.jpg"]);
    let settings = fixture::quick().retries(3).build().expect("valid settings");
    let report = out.run(subject.downloader(settings).as_ref(), &jobs);

    assert_failed(only(&report), &[FailureKind::HttpStatus(403)], 1);
    assert_eq!(server.requests_for("/status/403/zzpic23132_s.jpg"), 1);
}

/// A 503 with `Retry-After: 1` is retried no sooner than a second later.
pub fn retry_after_is_honoured(subject: &Subject) {
    let server = fixture::plain_server();
    let out = Output::new();
    let jobs = jobs_for(&server, &["status/503/zzpic23133_s.jpg?retry-after=1"]);
    let settings = fixture::quick()
        .retries(1)
        .backoff(Duration::from_millis(10), Duration::from_secs(2))
        .build()
        .expect("valid settings");
    let report = out.run(subject.downloader(settings).as_ref(), &jobs);

    let outcome = only(&report);
    assert_failed(outcome, &[FailureKind::HttpStatus(503)], 2);
    assert!(
        outcome.elapsed >= Duration::from_secs(1),
        "retried after {:?}, before the server's Retry-After of 1 s",
        outcome.elapsed
    );
}

/// Nothing listening: a connect failure, retried, then failed.
pub fn connection_refused_is_a_connect_failure(subject: &Subject) {
    // Bind then drop a listener: its port is then (almost surely) closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port();
    let out = Output::new();
    let url = format!("http://127.0.0.1:{port}/zzpic23134_s.jpg");
    let jobs = JobList::from_urls([url.as_str()]).expect("valid URL");
    let settings = fixture::quick().retries(1).build().expect("valid settings");
    let report = out.run(subject.downloader(settings).as_ref(), &jobs);

    assert_failed(only(&report), &[FailureKind::Connect], 2);
    assert!(out.files().is_empty());
}
