//! Every fault, observed on the wire with a raw TCP client.

mod common;

use std::time::{Duration, Instant};

use common::{End, Raw, agent, get, raw_get};
use fetchlab_server::{
    Corpus, CorpusFile, CorpusSpec, Fault, OVERSIZED_LEN, ServerConfig, TestServer,
};

const WAIT: Duration = Duration::from_secs(10);

fn server() -> TestServer {
    let config = ServerConfig::default().with_stall(Duration::from_millis(500));
    TestServer::start(config).expect("server")
}

fn first(server: &TestServer) -> CorpusFile {
    server.corpus().files()[0].clone()
}

fn fault(server: &TestServer, fault: Fault, limit: usize) -> Raw {
    let path = format!("/fault/{fault}/{}", first(server).name);
    raw_get(server.addr(), &path, limit, WAIT)
}

fn content_length(raw: &Raw) -> Option<u64> {
    let head = raw.head()?.to_ascii_lowercase();
    let line = head.lines().find(|l| l.starts_with("content-length:"))?;
    line["content-length:".len()..].trim().parse().ok()
}

#[test]
fn reset_before_headers_sends_nothing_then_rst() {
    let server = server();
    let raw = fault(&server, Fault::ResetBeforeHeaders, usize::MAX);
    assert_eq!((raw.bytes.len(), raw.end), (0, End::Reset));
    assert_eq!(server.stats().in_flight, 0);
}

#[test]
fn reset_mid_body_sends_half_then_rst() {
    let server = server();
    let file = first(&server);
    let raw = fault(&server, Fault::ResetMidBody, usize::MAX);
    assert!(
        raw.head().unwrap().starts_with("HTTP/1.1 200 OK"),
        "{raw:?}"
    );
    assert_eq!(content_length(&raw), Some(file.len()));
    assert_eq!(raw.body(), &file.body[..file.body.len() / 2]);
    assert_eq!(raw.end, End::Reset);
    assert_eq!(server.stats().bytes_sent, file.len() / 2);
}

#[test]
fn short_body_sends_half_then_fin() {
    let server = server();
    let file = first(&server);
    let raw = fault(&server, Fault::ShortBody, usize::MAX);
    assert_eq!(content_length(&raw), Some(file.len()));
    assert_eq!(raw.body(), &file.body[..file.body.len() / 2]);
    assert_eq!(raw.end, End::Eof);
}

#[test]
fn garbage_is_not_http() {
    let server = server();
    let raw = fault(&server, Fault::Garbage, usize::MAX);
    assert!(raw.bytes.starts_with(b"SSH-2.0-garbage\r\n"), "{raw:?}");
    assert!(raw.bytes.len() > 17);
    assert_eq!(raw.end, End::Eof);
    let err = agent()
        .get(&server.url(&format!("fault/garbage/{}", first(&server).name)))
        .call();
    assert!(err.is_err(), "{err:?}");
}

#[test]
fn stall_is_silent_for_the_configured_time_then_closes() {
    let server = server();
    let start = Instant::now();
    let raw = fault(&server, Fault::Stall, usize::MAX);
    assert_eq!((raw.bytes.len(), raw.end), (0, End::Eof));
    assert!(start.elapsed() >= Duration::from_millis(500));
    assert_eq!(server.stats().in_flight, 0);
}

#[test]
fn stall_longer_than_a_read_timeout_times_out() {
    let config = ServerConfig::default().with_stall(Duration::from_secs(60));
    let server = TestServer::start(config).unwrap();
    let path = format!("/fault/stall/{}", first(&server).name);
    let raw = raw_get(server.addr(), &path, usize::MAX, Duration::from_millis(300));
    assert_eq!((raw.bytes.len(), raw.end), (0, End::Timeout));
}

#[test]
fn slow_drip_sends_the_whole_body_slowly() {
    let corpus = Corpus::generate(&CorpusSpec::files(1, 64, 64));
    let server = TestServer::start(ServerConfig::default().with_corpus(corpus)).unwrap();
    let start = Instant::now();
    let got = get(&agent(), &server.url("fault/slow-drip/file00000.bin"));
    // 64 bytes, 16 every 200 ms: the last chunk is due after 800 ms.
    assert!(start.elapsed() >= Duration::from_millis(800));
    assert_eq!(got.header("content-length"), Some("64"));
    assert_eq!(got.body, server.corpus().files()[0].body);
}

#[test]
fn oversized_announces_and_streams_64_mib() {
    let server = server();
    let raw = fault(&server, Fault::Oversized, 1 << 20);
    assert_eq!(content_length(&raw), Some(OVERSIZED_LEN));
    assert_eq!(raw.end, End::Enough);
    let raw = fault(&server, Fault::OversizedChunked, 1 << 20);
    let head = raw.head().unwrap().to_ascii_lowercase();
    assert!(head.contains("transfer-encoding: chunked"), "{head}");
    assert_eq!(content_length(&raw), None);
    assert_eq!(raw.end, End::Enough);
}

#[test]
fn oversized_is_complete_when_read_to_the_end() {
    let server = server();
    let raw = raw_get(
        server.addr(),
        &format!("/fault/oversized/{}", first(&server).name),
        usize::MAX,
        WAIT,
    );
    assert_eq!(raw.body().len() as u64, OVERSIZED_LEN);
    assert_eq!(server.stats().bytes_sent, OVERSIZED_LEN);
}

#[test]
fn redirect_faults() {
    let server = server();
    let name = first(&server).name;
    let agent = agent();
    let got = get(&agent, &server.url(&format!("fault/redirect-loop/{name}")));
    let location = server.url(&format!("fault/redirect-loop/{name}"));
    assert_eq!(
        (got.status, got.header("location")),
        (302, Some(location.as_str()))
    );
    let got = get(
        &agent,
        &server.url(&format!("fault/redirect-scheme/{name}")),
    );
    let location = format!("ftp://127.0.0.1:1/{name}");
    assert_eq!(
        (got.status, got.header("location")),
        (302, Some(location.as_str()))
    );
}

#[test]
fn random_faults_hit_corpus_paths_only() {
    let config = ServerConfig::default()
        .with_fault_rate(1.0)
        .with_faults([Fault::ShortBody]);
    let server = TestServer::start(config).unwrap();
    let file = first(&server);
    let raw = raw_get(server.addr(), &format!("/{}", file.name), usize::MAX, WAIT);
    assert_eq!(
        (raw.body().len() as u64, raw.end),
        (file.len() / 2, End::Eof)
    );
    let got = get(&agent(), &server.url(&format!("no-range/{}", file.name)));
    assert_eq!(got.body, file.body);
}

#[test]
fn a_connection_survives_normal_requests_before_a_fault() {
    // Keep-alive works on the wrapped stream until a takeover ends it.
    let server = server();
    let agent = agent();
    for name in server.corpus().names().iter().take(5) {
        assert_eq!(get(&agent, &server.url(name)).status, 200);
    }
    assert_eq!(server.stats().connections, 1);
}
