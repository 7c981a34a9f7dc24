//! Turns a `reqwest::Error` into a [`Failure`] of the right kind.
//!
//! reqwest's own predicates decide the broad class (redirect, timeout,
//! connect); the rest is read off the error's source chain: an
//! [`std::io::Error`] is classified by [`classify_io_error`], a
//! [`hyper::Error`] tells a response that is not HTTP (parse error) from a
//! connection closed before the response was complete.

use fetchlab_core::backend::chain::{describe_chain as describe, find_in_chain};
use fetchlab_core::backend::classify_io_error;
use fetchlab_core::{Failure, FailureKind};

/// The failure of a request (connecting, sending, or reading the head).
pub(crate) fn from_request(err: &reqwest::Error) -> Failure {
    Failure::new(kind_of(err), describe(err))
}

/// The failure of reading a body after `written` of `expected` bytes. A
/// connection closed cleanly before `Content-Length` bytes is
/// [`FailureKind::Truncated`]; a reset stays [`FailureKind::Reset`]. (Core
/// adds where in the body it failed.)
pub(crate) fn from_body(err: &reqwest::Error, written: u64, expected: Option<u64>) -> Failure {
    let mut kind = kind_of(err);
    // hyper reports a clean close before `Content-Length` as an
    // `UnexpectedEof` I/O error ("end of file before message length
    // reached"), or as an incomplete message.
    let closed_early = hyper_error(err).is_some_and(hyper::Error::is_incomplete_message)
        || find_in_chain::<std::io::Error>(err)
            .is_some_and(|io| io.kind() == std::io::ErrorKind::UnexpectedEof);
    if closed_early && expected.is_some_and(|e| written < e) {
        kind = FailureKind::Truncated;
    }
    Failure::new(kind, describe(err))
}

fn kind_of(err: &reqwest::Error) -> FailureKind {
    if err.is_redirect() {
        return FailureKind::Redirect;
    }
    if err.is_timeout() {
        return FailureKind::Timeout;
    }
    if err.is_connect() {
        if tls_error(err).is_some() {
            return FailureKind::Protocol;
        }
        return FailureKind::Connect;
    }
    if let Some(io) = find_in_chain::<std::io::Error>(err) {
        return classify_io_error(io);
    }
    if let Some(hyper) = hyper_error(err) {
        if hyper.is_parse() || hyper.is_parse_status() || hyper.is_parse_too_large() {
            return FailureKind::Protocol;
        }
        return FailureKind::Reset;
    }
    if err.is_builder() || err.is_decode() {
        FailureKind::Protocol
    } else {
        FailureKind::Reset
    }
}

/// The rustls error of a failed TLS handshake (an untrusted or invalid
/// certificate, a refused protocol version): a protocol failure, not
/// retried, since trying again meets the same certificate. It sits inside
/// `io::Error`s of the source chain (hyper-util wraps tokio-rustls's), and
/// an `io::Error`'s `source` skips its inner error, so each is unwrapped
/// by hand.
fn tls_error(err: &reqwest::Error) -> Option<&rustls::Error> {
    let chain = std::iter::successors(Some(err as &(dyn std::error::Error + 'static)), |e| {
        e.source()
    });
    chain.into_iter().find_map(|mut e| {
        loop {
            if let Some(tls) = e.downcast_ref::<rustls::Error>() {
                return Some(tls);
            }
            let inner = e.downcast_ref::<std::io::Error>()?.get_ref()?;
            e = inner;
        }
    })
}

fn hyper_error(err: &reqwest::Error) -> Option<&hyper::Error> {
    find_in_chain::<hyper::Error>(err)
}
