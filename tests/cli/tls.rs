//! `fetchlab download` over https (`--cacert`, `--insecure`), with
//! `--no-keepalive` and `--http2`, and the refusals of what a strategy
//! cannot do.

use fetchlab_server::{Corpus, CorpusSpec, ServerConfig, TestServer};

use crate::support::*;

/// A TLS server with `count` small files.
fn tls_server(count: usize) -> TestServer {
    let config = ServerConfig {
        corpus: Corpus::generate(&CorpusSpec::files(count, 256, 4096)),
        ..ServerConfig::default()
    }
    .with_tls(true);
    TestServer::start(config).expect("start the TLS test server")
}

#[test]
fn cacert_downloads_https_with_every_tls_strategy() {
    let server = tls_server(6);
    let cacert = server.ca_file().expect("a TLS server writes its CA");
    let work = tempfile::tempdir().unwrap();
    let list = url_file(&server, work.path(), &[]);
    for strategy in ["sequential", "threads", "rayon", "tokio", "tokio-h2"] {
        let out = work.path().join(strategy);
        let output = fetchlab()
            .args(["download", "-q", "-m", "3", "-s", strategy, "--cacert"])
            .arg(cacert)
            .arg("-o")
            .arg(&out)
            .arg(&list)
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{strategy}: {}",
            stderr_of(&output)
        );
        assert_eq!(assert_whole_files(&server, &out), 6, "{strategy}");
    }
}

#[test]
fn without_the_ca_https_fails_and_insecure_succeeds() {
    let server = tls_server(2);
    let work = tempfile::tempdir().unwrap();
    let list = url_file(&server, work.path(), &[]);
    let output = fetchlab()
        .args(["download", "-v", "-o"])
        .arg(work.path().join("untrusted"))
        .arg(&list)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stderr_of(&output));
    assert_eq!(server.stats().requests, 0, "no request sent untrusted");

    let out = work.path().join("insecure");
    let output = fetchlab()
        .args(["download", "-q", "--insecure", "-o"])
        .arg(&out)
        .arg(&list)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert_eq!(assert_whole_files(&server, &out), 2);
}

#[test]
fn no_keepalive_opens_a_connection_per_request() {
    let server = server(5);
    let work = tempfile::tempdir().unwrap();
    let list = url_file(&server, work.path(), &[]);
    let output = fetchlab()
        .args(["download", "-q", "--no-keepalive", "-m", "2", "-o"])
        .arg(work.path().join("out"))
        .arg(&list)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let stats = server.stats();
    assert_eq!((stats.requests, stats.connections), (5, 5), "{stats:?}");
}

#[test]
fn impossible_connection_settings_are_input_errors() {
    let server = server(1);
    let work = tempfile::tempdir().unwrap();
    let list = url_file(&server, work.path(), &[]);
    let missing = work.path().join("missing.pem");
    let cases: [(&[&str], &str); 4] = [
        (
            &["-s", "threads", "--http2"],
            "threads does not support HTTP/2",
        ),
        (
            &["-s", "async-std", "--http2"],
            "async-std does not support HTTP/2",
        ),
        (
            &["-s", "async-std", "--insecure"],
            "async-std does not support TLS",
        ),
        (&["--cacert", missing.to_str().unwrap()], "missing.pem"),
    ];
    for (args, needle) in cases {
        let output = fetchlab()
            .arg("download")
            .args(args)
            .arg("-o")
            .arg(work.path().join("out"))
            .arg(&list)
            .output()
            .unwrap();
        assert_input_error(&output, needle);
    }
    assert_eq!(server.stats().requests, 0, "refused before any request");
}
