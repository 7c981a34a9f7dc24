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
    for strategy in HTTP1_STRATEGIES {
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
    assert!(!read_json(&json).is_null());
}

/// An exported JSON table.
fn read_json(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).expect("valid JSON")
}

/// A tiny `compare` with `args`, which must exit 0: its standard output and
/// its table as exported JSON.
fn tiny_compare_to_json(args: &[&str]) -> (String, serde_json::Value) {
    let work = tempfile::tempdir().unwrap();
    let json = work.path().join("t.json");
    let output = fetchlab()
        .args(TINY)
        .args(args)
        .arg("--export-json")
        .arg(&json)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    (stdout_of(&output), read_json(&json))
}

/// The compare options of a tiny run with one command row and one strategy.
fn with_command(template: &str) -> assert_cmd::Command {
    let mut command = fetchlab();
    command
        .args(TINY)
        .args(["--strategies", "tokio", "--command", template]);
    command
}

#[test]
fn fetchlab_download_as_a_command_is_a_verified_row() {
    let template = format!(
        "self={} download -q -m {{c}} -o {{out}} {{urls}}",
        bin().display()
    );
    let output = with_command(&template).output().unwrap();
    let stdout = stdout_of(&output);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let row = stdout
        .lines()
        .find(|l| l.starts_with("self "))
        .unwrap_or_else(|| panic!("no row for the command in\n{stdout}"));
    assert!(
        row.contains("6 / 0 / 0") && row.ends_with("verified"),
        "{row}"
    );
}

#[test]
fn a_failing_command_is_a_row_that_says_so_and_compare_exits_1() {
    let output = with_command("broken=sh -c 'echo no luck >&2; exit 3'")
        .output()
        .unwrap();
    let stdout = stdout_of(&output);
    assert_eq!(output.status.code(), Some(1), "{}", stderr_of(&output));
    let row = stdout
        .lines()
        .find(|l| l.starts_with("broken "))
        .unwrap_or_else(|| panic!("no row for the command in\n{stdout}"));
    assert!(
        row.contains("FAILED: exit status 3 (no luck); 6 missing"),
        "{row}"
    );
    // The strategy's row is still there and verified.
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("tokio ") && l.ends_with("verified"))
    );
}

#[test]
fn a_peer_that_is_not_installed_is_one_note_not_a_failure() {
    let empty = tempfile::tempdir().unwrap();
    let output = fetchlab()
        .args(TINY)
        .args(["--strategies", "tokio", "--peers", "curl"])
        .env("PATH", empty.path())
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let notes: Vec<&str> = stderr.lines().filter(|l| l.contains("curl")).collect();
    assert_eq!(notes.len(), 1, "{stderr}");
    assert!(notes[0].contains("not on PATH"), "{stderr}");
    let stdout = stdout_of(&output);
    assert!(!stdout.lines().any(|l| l.starts_with("curl ")), "{stdout}");
    assert!(stdout.contains("note: curl is not on PATH"), "{stdout}");
}

#[test]
fn a_bad_command_template_is_an_input_error() {
    let output = with_command("nameless").output().unwrap();
    assert_input_error(&output, "NAME=TEMPLATE");
    let output = with_command("tokio=true").output().unwrap();
    assert_input_error(&output, "used twice");
    let output = with_command("tls=curl --cacert {cacert} {base}")
        .output()
        .unwrap();
    assert_input_error(&output, "TLS");
}

/// The `processes` row runs its children into a directory store (the other
/// rows hash), and its files are verified on the disk: a row that saved
/// every job, with the children's memory and threads counted.
#[test]
fn the_processes_row_is_measured_into_a_directory_and_verified() {
    let (_, parsed) = tiny_compare_to_json(&["--strategies", "processes"]);
    let rows = parsed["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 1, "{parsed}");
    let row = &rows[0];
    assert_eq!(row["strategy"], "processes");
    assert_eq!(row["counts"]["downloaded"], 6, "{row}");
    assert_eq!(row["counts"]["errors"], 0, "{row}");
    assert!(row["failed"].is_null() && row["refused"].is_null(), "{row}");
    assert!(
        row["peak_rss_delta"].as_u64().is_some_and(|b| b > 0),
        "{row}"
    );
    assert!(row["threads"].as_u64().is_some_and(|t| t >= 2), "{row}");
}

#[test]
fn compare_over_three_hosts_shows_each_hosts_counts() {
    let (stdout, table) = tiny_compare_to_json(&[
        "--hosts",
        "3",
        "--host-latency",
        "0ms,1ms,2ms",
        "--per-host",
        "1",
        "--strategies",
        "threads,tokio",
    ]);
    assert!(stdout.contains("per host: connections, peak"), "{stdout}");
    assert!(stdout.contains("Several hosts"), "{stdout}");
    let rows = table["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    for row in rows {
        let hosts = row["hosts"].as_array().unwrap();
        let requests: Vec<u64> = hosts
            .iter()
            .map(|h| h["requests"].as_u64().unwrap())
            .collect();
        // 6 jobs round-robin over 3 hosts, served by the child's three hosts.
        assert_eq!(requests, [2, 2, 2], "{row}");
        for host in hosts {
            assert_eq!(host["peak_in_flight"], 1, "--per-host 1: {row}");
        }
        // On all three hosts at once: at most one each.
        let peak = row["server_peak_in_flight"].as_u64().unwrap();
        assert!((1..=3).contains(&peak), "{row}");
        assert_eq!(row["server"], "child", "{row}");
    }
}

#[test]
fn bad_host_options_are_named_in_one_line() {
    for (args, needle) in [
        (&["--hosts", "0"][..], "--hosts 0: at least one host"),
        (&["--hosts", "255"][..], "at most 254"),
        (
            &["--hosts", "3", "--host-latency", "10ms,20ms"][..],
            "--host-latency gives 2 values for 3 hosts",
        ),
        (
            &["--host-rtt", "10ms,20ms"][..],
            "--host-rtt gives 2 values for 1 host",
        ),
        (&["--hosts", "2", "--per-host", "0"][..], "--per-host 0"),
    ] {
        let output = fetchlab().args(TINY).args(args).output().unwrap();
        assert_input_error(&output, needle);
    }
}

#[test]
fn compare_help_teaches_the_host_options() {
    let output = fetchlab().args(["compare", "--help"]).output().unwrap();
    let help = stdout_of(&output);
    for needle in [
        "--hosts <N>",
        "--host-latency <DURATIONS>",
        "--per-host <N>",
        "job i of the list goes to host i mod N",
        "--per-host 4",
    ] {
        assert!(help.contains(needle), "{needle:?} not in\n{help}");
    }
}

#[test]
fn compare_help_describes_every_command_placeholder() {
    let output = fetchlab().args(["compare", "--help"]).output().unwrap();
    let help = stdout_of(&output);
    // Line breaks are the terminal's: compare the words.
    let words = help.split_whitespace().collect::<Vec<_>>().join(" ");
    for placeholder in fetchlab_harness::command::PLACEHOLDERS {
        let described = format!("{placeholder} (");
        assert!(words.contains(&described), "{described:?} not in\n{help}");
    }
    assert!(words.contains("{c} (concurrency), {n} (files)"), "{help}");
}

/// The row called `name` of an exported table.
fn json_row<'a>(table: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    table["rows"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["strategy"] == name))
        .unwrap_or_else(|| panic!("no row {name} in {table}"))
}

#[test]
fn compare_tls_trusts_the_child_servers_ca_and_async_std_says_why_not() {
    let (stdout, table) =
        tiny_compare_to_json(&["--tls", "--strategies", "threads,tokio,processes,async-std"]);
    assert!(stdout.contains("HTTPS"), "the title says TLS:\n{stdout}");
    for name in ["threads", "tokio", "processes"] {
        let row = json_row(&table, name);
        assert_eq!(row["counts"]["downloaded"], 6, "{row}");
        assert!(row["refused"].is_null() && row["failed"].is_null(), "{row}");
        // The TLS server is a child process, as without TLS: its CPU and
        // memory are not the client's.
        assert_eq!(row["server"], "child", "{row}");
    }
    let refused = json_row(&table, "async-std")["refused"]
        .as_str()
        .unwrap_or_default();
    assert!(refused.contains("TLS"), "{refused}");
    assert!(stdout.contains("refused"), "{stdout}");
}

#[test]
fn compare_http2_multiplexes_tokio_and_refuses_http1_only_strategies() {
    let (_, table) = tiny_compare_to_json(&["--http2", "--strategies", "threads,tokio"]);
    let tokio = json_row(&table, "tokio");
    assert_eq!(tokio["counts"]["downloaded"], 6, "{tokio}");
    assert_eq!(tokio["connections"], 1, "{tokio}");
    let refused = json_row(&table, "threads")["refused"]
        .as_str()
        .unwrap_or_default();
    assert!(refused.contains("HTTP/2"), "{refused}");
}

#[test]
fn compare_no_keepalive_opens_a_connection_per_request() {
    let (_, table) =
        tiny_compare_to_json(&["--no-keepalive", "--strategies", "threads,tokio,processes"]);
    for name in ["threads", "tokio", "processes"] {
        let row = json_row(&table, name);
        assert_eq!(row["requests"], 6, "{row}");
        assert_eq!(row["connections"], 6, "{row}");
    }
}

#[test]
fn compare_tls_gives_command_rows_the_ca_as_cacert() {
    let template = format!(
        "self={} download -q -m {{c}} --cacert {{cacert}} -o {{out}} {{urls}}",
        bin().display()
    );
    let (_, table) =
        tiny_compare_to_json(&["--tls", "--strategies", "tokio", "--command", &template]);
    let row = json_row(&table, "self");
    assert_eq!(row["counts"]["downloaded"], 6, "{row}");
    assert!(row["failed"].is_null(), "{row}");
}
