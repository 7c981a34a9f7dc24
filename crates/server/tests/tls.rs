//! HTTPS: a rustls client that trusts the server's generated authority
//! downloads corpus files byte for byte, over HTTP/2 when it offers `h2`
//! and over HTTP/1.1 when it does not; the server counts both handshakes.

use std::sync::Arc;

use bytes::Bytes;
use fetchlab_server::{ServerConfig, TestServer};
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

fn connector(server: &TestServer, alpn: &[&[u8]]) -> TlsConnector {
    let pem = server.ca_pem().expect("TLS is on");
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
        roots.add(cert.expect("a PEM certificate")).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    TlsConnector::from(Arc::new(config))
}

async fn connect(server: &TestServer, alpn: &[&[u8]]) -> TlsStream<tokio::net::TcpStream> {
    let tcp = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    let name = ServerName::try_from("127.0.0.1").unwrap();
    connector(server, alpn).connect(name, tcp).await.unwrap()
}

fn get(server: &TestServer, name: &str) -> http::Request<Empty<Bytes>> {
    http::Request::get(server.url(name))
        .body(Empty::new())
        .unwrap()
}

#[test]
fn a_tls_client_gets_the_corpus_over_h2_and_http1() {
    let server = TestServer::start(ServerConfig::default().with_tls(true)).unwrap();
    assert!(server.base_url().starts_with("https://127.0.0.1:"));
    let on_disk = std::fs::read_to_string(server.ca_file().unwrap()).unwrap();
    assert_eq!(Some(on_disk.as_str()), server.ca_pem());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let files: Vec<_> = server.corpus().files().iter().take(4).cloned().collect();
    rt.block_on(async {
        let tls = connect(&server, &[b"h2", b"http/1.1"]).await;
        assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
        let (mut sender, conn) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tls))
                .await
                .unwrap();
        tokio::spawn(conn);
        for file in &files {
            let resp = sender.send_request(get(&server, &file.name)).await.unwrap();
            assert_eq!(resp.status(), 200);
            assert!(resp.headers().contains_key("etag"));
            let body = resp.into_body().collect().await.unwrap().to_bytes();
            assert_eq!(body, file.body, "{}", file.name);
        }

        let tls = connect(&server, &[b"http/1.1"]).await;
        assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"http/1.1"[..]));
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
            .await
            .unwrap();
        tokio::spawn(conn);
        let resp = sender
            .send_request(get(&server, &files[0].name))
            .await
            .unwrap();
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(body, files[0].body);
    });
    let stats = server.stats();
    assert_eq!(stats.connections, 2);
    assert_eq!(stats.tls_handshakes, 2);
    assert_eq!(stats.h2_streams, 4);
    assert_eq!(stats.requests, 5);
}

/// Ten concurrent requests on one h2 connection whose server allows
/// `limit` streams; returns the server's counters.
fn ten_streams(limit: u32) -> fetchlab_server::Stats {
    let server = TestServer::start(
        ServerConfig::default()
            .with_tls(true)
            .with_h2_max_streams(limit)
            .with_latency(std::time::Duration::from_millis(200)),
    )
    .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let names = server.corpus().names();
    rt.block_on(async {
        let tls = connect(&server, &[b"h2"]).await;
        let (sender, conn) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tls))
                .await
                .unwrap();
        tokio::spawn(conn);
        // One request first, so the client has the server's SETTINGS
        // (streams opened before them past the limit would be refused).
        let mut first = sender.clone();
        let resp = first.send_request(get(&server, &names[0])).await.unwrap();
        resp.into_body().collect().await.unwrap();
        let requests = names.iter().take(10).map(|name| {
            let mut sender = sender.clone();
            let req = get(&server, name);
            async move {
                let resp = sender.send_request(req).await.unwrap();
                resp.into_body().collect().await.unwrap().to_bytes().len()
            }
        });
        let sizes = futures::future::join_all(requests).await;
        assert!(sizes.iter().all(|&n| n > 0));
    });
    server.stats()
}

#[test]
fn concurrent_h2_streams_are_counted_per_connection_and_limited() {
    // All ten wait out the same 200 ms latency on one connection.
    let stats = ten_streams(128);
    assert_eq!(
        (
            stats.peak_streams_per_connection,
            stats.connections,
            stats.h2_streams
        ),
        (10, 1, 11)
    );
    // The client waits for a free stream past the announced limit.
    let stats = ten_streams(3);
    assert_eq!(
        (
            stats.peak_streams_per_connection,
            stats.connections,
            stats.h2_streams
        ),
        (3, 1, 11)
    );
}

#[test]
fn under_the_model_tls_costs_one_more_round_trip() {
    let rtt = std::time::Duration::from_millis(50);
    let config = ServerConfig::default().with_tls(true).with_rtt(rtt);
    let server = TestServer::start(config).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let file = server.corpus().files()[0].clone();
    rt.block_on(async {
        let start = std::time::Instant::now();
        let tls = connect(&server, &[b"http/1.1"]).await;
        // The server's handshake flight waits for the TCP handshake's round trip.
        let handshake = start.elapsed();
        assert!(handshake >= 2 * rtt, "{handshake:?}");
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
            .await
            .unwrap();
        tokio::spawn(conn);
        let resp = sender.send_request(get(&server, &file.name)).await.unwrap();
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(body, file.body);
        // The request's round trip, and a second flight for a 33 KB body.
        let total = start.elapsed();
        assert!(total >= 4 * rtt, "{total:?}");
        assert!(total < std::time::Duration::from_secs(10), "{total:?}");
    });
}
