//! The concurrency limit is a promise: never exceeded, reached when there is
//! enough work, and connections are kept alive rather than reopened. So is
//! the per-host limit, across several hosts at once.

use std::time::Duration;

use fetchlab_core::{Job, JobList};
use fetchlab_server::{Corpus, CorpusSpec, Hosts, ServerConfig};

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

/// Three hosts with latency, 60 jobs dealt over them in turn, concurrency
/// 12 and 2 per host: no host ever sees more than 2 requests at once,
/// concurrent backends reach 2 on every host (a sequential one 1), and
/// every file is byte-exact.
pub fn per_host_limit_is_honoured(subject: &Subject) {
    let configs = vec![ServerConfig::default().with_latency(Duration::from_millis(50)); 3];
    let hosts = Hosts::start(configs, 0).expect("three loopback hosts start");
    let servers = hosts.servers();
    let names = servers[0].corpus().names();
    let jobs: Vec<Job> = (0..60)
        .map(|k| {
            let (host, name) = (k % servers.len(), &names[k / servers.len()]);
            Job::with_name(servers[host].url(name), format!("h{host}-{name}"))
        })
        .collect();
    let jobs = JobList::from_jobs(jobs);
    let (limit, per_host) = (12, 2);
    let settings = fixture::quick()
        .concurrency(limit)
        .per_host(Some(per_host))
        .build()
        .expect("valid settings");
    let out = Output::new();
    let report = out.run(subject.downloader(settings).as_ref(), &jobs);

    assert_eq!(
        report.counts().downloaded,
        60,
        "{:?}",
        report.summary_lines()
    );
    let expected = if subject.is_concurrent() { per_host } else { 1 } as u64;
    for (host, stats) in hosts.stats().iter().enumerate() {
        assert_eq!(stats.requests, 20, "host {host}: requests");
        assert!(
            stats.peak_in_flight <= per_host as u64,
            "host {host}: peak in flight {} > per-host limit {per_host}",
            stats.peak_in_flight
        );
        assert_eq!(
            stats.peak_in_flight, expected,
            "host {host}: peak in flight"
        );
    }
    for job in jobs.iter() {
        let (host, name) = job.name().split_once('-').expect("named h<i>-<file>");
        let server = &servers[host[1..].parse::<usize>().expect("host index")];
        fixture::assert_saved_as(server, &out.dir, job.name(), name);
    }
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
