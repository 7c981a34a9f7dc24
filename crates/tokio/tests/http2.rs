//! HTTP/2: every request a stream on ONE connection, the concurrency
//! limit honoured as streams in flight, over TLS (ALPN `h2`) and over plain
//! TCP (prior knowledge).

use std::time::Duration;

use fetchlab_conformance::{quick, seed_jobs};
use fetchlab_core::{DirStore, Downloader, HttpVersion, RunEnv};
use fetchlab_server::{ServerConfig, TestServer};
use fetchlab_tokio::TokioDownloader;

fn one_connection_carries_every_stream(tls: bool) {
    let server = TestServer::start(
        ServerConfig::default()
            .with_tls(tls)
            // Long enough that the streams overlap on any machine.
            .with_latency(Duration::from_millis(150)),
    )
    .expect("the test server starts");
    let limit = 6;
    let mut settings = quick().concurrency(limit).http_version(HttpVersion::Http2);
    if let Some(pem) = server.ca_pem() {
        settings = settings.ca_pem(pem);
    }
    let downloader = TokioDownloader::new(settings.build().expect("valid")).expect("builds");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = DirStore::new(dir.path()).expect("a store");
    let jobs = seed_jobs(&server, 24);
    let report = downloader
        .download(&jobs, &RunEnv::new(std::sync::Arc::new(store)))
        .expect("the run starts");

    assert_eq!(report.counts().downloaded, 24, "{:?}", report.counts());
    let stats = server.stats();
    assert_eq!(stats.connections, 1, "{stats:?}");
    assert_eq!(stats.tls_handshakes, u64::from(tls), "{stats:?}");
    assert_eq!(stats.h2_streams, 24, "{stats:?}");
    assert_eq!(stats.peak_in_flight, limit as u64, "{stats:?}");
    assert_eq!(stats.peak_streams_per_connection, limit as u64, "{stats:?}");
}

#[test]
fn h2_over_tls_multiplexes_on_one_connection() {
    one_connection_carries_every_stream(true);
}

#[test]
fn h2c_prior_knowledge_multiplexes_on_one_connection() {
    one_connection_carries_every_stream(false);
}
