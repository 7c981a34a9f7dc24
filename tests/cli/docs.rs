//! The scheduler files in `docs/` run as written: the Slurm array script
//! and the commands of the Kubernetes manifests, started the way the
//! scheduler starts them (its variables set, one process per index), against
//! the in-process server, add up to the list.

use std::path::Path;
use std::process::Command;

use crate::support::*;

/// Jobs in the list.
const JOBS: usize = 30;

fn doc(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs")
        .join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Runs `command` (built by `make`) and asserts it exits 0.
fn assert_runs(mut command: Command, what: &str) -> String {
    for name in SCHEDULER_VARIABLES {
        if command.get_envs().all(|(n, _)| n != name) {
            command.env_remove(name);
        }
    }
    let output = command.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(
        output.status.code(),
        Some(0),
        "{what}: {}",
        stderr_of(&output)
    );
    stdout_of(&output)
}

/// Whether `program` can be started; prints why the test skips if not.
fn have(program: &str) -> bool {
    let found = Command::new(program).arg("-c").arg("true").status().is_ok();
    if !found {
        eprintln!("skipped: {program} is not installed");
    }
    found
}

#[test]
fn the_slurm_array_script_runs_and_its_reports_merge() {
    if !have("bash") {
        return;
    }
    let server = server(JOBS);
    let work = tempfile::tempdir().unwrap();
    let list = url_file(&server, work.path(), &[]);
    let out = work.path().join("shared");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/slurm/array.sh");
    for id in 0..3 {
        let mut command = Command::new("bash");
        command
            .arg(&script)
            .arg(&list)
            .arg(&out)
            .env("FETCHLAB", bin())
            .env("SLURM_ARRAY_TASK_ID", id.to_string())
            .env("SLURM_ARRAY_TASK_MIN", "0")
            .env("SLURM_ARRAY_TASK_STEP", "1")
            .env("SLURM_ARRAY_TASK_COUNT", "3");
        assert_runs(command, &format!("array task {id}"));
    }
    assert_eq!(assert_whole_files(&server, &out.join("files")), JOBS);
    assert_eq!(server.stats().requests, JOBS as u64);
    let merge = doc("slurm/array.sh")
        .lines()
        .find_map(|l| {
            l.trim_start_matches('#')
                .trim()
                .strip_prefix("'fetchlab report merge /shared/fetchlab/")
        })
        .map(|rest| rest.trim_end_matches('\'').to_owned())
        .expect("the script shows its merge command");
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(format!("\"$0\" report merge '{}'/{merge}", out.display()));
    command.arg(bin());
    let stdout = assert_runs(command, "report merge");
    assert!(
        stdout.contains(&format!("3 reports for 3 shards of {JOBS} jobs")),
        "{stdout}"
    );
}

/// The `sh -c` command of a manifest's container: the folded `args` block
/// of the Indexed Job, or the one-line `command` of the merge Job.
fn manifest_command(manifest: &str) -> String {
    let lines: Vec<&str> = manifest.lines().collect();
    if let Some(start) = lines.iter().position(|l| l.trim() == "- >-") {
        return lines[start + 1..]
            .iter()
            .take_while(|l| !l.trim_end().ends_with(':'))
            .map(|l| l.trim())
            .collect::<Vec<_>>()
            .join(" ");
    }
    let line = lines
        .iter()
        .find_map(|l| l.trim().strip_prefix("command: [\"sh\", \"-c\", \""))
        .expect("a sh -c command");
    line.trim_end_matches("\"]").to_owned()
}

/// The number after `key:` in the manifest.
fn manifest_number(manifest: &str, key: &str) -> usize {
    manifest
        .lines()
        .find_map(|l| l.trim().strip_prefix(key))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {key} in the manifest"))
}

#[test]
fn the_kubernetes_manifests_commands_run_and_merge() {
    if !have("sh") {
        return;
    }
    let job = doc("kubernetes/indexed-job.yaml");
    let completions = manifest_number(&job, "completions:");
    let download = manifest_command(&job);
    assert!(
        download.contains(&format!("--shard-count {completions} ")),
        "--shard-count must equal completions ({completions}): {download}"
    );
    let merge = manifest_command(&doc("kubernetes/merge-job.yaml"));

    let server = server(JOBS);
    let work = tempfile::tempdir().unwrap();
    let list = url_file(&server, work.path(), &[]);
    let data = work.path().join("data");
    std::fs::create_dir_all(data.join("reports")).unwrap();
    // The pod's paths, moved into the test's directory.
    let local = |command: &str| {
        command
            .replace("fetchlab ", "\"$0\" ")
            .replace("/data/", &format!("{}/", data.display()))
            .replace("/config/urls.txt", &list.display().to_string())
    };
    for index in 0..completions {
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(local(&download))
            .arg(bin())
            .env("JOB_COMPLETION_INDEX", index.to_string());
        assert_runs(command, &format!("pod {index}"));
    }
    assert_eq!(assert_whole_files(&server, &data.join("files")), JOBS);
    assert_eq!(server.stats().requests, JOBS as u64);
    let mut command = Command::new("sh");
    command.arg("-c").arg(local(&merge)).arg(bin());
    let stdout = assert_runs(command, "merge job");
    let expected = format!("{completions} reports for {completions} shards of {JOBS} jobs");
    assert!(stdout.contains(&expected), "{stdout}");
}
