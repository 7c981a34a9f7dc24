//! Hostile response heads: every backend refuses a head that grows past its
//! limit (endless lines, too many headers, endless interim responses) as a
//! protocol failure, at once, having read a bounded part of it, in bounded
//! memory; and times out on a head that stalls.

use fetchlab_core::FailureKind;

use super::hostile::{expect_failure, expect_refused};
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
pub fn continue_flood_is_refused(subject: &Subject) {
    expect_refused(subject, Route::ContinueFlood, &[FailureKind::Protocol]);
}

/// Half a head, then silence: the read timeout fires; retried once.
pub fn stall_inside_the_head_times_out(subject: &Subject) {
    expect_failure(subject, Route::StallInHead, &[FailureKind::Timeout], 2);
}
