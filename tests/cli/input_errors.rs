//! Bad input ends with one clear line on standard error and exit status 2,
//! before any request reaches the server.

use std::path::PathBuf;
use std::process::Output;

use fetchlab_server::TestServer;

use crate::support::*;

/// Runs `fetchlab download` on a list file of `text(server)`; checks that
/// no request was made and nothing created, and returns the output and the
/// list's path.
fn download_bad_list(text: impl Fn(&TestServer) -> String) -> (Output, PathBuf) {
    let server = server(3);
    let work = tempfile::tempdir().unwrap();
    let list = work.path().join("urls.txt");
    std::fs::write(&list, text(&server)).unwrap();
    let output = fetchlab()
        .args(["download", "-o"])
        .arg(work.path().join("out"))
        .arg(&list)
        .output()
        .unwrap();
    assert_eq!(server.stats().requests, 0);
    assert!(
        !work.path().join("out").exists(),
        "nothing is created on bad input"
    );
    (output, list)
}

#[test]
fn a_bad_url_line_is_named_by_file_and_line() {
    let (output, list) = download_bad_list(|server| {
        format!(
            "# c\n{}\nftp://127.0.0.1/x.bin\n",
            server.url("file00000.bin")
        )
    });
    assert_input_error(&output, &format!("{}:3:", list.display()));
    assert!(stderr_of(&output).contains("ftp"));
}

#[test]
fn a_url_line_with_a_space_is_refused_by_file_and_line() {
    let (output, list) = download_bad_list(|server| {
        format!(
            "{}\n{} {}\n",
            server.url("file00000.bin"),
            server.url("file00001.bin"),
            server.url("file00002.bin")
        )
    });
    let expected = format!("{}:2: a URL cannot contain a space", list.display());
    assert_input_error(&output, &expected);
}

#[test]
fn an_unwritable_output_directory_fails_before_any_request() {
    let server = server(2);
    let work = tempfile::tempdir().unwrap();
    let list = url_file(&server, work.path(), &[]);
    // A directory cannot be made under a regular file, even by root.
    let blocker = work.path().join("blocker");
    std::fs::write(&blocker, b"not a directory").unwrap();
    let output = fetchlab()
        .args(["download", "-o"])
        .arg(blocker.join("out"))
        .arg(&list)
        .output()
        .unwrap();
    assert_input_error(&output, "cannot use output directory");
    assert_eq!(server.stats().requests, 0);
}

#[test]
fn a_missing_url_file_is_an_input_error() {
    let work = tempfile::tempdir().unwrap();
    let output = fetchlab()
        .args(["download", "-o"])
        .arg(work.path().join("out"))
        .arg(work.path().join("nope.txt"))
        .output()
        .unwrap();
    assert_input_error(&output, "cannot read URL list");
}

#[test]
fn urls_and_a_file_cannot_be_mixed() {
    let output = fetchlab()
        .args(["download", "http://127.0.0.1:9/a.bin", "urls.txt"])
        .output()
        .unwrap();
    assert_input_error(&output, "\"urls.txt\" is not a URL");
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["download"][..],
        &["download", "-m", "0", "-"],
        &["download", "--per-host", "0", "-"],
        &["download", "--timeout", "soon", "-"],
        &["download", "--max-size", "12parsecs", "-"],
        &["serve", "--faults", "gremlins"],
        &["serve", "--error-rate", "2"],
        &["compare", "--strategies", "carrier-pigeon"],
        &["no-such-command"],
    ] {
        let output = fetchlab().args(args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(!stderr_of(&output).contains("panicked"), "{args:?}");
    }
}

#[test]
fn a_concurrency_above_the_open_files_limit_is_refused() {
    let server = server(2);
    let work = tempfile::tempdir().unwrap();
    let list = url_file(&server, work.path(), &[]);
    // `ulimit -n` lowers the hard limit too, so fetchlab cannot raise it.
    let script = format!(
        "ulimit -n 256 && exec \"$0\" download -m 1000 -o '{}' '{}'",
        work.path().join("out").display(),
        list.display()
    );
    let output = std::process::Command::new("sh")
        .args(["-c", &script])
        .arg(bin())
        .output()
        .unwrap();
    assert_input_error(&output, "ulimit -n");
    assert!(stderr_of(&output).contains("open-files limit is 256"));
    assert_eq!(server.stats().requests, 0);
}

#[test]
fn serve_refuses_a_remote_address_without_allow_remote() {
    let output = fetchlab()
        .args(["serve", "--bind", "0.0.0.0", "--port", "0"])
        .output()
        .unwrap();
    assert_input_error(&output, "--allow-remote");
}

#[test]
fn an_empty_url_list_is_an_input_error() {
    let output = fetchlab()
        .args(["download", "-"])
        .write_stdin("# nothing here\n\n")
        .output()
        .unwrap();
    assert_input_error(&output, "<stdin>: no URLs");
}

#[test]
fn a_list_url_that_fails_is_an_input_error() {
    let server = server(1);
    let output = fetchlab()
        .args([
            "download",
            "--retries",
            "0",
            "--list-url",
            &server.url("nope.txt"),
        ])
        .output()
        .unwrap();
    assert_input_error(&output, "cannot fetch the URL list");
    assert!(stderr_of(&output).contains("not found (404)"));
}
