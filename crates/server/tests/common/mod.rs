//! Helpers shared by the integration tests: a plain ureq client and a raw
//! TCP client that reports exactly how the server ended the connection.
#![allow(dead_code)]

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// A ureq agent that returns error statuses as responses and does not
/// follow redirects.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .max_idle_connections_per_host(64)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// A response as plain data.
#[derive(Debug)]
pub struct Got {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Vec<u8>,
}

impl Got {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// GET `url` with extra `headers`.
pub fn get_with(agent: &ureq::Agent, url: &str, headers: &[(&str, &str)]) -> Got {
    let mut req = agent.get(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = req.call().unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp
        .into_body()
        .with_config()
        .limit(1 << 30)
        .read_to_vec()
        .unwrap_or_else(|e| panic!("body of {url}: {e}"));
    Got {
        status,
        headers,
        body,
    }
}

/// GET `url`.
pub fn get(agent: &ureq::Agent, url: &str) -> Got {
    get_with(agent, url, &[])
}

/// How the server ended a raw exchange.
#[derive(Debug, PartialEq, Eq)]
pub enum End {
    /// Clean close (FIN).
    Eof,
    /// TCP RST.
    Reset,
    /// Nothing more within the read timeout.
    Timeout,
    /// Stopped reading after the wanted number of bytes.
    Enough,
    /// Another error.
    Other(ErrorKind),
}

/// What a raw exchange received.
#[derive(Debug)]
pub struct Raw {
    pub bytes: Vec<u8>,
    pub end: End,
}

impl Raw {
    /// The response head (up to the blank line), if complete.
    pub fn head(&self) -> Option<String> {
        let end = find(&self.bytes, b"\r\n\r\n")?;
        Some(String::from_utf8_lossy(&self.bytes[..end]).into_owned())
    }

    /// The bytes after the head.
    pub fn body(&self) -> &[u8] {
        find(&self.bytes, b"\r\n\r\n").map_or(&[], |end| &self.bytes[end + 4..])
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Sends `GET path` on a fresh connection with `Connection: close` and reads
/// until the server ends the connection, `limit` bytes arrived, or nothing
/// came for `timeout`.
pub fn raw_get(addr: SocketAddr, path: &str, limit: usize, timeout: Duration) -> Raw {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(timeout)).unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).expect("send request");
    read_all(&mut stream, limit)
}

/// Reads from `stream` until EOF, error, timeout or `limit` bytes.
pub fn read_all(stream: &mut TcpStream, limit: usize) -> Raw {
    let mut bytes = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    let end = loop {
        if bytes.len() >= limit {
            break End::Enough;
        }
        match stream.read(&mut buf) {
            Ok(0) => break End::Eof,
            Ok(n) => bytes.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if e.kind() == ErrorKind::ConnectionReset => break End::Reset,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                break End::Timeout;
            }
            Err(e) => break End::Other(e.kind()),
        }
    };
    Raw { bytes, end }
}
