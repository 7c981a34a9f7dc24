//! HTTP/2 with prior knowledge (h2c) is served too, many requests per connection.

use bytes::Bytes;
use fetchlab_server::{ServerConfig, TestServer};
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::{TokioExecutor, TokioIo};

#[test]
fn h2c_serves_many_streams_on_one_connection() {
    let server = TestServer::start(ServerConfig::default()).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let tcp = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
        let (mut sender, conn) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tcp))
                .await
                .unwrap();
        tokio::spawn(conn);
        for file in server.corpus().files().iter().take(10) {
            let req = http::Request::get(server.url(&file.name))
                .body(Empty::<Bytes>::new())
                .unwrap();
            let resp = sender.send_request(req).await.unwrap();
            assert_eq!(resp.status(), 200);
            let body = resp.into_body().collect().await.unwrap().to_bytes();
            assert_eq!(body, file.body);
        }
    });
    let stats = server.stats();
    assert_eq!(
        (stats.requests, stats.connections, stats.in_flight),
        (10, 1, 0)
    );
}
