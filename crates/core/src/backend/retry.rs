//! When to retry a failed attempt, and how long to wait first.

use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::outcome::Failure;
use crate::settings::Settings;

/// The retry schedule of one job: exponential backoff (`base · 2ⁿ`, capped)
/// with "equal jitter" (half fixed, half random), at least the server's
/// `Retry-After` (also capped), and only for transient failures.
#[derive(Debug)]
pub struct RetrySchedule {
    retries: u32,
    base: Duration,
    max: Duration,
    retries_done: u32,
    rng: StdRng,
}

impl RetrySchedule {
    /// The schedule for the job at `job_index`; the same settings and index
    /// give the same delays.
    pub fn new(settings: &Settings, job_index: usize) -> Self {
        Self {
            retries: settings.retries(),
            base: settings.backoff_base(),
            max: settings.backoff_max(),
            retries_done: 0,
            rng: StdRng::seed_from_u64(settings.jitter_seed() ^ (job_index as u64).rotate_left(17)),
        }
    }

    /// The wait before retrying after `failure`, or `None` when the failure
    /// is not transient or the retries are used up.
    pub fn next_delay(&mut self, failure: &Failure) -> Option<Duration> {
        if !failure.kind.is_transient() || self.retries_done >= self.retries {
            return None;
        }
        let exponential = self
            .base
            .saturating_mul(1u32.checked_shl(self.retries_done).unwrap_or(u32::MAX))
            .min(self.max);
        let half = exponential / 2;
        let jittered = half + half.mul_f64(self.rng.random::<f64>());
        self.retries_done += 1;
        let floor = failure.retry_after.unwrap_or_default().min(self.max);
        Some(jittered.max(floor))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::FailureKind;

    fn settings(retries: u32) -> Settings {
        Settings::default()
            .to_builder()
            .retries(retries)
            .backoff(Duration::from_millis(100), Duration::from_millis(250))
            .build()
            .expect("valid settings")
    }

    #[test]
    fn backs_off_exponentially_within_bounds_and_stops() {
        let mut schedule = RetrySchedule::new(&settings(3), 0);
        let failure = Failure::new(FailureKind::HttpStatus(503), "busy");
        let delays: Vec<Duration> = std::iter::from_fn(|| schedule.next_delay(&failure)).collect();
        assert_eq!(delays.len(), 3);
        let bounds = [(50, 100), (100, 200), (125, 250)];
        for (delay, (lo, hi)) in delays.iter().zip(bounds) {
            let ms = delay.as_millis();
            assert!((lo..=hi).contains(&(ms as u64)), "{ms} not in {lo}..={hi}");
        }
    }

    #[test]
    fn never_retries_permanent_failures() {
        let mut schedule = RetrySchedule::new(&settings(5), 0);
        let failure = Failure::new(FailureKind::HttpStatus(404), "gone");
        assert_eq!(schedule.next_delay(&failure), None);
    }

    #[test]
    fn honours_retry_after_up_to_the_cap() {
        let mut schedule = RetrySchedule::new(&settings(2), 0);
        let mut failure = Failure::new(FailureKind::HttpStatus(429), "slow down");
        failure.retry_after = Some(Duration::from_millis(200));
        assert!(schedule.next_delay(&failure).unwrap() >= Duration::from_millis(200));
        failure.retry_after = Some(Duration::from_secs(60));
        assert_eq!(
            schedule.next_delay(&failure).unwrap(),
            Duration::from_millis(250)
        );
    }
}
