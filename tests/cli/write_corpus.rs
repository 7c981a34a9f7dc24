//! `fetchlab serve --write-corpus DIR`: the corpus, its manifest and a URL
//! list written to disk, whole or not at all, and the command exits.

use std::path::Path;

use fetchlab_server::{Corpus, CorpusSpec};

use crate::support::*;

/// `fetchlab serve --files 5 --min-size 1KiB --max-size 3KiB --seed 7`
/// plus `args`.
fn write(args: &[&str]) -> std::process::Output {
    let corpus = ["--files", "5", "--min-size", "1KiB", "--max-size", "3KiB"];
    fetchlab()
        .arg("serve")
        .args(corpus)
        .args(["--seed", "7"])
        .args(args)
        .output()
        .unwrap()
}

/// The corpus [`write`] describes, as the server generates it.
fn expected() -> Corpus {
    Corpus::generate(&CorpusSpec::files(5, 1024, 3 * 1024).with_seed(7))
}

/// The entries of `dir` but `keep`: what a run left beside its output.
fn others(dir: &Path, keep: &str) -> Vec<String> {
    files_in(dir).into_iter().filter(|n| n != keep).collect()
}

#[test]
fn write_corpus_writes_the_served_bytes_a_manifest_checksums_and_urls() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("corpus");
    let output = write(&[
        "--write-corpus",
        dir.to_str().unwrap(),
        "--base-url",
        "http://127.0.0.1:9/data",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert!(stdout_of(&output).contains("Wrote 5 files"), "{output:?}");
    let corpus = expected();

    assert_eq!(
        files_in(&dir),
        ["SHA256SUMS", "files", "manifest.tsv", "urls.txt"]
    );
    assert_eq!(files_in(&dir.join("files")), corpus.names());
    for file in corpus.files() {
        let bytes = std::fs::read(dir.join("files").join(&file.name)).unwrap();
        assert!(
            bytes == file.body,
            "{} differs from the served body",
            file.name
        );
    }

    let manifest = std::fs::read_to_string(dir.join("manifest.tsv")).unwrap();
    let mut lines = manifest.lines();
    assert_eq!(lines.next(), Some("name\tsize\tsha256"));
    let rows: Vec<String> = corpus
        .files()
        .iter()
        .map(|f| format!("{}\t{}\t{}", f.name, f.len(), f.sha256))
        .collect();
    assert_eq!(lines.collect::<Vec<_>>(), rows);

    let sums = std::fs::read_to_string(dir.join("SHA256SUMS")).unwrap();
    let rows: Vec<String> = corpus
        .files()
        .iter()
        .map(|f| format!("{}  {}", f.sha256, f.name))
        .collect();
    assert_eq!(sums.lines().collect::<Vec<_>>(), rows);

    let urls = std::fs::read_to_string(dir.join("urls.txt")).unwrap();
    let rows: Vec<String> = corpus
        .names()
        .iter()
        .map(|n| format!("http://127.0.0.1:9/data/{n}"))
        .collect();
    assert_eq!(urls.lines().collect::<Vec<_>>(), rows);

    assert_eq!(others(work.path(), "corpus"), Vec::<String>::new());
}

#[test]
fn write_corpus_fills_an_empty_directory_and_names_bind_and_port_by_default() {
    let work = tempfile::tempdir().unwrap();
    let output = write(&[
        "--write-corpus",
        work.path().to_str().unwrap(),
        "-p",
        "8123",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert_eq!(files_in(&work.path().join("files")).len(), 5);
    let urls = std::fs::read_to_string(work.path().join("urls.txt")).unwrap();
    assert!(
        urls.lines()
            .all(|u| u.starts_with("http://127.0.0.1:8123/file0000")),
        "{urls}"
    );
    let unused = work.path().join("unused");
    let output = write(&["--write-corpus", unused.to_str().unwrap(), "-p", "0"]);
    assert_input_error(&output, "give --base-url URL");
    assert!(!unused.exists());
}

#[test]
fn write_corpus_refuses_a_used_path_and_leaves_it_as_it_was() {
    let work = tempfile::tempdir().unwrap();
    let full = work.path().join("full");
    std::fs::create_dir(&full).unwrap();
    std::fs::write(full.join("mine.txt"), b"keep me").unwrap();
    let output = write(&["--write-corpus", full.to_str().unwrap()]);
    assert_input_error(
        &output,
        &format!("{}: the directory is not empty", full.display()),
    );
    assert_eq!(files_in(&full), ["mine.txt"]);

    let file = work.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    let output = write(&["--write-corpus", file.to_str().unwrap()]);
    assert_input_error(
        &output,
        &format!("{}: it exists and is not a directory", file.display()),
    );

    let under_file = file.join("corpus");
    let output = write(&["--write-corpus", under_file.to_str().unwrap()]);
    assert_input_error(&output, &format!("{}", under_file.display()));
    assert_eq!(std::fs::read(&file).unwrap(), b"x");

    assert_eq!(
        others(work.path(), "full"),
        ["a-file"],
        "no partial directory left"
    );
}

#[test]
fn write_corpus_refuses_options_that_only_shape_serving() {
    let work = tempfile::tempdir().unwrap();
    let unused = work.path().join("unused");
    let unused = unused.to_str().unwrap();
    let output = write(&["--write-corpus", unused, "--rtt", "50ms"]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(
        stderr_of(&output).contains("cannot be used with"),
        "{}",
        stderr_of(&output)
    );
    let output = fetchlab()
        .args(["serve", "--base-url", "http://127.0.0.1:1/"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(stderr_of(&output).contains("--write-corpus"), "{output:?}");
    let output = write(&["--write-corpus", unused, "--base-url", "ftp://127.0.0.1/"]);
    assert_input_error(&output, "--base-url ftp://127.0.0.1/: not an http");
    assert_eq!(files_in(work.path()), Vec::<String>::new());
}

#[test]
fn serve_help_teaches_write_corpus() {
    let output = fetchlab().args(["serve", "--help"]).output().unwrap();
    let help = stdout_of(&output);
    for needle in [
        "--write-corpus <DIR>",
        "manifest.tsv",
        "SHA256SUMS",
        "--base-url <URL>",
    ] {
        assert!(help.contains(needle), "{needle} not in {help}");
    }
}
