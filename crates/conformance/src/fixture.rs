//! What every case needs: a server, quick settings, a run, and checks on
//! the output directory.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use fetchlab_core::store::TEMP_PREFIX;
use fetchlab_core::{DirStore, Downloader, FailureKind, JobList, Outcome, Report, RunEnv, Status};
use fetchlab_server::{ServerConfig, TestServer};

/// Quick settings for tests: short timeouts and backoff, two retries.
pub fn quick() -> fetchlab_core::SettingsBuilder {
    fetchlab_core::Settings::builder()
        .concurrency(4)
        .retries(2)
        .timeouts(
            Duration::from_secs(2),
            Duration::from_millis(800),
            Duration::from_secs(5),
        )
        .backoff(Duration::from_millis(10), Duration::from_millis(50))
        .max_body_bytes(1 << 20)
}

/// [`quick`], built.
pub fn quick_settings() -> fetchlab_core::Settings {
    quick().build().expect("the quick settings are valid")
}

/// The first `n` jobs of the seed list on `server`.
pub fn seed_jobs(server: &TestServer, n: usize) -> JobList {
    let mut jobs = JobList::seed(&server.base_url()).expect("seed list");
    jobs.truncate(n);
    jobs
}

/// Starts a server or fails the test.
pub fn server(config: ServerConfig) -> TestServer {
    TestServer::start(config).expect("the test server starts on 127.0.0.1:0")
}

/// A server with the default seed corpus and no latency.
pub fn plain_server() -> TestServer {
    server(ServerConfig::default())
}

/// An output directory and a store writing into it.
pub struct Output {
    /// Keeps the temporary directory alive; `dir` is inside it.
    _root: tempfile::TempDir,
    /// Where files are saved (a subdirectory, so escapes can be detected).
    pub dir: PathBuf,
    /// The store over `dir`.
    pub store: Arc<DirStore>,
}

impl Output {
    /// A fresh, empty output directory.
    pub fn new() -> Self {
        let root = tempfile::tempdir().expect("a temporary directory");
        let dir = root.path().join("out");
        let store = Arc::new(DirStore::new(&dir).expect("the output directory is writable"));
        Self {
            _root: root,
            dir,
            store,
        }
    }

    /// The root the output directory lives in (to see escapes).
    pub fn root(&self) -> &Path {
        self._root.path()
    }

    /// Runs `downloader` over `jobs` into this directory.
    pub fn run(&self, downloader: &dyn Downloader, jobs: &JobList) -> Report {
        let env = RunEnv::new(self.store.clone());
        run_with(downloader, jobs, &env)
    }

    /// File names in the output directory, sorted.
    pub fn files(&self) -> Vec<String> {
        list(&self.dir)
    }

    /// Fails if any temporary or partial file is left.
    pub fn assert_no_temp_files(&self) {
        let temps: Vec<String> = self
            .files()
            .into_iter()
            .filter(|name| name.starts_with(TEMP_PREFIX))
            .collect();
        assert!(temps.is_empty(), "temporary files left behind: {temps:?}");
    }
}

/// Runs and checks the universal contract: one outcome per job, in order.
pub fn run_with(downloader: &dyn Downloader, jobs: &JobList, env: &RunEnv) -> Report {
    let report = downloader
        .download(jobs, env)
        .unwrap_or_else(|err| panic!("{} refused to run: {err}", downloader.name()));
    let got: Vec<&str> = report.outcomes.iter().map(|o| o.job.url()).collect();
    let want: Vec<&str> = jobs.iter().map(|j| j.url()).collect();
    assert_eq!(got, want, "exactly one outcome per job, in job order");
    report
}

/// Sorted file names in `dir`.
pub fn list(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| {
            let entry = entry.expect("a directory entry");
            entry.file_name().to_string_lossy().into_owned()
        })
        .collect();
    names.sort();
    names
}

/// Jobs for `paths` on `server` (paths without the leading slash).
pub fn jobs_for(server: &TestServer, paths: &[&str]) -> JobList {
    let urls: Vec<String> = paths.iter().map(|p| server.url(p)).collect();
    JobList::from_urls(urls.iter().map(String::as_str)).expect("valid test URLs")
}

/// Asserts a saved file equals the corpus file of the same name.
pub fn assert_file_matches_corpus(server: &TestServer, dir: &Path, name: &str) {
    assert_saved_as(server, dir, name, name);
}

/// Asserts the file saved as `saved` equals the corpus file `name`.
pub fn assert_saved_as(server: &TestServer, dir: &Path, saved: &str, name: &str) {
    let expected = server
        .corpus()
        .get(name)
        .unwrap_or_else(|| panic!("{name} is in the corpus"));
    let bytes = std::fs::read(dir.join(saved)).unwrap_or_else(|e| panic!("{saved} saved: {e}"));
    assert_eq!(bytes.len(), expected.body.len(), "{saved}: size");
    assert_eq!(
        fetchlab_core::store::sha256_hex(&bytes),
        expected.sha256,
        "{saved}: checksum"
    );
}

/// The only outcome of a one-job report.
pub fn only(report: &Report) -> &Outcome {
    assert_eq!(report.outcomes.len(), 1, "one job, one outcome");
    &report.outcomes[0]
}

/// Asserts an outcome is a success, naming its job and status if not.
#[track_caller]
pub fn assert_saved(outcome: &Outcome) {
    assert!(
        outcome.is_success(),
        "{}: {:?}",
        outcome.job.name(),
        outcome.status
    );
}

/// Asserts an outcome failed with `kind` after `attempts` requests.
pub fn assert_failed(outcome: &Outcome, kinds: &[FailureKind], attempts: u32) {
    match &outcome.status {
        Status::Failed(failure) => assert!(
            kinds.contains(&failure.kind),
            "{}: expected one of {kinds:?}, got {failure}",
            outcome.job.url()
        ),
        other => panic!("{}: expected a failure, got {other:?}", outcome.job.url()),
    }
    assert_eq!(
        outcome.attempts,
        attempts,
        "{}: attempts",
        outcome.job.url()
    );
}
