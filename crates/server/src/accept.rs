//! The accept loop and the life of one connection: the connection cap,
//! the network model's path, TLS, then hyper.

use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;

use crate::conn::{ConnCtl, FaultyStream, Transport};
use crate::network::Path;
use crate::prng::mix;
use crate::service::{Shared, handle};
use crate::wire::Wire;

/// Pause after an accept error that is not about one connection (EMFILE …).
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// Accepts connections until `stop` is cancelled. Connections already
/// accepted keep running; the caller ends them by dropping the runtime.
pub(crate) async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    stop: CancellationToken,
) {
    let builder = Arc::new(builder(&shared));
    let slots = Arc::new(Semaphore::new(shared.config.max_connections));
    let mut last_log: Option<Instant> = None;
    loop {
        // At the cap, new connections wait in the listen queue.
        let permit = tokio::select! {
            _ = stop.cancelled() => return,
            permit = Arc::clone(&slots).acquire_owned() => permit,
        };
        // The semaphore is never closed.
        let Ok(permit) = permit else { return };
        let accepted = tokio::select! {
            _ = stop.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, _peer)) => {
                let number = shared.counters.on_connection();
                tokio::spawn(serve(
                    stream,
                    number,
                    Arc::clone(&shared),
                    Arc::clone(&builder),
                    permit,
                ));
            }
            // Per-connection failures (the peer gave up before we accepted).
            Err(e) if is_connection_error(&e) => {}
            // Out of descriptors or memory (or anything unexpected): retrying
            // at once would spin, so wait a little and try again.
            Err(e) => {
                log_throttled(&mut last_log, &e);
                tokio::select! {
                    _ = stop.cancelled() => return,
                    _ = tokio::time::sleep(ACCEPT_BACKOFF) => {}
                }
            }
        }
    }
}

/// HTTP/1.1 with keep-alive, and HTTP/2 (h2c by prior knowledge, or `h2`
/// by ALPN). The header read timeout also closes idle keep-alive
/// connections: hyper arms it when it starts waiting for the next head.
fn builder(shared: &Shared) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .keep_alive(true)
        .header_read_timeout(Some(shared.config.header_read_timeout));
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(shared.config.h2_max_streams);
    builder
}

async fn serve(
    stream: TcpStream,
    number: u64,
    shared: Arc<Shared>,
    builder: Arc<auto::Builder<TokioExecutor>>,
    _slot: OwnedSemaphorePermit,
) {
    // Responses are small and latency matters more than packet count.
    let _ = stream.set_nodelay(true);
    let Ok(local_addr) = stream.local_addr() else {
        return;
    };
    let timeout = shared.config.header_read_timeout;
    // A connection that sends nothing is closed: hyper's own timeout only
    // starts once it knows which protocol it speaks.
    let mut first = [0u8; 1];
    if !matches!(
        tokio::time::timeout(timeout, stream.peek(&mut first)).await,
        Ok(Ok(1..))
    ) {
        return;
    }
    let path = shared.network.as_ref().map(|network| {
        let seed = shared.config.seed ^ mix(number.wrapping_add(1));
        let path = Path::new(&shared.config.network, network.now(), seed);
        (path, Arc::clone(network))
    });
    let wire = Wire::new(stream, path);
    let release = wire.release();
    match &shared.tls {
        None => serve_http(wire, local_addr, false, release, shared, builder).await,
        Some(acceptor) => {
            let Ok(Ok(tls)) = tokio::time::timeout(timeout, acceptor.accept(wire)).await else {
                return;
            };
            shared.counters.on_tls_handshake();
            serve_http(tls, local_addr, true, release, shared, builder).await;
        }
    }
}

async fn serve_http(
    stream: impl Transport,
    local_addr: std::net::SocketAddr,
    tls: bool,
    release: Option<crate::wire::Release>,
    shared: Arc<Shared>,
    builder: Arc<auto::Builder<TokioExecutor>>,
) {
    let ctl = Arc::new(ConnCtl::new(local_addr, tls, release));
    let io = TokioIo::new(FaultyStream::new(stream, Arc::clone(&ctl)));
    let service = service_fn(move |req| handle(Arc::clone(&shared), Arc::clone(&ctl), req));
    // Errors here are the client's or a fault's doing; the connection just ends.
    let _ = builder.serve_connection(io, service).await;
}

/// Errors that concern one incoming connection only; the next accept is fine.
fn is_connection_error(e: &io::Error) -> bool {
    use io::ErrorKind::*;
    matches!(
        e.kind(),
        ConnectionAborted | ConnectionReset | ConnectionRefused | Interrupted | WouldBlock
    )
}

/// Logs to stderr at most once a second.
fn log_throttled(last: &mut Option<Instant>, e: &io::Error) {
    if last.is_none_or(|t| t.elapsed() >= Duration::from_secs(1)) {
        eprintln!("fetchlab-server: accept failed ({e}); retrying after {ACCEPT_BACKOFF:?}");
        *last = Some(Instant::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_per_connection_errors_are_retried_at_once() {
        assert!(is_connection_error(
            &io::ErrorKind::ConnectionAborted.into()
        ));
        assert!(!is_connection_error(&io::Error::from_raw_os_error(24))); // EMFILE on Linux
        assert!(!is_connection_error(&io::ErrorKind::OutOfMemory.into()));
    }
}
