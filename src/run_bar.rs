//! Progress of `fetchlab compare`: one bar per measured run on a terminal,
//! a plain line per run otherwise; both on standard error.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The layout: which run, the bar, jobs done.
const TEMPLATE: &str = "{prefix:>24} [{elapsed_precise}] {wide_bar} {pos}/{len}";

/// The bar of the run in progress, if any.
pub struct RunBar {
    terminal: bool,
    bar: Option<ProgressBar>,
}

impl RunBar {
    /// Draws bars only when standard error is a terminal.
    pub fn new() -> Self {
        Self {
            terminal: std::io::stderr().is_terminal(),
            bar: None,
        }
    }

    /// A run of `jobs` jobs starts.
    pub fn start(&mut self, label: &str, jobs: usize) {
        self.finish();
        if !self.terminal {
            eprintln!("{label}: {jobs} jobs");
            return;
        }
        let bar = ProgressBar::with_draw_target(Some(jobs as u64), ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template(TEMPLATE) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(label.to_owned());
        self.bar = Some(bar);
    }

    /// `done` jobs of the current run have finished.
    pub fn set_position(&self, done: usize) {
        if let Some(bar) = &self.bar {
            bar.set_position(done as u64);
        }
    }

    /// The current run is over: its bar goes away.
    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }

    /// Prints a line above the bar (or plainly when there is none).
    pub fn println(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.suspend(|| eprintln!("{line}")),
            None => eprintln!("{line}"),
        }
    }
}
