//! One measured run: build the backend, download every job of a point into a
//! hashing store, and record time, CPU, memory, threads, the server's
//! counters and the outcomes; then verify every body.
//!
//! One documented difference: a strategy whose children must share the
//! store ([`Strategy::needs_directory_store`], the `processes` row) runs
//! into a [`DirStore`] in a fresh temporary directory per run instead, and
//! its saved files are verified on the disk. Its CPU time counts its
//! reaped children's ([`resources::cpu_time`]), and its memory and threads
//! are sampled over the harness's process tree (less a child server,
//! [`Sampler::start_tree`]), so they count the children too.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fetchlab_core::{Counts, DirStore, HashStore, JobList, Progress, RunEnv, Status, Store};
use fetchlab_server::Corpus;

use crate::error::HarnessError;
use crate::resources::{self, Sampler, Usage};
use crate::server::{Served, ServerCounters, ServerMode, ServerSource};
use crate::strategy::{self, Programs, Strategy};
use crate::verify::Expected;
use crate::workload::Workload;

/// What one run of one strategy measured.
#[derive(Debug, Clone)]
pub struct Measurement {
    /// The strategy.
    pub strategy: Strategy,
    /// Its HTTP client, as the backend reports it.
    pub client_library: String,
    /// Wall time of `download`.
    pub wall: Duration,
    /// Client CPU time (user + system) during `download`.
    pub cpu: Duration,
    /// Outcome counts.
    pub counts: Counts,
    /// Requests the client made, retries included.
    pub requests: u64,
    /// Body bytes saved.
    pub bytes: u64,
    /// How many jobs failed, by kind (`http 503`, `timeout`, …).
    pub failure_kinds: BTreeMap<String, u64>,
    /// What the server counted.
    pub server: ServerCounters,
    /// Where the server ran.
    pub server_mode: ServerMode,
    /// Peak resident memory above the level just before the backend was built.
    pub peak_rss_delta: Option<u64>,
    /// Peak threads above the harness's own (see
    /// [`resources::harness_threads`]): a runtime's threads count in every
    /// run, even when it keeps them between runs (async-std's global one).
    pub extra_threads: Option<u64>,
}

/// Everything needed to run one point of a scenario: the workload, its
/// corpus, the checksums and the ideal time.
pub struct PointRunner {
    workload: Workload,
    corpus: Corpus,
    expected: Expected,
    ideal: Duration,
    source: ServerSource,
    programs: Programs,
}

impl PointRunner {
    /// Validates `workload` and generates its corpus.
    pub fn new(workload: &Workload, source: ServerSource) -> Result<PointRunner, HarnessError> {
        workload.validate()?;
        let corpus = Corpus::generate(&workload.corpus_spec());
        let sizes: Vec<u64> = corpus.files().iter().map(|f| f.body.len() as u64).collect();
        Ok(PointRunner {
            workload: workload.clone(),
            expected: Expected::of(&corpus),
            ideal: workload.ideal_time(&sizes),
            corpus,
            source,
            programs: Programs::default(),
        })
    }

    /// The same runner building strategies with `programs` (the
    /// `processes` strategy needs the `fetchlab` program).
    pub fn with_programs(mut self, programs: Programs) -> PointRunner {
        self.programs = programs;
        self
    }

    /// Builds `strategy` for this point.
    fn build(
        &self,
        strategy: Strategy,
        ca_pem: Option<&str>,
    ) -> Result<Box<dyn fetchlab_core::Downloader>, fetchlab_core::Error> {
        self.workload
            .settings(ca_pem)
            .and_then(|s| strategy.build_with(s, &self.programs))
    }

    /// The ideal time of this point (see [`Workload::ideal_time`]).
    pub fn ideal(&self) -> Duration {
        self.ideal
    }

    /// The workload.
    pub fn workload(&self) -> &Workload {
        &self.workload
    }

    /// The corpus the server serves.
    pub fn corpus(&self) -> &Corpus {
        &self.corpus
    }

    /// Where the server runs.
    pub fn source(&self) -> &ServerSource {
        &self.source
    }

    /// `Some(reason)` when `strategy` refuses this point's settings (a
    /// concurrency above its ceiling); an error when it cannot be built for
    /// another reason.
    ///
    /// With TLS on, the server's certificate authority exists only once a
    /// server runs, so the check trusts any certificate (`insecure`) in its
    /// place: every backend refuses or honours TLS settings as a whole.
    pub fn refusal(&self, strategy: Strategy) -> Result<Option<String>, HarnessError> {
        let settings = self.workload.settings(None).and_then(|s| {
            if self.workload.server.tls {
                Ok(s.to_builder().insecure(true).build()?)
            } else {
                Ok(s)
            }
        });
        match settings.and_then(|s| strategy.build_with(s, &self.programs)) {
            Ok(_) => Ok(None),
            Err(e) => strategy::refusal(&e)
                .map(Some)
                .ok_or(HarnessError::Backend(e)),
        }
    }

    /// Starts a server for `strategy`'s runs (a fresh one per strategy, so
    /// that its peak in-flight count is this strategy's).
    pub fn session(
        &self,
        strategy: Strategy,
        note: &mut dyn FnMut(String),
    ) -> Result<Session<'_>, HarnessError> {
        let server = Served::start(&self.source, &self.workload, &self.corpus, note)?;
        let jobs = self
            .workload
            .job_list(server.base_urls(), self.corpus.names())?;
        Ok(Session {
            runner: self,
            strategy,
            server,
            jobs,
        })
    }
}

/// A strategy's runs against one server.
pub struct Session<'a> {
    runner: &'a PointRunner,
    strategy: Strategy,
    server: Served,
    jobs: JobList,
}

impl Session<'_> {
    /// Where the server runs.
    pub fn server_mode(&self) -> ServerMode {
        self.server.mode()
    }

    /// The server's base URL.
    pub fn base_url(&self) -> &str {
        self.server.base_url()
    }

    /// One measured, verified run.
    pub fn run_once(&mut self, progress: Arc<dyn Progress>) -> Result<Measurement, HarnessError> {
        resources::trim_heap();
        let store = RunStore::new(self.strategy)?;
        let sampler = match store {
            RunStore::Hash(_) => Sampler::start(),
            RunStore::Dir(..) => Sampler::start_tree(self.server.child_pid()),
        };
        let baseline = Usage::now();
        let env = RunEnv::new(store.shared()).with_progress(progress);
        let downloader = self.runner.build(self.strategy, self.server.ca_pem())?;
        self.server.before_run();
        let cpu_start = resources::cpu_time();
        let start = Instant::now();
        let report = downloader.download(&self.jobs, &env)?;
        let wall = start.elapsed();
        let cpu = resources::cpu_time().saturating_sub(cpu_start);
        let peak = sampler.stop();
        let client_library = downloader.client_library().to_owned();
        drop(downloader);
        let server = self.server.after_run()?;
        let expected = &self.runner.expected;
        match &store {
            RunStore::Hash(hashes) => expected.verify(&report, self.jobs.len(), hashes)?,
            RunStore::Dir(dir, _) => expected.verify_dir(&report, self.jobs.len(), dir.path())?,
        }
        let delta = |f: fn(&Usage) -> u64| Some(f(&peak?).saturating_sub(f(&baseline?)));
        let threads = resources::harness_threads(baseline);
        let extra_threads = peak.zip(threads).map(|(p, t)| p.threads.saturating_sub(t));
        Ok(Measurement {
            strategy: self.strategy,
            client_library,
            wall,
            cpu,
            counts: report.counts(),
            requests: report.requests(),
            bytes: report.bytes_downloaded(),
            failure_kinds: failure_kinds(&report),
            server,
            server_mode: self.server.mode(),
            peak_rss_delta: delta(|u| u.rss),
            extra_threads,
        })
    }
}

/// Where one run saves: a hashing store, or for a strategy whose child
/// processes must share it, a directory store in a fresh temporary
/// directory (removed with it).
enum RunStore {
    Hash(HashStore),
    Dir(tempfile::TempDir, DirStore),
}

impl RunStore {
    fn new(strategy: Strategy) -> Result<RunStore, HarnessError> {
        if !strategy.needs_directory_store() {
            return Ok(RunStore::Hash(HashStore::new()));
        }
        let dir = tempfile::Builder::new()
            .prefix("fetchlab-run-")
            .tempdir()
            .map_err(|e| HarnessError::Workload(format!("cannot make a run directory: {e}")))?;
        let store = DirStore::new(dir.path())?;
        Ok(RunStore::Dir(dir, store))
    }

    fn shared(&self) -> Arc<dyn Store> {
        match self {
            RunStore::Hash(store) => Arc::new(store.clone()),
            RunStore::Dir(_, store) => Arc::new(store.clone()),
        }
    }
}

fn failure_kinds(report: &fetchlab_core::Report) -> BTreeMap<String, u64> {
    let mut kinds = BTreeMap::new();
    for outcome in &report.outcomes {
        if let Status::Failed(failure) = &outcome.status {
            *kinds.entry(failure.kind.label()).or_insert(0) += 1;
        }
    }
    kinds
}
