//! Ctrl-C stops new requests, leaves no partial file, still prints the
//! summary; a rerun finishes the work without downloading complete files again.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::*;

#[test]
fn ctrl_c_stops_cleanly_and_a_rerun_finishes_the_work() {
    let server = server_with(20, Duration::from_millis(200));
    let work = tempfile::tempdir().unwrap();
    let list = url_file(&server, work.path(), &[]);
    let out = work.path().join("out");
    let child = Command::new(bin())
        .args(["download", "-m", "2", "-o"])
        .arg(&out)
        .arg(&list)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    // Interrupt once the run has started (not a timing assertion: the wait
    // only orders the events, and gives up after a generous bound).
    let deadline = Instant::now() + Duration::from_secs(30);
    while server.stats().requests == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("Interrupted"), "{stderr}");
    assert!(stderr.contains("downloaded."), "{stderr}");
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
