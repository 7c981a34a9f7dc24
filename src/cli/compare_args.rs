//! `fetchlab compare`: options.

use std::path::PathBuf;

use clap::builder::StyledStr;
use clap::builder::styling::Style;
use clap::{Args, FromArgMatches};
use fetchlab_harness::command::PLACEHOLDERS;
use humantime::Duration;

use crate::strategy::StrategyName;

const EXAMPLES: &str = "\
Examples:
  # the seed workload (80 thumbnails, 20 workers, 100 ms), every strategy
  fetchlab compare
  # where does latency stop mattering? two strategies, no delay, 5 runs each
  fetchlab compare --strategies sequential,tokio --latency 0ms --runs 5
  # a host 50 ms away: handshakes, round trips and slow start, no server delay
  fetchlab compare --rtt 50ms --latency 0ms
  # a URL list over 8 hosts of different latency, then with 4 per host
  fetchlab compare --hosts 8 --host-latency 10ms,20ms,30ms,40ms,60ms,80ms,110ms,150ms -c 32
  fetchlab compare --hosts 8 --host-latency 10ms,20ms,30ms,40ms,60ms,80ms,110ms,150ms -c 32 \
      --per-host 4
  # the same over HTTPS and HTTP/2 (strategies that speak HTTP/1.1 only are refused)
  fetchlab compare --rtt 50ms --latency 0ms --tls --http2
  # the book's requests.get: a new connection for every file
  fetchlab compare --rtt 50ms --latency 0ms --no-keepalive
  # 1,000 jobs at 200 workers on a flaky server, tables saved for later
  fetchlab compare --jobs 1000 -c 200 --error-rate 0.1 --export-markdown results.md
  # curl, wget2, aria2c and the book's thread-pool program beside the strategies
  fetchlab compare --peers curl,wget2,aria2c \
      --command 'py_pool=python3 examples/python/flags_threadpool.py {urls} {out} {c}'

A --command template is split into words like a shell would (but no shell
runs unless it says `sh -c`); {urls} (a file of URLs, one a line), {out} (an
empty directory to save into), {pairs} (a curl config of url/output pairs),
{c} (concurrency), {n} (files), {base} (the server's base URL) and, with
--tls, {cacert} (the server's CA certificate, PEM) are replaced in every
word. Every file the command leaves in {out} is checked against the corpus.

The server runs as `fetchlab serve` in a child process, so its work is not
counted as the client's. Every saved body is checked against the corpus.

With --hosts N that one child serves N hosts, 127.0.0.1 … 127.0.0.N, each
with the whole corpus; job i of the list goes to host i mod N (round-robin,
so each host gets an equal share). The ideal is then the makespan of perfect
workers given each job's own host's latency, keeping to --per-host; the
table adds each host's connections and peak requests in flight (in host
order); its peak in-flight column counts all hosts at once.
--per-host limits the strategies' rows; a --command row gets {c} only, and
{base} is the first host's.

Exit status: 0 when every run saved every file, 1 when a job failed in some
run (the table's errors column says where), a body did not verify, or a
command exited non-zero, passed the time limit or saved missing, wrong or
extra files (its row says which), 2 for
bad options, an open-files limit too low, or a server that cannot start.";

/// The text after the options: [`EXAMPLES`], each `--command`
/// placeholder's name in bold. clap turns `{n}` into a line break wherever
/// it stands in help text, with no escape; the style's codes between the
/// brace and the name keep it whole, and clap drops them where the help is
/// not printed in colour, leaving `{n}` as written.
fn after_help() -> StyledStr {
    let bold = Style::new().bold();
    let text = PLACEHOLDERS
        .iter()
        .fold(EXAMPLES.to_owned(), |text, placeholder| {
            let name = placeholder.trim_start_matches('{').trim_end_matches('}');
            text.replace(placeholder, &format!("{{{bold}{name}{bold:#}}}"))
        });
    StyledStr::from(text)
}

/// Options of `fetchlab compare`.
#[derive(Debug, Args)]
#[command(after_help = after_help())]
pub struct CompareArgs {
    /// Strategies to run, comma-separated [default: all].
    #[arg(short, long, value_enum, value_delimiter = ',', value_name = "NAMES")]
    pub strategies: Vec<StrategyName>,

    /// Number of files to download (80 are the book's thumbnails).
    #[arg(short, long, value_name = "N", default_value_t = 80)]
    pub jobs: usize,

    /// Workers: most requests in flight at once.
    #[arg(short, long, value_name = "N", default_value_t = 20,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub concurrency: u64,

    /// Server delay added to every response.
    #[arg(long, value_name = "DURATION", default_value = "100ms")]
    pub latency: Duration,

    /// Spread the URL list over this many hosts (127.0.0.1, 127.0.0.2, …,
    /// at most 254): job i goes to host i mod N. See below.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub hosts: usize,

    /// Latency of each host, comma-separated, one per --hosts (replaces
    /// --latency), e.g. 10ms,20ms,40ms for --hosts 3.
    #[arg(long, value_name = "DURATIONS", value_delimiter = ',')]
    pub host_latency: Vec<Duration>,

    /// Round-trip time of each host's network model, comma-separated, one
    /// per --hosts (replaces --rtt).
    #[arg(long, value_name = "DURATIONS", value_delimiter = ',')]
    pub host_rtt: Vec<Duration>,

    /// At most N requests in flight to one host, beside -c (the client's
    /// per-host limit; each backend keeps to it and sizes its connection
    /// pool per host by it). Compare a run without it to see its cost.
    #[arg(long, value_name = "N")]
    pub per_host: Option<usize>,

    /// Random extra delay, uniform between 0 and this.
    #[arg(long, value_name = "DURATION", default_value = "0s")]
    pub jitter: Duration,

    /// The network model.
    #[command(flatten)]
    pub network: super::NetworkArgs,

    /// Serve HTTPS with a certificate made for the run; every strategy
    /// trusts its CA, command rows get it as {cacert}.
    #[arg(long)]
    pub tls: bool,

    /// HTTP/2 for every strategy (ALPN h2 with --tls, h2c otherwise); a
    /// strategy that speaks HTTP/1.1 only is refused, with its reason.
    #[arg(long)]
    pub http2: bool,

    /// A new connection for every request (clients keep none idle).
    #[arg(long)]
    pub no_keepalive: bool,

    /// Share of requests the server answers with 500/503 (retried).
    #[arg(long, value_name = "RATE", default_value_t = 0.0, value_parser = super::parse_rate)]
    pub error_rate: f64,

    /// Smallest file.
    #[arg(long, value_name = "SIZE", default_value = "8KiB", value_parser = super::parse_bytes)]
    pub min_size: u64,

    /// Largest file.
    #[arg(long, value_name = "SIZE", default_value = "40KiB", value_parser = super::parse_bytes)]
    pub max_size: u64,

    /// Runs per strategy; the table shows the median with min–max.
    #[arg(short, long, value_name = "N", default_value_t = 3,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub runs: u64,

    /// Seed of the corpus and of the server's random choices.
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,

    /// Add a row: a downloader run as a child process (repeatable; see
    /// below for the placeholders).
    #[arg(long = "command", value_name = "NAME=TEMPLATE")]
    pub commands: Vec<String>,

    /// Add preset rows for these tools when they are on PATH
    /// (comma-separated: curl, wget2, aria2c).
    #[arg(long, value_name = "TOOLS")]
    pub peers: Option<String>,

    /// Longest a command's run may take; its whole process group is then
    /// killed and its row fails.
    #[arg(long, value_name = "DURATION", default_value = "120s")]
    pub time_limit: Duration,

    /// Instead of a table: time `fetchlab download` (threads, tokio,
    /// sequential) and curl and wget2 when on PATH against the modelled
    /// 50 ms network, 80 files at 20 and 1 workers and 1,000 at 20, and
    /// write them beside real-TCP figures measured outside this project to
    /// results/calibration.md (with --runs runs each).
    #[arg(long)]
    pub calibrate: bool,

    /// Set for a bare `fetchlab` (no subcommand): the seed table is
    /// followed by the same workload over a modelled 50 ms network.
    #[arg(skip)]
    pub with_network_table: bool,

    /// Also write the table as Markdown to FILE.
    #[arg(long, value_name = "FILE")]
    pub export_markdown: Option<PathBuf>,

    /// Also write the results as CSV to FILE.
    #[arg(long, value_name = "FILE")]
    pub export_csv: Option<PathBuf>,

    /// Also write the results as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    pub export_json: Option<PathBuf>,
}

impl CompareArgs {
    /// The arguments of a bare `fetchlab compare`.
    pub fn defaults() -> Self {
        let matches =
            Self::augment_args(clap::Command::new("compare")).get_matches_from(["compare"]);
        // Every argument has a default or is optional, so an empty command line always parses.
        Self::from_arg_matches(&matches).unwrap_or_else(|err| err.exit())
    }
}
