//! `fetchlab completions SHELL` and `fetchlab man`: generated from the
//! command line's definitions, so they name every subcommand.

use crate::support::*;

const SUBCOMMANDS: [&str; 4] = ["compare", "download", "serve", "report"];

#[test]
fn completions_name_every_subcommand() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let output = fetchlab().args(["completions", shell]).output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{shell}: {}",
            stderr_of(&output)
        );
        let script = stdout_of(&output);
        for name in SUBCOMMANDS {
            assert!(script.contains(name), "{shell}: no {name} in\n{script}");
        }
        assert!(
            script.contains("--shard"),
            "{shell}: download's options are there"
        );
    }
    let output = fetchlab().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
}

#[test]
fn the_man_page_lists_the_subcommands() {
    let output = fetchlab().arg("man").output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let page = stdout_of(&output);
    assert!(
        page.starts_with(".ie"),
        "roff: {}",
        &page[..page.len().min(200)]
    );
    assert!(page.contains(".TH fetchlab 1"), "{page}");
    for name in SUBCOMMANDS {
        assert!(page.contains(name), "no {name} in\n{page}");
    }
}

#[test]
fn man_out_writes_a_page_per_command() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("man1");
    let output = fetchlab()
        .arg("man")
        .arg("--out")
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let pages = files_in(&dir);
    for page in [
        "fetchlab.1",
        "fetchlab-download.1",
        "fetchlab-report-merge.1",
        "fetchlab-completions.1",
    ] {
        assert!(pages.iter().any(|p| p == page), "no {page} in {pages:?}");
    }
    let download = std::fs::read_to_string(dir.join("fetchlab-download.1")).unwrap();
    assert!(
        download.contains("concurrency") && download.contains("shard"),
        "{download}"
    );
}
