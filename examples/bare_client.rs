//! The bare client under the tokio strategy, at many downloads in flight:
//! what its stack (tokio and hyper) costs with everything fetchlab and
//! reqwest add taken away. CONCURRENCY tasks on a tokio runtime each open one
//! connection with hyper's HTTP/1 client (no reqwest, no pool, no store,
//! retry, redirect or size checks) and fetch jobs from a shared counter
//! until `JOBS` are done, reading every body and, unless `--no-hash`,
//! taking its SHA-256 as the harness's `HashStore` does. It prints the wall
//! time, the efficiency against the ideal `ceil(JOBS / C)` × the server's
//! delay, and the CPU of the client's and (given its pid) the server's
//! threads.
//!
//! ```sh
//! fetchlab serve --port 8732 --files 1000 --delay 100ms &
//! cargo run --release --example bare_client -- http://127.0.0.1:8732 10000 1000 "$!" \
//!     [--no-hash] [--yield-start] [--max-buf BYTES] [--threads N] [--delay-ms 100]
//! ```
//!
//! - `--yield-start` yields after each worker is spawned, so that on a
//!   current-thread runtime a worker's request leaves before the next
//!   worker connects (with no pool to race, this costs nothing extra here).
//! - `--max-buf BYTES` caps hyper's read buffer (`max_buf_size`; hyper's
//!   default grows it to about 400 KiB), the lever for memory per
//!   download that reqwest does not expose.
//! - `--files N`: the server's file count (job `i` fetches
//!   `file{i % N:05}.bin`; default 1,000).
//! - `--row LABEL` prints one Markdown row (label, wall, efficiency, CPU a
//!   job of client and server, peak RSS a worker) instead of prose.
//! - `--threads N` runs a multi-thread runtime of N workers instead of the
//!   current-thread one the tokio strategy uses by default.
//!
//! What this shows is in `docs/harness.md`; `benches/scale/many-in-flight.sh`
//! runs it beside the strategies.

#[path = "common/schedstat.rs"]
mod schedstat;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use schedstat::{schedstat, threads_of};
use sha2::{Digest, Sha256};

/// What the command line asked for.
struct Args {
    addr: SocketAddr,
    jobs: usize,
    workers: usize,
    server: Option<String>,
    hash: bool,
    yield_start: bool,
    threads: Option<usize>,
    delay: Duration,
    max_buf: Option<usize>,
    files: usize,
    row: Option<String>,
}

fn parse() -> anyhow::Result<Option<Args>> {
    let mut positional = Vec::new();
    let (mut hash, mut yield_start, mut threads, mut delay, mut max_buf) =
        (true, false, None, Duration::from_millis(100), None);
    let (mut files, mut row) = (1000, None);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--no-hash" => hash = false,
            "--yield-start" => yield_start = true,
            "--threads" => threads = Some(args.next().context("--threads N")?.parse()?),
            "--max-buf" => max_buf = Some(args.next().context("--max-buf BYTES")?.parse()?),
            "--files" => files = args.next().context("--files N")?.parse()?,
            "--row" => row = Some(args.next().context("--row LABEL")?),
            "--delay-ms" => {
                delay = Duration::from_millis(args.next().context("--delay-ms MS")?.parse()?);
            }
            flag if flag.starts_with("--") => bail!("unknown option {flag}"),
            _ => positional.push(arg),
        }
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
    Ok(Some(Args {
        addr,
        jobs: positional.next().map_or(Ok(10_000), |s| s.parse())?,
        workers: positional.next().map_or(Ok(1_000), |s| s.parse())?,
        server: positional.next(),
        hash,
        yield_start,
        threads,
        delay,
        max_buf,
        files: files.max(1),
        row,
    }))
}

/// One worker: one connection, jobs until the counter passes `jobs`.
/// Returns the bodies' bytes.
async fn worker(
    addr: SocketAddr,
    next: Arc<AtomicUsize>,
    jobs: usize,
    hash: bool,
    max_buf: Option<usize>,
    files: usize,
) -> anyhow::Result<u64> {
    let stream = tokio::net::TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let mut builder = hyper::client::conn::http1::Builder::new();
    if let Some(bytes) = max_buf {
        builder.max_buf_size(bytes);
    }
    let (mut sender, connection) = builder.handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        // Its error, if any, is the next request's error too.
        let _ = connection.await;
    });
    let host = addr.to_string();
    let mut bytes = 0;
    loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        if i >= jobs {
            return Ok(bytes);
        }
        sender.ready().await?;
        let request = hyper::Request::get(format!("/file{:05}.bin", i % files))
            .header(hyper::header::HOST, &host)
            .body(Empty::<Bytes>::new())?;
        let mut response = sender.send_request(request).await?;
        ensure!(
            response.status() == 200,
            "job {i}: status {}",
            response.status()
        );
        let mut hasher = Sha256::new();
        while let Some(frame) = response.body_mut().frame().await {
            if let Ok(data) = frame?.into_data() {
                if hash {
                    hasher.update(&data);
                }
                bytes += data.len() as u64;
            }
        }
        std::hint::black_box(hasher.finalize());
    }
}

async fn run(args: &Args) -> anyhow::Result<u64> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..args.workers {
        tasks.spawn(worker(
            args.addr,
            Arc::clone(&next),
            args.jobs,
            args.hash,
            args.max_buf,
            args.files,
        ));
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

/// The process's peak resident memory so far (`VmHWM`), in KiB.
fn peak_rss_kib() -> anyhow::Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .context("no VmHWM in /proc/self/status")?;
    Ok(line.trim().trim_end_matches("kB").trim().parse()?)
}

fn main() -> anyhow::Result<()> {
    let Some(args) = parse()? else {
        eprintln!(
            "usage: bare_client BASE_URL [JOBS] [CONCURRENCY] [SERVER_PID] \
             [--no-hash] [--yield-start] [--max-buf BYTES] [--threads N] \
             [--delay-ms MS] [--files N] [--row LABEL]"
        );
        return Ok(());
    };
    let runtime = match args.threads {
        None => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?,
        Some(n) => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(n.max(1))
            .enable_all()
            .build()?,
    };
    let server = args.server.as_deref().map(threads_of).transpose()?;
    let rss_before = peak_rss_kib()?;
    let before = (
        schedstat(&threads_of("self")?)?,
        server.as_deref().map(schedstat),
    );
    let started = Instant::now();
    let bytes = runtime.block_on(run(&args))?;
    let wall = started.elapsed();
    let after = (
        schedstat(&threads_of("self")?)?,
        server.as_deref().map(schedstat),
    );
    let rss_added = peak_rss_kib()?.saturating_sub(rss_before);
    let waves = args.jobs.div_ceil(args.workers.max(1)) as f64;
    let ideal = waves * args.delay.as_secs_f64();
    let efficiency = 100.0 * ideal / wall.as_secs_f64();
    let per_job = |ms: f64| ms * 1e3 / args.jobs as f64;
    let client = per_job(after.0.0 - before.0.0);
    let server = match (before.1, after.1) {
        (Some(Ok(before)), Some(Ok(after))) => Some(per_job(after.0 - before.0)),
        _ => None,
    };
    let rss_per_worker = rss_added as f64 / args.workers.max(1) as f64;
    if let Some(label) = &args.row {
        // A row of the table `benches/scale/many-in-flight.sh` writes.
        let server = server.map_or("–".to_owned(), |us| format!("{us:.0} µs"));
        println!(
            "| {label} | {:.2} s | {efficiency:.0} % | {client:.0} µs | {server} | {rss_per_worker:.1} KiB |",
            wall.as_secs_f64()
        );
        return Ok(());
    }
    println!(
        "wall {:.1} ms for {} jobs ({bytes} bytes) at {}: efficiency {efficiency:.0} % of {:.0} ms",
        wall.as_secs_f64() * 1e3,
        args.jobs,
        args.workers,
        ideal * 1e3
    );
    println!(
        "client threads: {client:.1} µs a job, waited for a CPU {:.1} ms",
        after.0.1 - before.0.1
    );
    println!(
        "peak RSS: +{:.1} MiB, {rss_per_worker:.1} KiB a worker",
        rss_added as f64 / 1024.0
    );
    if let Some(us) = server {
        println!("server threads: {us:.1} µs a job");
    }
    Ok(())
}
