//! `fetchlab serve` in a child process, so that the server's CPU time and
//! memory are not counted as the client's.
//!
//! The child prints `fetchlab-server listening on http://127.0.0.1:PORT/` as
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

use fetchlab_server::{Fault, Stats};

use crate::error::HarnessError;
use crate::workload::Workload;

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
    /// Starts `exe serve` with the flags of `workload` and waits for its banner.
    pub fn spawn(exe: &Path, workload: &Workload) -> Result<ChildServer, HarnessError> {
        let mut child = Command::new(exe)
            .arg("serve")
            .args(workload.serve_args())
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

impl Workload {
    /// The `fetchlab serve` flags for this workload: address, corpus and
    /// seed always; the rest only where they differ from `serve`'s defaults.
    pub fn serve_args(&self) -> Vec<String> {
        let mut args: Vec<String> = [
            ("--port", "0".to_owned()),
            ("--bind", "127.0.0.1".to_owned()),
            ("--files", self.jobs.to_string()),
            ("--min-size", self.min_size.to_string()),
            ("--max-size", self.max_size.to_string()),
            ("--seed", self.seed.to_string()),
        ]
        .into_iter()
        .flat_map(|(flag, value)| [flag.to_owned(), value])
        .collect();
        let mut flag = |name: &str, value: String| args.extend([name.to_owned(), value]);
        if !self.latency.is_zero() {
            flag("--delay", duration_arg(self.latency));
        }
        if !self.jitter.is_zero() {
            flag("--jitter", duration_arg(self.jitter));
        }
        if self.error_rate > 0.0 {
            flag("--error-rate", self.error_rate.to_string());
        }
        if self.fault_rate > 0.0 {
            flag("--fault-rate", self.fault_rate.to_string());
            let names: Vec<String> = self.faults.iter().map(Fault::to_string).collect();
            flag("--faults", names.join(","));
        }
        if self.faults.contains(&Fault::Stall) && self.fault_rate > 0.0 {
            flag("--stall", duration_arg(self.stall));
        }
        if let Some(rate) = self.bandwidth {
            flag("--bandwidth", rate.to_string());
        }
        args
    }
}

/// `100ms`, `1500us`: whole milliseconds when exact, microseconds otherwise.
fn duration_arg(d: Duration) -> String {
    if d.as_micros().is_multiple_of(1000) {
        format!("{}ms", d.as_millis())
    } else {
        format!("{}us", d.as_micros())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn serve_args_name_only_what_differs() {
        let args = Workload::seed().serve_args().join(" ");
        assert_eq!(
            args,
            "--port 0 --bind 127.0.0.1 --files 80 --min-size 8192 --max-size 40960 --seed 2026 --delay 100ms"
        );
        let flaky = Workload::seed()
            .with_latency(Duration::from_micros(1500))
            .with_error_rate(0.25)
            .with_faults(0.05, vec![Fault::Stall, Fault::ShortBody])
            .with_bandwidth(Some(1000))
            .serve_args()
            .join(" ");
        assert!(flaky.contains("--delay 1500us --error-rate 0.25 --fault-rate 0.05 --faults stall,short-body --stall 60000ms --bandwidth 1000"), "{flaky}");
    }
}
