//! Where the time of a run of many waves goes: runs `JOBS` jobs (default
//! 10,000) at concurrency `C` (default 1,000) with the tokio strategy into
//! a `HashStore`, against a `fetchlab serve` already running, and prints
//! per wave when its jobs started and finished, the spread of job times,
//! and how long the runtime thread ran and waited for a CPU
//! (`/proc/thread-self/schedstat`, Linux). It runs one current-thread
//! runtime (`Flavor::CurrentThread`), so that one thread is the whole
//! client; the strategy's default runs one per core. With the server's pid it also
//! prints how long the server's threads ran and waited for a CPU over the
//! run.
//!
//! ```sh
//! fetchlab serve --port 8732 --files 1000 --delay 100ms &
//! cargo run --release --example waves -- http://127.0.0.1:8732 10000 1000 "$!"
//! ```
//!
//! Job `i` fetches `file{i % 1000:05}.bin` under the base URL.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

#[path = "common/schedstat.rs"]
mod schedstat;

use fetchlab_core::{Downloader, HashStore, Job, JobList, Outcome, Progress, RunEnv, Settings};
use fetchlab_tokio::{Flavor, TokioDownloader};
use schedstat::{schedstat, threads_of};

/// When each job started and finished, from the same clock.
struct Times {
    zero: Instant,
    started: Mutex<Vec<Duration>>,
    finished: Mutex<Vec<Duration>>,
}

impl Times {
    fn note(&self, list: &Mutex<Vec<Duration>>) {
        let at = self.zero.elapsed();
        list.lock().unwrap_or_else(PoisonError::into_inner).push(at);
    }

    fn sorted(list: &Mutex<Vec<Duration>>) -> Vec<Duration> {
        let mut times = list.lock().unwrap_or_else(PoisonError::into_inner).clone();
        times.sort();
        times
    }
}

impl Progress for Times {
    fn started(&self, _job: &Job) {
        self.note(&self.started);
    }

    fn finished(&self, _outcome: &Outcome) {
        self.note(&self.finished);
    }
}

fn ms(at: Duration) -> f64 {
    at.as_secs_f64() * 1e3
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let Some(base) = args.next() else {
        eprintln!("usage: waves BASE_URL [JOBS] [CONCURRENCY] [SERVER_PID]");
        return Ok(());
    };
    let count: usize = args.next().map_or(Ok(10_000), |s| s.parse())?;
    let concurrency: usize = args.next().map_or(Ok(1_000), |s| s.parse())?;
    let server = args.next().map(|pid| threads_of(&pid)).transpose()?;
    let jobs = (0..count)
        .map(|i| Job::with_name(format!("{base}/file{:05}.bin", i % 1000), format!("j{i}")))
        .collect();
    let jobs = JobList::from_jobs(jobs);
    let settings = Settings::builder().concurrency(concurrency).build()?;
    let downloader = TokioDownloader::with_flavor(settings, Flavor::CurrentThread)?;
    let times = Arc::new(Times {
        zero: Instant::now(),
        started: Mutex::default(),
        finished: Mutex::default(),
    });
    let env = RunEnv::new(Arc::new(HashStore::new())).with_progress(times.clone());
    let own = ["/proc/thread-self/schedstat".into()];
    let (client_before, server_before) = (schedstat(&own)?, server.as_deref().map(schedstat));
    let start = times.zero.elapsed();
    let report = downloader.download(&jobs, &env)?;
    let wall = times.zero.elapsed() - start;
    let (client_after, server_after) = (schedstat(&own)?, server.as_deref().map(schedstat));

    println!(
        "wall {:.1} ms, {} saved",
        ms(wall),
        report.counts().downloaded
    );
    let (started, finished) = (
        Times::sorted(&times.started),
        Times::sorted(&times.finished),
    );
    let since = |at: Duration| ms(at.saturating_sub(start));
    for (wave, (starts, ends)) in started
        .chunks(concurrency)
        .zip(finished.chunks(concurrency))
        .enumerate()
    {
        let (Some(first), Some(last)) = (starts.first(), starts.last()) else {
            break;
        };
        let (Some(done), Some(end)) = (ends.first(), ends.last()) else {
            break;
        };
        println!(
            "wave {wave}: started {:.1}..{:.1} ms, finished {:.1}..{:.1} ms",
            since(*first),
            since(*last),
            since(*done),
            since(*end)
        );
    }
    let mut elapsed: Vec<f64> = report.outcomes.iter().map(|o| ms(o.elapsed)).collect();
    elapsed.sort_by(f64::total_cmp);
    if !elapsed.is_empty() {
        let at = |q: f64| elapsed[((elapsed.len() - 1) as f64 * q) as usize];
        println!(
            "job ms: min {:.1}, p10 {:.1}, p50 {:.1}, p90 {:.1}, max {:.1}",
            at(0.0),
            at(0.1),
            at(0.5),
            at(0.9),
            at(1.0)
        );
    }
    println!(
        "runtime thread: ran {:.1} ms, waited for a CPU {:.1} ms",
        client_after.0 - client_before.0,
        client_after.1 - client_before.1
    );
    if let (Some(Ok(before)), Some(Ok(after))) = (server_before, server_after) {
        println!(
            "server threads: ran {:.1} ms, waited for a CPU {:.1} ms",
            after.0 - before.0,
            after.1 - before.1
        );
    }
    Ok(())
}
