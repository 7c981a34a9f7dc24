//! How many child processes a run starts, and how the limits are split
//! between them.
//!
//! The pool asks for P processes (by default one per core the system
//! reports, see [`default_processes`]). A run starts
//! `min(P, concurrency, per-host limit, jobs)` of them, at least one: a
//! process with nothing to keep in flight would only cost its start-up.
//! Each process k of n gets `concurrency / n` requests in flight, the
//! first `concurrency % n` one more, so the children's limits add up to
//! the run's exactly; the per-host limit is split the same way. Every
//! other setting reaches each child unchanged.

use fetchlab_core::{Settings, SettingsError};

/// One process per core the system reports (1 when it cannot tell).
pub fn default_processes() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// The share of `total` that part `k` of `n` gets (the first
/// `total % n` parts get one more).
fn share(total: usize, k: usize, n: usize) -> usize {
    total / n + usize::from(k < total % n)
}

/// How many processes a run of `jobs` jobs with `settings` starts when
/// `processes` are asked for.
pub fn process_count(settings: &Settings, processes: usize, jobs: usize) -> usize {
    let mut n = processes.min(settings.concurrency()).min(jobs);
    if let Some(per_host) = settings.per_host() {
        n = n.min(per_host);
    }
    n.max(1)
}

/// The settings of child `k` of `n`: its share of the concurrency and of
/// the per-host limit, everything else as given.
pub fn child_settings(settings: &Settings, k: usize, n: usize) -> Result<Settings, SettingsError> {
    settings
        .to_builder()
        .concurrency(share(settings.concurrency(), k, n))
        .per_host(settings.per_host().map(|limit| share(limit, k, n)))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(concurrency: usize, per_host: Option<usize>) -> Settings {
        Settings::builder()
            .concurrency(concurrency)
            .per_host(per_host)
            .build()
            .unwrap()
    }

    #[test]
    fn the_count_is_capped_by_concurrency_per_host_and_jobs() {
        assert_eq!(process_count(&settings(20, None), 4, 80), 4);
        assert_eq!(process_count(&settings(3, None), 4, 80), 3);
        assert_eq!(process_count(&settings(20, Some(2)), 4, 80), 2);
        assert_eq!(process_count(&settings(20, None), 4, 1), 1);
        assert_eq!(process_count(&settings(20, None), 4, 0), 1);
        assert_eq!(process_count(&settings(20, None), 0, 80), 1);
    }

    #[test]
    fn shares_add_up_to_the_limits() {
        for (concurrency, per_host, n) in [(20, None, 3), (7, Some(5), 4), (5, Some(5), 5)] {
            let whole = settings(concurrency, per_host);
            let children: Vec<Settings> = (0..n)
                .map(|k| child_settings(&whole, k, n).unwrap())
                .collect();
            let total: usize = children.iter().map(Settings::concurrency).sum();
            assert_eq!(total, concurrency);
            let hosts: Option<usize> = children.iter().map(Settings::per_host).sum();
            assert_eq!(hosts, per_host);
            let first = children[0].concurrency();
            assert!(children.iter().all(|c| first - c.concurrency() <= 1));
            assert_eq!(children[0].retries(), whole.retries());
        }
    }
}
