//! `fetchlab download`: exit statuses, summary, `-v`, `--json`, skip and
//! `--force`, `-l`, standard input, and input errors caught before any request.

use std::time::Duration;

use crate::support::*;

#[test]
fn every_strategy_saves_byte_exact_files_and_exits_0() {
    let server = server(12);
    let work = tempfile::tempdir().unwrap();
    let list = url_file(&server, work.path(), &[]);
    for strategy in HTTP1_STRATEGIES {
        let out = work.path().join(strategy);
        let output = fetchlab()
            .args(["download", "-m", "4", "-s", strategy, "-o"])
            .arg(&out)
            .arg(&list)
            .output()
            .unwrap();
        let stderr = stderr_of(&output);
        assert_eq!(output.status.code(), Some(0), "{strategy}: {stderr}");
        assert!(stderr.contains("12 downloaded."), "{strategy}: {stderr}");
        assert!(stderr.contains("Elapsed time:"), "{strategy}: {stderr}");
        assert!(stdout_of(&output).is_empty(), "stdout is for --json only");
        assert_eq!(assert_whole_files(&server, &out), 12, "{strategy}");
    }
}

#[test]
fn not_found_and_errors_exit_1_with_flags2_lines() {
    let server = server(3);
    let work = tempfile::tempdir().unwrap();
    let missing = server.url("missing.bin");
    let broken = server.url("status/500/broken.bin");
    let list = url_file(&server, work.path(), &[missing.clone(), broken]);
    let output = fetchlab()
        .args(["download", "-v", "--retries", "0", "-o"])
        .arg(work.path().join("out"))
        .arg(&list)
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    for name in server.corpus().names() {
        assert!(stderr.contains(&format!("{name} OK\n")), "{stderr}");
    }
    assert!(
        stderr.contains(&format!("missing.bin not found: {missing}\n")),
        "{stderr}"
    );
    assert!(stderr.contains("broken.bin error: http 500"), "{stderr}");
    for line in ["3 downloaded.", "1 not found.", "1 error."] {
        assert!(stderr.contains(line), "{line:?} not in {stderr}");
    }
    assert_eq!(
        server.requests_for("/status/500/broken.bin"),
        1,
        "--retries 0"
    );
}

#[test]
fn json_report_has_every_outcome_and_the_counts() {
    let server = server(4);
    let work = tempfile::tempdir().unwrap();
    let list = url_file(&server, work.path(), &[server.url("missing.bin")]);
    let output = fetchlab()
        .args(["download", "--json", "-o"])
        .arg(work.path().join("out"))
        .arg(&list)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("stdout is JSON");
    assert_eq!(report["strategy"], "tokio");
    assert!(report["wall_time"].is_f64());
    assert_eq!(report["counts"]["downloaded"], 4);
    assert_eq!(report["counts"]["not_found"], 1);
    assert_eq!(report["counts"]["errors"], 0);
    assert_eq!(report["interrupted"], false);
    let outcomes = report["outcomes"].as_array().expect("outcomes array");
    assert_eq!(outcomes.len(), 5);
    assert_eq!(outcomes[0]["status"], "saved");
    assert_eq!(
        outcomes[0]["resume"]["kind"], "none",
        "nothing was kept to resume"
    );
    assert_eq!(outcomes[0]["job"]["name"], "file00000.bin");
    assert_eq!(outcomes[4]["status"], "not_found");
    let total: u64 = server
        .corpus()
        .files()
        .iter()
        .map(|f| f.body.len() as u64)
        .sum();
    assert_eq!(report["bytes_downloaded"], total);
}

#[test]
fn complete_files_are_skipped_unless_forced() {
    let server = server(5);
    let work = tempfile::tempdir().unwrap();
    let list = url_file(&server, work.path(), &[]);
    let out = work.path().join("out");
    let run = |extra: &[&str]| {
        fetchlab()
            .args(["download", "-o"])
            .arg(&out)
            .args(extra)
            .arg(&list)
            .output()
            .unwrap()
    };
    assert_eq!(run(&[]).status.code(), Some(0));
    let after_first = server.stats().requests;

    let again = run(&[]);
    let stderr = stderr_of(&again);
    assert_eq!(again.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("0 downloaded."), "{stderr}");
    assert!(stderr.contains("5 already complete (skipped)."), "{stderr}");
    assert_eq!(
        server.stats().requests,
        after_first,
        "a skip makes no request"
    );

    let forced = run(&["--force"]);
    let stderr = stderr_of(&forced);
    assert_eq!(forced.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("5 downloaded."), "{stderr}");
    assert!(!stderr.contains("skipped"), "{stderr}");
    assert_eq!(server.stats().requests, after_first + 5);
    assert_eq!(assert_whole_files(&server, &out), 5);
}

#[test]
fn limit_takes_the_first_n_jobs() {
    let server = server(10);
    let work = tempfile::tempdir().unwrap();
    let list = url_file(&server, work.path(), &[]);
    let out = work.path().join("out");
    let output = fetchlab()
        .args(["download", "-l", "3", "-o"])
        .arg(&out)
        .arg(&list)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(stderr_of(&output).contains("3 downloaded."));
    assert_eq!(
        files_in(&out),
        ["file00000.bin", "file00001.bin", "file00002.bin"]
    );
    assert_eq!(server.stats().requests, 3);
}

#[test]
fn per_host_caps_the_requests_in_flight_to_one_host() {
    let server = server_with(12, Duration::from_millis(50));
    let work = tempfile::tempdir().unwrap();
    let list = url_file(&server, work.path(), &[]);
    let out = work.path().join("out");
    let output = fetchlab()
        .args(["download", "-m", "8", "--per-host", "2", "-o"])
        .arg(&out)
        .arg(&list)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert_eq!(assert_whole_files(&server, &out), 12);
    assert_eq!(
        server.stats().peak_in_flight,
        2,
        "the per-host limit, reached"
    );
}

#[test]
fn urls_come_from_stdin_arguments_or_the_seed_list() {
    let server = server(3);
    let work = tempfile::tempdir().unwrap();
    let list: String = server
        .corpus()
        .names()
        .iter()
        .map(|n| server.url(n) + "\n")
        .collect();
    let from_stdin = work.path().join("stdin");
    fetchlab()
        .args(["download", "-q", "-o"])
        .arg(&from_stdin)
        .arg("-")
        .write_stdin(list)
        .assert()
        .success()
        .stderr("");
    assert_eq!(assert_whole_files(&server, &from_stdin), 3);

    let from_args = work.path().join("args");
    fetchlab()
        .args(["download", "-o"])
        .arg(&from_args)
        .args([server.url("file00001.bin"), server.url("file00002.bin")])
        .assert()
        .success();
    assert_eq!(files_in(&from_args), ["file00001.bin", "file00002.bin"]);

    let seed =
        fetchlab_server::TestServer::start(fetchlab_server::ServerConfig::default()).unwrap();
    let from_seed = work.path().join("seed");
    let output = fetchlab()
        .args(["download", "--seed-list", &seed.base_url(), "-o"])
        .arg(&from_seed)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert!(stderr_of(&output).contains("80 downloaded."));
    assert_eq!(assert_whole_files(&seed, &from_seed), 80);
}

#[test]
fn passwords_in_urls_are_hidden_in_every_line_and_report() {
    let server = server(1);
    let work = tempfile::tempdir().unwrap();
    let with_password = |name: &str| {
        server
            .url(name)
            .replacen("http://", "http://ann:s3cret@", 1)
    };
    let list = work.path().join("urls.txt");
    let text = format!(
        "{}\n{}\n",
        with_password("file00000.bin"),
        with_password("missing.bin")
    );
    std::fs::write(&list, text).unwrap();
    let report = work.path().join("report.json");
    let output = fetchlab()
        .args(["download", "-v", "--json", "--report"])
        .arg(&report)
        .arg("-o")
        .arg(work.path().join("out"))
        .arg(&list)
        .output()
        .unwrap();
    let (stdout, stderr) = (stdout_of(&output), stderr_of(&output));
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let shown = with_password("missing.bin").replace("s3cret", "***");
    assert!(
        stderr.contains(&format!("missing.bin not found: {shown}")),
        "{stderr}"
    );
    assert!(stdout.contains("ann:***@"), "the user is kept: {stdout}");
    let written = std::fs::read_to_string(&report).unwrap();
    assert!(written.contains("ann:***@"), "{written}");
    for text in [&stdout, &stderr, &written] {
        assert!(!text.contains("s3cret"), "password shown in {text}");
    }
    assert_eq!(
        server.requests_for("/file00000.bin"),
        1,
        "the request still carries it"
    );
}
