//! Open files: raise the soft limit toward the hard one, and refuse a
//! concurrency that cannot fit, before any request is made.
//!
//! 1,024 open files is a common default. Every in-flight download holds a
//! socket and a temporary file, and the process needs a few more for its
//! runtime, standard streams and the like; running out half-way would fail
//! jobs with "too many open files", so the check is done up front.

use anyhow::{Result, bail};

/// Descriptors kept for everything that is not a download (standard
/// streams, runtimes' event queues, the output directory, libraries).
pub const RESERVED: u64 = 64;

/// Descriptors one in-flight download of `fetchlab download` holds: its
/// socket and its temporary file.
pub const PER_DOWNLOAD: u64 = 2;

/// What `concurrency` downloads at `per_download` descriptors each need.
pub fn needed(concurrency: u64, per_download: u64) -> u64 {
    concurrency
        .saturating_mul(per_download)
        .saturating_add(RESERVED)
}

/// Raises the soft open-files limit as far as the hard limit allows (the
/// harness's [`fetchlab_harness::raise_fd_limit`]), then checks that `concurrency` downloads fit. Returns the limit in force.
pub fn ensure(concurrency: u64, per_download: u64, flag: &str) -> Result<u64> {
    let needed = needed(concurrency, per_download);
    let fetchlab_harness::FdLimit { soft: limit, hard } = fetchlab_harness::raise_fd_limit();
    if limit >= needed {
        return Ok(limit);
    }
    let fits = limit.saturating_sub(RESERVED) / per_download;
    bail!(
        "{flag} {concurrency} needs about {needed} open files, but the open-files limit is {limit} \
         (hard limit {hard}); raise it with `ulimit -n {}` (as root if above the hard limit), \
         or use {flag} {fits} or less",
        needed.checked_next_power_of_two().unwrap_or(needed)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_concurrency_fits() {
        let limit = ensure(1, PER_DOWNLOAD, "-m").unwrap();
        assert!(limit >= needed(1, PER_DOWNLOAD));
    }

    #[test]
    fn an_impossible_concurrency_names_the_limit_and_the_fix() {
        let err = ensure(u64::MAX / 4, PER_DOWNLOAD, "-m")
            .unwrap_err()
            .to_string();
        assert!(err.contains("open-files limit"), "{err}");
        assert!(err.contains("ulimit -n"), "{err}");
    }
}
