//! `fetchlab`: measure which concurrency strategy downloads many files over
//! HTTP fastest (`compare`), use the winner on your own URLs (`download`),
//! and replay the lesson by hand against a local slow server (`serve`).
//!
//! Layout: [`cli`] declares the command line; one module per subcommand
//! does the work — `comparison` (`compare`, behind the default `compare`
//! feature, which brings in the benchmark harness), [`download`], [`serve`],
//! [`merge`] (`report merge`), [`generate`] (`completions`, `man`); [`exit`]
//! maps results to exit statuses. Helpers: [`progress`] (bar and `-v`
//! lines), `run_bar` (compare's progress), [`sources`] and [`list_url`]
//! (where the URLs come from), [`shard`] (which share of the list, from
//! flags or a scheduler's environment), [`report_file`] (`--report`, written
//! atomically), [`strategy`] (names → the strategy registry,
//! `fetchlab-strategies`, which also owns the open-files check),
//! [`interrupt`] (Ctrl-C), [`units`] (byte sizes).
#![deny(missing_docs)]

mod cli;
#[cfg(feature = "compare")]
mod comparison;
mod download;
mod exit;
mod generate;
mod interrupt;
mod list_url;
mod merge;
mod progress;
mod report_file;
#[cfg(feature = "compare")]
mod run_bar;
mod serve;
mod shard;
mod sources;
mod strategy;
mod units;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command, ReportCommand};

fn main() -> ExitCode {
    let Some(command) = Cli::parse().into_command() else {
        // Only without the `compare` feature: nothing to run by default.
        let _ = <Cli as clap::CommandFactory>::command().print_help();
        return exit::usage_error();
    };
    let result = match command {
        #[cfg(feature = "compare")]
        Command::Compare(args) => comparison::run(args),
        Command::Download(args) => download::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Report(args) => match args.command {
            ReportCommand::Merge(args) => merge::run(args),
        },
        Command::Completions(args) => generate::completions(args),
        Command::Man(args) => generate::man(args),
    };
    match result {
        Ok(outcome) => outcome.code(),
        Err(err) => {
            eprintln!("fetchlab: error: {}", one_line(&err));
            exit::usage_error()
        }
    }
}

/// The error and its causes on one line, without a backtrace or Debug
/// output, passwords in URLs hidden; a cause already spelled out by the
/// message before it (as many library errors do) is not repeated.
fn one_line(err: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    fetchlab_core::redact_credentials(&line.replace('\n', " ")).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes_are_not_repeated() {
        let io = std::io::Error::other("disk on fire");
        let err = anyhow::Error::new(io).context("cannot use output directory d: disk on fire");
        assert_eq!(
            one_line(&err),
            "cannot use output directory d: disk on fire"
        );
        let err = anyhow::anyhow!("inner").context("outer");
        assert_eq!(one_line(&err), "outer: inner");
    }

    #[test]
    fn passwords_are_hidden() {
        let err = anyhow::anyhow!("cannot fetch the URL list http://ann:s3cret@127.0.0.1/l.txt");
        assert_eq!(
            one_line(&err),
            "cannot fetch the URL list http://ann:***@127.0.0.1/l.txt"
        );
    }
}
