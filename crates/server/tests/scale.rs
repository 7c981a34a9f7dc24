//! 10,000 requests over 1,000 concurrent keep-alive connections.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use fetchlab_server::{Corpus, CorpusSpec, ServerConfig, TestServer};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const CONNECTIONS: usize = 1000;
const REQUESTS_PER_CONNECTION: usize = 10;

/// One keep-alive GET: returns the status and the body.
async fn fetch(
    conn: &mut BufReader<TcpStream>,
    addr: SocketAddr,
    path: &str,
) -> io::Result<(u16, Vec<u8>)> {
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    conn.get_mut().write_all(request.as_bytes()).await?;
    let mut line = String::new();
    conn.read_line(&mut line).await?;
    let status = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut length = 0;
    loop {
        line.clear();
        conn.read_line(&mut line).await?;
        let header = line.trim_end().to_ascii_lowercase();
        if header.is_empty() {
            break;
        }
        if let Some(value) = header.strip_prefix("content-length:") {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    conn.read_exact(&mut body).await?;
    Ok((status, body))
}

async fn client(addr: SocketAddr, corpus: Corpus, index: usize) -> io::Result<()> {
    let mut conn = BufReader::new(TcpStream::connect(addr).await?);
    for j in 0..REQUESTS_PER_CONNECTION {
        let file = &corpus.files()[(index * REQUESTS_PER_CONNECTION + j) % corpus.len()];
        let (status, body) = fetch(&mut conn, addr, &format!("/{}", file.name)).await?;
        assert_eq!(status, 200);
        assert_eq!(body, file.body, "{}", file.name);
    }
    Ok(())
}

#[test]
fn ten_thousand_requests_over_a_thousand_connections() {
    let corpus = Corpus::generate(&CorpusSpec::files(100, 256, 2048));
    let config = ServerConfig::default()
        .with_corpus(corpus.clone())
        .with_latency(Duration::from_millis(20));
    let server = TestServer::start(config).unwrap();
    let addr = server.addr();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let tasks: Vec<_> = (0..CONNECTIONS)
            .map(|i| tokio::spawn(client(addr, corpus.clone(), i)))
            .collect();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
    });
    let stats = server.stats();
    assert_eq!(
        stats.requests,
        (CONNECTIONS * REQUESTS_PER_CONNECTION) as u64
    );
    assert_eq!(stats.connections, CONNECTIONS as u64);
    assert_eq!(stats.in_flight, 0);
    assert!(
        stats.peak_in_flight > 1 && stats.peak_in_flight <= CONNECTIONS as u64,
        "{stats:?}"
    );
}
