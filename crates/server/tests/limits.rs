//! An idle-connection flood past the connection cap does not keep a real
//! client out: idle connections are closed after the header read timeout.

mod common;

use std::io::Read;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{agent, get};
use fetchlab_server::{ServerConfig, TestServer};

#[test]
fn a_request_is_answered_through_an_idle_flood_past_the_cap() {
    let config = ServerConfig::default()
        .with_max_connections(64)
        .with_header_read_timeout(Duration::from_millis(500));
    let server = TestServer::start(config).unwrap();
    let flood: Vec<TcpStream> = (0..100)
        .map(|_| TcpStream::connect(server.addr()).unwrap())
        .collect();
    let start = Instant::now();
    let file = &server.corpus().files()[0];
    let got = get(&agent(), &server.url(&file.name));
    assert_eq!(got.status, 200);
    assert_eq!(got.body, file.body);
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
    // The flood's sockets were closed by the server, not left open.
    let mut first = &flood[0];
    first
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut buf = [0u8; 1];
    assert_eq!(first.read(&mut buf).unwrap_or(0), 0);
}
