//! Errors that stop a measurement.
//!
//! A job that fails is not an error here either: it is an outcome, counted in
//! the table. These errors mean the measurement itself cannot be trusted or
//! cannot be made.

use std::path::PathBuf;

/// Why a scenario could not be measured.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    /// A workload parameter is unusable.
    #[error("invalid workload: {0}")]
    Workload(String),
    /// A backend could not be built (for a reason other than a concurrency ceiling).
    #[error(transparent)]
    Backend(#[from] fetchlab_core::Error),
    /// The open-files limit is too low for the scenario's concurrency.
    #[error(transparent)]
    FdLimit(#[from] fetchlab_strategies::FdLimitError),
    /// A command row cannot be set up or run (a bad template, a program
    /// that cannot start). A command that runs and fails is a row instead.
    #[error("command: {0}")]
    Command(String),
    /// The test server could not be started or asked for its counters.
    #[error("test server: {0}")]
    Server(String),
    /// A saved body differs from the corpus: the measurement is void.
    #[error(
        "VERIFICATION FAILED: {strategy} saved {name:?} but {detail}; this measurement is void"
    )]
    Verification {
        /// The strategy that saved it.
        strategy: String,
        /// The file name.
        name: String,
        /// What differs.
        detail: String,
    },
    /// Results could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Results could not be serialised.
    #[error(transparent)]
    Export(#[from] crate::export::ExportError),
}
