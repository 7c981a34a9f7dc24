//! What every bench file shares: run one scenario under criterion, and keep
//! fetchlab's own measurements of the very same runs.
//!
//! Each criterion iteration is one real run ([`Session::run_once`]): built
//! backend, a fresh hashing store, every body verified against the corpus.
//! Criterion gets the wall times for its statistics; the harness keeps the
//! whole [`fetchlab_harness::Measurement`]s (CPU, memory, threads,
//! connections, outcomes) and writes `results/<scenario>.{md,csv,json,svg}`
//! after every point, so a later failure loses nothing. Criterion's own
//! JSON under `target/criterion` is never read.
//!
//! Budget: every benchmark starts with one probe run. When the probe takes
//! at most [`SLOW_RUN`], criterion measures [`SAMPLES`] samples of one run each after
//! its own warm-up run; the probe and the warm-up are left out of the time
//! statistics but counted in the memory and thread peaks (later runs can
//! reuse memory the allocator kept). When the probe takes longer (the
//! sequential baselines, 10,000-job points, the large files), the row is
//! [`SLOW_RUNS`] runs measured here, the probe included, and criterion is not
//! asked: a run of a second or more gains nothing from warming up, and
//! eleven of them would cost the budget that keeps a full `cargo bench`
//! under 15 minutes. The rule's numbers live in
//! [`fetchlab_harness::budget`].
//! The table's `runs` column says which rows were measured which way, and
//! a note under the table says why.
//!
//! `cargo test --benches` (criterion's test mode) runs every benchmark once
//! on a tiny version of its scenario and writes nothing.
//!
//! Command rows (the `peers` bench) are measured the same way: each
//! criterion iteration is one run of the command in its own process group,
//! its output directory checked against the corpus.

use std::cell::OnceCell;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, Throughput};
use fetchlab_core::NoProgress;
use fetchlab_harness::command::session::CommandSession;
use fetchlab_harness::export::write_results;
use fetchlab_harness::{
    CommandSpec, DEFAULT_TIME_LIMIT, PointRunner, Programs, Provenance, ResultTable, Row, Scenario,
    ServerSource, Strategy, raise_fd_limit,
};

/// How criterion was asked to run, from the same arguments it reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// `cargo bench`: measure, and write `results/`.
    Bench,
    /// `cargo test --benches` or `-- --test`: once each, tiny, write nothing.
    Test,
    /// `--list`, `--profile-time`: criterion does not measure; write nothing.
    Other,
}

impl Mode {
    fn detect() -> Mode {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let has = |flag: &str| {
            args.iter()
                .any(|a| a == flag || a.starts_with(&format!("{flag}=")))
        };
        if has("--list") || has("--profile-time") {
            Mode::Other
        } else if has("--bench") && !has("--test") {
            Mode::Bench
        } else {
            Mode::Test
        }
    }
}

/// The command that runs this bench, as a user would type it.
fn command_line(bench: &str) -> String {
    let rest: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    if rest.is_empty() {
        format!("cargo bench --bench {bench}")
    } else {
        format!("cargo bench --bench {bench} -- {}", rest.join(" "))
    }
}

/// The programs strategies start: this package's `fetchlab` binary (the
/// `processes` row's children).
fn programs() -> Programs {
    Programs::fetchlab(env!("CARGO_BIN_EXE_fetchlab"))
}

fn results_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("results")
}

/// A measurement that cannot be trusted stops the bench, loudly.
fn fail(error: impl std::fmt::Display) -> ! {
    panic!("\n\n*** fetchlab bench failed: {error}\n")
}

use fetchlab_harness::budget::{SAMPLES, SLOW_ROW_RUNS as SLOW_RUNS, SLOW_RUN};

/// Benchmarks every point × strategy of `scenario` as group `scenario.id`.
#[allow(
    dead_code,
    reason = "every bench but `peers` uses it; each bench compiles this module"
)]
pub fn bench_scenario(c: &mut Criterion, bench: &str, scenario: Scenario) {
    bench_scenario_with_commands(c, bench, scenario, &[], Vec::new());
}

/// Benchmarks every point × strategy of `scenario`, then every point ×
/// command, as group `scenario.id`; `notes` go into the table (e.g. a peer
/// tool that is not installed). A command row that fails (exit status,
/// time limit, files) is a result, shown as such, not a reason to stop.
pub fn bench_scenario_with_commands(
    c: &mut Criterion,
    bench: &str,
    scenario: Scenario,
    commands: &[CommandSpec],
    notes: Vec<String>,
) {
    let mode = Mode::detect();
    let scenario = if mode == Mode::Test {
        scenario.tiny()
    } else {
        scenario
    };
    raise_fd_limit();
    let source = ServerSource::Child(PathBuf::from(env!("CARGO_BIN_EXE_fetchlab")));
    let mut table = ResultTable::new(&scenario, Provenance::capture(command_line(bench)));
    for note in notes {
        eprintln!("note: {note}");
        table.notes.push(note);
    }
    let mut slow_rows = false;
    let mut group = c.benchmark_group(&scenario.id);
    group
        .sample_size(SAMPLES)
        .warm_up_time(Duration::from_millis(1))
        .measurement_time(Duration::from_millis(1))
        .sampling_mode(SamplingMode::Flat)
        .nresamples(10_000);
    for point in &scenario.points {
        group.throughput(Throughput::Elements(point.workload.jobs as u64));
        let runner = OnceCell::new();
        let runner = || {
            runner.get_or_init(|| {
                PointRunner::new(&point.workload, source.clone())
                    .map(|runner| runner.with_programs(programs()))
                    .unwrap_or_else(|e| fail(e))
            })
        };
        for strategy in scenario.strategies_at(point, &Strategy::ALL) {
            if let Some(reason) = runner().refusal(strategy).unwrap_or_else(|e| fail(e)) {
                eprintln!(
                    "{}/{}/{}: refused: {reason}",
                    scenario.id, strategy, point.label
                );
                let ideal = runner().ideal().as_secs_f64();
                table.push(Row::refused(point, strategy, ideal, reason));
                continue;
            }
            let id = BenchmarkId::new(strategy.name(), &point.label);
            let label = format!("{}/{}/{}", scenario.id, strategy.name(), point.label);
            let runs = bench_runs(
                &mut group,
                id,
                &label,
                mode,
                || {
                    let note = &mut |note: String| eprintln!("note: {note}");
                    runner().session(strategy, note).unwrap_or_else(|e| fail(e))
                },
                |session| {
                    let m = session
                        .run_once(Arc::new(NoProgress))
                        .unwrap_or_else(|e| fail(e));
                    (m.wall, m)
                },
            );
            slow_rows |= runs.slow;
            if let Some(mut row) =
                Row::measured(point, runner().ideal().as_secs_f64(), runs.timed())
            {
                widen_peaks(
                    &mut row,
                    &runs.all,
                    point.workload.concurrency.min(point.workload.jobs),
                );
                table.push(row);
            }
        }
        for spec in commands {
            let id = BenchmarkId::new(&spec.name, &point.label);
            let label = format!("{}/{}/{}", scenario.id, spec.name, point.label);
            let runs = bench_runs(
                &mut group,
                id,
                &label,
                mode,
                || {
                    let note = &mut |note: String| eprintln!("note: {note}");
                    CommandSession::start(runner(), spec, note).unwrap_or_else(|e| fail(e))
                },
                |session| {
                    let m = session
                        .run_once(DEFAULT_TIME_LIMIT)
                        .unwrap_or_else(|e| fail(e));
                    if let Some(failure) = &m.failure {
                        let (scenario, name) = (&scenario.id, &spec.name);
                        eprintln!("{scenario}/{name}/{}: FAILED: {failure}", point.label);
                    }
                    (m.wall, m)
                },
            );
            slow_rows |= runs.slow;
            if let Some(mut row) =
                Row::command(point, runner().ideal().as_secs_f64(), spec, runs.timed())
            {
                // A failure in the probe or warm-up run counts too.
                if row.failed.is_none() {
                    row.failed = runs.all.iter().find_map(|m| m.failure.clone());
                }
                table.push(row);
            }
        }
        if slow_rows && !table.notes.contains(&slow_note()) {
            table.notes.push(slow_note());
        }
        if mode == Mode::Bench && !table.rows.is_empty() {
            match write_results(&results_dir(), &table) {
                Ok(paths) => eprintln!("fetchlab: wrote {} files under results/", paths.len()),
                Err(e) => fail(e),
            }
        }
    }
    group.finish();
}

/// The note under a table with slow rows.
fn slow_note() -> String {
    format!(
        "Rows of {SLOW_RUNS} runs: one run took over {:.0} s, so the row is {SLOW_RUNS} runs \
         measured directly (their median) instead of criterion's warm-up and {SAMPLES} samples; \
         every other row is {SAMPLES} samples after a probe run and a warm-up run.",
        SLOW_RUN.as_secs_f64()
    )
}

/// Every run of one benchmark, the untimed ones first.
struct Runs<M> {
    /// Every run, in order.
    all: Vec<M>,
    /// How many leading runs (probe, warm-up) are left out of the time.
    untimed: usize,
    /// Whether the probe was slow (the row is [`SLOW_RUNS`] direct runs).
    slow: bool,
}

impl<M> Runs<M> {
    /// The runs that count for time.
    fn timed(&self) -> &[M] {
        &self.all[self.untimed.min(self.all.len().saturating_sub(1))..]
    }
}

/// Benchmark `id` (`label` in messages): one probe `run` of a session that `start` makes on first
/// use (and drops at the end, stopping its server), then either criterion's
/// iterations, each one `run`, or — when the probe took over [`SLOW_RUN`] —
/// [`SLOW_RUNS`] runs in all without criterion. Criterion's test mode skips
/// the probe and runs once.
fn bench_runs<S, M>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    id: BenchmarkId,
    label: &str,
    mode: Mode,
    mut start: impl FnMut() -> S,
    mut run: impl FnMut(&mut S) -> (Duration, M),
) -> Runs<M> {
    let mut session = None;
    let mut all = Vec::new();
    let mut untimed = 0;
    if mode == Mode::Bench {
        let session = session.get_or_insert_with(&mut start);
        let (wall, m) = run(session);
        all.push(m);
        if wall > SLOW_RUN {
            eprintln!(
                "{label}: one run took {:.2} s: measuring {SLOW_RUNS} runs without criterion",
                wall.as_secs_f64()
            );
            while all.len() < SLOW_RUNS {
                all.push(run(session).1);
            }
            return Runs {
                all,
                untimed: 0,
                slow: true,
            };
        }
        // The probe, then criterion's warm-up run.
        untimed = 2;
    }
    group.bench_function(id, |b| {
        b.iter_custom(|iters| {
            let session = session.get_or_insert_with(&mut start);
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let (wall, m) = run(session);
                total += wall;
                all.push(m);
            }
            total
        })
    });
    Runs {
        all,
        untimed,
        slow: false,
    }
}

/// Memory, thread and in-flight peaks (overall and per host) over every
/// run, the warm-up included.
fn widen_peaks(row: &mut Row, runs: &[fetchlab_harness::Measurement], in_flight: usize) {
    row.peak_rss_delta = runs.iter().filter_map(|m| m.peak_rss_delta).max();
    row.rss_per_in_flight = row.peak_rss_delta.map(|d| d / in_flight.max(1) as u64);
    row.threads = runs.iter().filter_map(|m| m.extra_threads).max();
    row.server_peak_in_flight = runs
        .iter()
        .map(|m| m.server.peak_in_flight)
        .max()
        .unwrap_or(0);
    row.hosts = fetchlab_harness::table::per_host(&row.hosts, runs.iter().map(|m| &m.server));
}
