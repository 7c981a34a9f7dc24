//! Hostile lengths, encodings, statuses and bodies: one outcome for every
//! backend, and nothing saved that the server did not send as the body.
//!
//! The policies tested here:
//! - A body is saved as sent: `Content-Encoding: gzip` is not decoded (as
//!   curl and wget2 do unless asked), so every backend writes the same
//!   bytes, and the size limit applies to what is written.
//! - A `Content-Length` that is negative, does not fit in 64 bits, or is
//!   given twice with different values is a protocol failure (RFC 9112
//!   §6.3); so is a `206` to a request without `Range`, a reply with no
//!   status line (HTTP/0.9), and a status outside 100..=599 (RFC 9110 §15).
//! - `Transfer-Encoding: chunked` beside a `Content-Length` is a protocol
//!   failure (RFC 9112 §6.3: "ought to be handled as an error").
//! - A body that never ends fails as too large once it passes the limit
//!   (async-std: see the close-delimited case).
//! - `204 No Content` is a 2xx with an empty body: an empty file is saved,
//!   at once (the client does not wait for a body that cannot come).

use fetchlab_core::{FailureKind, Resume, Status};

use super::hostile::{MAX_BODY, SENT_BOUND, expect_refused, expect_saved, probe};
use crate::Subject;
use crate::hostile::{GZIP_DECODED_BYTES, HostileServer, Route};

/// A small gzip body that decodes to 64 MiB: saved as sent, byte for byte,
/// in bounded memory.
pub fn gzip_body_is_saved_as_sent(subject: &Subject) {
    let sent = HostileServer::start().expect("start").gzip_body().to_vec();
    assert!(sent.len() as u64 <= MAX_BODY && GZIP_DECODED_BYTES as u64 > MAX_BODY);
    let probe = expect_saved(subject, Route::Gzip, "zeros.bin", &sent);
    probe.assert_memory_bounded("gzip");
}

/// `Content-Length: 5` and `Content-Length: 7`: refused.
pub fn conflicting_lengths_are_refused(subject: &Subject) {
    expect_refused(subject, Route::ConflictingLengths, &[FailureKind::Protocol]);
}

/// `Content-Length: -1`: refused.
pub fn negative_length_is_refused(subject: &Subject) {
    expect_refused(subject, Route::NegativeLength, &[FailureKind::Protocol]);
}

/// `Content-Length: 99999999999999999999999`: refused.
pub fn huge_length_is_refused(subject: &Subject) {
    expect_refused(subject, Route::HugeLength, &[FailureKind::Protocol]);
}

/// `Content-Length` together with `Transfer-Encoding: chunked`: refused.
/// RFC 9112 §6.3 lets the chunked coding override the length but says such
/// a message "ought to be handled as an error": it is how request
/// smuggling and response splitting look, and a downloader gains nothing
/// by guessing which framing the server meant.
pub fn length_with_chunked_is_refused(subject: &Subject) {
    expect_refused(subject, Route::LengthWithChunked, &[FailureKind::Protocol]);
}

/// A chunked body that never ends: too large once past the limit.
pub fn endless_chunked_body_is_cut_at_the_limit(subject: &Subject) {
    expect_refused(subject, Route::EndlessChunked, &[FailureKind::TooLarge]);
}

/// A close-delimited body that never ends: too large once past the limit.
/// The one tested difference: the async-std backend (async-h1) cannot read
/// a close-delimited body at all and refuses it as a protocol failure, at
/// once; the bounds on time, bytes and memory are the same.
pub fn endless_close_delimited_body_is_cut_at_the_limit(subject: &Subject) {
    let name = subject
        .downloader(super::hostile::hostile_settings())
        .name();
    let kind = if name == "async-std" {
        FailureKind::Protocol
    } else {
        FailureKind::TooLarge
    };
    expect_refused(subject, Route::EndlessCloseDelimited, &[kind]);
}

/// `206 Partial Content` to a request that asked for no range: refused.
pub fn unasked_partial_content_is_refused(subject: &Subject) {
    expect_refused(subject, Route::UnaskedPartial, &[FailureKind::Protocol]);
}

/// Status 999: outside 100..=599, so not an HTTP status at all (RFC 9110
/// §15): a protocol failure, not retried.
pub fn status_999_is_a_protocol_failure(subject: &Subject) {
    expect_refused(subject, Route::Status999, &[FailureKind::Protocol]);
}

/// A body with no status line (HTTP/0.9): refused.
pub fn http_0_9_reply_is_refused(subject: &Subject) {
    expect_refused(subject, Route::Http09, &[FailureKind::Protocol]);
}

/// `204 No Content`, connection kept open: an empty file, saved before the
/// read timeout could fire.
pub fn no_content_saves_an_empty_file_at_once(subject: &Subject) {
    let (_server, scene, probe) = probe(subject, &Route::NoContent, "empty.bin");
    assert_eq!(
        probe.outcome().status,
        Status::Saved {
            bytes: 0,
            resume: Resume::None
        }
    );
    assert_eq!(probe.outcome().attempts, 1);
    let read_timeout = super::hostile::hostile_settings().read_timeout();
    assert!(
        probe.took < read_timeout,
        "waited {:?} for a body",
        probe.took
    );
    assert!(probe.sent <= SENT_BOUND);
    scene.assert_contained(&["empty.bin"], &[]);
    assert_eq!(
        std::fs::read(scene.out.dir.join("empty.bin")).expect("read"),
        b""
    );
}
