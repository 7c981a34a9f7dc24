//! Turns a `surf::Error` into a [`Failure`] without losing its cause.
//!
//! `surf::Error` (http-types' error) is not a [`std::error::Error`]: it
//! wraps an `anyhow`-style error and a status code. Its cause is reached
//! through `AsRef<dyn std::error::Error>` and walked here: a
//! [`TransportError`] knows its own kind, an [`std::io::Error`] is
//! classified by [`classify_io_error`]. What remains comes from async-h1's
//! head parser: "connection closed" (no byte before the server hung up) is
//! a reset, anything else means the server did not speak HTTP.

use std::error::Error as StdError;

use fetchlab_core::backend::chain::{describe_chain as describe, find_in_chain as find};
use fetchlab_core::backend::classify_io_error;
use fetchlab_core::{Failure, FailureKind};

use crate::h1::TransportError;

/// async-h1's message when the connection closes before any response byte.
const CLOSED_BEFORE_HEAD: &str = "connection closed";

/// The failure of a request, from connecting to reading the head.
pub(crate) fn from_surf(err: &surf::Error) -> Failure {
    let cause: &(dyn StdError + 'static) = err.as_ref();
    let kind = if let Some(transport) = find::<TransportError>(cause) {
        transport.kind()
    } else if let Some(io) = find::<std::io::Error>(cause) {
        classify_io_error(io)
    } else if cause.to_string() == CLOSED_BEFORE_HEAD {
        FailureKind::Reset
    } else {
        FailureKind::Protocol
    };
    Failure::new(
        kind,
        format!("{} (surf status {})", describe(cause), err.status()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io;

    fn surf_error(err: impl Into<surf::http::Error>) -> surf::Error {
        err.into()
    }

    #[test]
    fn kinds_come_from_the_cause() {
        let reset = surf_error(io::Error::new(io::ErrorKind::ConnectionReset, "peer reset"));
        assert_eq!(from_surf(&reset).kind, FailureKind::Reset);
        assert!(from_surf(&reset).detail.contains("peer reset"));

        let https = TransportError::HttpsUnsupported;
        let https = surf::Error::new(400, https);
        let failure = from_surf(&https);
        assert_eq!(failure.kind, FailureKind::Protocol);
        assert!(
            failure.detail.contains("https is not supported"),
            "{failure}"
        );
        assert!(failure.detail.contains("400"), "{failure}");

        let closed = surf::Error::from_str(500, CLOSED_BEFORE_HEAD);
        assert_eq!(from_surf(&closed).kind, FailureKind::Reset);
        let garbage = surf::Error::from_str(500, "Unsupported HTTP version");
        assert_eq!(from_surf(&garbage).kind, FailureKind::Protocol);
    }
}
