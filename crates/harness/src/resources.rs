//! What a run costs the client process: CPU time, resident memory, threads.
//!
//! CPU time comes from `getrusage(RUSAGE_SELF)`, so the test server must run
//! in a child process for it to be the client's alone. Memory and threads are
//! sampled from `/proc/self/status` by a background thread every few
//! milliseconds; the peaks minus the values just before the run are what the
//! run added.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// How often the sampler reads `/proc/self/status`.
const SAMPLE_EVERY: Duration = Duration::from_millis(2);

/// Resident memory and thread count of this process, when the platform says.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// Resident set size, bytes.
    pub rss: u64,
    /// Threads.
    pub threads: u64,
}

impl Usage {
    /// Reads `/proc/self/status`; `None` where there is no procfs.
    pub fn now() -> Option<Usage> {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let field = |name: &str| status_field(&status, name);
        Some(Usage {
            rss: field("VmRSS:")? * 1024,
            threads: field("Threads:")?,
        })
    }

    fn max(self, other: Usage) -> Usage {
        Usage {
            rss: self.rss.max(other.rss),
            threads: self.threads.max(other.threads),
        }
    }
}

/// The number after `name` (`VmRSS:`, `Threads:`) in the text of a
/// `/proc/PID/status` file (memory fields are in KiB).
pub(crate) fn status_field(status: &str, name: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix(name))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse::<u64>().ok())
}

/// Samples a reading in the background until stopped, and keeps its
/// peak: [`Usage`] of this process by default ([`Sampler::start`]), or any
/// other reading ([`Sampler::with`]).
#[derive(Debug)]
pub struct Sampler<T = Usage> {
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<Option<T>>>,
}

impl Sampler<Usage> {
    /// Starts sampling this process's [`Usage`].
    pub fn start() -> Sampler<Usage> {
        Sampler::with("fetchlab-sampler", SAMPLE_EVERY, Usage::now, Usage::max)
    }

    /// Starts sampling the [`Usage`] of this process and its descendants
    /// added up ([`tree_usage`]), leaving out the subtree of `skip` (a
    /// child server): for a strategy whose work is done by child
    /// processes.
    pub fn start_tree(skip: Option<u32>) -> Sampler<Usage> {
        let root = std::process::id();
        Sampler::with(
            "fetchlab-sampler",
            SAMPLE_EVERY,
            move || tree_usage(root, skip),
            Usage::max,
        )
    }
}

/// ΣVmRSS and Σthreads over `root` and its descendants (read from
/// `/proc/PID/task/*/children`), leaving out `skip` and its descendants;
/// `None` where there is no procfs. A process that exits between two reads
/// is simply not counted.
pub fn tree_usage(root: u32, skip: Option<u32>) -> Option<Usage> {
    let mut total: Option<Usage> = None;
    for_each_in_tree(root, skip, |status| {
        let field = |name: &str| status_field(status, name);
        // A zombie has no VmRSS line: nothing to count.
        if let (Some(rss), Some(threads)) = (field("VmRSS:"), field("Threads:")) {
            let sum = total.get_or_insert_with(Usage::default);
            sum.rss += rss * 1024;
            sum.threads += threads;
        }
    });
    total
}

/// Calls `visit` with the text of `/proc/PID/status` of `root` and of each
/// of its descendants (found through `/proc/PID/task/*/children`), leaving
/// out `skip` and its descendants. A process that exits meanwhile is
/// skipped.
pub(crate) fn for_each_in_tree(root: u32, skip: Option<u32>, mut visit: impl FnMut(&str)) {
    let mut pending = vec![root];
    while let Some(pid) = pending.pop() {
        if Some(pid) == skip {
            continue;
        }
        let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
            continue;
        };
        visit(&status);
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
            continue;
        };
        for task in tasks.flatten() {
            let children =
                std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
            pending.extend(
                children
                    .split_whitespace()
                    .filter_map(|c| c.parse::<u32>().ok()),
            );
        }
    }
}

impl<T: Send + 'static> Sampler<T> {
    /// Starts a thread called `name` that calls `read` every `every` (and
    /// once more when stopped), keeping the `max` of what it returns; a
    /// `None` reading is skipped.
    pub fn with(
        name: &str,
        every: Duration,
        mut read: impl FnMut() -> Option<T> + Send + 'static,
        max: fn(T, T) -> T,
    ) -> Sampler<T> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let mut keep = move |peak: Option<T>| match (peak, read()) {
            (Some(peak), Some(now)) => Some(max(peak, now)),
            (peak, now) => peak.or(now),
        };
        let handle = std::thread::Builder::new()
            .name(name.to_owned())
            .stack_size(64 * 1024)
            .spawn(move || {
                let mut peak = keep(None);
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(every);
                    peak = keep(peak);
                }
                keep(peak)
            })
            .ok();
        Sampler { stop, handle }
    }

    /// Stops sampling and returns the peak (`None` if nothing could be read).
    pub fn stop(mut self) -> Option<T> {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.take()?.join().ok().flatten()
    }
}

impl<T> Drop for Sampler<T> {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// The threads that are the harness's, not a backend's: the count at the
/// first measured run of this process (before any backend could have left
/// threads behind), or fewer if fewer are running now. `baseline` is the
/// usage just before the current run.
pub fn harness_threads(baseline: Option<Usage>) -> Option<u64> {
    static FIRST: std::sync::OnceLock<Option<u64>> = std::sync::OnceLock::new();
    let now = baseline?.threads;
    let first = (*FIRST.get_or_init(|| Some(now)))?;
    Some(first.min(now))
}

/// CPU time (user + system) this process and the children it has reaped
/// have used so far: a strategy that runs child processes and reaps them
/// before its run ends (`processes`) has their time counted in its run.
/// (A server child is reaped only when its session ends, outside any
/// measured run.)
pub fn cpu_time() -> Duration {
    let of = |who| {
        // SAFETY: getrusage only writes into the struct we pass; zeroed is a valid rusage.
        let usage = unsafe {
            let mut usage: libc::rusage = std::mem::zeroed();
            if libc::getrusage(who, &mut usage) != 0 {
                return Duration::ZERO;
            }
            usage
        };
        let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
        tv(usage.ru_utime) + tv(usage.ru_stime)
    };
    of(libc::RUSAGE_SELF) + of(libc::RUSAGE_CHILDREN)
}

/// Gives memory the allocator keeps but no longer uses back to the system,
/// so that a run's memory peak is measured from a clean baseline.
pub fn trim_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim has no preconditions; it only releases free memory.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sees_a_thread_and_memory_appear() {
        let Some(before) = Usage::now() else {
            return; // no procfs: nothing to measure
        };
        let sampler = Sampler::start();
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let worker = std::thread::spawn(move || {
            let block = vec![1u8; 32 << 20];
            rx.recv().ok();
            block.iter().map(|&b| u64::from(b)).sum::<u64>()
        });
        std::thread::sleep(Duration::from_millis(50));
        tx.send(()).unwrap();
        assert_eq!(worker.join().unwrap(), 32 << 20);
        let peak = sampler.stop().unwrap();
        assert!(peak.threads >= before.threads + 2, "{before:?} {peak:?}");
        assert!(peak.rss >= before.rss + (16 << 20), "{before:?} {peak:?}");
    }

    #[test]
    fn cpu_time_advances() {
        let start = cpu_time();
        let mut x = 0u64;
        for i in 0..20_000_000u64 {
            x = x.wrapping_add(i * i);
        }
        std::hint::black_box(x);
        assert!(cpu_time() > start);
    }

    #[test]
    fn the_tree_counts_a_child_unless_it_is_skipped() {
        if tree_usage(std::process::id(), None).is_none() {
            eprintln!("skipped: no procfs to read the process tree from");
            return;
        }
        // A shell (one thread) with one `sleep` child (one thread).
        let spawned = std::process::Command::new("sh")
            .args(["-c", "sleep 30 & wait"])
            .spawn();
        let Ok(mut shell) = spawned else {
            eprintln!("skipped: no `sh` to run as a child");
            return;
        };
        let root = shell.id();
        let children = || {
            std::fs::read_to_string(format!("/proc/{root}/task/{root}/children"))
                .unwrap_or_default()
        };
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while children().trim().is_empty() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        let sleeper: Option<u32> = children()
            .split_whitespace()
            .next()
            .and_then(|p| p.parse().ok());
        let whole = tree_usage(root, None);
        let without = tree_usage(root, sleeper);
        let none = tree_usage(root, Some(root));
        let _ = shell.kill();
        let _ = shell.wait();
        if let Some(pid) = sleeper {
            // SAFETY: kill has no memory effects; `pid` is our grandchild.
            unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
        }
        assert!(sleeper.is_some(), "the shell started its child");
        assert_eq!(whole.map(|u| u.threads), Some(2), "{whole:?}");
        assert_eq!(without.map(|u| u.threads), Some(1), "{without:?}");
        assert!(whole.unwrap().rss > without.unwrap().rss);
        assert_eq!(none, None, "skipping the root skips all");
    }
}
