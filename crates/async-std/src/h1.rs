//! [`H1Client`], the HTTP/1.1 client under surf: async-h1 over the
//! keep-alive `connection_pool`, with a connect timeout and a head timeout,
//! refusing what it cannot do right.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use async_std::future::timeout;
use async_std::net::TcpStream;
use fetchlab_core::{FailureKind, Settings};
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

/// surf's `HttpClient`: one request per leased keep-alive connection.
#[derive(Debug)]
pub(crate) struct H1Client {
    pool: Arc<Pool>,
    connect_timeout: Duration,
    head_timeout: Duration,
    config: Config,
}

impl H1Client {
    /// A client keeping up to `settings.concurrency()` idle connections
    /// per host (none with keep-alive off).
    pub(crate) fn new(settings: &Settings) -> Self {
        let idle = if settings.keep_alive() {
            settings.concurrency()
        } else {
            0
        };
        let config = Config::new()
            .set_http_keep_alive(settings.keep_alive())
            .set_tcp_no_delay(true)
            .set_timeout(Some(settings.connect_timeout() + settings.read_timeout()))
            .set_max_connections_per_host(settings.concurrency());
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
        let exchange = async_h1::client::connect(lease, req);
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
