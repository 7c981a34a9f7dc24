//! `fetchlab serve` in a child process, so that the server's CPU time and
//! memory are not counted as the client's.
//!
//! The child prints `fetchlab-server listening on http://127.0.0.1:PORT/` as
//! its first line; its counters come from `GET /_stats`. It is killed when
//! the handle is dropped.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
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
    addr: SocketAddr,
    base_url: String,
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
            Some((addr, base_url)) => Ok(ChildServer {
                child,
                addr,
                base_url,
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
        let body = http_get(self.addr, "/_stats")?;
        let stats = serde_json::from_slice(&body)
            .map_err(|e| HarnessError::Server(format!("/_stats is not Stats JSON: {e}")))?;
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

/// A minimal `GET` (HTTP/1.1, `Connection: close`) for the server's own
/// endpoints; returns the body of a 200 answer.
fn http_get(addr: SocketAddr, path: &str) -> Result<Vec<u8>, HarnessError> {
    let fail = |what: String| HarnessError::Server(format!("GET {path}: {what}"));
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(10))
        .map_err(|e| fail(e.to_string()))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .map_err(|e| fail(e.to_string()))?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .map_err(|e| fail(e.to_string()))?;
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .map_err(|e| fail(e.to_string()))?;
    parse_response(&response).map_err(fail)
}

fn parse_response(response: &[u8]) -> Result<Vec<u8>, String> {
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("no end of headers")?;
    let head = String::from_utf8_lossy(&response[..split]).to_ascii_lowercase();
    let body = &response[split + 4..];
    if !head.starts_with("http/1.1 200") && !head.starts_with("http/1.0 200") {
        return Err(format!(
            "answered {:?}",
            head.lines().next().unwrap_or_default()
        ));
    }
    if head.contains("transfer-encoding: chunked") {
        return dechunk(body);
    }
    Ok(body.to_vec())
}

fn dechunk(mut body: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let eol = body
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or("bad chunk")?;
        let size_text = String::from_utf8_lossy(&body[..eol]);
        let size_hex = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_hex, 16).map_err(|_| "bad chunk size")?;
        body = &body[eol + 2..];
        if size == 0 {
            return Ok(out);
        }
        let chunk = body.get(..size).ok_or("short chunk")?;
        out.extend_from_slice(chunk);
        body = body.get(size + 2..).ok_or("short chunk")?;
    }
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
    fn responses() {
        let plain = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
        assert_eq!(parse_response(plain).unwrap(), b"{}");
        let chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{\"\r\n3\r\na\":\r\n1\r\n1\r\n0\r\n\r\n";
        assert_eq!(parse_response(chunked).unwrap(), b"{\"a\":1");
        assert!(parse_response(b"HTTP/1.1 404 Not Found\r\n\r\n").is_err());
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
