//! A workload: every parameter of one measured run, turned into the server's
//! configuration, the client's settings and the job list.

use std::time::Duration;

use fetchlab_core::{JobList, Settings};
use fetchlab_server::{Corpus, CorpusSpec, Fault, FloorSpec, NetworkModel, Protocol, ServerConfig};

use crate::error::HarnessError;
use crate::ideal;

/// The parameters of a run. Build from [`Workload::seed`] with the `with_*`
/// methods.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Workload {
    /// Files to download (80 gives the book's names, any other count
    /// `file00000.bin` …).
    pub jobs: usize,
    /// Most requests in flight at once.
    pub concurrency: usize,
    /// Server delay before every response.
    pub latency: Duration,
    /// Uniform extra server delay, `0..=jitter`.
    pub jitter: Duration,
    /// Share of file requests answered 500/503.
    pub error_rate: f64,
    /// Share of file requests hit by a fault drawn from `faults`.
    pub fault_rate: f64,
    /// The faults drawn from (kebab-case names, as `fetchlab serve --faults`).
    #[serde(with = "fault_names")]
    pub faults: Vec<Fault>,
    /// How long the `stall` fault stays silent.
    pub stall: Duration,
    /// Retries of transient failures.
    pub retries: u32,
    /// First backoff delay between retries.
    pub backoff_base: Duration,
    /// Longest backoff delay.
    pub backoff_max: Duration,
    /// The client's read timeout (a stall costs this much).
    pub read_timeout: Duration,
    /// Smallest body, bytes.
    pub min_size: usize,
    /// Largest body, bytes (inclusive).
    pub max_size: usize,
    /// Per-connection bandwidth cap, bytes per second.
    pub bandwidth: Option<u64>,
    /// The server's network model (round trips, handshake, slow start,
    /// bottleneck, loss); the default is plain loopback.
    #[serde(default)]
    pub network: NetworkModel,
    /// Seed of the corpus and of every random choice the server makes.
    pub seed: u64,
}

impl Default for Workload {
    fn default() -> Self {
        Self::seed()
    }
}

impl Workload {
    /// The book's lesson: 80 thumbnails of 8–40 KiB, 20 workers, 100 ms a
    /// request, no errors.
    pub fn seed() -> Self {
        let settings = Settings::default();
        Self {
            jobs: fetchlab_core::SEED_NAMES_COUNT,
            concurrency: 20,
            latency: Duration::from_millis(100),
            jitter: Duration::ZERO,
            error_rate: 0.0,
            fault_rate: 0.0,
            faults: vec![
                Fault::ResetBeforeHeaders,
                Fault::ResetMidBody,
                Fault::ShortBody,
            ],
            stall: Duration::from_secs(60),
            retries: settings.retries(),
            backoff_base: settings.backoff_base(),
            backoff_max: settings.backoff_max(),
            read_timeout: settings.read_timeout(),
            min_size: 8 * 1024,
            max_size: 40 * 1024,
            bandwidth: None,
            network: NetworkModel::default(),
            seed: 2026,
        }
    }

    /// Sets the number of jobs.
    pub fn with_jobs(mut self, jobs: usize) -> Self {
        self.jobs = jobs;
        self
    }

    /// Sets the concurrency.
    pub fn with_concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency;
        self
    }

    /// Sets the server delay.
    pub fn with_latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Sets the server's random extra delay.
    pub fn with_jitter(mut self, jitter: Duration) -> Self {
        self.jitter = jitter;
        self
    }

    /// Sets the share of requests answered with 500/503.
    pub fn with_error_rate(mut self, rate: f64) -> Self {
        self.error_rate = rate;
        self
    }

    /// Sets the share of requests hit by one of `faults`.
    pub fn with_faults(mut self, rate: f64, faults: Vec<Fault>) -> Self {
        self.fault_rate = rate;
        self.faults = faults;
        self
    }

    /// Sets the body sizes, bytes (inclusive range).
    pub fn with_sizes(mut self, min: usize, max: usize) -> Self {
        self.min_size = min;
        self.max_size = max;
        self
    }

    /// Sets the per-connection bandwidth cap, bytes per second.
    pub fn with_bandwidth(mut self, bandwidth: Option<u64>) -> Self {
        self.bandwidth = bandwidth;
        self
    }

    /// Sets the server's network model.
    pub fn with_network(mut self, network: NetworkModel) -> Self {
        self.network = network;
        self
    }

    /// Sets the round-trip time of the network model.
    pub fn with_rtt(mut self, rtt: Duration) -> Self {
        self.network.rtt = rtt;
        self
    }

    /// Sets the retries and their backoff.
    pub fn with_retries(mut self, retries: u32, base: Duration, max: Duration) -> Self {
        self.retries = retries;
        self.backoff_base = base;
        self.backoff_max = max;
        self
    }

    /// Sets the client's read timeout and the server's stall.
    pub fn with_timeouts(mut self, read_timeout: Duration, stall: Duration) -> Self {
        self.read_timeout = read_timeout;
        self.stall = stall;
        self
    }

    /// Sets the seed.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Checks the parameters a run cannot work with: the corpus here, the
    /// server's by [`ServerConfig::validate`], the client's by core's
    /// settings builder.
    pub fn validate(&self) -> Result<(), HarnessError> {
        let bad = |what: String| Err(HarnessError::Workload(what));
        if self.jobs == 0 {
            return bad("at least one job is needed".into());
        }
        if self.min_size > self.max_size {
            return bad(format!(
                "min size {} > max size {}",
                self.min_size, self.max_size
            ));
        }
        self.server_config(Corpus::from_files([]))
            .validate()
            .map_err(|e| HarnessError::Workload(e.to_string()))?;
        self.settings_builder()
            .build()
            .map(drop)
            .map_err(|e| HarnessError::Workload(e.to_string()))
    }

    /// The corpus the server serves.
    pub fn corpus_spec(&self) -> CorpusSpec {
        CorpusSpec {
            count: self.jobs,
            min_size: self.min_size,
            max_size: self.max_size,
            seed: self.seed,
        }
    }

    /// The in-process server's configuration over `corpus`.
    pub fn server_config(&self, corpus: Corpus) -> ServerConfig {
        ServerConfig {
            corpus,
            latency: self.latency,
            jitter: self.jitter,
            error_rate: self.error_rate,
            fault_rate: self.fault_rate,
            faults: self.faults.clone(),
            bandwidth: self.bandwidth,
            network: self.network.clone(),
            stall: self.stall,
            seed: self.seed,
            ..ServerConfig::default()
        }
    }

    /// The client's settings. Total timeouts are generous so that only the
    /// read timeout (stalls) and the server decide.
    pub fn settings(&self) -> Result<Settings, fetchlab_core::Error> {
        Ok(self.settings_builder().build()?)
    }

    fn settings_builder(&self) -> fetchlab_core::SettingsBuilder {
        let total = Duration::from_secs(600);
        Settings::builder()
            .concurrency(self.concurrency)
            .retries(self.retries)
            .backoff(self.backoff_base, self.backoff_max)
            .timeouts(Duration::from_secs(10), self.read_timeout, total)
    }

    /// The jobs: every corpus file under `base_url`, in name order.
    pub fn job_list(
        &self,
        base_url: &str,
        corpus_names: Vec<String>,
    ) -> Result<JobList, HarnessError> {
        JobList::named_under(base_url, corpus_names)
            .map_err(|e| HarnessError::Server(format!("bad job list: {e}")))
    }

    /// The ideal time for bodies of `sizes` (`docs/harness.md`, "The ideal
    /// time").
    ///
    /// Service time of a request: delay + mean jitter + size / bandwidth.
    /// With error and fault rates `e` and `f`, a perfect client still needs
    /// `1 / ((1 − e)(1 − f))` requests per job on average, so each service
    /// time is scaled by that.
    ///
    /// With the network model on, the ideal is also at least the modelled
    /// floor ([`fetchlab_server::floor`]): perfect workers on kept-alive
    /// HTTP/1.1 connections paying exactly the model's handshakes, request
    /// rounds and window flights. Both are lower bounds, so the larger one
    /// is; when a workload has server delay *and* a network model the sum
    /// would be tighter but is not a bound the model proves, so it is not
    /// used.
    pub fn ideal_time(&self, sizes: &[u64]) -> Duration {
        let delay = self.latency + self.jitter / 2;
        let success = ((1.0 - self.error_rate) * (1.0 - self.fault_rate)).max(0.01);
        let times: Vec<Duration> = sizes
            .iter()
            .map(|&bytes| ideal::service_time(delay, bytes, self.bandwidth).div_f64(success))
            .collect();
        let served = ideal::makespan(&times, self.concurrency);
        if !self.network.is_active() {
            return served;
        }
        let floor = fetchlab_server::floor(&FloorSpec {
            sizes,
            workers: self.concurrency,
            keep_alive: true,
            tls: false,
            protocol: Protocol::Http1,
            network: self.network.clone(),
        });
        served.max(floor)
    }

    /// Why this workload's rows show no efficiency, if they do not: with
    /// errors or faults, what a client must spend is retries, backoff
    /// waits and read timeouts on top of the requests, and the ideal above
    /// counts only the requests — an efficiency against it would say
    /// nothing about the strategy.
    pub fn efficiency_caveat(&self) -> Option<String> {
        (self.error_rate > 0.0 || self.fault_rate > 0.0).then(|| {
            "no efficiency with errors or faults: the ideal counts the extra requests the \
             server's errors force but not the backoff waits and read timeouts a correct \
             client must also spend, so ideal / time would say nothing about the strategy"
                .to_owned()
        })
    }

    /// A one-line description: `80 jobs, 20 workers, 100 ms`, plus what is
    /// not default.
    pub fn label(&self) -> String {
        let mut parts = vec![
            format!("{} jobs", self.jobs),
            format!("{} workers", self.concurrency),
            format!("{} ms", self.latency.as_millis()),
        ];
        if !self.jitter.is_zero() {
            parts.push(format!("jitter {} ms", self.jitter.as_millis()));
        }
        if self.error_rate > 0.0 {
            parts.push(format!("{:.0} % errors", self.error_rate * 100.0));
        }
        if self.fault_rate > 0.0 {
            let names: Vec<String> = self.faults.iter().map(Fault::to_string).collect();
            parts.push(format!(
                "{:.0} % faults ({})",
                self.fault_rate * 100.0,
                names.join(", ")
            ));
        }
        parts.push(format!(
            "bodies {}–{}",
            crate::units::bytes(self.min_size as u64),
            crate::units::bytes(self.max_size as u64)
        ));
        if let Some(rate) = self.bandwidth {
            parts.push(format!("{}/s per connection", crate::units::bytes(rate)));
        }
        if !self.network.rtt.is_zero() {
            parts.push(format!("RTT {} ms", self.network.rtt.as_millis()));
        }
        if let Some(rate) = self.network.bottleneck {
            parts.push(format!("{}/s bottleneck", crate::units::bytes(rate)));
        }
        if self.network.loss > 0.0 {
            parts.push(format!("{} % loss", self.network.loss * 100.0));
        }
        parts.join(", ")
    }
}

/// Faults as their kebab-case names.
mod fault_names {
    use fetchlab_server::Fault;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(faults: &[Fault], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(faults.iter().map(Fault::to_string))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Fault>, D::Error> {
        let names = Vec::<String>::deserialize(d)?;
        names
            .iter()
            .map(|n| {
                n.parse()
                    .map_err(|_| serde::de::Error::custom(format!("unknown fault {n:?}")))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_is_the_books_lesson() {
        let w = Workload::seed();
        assert_eq!((w.jobs, w.concurrency), (80, 20));
        assert_eq!(w.latency, Duration::from_millis(100));
        w.validate().unwrap();
        let sizes = vec![20_000; 80];
        assert_eq!(w.ideal_time(&sizes), Duration::from_millis(400));
    }

    #[test]
    fn bad_parameters_are_named() {
        let w = Workload::seed();
        for (bad, name) in [
            (w.clone().with_jobs(0), "job"),
            // The server's own names and checks (`ServerConfig::validate`).
            (
                w.clone().with_error_rate(1.5),
                "error_rate must be between 0 and 1, got 1.5",
            ),
            (w.clone().with_sizes(10, 5), "min size 10 > max size 5"),
            (w.clone().with_concurrency(0), "concurrency"),
            (w.clone().with_faults(0.1, vec![]), "fault_rate"),
        ] {
            let err = bad.validate().expect_err(name).to_string();
            assert!(err.contains(name), "{name:?} not named in {err:?}");
        }
    }

    #[test]
    fn errors_scale_the_ideal_by_expected_attempts() {
        let w = Workload::seed()
            .with_jobs(1)
            .with_concurrency(1)
            .with_error_rate(0.5);
        assert_eq!(w.ideal_time(&[1]), Duration::from_millis(200));
    }

    #[test]
    fn serialises_faults_by_name() {
        let w = Workload::seed().with_faults(0.1, vec![Fault::Stall]);
        let json = serde_json::to_value(&w).unwrap();
        assert_eq!(json["faults"][0], "stall");
        let back: Workload = serde_json::from_value(json).unwrap();
        assert_eq!(back, w);
    }
}
