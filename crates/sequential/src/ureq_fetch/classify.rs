//! ureq's errors, sorted into fetchlab's [`FailureKind`]s.

use std::io;

use fetchlab_core::transfer::classify_io_error;
use fetchlab_core::{Failure, FailureKind, Settings};
use ureq::Timeout;

/// The failure for an error from sending a request or reading a response
/// head. The job URL was checked before the request (see
/// [`super::fetch_once`]), so a bad URI here came from a `Location` header.
/// A timeout's detail names the setting that bounded it.
pub fn request_failure(err: ureq::Error, settings: &Settings) -> Failure {
    let detail = match &err {
        ureq::Error::Timeout(which) => timeout_detail(*which, settings),
        other => other.to_string(),
    };
    Failure::new(kind_of(&err), detail)
}

/// The failure for an I/O error met while reading a body. ureq's body reader
/// wraps its own errors (a timeout, a protocol error) in an `io::Error`; they
/// are unwrapped first so that a timeout stays a timeout.
pub fn body_failure(err: io::Error, settings: &Settings) -> Failure {
    request_failure(ureq::Error::from(err), settings)
}

fn timeout_detail(which: Timeout, settings: &Settings) -> String {
    let (setting, limit) = match which {
        Timeout::Connect | Timeout::Resolve => ("connect timeout", settings.connect_timeout),
        Timeout::Global | Timeout::PerCall => ("total timeout", settings.total_timeout),
        _ => ("read timeout", settings.read_timeout),
    };
    format!("timeout ({which}): no result within the {setting} of {limit:?}")
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
        E::Protocol(_) | E::BodyStalled | E::LargeResponseHeader(..) | E::Decompress(..) => {
            FailureKind::Protocol
        }
        E::TooManyRedirects | E::RedirectFailed | E::BadUri(_) | E::RequireHttpsOnly(_) => {
            FailureKind::Redirect
        }
        E::StatusCode(status) => FailureKind::HttpStatus(*status),
        E::Http(_) => FailureKind::Protocol,
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

    fn kind(err: ureq::Error) -> FailureKind {
        request_failure(err, &Settings::default()).kind
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
        assert_eq!(kind(ureq::Error::TooManyRedirects), FailureKind::Redirect);
        assert_eq!(
            kind(ureq::Error::BadUri("unknown scheme: ftp".into())),
            FailureKind::Redirect
        );
        assert_eq!(kind(ureq::Error::BodyStalled), FailureKind::Protocol);
    }

    #[test]
    fn wrapped_errors_are_unwrapped() {
        let wrapped = ureq::Error::Timeout(Timeout::PerRead).into_io();
        let failure = body_failure(wrapped, &Settings::default());
        assert_eq!(failure.kind, FailureKind::Timeout);
        assert!(
            failure.detail.contains("read timeout of 30s"),
            "{}",
            failure.detail
        );
    }
}
