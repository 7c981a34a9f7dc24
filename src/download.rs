//! `fetchlab download`: real downloads of the user's own URLs.
//!
//! Everything that can be wrong with the input is checked before the first
//! request: the URL list, the settings, the open-files limit, the output
//! directory. Then the chosen backend runs with a progress display and a
//! Ctrl-C handler, and the report is printed (summary on standard error,
//! `--json` on standard output).

use std::io::Write;
use std::sync::Arc;

use anyhow::{Context, Result};
use fetchlab_core::{
    CancelToken, DirStore, FailureKind, HttpVersion, Report, RunEnv, Settings, SettingsError,
};
use fetchlab_strategies::fdlimit;

use crate::cli::DownloadArgs;
use crate::exit::Outcome;
use crate::progress::{Display, status_line};
use crate::{interrupt, sources};

/// Failed jobs listed after the summary when `-v` did not already show them.
const FAILURES_SHOWN: usize = 10;

/// Runs `fetchlab download`.
pub fn run(args: DownloadArgs) -> Result<Outcome> {
    let settings = settings(&args).context("invalid settings")?;
    let jobs = sources::load(&args, &settings)?;
    let downloader = args.strategy.strategy().build(settings)?;
    fdlimit::ensure(args.max_concurrent, fdlimit::PER_DOWNLOAD_TO_FILE)
        .with_context(|| format!("--max-concurrent {}", args.max_concurrent))?;
    let store = DirStore::new(&args.output)?.durable(true);

    let cancel = CancelToken::new();
    interrupt::install(cancel.clone())?;
    let display = Arc::new(Display::new(jobs.len(), !args.quiet, args.verbose));
    let env = RunEnv::new(Arc::new(store))
        .with_progress(display.clone())
        .with_cancel(cancel.clone());
    let report = downloader.download(&jobs, &env)?;
    display.finish();

    if !args.quiet {
        print_summary(&report, &display, args.verbose, cancel.is_cancelled());
    }
    if args.json {
        print_json(&report, cancel.is_cancelled())?;
    }
    Ok(Outcome::from_success(report.all_succeeded()))
}

/// The library settings the options ask for.
fn settings(args: &DownloadArgs) -> Result<Settings, SettingsError> {
    let mut settings = Settings::builder()
        .concurrency(usize::try_from(args.max_concurrent).unwrap_or(usize::MAX))
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
        let cancelled = report
            .outcomes
            .iter()
            .filter(|o| {
                o.failure()
                    .is_some_and(|f| f.kind == FailureKind::Cancelled)
            })
            .count();
        display.println(&format!(
            "Interrupted: {cancelled} jobs cancelled; run again to finish."
        ));
    }
    for line in report.summary_lines() {
        display.println(&line);
    }
}

/// The report as one JSON object: the library's report plus its counts,
/// bytes, requests, latency percentiles and whether the run was interrupted.
fn print_json(report: &Report, interrupted: bool) -> Result<()> {
    let mut json = serde_json::to_value(report).context("cannot serialise the report")?;
    if let Some(object) = json.as_object_mut() {
        object.insert("counts".into(), serde_json::to_value(report.counts())?);
        object.insert("bytes_downloaded".into(), report.bytes_downloaded().into());
        object.insert("requests".into(), report.requests().into());
        object.insert("latency".into(), serde_json::to_value(report.latency())?);
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
