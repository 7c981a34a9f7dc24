//! [`ProcessPoolDownloader`]: child `fetchlab download` processes, one
//! shard of the list each, the Rust spelling of the book's
//! `ProcessPoolExecutor`.

use std::any::Any;
use std::io::{BufRead, BufReader};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::ChildStdout;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use fetchlab_core::store::Durability;
use fetchlab_core::{
    Counts, Downloader, Error, Failure, FailureKind, Job, JobList, Outcome, Progress, Report,
    RunEnv, Settings, Shard, ShardReport, Status, merge_reports,
};

use crate::child::{self, CANCEL_GRACE, ChildProcess, Spawn};
use crate::plan;
use crate::protocol::{self, Event};

/// The strategy's name.
pub const NAME: &str = "processes";

/// What each child runs unless told otherwise: the thread pool, the
/// strategy a process pool is compared with.
pub const DEFAULT_INNER: &str = "threads";

/// Runs P child `fetchlab download` processes (see [`crate::plan`] for P
/// and how the concurrency is split), child k on shard k of P of the list,
/// all saving into the run's directory store. Outcomes and progress come
/// back as event lines while the children run; the children's shard
/// reports are merged and checked against them.
#[derive(Debug, Clone)]
pub struct ProcessPoolDownloader {
    settings: Settings,
    program: PathBuf,
    processes: usize,
    inner: String,
}

impl ProcessPoolDownloader {
    /// A pool that starts `program` (a `fetchlab` binary) as its children,
    /// one per core (see [`plan::default_processes`]), each running
    /// [`DEFAULT_INNER`]. Fails when `program` is not a file.
    pub fn new(settings: Settings, program: PathBuf) -> Result<Self, Error> {
        if !program.is_file() {
            return Err(Error::backend(
                NAME,
                format!(
                    "the child program {} is not a file (it must be a fetchlab binary)",
                    program.display()
                ),
            ));
        }
        Ok(Self {
            settings,
            program,
            processes: plan::default_processes(),
            inner: DEFAULT_INNER.to_owned(),
        })
    }

    /// The same pool asking for `processes` children (at least 1; a run
    /// may start fewer, see [`crate::plan`]).
    pub fn with_processes(mut self, processes: usize) -> Self {
        self.processes = processes.max(1);
        self
    }

    /// The same pool with its children running strategy `inner` (a name
    /// `fetchlab download --strategy` accepts).
    pub fn with_inner(mut self, inner: impl Into<String>) -> Self {
        self.inner = inner.into();
        self
    }

    /// The settings of the whole run.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// How many children a run asks for.
    pub fn processes(&self) -> usize {
        self.processes
    }

    /// The strategy each child runs.
    pub fn inner(&self) -> &str {
        &self.inner
    }
}

impl Downloader for ProcessPoolDownloader {
    fn name(&self) -> &'static str {
        NAME
    }

    fn client_library(&self) -> &'static str {
        crate::CLIENT_LIBRARY
    }

    fn download(&self, jobs: &JobList, env: &RunEnv) -> Result<Report, Error> {
        let start = Instant::now();
        let Some((dir, durability)) = env.store.directory() else {
            return Err(Error::backend(
                NAME,
                "its child processes can only share a directory store (DirStore); \
                 this store lives in this process only",
            ));
        };
        // The children check the directory through stores of their own,
        // which their runs tell; this store is told all the same, as by
        // every downloader.
        env.store.run_starting();
        let slots = Slots::new(jobs);
        if env.cancel.is_cancelled() || jobs.is_empty() {
            for (index, job) in jobs.iter().enumerate() {
                let outcome = Outcome::cancelled(job.clone(), 0, std::time::Duration::ZERO);
                slots.finish(index, outcome, env.progress.as_ref());
            }
            return Ok(Report::new(NAME, slots.into_outcomes(), start.elapsed()));
        }
        let control = tempfile::Builder::new()
            .prefix("fetchlab-processes-")
            .tempdir()
            .map_err(|e| Error::backend_caused(NAME, "cannot make its control directory", e))?;
        let jobs_file = control.path().join("jobs.json");
        protocol::write_jobs(&jobs_file, jobs)
            .map_err(|e| Error::backend_caused(NAME, "cannot write the jobs file", e))?;
        let n = plan::process_count(&self.settings, self.processes, jobs.len());
        let shards = shards(jobs, n)?;
        let run = Run {
            pool: self,
            control: control.path(),
            jobs_file: &jobs_file,
            dir,
            durability,
            n,
        };

        // Children are started before the cancel hook is registered, so
        // that the hook sees all of them; one cancelled meanwhile is
        // interrupted at once by `on_cancel` itself.
        let mut started = Vec::new();
        for (k, shard) in shards.iter().enumerate() {
            if shard.is_empty() {
                continue;
            }
            started.push((k, run.spawn(k)?));
        }
        let cancellers: Vec<_> = started
            .iter()
            .filter_map(|(_, spawned)| spawned.as_ref().ok().map(|(c, _)| c.canceller()))
            .collect();
        let cancel_hook = env.cancel.on_cancel(move || {
            for canceller in &cancellers {
                canceller.cancel();
            }
        });

        let ends: Vec<ChildEnd> = std::thread::scope(|scope| {
            let readers: Vec<_> = started
                .into_iter()
                .map(|(k, spawned)| {
                    let (shards, slots) = (&shards, &slots);
                    let reader =
                        scope.spawn(move || run.supervise(k, spawned, &shards[k], slots, env));
                    (k, reader)
                })
                .collect();
            readers
                .into_iter()
                .map(|(k, reader)| reader.join().unwrap_or_else(|_| ChildEnd::lost(k)))
                .collect()
        });
        drop(cancel_hook);

        let cancelled = env.cancel.is_cancelled();
        for end in &ends {
            for &index in &shards[end.k] {
                if slots.is_finished(index) {
                    continue;
                }
                let job = slots.job(index);
                let outcome = if cancelled {
                    Outcome::cancelled(job, 0, std::time::Duration::ZERO)
                } else {
                    Outcome::lost(job, &end.reason)
                };
                slots.finish(index, outcome, env.progress.as_ref());
            }
        }
        let outcomes = slots.into_outcomes();
        check_reports(&ends, &shards, &outcomes, jobs)?;
        Ok(Report::new(NAME, outcomes, start.elapsed()))
    }
}

/// The indexes of the jobs in each of `n` shards.
fn shards(jobs: &JobList, n: usize) -> Result<Vec<Vec<usize>>, Error> {
    (0..n)
        .map(|k| {
            let shard = Shard::new(k, n).map_err(|e| Error::backend(NAME, e.to_string()))?;
            Ok(jobs
                .iter()
                .enumerate()
                .filter(|(_, job)| n == 1 || shard.holds(job.name()))
                .map(|(i, _)| i)
                .collect())
        })
        .collect()
}

/// What one run shares with its supervisors.
#[derive(Clone, Copy)]
struct Run<'a> {
    pool: &'a ProcessPoolDownloader,
    control: &'a Path,
    jobs_file: &'a Path,
    dir: &'a Path,
    durability: Durability,
    n: usize,
}

type Spawned = Result<(ChildProcess, ChildStdout), String>;

impl Run<'_> {
    fn label(&self, k: usize) -> String {
        format!("child fetchlab process {k}/{}", self.n)
    }

    /// Starts child `k`; a child that cannot be started is an `Err` in
    /// words (its jobs fail with it), a settings file that cannot be
    /// written stops the run.
    fn spawn(&self, k: usize) -> Result<Spawned, Error> {
        let settings = plan::child_settings(&self.pool.settings, k, self.n)?;
        let settings_file = child::control_file(self.control, "settings", k);
        let json = serde_json::to_vec(&settings)
            .map_err(|e| Error::backend_caused(NAME, "cannot serialise the settings", e))?;
        std::fs::write(&settings_file, json)
            .map_err(|e| Error::backend_caused(NAME, "cannot write a settings file", e))?;
        let path = |p: &Path| p.display().to_string();
        let mut args = vec![
            "download".to_owned(),
            "--settings-json".to_owned(),
            path(&settings_file),
            "--jobs-json".to_owned(),
            path(self.jobs_file),
            "--events".to_owned(),
            "--quiet".to_owned(),
            "--shard".to_owned(),
            format!("{k}/{}", self.n),
            "--report".to_owned(),
            path(&child::control_file(self.control, "report", k)),
            "--strategy".to_owned(),
            self.pool.inner.clone(),
            "--output".to_owned(),
            path(self.dir),
        ];
        if self.durability == Durability::Durable {
            args.push("--durable".to_owned());
        }
        let label = self.label(k);
        Ok(ChildProcess::spawn(Spawn {
            program: &self.pool.program,
            args,
            label: label.clone(),
        })
        .map_err(|e| format!("{label} could not be started: {e}")))
    }

    /// Reads child `k`'s events into `slots` until its output ends, then
    /// reaps it.
    fn supervise(
        &self,
        k: usize,
        spawned: Spawned,
        shard: &[usize],
        slots: &Slots,
        env: &RunEnv,
    ) -> ChildEnd {
        let (child, stdout) = match spawned {
            Ok(spawned) => spawned,
            Err(reason) => {
                return ChildEnd {
                    k,
                    reason,
                    report: None,
                };
            }
        };
        let mut stray = None;
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            match Event::parse(&line) {
                Some(Event::Started { index }) => {
                    if let Some(&global) = shard.get(index) {
                        slots.start(global, env.progress.as_ref());
                    }
                }
                Some(Event::Finished {
                    index,
                    status,
                    attempts,
                    elapsed,
                }) => {
                    if let Some(&global) = shard.get(index) {
                        let job = slots.job(global);
                        let outcome = Event::outcome(status, attempts, elapsed, job);
                        slots.finish(global, outcome, env.progress.as_ref());
                    }
                }
                None => {
                    stray.get_or_insert(line);
                }
            }
        }
        let grace = env.cancel.is_cancelled().then_some(CANCEL_GRACE);
        let who = child.describe();
        let (status, stderr) = child.finish(grace);
        let mut reason = format!("{who} {}", child::exit_words(status));
        if let Some(line) = stray {
            reason.push_str(&format!("; it printed {line:?}"));
        }
        if !stderr.is_empty() {
            reason.push_str(&format!("; its stderr: {stderr}"));
        }
        reason.push_str(" before this job finished");
        let report_file = child::control_file(self.control, "report", k);
        let report = std::fs::read(&report_file)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<ShardReport>(&bytes).ok());
        ChildEnd { k, reason, report }
    }
}

/// How one child ended.
struct ChildEnd {
    k: usize,
    /// Why its unfinished jobs failed.
    reason: String,
    /// Its shard report, when it wrote one.
    report: Option<ShardReport>,
}

impl ChildEnd {
    fn lost(k: usize) -> ChildEnd {
        ChildEnd {
            k,
            reason: "its supervisor thread panicked".to_owned(),
            report: None,
        }
    }
}

/// The children's shard reports, merged, must add up to the outcomes their
/// events gave, shard by shard: a disagreement is a bug in the pool or the
/// child, not a result.
fn check_reports(
    ends: &[ChildEnd],
    shards: &[Vec<usize>],
    outcomes: &[Outcome],
    jobs: &JobList,
) -> Result<(), Error> {
    let reports: Vec<(String, ShardReport)> = ends
        .iter()
        .filter_map(|end| Some((format!("child {}", end.k), end.report.clone()?)))
        .collect();
    if reports.is_empty() {
        return Ok(());
    }
    let merged = merge_reports(&reports);
    if let Some(list) = &merged.list
        && list.fingerprint != jobs.fingerprint()
    {
        return Err(Error::backend(
            NAME,
            "a child's report is of another job list than the run's",
        ));
    }
    let mut expected = Counts::default();
    for (_, report) in &reports {
        let of_shard: Vec<Outcome> = shards[report.shard.index()]
            .iter()
            .map(|&i| outcomes[i].clone())
            .collect();
        let counts = Report::new(NAME, of_shard, std::time::Duration::ZERO).counts();
        if counts != report.counts {
            return Err(Error::backend(
                NAME,
                format!(
                    "child {}'s report counts {:?}, its events {:?}",
                    report.shard, report.counts, counts
                ),
            ));
        }
        expected.add(&counts);
    }
    if merged.counts != expected {
        return Err(Error::backend(
            NAME,
            format!(
                "the merged reports count {:?}, the events {expected:?}",
                merged.counts
            ),
        ));
    }
    Ok(())
}

/// One slot per job of the run: its job, whether an observer panicked on
/// its start, its outcome once known.
struct Slots {
    slots: Mutex<Vec<Slot>>,
}

struct Slot {
    job: Job,
    panicked: Option<String>,
    outcome: Option<Outcome>,
}

impl Slots {
    fn new(jobs: &JobList) -> Slots {
        let slot = |job: &Job| Slot {
            job: job.clone(),
            panicked: None,
            outcome: None,
        };
        Slots {
            slots: Mutex::new(jobs.iter().map(slot).collect()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Slot>> {
        self.slots.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn job(&self, index: usize) -> Job {
        self.lock()[index].job.clone()
    }

    fn is_finished(&self, index: usize) -> bool {
        self.lock()[index].outcome.is_some()
    }

    /// Tells `progress` that the job started; a panic there is kept, and
    /// fails the job when its outcome comes.
    fn start(&self, index: usize, progress: &dyn Progress) {
        let job = self.job(index);
        if let Err(payload) = catch_unwind(AssertUnwindSafe(|| progress.started(&job))) {
            self.lock()[index].panicked = Some(panic_message(payload.as_ref()));
        }
    }

    /// Records the outcome of job `index` (the first one counts) and tells
    /// `progress`; the core panic policy applies to the observer.
    fn finish(&self, index: usize, mut outcome: Outcome, progress: &dyn Progress) {
        if self.lock()[index].outcome.is_some() {
            return;
        }
        if let Some(message) = self.lock()[index].panicked.take() {
            outcome.status = panicked(&message);
        }
        if let Err(payload) = catch_unwind(AssertUnwindSafe(|| progress.finished(&outcome))) {
            outcome.status = panicked(&panic_message(payload.as_ref()));
            let _ = catch_unwind(AssertUnwindSafe(|| progress.finished(&outcome)));
        }
        self.lock()[index].outcome = Some(outcome);
    }

    fn into_outcomes(self) -> Vec<Outcome> {
        self.slots
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner)
            .into_iter()
            // Every slot is filled before this is called (each job is in
            // one shard, and every job of every shard gets an outcome); a
            // slot that were not would still get one.
            .map(|slot| {
                slot.outcome
                    .unwrap_or_else(|| Outcome::lost(slot.job, "no child process ran this job"))
            })
            .collect()
    }
}

fn panicked(message: &str) -> Status {
    Status::Failed(Failure::new(
        FailureKind::Io,
        format!("job panicked: {message}"),
    ))
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "(a panic without a message)".to_owned()
    }
}
