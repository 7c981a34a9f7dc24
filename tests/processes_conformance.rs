//! The shared conformance suite, run against the `processes` strategy,
//! built through the strategy registry as `fetchlab download -s processes`
//! builds it (one child per core, each running the thread pool).
//!
//! It lives in the root package because only here is the `fetchlab`
//! binary (`CARGO_BIN_EXE_fetchlab`) built for a test: the strategy's
//! children are that binary.
//!
//! Excluded cases, each for a reason of the process boundary (the same
//! list, with the same reasons, is in `fetchlab-processes`' crate docs):
//!
//! - `integrity::many_jobs_all_verified`: it downloads into a hashing
//!   store, which lives in the test's process; the children can only share
//!   a directory, and the pool refuses any other store with an error
//!   (tested in `tests/processes.rs`).
//! - `run::a_panic_fails_only_its_own_job`: the panicking observer runs in
//!   the parent when the child's `started` event arrives; the child has
//!   already made the request and cannot take it back (the job still
//!   fails `job panicked: …`, but the request and the file the case
//!   forbids exist).
//! - `directory::read_only_directory_fails_the_job`: a child opens the
//!   output directory before its first request and refuses a read-only one
//!   as bad input (as `fetchlab download` does), so the job fails with the
//!   child's reason and no request, where the case expects one request.

use std::path::PathBuf;

use fetchlab_strategies::{Programs, Strategy};

fetchlab_conformance::suite!(
    concurrent = true,
    excluded = {
        integrity::many_jobs_all_verified =>
            "it uses a hashing store; the children can only share a directory store",
        run::a_panic_fails_only_its_own_job =>
            "the observer runs in the parent, after the child made its request",
        directory::read_only_directory_fails_the_job =>
            "a child refuses a read-only output directory before any request",
    },
    |settings| {
        let programs = Programs::fetchlab(PathBuf::from(env!("CARGO_BIN_EXE_fetchlab")));
        Strategy::Processes.build_with(settings, &programs)
    }
);
