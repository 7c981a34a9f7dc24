//! The command line, as clap sees it: the subcommands and every option with
//! its help text. Each subcommand's arguments live in their own file under
//! `cli/`; this file holds the top level and the value parsers they share.

#[cfg(feature = "compare")]
mod compare_args;
mod download;
mod generate;
mod network_args;
mod report;
mod serve;

use clap::{Parser, Subcommand};

pub use crate::units::parse_bytes;

#[cfg(feature = "compare")]
pub use compare_args::CompareArgs;
pub use download::DownloadArgs;
pub use generate::{CompletionsArgs, ManArgs};
pub use network_args::NetworkArgs;
pub use report::{MergeArgs, ReportArgs, ReportCommand};
pub use serve::ServeArgs;

/// Shown after `fetchlab --help`.
#[cfg(feature = "compare")]
const EXAMPLES: &str = "\
Examples:
  fetchlab                                   compare every strategy on the seed workload
  fetchlab serve --delay 100ms --error-rate 0.25
  fetchlab download -c 20 -o flags --seed-list http://127.0.0.1:8001/
  fetchlab download --shard 0/2 --report r0.json urls.txt   (and 1/2 elsewhere)
  fetchlab report merge r0.json r1.json";

/// Shown after `fetchlab --help` (built without the `compare` feature).
#[cfg(not(feature = "compare"))]
const EXAMPLES: &str = "\
Examples:
  fetchlab serve --delay 100ms --error-rate 0.25
  fetchlab download -m 20 -o flags --seed-list http://127.0.0.1:8001/";

/// Measure which concurrency strategy downloads many files over HTTP fastest,
/// and use the winner.
#[derive(Debug, Parser)]
#[command(name = "fetchlab", version, after_help = EXAMPLES)]
#[cfg_attr(not(feature = "compare"), command(arg_required_else_help = true))]
pub struct Cli {
    /// What to do; without one, `compare` runs with its defaults (when
    /// built with the `compare` feature).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    #[cfg(feature = "compare")]
    /// Run each strategy against the embedded slow server and print one
    /// comparison table (what bare `fetchlab` does).
    Compare(CompareArgs),
    /// Download a list of URLs into a directory, atomically, with the
    /// strategy of your choice.
    Download(DownloadArgs),
    /// Run the slow test server standalone, like the book's slow_server.py,
    /// with latency, errors and faults to taste.
    Serve(ServeArgs),
    /// Work with the reports `download --report` writes (add up the shards
    /// of a run).
    Report(ReportArgs),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
    /// Print the manual page, or write all of them into a directory.
    Man(ManArgs),
}

impl Cli {
    /// The command to run: the one given, or `compare` with its defaults;
    /// `None` only without the `compare` feature and without a subcommand.
    pub fn into_command(self) -> Option<Command> {
        #[cfg(feature = "compare")]
        let command = self.command.or_else(|| {
            Some(Command::Compare(CompareArgs {
                with_network_table: true,
                ..CompareArgs::defaults()
            }))
        });
        #[cfg(not(feature = "compare"))]
        let command = self.command;
        command
    }
}

/// A share between 0 and 1, such as an error rate.
pub fn parse_rate(text: &str) -> Result<f64, String> {
    let rate: f64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number"))?;
    if (0.0..=1.0).contains(&rate) {
        Ok(rate)
    } else {
        Err(format!("{text} is not between 0 and 1 (0.25 means 25 %)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        <Cli as CommandFactory>::command().debug_assert();
    }

    #[cfg(feature = "compare")]
    #[test]
    fn bare_fetchlab_compares() {
        let cli = Cli::parse_from(["fetchlab"]);
        assert!(matches!(cli.into_command(), Some(Command::Compare(_))));
    }

    #[test]
    fn rates() {
        assert_eq!(parse_rate("0.25"), Ok(0.25));
        assert!(parse_rate("1.5").is_err());
        assert!(parse_rate("x").is_err());
    }
}
