//! [`H1Client`], the HTTP/1.1 client under surf: async-h1 over the
//! keep-alive `connection_pool`, with a connect timeout, a head timeout and
//! core's head limit ([`BoundedHead`]), refusing what it cannot do right.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use async_std::future::timeout;
use async_std::net::TcpStream;
use fetchlab_core::backend::{MAX_HEAD_BYTES, connections_per_host};
use fetchlab_core::{FailureKind, Settings};
use futures::io::{AsyncRead, AsyncWrite};
use http_client::{Config, HttpClient, Request, Response};
use surf::http::headers::{CONNECTION, CONTENT_LENGTH, TRANSFER_ENCODING};
use surf::http::url::Host;
use surf::{StatusCode, Url};

use crate::connection_pool::{Lease, Pool, Reuse};

/// What the client refuses or fails at, with the [`FailureKind`] it
/// maps to. Carried inside `surf::Error`.
#[derive(Debug)]
pub(crate) enum TransportError {
    /// An `https` URL: this build has no TLS.
    HttpsUnsupported,
    /// A scheme other than `http`.
    Scheme(String),
    /// The URL names no host.
    NoHost,
    /// The TCP connection failed.
    Connect(std::io::Error),
    /// The TCP connection took longer than the connect timeout.
    ConnectTimeout(Duration),
    /// The response head did not arrive within the read timeout.
    HeadTimeout(Duration),
    /// A 2xx body delimited by closing the connection, which async-h1
    /// would read as empty.
    CloseDelimited,
}

impl TransportError {
    /// The failure kind a job gets for this error.
    pub(crate) fn kind(&self) -> FailureKind {
        match self {
            Self::HttpsUnsupported | Self::Scheme(_) | Self::NoHost | Self::CloseDelimited => {
                FailureKind::Protocol
            }
            Self::Connect(_) => FailureKind::Connect,
            Self::ConnectTimeout(_) | Self::HeadTimeout(_) => FailureKind::Timeout,
        }
    }

    fn into_surf(self) -> surf::Error {
        let status = match self {
            Self::HttpsUnsupported | Self::Scheme(_) | Self::NoHost => StatusCode::BadRequest,
            _ => StatusCode::BadGateway,
        };
        surf::Error::new(status, self)
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::HttpsUnsupported => {
                f.write_str("https is not supported by the async-std backend: surf has no rustls client for its async-h1 stack; use a ureq or tokio strategy")
            }
            Self::Scheme(scheme) => write!(f, "unsupported URL scheme {scheme:?}"),
            Self::NoHost => f.write_str("URL has no host"),
            Self::Connect(err) => write!(f, "cannot connect: {err}"),
            Self::ConnectTimeout(t) => {
                write!(f, "no connection within the connect timeout of {t:?}")
            }
            Self::HeadTimeout(t) => write!(f, "no response head within the read timeout of {t:?}"),
            Self::CloseDelimited => f.write_str(
                "response body is delimited by closing the connection, which async-h1 cannot read",
            ),
        }
    }
}

impl std::error::Error for TransportError {}

/// A connection that refuses a response head longer than core's
/// [`MAX_HEAD_BYTES`]. async-h1 reads a head line by line with no bound on
/// a line (an endless header line cost 190+ MB per attempt), so this
/// counts the bytes read until the blank line that ends the head
/// (`\r\n\r\n`, or `\n\n`) and fails the read with `InvalidData` (a
/// protocol failure) past the limit. It looks for nothing else: async-h1
/// parses the head. (async-h1 returns an interim `1xx` as the response;
/// core refuses it.)
pub(crate) struct BoundedHead<S> {
    inner: S,
    /// Head bytes read so far; `None` once the head ended.
    read: Option<usize>,
    /// The last bytes read, newest in the low byte.
    window: u32,
}

impl<S> BoundedHead<S> {
    pub(crate) fn new(inner: S) -> Self {
        Self {
            inner,
            read: Some(0),
            window: 0,
        }
    }

    /// Counts `bytes` against the limit until the head ends.
    fn scan(&mut self, bytes: &[u8]) -> io::Result<()> {
        let Some(mut read) = self.read else {
            return Ok(());
        };
        for &byte in bytes {
            read += 1;
            self.window = (self.window << 8) | u32::from(byte);
            if self.window == u32::from_be_bytes(*b"\r\n\r\n") || self.window & 0xffff == 0x0a0a {
                self.read = None;
                return Ok(());
            }
            if read > MAX_HEAD_BYTES {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("response head longer than {MAX_HEAD_BYTES} bytes"),
                ));
            }
        }
        self.read = Some(read);
        Ok(())
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for BoundedHead<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let n = ready!(Pin::new(&mut self.inner).poll_read(cx, buf))?;
        self.scan(&buf[..n])?;
        Poll::Ready(Ok(n))
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for BoundedHead<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_close(cx)
    }
}

/// surf's `HttpClient`: one request per leased keep-alive connection.
#[derive(Debug)]
pub(crate) struct H1Client {
    pool: Arc<Pool>,
    connect_timeout: Duration,
    head_timeout: Duration,
    config: Config,
}

impl H1Client {
    /// A client keeping up to `settings.concurrency()` (or the per-host
    /// limit, when set) idle connections
    /// per host (none with keep-alive off).
    pub(crate) fn new(settings: &Settings) -> Self {
        let per_host = connections_per_host(settings);
        let idle = if settings.keep_alive() { per_host } else { 0 };
        let config = Config::new()
            .set_http_keep_alive(settings.keep_alive())
            .set_tcp_no_delay(true)
            .set_timeout(Some(settings.connect_timeout() + settings.read_timeout()))
            .set_max_connections_per_host(per_host);
        Self {
            pool: Arc::new(Pool::new(idle)),
            connect_timeout: settings.connect_timeout(),
            head_timeout: settings.read_timeout(),
            config,
        }
    }

    async fn connect(&self, url: &Url) -> Result<TcpStream, TransportError> {
        let port = url.port_or_known_default().unwrap_or(80);
        let connecting = async {
            match url.host() {
                Some(Host::Ipv4(ip)) => TcpStream::connect(SocketAddr::from((ip, port))).await,
                Some(Host::Ipv6(ip)) => TcpStream::connect(SocketAddr::from((ip, port))).await,
                Some(Host::Domain(name)) => TcpStream::connect((name, port)).await,
                None => Err(std::io::Error::other("no host")),
            }
        };
        let stream = timeout(self.connect_timeout, connecting)
            .await
            .map_err(|_| TransportError::ConnectTimeout(self.connect_timeout))?
            .map_err(TransportError::Connect)?;
        // Small requests and heads: do not wait for Nagle. Failing to set
        // it costs only latency.
        let _ = stream.set_nodelay(true);
        Ok(stream)
    }
}

/// The pool key of an `http` URL, or why it cannot be fetched.
fn pool_key(url: &Url) -> Result<String, TransportError> {
    match url.scheme() {
        "http" => {}
        "https" => return Err(TransportError::HttpsUnsupported),
        other => return Err(TransportError::Scheme(other.to_owned())),
    }
    let host = url.host_str().ok_or(TransportError::NoHost)?;
    Ok(format!(
        "{host}:{}",
        url.port_or_known_default().unwrap_or(80)
    ))
}

/// Refuses a 2xx response with neither `Content-Length` nor chunked
/// encoding: async-h1 would hand back an empty body.
fn refuse_close_delimited(res: &Response) -> Result<(), TransportError> {
    let framed = res.header(CONTENT_LENGTH).is_some() || res.header(TRANSFER_ENCODING).is_some();
    let no_body = matches!(u16::from(res.status()), 204 | 304);
    if res.status().is_success() && !framed && !no_body {
        return Err(TransportError::CloseDelimited);
    }
    Ok(())
}

#[http_client::async_trait]
impl HttpClient for H1Client {
    async fn send(&self, mut req: Request) -> Result<Response, surf::Error> {
        let key = pool_key(req.url()).map_err(TransportError::into_surf)?;
        let stream = match self.pool.checkout(&key) {
            Some(stream) => stream,
            None => self
                .connect(req.url())
                .await
                .map_err(TransportError::into_surf)?,
        };
        req.insert_header(CONNECTION, "keep-alive");
        let reuse = Reuse::default();
        let lease = Lease::new(stream, key, Arc::clone(&self.pool), reuse.clone());
        let exchange = async_h1::client::connect(BoundedHead::new(lease), req);
        let mut res = timeout(self.head_timeout, exchange)
            .await
            .map_err(|_| TransportError::HeadTimeout(self.head_timeout).into_surf())??;
        refuse_close_delimited(&res).map_err(TransportError::into_surf)?;
        res.ext_mut().insert(reuse);
        Ok(res)
    }

    fn set_config(&mut self, config: Config) -> surf::http::Result<()> {
        self.config = config;
        Ok(())
    }

    fn config(&self) -> &Config {
        &self.config
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_head_is_bounded_until_its_blank_line() {
        let mut head = BoundedHead::new(());
        head.scan(b"HTTP/1.1 200 OK\r\nContent-Length: 1").unwrap();
        head.scan(b"\r\n\r").unwrap();
        head.scan(b"\n").unwrap();
        assert!(head.read.is_none(), "the head ended across two reads");
        head.scan(&vec![b'a'; 2 * MAX_HEAD_BYTES]).unwrap();

        let mut endless = BoundedHead::new(());
        endless.scan(b"HTTP/1.1 200 OK\r\nX: ").unwrap();
        let err = endless.scan(&vec![b'a'; MAX_HEAD_BYTES]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    }
}
