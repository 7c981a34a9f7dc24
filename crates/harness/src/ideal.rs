//! The ideal time: the physical limit of a workload (`docs/harness.md`,
//! "The ideal time").
//!
//! `C` perfect workers take the jobs in list order, each job going to the
//! first worker that is free, and spend exactly the job's service time on it:
//! no connection set-up, no scheduling, no CPU. The time the last worker
//! finishes (the makespan) is the best any client can do against that server.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Duration;

/// Makespan of `concurrency` perfect workers taking `service_times` in order.
///
/// A concurrency of 0 is treated as 1, and a concurrency above the number of
/// jobs as the number of jobs (idle workers change nothing).
pub fn makespan(service_times: &[Duration], concurrency: usize) -> Duration {
    let workers = concurrency.clamp(1, service_times.len().max(1));
    let mut free_at: BinaryHeap<Reverse<Duration>> =
        std::iter::repeat_n(Reverse(Duration::ZERO), workers).collect();
    let mut end = Duration::ZERO;
    for &service in service_times {
        // The heap holds `workers >= 1` entries and every pop is followed by a push.
        let Some(Reverse(start)) = free_at.pop() else {
            break;
        };
        let done = start + service;
        end = end.max(done);
        free_at.push(Reverse(done));
    }
    end
}

/// The service time of one request: the server's delay plus the body's time
/// on the wire under a per-connection bandwidth cap (none: loopback is taken
/// as instantaneous).
pub fn service_time(delay: Duration, bytes: u64, bandwidth: Option<u64>) -> Duration {
    match bandwidth {
        Some(rate) if rate > 0 => delay + Duration::from_secs_f64(bytes as f64 / rate as f64),
        _ => delay,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_millis(100);

    #[test]
    fn equal_service_times_give_ceil_n_over_c_rounds() {
        for (jobs, workers) in [(80, 20), (81, 20), (1, 20), (1000, 1), (10, 3), (7, 7)] {
            let times = vec![S; jobs];
            let rounds = jobs.div_ceil(workers) as u32;
            assert_eq!(
                makespan(&times, workers),
                S * rounds,
                "{jobs} jobs, {workers} workers"
            );
        }
    }

    #[test]
    fn degenerate_inputs() {
        assert_eq!(makespan(&[], 5), Duration::ZERO);
        assert_eq!(makespan(&[S, S], 0), S * 2);
        assert_eq!(makespan(&[S, S], 1000), S);
    }

    #[test]
    fn jobs_go_to_the_first_free_worker_in_order() {
        let ms = Duration::from_millis;
        // Worker A: 10, then 1, then 1 (done at 12); worker B: 5, then 5 (done at 10).
        let times = [ms(10), ms(5), ms(1), ms(5), ms(1)];
        // t=0: A←10, B←5. t=5: B←1 (6). t=6: B←5 (11). t=10: A←1 (11).
        assert_eq!(makespan(&times, 2), ms(11));
        // Sequentially it is the sum.
        assert_eq!(makespan(&times, 1), ms(22));
    }

    #[test]
    fn bandwidth_adds_transfer_time() {
        let t = service_time(S, 1 << 20, Some(1 << 20));
        assert_eq!(t, S + Duration::from_secs(1));
        assert_eq!(service_time(S, 1 << 20, None), S);
        assert_eq!(service_time(S, 1 << 20, Some(0)), S);
    }
}
