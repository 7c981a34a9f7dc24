//! `fetchlab compare` on a tiny workload: a row per strategy, exit 0, exports.

use crate::support::*;

const TINY: [&str; 9] = [
    "compare",
    "--jobs",
    "6",
    "-c",
    "3",
    "--latency",
    "0ms",
    "--runs",
    "1",
];

#[test]
fn compare_prints_a_row_per_strategy() {
    let output = fetchlab().args(TINY).output().unwrap();
    let stdout = stdout_of(&output);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    for strategy in ["sequential", "threads", "rayon", "tokio", "async-std"] {
        let rows = stdout.lines().filter(|l| l.contains(strategy)).count();
        assert!(rows >= 1, "no row for {strategy} in\n{stdout}");
    }
}

#[test]
fn compare_exports_what_it_printed() {
    let work = tempfile::tempdir().unwrap();
    let (md, csv, json) = (
        work.path().join("t.md"),
        work.path().join("t.csv"),
        work.path().join("t.json"),
    );
    let output = fetchlab()
        .args(TINY)
        .args(["--strategies", "sequential,tokio"])
        .arg("--export-markdown")
        .arg(&md)
        .arg("--export-csv")
        .arg(&csv)
        .arg("--export-json")
        .arg(&json)
        .output()
        .unwrap();
    let stdout = stdout_of(&output);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert!(
        stdout.contains("sequential") && stdout.contains("tokio"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("async-std"),
        "only the chosen strategies: {stdout}"
    );
    for path in [&md, &csv] {
        let text = std::fs::read_to_string(path).unwrap();
        assert!(
            text.contains("sequential") && text.contains("tokio"),
            "{text}"
        );
    }
    let parsed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).expect("valid JSON");
    assert!(!parsed.is_null());
}
