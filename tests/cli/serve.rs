//! `fetchlab serve --port 0`: the first line is the address, and the server
//! serves its URL list and files until it is killed.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

use crate::support::*;

/// Kills the server child when the test ends, even on a failed assertion.
struct Serving(Child);

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `GET path` over a plain TCP connection; returns the response body.
fn get(base: &str, path: &str) -> String {
    let authority = base.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = TcpStream::connect(authority).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").expect("an HTTP response");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    body.to_owned()
}

#[test]
fn serve_prints_its_address_first_and_serves_the_corpus() {
    let mut child = Command::new(bin())
        .args([
            "serve",
            "--port",
            "0",
            "--files",
            "5",
            "--max-size",
            "2KiB",
            "--min-size",
            "1KiB",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let serving = Serving(child);
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().unwrap().unwrap();
    let base = first
        .strip_prefix("fetchlab-server listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"));
    assert!(
        base.starts_with("http://127.0.0.1:") && base.ends_with('/'),
        "{first}"
    );

    let index = get(base, "/index.txt");
    let urls: Vec<&str> = index.lines().collect();
    assert_eq!(urls.len(), 5, "{index}");
    assert!(urls.iter().all(|u| u.starts_with(base)), "{index}");

    let work = tempfile::tempdir().unwrap();
    let output = fetchlab()
        .args(["download", "--list-url", &format!("{base}index.txt"), "-o"])
        .arg(work.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert!(stderr_of(&output).contains("5 downloaded."));
    assert_eq!(files_in(work.path()).len(), 5);
    drop(serving);
}
