//! The `processes` strategy with real child `fetchlab` processes: outcome
//! order and counts, a child killed mid-run, a cancel, a store the
//! children cannot share, settings the children refuse.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fetchlab_core::{
    CancelToken, DirStore, Downloader, Error, FailureKind, HashStore, Job, JobList, Outcome,
    Progress, RunEnv, Settings, Status,
};
use fetchlab_processes::ProcessPoolDownloader;
use fetchlab_server::{ServerConfig, TestServer};

fn program() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_fetchlab"))
}

fn pool(concurrency: usize, processes: usize) -> ProcessPoolDownloader {
    let settings = Settings::builder()
        .concurrency(concurrency)
        .retries(0)
        .build()
        .expect("valid settings");
    ProcessPoolDownloader::new(settings, program())
        .expect("the fetchlab binary is a file")
        .with_processes(processes)
}

fn server(latency: Duration) -> TestServer {
    TestServer::start(ServerConfig::default().with_latency(latency)).expect("a test server")
}

fn seed(server: &TestServer, n: usize) -> JobList {
    let mut jobs = JobList::seed(&server.base_url()).expect("the seed list");
    jobs.truncate(n);
    jobs
}

fn dir_env() -> (tempfile::TempDir, RunEnv) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = DirStore::new(dir.path().join("out")).expect("a store");
    (dir, RunEnv::new(Arc::new(store)))
}

/// Counts starts and outcomes, and runs `on_start` at the first start.
struct Watch<F: Fn() + Send + Sync> {
    started: AtomicUsize,
    finished: Mutex<Vec<String>>,
    first: AtomicBool,
    on_start: F,
}

impl<F: Fn() + Send + Sync> Watch<F> {
    fn new(on_start: F) -> Arc<Self> {
        Arc::new(Self {
            started: AtomicUsize::new(0),
            finished: Mutex::new(Vec::new()),
            first: AtomicBool::new(true),
            on_start,
        })
    }
}

impl<F: Fn() + Send + Sync> Progress for Watch<F> {
    fn started(&self, _job: &Job) {
        self.started.fetch_add(1, Ordering::SeqCst);
        if self.first.swap(false, Ordering::SeqCst) {
            (self.on_start)();
        }
    }

    fn finished(&self, outcome: &Outcome) {
        let name = outcome.job.name().to_owned();
        self.finished.lock().unwrap().push(name);
    }
}

#[test]
fn outcomes_are_one_per_job_in_order_from_three_children() {
    let server = server(Duration::ZERO);
    let mut jobs: Vec<Job> = seed(&server, 30).jobs().to_vec();
    jobs.push(Job::with_name(
        format!("{}missing.jpg", server.base_url()),
        "missing.jpg",
    ));
    let jobs = JobList::from_jobs(jobs);
    let (dir, env) = dir_env();
    let watch = Watch::new(|| {});
    let env = env.with_progress(watch.clone());
    let report = pool(6, 3).download(&jobs, &env).expect("the run");
    let names: Vec<&str> = report.outcomes.iter().map(|o| o.job.name()).collect();
    let want: Vec<&str> = jobs.iter().map(Job::name).collect();
    assert_eq!(names, want, "one outcome per job, in list order");
    let counts = report.counts();
    assert_eq!(
        (counts.downloaded, counts.not_found, counts.errors),
        (30, 1, 0),
        "{counts:?}"
    );
    assert_eq!(report.strategy, "processes");
    assert_eq!(watch.finished.lock().unwrap().len(), 31);
    assert_eq!(watch.started.load(Ordering::SeqCst), 31);
    assert_eq!(server.stats().requests, 31, "no job downloaded twice");
    let saved = std::fs::read_dir(dir.path().join("out")).unwrap().count();
    assert_eq!(saved, 30);
}

/// The pids of this process's children whose command line holds `arg`.
fn children_with(arg: &str) -> Vec<i32> {
    let mut pids = Vec::new();
    for task in std::fs::read_dir("/proc/self/task").unwrap().flatten() {
        let children = std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
        for pid in children
            .split_whitespace()
            .filter_map(|p| p.parse::<i32>().ok())
        {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            if cmdline.split(|&b| b == 0).any(|a| a == arg.as_bytes()) {
                pids.push(pid);
            }
        }
    }
    pids
}

#[test]
fn a_killed_child_fails_its_own_unfinished_jobs_naming_it() {
    if !std::path::Path::new("/proc/self/task").exists() {
        eprintln!("skipped: no /proc to find the children by");
        return;
    }
    let server = server(Duration::from_millis(300));
    let jobs = seed(&server, 12);
    let (_dir, env) = dir_env();
    let killed = Arc::new(AtomicUsize::new(0));
    let kills = Arc::clone(&killed);
    let watch = Watch::new(move || {
        // No other test runs five children, so "0/5" is this run's.
        for pid in children_with("0/5") {
            // SAFETY: kill has no memory effects; the pid is our child's.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            kills.fetch_add(1, Ordering::SeqCst);
        }
    });
    let env = env.with_progress(watch);
    let report = pool(5, 5).download(&jobs, &env).expect("the run");
    assert_eq!(
        killed.load(Ordering::SeqCst),
        1,
        "child 0/5 was found and killed"
    );
    assert_eq!(report.outcomes.len(), jobs.len());
    let shard0 = fetchlab_core::Shard::new(0, 5).unwrap();
    let mut failed = 0;
    for outcome in &report.outcomes {
        if shard0.holds(outcome.job.name()) {
            match &outcome.status {
                Status::Saved { .. } => {}
                Status::Failed(failure) => {
                    failed += 1;
                    assert_eq!(failure.kind, FailureKind::Io, "{failure}");
                    assert!(
                        failure.detail.contains("child fetchlab process 0/5")
                            && failure.detail.contains("killed by signal 9"),
                        "{failure}"
                    );
                }
                other => panic!("{}: {other:?}", outcome.job.name()),
            }
        } else {
            fetchlab_conformance::assert_saved(outcome);
        }
    }
    assert!(failed >= 1, "the killed child's job in flight failed");
}

#[test]
fn a_cancel_stops_the_children_and_ends_their_jobs_cancelled() {
    let server = server(Duration::from_secs(2));
    let jobs = seed(&server, 20);
    let (_dir, env) = dir_env();
    let cancel = CancelToken::new();
    let canceller = cancel.clone();
    let watch = Watch::new(move || canceller.cancel());
    let env = env.with_progress(watch.clone()).with_cancel(cancel);
    let start = Instant::now();
    let report = pool(4, 2).download(&jobs, &env).expect("the run");
    assert!(
        start.elapsed() < Duration::from_secs(15),
        "20 jobs of 2 s at 4 in flight take 10 s; a cancel must stop far sooner"
    );
    assert_eq!(report.outcomes.len(), 20);
    let cancelled = report
        .outcomes
        .iter()
        .filter(|o| {
            o.failure()
                .is_some_and(|f| f.kind == FailureKind::Cancelled)
        })
        .count();
    assert_eq!(cancelled, 20, "{:?}", report.counts());
    assert_eq!(watch.finished.lock().unwrap().len(), 20);
}

#[test]
fn a_store_the_children_cannot_share_is_refused() {
    let server = server(Duration::ZERO);
    let env = RunEnv::new(Arc::new(HashStore::new()));
    let err = pool(2, 2).download(&seed(&server, 3), &env).unwrap_err();
    assert!(matches!(err, Error::Backend { .. }), "{err}");
    assert!(err.to_string().contains("directory store"), "{err}");
    assert_eq!(server.stats().requests, 0);
}

#[test]
fn a_missing_program_is_refused_when_built() {
    let err = ProcessPoolDownloader::new(Settings::default(), "/nonexistent/fetchlab".into())
        .unwrap_err();
    assert!(err.to_string().contains("/nonexistent/fetchlab"), "{err}");
}

#[test]
fn a_child_that_refuses_its_settings_fails_its_jobs_with_its_stderr() {
    let server = server(Duration::ZERO);
    let jobs = seed(&server, 4);
    let (_dir, env) = dir_env();
    // A strategy the child does not know: it exits 2 before any request.
    let report = pool(2, 2)
        .with_inner("fibers")
        .download(&jobs, &env)
        .expect("the run");
    for outcome in &report.outcomes {
        let failure = outcome.failure().expect("failed");
        assert!(
            failure.detail.contains("exited with status 2") && failure.detail.contains("fibers"),
            "{failure}"
        );
    }
    assert_eq!(server.stats().requests, 0);
}

#[test]
fn download_refuses_an_invalid_settings_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut value = serde_json::to_value(Settings::default()).unwrap();
    value["concurrency"] = 0.into();
    let file = dir.path().join("settings.json");
    std::fs::write(&file, value.to_string()).unwrap();
    let output = std::process::Command::new(program())
        .args(["download", "--settings-json"])
        .arg(&file)
        .args(["-o"])
        .arg(dir.path().join("out"))
        .arg("http://127.0.0.1:9/a.jpg")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("concurrency"), "{stderr}");
}
