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
//! - `fixture`: servers, quick settings, directory listings, assertions
//!   (the ones other tests share re-exported here: [`quick`],
//!   [`quick_settings`], [`seed_jobs`], [`assert_saved`]).
//! - [`cases`]: the cases, grouped by concern: integrity, limits, errors,
//!   faults, resume, store, settings, run control; and the hostile ones:
//!   heads, bodies, redirects (`hostile_*`, against [`hostile`]) and
//!   directories prepared to trick the store (`directory`); keep-alive
//!   off (`keep_alive`); the integrity and fault cases over TLS (`tls`,
//!   where a backend without TLS must show its documented refusal).
//! - [`hostile`]: a raw-socket server that sends what a correct server
//!   library refuses to.
//!
//! No case is ignored for an HTTP client: where a backend's client library
//! cannot be made to behave like the others, the case asserts that
//! backend's documented outcome, and the reason is in that backend's
//! `design` module. A backend that is not one process (`processes`) may
//! exclude a case that cannot apply across a process boundary, with
//! `suite!(concurrent = …, excluded = { group::case => "reason" }, …)`:
//! the case then prints its reason and passes, and a generated test fails
//! if an excluded name is not a case.
#![deny(missing_docs)]

pub mod cases;
mod fixture;
pub mod hostile;

pub use fixture::{assert_saved, quick, quick_settings, seed_jobs};

use fetchlab_core::{Downloader, Error, Settings};

#[doc(hidden)]
pub use fetchlab_core as __core;

/// How a case builds the downloader under test.
pub type Build = Box<dyn Fn(Settings) -> Result<Box<dyn Downloader>, Error>>;

/// The backend under test.
pub struct Subject {
    build: Build,
    concurrent: bool,
    excluded: Vec<(&'static str, &'static str)>,
}

impl Subject {
    /// A subject built by `build`; `concurrent` says whether it runs more
    /// than one request at a time (then it must reach its limit).
    pub fn new(concurrent: bool, build: Build) -> Self {
        Self {
            build,
            concurrent,
            excluded: Vec::new(),
        }
    }

    /// The same subject with cases excluded: `(group::case, reason)`.
    pub fn excluding(mut self, excluded: Vec<(&'static str, &'static str)>) -> Self {
        self.excluded = excluded;
        self
    }

    /// Why `case` (`group::case`) is excluded, if it is.
    pub fn exclusion(&self, case: &str) -> Option<&'static str> {
        self.excluded
            .iter()
            .find(|(name, _)| name.replace(' ', "") == case.replace(' ', ""))
            .map(|(_, reason)| *reason)
    }

    /// The excluded cases' names.
    pub fn excluded(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.excluded.iter().map(|(name, _)| *name)
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
    (
        concurrent = $concurrent:expr,
        excluded = { $($xgroup:ident :: $xcase:ident => $reason:expr),* $(,)? },
        $build:expr
    ) => {
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
            .excluding(::std::vec![$((stringify!($xgroup::$xcase), $reason)),*])
        }
        $crate::__cases!(
            integrity::seed_files_are_byte_exact,
            integrity::outcomes_are_one_per_job_in_order,
            integrity::many_jobs_all_verified,
            integrity::redirect_chain_is_followed,
            integrity::abandoned_body_does_not_spoil_the_next_job,
            limits::concurrency_limit_is_honoured,
            limits::per_host_limit_is_honoured,
            limits::connections_are_reused,
            limits::connections_are_reused_at_high_concurrency,
            limits::error_bodies_keep_connections_alive,
            keep_alive::keep_alive_off_opens_a_connection_per_request,
            tls::seed_over_tls_is_byte_exact_on_reused_connections,
            tls::reset_mid_body_over_tls,
            tls::short_body_over_tls,
            tls::untrusted_certificate_is_not_retried,
            tls::insecure_accepts_an_untrusted_certificate,
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
            resume::changed_representation_restarts,
            resume::partial_without_a_validator_restarts,
            store::escaping_name_is_refused,
            store::complete_file_is_skipped,
            store::the_store_hears_of_the_run_before_any_check,
            store::force_overwrites_complete_file,
            settings::the_largest_settings_download,
            run::cancelled_run_makes_no_request,
            run::progress_sees_every_job,
            run::cancelling_in_flight_stops_at_once,
            run::a_panic_fails_only_its_own_job,
            hostile_head::endless_head_line_is_refused,
            hostile_head::endless_status_line_is_refused,
            hostile_head::too_many_headers_are_refused,
            hostile_head::continue_flood_is_refused,
            hostile_head::stall_inside_the_head_times_out,
            hostile_body::gzip_body_is_saved_as_sent,
            hostile_body::conflicting_lengths_are_refused,
            hostile_body::negative_length_is_refused,
            hostile_body::huge_length_is_refused,
            hostile_body::length_with_chunked_is_refused,
            hostile_body::endless_chunked_body_is_cut_at_the_limit,
            hostile_body::endless_close_delimited_body_is_cut_at_the_limit,
            hostile_body::unasked_partial_content_is_refused,
            hostile_body::status_999_is_a_protocol_failure,
            hostile_body::http_0_9_reply_is_refused,
            hostile_body::no_content_saves_an_empty_file_at_once,
            hostile_redirect::redirect_to_file_is_refused,
            hostile_redirect::redirect_to_ftp_is_refused,
            hostile_redirect::two_step_redirect_loop_fails,
            hostile_redirect::redirect_to_another_port_is_followed,
            hostile_redirect::content_disposition_name_is_ignored,
            hostile_redirect::password_in_url_is_never_shown,
            directory::symlink_at_partial_name_is_not_written_through,
            directory::directory_symlink_at_partial_name_is_not_followed,
            directory::hard_link_at_partial_name_is_not_resumed,
            directory::symlink_at_final_name_is_refused,
            directory::directory_symlink_at_final_name_is_refused,
            directory::hard_link_at_final_name_is_refused,
            directory::partial_replaced_by_a_link_between_runs_is_not_followed,
            directory::partial_replaced_by_other_bytes_between_runs_restarts,
            directory::read_only_directory_fails_the_job,
            directory::full_disk_fails_the_job_and_leaves_nothing,
        );
    };
    (concurrent = $concurrent:expr, $build:expr) => {
        $crate::suite!(concurrent = $concurrent, excluded = {}, $build);
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __cases {
    ($($(#[$attr:meta])* $group:ident :: $case:ident),* $(,)?) => {
        $(
            #[test]
            $(#[$attr])*
            fn $case() {
                let subject = __fetchlab_subject();
                match subject.exclusion(stringify!($group::$case)) {
                    ::std::option::Option::Some(reason) => {
                        ::std::eprintln!("excluded for this backend: {reason}");
                    }
                    ::std::option::Option::None => $crate::cases::$group::$case(&subject),
                }
            }
        )*

        #[test]
        fn excluded_cases_are_cases() {
            let cases = [$(stringify!($group::$case)),*];
            for name in __fetchlab_subject().excluded() {
                let name = name.replace(' ', "");
                ::std::assert!(
                    cases.iter().any(|case| case.replace(' ', "") == name),
                    "{name} is excluded but is not a conformance case"
                );
            }
        }
    };
}
