//! ureq's errors, sorted into fetchlab's [`FailureKind`]s.

use std::io;
use std::time::Duration;

use fetchlab_core::backend::classify_io_error;
use fetchlab_core::{Failure, FailureKind, Settings};
use ureq::Timeout;

/// The timeouts an agent was built with, to name the one that fired.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    connect: Duration,
    read: Duration,
    total: Duration,
}

impl Limits {
    pub(crate) fn new(settings: &Settings) -> Self {
        Self {
            connect: settings.connect_timeout(),
            read: settings.read_timeout(),
            total: settings.total_timeout(),
        }
    }

    /// The failure for an error from sending a request or reading a
    /// response head. Core checked the URL before the request, so a bad URI
    /// here is ureq's own refusal. A timeout's detail names the setting
    /// that bounded it.
    pub(crate) fn request_failure(&self, err: ureq::Error) -> Failure {
        let detail = match &err {
            ureq::Error::Timeout(which) => self.timeout_detail(*which),
            other => other.to_string(),
        };
        Failure::new(kind_of(&err), detail)
    }

    /// The failure for an I/O error met while reading a body. ureq reports
    /// a connection closed or reset before `Content-Length` bytes as
    /// `UnexpectedEof`: a truncated body. Its own errors (a timeout, a
    /// protocol error) arrive wrapped in the `io::Error` and are unwrapped
    /// so that a timeout stays a timeout.
    pub(crate) fn body_failure(&self, err: io::Error) -> Failure {
        if err.kind() == io::ErrorKind::UnexpectedEof {
            return Failure::new(FailureKind::Truncated, format!("connection closed: {err}"));
        }
        self.request_failure(ureq::Error::from(err))
    }

    fn timeout_detail(&self, which: Timeout) -> String {
        let (setting, limit) = match which {
            Timeout::Connect | Timeout::Resolve => ("connect timeout", self.connect),
            Timeout::Global | Timeout::PerCall => ("total timeout", self.total),
            _ => ("read timeout", self.read),
        };
        format!("timeout ({which}): no result within the {setting} of {limit:?}")
    }
}

fn kind_of(err: &ureq::Error) -> FailureKind {
    use ureq::Error as E;
    match err {
        E::Timeout(_) => FailureKind::Timeout,
        E::Io(io) => io_kind(io),
        E::ConnectionFailed | E::HostNotFound | E::ConnectProxyFailed(_) => FailureKind::Connect,
        // A refused handshake or certificate will be refused again: not
        // transient. (rustls errors met on the socket arrive as
        // `Io(InvalidData)`, which core also classifies as a protocol error.)
        E::Tls(_) | E::Rustls(_) | E::Pem(_) | E::TlsRequired => FailureKind::Protocol,
        E::Protocol(_) | E::BodyStalled | E::LargeResponseHeader(..) => FailureKind::Protocol,
        E::TooManyRedirects | E::RedirectFailed | E::RequireHttpsOnly(_) => FailureKind::Redirect,
        E::BadUri(_) | E::Http(_) => FailureKind::Protocol,
        E::StatusCode(status) => FailureKind::HttpStatus(*status),
        _ => FailureKind::Io,
    }
}

/// An I/O error from the socket: a peer that closed before the response was
/// complete is a reset (transient), not a local I/O failure.
fn io_kind(err: &io::Error) -> FailureKind {
    match err.kind() {
        io::ErrorKind::UnexpectedEof => FailureKind::Reset,
        _ => classify_io_error(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits::new(&Settings::default())
    }

    fn kind(err: ureq::Error) -> FailureKind {
        limits().request_failure(err).kind
    }

    #[test]
    fn errors_map_to_kinds() {
        let io = |k| ureq::Error::Io(io::Error::from(k));
        assert_eq!(
            kind(io(io::ErrorKind::ConnectionRefused)),
            FailureKind::Connect
        );
        assert_eq!(kind(io(io::ErrorKind::ConnectionReset)), FailureKind::Reset);
        assert_eq!(kind(io(io::ErrorKind::UnexpectedEof)), FailureKind::Reset);
        assert_eq!(kind(io(io::ErrorKind::TimedOut)), FailureKind::Timeout);
        assert_eq!(
            kind(ureq::Error::Timeout(Timeout::Global)),
            FailureKind::Timeout
        );
        assert_eq!(kind(ureq::Error::ConnectionFailed), FailureKind::Connect);
        assert_eq!(kind(ureq::Error::BodyStalled), FailureKind::Protocol);
    }

    #[test]
    fn body_errors_keep_their_meaning() {
        let wrapped = ureq::Error::Timeout(Timeout::PerRead).into_io();
        let failure = limits().body_failure(wrapped);
        assert_eq!(failure.kind, FailureKind::Timeout);
        assert!(
            failure.detail.contains("read timeout of 30s"),
            "{}",
            failure.detail
        );
        let eof = io::Error::from(io::ErrorKind::UnexpectedEof);
        assert_eq!(limits().body_failure(eof).kind, FailureKind::Truncated);
    }
}
