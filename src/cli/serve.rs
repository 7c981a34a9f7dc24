//! `fetchlab serve`: options.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::Args;
use fetchlab_server::Fault;
use humantime::Duration;

const EXAMPLES: &str = "\
Examples:
  # the book's slow_server.py: every response 100 ms late, on port 8001
  fetchlab serve --delay 100ms
  # a flaky server: a quarter of the files answer 500/503, some connections reset
  fetchlab serve --error-rate 0.25 --fault-rate 0.05 --faults reset-before-headers,short-body
  # your own files, on a free port, paced to 1 MiB/s per connection
  fetchlab serve --dir ./photos --port 0 --bandwidth 1MiB

Paths: /NAME (a file), /index.txt (every file's URL), /status/CODE/NAME,
/flaky/N/NAME, /fault/FAULT/NAME, /redirect/N/NAME, /no-length/NAME,
/no-range/NAME, /_stats (request counters as JSON).

The first line printed is always `fetchlab-server listening on http://ADDR:PORT/`,
so scripts can start it with --port 0 and read the address. Stop it with Ctrl-C.";

/// Options of `fetchlab serve`.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct ServeArgs {
    /// TCP port to listen on; 0 picks a free one.
    #[arg(short, long, default_value_t = 8001)]
    pub port: u16,

    /// Address to listen on. Only loopback addresses are accepted unless
    /// --allow-remote is given.
    #[arg(long, value_name = "IP", default_value = "127.0.0.1")]
    pub bind: IpAddr,

    /// Accept a non-loopback --bind address (other machines can then reach
    /// this deliberately misbehaving server).
    #[arg(long)]
    pub allow_remote: bool,

    /// Delay added before every response.
    #[arg(short, long, value_name = "DURATION", default_value = "0s")]
    pub delay: Duration,

    /// Random extra delay, uniform between 0 and this, added to --delay.
    #[arg(long, value_name = "DURATION", default_value = "0s")]
    pub jitter: Duration,

    /// Share of file requests answered with an error status (0.25 = 25 %).
    #[arg(long, value_name = "RATE", default_value_t = 0.0, value_parser = super::parse_rate)]
    pub error_rate: f64,

    /// Error statuses to draw from, comma-separated.
    #[arg(long, value_name = "CODES", value_delimiter = ',', default_value = "500,503",
          value_parser = clap::value_parser!(u16).range(100..600))]
    pub error_status: Vec<u16>,

    /// Send `Retry-After` (whole seconds) with 429 and 503 answers.
    #[arg(long, value_name = "DURATION")]
    pub retry_after: Option<Duration>,

    /// Share of file requests hit by a fault drawn from --faults.
    #[arg(long, value_name = "RATE", default_value_t = 0.0, value_parser = super::parse_rate)]
    pub fault_rate: f64,

    /// Faults to draw from, comma-separated: reset-before-headers,
    /// reset-mid-body, short-body, stall, slow-drip, oversized,
    /// oversized-chunked, garbage, redirect-loop, redirect-scheme.
    #[arg(
        long,
        value_name = "FAULTS",
        value_delimiter = ',',
        default_value = "reset-before-headers,reset-mid-body,short-body"
    )]
    pub faults: Vec<Fault>,

    /// How long the `stall` fault stays silent before closing.
    #[arg(long, value_name = "DURATION", default_value = "60s")]
    pub stall: Duration,

    /// Pace bodies to this many bytes per second per connection (e.g. 1MiB).
    #[arg(long, value_name = "SIZE", value_parser = super::parse_bytes)]
    pub bandwidth: Option<u64>,

    /// Number of generated files: 80 gives the book's names
    /// (zzpic23110_s.jpg …), any other count file00000.bin, file00001.bin, ….
    #[arg(short, long, value_name = "N", default_value_t = 80)]
    pub files: usize,

    /// Smallest generated file.
    #[arg(long, value_name = "SIZE", default_value = "8KiB", value_parser = super::parse_bytes)]
    pub min_size: u64,

    /// Largest generated file.
    #[arg(long, value_name = "SIZE", default_value = "40KiB", value_parser = super::parse_bytes)]
    pub max_size: u64,

    /// Serve the files of this directory instead of generated ones.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["files", "min_size", "max_size"])]
    pub dir: Option<PathBuf>,

    /// Worker threads of the server's runtime.
    #[arg(long, value_name = "N", default_value_t = 2,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub threads: u64,

    /// Seed of the generated bodies and of every random choice (delay
    /// jitter, errors, faults), so a session can be replayed exactly.
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
}
