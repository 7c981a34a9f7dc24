//! The ideal time: the physical limit of a workload (`docs/harness.md`,
//! "The ideal time").
//!
//! `C` perfect workers take the jobs in list order, each job going to the
//! first worker that is free, and spend exactly the job's service time on it:
//! no connection set-up, no scheduling, no CPU. The time the last worker
//! finishes (the makespan) is the best any client can do against that server.
//!
//! With a URL list spanning several hosts, each job's service time is its
//! own host's, and a per-host limit caps how many of one host's jobs are
//! in flight at once: [`makespan_hosts`]'s workers take, whenever one is
//! free, the first job in list order whose host has a free slot (a perfect
//! client never lets a worker wait behind a full host).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
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

/// Makespan of `concurrency` perfect workers taking `jobs` — each a (host
/// index, service time) — in list order, at most `per_host` of one host's
/// jobs at once (`None`: no limit but the workers). Whenever a worker is
/// free it takes the first job in the list whose host is below the limit,
/// passing over jobs of full hosts; it waits only when every host with jobs
/// left is full.
///
/// A concurrency or limit of 0 is treated as 1, a limit above the
/// concurrency as the concurrency. With one host it is [`makespan`] at
/// min(concurrency, limit) workers.
pub fn makespan_hosts(
    jobs: &[(usize, Duration)],
    concurrency: usize,
    per_host: Option<usize>,
) -> Duration {
    let workers = concurrency.max(1);
    let limit = per_host.unwrap_or(workers).clamp(1, workers);
    let hosts = jobs.iter().map(|&(host, _)| host + 1).max().unwrap_or(0);
    // Each host's jobs in list order, with their list positions.
    let mut queues: Vec<VecDeque<(usize, Duration)>> = vec![VecDeque::new(); hosts];
    for (position, &(host, service)) in jobs.iter().enumerate() {
        queues[host].push_back((position, service));
    }
    let mut busy = vec![0usize; hosts];
    // (done at, host) of the jobs in flight.
    let mut running: BinaryHeap<Reverse<(Duration, usize)>> = BinaryHeap::new();
    let (mut now, mut end) = (Duration::ZERO, Duration::ZERO);
    loop {
        while running.len() < workers {
            // The first job in list order whose host has a free slot.
            let next = (0..hosts)
                .filter(|&host| busy[host] < limit)
                .filter_map(|host| queues[host].front().map(|&(position, _)| (position, host)))
                .min();
            let Some((_, host)) = next else { break };
            let Some((_, service)) = queues[host].pop_front() else {
                break;
            };
            busy[host] += 1;
            end = end.max(now + service);
            running.push(Reverse((now + service, host)));
        }
        // Nothing in flight means nothing was left to start: with every
        // slot free, any job left would have started above.
        let Some(Reverse((done, host))) = running.pop() else {
            break;
        };
        now = done;
        busy[host] -= 1;
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
    fn one_host_is_the_plain_makespan_at_the_smaller_limit() {
        let ms = Duration::from_millis;
        let times = [ms(10), ms(5), ms(1), ms(5), ms(1), ms(7), ms(3)];
        let on_one: Vec<(usize, Duration)> = times.iter().map(|&t| (0, t)).collect();
        for (workers, limit) in [
            (1, None),
            (2, None),
            (3, Some(2)),
            (5, Some(9)),
            (4, Some(1)),
        ] {
            assert_eq!(
                makespan_hosts(&on_one, workers, limit),
                makespan(&times, limit.unwrap_or(workers).min(workers)),
                "{workers} workers, limit {limit:?}"
            );
        }
        assert_eq!(makespan_hosts(&[], 4, Some(2)), Duration::ZERO);
    }

    #[test]
    fn the_slowest_host_sets_the_pace_under_a_per_host_limit() {
        let ms = Duration::from_millis;
        // 8 hosts, 10 jobs each, round-robin; host h takes (h + 1) × 10 ms.
        let jobs: Vec<(usize, Duration)> = (0..80)
            .map(|i| (i % 8, ms(10 * (i % 8 + 1) as u64)))
            .collect();
        // 4 at a time per host: the 80 ms host needs ceil(10 / 4) = 3 rounds;
        // 8 hosts × 4 slots are the 32 workers, so no host waits for a worker.
        assert_eq!(makespan_hosts(&jobs, 32, Some(4)), ms(240));
        // No limit and a worker per job: the slowest job.
        assert_eq!(makespan_hosts(&jobs, 80, None), ms(80));
        // One worker: the sum (10 rounds of 10 + 20 + … + 80 ms).
        assert_eq!(makespan_hosts(&jobs, 1, None), ms(3600));
    }

    #[test]
    fn a_full_host_is_passed_over_not_waited_behind() {
        let ms = Duration::from_millis;
        // Two slow jobs on host 0, then two fast ones on host 1; one slot per
        // host, two workers: host 0's second job waits for its first, while
        // the other worker does both of host 1's by 20 ms. A worker waiting
        // behind host 0 instead would hold host 1's jobs until 200 ms (220).
        let jobs = [(0, ms(100)), (0, ms(100)), (1, ms(10)), (1, ms(10))];
        assert_eq!(makespan_hosts(&jobs, 2, Some(1)), ms(200));
        let jobs = [(0, ms(100)), (0, ms(100)), (1, ms(10)), (1, ms(150))];
        // Host 1's 150 ms job starts at 10 ms, not after host 0's first.
        assert_eq!(makespan_hosts(&jobs, 2, Some(1)), ms(200));
    }

    /// Against bounds no schedule can beat: the total work over the
    /// workers, and each host's jobs in rounds of its limit.
    #[test]
    fn the_simulation_is_never_below_the_lower_bounds() {
        let ms = Duration::from_millis;
        for hosts in [1usize, 2, 3, 8] {
            for (workers, limit) in [
                (1, None),
                (4, None),
                (20, None),
                (32, Some(4)),
                (6, Some(2)),
            ] {
                let jobs: Vec<(usize, Duration)> = (0..50)
                    .map(|i| (i % hosts, ms(10 + 17 * (i % hosts) as u64)))
                    .collect();
                let work: Duration = jobs.iter().map(|&(_, t)| t).sum();
                let cap = limit.unwrap_or(workers).min(workers);
                let host_bound = (0..hosts)
                    .map(|h| {
                        let mine: Vec<Duration> =
                            jobs.iter().filter(|j| j.0 == h).map(|j| j.1).collect();
                        mine[0] * mine.len().div_ceil(cap) as u32
                    })
                    .max()
                    .unwrap();
                let bound = (work / workers as u32).max(host_bound);
                let simulated = makespan_hosts(&jobs, workers, limit);
                assert!(simulated >= bound, "{hosts} hosts, {workers}/{limit:?}");
            }
        }
    }

    #[test]
    fn bandwidth_adds_transfer_time() {
        let t = service_time(S, 1 << 20, Some(1 << 20));
        assert_eq!(t, S + Duration::from_secs(1));
        assert_eq!(service_time(S, 1 << 20, None), S);
        assert_eq!(service_time(S, 1 << 20, Some(0)), S);
    }
}
