//! The concurrency limit is a promise: never exceeded, reached when there is
//! enough work, and connections are kept alive rather than reopened.

use std::time::Duration;

use fetchlab_core::JobList;
use fetchlab_server::{Corpus, CorpusSpec, ServerConfig};

use crate::Subject;
use crate::fixture::{self, Output};

/// Peak in-flight requests never exceed the limit, and concurrent backends
/// reach it when there are more jobs than workers.
pub fn concurrency_limit_is_honoured(subject: &Subject) {
    let server = fixture::server(ServerConfig {
        // Long enough that requests overlap on any machine.
        latency: Duration::from_millis(150),
        ..ServerConfig::default()
    });
    let out = Output::new();
    let mut jobs = JobList::seed(&server.base_url()).expect("seed list");
    jobs.truncate(24);
    let limit = 6;
    let settings = fixture::quick()
        .concurrency(limit)
        .build()
        .expect("valid settings");
    let report = out.run(subject.downloader(settings).as_ref(), &jobs);

    assert_eq!(report.counts().downloaded, 24);
    let peak = server.stats().peak_in_flight;
    assert!(
        peak <= limit as u64,
        "peak in flight {peak} > limit {limit}"
    );
    let expected_peak = if subject.is_concurrent() { limit } else { 1 };
    assert_eq!(peak, expected_peak as u64, "peak in flight");
}

/// With keep-alive, connections opened stay within the limit.
pub fn connections_are_reused(subject: &Subject) {
    let server = fixture::plain_server();
    let out = Output::new();
    let jobs = JobList::seed(&server.base_url()).expect("seed list");
    let limit = 8;
    let settings = fixture::quick()
        .concurrency(limit)
        .build()
        .expect("valid settings");
    let report = out.run(subject.downloader(settings).as_ref(), &jobs);

    assert_eq!(report.counts().downloaded, 80);
    let stats = server.stats();
    let cap = if subject.is_concurrent() { limit } else { 1 } as u64;
    assert!(
        stats.connections <= cap,
        "{} connections opened for 80 requests at a limit of {cap}",
        stats.connections
    );
}

/// At a high limit, with latency and real bodies, a finished request's
/// connection is reused rather than a new one opened (a pool that races
/// "wait for an idle connection" against "open one" fails this).
pub fn connections_are_reused_at_high_concurrency(subject: &Subject) {
    let corpus = Corpus::generate(&CorpusSpec::files(400, 8 << 10, 40 << 10));
    let server = fixture::server(ServerConfig {
        corpus,
        latency: Duration::from_millis(10),
        ..ServerConfig::default()
    });
    let out = Output::new();
    let jobs = JobList::named_under(&server.base_url(), server.corpus().names()).expect("jobs");
    let limit = 50;
    let settings = fixture::quick()
        .concurrency(limit)
        .build()
        .expect("valid settings");
    let report = out.run(subject.downloader(settings).as_ref(), &jobs);

    assert_eq!(
        report.counts().downloaded,
        400,
        "{:?}",
        report.summary_lines()
    );
    let cap = if subject.is_concurrent() { limit } else { 1 } as u64;
    let opened = server.stats().connections;
    assert!(
        opened <= cap,
        "{opened} connections for 400 requests at a limit of {cap}"
    );
}

/// Error answers (a 503 before each file) do not cost a connection: their
/// bodies are read so the connection goes back to the pool.
pub fn error_bodies_keep_connections_alive(subject: &Subject) {
    let server = fixture::plain_server();
    let paths: Vec<String> = server.corpus().names()[..12]
        .iter()
        .map(|name| format!("flaky/1/{name}"))
        .collect();
    let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
    let out = Output::new();
    let limit = 3;
    let settings = fixture::quick()
        .concurrency(limit)
        .build()
        .expect("valid settings");
    let report = out.run(
        subject.downloader(settings).as_ref(),
        &fixture::jobs_for(&server, &paths),
    );

    assert_eq!(
        report.counts().downloaded,
        12,
        "{:?}",
        report.summary_lines()
    );
    let stats = server.stats();
    assert_eq!(stats.requests, 24, "one 503 and one file each");
    let cap = if subject.is_concurrent() { limit } else { 1 } as u64;
    assert!(
        stats.connections <= cap,
        "{} connections, cap {cap}",
        stats.connections
    );
}
