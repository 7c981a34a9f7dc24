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

/// Starts `fetchlab serve --port 0 ARGS`; returns the child, its base URL
/// and the rest of its standard output.
fn start(
    args: &[&str],
) -> (
    Serving,
    String,
    std::io::Lines<BufReader<std::process::ChildStdout>>,
) {
    let mut child = Command::new(bin())
        .args(["serve", "--port", "0"])
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let serving = Serving(child);
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().unwrap().unwrap();
    let base = first
        .strip_prefix("fetchlab-server listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_owned();
    (serving, base, lines)
}

#[test]
fn serve_prints_its_address_first_and_serves_the_corpus() {
    let (serving, base, _lines) =
        start(&["--files", "5", "--max-size", "2KiB", "--min-size", "1KiB"]);
    let base = base.as_str();
    assert!(
        base.starts_with("http://127.0.0.1:") && base.ends_with('/'),
        "{base}"
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

#[test]
fn serve_takes_its_whole_configuration_as_json() {
    let json = r#"{"corpus":{"generated":{"count":3,"min_size":100,"max_size":200}},"network":{"rtt":"1ms"}}"#;
    let (_serving, base, _lines) = start(&["--config-json", json]);
    let index = get(&base, "/index.txt");
    assert_eq!(index.lines().count(), 3, "{index}");
    assert!(index.contains("file00002.bin"), "{index}");
}

#[test]
fn serve_refuses_a_corpus_too_large_for_memory_before_allocating_it() {
    let output = fetchlab()
        .args([
            "serve",
            "--port",
            "0",
            "--files",
            "10",
            "--min-size",
            "1GiB",
            "--max-size",
            "1GiB",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr_of(&output));
    assert!(
        stderr_of(&output).contains("limit of a generated corpus"),
        "{}",
        stderr_of(&output)
    );
}

#[test]
fn serve_tls_prints_the_ca_file_that_curl_trusts() {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    let ca_arg = ca.to_str().unwrap();
    let (_serving, base, mut lines) = start(&["--tls", "--cert-out", ca_arg, "--files", "2"]);
    assert!(base.starts_with("https://127.0.0.1:"), "{base}");
    let second = lines.next().unwrap().unwrap();
    assert_eq!(second, format!("fetchlab-server ca-cert {ca_arg}"));
    let pem = std::fs::read_to_string(&ca).unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
    let Ok(curl) = Command::new("curl")
        .args([
            "-s",
            "--fail",
            "--cacert",
            ca_arg,
            &format!("{base}index.txt"),
        ])
        .output()
    else {
        eprintln!("skipped the HTTPS download: curl is not installed");
        return;
    };
    assert!(curl.status.success(), "{curl:?}");
    let index = String::from_utf8(curl.stdout).unwrap();
    assert_eq!(index.lines().count(), 2, "{index}");
    assert!(index.starts_with(&base), "{index}");
}

/// The harness starts its TLS child this way: the configuration says TLS,
/// `--cert-out` only asks for the CA file (`--tls` beside `--config-json`
/// is refused, as every serving flag is).
#[test]
fn serve_writes_the_ca_of_a_tls_configuration_given_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    let ca_arg = ca.to_str().unwrap();
    let json = r#"{"corpus":{"generated":{"count":2,"min_size":100,"max_size":200}},"tls":true}"#;
    let (_serving, base, mut lines) = start(&["--cert-out", ca_arg, "--config-json", json]);
    assert!(base.starts_with("https://127.0.0.1:"), "{base}");
    let second = lines.next().unwrap().unwrap();
    assert_eq!(second, format!("fetchlab-server ca-cert {ca_arg}"));
    let pem = std::fs::read_to_string(&ca).unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");

    let output = fetchlab()
        .args(["serve", "--port", "0", "--cert-out", ca_arg, "--files", "2"])
        .output()
        .unwrap();
    assert_input_error(
        &output,
        "--cert-out writes the CA certificate of a TLS server",
    );
}

#[test]
fn serve_hosts_listens_on_one_loopback_address_per_host() {
    let (_serving, base, mut lines) = start(&[
        "--hosts",
        "3",
        "--host-latency",
        "0s,10ms,20ms",
        "--files",
        "2",
    ]);
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    for host in ["127.0.0.2", "127.0.0.3"] {
        let line = lines.next().unwrap().unwrap();
        let url = line
            .strip_prefix("fetchlab-server also listening on ")
            .unwrap_or_else(|| panic!("{line}"));
        assert!(url.starts_with(&format!("http://{host}:")), "{line}");
        assert_eq!(get(url, "/index.txt").lines().count(), 2);
    }
    let output = fetchlab()
        .args(["serve", "--port", "0", "--hosts", "2", "--host-rtt", "1ms"])
        .output()
        .unwrap();
    assert!(
        stderr_of(&output).contains("--host-rtt gives 1 values for 2 hosts"),
        "{}",
        stderr_of(&output)
    );
}

#[test]
fn serve_takes_one_configuration_per_host_as_a_json_array() {
    let one = "{}";
    let output = fetchlab()
        .args(["serve", "--port", "0", "--hosts", "3", "--config-json"])
        .arg(format!("[{one},{one}]"))
        .output()
        .unwrap();
    assert_input_error(&output, "--config-json gives 2 configurations for 3 hosts");
    let output = fetchlab()
        .args(["serve", "--port", "0", "--config-json", "[]"])
        .output()
        .unwrap();
    assert_input_error(&output, "empty array");
}
