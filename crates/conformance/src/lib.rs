//! The one conformance suite every fetchlab backend runs.
//!
//! Each backend's `tests/conformance.rs` is one line:
//!
//! ```ignore
//! fetchlab_conformance::suite!(concurrent = true, |settings| MyDownloader::new(settings));
//! ```
//!
//! The macro expands to one `#[test]` per case, so a failure names the
//! case. Every case starts its own [`fetchlab_server::TestServer`] on
//! `127.0.0.1:0`, downloads into a fresh temporary directory, and checks
//! outcomes against the server's counters and the corpus checksums.
//!
//! Layout:
//! - [`Subject`]: the backend under test (a constructor and whether it is
//!   concurrent).
//! - `fixture`: servers, quick settings, directory listings, assertions.
//! - [`cases`]: the cases, grouped by concern: integrity, limits, errors,
//!   faults, resume, store, settings, run control.
#![deny(missing_docs)]

pub mod cases;
mod fixture;

pub use fixture::{quick, quick_settings, seed_jobs};

use fetchlab_core::{Downloader, Error, Settings};

#[doc(hidden)]
pub use fetchlab_core as __core;

/// How a case builds the downloader under test.
pub type Build = Box<dyn Fn(Settings) -> Result<Box<dyn Downloader>, Error>>;

/// The backend under test.
pub struct Subject {
    build: Build,
    concurrent: bool,
}

impl Subject {
    /// A subject built by `build`; `concurrent` says whether it runs more
    /// than one request at a time (then it must reach its limit).
    pub fn new(concurrent: bool, build: Build) -> Self {
        Self { build, concurrent }
    }

    /// Builds the downloader, failing the test if the settings are refused.
    pub fn downloader(&self, settings: Settings) -> Box<dyn Downloader> {
        match (self.build)(settings) {
            Ok(downloader) => downloader,
            Err(err) => panic!("backend refused valid settings: {err}"),
        }
    }

    /// Builds the downloader, returning the refusal.
    pub fn try_downloader(&self, settings: Settings) -> Result<Box<dyn Downloader>, Error> {
        (self.build)(settings)
    }

    /// Whether the backend runs requests concurrently.
    pub fn is_concurrent(&self) -> bool {
        self.concurrent
    }
}

/// Expands to one `#[test]` per conformance case for a backend.
///
/// `concurrent` says whether the backend must reach its concurrency limit;
/// the closure builds it from [`Settings`].
#[macro_export]
macro_rules! suite {
    (concurrent = $concurrent:expr, $build:expr) => {
        fn __fetchlab_subject() -> $crate::Subject {
            $crate::Subject::new(
                $concurrent,
                ::std::boxed::Box::new(|settings: $crate::__core::Settings| {
                    let build = $build;
                    build(settings).map(|d| {
                        ::std::boxed::Box::new(d)
                            as ::std::boxed::Box<dyn $crate::__core::Downloader>
                    })
                }),
            )
        }
        $crate::__cases!(
            integrity::seed_files_are_byte_exact,
            integrity::outcomes_are_one_per_job_in_order,
            integrity::many_jobs_all_verified,
            integrity::redirect_chain_is_followed,
            integrity::abandoned_body_does_not_spoil_the_next_job,
            limits::concurrency_limit_is_honoured,
            limits::connections_are_reused,
            limits::connections_are_reused_at_high_concurrency,
            limits::error_bodies_keep_connections_alive,
            errors::not_found_is_not_retried,
            errors::flaky_server_is_retried_to_success,
            errors::persistent_500_fails_after_all_retries,
            errors::client_error_is_not_retried,
            errors::retry_after_is_honoured,
            errors::connection_refused_is_a_connect_failure,
            faults::reset_before_headers,
            faults::reset_mid_body,
            faults::short_body,
            faults::stall_times_out,
            faults::slow_drip_hits_total_timeout,
            faults::oversized_body_is_refused,
            faults::oversized_chunked_body_is_aborted,
            faults::garbage_is_a_protocol_failure,
            faults::redirect_loop_fails,
            faults::redirect_to_other_scheme_fails,
            resume::partial_body_is_resumed_with_range,
            resume::resume_falls_back_without_range_support,
            store::escaping_name_is_refused,
            store::complete_file_is_skipped,
            store::force_overwrites_complete_file,
            settings::the_largest_settings_download,
            run::cancelled_run_makes_no_request,
            run::progress_sees_every_job,
            run::cancelling_in_flight_stops_at_once,
            run::a_panic_fails_only_its_own_job
        );
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __cases {
    ($($group:ident :: $case:ident),* $(,)?) => {
        $(
            #[test]
            fn $case() {
                $crate::cases::$group::$case(&__fetchlab_subject());
            }
        )*
    };
}
