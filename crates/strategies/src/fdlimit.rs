//! Open files: raise the soft limit toward the hard one once, then refuse a
//! concurrency that cannot fit, before any request is made.
//!
//! 1,024 open files is a common default. Every in-flight download holds a
//! socket, and — for `fetchlab download` — a temporary file; the process
//! needs a few more for its runtime, standard streams, pipes to a child
//! server and the like. Running out half-way would fail jobs with "too many
//! open files", so the check is made up front, by `fetchlab download` and
//! the harness alike.

use std::sync::OnceLock;

/// Descriptors kept for everything that is not a download: standard
/// streams, runtimes' event queues, the output directory, pipes to a child
/// server, libraries.
pub const RESERVED: u64 = 128;

/// Descriptors of one in-flight download into a directory (`fetchlab
/// download`): its socket and its temporary file.
pub const PER_DOWNLOAD_TO_FILE: u64 = 2;

/// Descriptors of one in-flight download into memory (the harness's hashing
/// store): its socket.
pub const PER_DOWNLOAD_IN_MEMORY: u64 = 1;

/// The open-files limits in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FdLimit {
    /// The soft limit (what applies).
    pub soft: u64,
    /// The hard limit (how far the soft one may be raised without privileges).
    pub hard: u64,
}

/// A concurrency that does not fit under the open-files limit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{workers} downloads at once need about {needed} open files, but the open-files limit is \
     {} (hard limit {}); raise it with `ulimit -n {}` (as root if above the hard limit), or use \
     a concurrency of {} or less",
    limit.soft,
    limit.hard,
    needed.checked_next_power_of_two().unwrap_or(*needed),
    fits(limit.soft, *per_download)
)]
pub struct FdLimitError {
    /// Downloads in flight at once.
    pub workers: u64,
    /// Descriptors each one holds.
    pub per_download: u64,
    /// Descriptors the run would need, [`RESERVED`] included.
    pub needed: u64,
    /// The limits, after raising the soft one as far as allowed.
    pub limit: FdLimit,
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

/// Descriptors `workers` downloads at `per_download` descriptors each need,
/// [`RESERVED`] included.
pub fn needed(workers: u64, per_download: u64) -> u64 {
    workers
        .saturating_mul(per_download)
        .saturating_add(RESERVED)
}

/// How many downloads at `per_download` descriptors fit under `soft`.
fn fits(soft: u64, per_download: u64) -> u64 {
    soft.saturating_sub(RESERVED) / per_download.max(1)
}

/// Whether `workers` downloads at `per_download` descriptors each fit
/// under `limit`.
pub fn check_against(
    limit: FdLimit,
    workers: u64,
    per_download: u64,
) -> Result<FdLimit, FdLimitError> {
    let needed = needed(workers, per_download);
    if needed <= limit.soft {
        return Ok(limit);
    }
    Err(FdLimitError {
        workers,
        per_download,
        needed,
        limit,
    })
}

/// Raises the limit ([`raise_fd_limit`]), then checks that `workers`
/// downloads at `per_download` descriptors each fit. Returns the limit in
/// force.
pub fn ensure(workers: u64, per_download: u64) -> Result<FdLimit, FdLimitError> {
    check_against(raise_fd_limit(), workers, per_download)
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
    fn a_small_concurrency_fits() {
        let limit = ensure(1, PER_DOWNLOAD_TO_FILE).unwrap();
        assert!(limit.soft >= needed(1, PER_DOWNLOAD_TO_FILE));
    }

    #[test]
    fn an_impossible_concurrency_names_the_limit_and_the_fix() {
        let limit = FdLimit {
            soft: 256,
            hard: 256,
        };
        let err = check_against(limit, 1000, PER_DOWNLOAD_TO_FILE).unwrap_err();
        assert_eq!(err.needed, 2128);
        let message = err.to_string();
        assert!(message.contains("open-files limit is 256"), "{message}");
        assert!(message.contains("ulimit -n 4096"), "{message}");
        assert!(message.contains("a concurrency of 64 or less"), "{message}");
        check_against(limit, 64, PER_DOWNLOAD_TO_FILE).unwrap();
        check_against(limit, 65, PER_DOWNLOAD_TO_FILE).unwrap_err();
        assert!(ensure(u64::MAX / 4, PER_DOWNLOAD_TO_FILE).is_err());
    }
}
