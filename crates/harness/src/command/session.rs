//! A command's runs against one server: per run, fresh inputs and an empty
//! output directory, the process, the server's counts, and the directory
//! checked against the corpus.

use std::time::Duration;

use fetchlab_core::JobList;

use super::CommandSpec;
use super::Inputs;
use super::process::{self, ProcessRun};
use crate::error::HarnessError;
use crate::measure::PointRunner;
use crate::server::{Served, ServerCounters, ServerMode};
use crate::verify::DirCheck;

/// What one run of a command measured.
#[derive(Debug, Clone)]
pub struct CommandMeasurement {
    /// Spawn to exit (or to the kill at the time limit).
    pub wall: Duration,
    /// CPU time of the child tree.
    pub cpu: Duration,
    /// Peak resident memory of the child tree's largest process.
    pub peak_rss: Option<u64>,
    /// What the server counted.
    pub server: ServerCounters,
    /// Where the server ran.
    pub server_mode: ServerMode,
    /// The output directory against the corpus.
    pub check: DirCheck,
    /// What went wrong, when something did: the exit (with the last line of
    /// standard error) and the directory's problems.
    pub failure: Option<String>,
}

/// A command's runs against one server (a fresh one per command, so that
/// its peak in-flight count is this command's).
pub struct CommandSession<'a> {
    runner: &'a PointRunner,
    spec: CommandSpec,
    server: Served,
    jobs: JobList,
    dir: tempfile::TempDir,
    runs: usize,
}

impl<'a> CommandSession<'a> {
    /// Starts a server for `spec`'s runs on `runner`'s point.
    pub fn start(
        runner: &'a PointRunner,
        spec: &CommandSpec,
        note: &mut dyn FnMut(String),
    ) -> Result<CommandSession<'a>, HarnessError> {
        let server = Served::start(runner.source(), runner.workload(), runner.corpus(), note)?;
        let jobs = runner
            .workload()
            .job_list(server.base_urls(), runner.corpus().names())?;
        let dir = tempfile::Builder::new()
            .prefix("fetchlab-command-")
            .tempdir()
            .map_err(|e| HarnessError::Command(format!("cannot make a work directory: {e}")))?;
        Ok(CommandSession {
            runner,
            spec: spec.clone(),
            server,
            jobs,
            dir,
            runs: 0,
        })
    }

    /// One run, at most `limit` long, checked.
    pub fn run_once(&mut self, limit: Duration) -> Result<CommandMeasurement, HarnessError> {
        self.runs += 1;
        let workload = self.runner.workload();
        let inputs = Inputs::write(
            self.dir.path(),
            self.runs,
            &self.jobs,
            workload.concurrency,
            self.server.base_url(),
            self.server.ca_pem(),
        )?;
        let words = self.spec.render(&inputs)?;
        let run_dir = inputs.out.parent().unwrap_or(self.dir.path()).to_owned();
        self.server.before_run();
        let ran = process::run(&words, &run_dir, limit);
        let server = self.server.after_run()?;
        let ran = match ran {
            Ok(ran) => ran,
            // A program that cannot start is this row's failure, not the table's.
            Err(HarnessError::Command(why)) => ProcessRun {
                exit: process::Exit::Status(127),
                wall: Duration::ZERO,
                cpu: Duration::ZERO,
                peak_rss: None,
                last_error_line: Some(why),
            },
            Err(other) => return Err(other),
        };
        let check = DirCheck::of(&inputs.out, self.runner.corpus())?;
        let exit = ran.exit.failure().map(|exit| match &ran.last_error_line {
            Some(line) => format!("{exit} ({line})"),
            None => exit,
        });
        let problems: Vec<String> = exit.into_iter().chain(check.problem()).collect();
        // The run's files are checked; the next run starts from an empty directory anyway.
        let _ = std::fs::remove_dir_all(&run_dir);
        Ok(CommandMeasurement {
            wall: ran.wall,
            cpu: ran.cpu,
            peak_rss: ran.peak_rss,
            server,
            server_mode: self.server.mode(),
            check,
            failure: (!problems.is_empty()).then(|| problems.join("; ")),
        })
    }
}
