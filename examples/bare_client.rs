//! The bare client under an async strategy, at many downloads in flight:
//! what its stack costs with everything fetchlab and the strategy's HTTP
//! library add taken away. CONCURRENCY tasks each open one connection and
//! fetch jobs from a shared counter until JOBS are done, reading every body
//! and, unless `--no-hash`, taking its SHA-256 as the harness's `HashStore`
//! does. No pool, store, retry, redirect, timeout or size check. It prints
//! the wall time, the efficiency against the ideal `ceil(JOBS / C)` × the
//! server's delay, the CPU a job of the client's and (given its pid) the
//! server's threads, and the peak memory it added per worker.
//!
//! The stacks (`--stack`):
//! - `tokio` (default): hyper's HTTP/1 client connection on a
//!   current-thread tokio runtime, the tokio strategy's stack under
//!   reqwest;
//! - `async-std`: async-h1 on async-std's executor, the async-std
//!   strategy's stack under surf.
//!
//! ```sh
//! fetchlab serve --port 8732 --files 1000 --delay 100ms &
//! cargo run --release --example bare_client -- http://127.0.0.1:8732 10000 1000 "$!" \
//!     [--stack tokio|async-std] [--no-hash] [--yield-start] [--max-buf BYTES] \
//!     [--threads N] [--delay-ms 100] [--files 1000] [--row LABEL]
//! ```
//!
//! - `--yield-start` yields after each worker is spawned, so that on a
//!   current-thread runtime a worker's request leaves before the next
//!   worker connects (each worker owns its connection, so there is no pool
//!   for a new worker to race).
//! - `--max-buf BYTES` (tokio) caps hyper's read buffer (`max_buf_size`;
//!   hyper's default lets it grow to about 400 KiB), the lever for memory
//!   per download that reqwest does not expose.
//! - `--threads N` (tokio) runs a multi-thread runtime of N workers instead
//!   of one current-thread runtime (the tokio strategy runs one of those
//!   per core, each with its share of the workers).
//! - `--files N`: the server's file count; job `i` fetches
//!   `file{i % N:05}.bin` (default 1,000).
//! - `--row LABEL` prints one Markdown row (label, wall, efficiency, CPU a
//!   job of client and server, peak memory a worker) instead of prose.
//!
//! What this shows is in `docs/harness.md`; `benches/scale/many-in-flight.sh`
//! runs it beside the strategies.

#[path = "common/schedstat.rs"]
mod schedstat;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail, ensure};
use fetchlab_harness::ideal::makespan;
use fetchlab_harness::resources::{self, Sampler, Usage};
use schedstat::{schedstat, threads_of};
use sha2::{Digest, Sha256};

/// Which library stack the workers use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stack {
    Tokio,
    AsyncStd,
}

/// What the command line asked for.
struct Args {
    jobs: usize,
    workers: usize,
    server: Option<String>,
    stack: Stack,
    yield_start: bool,
    threads: Option<usize>,
    delay: Duration,
    row: Option<String>,
    worker: Worker,
}

/// What every worker needs, the same for all of them.
#[derive(Debug, Clone, Copy)]
struct Worker {
    addr: SocketAddr,
    jobs: usize,
    files: usize,
    hash: bool,
    max_buf: Option<usize>,
}

impl Worker {
    /// The path of the next job, or `None` when all are taken.
    fn next_path(&self, next: &AtomicUsize) -> Option<String> {
        let i = next.fetch_add(1, Ordering::Relaxed);
        (i < self.jobs).then(|| format!("/file{:05}.bin", i % self.files))
    }
}

/// A body's SHA-256, or nothing with `--no-hash`.
struct Check(Option<Sha256>);

impl Check {
    fn new(worker: &Worker) -> Self {
        Self(worker.hash.then(Sha256::new))
    }

    fn update(&mut self, bytes: &[u8]) {
        if let Some(hasher) = &mut self.0 {
            hasher.update(bytes);
        }
    }

    fn finish(self) {
        if let Some(hasher) = self.0 {
            std::hint::black_box(hasher.finalize());
        }
    }
}

fn parse() -> anyhow::Result<Option<Args>> {
    let mut positional = Vec::new();
    let (mut hash, mut yield_start, mut threads, mut max_buf) = (true, false, None, None);
    let (mut delay, mut files, mut row, mut stack) =
        (Duration::from_millis(100), 1000, None, Stack::Tokio);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--no-hash" => hash = false,
            "--yield-start" => yield_start = true,
            "--threads" => threads = Some(value()?.parse()?),
            "--max-buf" => max_buf = Some(value()?.parse()?),
            "--files" => files = value()?.parse::<usize>()?.max(1),
            "--row" => row = Some(value()?),
            "--delay-ms" => delay = Duration::from_millis(value()?.parse()?),
            "--stack" => {
                stack = match value()?.as_str() {
                    "tokio" => Stack::Tokio,
                    "async-std" => Stack::AsyncStd,
                    other => bail!("--stack {other}: tokio or async-std"),
                }
            }
            flag if flag.starts_with("--") => bail!("unknown option {flag}"),
            _ => positional.push(arg),
        }
    }
    if stack == Stack::AsyncStd && (threads.is_some() || max_buf.is_some()) {
        bail!("--threads and --max-buf are for --stack tokio");
    }
    let mut positional = positional.into_iter();
    let Some(base) = positional.next() else {
        return Ok(None);
    };
    let url = url::Url::parse(&base).with_context(|| base.clone())?;
    let addr = url
        .socket_addrs(|| None)?
        .into_iter()
        .next()
        .with_context(|| format!("{base} names no address"))?;
    ensure!(addr.ip().is_loopback(), "{base} is not a loopback address");
    let jobs = positional.next().map_or(Ok(10_000), |s| s.parse())?;
    Ok(Some(Args {
        jobs,
        workers: positional.next().map_or(Ok(1_000), |s| s.parse())?,
        server: positional.next(),
        stack,
        yield_start,
        threads,
        delay,
        row,
        worker: Worker {
            addr,
            jobs,
            files,
            hash,
            max_buf,
        },
    }))
}

/// A tokio worker: one hyper HTTP/1 connection, jobs until none are left.
/// Returns the bodies' bytes.
async fn tokio_worker(worker: Worker, next: Arc<AtomicUsize>) -> anyhow::Result<u64> {
    use http_body_util::{BodyExt, Empty};
    use hyper::body::Bytes;

    let stream = tokio::net::TcpStream::connect(worker.addr).await?;
    stream.set_nodelay(true)?;
    let mut builder = hyper::client::conn::http1::Builder::new();
    if let Some(bytes) = worker.max_buf {
        builder.max_buf_size(bytes);
    }
    let io = hyper_util::rt::TokioIo::new(stream);
    let (mut sender, connection) = builder.handshake(io).await?;
    tokio::spawn(async move {
        // Its error, if any, is the next request's error too.
        let _ = connection.await;
    });
    let host = worker.addr.to_string();
    let mut bytes = 0;
    while let Some(path) = worker.next_path(&next) {
        sender.ready().await?;
        let request = hyper::Request::get(&path)
            .header(hyper::header::HOST, &host)
            .body(Empty::<Bytes>::new())?;
        let mut response = sender.send_request(request).await?;
        ensure!(response.status() == 200, "{path}: {}", response.status());
        let mut check = Check::new(&worker);
        while let Some(frame) = response.body_mut().frame().await {
            if let Ok(data) = frame?.into_data() {
                check.update(&data);
                bytes += data.len() as u64;
            }
        }
        check.finish();
    }
    Ok(bytes)
}

async fn tokio_run(args: &Args) -> anyhow::Result<u64> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..args.workers {
        tasks.spawn(tokio_worker(args.worker, Arc::clone(&next)));
        if args.yield_start {
            tokio::task::yield_now().await;
        }
    }
    let mut bytes = 0;
    while let Some(done) = tasks.join_next().await {
        bytes += done??;
    }
    Ok(bytes)
}

/// An async-std worker: one connection driven by async-h1, jobs until
/// none are left. Returns the bodies' bytes.
async fn async_std_worker(worker: Worker, next: Arc<AtomicUsize>) -> anyhow::Result<u64> {
    use futures::AsyncReadExt;

    let stream = async_std::net::TcpStream::connect(worker.addr).await?;
    stream.set_nodelay(true)?;
    let base = surf::Url::parse(&format!("http://{}/", worker.addr))?;
    let mut buffer = vec![0; 16 * 1024];
    let mut bytes = 0;
    while let Some(path) = worker.next_path(&next) {
        let request = surf::http::Request::get(base.join(&path)?);
        let mut response = async_h1::connect(stream.clone(), request)
            .await
            .map_err(|e| anyhow!("{path}: {e}"))?;
        ensure!(response.status() == 200, "{path}: {}", response.status());
        let mut check = Check::new(&worker);
        loop {
            let n = response.read(&mut buffer).await?;
            if n == 0 {
                break;
            }
            check.update(&buffer[..n]);
            bytes += n as u64;
        }
        check.finish();
    }
    Ok(bytes)
}

async fn async_std_run(args: &Args) -> anyhow::Result<u64> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::with_capacity(args.workers);
    for _ in 0..args.workers {
        tasks.push(async_std::task::spawn(async_std_worker(
            args.worker,
            Arc::clone(&next),
        )));
        if args.yield_start {
            async_std::task::yield_now().await;
        }
    }
    let mut bytes = 0;
    for task in tasks {
        bytes += task.await?;
    }
    Ok(bytes)
}

/// The tokio runtime `--stack tokio` runs on, `None` for async-std.
fn tokio_runtime(args: &Args) -> anyhow::Result<Option<tokio::runtime::Runtime>> {
    let mut builder = match (args.stack, args.threads) {
        (Stack::AsyncStd, _) => return Ok(None),
        (Stack::Tokio, None) => tokio::runtime::Builder::new_current_thread(),
        (Stack::Tokio, Some(n)) => {
            let mut builder = tokio::runtime::Builder::new_multi_thread();
            builder.worker_threads(n.max(1));
            builder
        }
    };
    Ok(Some(builder.enable_all().build()?))
}

fn main() -> anyhow::Result<()> {
    let Some(args) = parse()? else {
        eprintln!(
            "usage: bare_client BASE_URL [JOBS] [CONCURRENCY] [SERVER_PID] \
             [--stack tokio|async-std] [--no-hash] [--yield-start] [--max-buf BYTES] \
             [--threads N] [--delay-ms MS] [--files N] [--row LABEL]"
        );
        return Ok(());
    };
    let server = args.server.as_deref().map(threads_of).transpose()?;
    // Measured as the harness measures a strategy (`measure::run_once`):
    // heap trimmed, memory sampled from before the client is built, CPU of
    // the whole process over the download.
    resources::trim_heap();
    let sampler = Sampler::start();
    let baseline = Usage::now();
    let runtime = tokio_runtime(&args)?;
    let server_before = server.as_deref().map(schedstat);
    let cpu_start = resources::cpu_time();
    let started = Instant::now();
    let bytes = match &runtime {
        Some(runtime) => runtime.block_on(tokio_run(&args))?,
        None => async_std::task::block_on(async_std_run(&args))?,
    };
    let wall = started.elapsed();
    let cpu = resources::cpu_time().saturating_sub(cpu_start);
    let peak = sampler.stop();
    let server_after = server.as_deref().map(schedstat);
    let rss_added = peak
        .zip(baseline)
        .map(|(peak, base)| peak.rss.saturating_sub(base.rss));

    let ideal = makespan(&vec![args.delay; args.jobs], args.workers);
    let efficiency = 100.0 * ideal.as_secs_f64() / wall.as_secs_f64();
    let per_job = |ms: f64| ms * 1e3 / args.jobs.max(1) as f64;
    let client = per_job(cpu.as_secs_f64() * 1e3);
    let server = match (server_before, server_after) {
        (Some(Ok(before)), Some(Ok(after))) => {
            Some((per_job(after.0 - before.0), after.1 - before.1))
        }
        _ => None,
    };
    let kib_per_worker = rss_added.map(|bytes| bytes as f64 / 1024.0 / args.workers.max(1) as f64);
    if let Some(label) = &args.row {
        // A row of the table `benches/scale/many-in-flight.sh` writes.
        let server = server.map_or("–".to_owned(), |(us, _)| format!("{us:.0} µs"));
        let rss = kib_per_worker.map_or("–".to_owned(), |kib| format!("{kib:.1} KiB"));
        println!(
            "| {label} | {:.2} s | {efficiency:.0} % | {client:.0} µs | {server} | {rss} |",
            wall.as_secs_f64()
        );
        return Ok(());
    }
    println!(
        "wall {:.1} ms for {} jobs ({bytes} bytes) at {}: efficiency {efficiency:.0} % of {:.0} ms",
        wall.as_secs_f64() * 1e3,
        args.jobs,
        args.workers,
        ideal.as_secs_f64() * 1e3
    );
    println!("client: {client:.1} µs of CPU a job");
    if let Some(kib) = kib_per_worker {
        println!("peak RSS Δ: {kib:.1} KiB a worker");
    }
    if let Some((us, waited)) = server {
        println!("server threads: {us:.1} µs a job, waited for a CPU {waited:.1} ms");
    }
    Ok(())
}
