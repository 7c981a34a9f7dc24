//! `fetchlab serve` in a child process, so that the server's CPU time and
//! memory are not counted as the client's.
//!
//! It gets the server's whole [`ServerConfig`] as one typed value
//! (`fetchlab serve --config-json`), not re-spelled flags; several hosts
//! get one configuration each, as a JSON array (`serve --hosts N
//! --config-json [...]`). The child prints `fetchlab-server listening on
//! http://127.0.0.1:PORT/` as its first line, and with several hosts one
//! `fetchlab-server also listening on http://127.0.0.N:PORT/` line per
//! other host; each host's counters come from its own `GET /_stats` (JSON,
//! read with ureq and serde, on a fresh connection each time so that the
//! harness's own requests are counted the same way every time). With TLS
//! it is asked to write every host's certificate authority to one file
//! (`--cert-out`), announced after the banners as `fetchlab-server ca-cert
//! PATH`, read at once and trusted by the stats requests. It is killed when
//! the handle is dropped.

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

/// What the child prints for every host after the first.
const ALSO_BANNER: &str = "fetchlab-server also listening on ";

/// What the child prints after the banners with TLS, before the CA file.
const CA_LINE: &str = "fetchlab-server ca-cert ";

/// How long the child may take to generate its corpus and bind.
const START_TIMEOUT: Duration = Duration::from_secs(120);

/// A running `fetchlab serve`.
#[derive(Debug)]
pub struct ChildServer {
    child: Child,
    base_urls: Vec<String>,
    ca_pem: Option<String>,
    agent: ureq::Agent,
}

impl ChildServer {
    /// Starts `exe serve --config-json CONFIG` on a free loopback port (with
    /// several configurations, `--hosts N`: one host each, on 127.0.0.1,
    /// 127.0.0.2, …) and waits for its banner lines.
    pub fn spawn(exe: &Path, configs: &[ServerConfig]) -> Result<ChildServer, HarnessError> {
        let tls = configs.iter().any(|c| c.tls);
        let ca_file = match tls {
            true => Some(
                tempfile::Builder::new()
                    .prefix("fetchlab-ca-")
                    .suffix(".pem")
                    .tempfile()
                    .map_err(|e| HarnessError::Server(format!("cannot make a CA file: {e}")))?
                    .into_temp_path(),
            ),
            false => None,
        };
        let mut child = Command::new(exe)
            .args(serve_args(configs, ca_file.as_deref())?)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| HarnessError::Server(format!("cannot run {}: {e}", exe.display())))?;
        let hosts = configs.len().max(1);
        let lines = first_lines_of(&mut child, hosts + usize::from(tls));
        let base_urls: Option<Vec<String>> = lines
            .iter()
            .take(hosts)
            .enumerate()
            .map(|(i, line)| {
                let banner = if i == 0 { BANNER } else { ALSO_BANNER };
                parse_banner(line, banner).map(|(_, url)| url)
            })
            .collect();
        let Some(base_urls) = base_urls.filter(|urls| urls.len() == hosts) else {
            return Err(startup_failure(child, lines.into_iter().next()));
        };
        let ca_pem = match &ca_file {
            None => None,
            Some(file) => {
                let announced = lines
                    .get(hosts)
                    .and_then(|l| l.trim().strip_prefix(CA_LINE));
                match announced.map(|_| std::fs::read_to_string(file)) {
                    Some(Ok(pem)) => Some(pem),
                    Some(Err(e)) => {
                        return Err(startup_failure(child, Some(format!("the CA file: {e}"))));
                    }
                    None => return Err(startup_failure(child, lines.get(hosts).cloned())),
                }
            }
        };
        match stats_agent(ca_pem.as_deref()) {
            Ok(agent) => Ok(ChildServer {
                child,
                base_urls,
                ca_pem,
                agent,
            }),
            Err(e) => Err(startup_failure(child, Some(e.to_string()))),
        }
    }

    /// With TLS, the PEM of every host's certificate authority.
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// Every host's `http://127.0.0.N:PORT/`, in host order (at least one).
    pub fn base_urls(&self) -> &[String] {
        &self.base_urls
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Host `host`'s counters and the size of the response body that
    /// carried them.
    pub fn stats(&self, host: usize) -> Result<(Stats, u64), HarnessError> {
        let base = self
            .base_urls
            .get(host)
            .ok_or_else(|| HarnessError::Server(format!("no host {host}")))?;
        let url = format!("{base}_stats");
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

/// Reads the child's first `n` stdout lines (with a timeout; fewer if it
/// stops or the time runs out), then keeps draining its stdout in the
/// background so it never blocks on a full pipe.
fn first_lines_of(child: &mut Child, n: usize) -> Vec<String> {
    let Some(stdout) = child.stdout.take() else {
        return Vec::new();
    };
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        let first: Vec<String> = lines.by_ref().take(n).map_while(Result::ok).collect();
        let _ = tx.send(first);
        lines.map_while(Result::ok).for_each(drop);
    });
    rx.recv_timeout(START_TIMEOUT).unwrap_or_default()
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

/// `fetchlab-server listening on http://127.0.0.1:PORT/` (`banner` being
/// the words before the URL) → address and base URL.
fn parse_banner(line: &str, banner: &str) -> Option<(SocketAddr, String)> {
    let url = line.trim().strip_prefix(banner)?;
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))?;
    let host_port = rest.strip_suffix('/')?;
    let addr: SocketAddr = host_port.parse().ok()?;
    addr.ip().is_loopback().then(|| (addr, url.to_owned()))
}

/// An agent that keeps no idle connection: every `/_stats` request is one
/// new connection, which [`crate::server`] subtracts from the run's counts.
/// With TLS it trusts the child's certificate authorities, `ca_pem`, alone.
fn stats_agent(ca_pem: Option<&str>) -> Result<ureq::Agent, HarnessError> {
    let mut config = ureq::Agent::config_builder()
        .max_idle_connections(0)
        .timeout_global(Some(Duration::from_secs(60)));
    if let Some(pem) = ca_pem {
        let roots = ureq::tls::parse_pem(pem.as_bytes())
            .filter_map(|item| match item {
                Ok(ureq::tls::PemItem::Certificate(cert)) => Some(Ok(cert)),
                Ok(_) => None,
                Err(e) => Some(Err(e)),
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| HarnessError::Server(format!("the child's CA certificate: {e}")))?;
        let tls = ureq::tls::TlsConfig::builder()
            .provider(ureq::tls::TlsProvider::Rustls)
            .root_certs(ureq::tls::RootCerts::from(roots))
            .build();
        config = config.tls_config(tls);
    }
    Ok(config.build().into())
}

/// `serve --port 0 --bind 127.0.0.1 --config-json CONFIG`: the server's
/// whole configuration in its own serde form (a generated corpus travels as
/// its spec and is generated again by the child). Several configurations:
/// `--hosts N` before, and CONFIG a JSON array of them, host by host. With
/// `cert_out`, `--cert-out PATH` (the configurations say TLS; the flag
/// only asks for the CA file: `--tls` beside `--config-json` is refused).
fn serve_args(
    configs: &[ServerConfig],
    cert_out: Option<&Path>,
) -> Result<Vec<String>, HarnessError> {
    let json = match configs {
        [one] => serde_json::to_string(one),
        many => serde_json::to_string(many),
    }
    .map_err(|e| HarnessError::Server(format!("cannot hand the configuration over: {e}")))?;
    let mut args: Vec<String> = ["serve", "--port", "0", "--bind", "127.0.0.1"]
        .into_iter()
        .map(str::to_owned)
        .collect();
    if configs.len() > 1 {
        args.extend(["--hosts".to_owned(), configs.len().to_string()]);
    }
    if let Some(path) = cert_out {
        args.push("--cert-out".to_owned());
        args.push(path.display().to_string());
    }
    args.extend(["--config-json".to_owned(), json]);
    Ok(args)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::Workload;

    #[test]
    fn banner() {
        let (addr, url) = parse_banner(
            "fetchlab-server listening on http://127.0.0.1:4321/\n",
            BANNER,
        )
        .unwrap();
        assert_eq!(addr.port(), 4321);
        assert_eq!(url, "http://127.0.0.1:4321/");
        assert!(parse_banner("listening on http://127.0.0.1:1/", BANNER).is_none());
        assert!(parse_banner("fetchlab-server listening on http://10.0.0.1:1/", BANNER).is_none());
        let (_, other) = parse_banner(
            "fetchlab-server also listening on http://127.0.0.2:99/",
            ALSO_BANNER,
        )
        .unwrap();
        assert_eq!(other, "http://127.0.0.2:99/");
        let (_, tls) =
            parse_banner("fetchlab-server listening on https://127.0.0.1:9/", BANNER).unwrap();
        assert_eq!(tls, "https://127.0.0.1:9/");
    }

    #[test]
    fn the_child_gets_the_whole_configuration_as_json() {
        let workload = Workload::seed()
            .with_server(|s| s.with_error_rate(0.25).with_rtt(Duration::from_millis(50)));
        let corpus = fetchlab_server::Corpus::generate(&workload.corpus_spec());
        let args = serve_args(&[workload.server_config(corpus)], None).unwrap();
        assert_eq!(args[..5], ["serve", "--port", "0", "--bind", "127.0.0.1"]);
        assert_eq!(args[5], "--config-json");
        let back: ServerConfig = serde_json::from_str(&args[6]).unwrap();
        assert_eq!(back.error_rate, 0.25);
        assert_eq!(back.network.rtt, Duration::from_millis(50));
        assert_eq!(back.latency, Duration::from_millis(100));
        assert_eq!(back.corpus.names(), fetchlab_core::seed_names());
    }

    #[test]
    fn several_hosts_get_one_configuration_each() {
        let workload = Workload::seed();
        let corpus = fetchlab_server::Corpus::generate(&workload.corpus_spec());
        let fast = workload.server_config(corpus.clone());
        let slow = ServerConfig {
            latency: Duration::from_millis(150),
            ..fast.clone()
        };
        let args = serve_args(&[fast, slow], None).unwrap();
        assert_eq!(args[5..8], ["--hosts", "2", "--config-json"]);
        let back: Vec<ServerConfig> = serde_json::from_str(&args[8]).unwrap();
        let latencies: Vec<u128> = back.iter().map(|c| c.latency.as_millis()).collect();
        assert_eq!(latencies, [100, 150]);
    }
}
