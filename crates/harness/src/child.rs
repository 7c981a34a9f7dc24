//! `fetchlab serve` in a child process, so that the server's CPU time and
//! memory are not counted as the client's.
//!
//! It gets the server's whole [`ServerConfig`] as one typed value
//! (`fetchlab serve --config-json`), not re-spelled flags. The child prints `fetchlab-server listening on http://127.0.0.1:PORT/` as
//! its first line; its counters come from `GET /_stats` (JSON, read with
//! ureq and serde, on a fresh connection each time so that the harness's
//! own requests are counted the same way every time). It is killed when the
//! handle is dropped.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use fetchlab_server::{ServerConfig, Stats};

use crate::error::HarnessError;

/// What the child prints first.
const BANNER: &str = "fetchlab-server listening on ";

/// How long the child may take to generate its corpus and bind.
const START_TIMEOUT: Duration = Duration::from_secs(120);

/// A running `fetchlab serve`.
#[derive(Debug)]
pub struct ChildServer {
    child: Child,
    base_url: String,
    agent: ureq::Agent,
}

impl ChildServer {
    /// Starts `exe serve --config-json CONFIG` on a free loopback port and
    /// waits for its banner.
    pub fn spawn(exe: &Path, config: &ServerConfig) -> Result<ChildServer, HarnessError> {
        let mut child = Command::new(exe)
            .args(serve_args(config)?)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| HarnessError::Server(format!("cannot run {}: {e}", exe.display())))?;
        let first_line = first_line_of(&mut child);
        match first_line.as_deref().and_then(parse_banner) {
            Some((_, base_url)) => Ok(ChildServer {
                child,
                base_url,
                agent: stats_agent(),
            }),
            None => Err(startup_failure(child, first_line)),
        }
    }

    /// `http://127.0.0.1:PORT/`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The counters and the size of the response body that carried them.
    pub fn stats(&self) -> Result<(Stats, u64), HarnessError> {
        let url = format!("{}_stats", self.base_url);
        let fail = |what: String| HarnessError::Server(format!("GET {url}: {what}"));
        let mut response = self
            .agent
            .get(&url)
            .call()
            .map_err(|e| fail(e.to_string()))?;
        let body = response
            .body_mut()
            .read_to_vec()
            .map_err(|e| fail(e.to_string()))?;
        let stats = serde_json::from_slice(&body)
            .map_err(|e| fail(format!("not the server's Stats JSON: {e}")))?;
        Ok((stats, body.len() as u64))
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        // Already exited is fine; the wait reaps it either way.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads the child's first stdout line (with a timeout), then keeps draining
/// its stdout and stderr in the background so it never blocks on a full pipe.
fn first_line_of(child: &mut Child) -> Option<String> {
    let stdout = child.stdout.take()?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().and_then(Result::ok);
        let _ = tx.send(first);
        lines.map_while(Result::ok).for_each(drop);
    });
    rx.recv_timeout(START_TIMEOUT).ok().flatten()
}

fn startup_failure(mut child: Child, first_line: Option<String>) -> HarnessError {
    let _ = child.kill();
    let status = child.wait().map(|s| s.to_string()).unwrap_or_default();
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        let _ = pipe.by_ref().take(2048).read_to_string(&mut stderr);
    }
    HarnessError::Server(format!(
        "`fetchlab serve` did not announce itself (first line {first_line:?}, {status}): {}",
        stderr.trim()
    ))
}

/// `fetchlab-server listening on http://127.0.0.1:PORT/` → address and base URL.
fn parse_banner(line: &str) -> Option<(SocketAddr, String)> {
    let url = line.trim().strip_prefix(BANNER)?;
    let host_port = url.strip_prefix("http://")?.strip_suffix('/')?;
    let addr: SocketAddr = host_port.parse().ok()?;
    addr.ip().is_loopback().then(|| (addr, url.to_owned()))
}

/// An agent that keeps no idle connection: every `/_stats` request is one
/// new connection, which [`crate::server`] subtracts from the run's counts.
fn stats_agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .max_idle_connections(0)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

/// `serve --port 0 --bind 127.0.0.1 --config-json CONFIG`: the server's
/// whole configuration in its own serde form (a generated corpus travels as
/// its spec and is generated again by the child).
fn serve_args(config: &ServerConfig) -> Result<Vec<String>, HarnessError> {
    let json = serde_json::to_string(config)
        .map_err(|e| HarnessError::Server(format!("cannot hand the configuration over: {e}")))?;
    Ok([
        "serve",
        "--port",
        "0",
        "--bind",
        "127.0.0.1",
        "--config-json",
    ]
    .into_iter()
    .map(str::to_owned)
    .chain([json])
    .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::Workload;

    #[test]
    fn banner() {
        let (addr, url) =
            parse_banner("fetchlab-server listening on http://127.0.0.1:4321/\n").unwrap();
        assert_eq!(addr.port(), 4321);
        assert_eq!(url, "http://127.0.0.1:4321/");
        assert!(parse_banner("listening on http://127.0.0.1:1/").is_none());
        assert!(parse_banner("fetchlab-server listening on http://10.0.0.1:1/").is_none());
    }

    #[test]
    fn the_child_gets_the_whole_configuration_as_json() {
        let workload = Workload::seed()
            .with_error_rate(0.25)
            .with_rtt(Duration::from_millis(50));
        let corpus = fetchlab_server::Corpus::generate(&workload.corpus_spec());
        let args = serve_args(&workload.server_config(corpus)).unwrap();
        assert_eq!(args[..5], ["serve", "--port", "0", "--bind", "127.0.0.1"]);
        assert_eq!(args[5], "--config-json");
        let back: ServerConfig = serde_json::from_str(&args[6]).unwrap();
        assert_eq!(back.error_rate, 0.25);
        assert_eq!(back.network.rtt, Duration::from_millis(50));
        assert_eq!(back.latency, Duration::from_millis(100));
        assert_eq!(back.corpus.names(), fetchlab_core::seed_names());
    }
}
