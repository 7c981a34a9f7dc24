//! The network model over real loopback TCP: a fresh connection pays the
//! handshake, a round and a flight per window; a warm one less. Only lower
//! bounds (which the server enforces) and generous upper bounds are checked.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use fetchlab_server::{Corpus, CorpusFile, ServerConfig, TestServer};

const RTT: Duration = Duration::from_millis(50);

/// Reads one response to `GET /name` with a known length off `stream`.
fn fetch(stream: &mut TcpStream, file: &CorpusFile) -> Duration {
    let start = Instant::now();
    write!(stream, "GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", file.name).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 64 * 1024];
    loop {
        let n = stream.read(&mut buf).unwrap();
        assert!(n > 0, "connection closed early");
        got.extend_from_slice(&buf[..n]);
        if let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n")
            && got.len() >= end + 4 + file.body.len()
        {
            assert_eq!(&got[end + 4..], &file.body[..]);
            return start.elapsed();
        }
    }
}

#[test]
fn a_fresh_connection_pays_handshake_round_and_flight_a_warm_one_a_round() {
    let file = CorpusFile::new("f.bin", vec![5u8; 25_000].into());
    let config = ServerConfig::default()
        .with_corpus(Corpus::from_files([file.clone()]))
        .with_rtt(RTT);
    let server = TestServer::start(config).unwrap();
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    let first = fetch(&mut stream, &file);
    let second = fetch(&mut stream, &file);
    // Handshake + request round + one more flight (25 KB > 10 × 1448 B).
    assert!(first >= 3 * RTT, "{first:?}");
    // The window grew: one round.
    assert!(second >= RTT, "{second:?}");
    assert!(first < Duration::from_secs(5) && second < Duration::from_secs(5));
    assert_eq!(server.stats().connections, 1);
}

#[test]
fn without_a_model_nothing_waits() {
    let server = TestServer::start(ServerConfig::default()).unwrap();
    let file = server.corpus().files()[0].clone();
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    assert!(fetch(&mut stream, &file) < Duration::from_secs(5));
}

#[test]
fn faults_keep_their_shape_under_the_model() {
    use common::{End, raw_get};
    let config = ServerConfig::default().with_rtt(Duration::from_millis(20));
    let server = TestServer::start(config).unwrap();
    let file = &server.corpus().files()[0];
    let half = &file.body[..file.body.len() / 2];
    let cases = [
        (
            format!("/fault/reset-mid-body/{}", file.name),
            End::Reset,
            half,
        ),
        (format!("/fault/short-body/{}", file.name), End::Eof, half),
        (format!("/{}", file.name), End::Eof, &file.body[..]),
    ];
    for (path, end, body) in cases {
        let got = raw_get(server.addr(), &path, usize::MAX, Duration::from_secs(10));
        assert_eq!(got.end, end, "{path}");
        assert_eq!(got.body(), body, "{path}");
    }
}

/// Under the model a request is in flight until its response is released
/// to the socket, not merely handed to the connection: with a 1 s round
/// trip nothing can arrive before 2 s, so once the request is counted the
/// gauge must read 1 until the client has the body.
#[test]
fn a_request_is_in_flight_until_the_model_releases_its_response() {
    let file = CorpusFile::new("f.bin", vec![5u8; 1000].into());
    let config = ServerConfig::default()
        .with_corpus(Corpus::from_files([file.clone()]))
        .with_rtt(Duration::from_secs(1));
    let server = TestServer::start(config).unwrap();
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    let client = {
        let file = file.clone();
        std::thread::spawn(move || fetch(&mut stream, &file))
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.stats().requests == 0 {
        assert!(Instant::now() < deadline, "the request never arrived");
        std::thread::sleep(Duration::from_millis(5));
    }
    // The handler has long handed the body over; the model holds it.
    std::thread::sleep(Duration::from_millis(200));
    let held = server.stats();
    assert_eq!((held.in_flight, held.peak_in_flight), (1, 1));
    assert!(client.join().unwrap() >= Duration::from_secs(2));
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.stats().in_flight != 0 {
        assert!(
            Instant::now() < deadline,
            "still in flight after the body arrived"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}
