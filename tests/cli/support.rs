//! What every CLI test needs: a server, a command, a URL list, file checks.

use std::path::{Path, PathBuf};
use std::time::Duration;

use fetchlab_server::{Corpus, CorpusSpec, ServerConfig, TestServer};

/// Every strategy that speaks HTTP/1.1 (all but `tokio-h2`), as
/// `--strategy` spells them.
pub const HTTP1_STRATEGIES: [&str; 6] = [
    "sequential",
    "threads",
    "processes",
    "rayon",
    "tokio",
    "async-std",
];

/// The variables a cluster scheduler sets that choose a shard; removed from
/// every command, so that tests run the same inside a Slurm or Kubernetes job.
pub const SCHEDULER_VARIABLES: [&str; 5] = [
    "JOB_COMPLETION_INDEX",
    "SLURM_ARRAY_TASK_ID",
    "SLURM_ARRAY_TASK_MIN",
    "SLURM_ARRAY_TASK_STEP",
    "SLURM_ARRAY_TASK_COUNT",
];

/// A `fetchlab` command for the binary under test, without the scheduler's
/// variables.
pub fn fetchlab() -> assert_cmd::Command {
    let mut command = assert_cmd::Command::new(bin());
    for name in SCHEDULER_VARIABLES {
        command.env_remove(name);
    }
    command
}

/// Like [`fetchlab`], as a plain [`std::process::Command`] (to run in the
/// background).
pub fn fetchlab_process() -> std::process::Command {
    let mut command = std::process::Command::new(bin());
    for name in SCHEDULER_VARIABLES {
        command.env_remove(name);
    }
    command
}

/// The path of the binary under test.
pub fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_fetchlab"))
}

/// A server on 127.0.0.1:0 with `count` small files and no delay.
pub fn server(count: usize) -> TestServer {
    server_with(count, Duration::ZERO)
}

/// A server on 127.0.0.1:0 with `count` small files and `latency` per request.
pub fn server_with(count: usize, latency: Duration) -> TestServer {
    let config = ServerConfig {
        corpus: Corpus::generate(&CorpusSpec::files(count, 256, 4096)),
        latency,
        ..ServerConfig::default()
    };
    TestServer::start(config).expect("start the test server")
}

/// Writes the URL of every corpus file (plus `extra` URLs) to `urls.txt` in
/// `dir`, with a comment and a blank line as users write them.
pub fn url_file(server: &TestServer, dir: &Path, extra: &[String]) -> PathBuf {
    let mut text = String::from("# test list\n\n");
    for name in server.corpus().names() {
        text.push_str(&server.url(&name));
        text.push('\n');
    }
    for url in extra {
        text.push_str(url);
        text.push('\n');
    }
    let path = dir.join("urls.txt");
    std::fs::write(&path, text).expect("write the URL list");
    path
}

/// The names in `dir`, sorted.
pub fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| {
                    e.expect("read dir entry")
                        .file_name()
                        .to_string_lossy()
                        .into_owned()
                })
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Asserts that every file in `dir` is a whole corpus file, byte for byte,
/// and that no temporary file was left behind. Returns how many there are.
pub fn assert_whole_files(server: &TestServer, dir: &Path) -> usize {
    let names = files_in(dir);
    for name in &names {
        assert!(!name.starts_with('.'), "leftover temporary file {name}");
        let file = server
            .corpus()
            .get(name)
            .unwrap_or_else(|| panic!("unexpected file {name}"));
        let bytes = std::fs::read(dir.join(name)).expect("read a saved file");
        assert!(bytes == file.body, "{name} differs from the served body");
    }
    names.len()
}

/// Standard error of a finished command, as text.
pub fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Standard output of a finished command, as text.
pub fn stdout_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Asserts an input error: exit status 2, exactly one line on standard
/// error containing `needle`, no panic or Debug output.
pub fn assert_input_error(output: &std::process::Output, needle: &str) {
    let stderr = stderr_of(output);
    assert_eq!(output.status.code(), Some(2), "stderr: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line expected: {stderr}");
    assert!(stderr.contains(needle), "{needle:?} not in {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("Error {"), "Debug output in {stderr}");
}
