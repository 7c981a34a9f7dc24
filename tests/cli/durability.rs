//! `fetchlab download --durable`: what each durability mode asks of the
//! disk, counted with `strace` (skipped, saying so, where strace is missing
//! or cannot trace), and that both modes save the same whole files.

use std::path::Path;
use std::process::Command;

use crate::support::*;

const FILES: usize = 6;

/// The `fsync`/`fdatasync` calls a `fetchlab download` with `extra`
/// arguments makes, counted by strace; `None` (after printing why) when
/// strace is missing or not allowed to trace here.
fn syncs_of(server: &fetchlab_server::TestServer, work: &Path, extra: &[&str]) -> Option<usize> {
    let list = url_file(server, work, &[]);
    let out = work.join(format!("out{}", extra.join("")));
    let trace = work.join("trace.txt");
    let output = Command::new("strace")
        .args(["-f", "-qq", "-e", "trace=fsync,fdatasync", "-o"])
        .arg(&trace)
        .arg(bin())
        .args(["download", "-q", "-s", "threads", "-m", "3"])
        .args(extra)
        .arg("-o")
        .arg(&out)
        .arg(&list)
        .output();
    let output = match output {
        Ok(output) => output,
        Err(err) => {
            println!("skipped: cannot run strace ({err})");
            return None;
        }
    };
    let text = std::fs::read_to_string(&trace).unwrap_or_default();
    if !output.status.success() && text.is_empty() {
        println!(
            "skipped: strace cannot trace here: {}",
            stderr_of(&output).trim()
        );
        return None;
    }
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert_eq!(assert_whole_files(server, &out), FILES);
    Some(
        text.lines()
            .filter(|l| l.contains("fsync(") || l.contains("fdatasync("))
            .count(),
    )
}

#[test]
fn by_default_nothing_is_synced_and_durable_syncs_each_file_and_the_directory() {
    let server = server(FILES);
    let work = tempfile::tempdir().unwrap();
    let Some(default) = syncs_of(&server, work.path(), &[]) else {
        return;
    };
    assert_eq!(default, 0, "the default mode syncs nothing");
    let durable = syncs_of(&server, work.path(), &["--durable"]).expect("strace ran before");
    assert_eq!(
        durable,
        2 * FILES,
        "one sync per file, one of the directory after each"
    );
}

#[test]
fn durable_saves_the_same_whole_files_and_skips_them_on_a_rerun() {
    let server = server(FILES);
    let work = tempfile::tempdir().unwrap();
    let list = url_file(&server, work.path(), &[]);
    let out = work.path().join("out");
    for expected in [
        format!("{FILES} downloaded."),
        format!("{FILES} already complete (skipped)."),
    ] {
        let output = fetchlab()
            .args(["download", "--durable", "-o"])
            .arg(&out)
            .arg(&list)
            .output()
            .unwrap();
        let stderr = stderr_of(&output);
        assert_eq!(output.status.code(), Some(0), "{stderr}");
        assert!(stderr.contains(&expected), "{expected:?} not in {stderr}");
        assert_eq!(assert_whole_files(&server, &out), FILES);
    }
}
