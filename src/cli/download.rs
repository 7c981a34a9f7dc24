//! `fetchlab download`: options.

use std::path::PathBuf;

use clap::{ArgGroup, Args};
use humantime::Duration;

use crate::strategy::StrategyName;

const EXAMPLES: &str = "\
Examples:
  # the book's lesson, against `fetchlab serve` running in another terminal
  fetchlab download -v -c 20 -o flags --seed-list http://127.0.0.1:8001/
  # your own list, one URL a line (# comments allowed), 8 at a time, threads
  fetchlab download --strategy threads -c 8 -o photos urls.txt
  # the first 10 URLs of a server's list, as a JSON report
  fetchlab download -l 10 --json --list-url http://127.0.0.1:8001/index.txt > report.json
  # the second of three shards, its report kept for `fetchlab report merge`
  fetchlab download --shard 1/3 --report r1.json -o flags urls.txt

Exit status: 0 when every job was saved or skipped, 1 when any job failed or
was not found (or the run was interrupted, or its --report could not be
written), 2 for bad input (a bad URL line, an unusable output directory or
report path, an impossible setting, a bad shard), reported before any
download starts.

Shards: with --shard K/N (or, without it, the index a scheduler sets:
JOB_COMPLETION_INDEX of a Kubernetes Indexed Job with --shard-count N, or
SLURM_ARRAY_TASK_ID of a Slurm job array), only the jobs of shard K run. A job's
shard is fixed by a hash of its file name, so the N shards of one list never
overlap and always add up to it; --limit applies before the list is cut.

Output: standard output carries only the --json report; the progress bar,
the -v lines and the closing summary go to standard error.";

/// Options of `fetchlab download`.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
#[command(group(ArgGroup::new("source").required(true).args(["sources", "list_url", "seed_list", "jobs_json"])))]
pub struct DownloadArgs {
    /// URLs to download, or ONE file listing them (one URL a line; blank
    /// lines and # comments skipped); `-` reads the list from standard input.
    #[arg(value_name = "URL|FILE|-")]
    pub sources: Vec<String>,

    /// Fetch the URL list itself from this URL (e.g. `fetchlab serve`'s
    /// http://127.0.0.1:8001/index.txt).
    #[arg(long, value_name = "URL")]
    pub list_url: Option<String>,

    /// Download the book's 80 flag thumbnails (zzpic23110_s.jpg …
    /// zzpic23189_s.jpg) under this base URL.
    #[arg(long, value_name = "BASE_URL")]
    pub seed_list: Option<String>,

    /// Directory the files are saved in (created if missing).
    #[arg(short, long, value_name = "DIR", default_value = "downloads")]
    pub output: PathBuf,

    /// How requests are made concurrently.
    #[arg(short, long, value_enum, default_value_t = StrategyName::Tokio)]
    pub strategy: StrategyName,

    /// Most requests in flight at once (the same option as `compare -c`;
    /// flags2's `-m` is an alias).
    #[arg(short, long, value_name = "N", default_value_t = 20,
          visible_short_alias = 'm', visible_alias = "max-concurrent",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub concurrency: u64,

    /// Most requests in flight to one host (host:port), beside
    /// --concurrency; a value above it is capped to it. Unlimited if absent.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub per_host: Option<u64>,

    /// Download only the first N URLs of the list.
    #[arg(short, long, value_name = "N")]
    pub limit: Option<usize>,

    /// Retries of a transient failure (connection error, timeout, 429, 5xx)
    /// with exponential backoff; 404 is never retried.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub retries: u32,

    /// Longest wait for a TCP connection.
    #[arg(long, value_name = "DURATION", default_value = "10s")]
    pub connect_timeout: Duration,

    /// Longest wait for the next bytes once connected.
    #[arg(long, value_name = "DURATION", default_value = "30s")]
    pub read_timeout: Duration,

    /// Longest time one attempt may take, headers and whole body.
    #[arg(long, value_name = "DURATION", default_value = "5m")]
    pub timeout: Duration,

    /// Largest body accepted (e.g. 500MiB); a larger one fails and leaves
    /// nothing behind.
    #[arg(long, value_name = "SIZE", default_value = "4GiB", value_parser = super::parse_bytes)]
    pub max_size: u64,

    /// The User-Agent header sent with every request [default: fetchlab/VERSION].
    #[arg(long, value_name = "TEXT")]
    pub user_agent: Option<String>,

    /// Trust the certificate authority in this PEM file (e.g. the file
    /// `fetchlab serve --tls --cert-out FILE` wrote) for https, instead of
    /// the built-in roots (Mozilla's, compiled in; the system's store is
    /// not read). Not with the async-std strategy (no TLS).
    #[arg(long, value_name = "FILE", conflicts_with = "insecure")]
    pub cacert: Option<PathBuf>,

    /// DANGEROUS: accept any https certificate without checking it (the
    /// connection is encrypted but anyone on the path can pose as the
    /// server). For test servers only.
    #[arg(long)]
    pub insecure: bool,

    /// A new connection for every request, closed after it (as the seed's
    /// `requests.get` without a session does).
    #[arg(long)]
    pub no_keepalive: bool,

    /// HTTP/2 only (ALPN h2 over TLS, prior knowledge over http), every
    /// request a stream on one connection per host. The tokio strategy
    /// only; the others refuse it.
    #[arg(long, conflicts_with = "no_keepalive")]
    pub http2: bool,

    /// Download again files that are already in the output directory
    /// (otherwise they are skipped).
    #[arg(long)]
    pub force: bool,

    /// Flush each file and the directory to the disk before counting the
    /// file saved, so that saved files survive a power loss. Without it,
    /// files are still whole-or-absent under their names after a kill.
    #[arg(long)]
    pub durable: bool,

    /// No progress bar and no summary; the exit status tells the result.
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,

    /// One line per job as it finishes: `NAME OK`, `NAME not found: URL`,
    /// `NAME error: REASON`.
    #[arg(short, long)]
    pub verbose: bool,

    /// Print the whole report (every outcome, counts, timings) as JSON on
    /// standard output.
    #[arg(long)]
    pub json: bool,

    /// Download only shard K of N of the list (0 ≤ K < N), e.g. `--shard 2/8`.
    #[arg(long, value_name = "K/N", conflicts_with = "shard_count")]
    pub shard: Option<String>,

    /// The number of shards, when the scheduler sets only the index
    /// (JOB_COMPLETION_INDEX in a Kubernetes Indexed Job: pass its
    /// `completions`).
    #[arg(long, value_name = "N")]
    pub shard_count: Option<usize>,

    /// Write this run's report as JSON to FILE (atomically): the shard, the
    /// list's fingerprint, counts, bytes, time and every failure with its
    /// reason; `fetchlab report merge` adds the shards' reports up.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,

    /// The whole library settings as JSON (as the `processes` strategy
    /// hands them to its children), in place of the settings flags; read
    /// back through the settings' own validation.
    #[arg(long, value_name = "FILE", hide = true)]
    pub settings_json: Option<PathBuf>,

    /// The job list as a JSON array of `{"url", "name"}` (names kept as
    /// given), as the `processes` strategy hands it to its children.
    #[arg(long, value_name = "FILE", hide = true)]
    pub jobs_json: Option<PathBuf>,

    /// Print one JSON event a line on standard output as each job starts
    /// and finishes (the `processes` strategy's children report so), and
    /// cancel the run when standard input ends (how the pool stops them).
    #[arg(long, hide = true, conflicts_with = "json")]
    pub events: bool,
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use crate::cli::{Cli, Command};
    use fetchlab_core::Settings;

    #[test]
    fn defaults_match_the_library_defaults() {
        let cli = Cli::parse_from(["fetchlab", "download", "-"]);
        let Some(Command::Download(args)) = cli.into_command() else {
            panic!("not download");
        };
        let library = Settings::default();
        assert_eq!(args.concurrency, library.concurrency() as u64);
        assert_eq!(args.retries, library.retries());
        assert_eq!(*args.connect_timeout, library.connect_timeout());
        assert_eq!(*args.read_timeout, library.read_timeout());
        assert_eq!(*args.timeout, library.total_timeout());
        assert_eq!(args.max_size, library.max_body_bytes());
        assert_eq!(!args.no_keepalive, library.keep_alive());
        assert_eq!(args.insecure, library.insecure());
        assert!(args.cacert.is_none() && !args.http2);
    }

    #[test]
    fn the_flags2_spelling_of_concurrency_is_kept() {
        for flags in [
            &["-c", "7"][..],
            &["-m", "7"],
            &["--max-concurrent", "7"],
            &["--concurrency=7"],
        ] {
            let cli = Cli::parse_from(["fetchlab", "download"].iter().chain(flags).chain(&["-"]));
            let Some(Command::Download(args)) = cli.into_command() else {
                panic!("not download");
            };
            assert_eq!(args.concurrency, 7, "{flags:?}");
        }
    }
}
