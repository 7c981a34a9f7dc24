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
//! Budget: 10 samples of one run each after one warm-up run (11 runs per
//! benchmark), which is what keeps a full `cargo bench` under 15 minutes.
//! The warm-up run is left out of the time statistics but counted in the
//! memory and thread peaks (later runs can reuse memory the allocator kept).
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
    CommandSpec, DEFAULT_TIME_LIMIT, PointRunner, Provenance, ResultTable, Row, Scenario,
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

fn results_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("results")
}

/// A measurement that cannot be trusted stops the bench, loudly.
fn fail(error: impl std::fmt::Display) -> ! {
    panic!("\n\n*** fetchlab bench failed: {error}\n")
}

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
    let mut group = c.benchmark_group(&scenario.id);
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(1))
        .measurement_time(Duration::from_millis(1))
        .sampling_mode(SamplingMode::Flat)
        .nresamples(10_000);
    for point in &scenario.points {
        group.throughput(Throughput::Elements(point.workload.jobs as u64));
        let runner = OnceCell::new();
        let runner = || {
            runner.get_or_init(|| {
                PointRunner::new(&point.workload, source.clone()).unwrap_or_else(|e| fail(e))
            })
        };
        for strategy in scenario.strategies_at(point, &Strategy::ALL) {
            if let Some(reason) = refusal(strategy, point) {
                eprintln!(
                    "{}/{}/{}: refused: {reason}",
                    scenario.id, strategy, point.label
                );
                let ideal = runner().ideal().as_secs_f64();
                table.push(Row::refused(point, strategy, ideal, reason));
                continue;
            }
            let id = BenchmarkId::new(strategy.name(), &point.label);
            let runs = bench_runs(
                &mut group,
                id,
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
            let time_runs = without_warm_up(&runs);
            if let Some(mut row) = Row::measured(point, runner().ideal().as_secs_f64(), time_runs) {
                widen_peaks(
                    &mut row,
                    &runs,
                    point.workload.concurrency.min(point.workload.jobs),
                );
                table.push(row);
            }
        }
        for spec in commands {
            let id = BenchmarkId::new(&spec.name, &point.label);
            let runs = bench_runs(
                &mut group,
                id,
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
            let time_runs = without_warm_up(&runs);
            if let Some(mut row) =
                Row::command(point, runner().ideal().as_secs_f64(), spec, time_runs)
            {
                // A failure in the warm-up run counts too.
                if row.failed.is_none() {
                    row.failed = runs.iter().find_map(|m| m.failure.clone());
                }
                table.push(row);
            }
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

/// Benchmark `id`: every criterion iteration is one `run` of a session
/// that `start` makes on first use (and drops at the end, stopping its
/// server). Returns every run's measurement, the warm-up's first.
fn bench_runs<S, M>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    id: BenchmarkId,
    mut start: impl FnMut() -> S,
    mut run: impl FnMut(&mut S) -> (Duration, M),
) -> Vec<M> {
    let mut session = None;
    let mut runs = Vec::new();
    group.bench_function(id, |b| {
        b.iter_custom(|iters| {
            let session = session.get_or_insert_with(&mut start);
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let (wall, m) = run(session);
                total += wall;
                runs.push(m);
            }
            total
        })
    });
    runs
}

/// The runs that count for time: all but criterion's warm-up run (when
/// there was more than one).
fn without_warm_up<M>(runs: &[M]) -> &[M] {
    if runs.len() > 1 { &runs[1..] } else { runs }
}

/// `Some(reason)` when the backend refuses the point's settings.
fn refusal(strategy: Strategy, point: &fetchlab_harness::Point) -> Option<String> {
    match point.workload.settings().and_then(|s| strategy.build(s)) {
        Ok(_) => None,
        Err(e) => Some(fetchlab_harness::strategy::refusal(&e).unwrap_or_else(|| fail(e))),
    }
}

/// Memory and thread peaks over every run, the warm-up included.
fn widen_peaks(row: &mut Row, runs: &[fetchlab_harness::Measurement], in_flight: usize) {
    row.peak_rss_delta = runs.iter().filter_map(|m| m.peak_rss_delta).max();
    row.rss_per_in_flight = row.peak_rss_delta.map(|d| d / in_flight.max(1) as u64);
    row.threads = runs.iter().filter_map(|m| m.extra_threads).max();
    row.server_peak_in_flight = runs
        .iter()
        .map(|m| m.server.peak_in_flight)
        .max()
        .unwrap_or(0);
}
