//! Hostile response heads: every backend refuses a head that grows past its
//! limit (endless lines, too many headers, endless interim responses) as a
//! protocol failure, at once, having read a bounded part of it, in bounded
//! memory; and times out on a head that stalls.

use std::time::Duration;

use fetchlab_core::FailureKind;

use super::hostile::{expect_failure, expect_refused, hostile_settings, probe_with};
use crate::Subject;
use crate::hostile::Route;

/// `HTTP/1.1 200 OK\r\nX: aaaa…` forever: refused.
pub fn endless_head_line_is_refused(subject: &Subject) {
    expect_refused(subject, Route::EndlessHeadLine, &[FailureKind::Protocol]);
}

/// `HTTP/1.1 200 OOOO…` forever: refused.
pub fn endless_status_line_is_refused(subject: &Subject) {
    expect_refused(subject, Route::EndlessStatusLine, &[FailureKind::Protocol]);
}

/// 100,000 short headers (1.4 MB of head): refused.
pub fn too_many_headers_are_refused(subject: &Subject) {
    expect_refused(subject, Route::ManyHeaders, &[FailureKind::Protocol]);
}

/// `100 Continue` again and again before any final status: refused.
///
/// The one tested difference: tokio (reqwest over hyper) skips interim
/// responses without a bound and reqwest offers no hook to count them (see
/// `fetchlab_tokio::design`, "Interim responses"), so there the flood ends
/// as a timeout (transient, retried once), in bounded memory, nothing
/// saved; its time is bounded only by the server giving up after
/// [`ENDLESS_CAP`](crate::hostile::ENDLESS_CAP) bytes per connection.
pub fn continue_flood_is_refused(subject: &Subject) {
    let name = subject.downloader(hostile_settings()).name();
    if name != "tokio" {
        expect_refused(subject, Route::ContinueFlood, &[FailureKind::Protocol]);
        return;
    }
    let (_server, scene, probe) = probe_with(
        subject,
        &Route::ContinueFlood,
        "hostile.bin",
        hostile_settings(),
        TOKIO_FLOOD_BOUND,
    );
    crate::fixture::assert_failed(probe.outcome(), &[FailureKind::Timeout], 2);
    scene.assert_contained(&[], &[]);
    probe.assert_memory_bounded("ContinueFlood (tokio)");
}

/// How long tokio may take over the flood: both attempts' connections
/// read until the server's cap (12–22 s measured on a shared 2-core
/// machine).
const TOKIO_FLOOD_BOUND: Duration = Duration::from_secs(90);

/// Half a head, then silence: the read timeout fires; retried once.
pub fn stall_inside_the_head_times_out(subject: &Subject) {
    expect_failure(subject, Route::StallInHead, &[FailureKind::Timeout], 2);
}
