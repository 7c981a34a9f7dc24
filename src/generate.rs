//! `fetchlab completions SHELL` and `fetchlab man`: shell completions and
//! manual pages generated from the clap definitions in [`crate::cli`], so
//! they always list the options the binary has.

use std::io::Write;

use anyhow::{Context, Result};
use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs, ManArgs};
use crate::exit::Outcome;

/// The binary's name, as the completions and pages call it.
const NAME: &str = "fetchlab";

/// Prints the completion script for the shell.
pub fn completions(args: CompletionsArgs) -> Result<Outcome> {
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), NAME, &mut out);
    write_stdout(&out)?;
    Ok(Outcome::Success)
}

/// Prints `fetchlab.1`, or writes every page into `--out`.
pub fn man(args: ManArgs) -> Result<Outcome> {
    let command = Cli::command();
    match args.out {
        Some(dir) => {
            let cannot = || format!("cannot write manual pages into {}", dir.display());
            std::fs::create_dir_all(&dir).with_context(cannot)?;
            clap_mangen::generate_to(command, &dir).with_context(cannot)?;
        }
        None => {
            let mut out = Vec::new();
            clap_mangen::Man::new(command)
                .render(&mut out)
                .context("cannot render the manual page")?;
            write_stdout(&out)?;
        }
    }
    Ok(Outcome::Success)
}

/// Writes `bytes` to standard output; a reader that stopped early
/// (`| head`) is not an error.
fn write_stdout(bytes: &[u8]) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to standard output"),
    }
}
