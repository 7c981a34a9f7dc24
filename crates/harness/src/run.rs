//! Running a scenario: every point, every strategy and every command, a
//! number of runs, into a [`ResultTable`], with progress events for a user
//! interface.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use fetchlab_core::{Outcome, Progress};

use crate::command::CommandSpec;
use crate::command::session::{CommandMeasurement, CommandSession};
use crate::error::HarnessError;
use crate::fdlimit;
use crate::measure::{Measurement, PointRunner};
use crate::provenance::Provenance;
use crate::scenario::{Point, Scenario};
use crate::server::{ServerMode, ServerSource};
use crate::strategy::{Programs, Strategy};
use crate::table::{ResultTable, Row};

/// How to run a comparison.
#[derive(Debug, Clone)]
pub struct CompareOptions {
    /// The strategies, in table order.
    pub strategies: Vec<Strategy>,
    /// Measured runs per strategy and point (at least 1).
    pub runs: usize,
    /// Commands run as rows after the strategies, in table order.
    pub commands: Vec<CommandSpec>,
    /// How long one run of a command may take before its process group is
    /// killed and its row fails.
    pub time_limit: Duration,
    /// Where the server runs.
    pub server: ServerSource,
    /// The exact command line, recorded with the results.
    pub command: String,
    /// The programs strategies may start (the `processes` row's
    /// `fetchlab`).
    pub programs: Programs,
}

/// The default [`CompareOptions::time_limit`]: far above any run of the
/// seed workload (the book's sequential loop takes about 10 s).
pub const DEFAULT_TIME_LIMIT: Duration = Duration::from_secs(120);

impl Default for CompareOptions {
    fn default() -> Self {
        Self {
            strategies: Strategy::ALL.to_vec(),
            runs: 3,
            commands: Vec::new(),
            time_limit: DEFAULT_TIME_LIMIT,
            server: ServerSource::InProcess,
            command: String::new(),
            programs: Programs::default(),
        }
    }
}

/// What is happening, for a progress display. Delivered on the calling
/// thread, except [`Event::JobFinished`], which comes from the backend's
/// workers.
#[derive(Debug)]
pub enum Event<'a> {
    /// A point of the scenario begins (its corpus is being generated).
    PointStarted {
        /// The scenario.
        scenario: &'a Scenario,
        /// The point.
        point: &'a Point,
    },
    /// A server is up for the next strategy's runs.
    ServerStarted {
        /// Its base URL.
        base_url: &'a str,
        /// Where it runs.
        mode: ServerMode,
    },
    /// A run begins.
    RunStarted {
        /// The strategy.
        strategy: Strategy,
        /// 1-based run number.
        run: usize,
        /// Runs in all.
        runs: usize,
        /// Jobs in the run.
        jobs: usize,
    },
    /// A job of the current run has its outcome.
    JobFinished {
        /// The strategy.
        strategy: Strategy,
        /// Jobs finished so far in this run.
        done: usize,
        /// Jobs in the run.
        total: usize,
    },
    /// A run ended and was verified.
    RunFinished {
        /// The strategy.
        strategy: Strategy,
        /// 1-based run number.
        run: usize,
        /// What it measured.
        measurement: &'a Measurement,
    },
    /// A strategy refused this point (e.g. a concurrency above its ceiling).
    Refused {
        /// The strategy.
        strategy: Strategy,
        /// Its reason.
        reason: &'a str,
    },
    /// A run of a command row begins.
    CommandStarted {
        /// The row's name.
        name: &'a str,
        /// 1-based run number.
        run: usize,
        /// Runs at most (a failed run is the last).
        runs: usize,
        /// Files the command is to save.
        jobs: usize,
    },
    /// A run of a command ended and its directory was checked.
    CommandFinished {
        /// The row's name.
        name: &'a str,
        /// 1-based run number.
        run: usize,
        /// What it measured.
        measurement: &'a CommandMeasurement,
    },
    /// Something the user should know (e.g. the in-process server fallback).
    Note(&'a str),
}

/// Receives [`Event`]s. [`Event::JobFinished`] comes from a watcher thread
/// (started before any measurement, so it is not counted as the backend's),
/// everything else from the calling thread; never two at once.
pub type EventSink<'a> = &'a (dyn Fn(&Event<'_>) + Send + Sync);

/// Runs `scenario` as `options` say and returns its table.
pub fn compare(
    scenario: &Scenario,
    options: &CompareOptions,
    on_event: EventSink<'_>,
) -> Result<ResultTable, HarnessError> {
    fdlimit::raise_fd_limit();
    let watch = Arc::new(JobWatch::default());
    std::thread::scope(|scope| {
        scope.spawn(|| watch.deliver(on_event));
        let result = run_points(scenario, options, on_event, &watch);
        watch.stop();
        result
    })
}

fn run_points(
    scenario: &Scenario,
    options: &CompareOptions,
    on_event: EventSink<'_>,
    watch: &Arc<JobWatch>,
) -> Result<ResultTable, HarnessError> {
    let mut table = ResultTable::new(scenario, Provenance::capture(&options.command));
    for point in &scenario.points {
        on_event(&Event::PointStarted { scenario, point });
        let runner = PointRunner::new(&point.workload, options.server.clone())?
            .with_programs(options.programs.clone());
        for strategy in scenario.strategies_at(point, &options.strategies) {
            table.push(run_strategy(
                &runner, point, strategy, options, on_event, watch,
            )?);
        }
        for spec in &options.commands {
            table.push(run_command(&runner, point, spec, options, on_event)?);
        }
    }
    Ok(table)
}

fn run_strategy(
    runner: &PointRunner,
    point: &Point,
    strategy: Strategy,
    options: &CompareOptions,
    on_event: EventSink<'_>,
    watch: &Arc<JobWatch>,
) -> Result<Row, HarnessError> {
    let ideal = runner.ideal().as_secs_f64();
    if let Some(reason) = runner.refusal(strategy)? {
        on_event(&Event::Refused {
            strategy,
            reason: &reason,
        });
        return Ok(Row::refused(point, strategy, ideal, reason));
    }
    let mut session = runner.session(strategy, &mut |note| on_event(&Event::Note(&note)))?;
    on_event(&Event::ServerStarted {
        base_url: session.base_url(),
        mode: session.server_mode(),
    });
    let runs = options.runs.max(1);
    let jobs = point.workload.jobs;
    let mut measured = Vec::new();
    for run in 1..=runs {
        on_event(&Event::RunStarted {
            strategy,
            run,
            runs,
            jobs,
        });
        watch.begin(strategy, jobs);
        let result = session.run_once(Arc::clone(watch) as Arc<dyn Progress>);
        watch.end();
        let measurement = result?;
        on_event(&Event::RunFinished {
            strategy,
            run,
            measurement: &measurement,
        });
        measured.push(measurement);
    }
    // `runs >= 1`, so there is at least one measurement.
    Row::measured(point, ideal, &measured)
        .ok_or_else(|| HarnessError::Workload("no measured run".into()))
}

fn run_command(
    runner: &PointRunner,
    point: &Point,
    spec: &CommandSpec,
    options: &CompareOptions,
    on_event: EventSink<'_>,
) -> Result<Row, HarnessError> {
    let mut session =
        CommandSession::start(runner, spec, &mut |note| on_event(&Event::Note(&note)))?;
    let runs = options.runs.max(1);
    let mut measured = Vec::new();
    for run in 1..=runs {
        on_event(&Event::CommandStarted {
            name: &spec.name,
            run,
            runs,
            jobs: point.workload.jobs,
        });
        let measurement = session.run_once(options.time_limit)?;
        on_event(&Event::CommandFinished {
            name: &spec.name,
            run,
            measurement: &measurement,
        });
        let failed = measurement.failure.is_some();
        measured.push(measurement);
        if failed {
            break;
        }
    }
    // `runs >= 1`, so there is at least one measurement.
    Row::command(point, runner.ideal().as_secs_f64(), spec, &measured)
        .ok_or_else(|| HarnessError::Workload("no measured run".into()))
}

/// Counts finished jobs for the backend (cheap: one atomic add), and turns
/// the count into [`Event::JobFinished`] on its own thread, at most every
/// 50 ms, so that a slow progress display never slows a measured run.
#[derive(Default)]
struct JobWatch {
    /// The run being watched (strategy, jobs), `None` between runs; the
    /// watcher holds this lock while it delivers, so after [`JobWatch::end`]
    /// no event of the ended run can arrive.
    run: Mutex<Option<(Strategy, usize)>>,
    wake: Condvar,
    done: AtomicUsize,
    stopped: AtomicBool,
}

impl JobWatch {
    fn begin(&self, strategy: Strategy, total: usize) {
        self.done.store(0, Ordering::Relaxed);
        *lock(&self.run) = Some((strategy, total));
    }

    fn end(&self) {
        *lock(&self.run) = None;
    }

    fn stop(&self) {
        self.stopped.store(true, Ordering::Relaxed);
        let _guard = lock(&self.run);
        self.wake.notify_all();
    }

    /// The watcher thread's loop.
    fn deliver(&self, on_event: EventSink<'_>) {
        let mut reported = usize::MAX;
        let mut run = lock(&self.run);
        while !self.stopped.load(Ordering::Relaxed) {
            let done = self.done.load(Ordering::Relaxed);
            if let Some((strategy, total)) = *run {
                if done != reported {
                    on_event(&Event::JobFinished {
                        strategy,
                        done,
                        total,
                    });
                    reported = done;
                }
            } else {
                reported = usize::MAX;
            }
            run = self
                .wake
                .wait_timeout(run, Duration::from_millis(50))
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }
}

impl Progress for JobWatch {
    fn finished(&self, _outcome: &Outcome) {
        self.done.fetch_add(1, Ordering::Relaxed);
    }
}

/// A poisoned lock still holds a valid `Option`.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
