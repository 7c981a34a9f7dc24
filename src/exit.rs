//! How a finished command maps to the process exit status.
//!
//! - 0: everything worked (every job saved or skipped).
//! - 1: the command ran, but some of its work failed (a job failed or was
//!   not found, a run was interrupted, a file did not verify).
//! - 2: usage or input error, reported before any work starts: clap's
//!   usage errors, and every `Err` a subcommand returns.

use std::process::ExitCode;

/// The result of a command that ran to its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything worked.
    Success,
    /// Some of the work failed; the command already said what.
    Failed,
}

impl Outcome {
    /// [`Outcome::Success`] when `ok`, else [`Outcome::Failed`].
    pub fn from_success(ok: bool) -> Self {
        if ok { Self::Success } else { Self::Failed }
    }

    /// The process exit status.
    pub fn code(self) -> ExitCode {
        match self {
            Self::Success => ExitCode::SUCCESS,
            Self::Failed => ExitCode::from(1),
        }
    }
}

/// The exit status of a usage or input error.
pub fn usage_error() -> ExitCode {
    ExitCode::from(2)
}
