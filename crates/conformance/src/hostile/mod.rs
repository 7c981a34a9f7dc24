//! A raw-socket HTTP server that misbehaves on purpose.
//!
//! [`HostileServer`] listens on `127.0.0.1:0` in a thread of its own and
//! answers each connection by hand, byte by byte, with what a well-behaved
//! server library (hyper) refuses to send: endless heads, floods of interim
//! responses, conflicting lengths, bodies that never end, HTTP/0.9, odd
//! statuses and redirects. Each misbehaviour is one route ([`Route`], in
//! `routes.rs`). Endless routes stop when the client goes away, when the
//! server is dropped, or after [`ENDLESS_CAP`] bytes, so a client that never
//! refuses still ends (and is caught by the bytes the server managed to
//! send, [`HostileServer::bytes_sent`]).
//!
//! It reads the request line (the method, the path) and, of the headers,
//! only `Range` and `If-Range` (for [`Route::Validated`]); it never reads a
//! request body.

mod routes;

use std::io::{self, Read};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub use routes::{ENDLESS_CAP, GZIP_DECODED_BYTES, HELLO, Route, VALIDATED_ETAG, validated_body};

/// What connection threads share with the server.
struct Shared {
    stop: AtomicBool,
    /// Bytes written to clients, all connections together.
    sent: AtomicU64,
    /// Connections still being answered.
    active: AtomicUsize,
    /// Requests seen, by path.
    requests: Mutex<Vec<String>>,
    /// Clones of the open connections, shut down when the server stops.
    open: Mutex<Vec<TcpStream>>,
}

/// The hostile server. Stops (and closes every connection) when dropped.
pub struct HostileServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

impl HostileServer {
    /// Starts the server on `127.0.0.1:0`.
    pub fn start() -> io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            sent: AtomicU64::new(0),
            active: AtomicUsize::new(0),
            requests: Mutex::new(Vec::new()),
            open: Mutex::new(Vec::new()),
        });
        let for_acceptor = Arc::clone(&shared);
        let acceptor = std::thread::Builder::new()
            .name("hostile-accept".into())
            .spawn(move || accept(&listener, &for_acceptor))?;
        Ok(Self {
            addr,
            shared,
            acceptor: Some(acceptor),
        })
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The URL of `route` with the file name `name` (the last segment,
    /// which a job is named after).
    pub fn url(&self, route: &Route, name: &str) -> String {
        format!("http://{}/{}/{name}", self.addr, route.path())
    }

    /// The same URL with credentials in it: `http://user:password@…`.
    pub fn url_with_credentials(
        &self,
        route: &Route,
        name: &str,
        user: &str,
        pass: &str,
    ) -> String {
        format!("http://{user}:{pass}@{}/{}/{name}", self.addr, route.path())
    }

    /// The gzip-compressed body [`Route::Gzip`] sends, as sent.
    pub fn gzip_body(&self) -> &'static [u8] {
        routes::gzip_body()
    }

    /// Bytes written to clients so far, all connections together.
    pub fn bytes_sent(&self) -> u64 {
        self.shared.sent.load(Ordering::SeqCst)
    }

    /// The paths requested so far, in order.
    pub fn requests(&self) -> Vec<String> {
        lock(&self.shared.requests).clone()
    }

    /// Waits until no connection is being answered (the client closed, or
    /// the route ended), at most `limit`. Returns whether it got there.
    pub fn wait_idle(&self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        while self.shared.active.load(Ordering::SeqCst) > 0 {
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        true
    }
}

impl Drop for HostileServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        for stream in lock(&self.shared.open).drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
        // Wake the acceptor blocked in accept().
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // The data (a list) is whole after any panic.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn accept(listener: &TcpListener, shared: &Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else { continue };
        if let Ok(clone) = stream.try_clone() {
            lock(&shared.open).push(clone);
        }
        shared.active.fetch_add(1, Ordering::SeqCst);
        let for_thread = Arc::clone(shared);
        let spawned = std::thread::Builder::new()
            .name("hostile-conn".into())
            .spawn(move || {
                let _ = answer(stream, &for_thread);
                for_thread.active.fetch_sub(1, Ordering::SeqCst);
            });
        if spawned.is_err() {
            // The thread never ran, so never counted itself out.
            shared.active.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// The largest request head read; the rest of a longer one is ignored.
const MAX_REQUEST_HEAD: usize = 16 * 1024;

/// What the routes read of a request.
#[derive(Debug, Default)]
pub(crate) struct Asked {
    /// The path ("" if none could be read).
    pub path: String,
    /// The first byte of `Range: bytes=<first>-`, if sent.
    pub range_from: Option<u64>,
    /// `If-Range`, as sent.
    pub if_range: Option<String>,
}

/// Reads the request head: its path, `Range` and `If-Range`.
fn read_request(stream: &mut TcpStream) -> io::Result<Asked> {
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < MAX_REQUEST_HEAD {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&head);
    let mut lines = text.split("\r\n");
    let line = lines.next().unwrap_or_default();
    let mut words = line.split(' ');
    let _method = words.next();
    let mut asked = Asked {
        path: words.next().unwrap_or_default().to_owned(),
        ..Asked::default()
    };
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("range") {
            asked.range_from = value
                .strip_prefix("bytes=")
                .and_then(|r| r.strip_suffix('-'))
                .and_then(|first| first.parse().ok());
        } else if name.eq_ignore_ascii_case("if-range") {
            asked.if_range = Some(value.to_owned());
        }
    }
    Ok(asked)
}

fn answer(mut stream: TcpStream, shared: &Shared) -> io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.set_write_timeout(Some(Duration::from_secs(5)))?;
    let asked = read_request(&mut stream)?;
    lock(&shared.requests).push(asked.path.clone());
    let mut out = routes::Out::new(stream, shared);
    let result = routes::send(Route::parse(&asked.path), &mut out, &asked);
    out.close();
    result
}
