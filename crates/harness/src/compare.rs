//! Running a scenario: every point, every strategy, a number of runs, into a
//! [`ResultTable`], with progress events for a user interface.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use fetchlab_core::{Outcome, Progress};

use crate::error::HarnessError;
use crate::fdlimit;
use crate::measure::{Measurement, PointRunner};
use crate::provenance::Provenance;
use crate::scenario::{Point, Scenario};
use crate::server::{ServerMode, ServerSource};
use crate::strategy::Strategy;
use crate::table::{ResultTable, Row};

/// How to run a comparison.
#[derive(Debug, Clone)]
pub struct CompareOptions {
    /// The strategies, in table order.
    pub strategies: Vec<Strategy>,
    /// Measured runs per strategy and point (at least 1).
    pub runs: usize,
    /// Unmeasured runs before them (connections, caches, allocator).
    pub warmup: usize,
    /// Where the server runs.
    pub server: ServerSource,
    /// The exact command line, recorded with the results.
    pub command: String,
}

impl Default for CompareOptions {
    fn default() -> Self {
        Self {
            strategies: Strategy::ALL.to_vec(),
            runs: 3,
            warmup: 0,
            server: ServerSource::InProcess,
            command: String::new(),
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
    /// A server is up for a strategy's runs.
    ServerStarted {
        /// The strategy about to run.
        strategy: Strategy,
        /// Its base URL.
        base_url: &'a str,
        /// Where it runs.
        mode: ServerMode,
    },
    /// A run begins.
    RunStarted {
        /// The strategy.
        strategy: Strategy,
        /// 1-based run number, warm-up runs included.
        run: usize,
        /// Runs in all, warm-up runs included.
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
        /// Whether it was a warm-up run (not in the table).
        warmup: bool,
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
    /// Something the user should know (e.g. the in-process server fallback).
    Note(&'a str),
}

/// Receives [`Event`]s; called from several threads.
pub type EventSink = Arc<dyn Fn(&Event<'_>) + Send + Sync>;

/// Runs `scenario` as `options` say and returns its table.
pub fn compare(
    scenario: &Scenario,
    options: &CompareOptions,
    on_event: EventSink,
) -> Result<ResultTable, HarnessError> {
    fdlimit::raise_fd_limit();
    let mut table = ResultTable::new(scenario, Provenance::capture(&options.command));
    for point in &scenario.points {
        on_event(&Event::PointStarted { scenario, point });
        let runner = PointRunner::new(&point.workload, options.server.clone())?;
        for strategy in scenario.strategies_at(point, &options.strategies) {
            table.push(run_strategy(&runner, point, strategy, options, &on_event)?);
        }
    }
    Ok(table)
}

fn run_strategy(
    runner: &PointRunner,
    point: &Point,
    strategy: Strategy,
    options: &CompareOptions,
    on_event: &EventSink,
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
        strategy,
        base_url: session.base_url(),
        mode: session.server_mode(),
    });
    let total = options.warmup + options.runs.max(1);
    let mut measured = Vec::new();
    for run in 1..=total {
        let jobs = point.workload.jobs;
        on_event(&Event::RunStarted {
            strategy,
            run,
            runs: total,
            jobs,
        });
        let progress = Arc::new(JobCounter {
            strategy,
            total: jobs,
            done: AtomicUsize::new(0),
            sink: Arc::clone(on_event),
        });
        let measurement = session.run_once(progress)?;
        let warmup = run <= options.warmup;
        on_event(&Event::RunFinished {
            strategy,
            run,
            warmup,
            measurement: &measurement,
        });
        if !warmup {
            measured.push(measurement);
        }
    }
    // `total - warmup >= 1`, so there is at least one measured run.
    Row::measured(point, ideal, &measured)
        .ok_or_else(|| HarnessError::Workload("no measured run".into()))
}

/// Turns job outcomes into [`Event::JobFinished`].
struct JobCounter {
    strategy: Strategy,
    total: usize,
    done: AtomicUsize,
    sink: EventSink,
}

impl Progress for JobCounter {
    fn finished(&self, _outcome: &Outcome) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        (self.sink)(&Event::JobFinished {
            strategy: self.strategy,
            done,
            total: self.total,
        });
    }
}
