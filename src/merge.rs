//! `fetchlab report merge FILE…`: the shard reports of one run added up.
//!
//! The combined flags2 summary goes to standard output; every reason the
//! reports are not one complete run (a shard missing or doubled, reports of
//! different lists, failed jobs — each with its file and shard) goes to
//! standard error, followed by the failed jobs themselves.

use anyhow::Result;
use fetchlab_core::{MergedReport, merge_reports};

use crate::cli::MergeArgs;
use crate::exit::Outcome;
use crate::report_file;

/// Failed jobs listed after the problems.
const FAILURES_SHOWN: usize = 20;

/// Runs `fetchlab report merge`.
pub fn run(args: MergeArgs) -> Result<Outcome> {
    let reports = args
        .files
        .iter()
        .map(|path| Ok((path.display().to_string(), report_file::read(path)?)))
        .collect::<Result<Vec<_>>>()?;
    let merged = merge_reports(&reports);
    for line in summary(&merged) {
        println!("{line}");
    }
    for problem in &merged.problems {
        eprintln!("fetchlab: {problem}");
    }
    for (origin, shard, job) in merged.failures.iter().take(FAILURES_SHOWN) {
        eprintln!(
            "{} error: {} (shard {shard}, {origin})",
            job.name, job.reason
        );
    }
    if merged.failures.len() > FAILURES_SHOWN {
        let more = merged.failures.len() - FAILURES_SHOWN;
        eprintln!("… and {more} more failed jobs (the reports list them all)");
    }
    Ok(Outcome::from_success(merged.is_complete()))
}

/// What the shards add up to: which shards of which list, then the flags2
/// summary.
fn summary(merged: &MergedReport) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(list) = &merged.list {
        lines.push(format!(
            "{} reports for {} shards of {} jobs ({}).",
            merged.reports, merged.shards, list.jobs, list.fingerprint
        ));
    }
    lines.extend(merged.summary_lines());
    lines
}
