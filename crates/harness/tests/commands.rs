//! Commands as rows, end to end against an in-process server: small `sh`
//! and `cp` commands that save every file, a wrong byte, an extra file,
//! exit 1, or hang past the time limit — each gets the row that says so,
//! and a hung command is killed with its whole process group.

mod common;

use common::prepared;
use fetchlab_server::Corpus;
use std::path::Path;
use std::time::{Duration, Instant};

use fetchlab_harness::{
    CommandSpec, CompareOptions, ResultTable, Scenario, ServerSource, Workload, compare,
};

fn tiny() -> Workload {
    Workload::seed()
        .with_jobs(6)
        .with_concurrency(3)
        .with_server(|s| s.with_latency(Duration::ZERO))
        .with_sizes(500, 2000)
}

fn quote(path: &Path) -> String {
    shlex::try_quote(&path.display().to_string())
        .unwrap()
        .into_owned()
}

fn run(template: &str, runs: usize, limit: Duration) -> ResultTable {
    let scenario = Scenario::custom("commands", "Commands", tiny());
    let options = CompareOptions {
        strategies: Vec::new(),
        commands: vec![CommandSpec::parse(template).unwrap()],
        runs,
        time_limit: limit,
        server: ServerSource::InProcess,
        command: "cargo test".into(),
        programs: Default::default(),
    };
    compare(&scenario, &options, &|_| {}).unwrap()
}

#[test]
fn a_command_that_saves_every_file_is_a_verified_row() {
    let source = prepared(&tiny());
    let table = run(
        &format!("copy=cp -R {}/. {{out}}", quote(source.path())),
        2,
        Duration::from_secs(60),
    );
    let row = &table.rows[0];
    assert_eq!(
        (row.strategy.as_str(), row.client_library.as_str()),
        ("copy", "cp")
    );
    assert!(row.command);
    assert_eq!(row.failed, None, "{}", row.outcome());
    assert_eq!(row.outcome(), "verified");
    assert_eq!(
        (row.runs, row.counts.downloaded, row.counts.errors),
        (2, 6, 0)
    );
    // cp made no request: the server's counts are the run's own.
    assert_eq!((row.requests, row.connections), (0, 0));
    assert!(row.time.median > 0.0);
    assert!(table.render_summary().contains("verified"));
}

#[test]
fn a_wrong_byte_is_a_failed_row_naming_the_file() {
    let workload = tiny();
    let source = prepared(&workload);
    let corpus = Corpus::generate(&workload.corpus_spec());
    let victim = &corpus.files()[2];
    let mut body = victim.body.to_vec();
    body[100] ^= 1;
    std::fs::write(source.path().join(&victim.name), body).unwrap();
    let table = run(
        &format!("flip=cp -R {}/. {{out}}", quote(source.path())),
        3,
        Duration::from_secs(60),
    );
    let row = &table.rows[0];
    let failed = row.failed.as_deref().unwrap();
    assert_eq!(failed, format!("1 wrong ({})", victim.name));
    assert_eq!(row.runs, 1, "a failed run is the last");
    assert_eq!((row.counts.downloaded, row.counts.errors), (5, 1));
    assert!(row.outcome().starts_with("FAILED: 1 wrong"));
}

#[test]
fn an_extra_file_is_a_failed_row_naming_it() {
    let source = prepared(&tiny());
    let table = run(
        &format!(
            "extra=sh -c 'cp -R \"$1\"/. \"$2\" && touch \"$2\"/robots.txt' sh {} {{out}}",
            quote(source.path())
        ),
        1,
        Duration::from_secs(60),
    );
    let row = &table.rows[0];
    assert_eq!(row.failed.as_deref(), Some("1 extra (robots.txt)"));
    assert_eq!((row.counts.downloaded, row.counts.errors), (6, 0));
}

#[test]
fn a_non_zero_exit_is_a_failed_row_with_its_status_and_last_error_line() {
    let source = prepared(&tiny());
    let table = run(
        &format!(
            "fails=sh -c 'cp -R \"$1\"/. \"$2\"; echo giving up >&2; exit 1' sh {} {{out}}",
            quote(source.path())
        ),
        3,
        Duration::from_secs(60),
    );
    let row = &table.rows[0];
    assert_eq!(row.failed.as_deref(), Some("exit status 1 (giving up)"));
    assert_eq!(row.runs, 1);
}

#[test]
fn a_command_past_the_time_limit_is_killed_with_its_process_group() {
    let work = tempfile::tempdir().unwrap();
    let pid_file = work.path().join("grandchild.pid");
    let limit = Duration::from_secs(1);
    let started = Instant::now();
    let table = run(
        &format!(
            "hangs=sh -c 'sleep 600 & echo $! > \"$1\"; wait' sh {}",
            quote(&pid_file)
        ),
        3,
        limit,
    );
    let row = &table.rows[0];
    let failed = row.failed.as_deref().unwrap();
    assert!(
        failed.starts_with("still running after the 1 s time limit"),
        "{failed}"
    );
    assert!(failed.contains("6 missing"), "{failed}");
    assert_eq!(row.runs, 1);
    assert_eq!(row.time.median, limit.as_secs_f64());
    assert!(started.elapsed() < Duration::from_secs(60));
    let pid: i32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(gone(pid), "the grandchild {pid} outlived the row");
}

/// Whether `pid` has exited (gone, or a zombie nobody has reaped yet),
/// waiting up to 10 s for the kill to land.
fn gone(pid: i32) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let state = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|stat| {
                let after_name = stat.rsplit_once(')')?.1.trim_start().to_owned();
                after_name.chars().next()
            });
        if matches!(state, None | Some('Z') | Some('X')) {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
