//! [`SequentialDownloader`]: one request at a time on one reused agent.

use std::time::Instant;

use fetchlab_core::backend::{HostGate, run_blocking};
use fetchlab_core::{Downloader, Error, JobList, Outcome, Report, RunEnv, Settings};
use fetchlab_ureq::{CLIENT_LIBRARY, UreqTransport};

/// Downloads the jobs one after another, in order, like the book's
/// `flags.py`: the baseline every other strategy is measured against.
///
/// Its `concurrency` setting is accepted (and sizes nothing but the idle
/// pool); there is never more than one request in flight. One ureq agent
/// serves the whole run, so consecutive requests to a host share one
/// keep-alive connection.
#[derive(Debug, Clone)]
pub struct SequentialDownloader {
    settings: Settings,
}

impl SequentialDownloader {
    /// A downloader with `settings`.
    pub fn new(settings: Settings) -> Result<Self, Error> {
        fetchlab_ureq::check_settings(&settings, "sequential")?;
        Ok(Self { settings })
    }

    /// The settings it runs with.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }
}

impl Downloader for SequentialDownloader {
    fn name(&self) -> &'static str {
        "sequential"
    }

    fn client_library(&self) -> &'static str {
        CLIENT_LIBRARY
    }

    fn download(&self, jobs: &JobList, env: &RunEnv) -> Result<Report, Error> {
        let started = Instant::now();
        env.store.run_starting();
        let transport = UreqTransport::new(&self.settings, &env.cancel);
        // One request at a time is within any per-host limit; the gate is
        // still entered, as in every backend.
        let hosts = HostGate::new(self.settings.per_host());
        // A cancel cuts the request in flight off; run_blocking checks
        // `env.cancel` before each job's first request, so every remaining
        // job then ends cancelled at once.
        let outcomes: Vec<Outcome> = jobs
            .iter()
            .enumerate()
            .map(|(index, job)| run_blocking(&transport, &hosts, job, index, &self.settings, env))
            .collect();
        Ok(Report::new(self.name(), outcomes, started.elapsed()))
    }
}
