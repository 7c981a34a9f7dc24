//! The thread pool starts its workers and no thread per request.
//!
//! Counting live threads (`/proc/self/task`) would miss threads that live
//! for microseconds, such as a name look-up's, so the test counts every
//! thread the process ever creates: it runs itself again under
//! `strace -f -e trace=clone,clone3,fork,vfork` as a child that downloads
//! [`JOBS`] files at [`WORKERS`] workers, and counts the calls. The server
//! stays in this process, so its threads are not counted. Skipped, with
//! the reason printed, where strace is missing or cannot trace.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use fetchlab_core::{Downloader, HashStore, Job, JobList, RunEnv};
use fetchlab_server::{ServerConfig, TestServer};
use fetchlab_threaded::ThreadPoolDownloader;

const JOBS: usize = 200;
const WORKERS: usize = 4;

/// Threads the child may start besides its workers: the test harness's
/// thread for the one test it runs (libtest runs a test on a thread of its
/// own unless told otherwise). The downloader itself starts only its
/// workers; ureq starts none for the IP-literal URLs of the test server.
const OTHERS: usize = 1;

/// Set in the child: the server's base URL.
const BASE_URL: &str = "FETCHLAB_THREAD_COUNT_BASE_URL";

/// This test's name, to run it alone in the child.
const NAME: &str = "the_pool_starts_its_workers_and_no_thread_per_request";

#[test]
fn the_pool_starts_its_workers_and_no_thread_per_request() {
    match std::env::var(BASE_URL) {
        Ok(base) => download(&base),
        Err(_) => count_threads_of_a_child(),
    }
}

/// The child's part: [`JOBS`] jobs over the seed list, all saved.
fn download(base: &str) {
    let seed = JobList::seed(base).expect("seed list");
    let jobs: Vec<Job> = (0..JOBS)
        .map(|i| {
            let url = seed.jobs()[i % seed.len()].url();
            Job::with_name(url, format!("file-{i}"))
        })
        .collect();
    let settings = fetchlab_conformance::quick()
        .concurrency(WORKERS)
        .build()
        .expect("valid settings");
    let downloader = ThreadPoolDownloader::new(settings).expect("valid");
    let env = RunEnv::new(Arc::new(HashStore::new()));
    let report = downloader
        .download(&JobList::from_jobs(jobs), &env)
        .expect("runs");
    assert_eq!(report.counts().downloaded, JOBS, "every job saved");
}

fn count_threads_of_a_child() {
    if Command::new("strace").arg("-V").output().is_err() {
        eprintln!("skipped: strace is not installed");
        return;
    }
    let server = TestServer::start(ServerConfig::default()).expect("server");
    let dir = tempfile::tempdir().expect("temp dir");
    let trace = dir.path().join("trace");
    let me = std::env::current_exe().expect("test binary");
    let child = Command::new("strace")
        .args(["-f", "-qq", "-e", "trace=clone,clone3,fork,vfork", "-o"])
        .arg(&trace)
        .arg(&me)
        .args(["--exact", NAME, "--nocapture", "--test-threads=1"])
        .env(BASE_URL, server.base_url())
        .output()
        .expect("strace runs");
    let stderr = String::from_utf8_lossy(&child.stderr);
    if !child.status.success() && stderr.contains("ptrace") {
        eprintln!("skipped: strace cannot trace here: {stderr}");
        return;
    }
    assert!(child.status.success(), "child failed: {stderr}");
    let threads = thread_starts(&trace);
    eprintln!("{threads} threads started for {JOBS} jobs at {WORKERS} workers");
    assert!(
        threads <= WORKERS + OTHERS,
        "{threads} threads started, at most {} allowed",
        WORKERS + OTHERS
    );
    assert!(threads >= WORKERS, "the trace saw the workers start");
}

/// How many clone/fork calls an strace log records (each call's first
/// line; `<... clone3 resumed>` lines continue one already counted).
fn thread_starts(trace: &Path) -> usize {
    let log = std::fs::read_to_string(trace).expect("strace log");
    let calls = ["clone(", "clone3(", "fork(", "vfork("];
    log.lines()
        .filter(|line| calls.iter().any(|call| line.contains(call)))
        .count()
}
