//! `fetchlab serve`: options.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::Args;
use fetchlab_server::Fault;
use humantime::Duration;

/// The options that shape how the server serves its files; `--config-json`
/// replaces them (and [`CORPUS_FLAGS`]), and `--write-corpus` serves nothing.
const SERVING_FLAGS: [&str; 17] = [
    "latency",
    "jitter",
    "rtt",
    "bottleneck",
    "loss",
    "tls",
    "error_rate",
    "error_status",
    "retry_after",
    "fault_rate",
    "faults",
    "stall",
    "bandwidth",
    "worker_threads",
    "max_connections",
    "header_read_timeout",
    "h2_max_streams",
];

/// The options that describe the corpus (`--seed` also seeds every random
/// choice of the server).
const CORPUS_FLAGS: [&str; 5] = ["files", "min_size", "max_size", "dir", "seed"];

/// The options of a running server that are not part of its configuration.
const LISTENING_FLAGS: [&str; 5] = [
    "cert_out",
    "hosts",
    "host_rtt",
    "host_latency",
    "config_json",
];

const EXAMPLES: &str = "\
Examples:
  # the book's slow_server.py: every response 100 ms late, on port 8001
  fetchlab serve --latency 100ms
  # a remote host 50 ms away, over HTTPS (prints the --cacert file to use)
  fetchlab serve --rtt 50ms --tls
  # a flaky server: a quarter of the files answer 500/503, some connections reset
  fetchlab serve --error-rate 0.25 --fault-rate 0.05 --faults reset-before-headers,short-body
  # your own files, on a free port, paced to 1 MiB/s per connection
  fetchlab serve --dir ./photos --port 0 --bandwidth 1MiB
  # the corpus as files, to serve with nginx (or `fetchlab serve --dir corpus/files`)
  fetchlab serve --files 1000 --write-corpus corpus --base-url http://127.0.0.1:8080/
  # … and check a download of them
  (cd downloads && sha256sum -c ../corpus/SHA256SUMS)

Paths: /NAME (a file), /index.txt (every file's URL), /status/CODE/NAME,
/flaky/N/NAME, /fault/FAULT/NAME, /redirect/N/NAME, /no-length/NAME,
/no-range/NAME, /_stats (request counters as JSON), POST /_change/NAME (new
bytes under the same name: new ETag and Last-Modified).

The first line printed is always `fetchlab-server listening on http://ADDR:PORT/`,
so scripts can start it with --port 0 and read the address. Stop it with Ctrl-C.
With --write-corpus nothing is served: the files are written and the command exits.";

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

    /// Server think time added before every response head but /_stats's
    /// (no network model: see --rtt for that).
    #[arg(
        short = 'd',
        long,
        visible_alias = "delay",
        value_name = "DURATION",
        default_value = "0s"
    )]
    pub latency: Duration,

    /// Random extra delay, uniform between 0 and this, added to --latency.
    #[arg(long, value_name = "DURATION", default_value = "0s")]
    pub jitter: Duration,

    /// The network model (`--rtt`, `--bottleneck`, `--loss`), spelled as
    /// for `fetchlab compare`.
    #[command(flatten)]
    pub network: super::NetworkArgs,

    /// Serve HTTPS with a certificate made at start; prints the CA file to
    /// trust (`--cacert FILE`).
    #[arg(long)]
    pub tls: bool,

    /// Where to write the CA certificate (PEM) with --tls (or a
    /// --config-json that says `"tls": true`); default a file in the
    /// temporary directory, removed when the server stops.
    #[arg(long, value_name = "PATH")]
    pub cert_out: Option<PathBuf>,

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
    #[arg(long, visible_alias = "threads", value_name = "N", default_value_t = 2,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub worker_threads: u64,

    /// Seed of the generated bodies and of every random choice (delay
    /// jitter, errors, faults, losses), so a session can be replayed exactly.
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,

    /// Most connections open at once; more wait in the listen queue.
    #[arg(long, value_name = "N", default_value_t = 10_000,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_connections: u64,

    /// Most concurrent HTTP/2 streams a client may open on one connection.
    #[arg(long, value_name = "N", default_value_t = 128,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub h2_max_streams: u32,

    /// Close a connection that sends no request head for this long (also
    /// an idle keep-alive connection).
    #[arg(long, value_name = "DURATION", default_value = "30s")]
    pub header_read_timeout: Duration,

    /// Serve this many hosts from one process, on 127.0.0.1, 127.0.0.2, …
    /// (same port, or a free one each with --port 0), each with its own
    /// counters; --host-rtt and --host-latency give each its own network.
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u64).range(1..=254))]
    pub hosts: u64,

    /// Round-trip time of each host, comma-separated (one per --hosts);
    /// replaces --rtt.
    #[arg(long, value_name = "DURATIONS", value_delimiter = ',')]
    pub host_rtt: Vec<Duration>,

    /// Latency of each host, comma-separated (one per --hosts); replaces
    /// --latency.
    #[arg(long, value_name = "DURATIONS", value_delimiter = ',')]
    pub host_latency: Vec<Duration>,

    /// The whole server configuration as JSON (the library's
    /// `ServerConfig`, with these options' names: `latency`, `network.rtt`,
    /// `error_rate`, `corpus.generated.count`, …); replaces every option
    /// that shapes the server. A JSON array gives one configuration per
    /// host (as many as --hosts, which it implies).
    #[arg(long, value_name = "JSON", conflicts_with_all = SERVING_FLAGS.into_iter().chain(CORPUS_FLAGS))]
    pub config_json: Option<String>,

    /// Write the corpus (the one --files, --min-size, --max-size and --seed,
    /// or --dir, describe) into DIR instead of serving it, and exit:
    /// DIR/files/NAME for every file, DIR/manifest.tsv (a `name size
    /// sha256` header, then one tab-separated line per file),
    /// DIR/SHA256SUMS (for `sha256sum -c` inside a downloaded copy) and
    /// DIR/urls.txt (every file's URL under --base-url). DIR must be new or
    /// empty: everything is written into a hidden `.DIR.partial-*` beside
    /// it, which is renamed to DIR once whole (and removed on an error), so
    /// DIR is complete or absent. Nothing is synced to the disk.
    #[arg(long, value_name = "DIR", conflicts_with_all = SERVING_FLAGS.into_iter().chain(LISTENING_FLAGS))]
    pub write_corpus: Option<PathBuf>,

    /// With --write-corpus: where the files will be served, the start of
    /// every URL in urls.txt. Default: http://BIND:PORT/ from --bind and
    /// --port, where `fetchlab serve --dir DIR/files` with the same --port
    /// serves them.
    #[arg(long, value_name = "URL", requires = "write_corpus")]
    pub base_url: Option<String>,
}
