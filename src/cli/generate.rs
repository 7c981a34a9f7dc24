//! `fetchlab completions` and `fetchlab man`: options.

use std::path::PathBuf;

use clap::Args;
use clap_complete::Shell;

/// Options of `fetchlab completions`.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  fetchlab completions bash > ~/.local/share/bash-completion/completions/fetchlab
  fetchlab completions zsh > ~/.zfunc/_fetchlab
  fetchlab completions fish > ~/.config/fish/completions/fetchlab.fish")]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Options of `fetchlab man`.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  fetchlab man | man -l -
  fetchlab man --out ~/.local/share/man/man1")]
pub struct ManArgs {
    /// Write one page per command (fetchlab.1, fetchlab-download.1, …) into
    /// this directory instead of printing fetchlab.1.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}
