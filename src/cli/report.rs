//! `fetchlab report`: options.

use std::path::PathBuf;

use clap::{Args, Subcommand};

const MERGE_EXAMPLES: &str = "\
Examples:
  # three shards, then their reports added up
  for k in 0 1 2; do fetchlab download --shard $k/3 --report r$k.json urls.txt; done
  fetchlab report merge r0.json r1.json r2.json

Exit status: 0 when the reports make one complete run (every shard of the N
once, all of the same list, no failed job), 1 when they do not (each reason
is named, with its file and shard, on standard error), 2 when a file cannot
be read or is not a report.";

/// Options of `fetchlab report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// What to do with the reports.
    #[command(subcommand)]
    pub command: ReportCommand,
}

/// The `report` subcommands.
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Add up the reports of a sharded run (`download --report`): print the
    /// combined summary, and name any shard missing, doubled, failed, or
    /// from another list.
    #[command(after_help = MERGE_EXAMPLES)]
    Merge(MergeArgs),
}

/// Options of `fetchlab report merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The reports, one per shard.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
}
