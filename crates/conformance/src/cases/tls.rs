//! The integrity and fault cases over TLS, against a [`TestServer`] with
//! its generated CA: byte-exact files on reused connections (one handshake
//! per connection), faults mid-body, an untrusted certificate refused for
//! good, and `insecure` accepted.
//!
//! A backend that cannot do TLS (async-std: surf has no rustls client
//! for its HTTP/1.1 stack) must say so: it refuses TLS settings when built
//! with [`SettingsError::Unsupported`], and fails every `https` job as a
//! protocol failure, not retried, whose detail says why. Each case checks
//! that refusal instead for such a backend.

use fetchlab_core::{Error, FailureKind, Settings, SettingsError, Status};
use fetchlab_server::{ServerConfig, TestServer};

use crate::Subject;
use crate::fixture::{self, Output, assert_failed, assert_file_matches_corpus, jobs_for, only};

/// A TLS test server with the seed corpus.
fn tls_server() -> TestServer {
    fixture::server(ServerConfig::default().with_tls(true))
}

/// [`fixture::quick`] trusting `server`'s CA.
fn trusting(server: &TestServer) -> fetchlab_core::SettingsBuilder {
    let pem = server.ca_pem().expect("a TLS server has a CA");
    fixture::quick().ca_pem(pem)
}

/// The subject built with `settings`, or `None` after checking that it
/// refuses TLS as documented (see the module docs).
fn tls_downloader(
    subject: &Subject,
    server: &TestServer,
    settings: Settings,
) -> Option<Box<dyn fetchlab_core::Downloader>> {
    match subject.try_downloader(settings) {
        Ok(downloader) => Some(downloader),
        Err(Error::Settings(SettingsError::Unsupported { what, .. })) => {
            assert!(what.contains("TLS"), "refused {what}, not TLS");
            assert_https_is_refused(subject, server);
            None
        }
        Err(other) => panic!("backend refused valid TLS settings: {other}"),
    }
}

/// A backend without TLS fails an `https` job at once, as a protocol
/// failure that says `https` is not supported.
fn assert_https_is_refused(subject: &Subject, server: &TestServer) {
    let out = Output::new();
    let jobs = fixture::seed_jobs(server, 1);
    let report = out.run(
        subject.downloader(fixture::quick_settings()).as_ref(),
        &jobs,
    );
    let outcome = only(&report);
    assert_failed(outcome, &[FailureKind::Protocol], 1);
    match &outcome.status {
        Status::Failed(failure) => assert!(
            failure.detail.contains("https is not supported"),
            "the refusal must say why: {failure}"
        ),
        other => panic!("expected a failure, got {other:?}"),
    }
    assert_eq!(server.stats().tls_handshakes, 0, "no handshake attempted");
}

/// The seed over TLS: every file byte-exact, and connections reused — one
/// handshake per connection, no more connections than the limit.
pub fn seed_over_tls_is_byte_exact_on_reused_connections(subject: &Subject) {
    let server = tls_server();
    let limit = 8;
    let settings = trusting(&server).concurrency(limit).build().expect("valid");
    let Some(downloader) = tls_downloader(subject, &server, settings) else {
        return;
    };
    let out = Output::new();
    let jobs = fixture::seed_jobs(&server, 80);
    let report = out.run(downloader.as_ref(), &jobs);

    assert_eq!(report.counts().downloaded, 80, "{:?}", report.counts());
    for outcome in &report.outcomes {
        assert_file_matches_corpus(&server, &out.dir, outcome.job.name());
    }
    let stats = server.stats();
    let cap = if subject.is_concurrent() { limit } else { 1 } as u64;
    assert_eq!(stats.tls_handshakes, stats.connections, "{stats:?}");
    assert!(
        (1..=cap).contains(&stats.connections),
        "{} connections for 80 requests at a limit of {cap}",
        stats.connections
    );
}

/// One job against a fault over TLS, trusted: fails with one of `kinds`
/// after both attempts, and leaves no file.
fn expect_fault_over_tls(subject: &Subject, fault: &str, kinds: &[FailureKind]) {
    let server = tls_server();
    let settings = trusting(&server).retries(1).build().expect("valid");
    let Some(downloader) = tls_downloader(subject, &server, settings) else {
        return;
    };
    let out = Output::new();
    let jobs = jobs_for(&server, &[&format!("fault/{fault}/zzpic23140_s.jpg")]);
    let report = out.run(downloader.as_ref(), &jobs);
    assert_failed(only(&report), kinds, 2);
    assert!(out.files().is_empty(), "{fault}: left {:?}", out.files());
    out.assert_no_temp_files();
}

/// A reset half-way through a TLS body: transient, retried.
pub fn reset_mid_body_over_tls(subject: &Subject) {
    expect_fault_over_tls(
        subject,
        "reset-mid-body",
        &[FailureKind::Reset, FailureKind::Truncated],
    );
}

/// A TLS body that ends cleanly before `Content-Length`: truncated, retried.
pub fn short_body_over_tls(subject: &Subject) {
    expect_fault_over_tls(subject, "short-body", &[FailureKind::Truncated]);
}

/// A server certificate whose CA is not trusted fails as a protocol
/// failure, not retried: waiting does not make a certificate valid.
pub fn untrusted_certificate_is_not_retried(subject: &Subject) {
    let server = tls_server();
    // A CA of another server: valid PEM, not the one that signed `server`.
    let other = tls_server();
    let settings = trusting(&other).build().expect("valid");
    let Some(downloader) = tls_downloader(subject, &server, settings) else {
        return;
    };
    let out = Output::new();
    let jobs = fixture::seed_jobs(&server, 1);
    let report = out.run(downloader.as_ref(), &jobs);
    assert_failed(only(&report), &[FailureKind::Protocol], 1);
    assert!(out.files().is_empty(), "left {:?}", out.files());
    assert_eq!(
        server.stats().requests,
        0,
        "no request over an untrusted connection"
    );
}

/// `insecure` accepts the untrusted certificate.
pub fn insecure_accepts_an_untrusted_certificate(subject: &Subject) {
    let server = tls_server();
    let settings = fixture::quick().insecure(true).build().expect("valid");
    let Some(downloader) = tls_downloader(subject, &server, settings) else {
        return;
    };
    let out = Output::new();
    let jobs = fixture::seed_jobs(&server, 4);
    let report = out.run(downloader.as_ref(), &jobs);
    assert_eq!(report.counts().downloaded, 4, "{:?}", report.counts());
    assert!(server.stats().tls_handshakes >= 1);
}
