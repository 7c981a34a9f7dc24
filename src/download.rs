//! `fetchlab download`: real downloads of the user's own URLs.
//!
//! Everything that can be wrong with the input is checked before the first
//! request: the settings, the shard, the report file, the URL list, the
//! open-files limit, the output directory. Then the chosen backend runs the
//! jobs of the shard with a progress display and a Ctrl-C handler, and the
//! report is printed (summary on standard error, `--json` on standard
//! output) and written (`--report`).

use std::io::Write;
use std::sync::Arc;

use anyhow::{Context, Result};
use fetchlab_core::store::Durability;
use fetchlab_core::{
    CancelToken, DirStore, FailureKind, HttpVersion, Progress, Report, RunEnv, Settings,
    SettingsError, Shard, ShardReport,
};
use fetchlab_processes::protocol::EventStream;
use fetchlab_strategies::fdlimit;

use crate::cli::DownloadArgs;
use crate::exit::Outcome;
use crate::progress::{Display, status_line};
use crate::report_file::ReportFile;
use crate::{interrupt, shard, sources};

/// Failed jobs listed after the summary when `-v` did not already show them.
const FAILURES_SHOWN: usize = 10;

/// Runs `fetchlab download`.
pub fn run(args: DownloadArgs) -> Result<Outcome> {
    let settings = settings(&args).context("invalid settings")?;
    let shard = shard::resolve(args.shard.as_deref(), args.shard_count, shard::from_env)?;
    let report_file = args
        .report
        .as_deref()
        .map(ReportFile::prepare)
        .transpose()?;
    let list = sources::load(&args, &settings)?;
    let jobs = list.in_shard(shard);
    let concurrency = settings.concurrency() as u64;
    let downloader = args
        .strategy
        .strategy()
        .build_with(settings, &crate::strategy::programs())?;
    fdlimit::ensure(concurrency, fdlimit::PER_DOWNLOAD_TO_FILE)
        .with_context(|| format!("--concurrency {concurrency}"))?;
    let store = DirStore::new(&args.output)?.with_durability(if args.durable {
        Durability::Durable
    } else {
        Durability::Atomic
    });

    let cancel = CancelToken::new();
    interrupt::install(cancel.clone())?;
    let display = Arc::new(Display::new(jobs.len(), !args.quiet, args.verbose));
    let progress: Arc<dyn Progress> = if args.events {
        interrupt::cancel_at_end_of_stdin(cancel.clone())?;
        Arc::new(EventStream::new(&jobs, std::io::stdout()))
    } else {
        display.clone()
    };
    let env = RunEnv::new(Arc::new(store))
        .with_progress(progress)
        .with_cancel(cancel.clone());
    let report = downloader.download(&jobs, &env)?;
    display.finish();
    let interrupted = cancel.is_cancelled();

    if !args.quiet {
        if shard != Shard::WHOLE {
            display.println(&format!(
                "Shard {shard}: {} of {} jobs.",
                jobs.len(),
                list.len()
            ));
        }
        print_summary(&report, &display, args.verbose, interrupted);
    }
    if args.json {
        print_json(&report, shard, interrupted)?;
    }
    let mut written = true;
    if let Some(file) = report_file {
        // The run is over: a report that cannot be written fails it (exit
        // 1), it is not an input error.
        if let Err(err) = file.write(&ShardReport::new(&report, shard, &list, interrupted)) {
            eprintln!("fetchlab: error: {err:#}");
            written = false;
        }
    }
    Ok(Outcome::from_success(report.all_succeeded() && written))
}

/// The library settings the options ask for: the settings file whole
/// (`--settings-json`), or the flags.
fn settings(args: &DownloadArgs) -> Result<Settings> {
    if let Some(path) = &args.settings_json {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        return serde_json::from_str(&text)
            .with_context(|| format!("--settings-json {}", path.display()));
    }
    Ok(flag_settings(args)?)
}

/// The library settings the flags ask for.
fn flag_settings(args: &DownloadArgs) -> Result<Settings, SettingsError> {
    let mut settings = Settings::builder()
        .concurrency(usize::try_from(args.concurrency).unwrap_or(usize::MAX))
        .per_host(
            args.per_host
                .map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
        )
        .retries(args.retries)
        .timeouts(*args.connect_timeout, *args.read_timeout, *args.timeout)
        .max_body_bytes(args.max_size)
        .overwrite(args.force)
        .insecure(args.insecure)
        .keep_alive(!args.no_keepalive)
        .http_version(if args.http2 {
            HttpVersion::Http2
        } else {
            HttpVersion::Http1
        });
    if let Some(cacert) = &args.cacert {
        settings = settings.ca_file(cacert);
    }
    if let Some(agent) = &args.user_agent {
        settings = settings.user_agent(agent.as_str());
    }
    settings.build()
}

/// The flags2 summary, preceded (without `-v`) by the first failed jobs.
fn print_summary(report: &Report, display: &Display, verbose: bool, interrupted: bool) {
    if !verbose {
        let failed: Vec<_> = report
            .outcomes
            .iter()
            .filter(|o| {
                o.failure()
                    .is_some_and(|f| f.kind != FailureKind::Cancelled)
            })
            .collect();
        for outcome in failed.iter().take(FAILURES_SHOWN) {
            display.println(&status_line(outcome));
        }
        if failed.len() > FAILURES_SHOWN {
            let more = failed.len() - FAILURES_SHOWN;
            display.println(&format!(
                "… and {more} more errors (-v or --json lists them all)"
            ));
        }
    }
    if interrupted {
        display.println("Interrupted: run again to finish the cancelled jobs.");
    }
    for line in report.summary_lines() {
        display.println(&line);
    }
}

/// The report as one JSON object: the library's report plus its counts,
/// bytes, requests, latency percentiles, the shard and whether the run was
/// interrupted.
fn print_json(report: &Report, shard: Shard, interrupted: bool) -> Result<()> {
    let mut json = serde_json::to_value(report).context("cannot serialise the report")?;
    if let Some(object) = json.as_object_mut() {
        object.insert("counts".into(), serde_json::to_value(report.counts())?);
        object.insert("bytes_downloaded".into(), report.bytes_downloaded().into());
        object.insert("requests".into(), report.requests().into());
        object.insert("latency".into(), serde_json::to_value(report.latency())?);
        object.insert("shard".into(), serde_json::to_value(shard)?);
        object.insert("interrupted".into(), interrupted.into());
    }
    let mut out = std::io::stdout().lock();
    let written = serde_json::to_writer_pretty(&mut out, &json)
        .map_err(std::io::Error::from)
        .and_then(|()| writeln!(out));
    match written {
        // A reader that stopped early (`| head`) is not an error of ours.
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write the JSON report"),
    }
}
