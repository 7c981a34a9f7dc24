//! Idle keep-alive connections, and the lease that returns a connection
//! only when its response was read to the end.
//!
//! http-client's own h1 pool (deadpool) returns every connection when its
//! response is dropped, even half-read: the next request on it then reads
//! the rest of an old body as its response head, or waits on a server that
//! is still stalling. Here a connection goes back only when the reader of
//! its response said so ([`Reuse::allow`]); otherwise it is closed.

use std::collections::HashMap;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use async_std::net::TcpStream;
use futures::io::{AsyncRead, AsyncWrite};
use futures::task::noop_waker_ref;

/// Idle connections by `host:port`.
#[derive(Debug)]
pub struct Pool {
    idle: Mutex<HashMap<String, Vec<TcpStream>>>,
    max_idle_per_host: usize,
}

impl Pool {
    /// An empty pool keeping at most `max_idle_per_host` idle connections.
    pub fn new(max_idle_per_host: usize) -> Self {
        Self {
            idle: Mutex::new(HashMap::new()),
            max_idle_per_host,
        }
    }

    /// An idle connection to `key` that the server has not closed.
    pub fn checkout(&self, key: &str) -> Option<TcpStream> {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        let streams = idle.get_mut(key)?;
        while let Some(stream) = streams.pop() {
            if is_quiet(&stream) {
                return Some(stream);
            }
        }
        None
    }

    fn checkin(&self, key: String, stream: TcpStream) {
        // A poisoned map still holds valid streams.
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        let streams = idle.entry(key).or_default();
        if streams.len() < self.max_idle_per_host {
            streams.push(stream);
        }
    }
}

/// Whether an idle connection is open with nothing to read: a read would
/// block. End of stream (closed by the server), an error, or stray bytes
/// all make it unusable.
fn is_quiet(stream: &TcpStream) -> bool {
    let mut cx = Context::from_waker(noop_waker_ref());
    let mut probe = [0u8; 1];
    matches!(
        Pin::new(&mut &*stream).poll_read(&mut cx, &mut probe),
        Poll::Pending
    )
}

/// Set by the reader of a response once its body was read to the end, so
/// that its connection can serve another request, unless the response
/// forbade it (`Connection: close`). Stored in the response's extensions
/// by `H1Client`.
#[derive(Debug, Clone, Default)]
pub struct Reuse(Arc<ReuseState>);

#[derive(Debug, Default)]
struct ReuseState {
    allowed: AtomicBool,
    forbidden: AtomicBool,
}

impl Reuse {
    /// The response was read completely: its connection may be reused.
    pub fn allow(&self) {
        self.0.allowed.store(true, Ordering::Release);
    }

    /// The server closes the connection after this response: never reuse
    /// it, whatever [`Reuse::allow`] says later.
    pub fn forbid(&self) {
        self.0.forbidden.store(true, Ordering::Release);
    }

    fn allowed(&self) -> bool {
        self.0.allowed.load(Ordering::Acquire) && !self.0.forbidden.load(Ordering::Acquire)
    }
}

/// A connection lent to one request. Dropped with its response; goes back
/// to the pool only if [`Reuse::allow`] was called, else it is closed.
#[derive(Debug)]
pub struct Lease {
    stream: TcpStream,
    key: String,
    pool: Arc<Pool>,
    reuse: Reuse,
}

impl Lease {
    /// Lends `stream` (a connection to `key`) to one request.
    pub fn new(stream: TcpStream, key: String, pool: Arc<Pool>, reuse: Reuse) -> Self {
        Self {
            stream,
            key,
            pool,
            reuse,
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if self.reuse.allowed() {
            // A `TcpStream` clone shares the socket; the original closes
            // nothing when dropped while the clone lives.
            self.pool
                .checkin(std::mem::take(&mut self.key), self.stream.clone());
        }
    }
}

impl AsyncRead for Lease {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Lease {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_close(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A connected pair of streams on loopback.
    async fn pair() -> (TcpStream, TcpStream) {
        let listener = async_std::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let client = TcpStream::connect(addr).await.expect("connect");
        let (server, _) = listener.accept().await.expect("accept");
        (client, server)
    }

    #[test]
    fn only_allowed_quiet_connections_come_back() {
        async_std::task::block_on(async {
            let pool = Arc::new(Pool::new(4));
            let (client, _server) = pair().await;
            drop(Lease::new(
                client,
                "k".into(),
                Arc::clone(&pool),
                Reuse::default(),
            ));
            assert!(pool.checkout("k").is_none(), "not allowed: closed");

            let (client, _server) = pair().await;
            let reuse = Reuse::default();
            let lease = Lease::new(client, "k".into(), Arc::clone(&pool), reuse.clone());
            reuse.allow();
            drop(lease);
            assert!(pool.checkout("k").is_some(), "allowed and quiet: reused");

            let (client, mut server) = pair().await;
            let reuse = Reuse::default();
            reuse.allow();
            drop(Lease::new(client, "k".into(), Arc::clone(&pool), reuse));
            futures::AsyncWriteExt::write_all(&mut server, b"stray")
                .await
                .expect("write");
            async_std::task::sleep(std::time::Duration::from_millis(50)).await;
            assert!(pool.checkout("k").is_none(), "stray bytes: discarded");
        });
    }
}
