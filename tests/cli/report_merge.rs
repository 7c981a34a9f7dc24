//! `fetchlab report merge`: a missing, doubled or failed shard, or reports
//! of different lists, exit 1 and are named with their file and shard.

use std::path::{Path, PathBuf};

use crate::support::*;

/// Runs shards `which` of `count` of `list` one after the other, each
/// writing `NAME{k}.json` into `dir`; returns the reports.
fn reports(list: &Path, dir: &Path, name: &str, count: usize, which: &[usize]) -> Vec<PathBuf> {
    which
        .iter()
        .map(|k| {
            let report = dir.join(format!("{name}{k}.json"));
            let output = fetchlab()
                .args(["download", "-q", "--retries", "0", "--shard"])
                .arg(format!("{k}/{count}"))
                .arg("--report")
                .arg(&report)
                .arg("-o")
                .arg(dir.join(format!("{name}-out")))
                .arg(list)
                .output()
                .unwrap();
            assert!(
                !stderr_of(&output).contains("panicked"),
                "{}",
                stderr_of(&output)
            );
            assert!(report.exists(), "shard {k}: {}", stderr_of(&output));
            report
        })
        .collect()
}

fn merge(files: &[PathBuf]) -> std::process::Output {
    fetchlab()
        .args(["report", "merge"])
        .args(files)
        .output()
        .unwrap()
}

#[test]
fn a_missing_shard_exits_1_and_is_named() {
    let server = server(12);
    let work = tempfile::tempdir().unwrap();
    let list = url_file(&server, work.path(), &[]);
    let files = reports(&list, work.path(), "r", 3, &[0, 2]);
    let output = merge(&files);
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("shard 1/3 is missing"), "{stderr}");
}

#[test]
fn a_doubled_shard_exits_1_and_names_both_files() {
    let server = server(12);
    let work = tempfile::tempdir().unwrap();
    let list = url_file(&server, work.path(), &[]);
    let mut files = reports(&list, work.path(), "r", 3, &[0, 1, 2]);
    let again = work.path().join("again.json");
    std::fs::copy(&files[1], &again).unwrap();
    files.push(again.clone());
    let output = merge(&files);
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let expected = format!(
        "shard 1/3 appears 2 times: {}, {}",
        files[1].display(),
        again.display()
    );
    assert!(stderr.contains(&expected), "{expected:?} not in {stderr}");
}

#[test]
fn a_failed_shard_exits_1_and_names_the_file_the_shard_and_the_job() {
    let server = server(6);
    let work = tempfile::tempdir().unwrap();
    let list = url_file(&server, work.path(), &[server.url("missing.bin")]);
    let files = reports(&list, work.path(), "r", 2, &[0, 1]);
    let output = merge(&files);
    let (stdout, stderr) = (stdout_of(&output), stderr_of(&output));
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stdout.contains("6 downloaded.") && stdout.contains("1 not found."),
        "{stdout}"
    );
    let holder = (0..2)
        .find(|k| {
            std::fs::read_to_string(&files[*k])
                .unwrap()
                .contains("missing.bin")
        })
        .expect("one shard holds missing.bin");
    let named = format!(
        "{}: shard {holder}/2 failed: 1 not found",
        files[holder].display()
    );
    assert!(stderr.contains(&named), "{named:?} not in {stderr}");
    let job = format!(
        "missing.bin error: not found (404) (shard {holder}/2, {})",
        files[holder].display()
    );
    assert!(stderr.contains(&job), "{job:?} not in {stderr}");
}

#[test]
fn reports_of_different_lists_exit_1_and_are_named() {
    let server = server(8);
    let first = tempfile::tempdir().unwrap();
    let second = tempfile::tempdir().unwrap();
    let list_a = url_file(&server, first.path(), &[]);
    let list_b = url_file(&server, second.path(), &[server.url("extra.bin")]);
    let mut files = reports(&list_a, first.path(), "a", 2, &[0]);
    files.extend(reports(&list_b, second.path(), "b", 2, &[1]));
    let output = merge(&files);
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let named = format!(
        "{}: shard 1/2 is of another job list (9 jobs",
        files[1].display()
    );
    assert!(stderr.contains(&named), "{named:?} not in {stderr}");
    assert!(
        stderr.contains(&format!("than {} (8 jobs", files[0].display())),
        "{stderr}"
    );
}

#[test]
fn an_unreadable_report_is_an_input_error() {
    let work = tempfile::tempdir().unwrap();
    let output = merge(&[work.path().join("nope.json")]);
    assert_input_error(&output, "cannot read the report");
    let junk = work.path().join("junk.json");
    std::fs::write(&junk, "{}").unwrap();
    assert_input_error(&merge(&[junk]), "is not a fetchlab download report");
}
