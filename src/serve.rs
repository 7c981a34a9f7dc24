//! `fetchlab serve`: the slow server standalone, like the book's
//! `slow_server.py`, with every fault knob of [`fetchlab_server`].
//!
//! Its first line on standard output is always
//! `fetchlab-server listening on http://ADDR:PORT/`, flushed at once: the
//! harness starts `fetchlab serve --port 0` as a child process and reads the
//! address from it. Human help follows; the server runs until Ctrl-C.

use std::io::Write;
use std::net::SocketAddr;

use anyhow::{Context, Result, bail};
use fetchlab_server::{Corpus, CorpusSpec, ServerConfig, TestServer};

use crate::cli::ServeArgs;
use crate::exit::Outcome;

/// Runs `fetchlab serve` until the process is interrupted.
pub fn run(args: ServeArgs) -> Result<Outcome> {
    if !args.bind.is_loopback() && !args.allow_remote {
        bail!(
            "refusing to listen on {}: it is not a loopback address, and this server misbehaves \
             on purpose; add --allow-remote if other machines should reach it",
            args.bind
        );
    }
    let config = config(&args)?;
    let addr = SocketAddr::new(args.bind, args.port);
    let server =
        TestServer::bind(addr, config).with_context(|| format!("cannot listen on {addr}"))?;
    announce(&server).context("cannot write to standard output")?;
    // The help is for people; a parent process that only wanted the first
    // line may have closed the pipe already, which must not stop the server.
    let _ = explain(&server);
    server.wait();
    Ok(Outcome::Success)
}

/// The server configuration the options ask for.
fn config(args: &ServeArgs) -> Result<ServerConfig> {
    Ok(ServerConfig::default()
        .with_corpus(corpus(args)?)
        .with_latency(*args.delay)
        .with_jitter(*args.jitter)
        .with_error_rate(args.error_rate)
        .with_error_statuses(args.error_status.clone())
        .with_retry_after(args.retry_after.map(Into::into))
        .with_fault_rate(args.fault_rate)
        .with_faults(args.faults.clone())
        .with_bandwidth(args.bandwidth)
        .with_stall(*args.stall)
        .with_seed(args.seed)
        .with_worker_threads(usize::try_from(args.threads).unwrap_or(usize::MAX)))
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
    };
    Ok(Corpus::generate(&spec))
}

/// Prints the machine-readable first line and flushes it.
fn announce(server: &TestServer) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "fetchlab-server listening on {}", server.base_url())?;
    out.flush()
}

/// Prints how to use the server: its URL list, and a download command.
fn explain(server: &TestServer) -> std::io::Result<()> {
    let base = server.base_url();
    let mut out = std::io::stdout().lock();
    let corpus = server.corpus();
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
