//! `fetchlab download --shard K/N` (or a scheduler's index) in N processes
//! against one server: the shards add up to the list, no job is downloaded
//! twice, and `report merge` of their reports is complete.

use std::path::{Path, PathBuf};
use std::process::Command;

use fetchlab_server::TestServer;

use crate::support::*;

/// Jobs in the shared list.
const JOBS: usize = 40;

/// Starts one `fetchlab download` per shard at once (`shard(k)` adds what
/// picks shard k: a flag or the scheduler's variables), each into its own
/// directory and report, waits for all, and checks each exits 0. Returns
/// the reports.
fn run_shards(
    list: &Path,
    work: &Path,
    count: usize,
    shard: impl Fn(usize, &mut Command),
) -> Vec<PathBuf> {
    let mut children = Vec::new();
    let mut reports = Vec::new();
    for k in 0..count {
        let report = work.join(format!("r{k}.json"));
        let mut command = fetchlab_process();
        command
            .args(["download", "-q", "-c", "4", "--report"])
            .arg(&report)
            .arg("-o")
            .arg(work.join(format!("out{k}")))
            .arg(list);
        shard(k, &mut command);
        children.push(command.output_in_background());
        reports.push(report);
    }
    for (k, child) in children.into_iter().enumerate() {
        let output = child.wait_with_output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "shard {k}: {}",
            stderr_of(&output)
        );
    }
    reports
}

/// Spawning with piped output, so all shards run at the same time.
trait Background {
    fn output_in_background(&mut self) -> std::process::Child;
}

impl Background for Command {
    fn output_in_background(&mut self) -> std::process::Child {
        self.stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start fetchlab")
    }
}

/// Checks that the shards' directories hold every file of the list exactly
/// once, that the server was asked for each once, and that each report says
/// its shard (`k/count`) and holds as many jobs as its directory files.
fn assert_shards_add_up(server: &TestServer, work: &Path, reports: &[PathBuf]) {
    let count = reports.len();
    let mut union: Vec<String> = Vec::new();
    for (k, report) in reports.iter().enumerate() {
        let dir = work.join(format!("out{k}"));
        let names = files_in(&dir);
        assert_whole_files(server, &dir);
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(report).unwrap()).unwrap();
        assert_eq!(json["shard"]["index"], k, "{json}");
        assert_eq!(json["shard"]["count"], count, "{json}");
        assert_eq!(json["list"]["jobs"], JOBS, "{json}");
        assert_eq!(json["jobs"], names.len(), "{json}");
        assert_eq!(json["counts"]["downloaded"], names.len(), "{json}");
        union.extend(names);
    }
    union.sort();
    let total = union.len();
    union.dedup();
    assert_eq!(
        total,
        union.len(),
        "{count} shards: a file is in two shards"
    );
    assert_eq!(
        union,
        server.corpus().names(),
        "{count} shards: the union is the list"
    );
    assert_eq!(
        server.stats().requests,
        JOBS as u64,
        "{count} shards: one request per job"
    );

    let merged = fetchlab()
        .args(["report", "merge"])
        .args(reports)
        .output()
        .unwrap();
    let stdout = stdout_of(&merged);
    assert_eq!(merged.status.code(), Some(0), "{}", stderr_of(&merged));
    assert!(
        stdout.contains(&format!(
            "{count} reports for {count} shards of {JOBS} jobs"
        )),
        "{stdout}"
    );
    assert!(stdout.contains(&format!("{JOBS} downloaded.")), "{stdout}");
}

/// One server, one list of [`JOBS`], `count` processes (`shard(k)` picks
/// shard k), and the checks of [`assert_shards_add_up`].
fn assert_sharded_run_adds_up(count: usize, shard: impl Fn(usize, &mut Command)) {
    let server = server(JOBS);
    let work = tempfile::tempdir().unwrap();
    let list = url_file(&server, work.path(), &[]);
    let reports = run_shards(&list, work.path(), count, shard);
    assert_shards_add_up(&server, work.path(), &reports);
}

#[test]
fn shards_flag_add_up_to_the_list_for_1_3_and_8_processes() {
    for count in [1, 3, 8] {
        assert_sharded_run_adds_up(count, |k, command| {
            command.arg("--shard").arg(format!("{k}/{count}"));
        });
    }
}

#[test]
fn kubernetes_indexed_job_sets_the_index_and_shard_count_the_count() {
    assert_sharded_run_adds_up(3, |k, command| {
        command
            .env("JOB_COMPLETION_INDEX", k.to_string())
            .args(["--shard-count", "3"]);
    });
}

#[test]
fn slurm_array_task_ids_are_normalised() {
    // `sbatch --array=1-5:2`: task ids 1, 3, 5.
    assert_sharded_run_adds_up(3, |k, command| {
        command
            .env("SLURM_ARRAY_TASK_ID", (1 + 2 * k).to_string())
            .env("SLURM_ARRAY_TASK_MIN", "1")
            .env("SLURM_ARRAY_TASK_STEP", "2")
            .env("SLURM_ARRAY_TASK_COUNT", "3");
    });
}

#[test]
fn bad_shards_are_input_errors_before_any_request() {
    let server = server(3);
    let work = tempfile::tempdir().unwrap();
    let list = url_file(&server, work.path(), &[]);
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut command = fetchlab();
        command
            .arg("download")
            .args(args)
            .arg("-o")
            .arg(work.path().join("out"))
            .arg(&list);
        for (name, value) in env {
            command.env(name, value);
        }
        command.output().unwrap()
    };
    assert_input_error(
        &run(&["--shard", "3/3"], &[]),
        "--shard 3/3: shard 3 of 3 does not exist",
    );
    assert_input_error(&run(&["--shard", "1"], &[]), "--shard 1:");
    assert_input_error(
        &run(&[], &[("JOB_COMPLETION_INDEX", "1")]),
        "JOB_COMPLETION_INDEX=1 is set but --shard-count is not",
    );
    assert_input_error(
        &run(&["--shard-count", "2"], &[("JOB_COMPLETION_INDEX", "2")]),
        "JOB_COMPLETION_INDEX=2 with --shard-count 2: shard 2 of 2 does not exist",
    );
    assert_input_error(
        &run(&[], &[("SLURM_ARRAY_TASK_ID", "0")]),
        "SLURM_ARRAY_TASK_COUNT",
    );
    assert_input_error(
        &run(&["--shard-count", "2"], &[]),
        "--shard-count 2 needs a shard index",
    );
    assert_eq!(server.stats().requests, 0);
    assert!(!work.path().join("out").exists());
}
