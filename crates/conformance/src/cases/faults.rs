//! A misbehaving server: each fault ends with the right outcome, leaves no
//! file, and the run ends within its timeouts.

use std::time::{Duration, Instant};

use fetchlab_core::{FailureKind, Settings};

use crate::Subject;
use crate::fixture::{self, Output, assert_failed, jobs_for, only};

/// Settings for fault cases: one retry, short timeouts.
fn fault_settings() -> Settings {
    fixture::quick()
        .retries(1)
        .timeouts(
            Duration::from_secs(2),
            Duration::from_millis(500),
            Duration::from_secs(2),
        )
        .build()
        .expect("valid settings")
}

/// Runs one job against `/fault/<fault>/zzpic23140_s.jpg` and checks that it
/// failed with one of `kinds` after `attempts`, left no file, and ended in
/// time: 3× the worst case of every attempt using its whole total timeout.
fn expect_fault(subject: &Subject, fault: &str, kinds: &[FailureKind], attempts: u32) {
    expect_fault_with(subject, fault, fault_settings(), kinds, attempts);
}

fn expect_fault_with(
    subject: &Subject,
    fault: &str,
    settings: Settings,
    kinds: &[FailureKind],
    attempts: u32,
) {
    let server = fixture::plain_server();
    let out = Output::new();
    let jobs = jobs_for(&server, &[&format!("fault/{fault}/zzpic23140_s.jpg")]);
    let bound = 3 * (settings.total_timeout() + settings.backoff_max()) * (settings.retries() + 1);
    let downloader = subject.downloader(settings);
    let started = Instant::now();
    let report = out.run(downloader.as_ref(), &jobs);
    let took = started.elapsed();

    assert_failed(only(&report), kinds, attempts);
    assert!(took <= bound, "{fault}: took {took:?}, bound {bound:?}");
    assert!(out.files().is_empty(), "{fault}: left {:?}", out.files());
    out.assert_no_temp_files();
}

/// The connection is reset before any response byte: transient, retried.
pub fn reset_before_headers(subject: &Subject) {
    expect_fault(subject, "reset-before-headers", &[FailureKind::Reset], 2);
}

/// The connection is reset half-way through the body: transient, retried.
pub fn reset_mid_body(subject: &Subject) {
    expect_fault(
        subject,
        "reset-mid-body",
        &[FailureKind::Reset, FailureKind::Truncated],
        2,
    );
}

/// The body ends cleanly before `Content-Length`: truncated, retried.
pub fn short_body(subject: &Subject) {
    expect_fault(subject, "short-body", &[FailureKind::Truncated], 2);
}

/// No byte after the request: the read timeout fires.
pub fn stall_times_out(subject: &Subject) {
    expect_fault(subject, "stall", &[FailureKind::Timeout], 2);
}

/// A few bytes now and then (never idle past the read timeout): the total
/// timeout of the attempt fires.
pub fn slow_drip_hits_total_timeout(subject: &Subject) {
    expect_fault(subject, "slow-drip", &[FailureKind::Timeout], 2);
}

/// A `Content-Length` above the maximum is refused from the head: no retry.
pub fn oversized_body_is_refused(subject: &Subject) {
    expect_fault(subject, "oversized", &[FailureKind::TooLarge], 1);
}

/// A chunked body that grows past the maximum is cut off: no retry.
pub fn oversized_chunked_body_is_aborted(subject: &Subject) {
    expect_fault(subject, "oversized-chunked", &[FailureKind::TooLarge], 1);
}

/// Bytes that are not HTTP: a protocol failure, not retried.
pub fn garbage_is_a_protocol_failure(subject: &Subject) {
    expect_fault(subject, "garbage", &[FailureKind::Protocol], 1);
}

/// A redirect to itself: a redirect failure, not retried.
pub fn redirect_loop_fails(subject: &Subject) {
    expect_fault(subject, "redirect-loop", &[FailureKind::Redirect], 1);
}

/// A redirect to a non-HTTP scheme is refused.
pub fn redirect_to_other_scheme_fails(subject: &Subject) {
    expect_fault(subject, "redirect-scheme", &[FailureKind::Redirect], 1);
}
