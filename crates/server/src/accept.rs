//! The accept loop and the life of one connection.

use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

use crate::conn::{ConnCtl, FaultyStream};
use crate::service::{Shared, handle};

/// Pause after an accept error that is not about one connection (EMFILE …).
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// Accepts connections until `stop` is cancelled. Connections already
/// accepted keep running; the caller ends them by dropping the runtime.
pub(crate) async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    stop: CancellationToken,
) {
    let builder = Arc::new(builder());
    let mut last_log: Option<Instant> = None;
    loop {
        let accepted = tokio::select! {
            _ = stop.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, _peer)) => {
                shared.counters.on_connection();
                tokio::spawn(serve(stream, Arc::clone(&shared), Arc::clone(&builder)));
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

/// HTTP/1.1 with keep-alive, and h2c for clients that speak it.
fn builder() -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .keep_alive(true)
        // Idle keep-alive connections stay open until the client closes them.
        .header_read_timeout(None);
    builder.http2().timer(TokioTimer::new());
    builder
}

async fn serve(stream: TcpStream, shared: Arc<Shared>, builder: Arc<auto::Builder<TokioExecutor>>) {
    // Responses are small and latency matters more than packet count.
    let _ = stream.set_nodelay(true);
    let Ok(local_addr) = stream.local_addr() else {
        return;
    };
    let ctl = Arc::new(ConnCtl::new(local_addr));
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
