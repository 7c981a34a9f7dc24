//! [`TestServer`]: a bound listener served on its own thread and runtime,
//! stopped when dropped.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use socket2::{Domain, Socket, Type};
use tokio_util::sync::CancellationToken;

use crate::accept::accept_loop;
use crate::config::ServerConfig;
use crate::corpus::{Corpus, CorpusFile};
use crate::service::Shared;
use crate::stats::{Counters, Gauge, Stats};
use crate::tls;
use crate::wire::Network;

/// Pending-connection queue length: generous, so a burst of a thousand
/// connects is not dropped and retried by the kernel.
const BACKLOG: i32 = 4096;

/// How long shutdown waits for the runtime's tasks to be dropped.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(1);

/// The slow server, in process. It serves on its own OS thread with its own
/// multi-thread tokio runtime, so it works the same under sync and async
/// clients. Dropping it stops accepting, aborts open connections (stalled
/// ones included) and joins the thread.
pub struct TestServer {
    addr: SocketAddr,
    corpus: Corpus,
    counters: Arc<Counters>,
    shared: Arc<Shared>,
    ca: Option<CaFile>,
    stop: CancellationToken,
    thread: Option<JoinHandle<()>>,
}

/// The authority's PEM, and the temporary file holding it.
struct CaFile {
    pem: String,
    file: tempfile::NamedTempFile,
}

/// Stops a [`TestServer`] from anywhere (another thread, a signal handler),
/// e.g. to end [`TestServer::wait`]. Cheap to clone.
#[derive(Clone, Debug)]
pub struct StopHandle(CancellationToken);

impl StopHandle {
    /// Asks the server to stop; returns at once.
    pub fn stop(&self) {
        self.0.cancel();
    }
}

impl TestServer {
    /// Serves `config` on `127.0.0.1` at a free port.
    pub fn start(config: ServerConfig) -> io::Result<TestServer> {
        Self::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), config)
    }

    /// Serves `config` on `addr`. Returns once the listener is bound (so
    /// connections are queued from then on). Fails on an invalid config
    /// (`InvalidInput`), if the address cannot be bound, or if TLS cannot
    /// be set up.
    pub fn bind(addr: SocketAddr, config: ServerConfig) -> io::Result<TestServer> {
        Self::bind_counting(addr, config, Counters::default())
    }

    /// [`TestServer::bind`] as one host of several, also counting its
    /// requests in flight into `hosts` (see [`crate::Hosts`]).
    pub(crate) fn bind_in_group(
        addr: SocketAddr,
        config: ServerConfig,
        hosts: Arc<Gauge>,
    ) -> io::Result<TestServer> {
        Self::bind_counting(addr, config, Counters::in_group(hosts))
    }

    fn bind_counting(
        addr: SocketAddr,
        config: ServerConfig,
        counters: Counters,
    ) -> io::Result<TestServer> {
        config
            .validate()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let (acceptor, ca) = match config.tls {
            false => (None, None),
            true => {
                let identity = tls::generate(addr.ip())?;
                let mut file = tempfile::Builder::new()
                    .prefix("fetchlab-server-ca-")
                    .suffix(".pem")
                    .tempfile()?;
                std::io::Write::write_all(&mut file, identity.ca_pem.as_bytes())?;
                let ca = CaFile {
                    pem: identity.ca_pem,
                    file,
                };
                (Some(identity.acceptor), Some(ca))
            }
        };
        let std_listener = listen(addr)?;
        let addr = std_listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(config.worker_threads)
            .thread_name("fetchlab-server")
            .enable_all()
            .build()?;
        let listener = {
            let _entered = runtime.enter();
            tokio::net::TcpListener::from_std(std_listener)
        };
        let listener = match listener {
            Ok(l) => l,
            Err(e) => {
                // Not dropped: that would block, which panics if the caller is async.
                runtime.shutdown_background();
                return Err(e);
            }
        };
        let counters = Arc::new(counters);
        let corpus = config.corpus.clone();
        let network = config.network.is_active().then(|| {
            let _entered = runtime.enter();
            Arc::new(Network::new(config.network.bottleneck))
        });
        let shared = Arc::new(Shared {
            config,
            counters: Arc::clone(&counters),
            network,
            tls: acceptor,
            changed: Mutex::default(),
        });
        let stop = CancellationToken::new();
        let token = stop.clone();
        let serving = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name(format!("fetchlab-server-{}", addr.port()))
            .spawn(move || {
                runtime.block_on(accept_loop(listener, serving, token));
                // Drops every connection task, stalled ones included.
                runtime.shutdown_timeout(SHUTDOWN_TIMEOUT);
            })?;
        Ok(TestServer {
            addr,
            corpus,
            counters,
            shared,
            ca,
            stop,
            thread: Some(thread),
        })
    }

    /// The bound address (the real port when bound to port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://HOST:PORT/` (`https://` with TLS) with a trailing slash. An
    /// unspecified bind address (`0.0.0.0`, `::`) is shown as the loopback
    /// address.
    pub fn base_url(&self) -> String {
        let ip = match self.addr.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        let scheme = if self.ca.is_some() { "https" } else { "http" };
        format!("{scheme}://{}/", SocketAddr::new(ip, self.addr.port()))
    }

    /// With TLS on, the PEM of the certificate authority that signed the
    /// server's certificate: what a client must trust.
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca.as_ref().map(|c| c.pem.as_str())
    }

    /// With TLS on, a temporary file holding [`ca_pem`](Self::ca_pem)
    /// (`--cacert FILE` for fetchlab, curl and wget2); removed when the
    /// server is dropped.
    pub fn ca_file(&self) -> Option<&Path> {
        self.ca.as_ref().map(|c| c.file.path())
    }

    /// Gives the corpus file `name` new bytes of the same length, so the
    /// same URL now serves another content with another `ETag` and
    /// `Last-Modified` (as `POST /_change/<name>` does). Returns the new
    /// file, or `None` if there is no such file.
    pub fn change_content(&self, name: &str) -> Option<CorpusFile> {
        self.shared.change_content(name)
    }

    /// [`base_url`](Self::base_url) + `path` (a leading `/` is dropped).
    pub fn url(&self, path: &str) -> String {
        format!(
            "{}{}",
            self.base_url(),
            path.strip_prefix('/').unwrap_or(path)
        )
    }

    /// The files served.
    pub fn corpus(&self) -> &Corpus {
        &self.corpus
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> Stats {
        self.counters.snapshot()
    }

    /// Zeroes every counter and per-path count, and restarts the sequence
    /// the random injections are drawn from (so a second run in the same
    /// request order sees the same injections) and the `/flaky/` counts.
    /// `in_flight` is live and kept; the peak restarts from it.
    pub fn reset_stats(&self) {
        self.counters.reset();
    }

    /// Requests whose path (without query) was exactly `path`, e.g.
    /// `"/status/404/x.jpg"`, since start or the last reset.
    pub fn requests_for(&self, path: &str) -> u64 {
        self.counters.requests_for(path)
    }

    /// A handle that stops this server from elsewhere.
    pub fn stop_handle(&self) -> StopHandle {
        StopHandle(self.stop.clone())
    }

    /// Blocks until the server stops (through a [`StopHandle`]); for a
    /// standalone server such as `fetchlab serve`.
    pub fn wait(mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop.cancel();
        if let Some(thread) = self.thread.take() {
            // A panic on the server thread has already been reported there.
            let _ = thread.join();
        }
    }
}

impl std::fmt::Debug for TestServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestServer")
            .field("addr", &self.addr)
            .field("corpus", &self.corpus)
            .finish()
    }
}

/// A non-blocking listener on `addr` with a large backlog.
fn listen(addr: SocketAddr) -> io::Result<std::net::TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    #[cfg(unix)]
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(BACKLOG)?;
    socket.set_nonblocking(true)?;
    Ok(socket.into())
}
