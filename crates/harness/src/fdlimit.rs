//! Open files: raise the soft limit toward the hard one once, then refuse a
//! concurrency that cannot fit before any request is made.

use std::sync::OnceLock;

use crate::error::HarnessError;

/// Descriptors kept for everything that is not a connection: standard
/// streams, runtimes' event queues, pipes to the child server, libraries.
pub const RESERVED: u64 = 128;

/// The open-files limits in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FdLimit {
    /// The soft limit (what applies).
    pub soft: u64,
    /// The hard limit (how far the soft one may be raised without privileges).
    pub hard: u64,
}

/// Raises the soft open-files limit as far as the hard limit allows (once per
/// process; later calls return the first answer). Child processes started
/// afterwards inherit it.
pub fn raise_fd_limit() -> FdLimit {
    static LIMIT: OnceLock<FdLimit> = OnceLock::new();
    *LIMIT.get_or_init(|| {
        let Ok((soft, hard)) = rlimit::Resource::NOFILE.get() else {
            return FdLimit {
                soft: u64::MAX,
                hard: u64::MAX,
            };
        };
        // Linux may refuse an "unlimited" hard limit (fs.nr_open): keep what we had then.
        let soft = rlimit::increase_nofile_limit(hard).unwrap_or(soft);
        FdLimit { soft, hard }
    })
}

/// Descriptors a run at `concurrency` needs in this process: one socket per
/// in-flight download (bodies go to a hashing store, not files), twice that
/// when the server runs in this process too.
pub fn needed(concurrency: usize, server_in_process: bool) -> u64 {
    let per_download = if server_in_process { 2 } else { 1 };
    (concurrency as u64)
        .saturating_mul(per_download)
        .saturating_add(RESERVED)
}

/// Refuses `concurrency` when it cannot fit under the (raised) limit.
pub fn check(concurrency: usize, server_in_process: bool) -> Result<(), HarnessError> {
    let limit = raise_fd_limit();
    let needed = needed(concurrency, server_in_process);
    if needed <= limit.soft {
        return Ok(());
    }
    Err(HarnessError::FdLimit {
        concurrency,
        needed,
        soft: limit.soft,
        hard: limit.hard,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raising_is_idempotent_and_never_lowers() {
        let first = raise_fd_limit();
        assert!(first.soft <= first.hard);
        assert_eq!(raise_fd_limit(), first);
    }

    #[test]
    fn an_impossible_concurrency_is_refused_with_the_fix() {
        let err = check(usize::MAX / 4, false).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("open-files limit"), "{message}");
        assert!(message.contains("ulimit -n"), "{message}");
        check(4, true).unwrap();
    }
}
