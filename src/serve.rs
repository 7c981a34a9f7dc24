//! `fetchlab serve`: the slow server standalone, like the book's
//! `slow_server.py`, with every knob of [`fetchlab_server`]: the network
//! model, TLS, latency, errors, faults.
//!
//! Its first line on standard output is always
//! `fetchlab-server listening on http://ADDR:PORT/` (`https://` with
//! `--tls`), flushed at once: the harness starts `fetchlab serve --port 0`
//! as a child process and reads the address from it. With `--tls` the
//! second line is `fetchlab-server ca-cert PATH`. Human help follows; the
//! server runs until Ctrl-C.
//!
//! With `--write-corpus DIR` nothing is served: [`write_corpus`] writes the
//! corpus, its manifest and a URL list into DIR, and the command exits.

mod write_corpus;

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use fetchlab_server::{Corpus, CorpusSpec, Hosts, ServerConfig, TestServer};

use crate::cli::ServeArgs;
use crate::exit::Outcome;

/// Runs `fetchlab serve` until the process is interrupted.
pub fn run(args: ServeArgs) -> Result<Outcome> {
    if let Some(dir) = &args.write_corpus {
        return write_corpus(&args, dir);
    }
    if !args.bind.is_loopback() && !args.allow_remote {
        bail!(
            "refusing to listen on {}: it is not a loopback address, and this server misbehaves \
             on purpose; add --allow-remote if other machines should reach it",
            args.bind
        );
    }
    let mut configs = match &args.config_json {
        Some(json) => parse_configs(json)?,
        None => vec![config(&args)?],
    };
    if args.cert_out.is_some() && !configs.iter().any(|c| c.tls) {
        bail!(
            "--cert-out writes the CA certificate of a TLS server: add --tls (or \"tls\": true \
             to the --config-json configuration)"
        );
    }
    if configs.len() > 1
        || args.hosts > 1
        || !args.host_rtt.is_empty()
        || !args.host_latency.is_empty()
    {
        return serve_hosts(&args, configs);
    }
    // `parse_configs` and `config` give at least one configuration.
    let config = configs.remove(0);
    let addr = SocketAddr::new(args.bind, args.port);
    let server =
        TestServer::bind(addr, config).with_context(|| format!("cannot listen on {addr}"))?;
    let ca = match (server.ca_file(), &args.cert_out) {
        (Some(_), Some(out)) => Some(write_ca(std::slice::from_ref(&server), out)?),
        (Some(tmp), None) => Some(tmp.to_owned()),
        (None, _) => None,
    };
    announce(&server, ca.as_deref()).context("cannot write to standard output")?;
    // The help is for people; a parent process that only wanted the first
    // line may have closed the pipe already, which must not stop the server.
    let _ = explain(&server, ca.as_deref());
    server.wait();
    Ok(Outcome::Success)
}

/// `--write-corpus DIR`: writes the corpus the options describe and says
/// where everything is.
fn write_corpus(args: &ServeArgs, dir: &Path) -> Result<Outcome> {
    let base_url = write_corpus::base_url(args.base_url.as_deref(), args.bind, args.port)?;
    let corpus = corpus(args)?;
    let written = write_corpus::write(&corpus, dir, &base_url)?;
    let dir = written.dir.display();
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "Wrote {} files ({} bytes) into {dir}/{}\n  \
         manifest (name, size, SHA-256):  {dir}/{}\n  \
         for sha256sum -c:                {dir}/{}\n  \
         URL list:                        {dir}/{} (under {})",
        written.files,
        written.bytes,
        write_corpus::FILES,
        write_corpus::MANIFEST,
        write_corpus::SUMS,
        write_corpus::URLS,
        written.base_url,
    )
    .and_then(|()| out.flush())
    .context("cannot write to standard output")?;
    Ok(Outcome::Success)
}

/// `--config-json`: one configuration (a JSON object) or one per host (an
/// array of them, not empty).
fn parse_configs(json: &str) -> Result<Vec<ServerConfig>> {
    if !json.trim_start().starts_with('[') {
        let one = serde_json::from_str::<ServerConfig>(json)
            .context("--config-json is not a server configuration")?;
        return Ok(vec![one]);
    }
    let many = serde_json::from_str::<Vec<ServerConfig>>(json)
        .context("--config-json is not an array of server configurations")?;
    if many.is_empty() {
        bail!("--config-json gives an empty array: one configuration per host is needed");
    }
    Ok(many)
}

/// `--hosts N`: one server per loopback address, each with its own
/// configuration when `--config-json` gave one per host, and its own RTT
/// and latency when given. The first line names the first host as usual;
/// one `fetchlab-server also listening on URL` line follows per other host.
fn serve_hosts(args: &ServeArgs, configs: Vec<ServerConfig>) -> Result<Outcome> {
    let count = usize::try_from(args.hosts).unwrap_or(usize::MAX);
    let count = if args.hosts == 1 && configs.len() > 1 {
        configs.len()
    } else {
        count
    };
    if configs.len() > 1 && configs.len() != count {
        bail!(
            "--config-json gives {} configurations for {count} hosts",
            configs.len()
        );
    }
    for (flag, given) in [
        ("--host-rtt", args.host_rtt.len()),
        ("--host-latency", args.host_latency.len()),
    ] {
        if given != 0 && given != count {
            bail!("{flag} gives {given} values for {count} hosts");
        }
    }
    if !args.bind.is_loopback() || !args.bind.is_ipv4() {
        bail!("--hosts serves 127.0.0.1, 127.0.0.2, …; --bind does not apply");
    }
    let last = configs.len().saturating_sub(1);
    let configs: Vec<ServerConfig> = (0..count)
        .filter_map(|i| configs.get(i.min(last)))
        .cloned()
        .enumerate()
        .map(|(i, mut host)| {
            if let Some(rtt) = args.host_rtt.get(i) {
                host.network.rtt = **rtt;
            }
            if let Some(latency) = args.host_latency.get(i) {
                host.latency = **latency;
            }
            host
        })
        .collect();
    let tls = configs.iter().any(|c| c.tls);
    let hosts = Hosts::start(configs, args.port).context("cannot start the hosts")?;
    let servers = hosts.servers();
    // `serve` refused --cert-out without TLS before starting anything.
    let ca = match &args.cert_out {
        Some(out) if tls => Some(write_ca(servers, out)?),
        _ => None,
    };
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "fetchlab-server listening on {}",
        servers[0].base_url()
    )?;
    for server in &servers[1..] {
        writeln!(
            out,
            "fetchlab-server also listening on {}",
            server.base_url()
        )?;
    }
    if let Some(ca) = &ca {
        writeln!(out, "fetchlab-server ca-cert {}", ca.display())?;
    }
    out.flush()?;
    drop(out);
    hosts.wait();
    Ok(Outcome::Success)
}

/// Writes the CA certificates of `servers` (one PEM file) to `out`.
fn write_ca(servers: &[TestServer], out: &Path) -> Result<PathBuf> {
    let pem: String = servers.iter().filter_map(TestServer::ca_pem).collect();
    std::fs::write(out, pem)
        .with_context(|| format!("cannot write the CA certificate to {}", out.display()))?;
    Ok(out.to_owned())
}

/// The server configuration the options ask for.
fn config(args: &ServeArgs) -> Result<ServerConfig> {
    let network = args.network.model();
    let max_connections = usize::try_from(args.max_connections).unwrap_or(usize::MAX);
    Ok(ServerConfig::default()
        .with_corpus(corpus(args)?)
        .with_network(network)
        .with_tls(args.tls)
        .with_max_connections(max_connections)
        .with_h2_max_streams(args.h2_max_streams)
        .with_header_read_timeout(*args.header_read_timeout)
        .with_latency(*args.latency)
        .with_jitter(*args.jitter)
        .with_error_rate(args.error_rate)
        .with_error_statuses(args.error_status.clone())
        .with_retry_after(args.retry_after.map(Into::into))
        .with_fault_rate(args.fault_rate)
        .with_faults(args.faults.clone())
        .with_bandwidth(args.bandwidth)
        .with_stall(*args.stall)
        .with_seed(args.seed)
        .with_worker_threads(usize::try_from(args.worker_threads).unwrap_or(usize::MAX)))
}

fn corpus(args: &ServeArgs) -> Result<Corpus> {
    if let Some(dir) = &args.dir {
        let corpus = Corpus::from_dir(dir)
            .with_context(|| format!("cannot serve the files of {}", dir.display()))?;
        if corpus.is_empty() {
            bail!("{} has no files to serve", dir.display());
        }
        return Ok(corpus);
    }
    if args.min_size > args.max_size {
        bail!(
            "--min-size {} is larger than --max-size {}",
            args.min_size,
            args.max_size
        );
    }
    let size = |bytes: u64| usize::try_from(bytes).context("file size too large for this machine");
    let spec = CorpusSpec {
        count: args.files,
        min_size: size(args.min_size)?,
        max_size: size(args.max_size)?,
        seed: args.seed,
        size_cycle: None,
    };
    spec.check_size()?;
    Ok(Corpus::generate(&spec))
}

/// Prints the machine-readable first line (and the CA line with TLS) and
/// flushes.
fn announce(server: &TestServer, ca: Option<&Path>) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "fetchlab-server listening on {}", server.base_url())?;
    if let Some(ca) = ca {
        writeln!(out, "fetchlab-server ca-cert {}", ca.display())?;
    }
    out.flush()
}

/// Prints how to use the server: its URL list, and a download command.
fn explain(server: &TestServer, ca: Option<&Path>) -> std::io::Result<()> {
    let base = server.base_url();
    let mut out = std::io::stdout().lock();
    let corpus = server.corpus();
    if let Some(ca) = ca {
        writeln!(
            out,
            "HTTPS with a certificate made for this run: trust {ca} with\
             \n  fetchlab download --cacert {ca} …\
             \n  curl --cacert {ca} {base}index.txt\
             \n  wget2 --ca-certificate={ca} {base}index.txt",
            ca = ca.display()
        )?;
    }
    writeln!(
        out,
        "Serving {} files ({} bytes). Stop with Ctrl-C.\n\
         \n  URL list:        {base}index.txt\
         \n  request counts:  {base}_stats\n\
         \nDownload them all from another terminal:",
        corpus.len(),
        corpus.total_bytes(),
    )?;
    if corpus.names() == fetchlab_core::seed_names() {
        writeln!(
            out,
            "  fetchlab download -v -o downloads --seed-list {base}"
        )?;
    }
    writeln!(
        out,
        "  fetchlab download -v -o downloads --list-url {base}index.txt"
    )?;
    out.flush()
}
