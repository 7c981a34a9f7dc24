//! What the hostile cases share: a run against the
//! [`HostileServer`] in a scene that can see
//! harm (a victim file beside the output directory), timed, with the bytes
//! the server got out and the memory the process grew by.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use fetchlab_core::{FailureKind, Job, JobList, Report, Resume, Settings, Status};

use crate::Subject;
use crate::fixture::{self, Output};
use crate::hostile::{HostileServer, Route};

/// A client that refuses a bad head or an oversized body has read at most
/// this much of it (its limit plus what the kernel buffers on loopback).
pub(crate) const SENT_BOUND: u64 = 24 << 20;

/// How much a case about memory may grow the process's peak RSS by.
pub(crate) const MEMORY_BOUND: u64 = 64 << 20;

/// The body size limit of the hostile cases.
pub(crate) const MAX_BODY: u64 = 1 << 20;

/// Settings for hostile cases: one retry, short timeouts, a 1 MiB limit.
pub(crate) fn hostile_settings() -> Settings {
    fixture::quick()
        .retries(1)
        .timeouts(
            Duration::from_secs(2),
            Duration::from_millis(500),
            Duration::from_secs(3),
        )
        .max_body_bytes(MAX_BODY)
        .build()
        .expect("the hostile settings are valid")
}

/// The longest any hostile run may take: every attempt using its whole
/// total timeout and the longest backoff, twice over.
pub(crate) fn time_bound(settings: &Settings) -> Duration {
    2 * (settings.total_timeout() + settings.backoff_max()) * (settings.retries() + 1)
}

const VICTIM: &[u8] = b"a file outside the output directory\n";

/// An output directory with a victim file beside it, outside the store.
pub(crate) struct Scene {
    /// The output directory and its store.
    pub out: Output,
    victim_mtime: SystemTime,
}

impl Scene {
    /// A fresh scene.
    pub fn new() -> Self {
        let out = Output::new();
        let victim = out.root().join("victim");
        std::fs::write(&victim, VICTIM).expect("write the victim");
        let victim_mtime = std::fs::metadata(&victim)
            .and_then(|m| m.modified())
            .expect("the victim's mtime");
        Self { out, victim_mtime }
    }

    /// Runs `jobs` into the output directory within [`time_bound`].
    pub fn run(&self, subject: &Subject, settings: Settings, jobs: &JobList) -> Report {
        let env = fetchlab_core::RunEnv::new(self.out.store.clone());
        run_bounded(subject, settings, jobs, &env)
    }

    /// The victim file outside the output directory.
    pub fn victim(&self) -> PathBuf {
        self.out.root().join("victim")
    }

    /// Asserts that nothing outside the output directory changed (the root
    /// holds only `out` and the victim, and the victim's bytes and mtime are
    /// as they were, plus any `also` listed), and that the output
    /// directory holds exactly `files`.
    pub fn assert_contained(&self, files: &[&str], also: &[&str]) {
        let mut root: Vec<&str> = vec!["out", "victim"];
        root.extend_from_slice(also);
        root.sort_unstable();
        assert_eq!(
            fixture::list(self.out.root()),
            root,
            "outside the output directory"
        );
        let victim = self.victim();
        assert_eq!(
            std::fs::read(&victim).expect("read the victim"),
            VICTIM,
            "victim bytes"
        );
        let mtime = std::fs::metadata(&victim)
            .and_then(|m| m.modified())
            .expect("mtime");
        assert_eq!(mtime, self.victim_mtime, "victim mtime");
        assert_eq!(self.out.files(), files, "the output directory");
    }
}

/// Peak and current RSS of this process, in bytes, from /proc/self/status.
fn rss() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        let kb: u64 = line[name.len()..]
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()?;
        Some(kb * 1024)
    };
    Some((field("VmHWM:")?, field("VmRSS:")?))
}

/// Cases that measure memory run one at a time, so that one's growth is
/// not another's.
static MEMORY: Mutex<()> = Mutex::new(());

/// What a hostile run saw.
pub(crate) struct Probe {
    /// The report.
    pub report: Report,
    /// How long the run took.
    pub took: Duration,
    /// Bytes the hostile server got out, once every connection ended.
    pub sent: u64,
    /// How much the peak RSS grew during the run (`None` where the
    /// process's memory cannot be read).
    pub memory_growth: Option<u64>,
}

impl Probe {
    /// The only outcome.
    pub fn outcome(&self) -> &fetchlab_core::Outcome {
        fixture::only(&self.report)
    }

    /// Asserts the memory bound (where memory can be read).
    pub fn assert_memory_bounded(&self, what: &str) {
        match self.memory_growth {
            Some(growth) => assert!(
                growth <= MEMORY_BOUND,
                "{what}: peak RSS grew by {growth} bytes, bound {MEMORY_BOUND}"
            ),
            None => println!("{what}: memory not checked: /proc/self/status unreadable"),
        }
    }
}

/// Runs `jobs` with `settings` in `scene`, measuring time, memory and the
/// server's bytes.
pub(crate) fn probe_jobs(
    subject: &Subject,
    server: &HostileServer,
    scene: &Scene,
    jobs: &JobList,
    settings: Settings,
) -> Probe {
    let bound = time_bound(&settings);
    probe_jobs_within(subject, server, scene, jobs, settings, bound)
}

/// [`probe_jobs`], asserting the run took at most `bound`.
pub(crate) fn probe_jobs_within(
    subject: &Subject,
    server: &HostileServer,
    scene: &Scene,
    jobs: &JobList,
    settings: Settings,
    bound: Duration,
) -> Probe {
    let downloader = subject.downloader(settings);
    let guard = MEMORY
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    // Resets the peak to the current RSS (Linux ≥ 4.0); where refused, the
    // growth is measured from the old peak, which can only hide growth.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let before = rss();
    let started = Instant::now();
    let report = scene.out.run(downloader.as_ref(), jobs);
    let took = started.elapsed();
    let after = rss();
    drop(guard);
    drop(downloader);
    assert!(
        server.wait_idle(Duration::from_secs(10)),
        "the client let go of every connection"
    );
    let memory_growth = match (before, after) {
        (Some((_, rss_before)), Some((hwm_after, _))) => Some(hwm_after.saturating_sub(rss_before)),
        _ => None,
    };
    println!(
        "took {took:?}; the server sent {} bytes; peak RSS grew by {memory_growth:?} bytes",
        server.bytes_sent()
    );
    assert!(took <= bound, "took {took:?}, bound {bound:?}");
    Probe {
        report,
        took,
        sent: server.bytes_sent(),
        memory_growth,
    }
}

/// Runs one job on `route` (named `name`) with the hostile settings.
pub(crate) fn probe(subject: &Subject, route: &Route, name: &str) -> (HostileServer, Scene, Probe) {
    let settings = hostile_settings();
    let bound = time_bound(&settings);
    probe_with(subject, route, name, settings, bound)
}

/// Runs one job on `route` (named `name`) with `settings`, within `bound`.
pub(crate) fn probe_with(
    subject: &Subject,
    route: &Route,
    name: &str,
    settings: Settings,
    bound: Duration,
) -> (HostileServer, Scene, Probe) {
    let server = HostileServer::start().expect("the hostile server starts");
    let scene = Scene::new();
    let jobs = JobList::from_jobs(vec![Job::with_name(server.url(route, name), name)]);
    let probe = probe_jobs_within(subject, &server, &scene, &jobs, settings, bound);
    (server, scene, probe)
}

/// Asserts `route` fails with one of `kinds` after `attempts`, leaves
/// nothing anywhere, and takes no longer than `within`.
pub(crate) fn expect_failure(
    subject: &Subject,
    route: Route,
    kinds: &[FailureKind],
    attempts: u32,
) -> Probe {
    let (_server, scene, probe) = probe(subject, &route, "hostile.bin");
    fixture::assert_failed(probe.outcome(), kinds, attempts);
    scene.assert_contained(&[], &[]);
    probe
}

/// Asserts `route` is refused on its first attempt with one of `kinds`,
/// before any timeout could fire, having read a bounded part of what the
/// server would send, in bounded memory.
pub(crate) fn expect_refused(subject: &Subject, route: Route, kinds: &[FailureKind]) -> Probe {
    let settings = hostile_settings();
    let what = format!("{route:?}");
    let probe = expect_failure(subject, route, kinds, 1);
    assert!(
        probe.took < settings.total_timeout(),
        "{what}: refused after {:?}, not before the total timeout of {:?}",
        probe.took,
        settings.total_timeout()
    );
    assert!(
        probe.sent <= SENT_BOUND,
        "{what}: the server got {} bytes out before the client let go (bound {SENT_BOUND})",
        probe.sent
    );
    probe.assert_memory_bounded(&what);
    probe
}

/// Asserts `route` saves `body` under `name` and nothing else anywhere.
pub(crate) fn expect_saved(subject: &Subject, route: Route, name: &str, body: &[u8]) -> Probe {
    let (_server, scene, probe) = probe(subject, &route, name);
    assert_eq!(
        probe.outcome().status,
        Status::Saved {
            bytes: body.len() as u64,
            resume: Resume::None,
        },
        "{route:?}"
    );
    let saved = std::fs::read(scene.out.dir.join(name)).expect("the saved file");
    assert!(
        saved == body,
        "{route:?}: saved {} bytes, not the {} sent",
        saved.len(),
        body.len()
    );
    scene.assert_contained(&[name], &[]);
    probe
}

/// Runs `jobs` with `settings` into `env`'s store and asserts the run
/// ended within [`time_bound`].
pub(crate) fn run_bounded(
    subject: &Subject,
    settings: Settings,
    jobs: &JobList,
    env: &fetchlab_core::RunEnv,
) -> Report {
    let bound = time_bound(&settings);
    let downloader = subject.downloader(settings);
    let started = Instant::now();
    let report = fixture::run_with(downloader.as_ref(), jobs, env);
    let took = started.elapsed();
    assert!(took <= bound, "took {took:?}, bound {bound:?}");
    report
}
