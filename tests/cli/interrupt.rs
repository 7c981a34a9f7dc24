//! Ctrl-C stops new requests, leaves no partial file, still prints the
//! summary; a rerun finishes the work without downloading complete files again.

use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use fetchlab_server::{Corpus, CorpusSpec, ServerConfig, TestServer};

use crate::support::*;

/// Starts `fetchlab download -o out list` (plus `extra`) in the background.
fn spawn_download(out: &std::path::Path, list: &std::path::Path, extra: &[&str]) -> Child {
    fetchlab_process()
        .arg("download")
        .args(extra)
        .arg("-o")
        .arg(out)
        .arg(list)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits until `ready` holds (or a generous bound passes: the wait only
/// orders events, nothing is asserted about time), then sends SIGINT.
fn interrupt_when(child: Child, ready: impl Fn() -> bool) -> Output {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ready() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    child.wait_with_output().unwrap()
}

#[test]
fn ctrl_c_stops_cleanly_and_a_rerun_finishes_the_work() {
    let server = server_with(20, Duration::from_millis(200));
    let work = tempfile::tempdir().unwrap();
    let list = url_file(&server, work.path(), &[]);
    let out = work.path().join("out");
    let child = spawn_download(&out, &list, &["-m", "2"]);
    let output = interrupt_when(child, || server.stats().requests > 0);
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("Interrupted"), "{stderr}");
    assert!(stderr.contains("downloaded."), "{stderr}");
    assert!(
        stderr.contains(" cancelled."),
        "cancelled jobs are counted: {stderr}"
    );
    assert!(
        !stderr.contains(" error"),
        "cancelled jobs are not errors: {stderr}"
    );
    let saved = assert_whole_files(&server, &out);
    assert!(saved < 20, "the run stopped early: {stderr}");

    let rerun = fetchlab()
        .args(["download", "-m", "5", "-o"])
        .arg(&out)
        .arg(&list)
        .output()
        .unwrap();
    let stderr = stderr_of(&rerun);
    assert_eq!(rerun.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains(&format!("{} downloaded.", 20 - saved)),
        "{stderr}"
    );
    if saved > 0 {
        assert!(
            stderr.contains(&format!("{saved} already complete (skipped).")),
            "{stderr}"
        );
    }
    assert_eq!(assert_whole_files(&server, &out), 20);
}

#[test]
fn an_interrupted_large_file_resumes_where_it_stopped() {
    const SIZE: usize = 3 << 20;
    let config = ServerConfig::default()
        .with_corpus(Corpus::generate(&CorpusSpec::files(1, SIZE, SIZE)))
        .with_bandwidth(Some(1 << 20));
    let server = TestServer::start(config).unwrap();
    let work = tempfile::tempdir().unwrap();
    let list = url_file(&server, work.path(), &[]);
    let out = work.path().join("out");

    let child = spawn_download(&out, &list, &[]);
    let output = interrupt_when(child, || server.stats().bytes_sent >= 3 << 19);
    assert_eq!(output.status.code(), Some(1), "{}", stderr_of(&output));
    // The partial body and, beside it, the record of its origin.
    let names: Vec<String> = files_in(&out)
        .into_iter()
        .filter(|name| !name.ends_with(".origin"))
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    assert!(
        names[0].starts_with(fetchlab_core::store::TEMP_PREFIX),
        "only a hidden partial body is kept: {names:?}"
    );

    fetchlab()
        .args(["download", "-o"])
        .arg(&out)
        .arg(&list)
        .assert()
        .success();
    assert_eq!(assert_whole_files(&server, &out), 1);
    // The partial body is resumed with `If-Range` and the strong `ETag` the
    // server sent with it: less than the whole body travels again.
    let sent = server.stats().bytes_sent;
    assert!(
        sent < (SIZE + SIZE / 2) as u64,
        "resumed, not downloaded again: {sent} bytes sent in both runs"
    );
}

/// In `--events` mode (a process pool's child) the end of standard input
/// cancels the run as Ctrl-C does, with no signal at all: the parent's way
/// to stop a child that may have started with SIGINT ignored.
#[test]
fn events_mode_cancels_when_standard_input_ends() {
    use std::io::{BufRead, BufReader};
    let server = server_with(6, Duration::from_secs(30));
    let work = tempfile::tempdir().unwrap();
    let list = url_file(&server, work.path(), &[]);
    let out = work.path().join("out");
    let mut child = fetchlab_process()
        .args(["download", "--events", "-q", "-c", "2", "-o"])
        .arg(&out)
        .arg(&list)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdin = child.stdin.take().unwrap();
    let mut events = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = events.next().expect("an event").unwrap();
    assert!(first.contains("\"started\""), "{first}");
    drop(stdin);
    let rest: Vec<String> = events.map(Result::unwrap).collect();
    let output = child.wait_with_output().unwrap();
    // Every request waits 30 s at the server: only the cancel can have
    // ended the run, and it saved nothing.
    let finished: Vec<&String> = rest.iter().filter(|l| l.contains("\"finished\"")).collect();
    assert_eq!(finished.len(), 6, "{rest:?}");
    assert!(
        finished.iter().all(|l| l.contains("ancelled")),
        "{finished:?}"
    );
    assert!(
        !out.exists() || std::fs::read_dir(&out).unwrap().next().is_none(),
        "files were saved"
    );
    assert_ne!(output.status.code(), Some(0), "{output:?}");
}
