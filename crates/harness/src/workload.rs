//! A workload: every parameter of one measured run. It holds the server's
//! configuration (a [`ServerConfig`], whose corpus it generates from its
//! own job count, sizes and seed) and the client's side (jobs, workers,
//! retries, timeouts, connection policy, hosts, per-host limit), and turns
//! them into one server configuration per host, the client's settings and
//! the job list.

use std::time::Duration;

use fetchlab_core::{HttpVersion, Job, JobList, Settings};
use fetchlab_server::{Corpus, CorpusSpec, Fault, FloorSpec, Protocol, ServerConfig};

use crate::error::HarnessError;
use crate::ideal;

/// The parameters of a run. Build from [`Workload::seed`] with the `with_*`
/// methods; what the server does, with [`Workload::with_server`] and the
/// server's own `with_*` setters.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Workload {
    /// Files to download (80 gives the book's names, any other count
    /// `file00000.bin` …).
    pub jobs: usize,
    /// Most requests in flight at once.
    pub concurrency: usize,
    /// What the server does: its delay and jitter, error and fault rates,
    /// the faults and how long a stall lasts, bandwidth, network model
    /// (round trips, handshake, slow start, bottleneck, loss), TLS, limits,
    /// and the seed of the corpus and of every random choice it makes.
    /// Its `corpus` is not read: the served corpus is generated from
    /// `jobs`, the sizes and the seed ([`Workload::corpus_spec`]) and put
    /// in its place by [`Workload::server_config`].
    pub server: ServerConfig,
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
    /// The clients' connection policy: HTTP/2, keep-alive.
    #[serde(default)]
    pub connection: Connection,
    /// `Some(n)`: the body sizes repeat every `n` files (those of the
    /// first `n`, cycled; see [`CorpusSpec::size_cycle`]).
    #[serde(default)]
    pub size_cycle: Option<usize>,
    /// The hosts the URL list spans, each with what differs from the
    /// workload's own server; empty (the default): one host, the
    /// workload's. Job `i` goes to host `i % hosts.len()` (round-robin in
    /// list order), so each host gets an equal share, ±1.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<Host>,
    /// Most requests in flight to one host (the client's `--per-host`);
    /// `None`: only `concurrency` limits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_host: Option<usize>,
}

/// One host of a workload whose URL list spans several: what differs from
/// the workload's own server (`None`: the workload's value). Every host
/// serves the same corpus; the job list takes its share of it from each.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Host {
    /// Server delay before every response on this host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency: Option<Duration>,
    /// Round-trip time of this host's network model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rtt: Option<Duration>,
    /// Share of this host's file requests answered 500/503.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_rate: Option<f64>,
    /// Share of this host's file requests hit by one of the workload's faults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault_rate: Option<f64>,
}

impl Host {
    /// A host whose only difference is its server delay.
    pub fn latency(latency: Duration) -> Host {
        Host {
            latency: Some(latency),
            ..Host::default()
        }
    }

    /// A host whose only difference is its network round trip.
    pub fn rtt(rtt: Duration) -> Host {
        Host {
            rtt: Some(rtt),
            ..Host::default()
        }
    }

    /// This host with its own error and fault rates.
    pub fn with_failures(mut self, error_rate: f64, fault_rate: f64) -> Host {
        self.error_rate = Some(error_rate);
        self.fault_rate = Some(fault_rate);
        self
    }
}

/// How clients connect: the part of a workload the client settings
/// follow. Whether they speak TLS is the server's choice
/// ([`ServerConfig::tls`]): it makes a certificate authority at start, and
/// every strategy (`ca_pem`) and command row (`{cacert}`) trusts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Connection {
    /// HTTP/2 (ALPN `h2` over TLS, h2c by prior knowledge in plain
    /// HTTP) for every strategy; one that speaks HTTP/1.1 only is refused,
    /// with its reason.
    pub http2: bool,
    /// Whether a connection is kept for the next request; off, every
    /// request opens its own (what the book's `requests.get` does).
    pub keep_alive: bool,
}

impl Default for Connection {
    /// Plain HTTP/1.1 with keep-alive.
    fn default() -> Self {
        Connection {
            http2: false,
            keep_alive: true,
        }
    }
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
            // No jitter, errors or faults (a fault would be one of a reset
            // before the headers, a reset mid-body, a short body), a stall
            // of 60 s, no bandwidth cap, plain loopback, no TLS.
            server: ServerConfig {
                latency: Duration::from_millis(100),
                seed: 2026,
                ..ServerConfig::default()
            },
            retries: settings.retries(),
            backoff_base: settings.backoff_base(),
            backoff_max: settings.backoff_max(),
            read_timeout: settings.read_timeout(),
            min_size: 8 * 1024,
            max_size: 40 * 1024,
            connection: Connection::default(),
            size_cycle: None,
            hosts: Vec::new(),
            per_host: None,
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

    /// Changes what the server does with `change`, the server's own
    /// setters: `workload.with_server(|s| s.with_latency(Duration::ZERO)
    /// .with_rtt(rtt))`.
    pub fn with_server(mut self, change: impl FnOnce(ServerConfig) -> ServerConfig) -> Self {
        self.server = change(self.server);
        self
    }

    /// Sets the body sizes, bytes (inclusive range).
    pub fn with_sizes(mut self, min: usize, max: usize) -> Self {
        self.min_size = min;
        self.max_size = max;
        self
    }

    /// Sets the connection policy.
    pub fn with_connection(mut self, connection: Connection) -> Self {
        self.connection = connection;
        self
    }

    /// Asks every strategy for HTTP/2 (or not).
    pub fn with_http2(mut self, http2: bool) -> Self {
        self.connection.http2 = http2;
        self
    }

    /// Keeps connections for the next request (or opens one per request).
    pub fn with_keep_alive(mut self, keep_alive: bool) -> Self {
        self.connection.keep_alive = keep_alive;
        self
    }

    /// Repeats the sizes of the first `n` files (see [`Workload::size_cycle`]).
    pub fn with_size_cycle(mut self, n: Option<usize>) -> Self {
        self.size_cycle = n;
        self
    }

    /// Sets the retries and their backoff.
    pub fn with_retries(mut self, retries: u32, base: Duration, max: Duration) -> Self {
        self.retries = retries;
        self.backoff_base = base;
        self.backoff_max = max;
        self
    }

    /// Sets the client's read timeout (what a stall costs it).
    pub fn with_read_timeout(mut self, read_timeout: Duration) -> Self {
        self.read_timeout = read_timeout;
        self
    }

    /// Spreads the URL list over `hosts` (empty: one host).
    pub fn with_hosts(mut self, hosts: Vec<Host>) -> Self {
        self.hosts = hosts;
        self
    }

    /// Sets the client's per-host limit.
    pub fn with_per_host(mut self, per_host: Option<usize>) -> Self {
        self.per_host = per_host;
        self
    }

    /// How many hosts the URL list spans (at least 1).
    pub fn host_count(&self) -> usize {
        self.hosts.len().max(1)
    }

    /// The host of job `index`: round-robin in list order.
    pub fn host_of(&self, index: usize) -> usize {
        index % self.host_count()
    }

    /// Checks the parameters a run cannot work with: the corpus here, the
    /// server's by [`ServerConfig::validate`], the client's by core's
    /// settings builder.
    pub fn validate(&self) -> Result<(), HarnessError> {
        let bad = |what: String| Err(HarnessError::Workload(what));
        if self.jobs == 0 {
            return bad("at least one job is needed".into());
        }
        if self.size_cycle == Some(0) {
            return bad("a size cycle of 0 files".into());
        }
        if self.min_size > self.max_size {
            return bad(format!(
                "min size {} > max size {}",
                self.min_size, self.max_size
            ));
        }
        if self.hosts.len() > MAX_HOSTS {
            return bad(format!(
                "at most {MAX_HOSTS} hosts (127.0.0.1 … 127.0.0.254), got {}",
                self.hosts.len()
            ));
        }
        for (i, config) in self
            .server_configs(&Corpus::from_files([]))
            .iter()
            .enumerate()
        {
            config.validate().map_err(|e| match self.hosts.len() {
                0 => HarnessError::Workload(e.to_string()),
                _ => HarnessError::Workload(format!("host {}: {e}", i + 1)),
            })?;
        }
        // Settings no backend could honour (HTTP/2 with keep-alive off) are
        // every row's refusal, not a bad workload.
        match self.settings_builder().build() {
            Ok(_) | Err(fetchlab_core::SettingsError::Unsupported { .. }) => Ok(()),
            Err(e) => bad(e.to_string()),
        }
    }

    /// The corpus the server serves.
    pub fn corpus_spec(&self) -> CorpusSpec {
        CorpusSpec {
            count: self.jobs,
            min_size: self.min_size,
            max_size: self.max_size,
            seed: self.server.seed,
            size_cycle: self.size_cycle,
        }
    }

    /// One server configuration per host over `corpus`: the workload's own
    /// ([`Workload::server_config`]) with each [`Host`]'s differences (each
    /// host's random choices from its own seed, so they are not in step).
    pub fn server_configs(&self, corpus: &Corpus) -> Vec<ServerConfig> {
        let own = self.server_config(corpus.clone());
        if self.hosts.is_empty() {
            return vec![own];
        }
        self.hosts
            .iter()
            .enumerate()
            .map(|(i, host)| {
                let mut config = own.clone();
                config.latency = host.latency.unwrap_or(config.latency);
                config.network.rtt = host.rtt.unwrap_or(config.network.rtt);
                config.error_rate = host.error_rate.unwrap_or(config.error_rate);
                config.fault_rate = host.fault_rate.unwrap_or(config.fault_rate);
                config.seed = self.server.seed.wrapping_add(i as u64);
                config
            })
            .collect()
    }

    /// The server's configuration over `corpus` (one host; with several,
    /// what they share: see [`Workload::server_configs`]).
    pub fn server_config(&self, corpus: Corpus) -> ServerConfig {
        ServerConfig {
            corpus,
            ..self.server.clone()
        }
    }

    /// The client's settings, trusting `ca_pem` (the server's certificate
    /// authority, with TLS on). Total timeouts are generous so that only
    /// the read timeout (stalls) and the server decide.
    pub fn settings(&self, ca_pem: Option<&str>) -> Result<Settings, fetchlab_core::Error> {
        let mut builder = self.settings_builder();
        if let Some(pem) = ca_pem {
            builder = builder.ca_pem(pem);
        }
        Ok(builder.build()?)
    }

    fn settings_builder(&self) -> fetchlab_core::SettingsBuilder {
        let total = Duration::from_secs(600);
        let version = if self.connection.http2 {
            HttpVersion::Http2
        } else {
            HttpVersion::Http1
        };
        Settings::builder()
            .concurrency(self.concurrency)
            .retries(self.retries)
            .backoff(self.backoff_base, self.backoff_max)
            .timeouts(Duration::from_secs(10), self.read_timeout, total)
            .per_host(self.per_host)
            .keep_alive(self.connection.keep_alive)
            .http_version(version)
    }

    /// The jobs: every corpus file, in name order, job `i` under host
    /// [`Workload::host_of`]`(i)`'s base URL (`base_urls` in host order;
    /// each host serves the whole corpus).
    pub fn job_list(
        &self,
        base_urls: &[String],
        corpus_names: Vec<String>,
    ) -> Result<JobList, HarnessError> {
        let bad = |e: String| HarnessError::Server(format!("bad job list: {e}"));
        if base_urls.len() != self.host_count() {
            return Err(bad(format!(
                "{} base URLs for {} hosts",
                base_urls.len(),
                self.host_count()
            )));
        }
        if let [base_url] = base_urls {
            return JobList::named_under(base_url, corpus_names).map_err(|e| bad(e.to_string()));
        }
        let mut jobs: Vec<Job> = Vec::with_capacity(corpus_names.len());
        for (i, name) in corpus_names.into_iter().enumerate() {
            let host = JobList::named_under(&base_urls[self.host_of(i)], [name])
                .map_err(|e| bad(e.to_string()))?;
            jobs.extend(host.iter().cloned());
        }
        Ok(JobList::from_jobs(jobs))
    }

    /// The ideal time for bodies of `sizes` (`docs/harness.md`, "The ideal
    /// time").
    ///
    /// Service time of a request: its host's delay + mean jitter + size /
    /// bandwidth. With error and fault rates `e` and `f`, a perfect client
    /// still needs `1 / ((1 − e)(1 − f))` requests per job on average, so
    /// each service time is scaled by that. The makespan is that of
    /// perfect workers taking the jobs in list order ([`ideal::makespan`]);
    /// with several hosts or a per-host limit, of workers that also keep
    /// to the limit and pass over a job whose host is full for the next one
    /// ([`ideal::makespan_hosts`]).
    ///
    /// With the network model on, the ideal is also at least the modelled
    /// floor ([`fetchlab_server::floor`]): perfect workers under the
    /// workload's [`Connection`] policy (TLS 1.3's extra round trip,
    /// HTTP/2's one shared connection, or a new connection per request)
    /// paying exactly the model's handshakes, request rounds and window
    /// flights — with several hosts, the slowest host's floor for its own
    /// jobs at the workers it may use. Both are lower bounds, so the larger
    /// one is; when a workload has server delay *and* a network model the
    /// sum would be tighter but is not a bound the model proves, so it is
    /// not used.
    pub fn ideal_time(&self, sizes: &[u64]) -> Duration {
        let configs = self.server_configs(&Corpus::from_files([]));
        let times: Vec<(usize, Duration)> = sizes
            .iter()
            .enumerate()
            .map(|(i, &bytes)| {
                let host = self.host_of(i);
                let config = &configs[host];
                let delay = config.latency + config.jitter / 2;
                let success = ((1.0 - config.error_rate) * (1.0 - config.fault_rate)).max(0.01);
                let time = ideal::service_time(delay, bytes, config.bandwidth).div_f64(success);
                (host, time)
            })
            .collect();
        let served = if self.host_count() == 1 && self.per_host.is_none() {
            let times: Vec<Duration> = times.iter().map(|&(_, t)| t).collect();
            ideal::makespan(&times, self.concurrency)
        } else {
            ideal::makespan_hosts(&times, self.concurrency, self.per_host)
        };
        let per_host = self
            .per_host
            .unwrap_or(self.concurrency)
            .min(self.concurrency);
        let floor = configs
            .iter()
            .enumerate()
            .filter(|(_, config)| config.network.is_active())
            .map(|(host, config)| {
                let sizes: Vec<u64> = (0..sizes.len())
                    .filter(|&i| self.host_of(i) == host)
                    .map(|i| sizes[i])
                    .collect();
                fetchlab_server::floor(&FloorSpec {
                    sizes: &sizes,
                    workers: per_host,
                    keep_alive: self.connection.keep_alive,
                    tls: config.tls,
                    protocol: if self.connection.http2 {
                        Protocol::Http2
                    } else {
                        Protocol::Http1
                    },
                    network: config.network.clone(),
                })
            })
            .max()
            .unwrap_or(Duration::ZERO);
        served.max(floor)
    }

    /// Why this workload's rows show no efficiency, if they do not: with
    /// errors or faults, what a client must spend is retries, backoff
    /// waits and read timeouts on top of the requests, and the ideal above
    /// counts only the requests — an efficiency against it would say
    /// nothing about the strategy.
    pub fn efficiency_caveat(&self) -> Option<String> {
        let host_failures = self
            .hosts
            .iter()
            .any(|h| h.error_rate.unwrap_or(0.0) > 0.0 || h.fault_rate.unwrap_or(0.0) > 0.0);
        (self.server.error_rate > 0.0 || self.server.fault_rate > 0.0 || host_failures).then(|| {
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
        ];
        if let Some(limit) = self.per_host {
            parts.push(format!("{limit} per host"));
        }
        let server = &self.server;
        if self.hosts.is_empty() {
            parts.push(format!("{} ms", server.latency.as_millis()));
        } else {
            parts.push(self.hosts_label());
        }
        if !server.jitter.is_zero() {
            parts.push(format!("jitter {} ms", server.jitter.as_millis()));
        }
        if server.error_rate > 0.0 {
            parts.push(format!("{:.0} % errors", server.error_rate * 100.0));
        }
        if server.fault_rate > 0.0 {
            let names: Vec<String> = server.faults.iter().map(Fault::to_string).collect();
            parts.push(format!(
                "{:.0} % faults ({})",
                server.fault_rate * 100.0,
                names.join(", ")
            ));
        }
        parts.push(format!(
            "bodies {}–{}",
            crate::units::bytes(self.min_size as u64),
            crate::units::bytes(self.max_size as u64)
        ));
        if let Some(rate) = server.bandwidth {
            parts.push(format!("{}/s per connection", crate::units::bytes(rate)));
        }
        if !server.network.rtt.is_zero() {
            parts.push(format!("RTT {} ms", server.network.rtt.as_millis()));
        }
        if let Some(rate) = server.network.bottleneck {
            parts.push(format!("{}/s bottleneck", crate::units::bytes(rate)));
        }
        if server.network.loss > 0.0 {
            parts.push(format!("{} % loss", server.network.loss * 100.0));
        }
        if let Some(n) = self.size_cycle {
            parts.push(format!("the first {n} sizes cycled"));
        }
        parts.extend(self.connection_label());
        parts.join(", ")
    }

    /// `HTTP/1.1`, `HTTP/2 (h2c)`, `HTTPS (HTTP/2, ALPN h2)`, … plus
    /// `keep-alive off`; `None` for the default, plain HTTP/1.1 with
    /// keep-alive.
    fn connection_label(&self) -> Option<String> {
        let Connection { http2, keep_alive } = self.connection;
        let tls = self.server.tls;
        if !tls && self.connection == Connection::default() {
            return None;
        }
        let mut label = match (tls, http2) {
            (false, false) => "HTTP/1.1".to_owned(),
            (true, false) => "HTTPS (HTTP/1.1)".to_owned(),
            (false, true) => "HTTP/2 (h2c)".to_owned(),
            (true, true) => "HTTPS (HTTP/2, ALPN h2)".to_owned(),
        };
        if !keep_alive {
            label.push_str(", keep-alive off");
        }
        Some(label)
    }

    /// `8 hosts (10/20/…/150 ms)`, with each host's RTT, error and fault
    /// rates when any host has them.
    fn hosts_label(&self) -> String {
        let configs = self.server_configs(&Corpus::from_files([]));
        let list = |f: fn(&ServerConfig) -> f64, unit: &str| {
            let values: Vec<f64> = configs.iter().map(f).collect();
            values.iter().any(|&v| v > 0.0).then(|| {
                let shown: Vec<String> = values.iter().map(|v| format!("{v:.0}")).collect();
                format!("{} {unit}", shown.join("/"))
            })
        };
        let mut what = vec![
            list(|c| c.latency.as_secs_f64() * 1e3, "ms").unwrap_or_else(|| "0 ms".to_owned()),
        ];
        what.extend(list(|c| c.network.rtt.as_secs_f64() * 1e3, "ms RTT"));
        what.extend(list(|c| c.error_rate * 100.0, "% errors"));
        what.extend(list(|c| c.fault_rate * 100.0, "% faults"));
        format!("{} hosts ({})", configs.len(), what.join("; "))
    }
}

/// The most hosts a workload can span: the loopback addresses
/// 127.0.0.1 … 127.0.0.254.
pub const MAX_HOSTS: usize = 254;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_is_the_books_lesson() {
        let w = Workload::seed();
        assert_eq!((w.jobs, w.concurrency), (80, 20));
        assert_eq!(w.server.latency, Duration::from_millis(100));
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
                w.clone().with_server(|s| s.with_error_rate(1.5)),
                "error_rate must be between 0 and 1, got 1.5",
            ),
            (w.clone().with_sizes(10, 5), "min size 10 > max size 5"),
            (w.clone().with_concurrency(0), "concurrency"),
            (
                w.clone()
                    .with_server(|s| s.with_fault_rate(0.1).with_faults([])),
                "fault_rate",
            ),
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
            .with_server(|s| s.with_error_rate(0.5));
        assert_eq!(w.ideal_time(&[1]), Duration::from_millis(200));
    }

    #[test]
    fn the_job_list_goes_round_robin_over_the_hosts() {
        let w = Workload::seed().with_jobs(5).with_hosts(vec![
            Host::latency(Duration::ZERO),
            Host::latency(Duration::from_millis(5)),
        ]);
        let bases = [
            "http://127.0.0.1:1/".to_owned(),
            "http://127.0.0.2:2/".to_owned(),
        ];
        let names: Vec<String> = (0..5).map(|i| format!("f{i}.bin")).collect();
        let jobs = w.job_list(&bases, names.clone()).unwrap();
        let urls: Vec<&str> = jobs.iter().map(|j| j.url()).collect();
        assert_eq!(
            urls,
            [
                "http://127.0.0.1:1/f0.bin",
                "http://127.0.0.2:2/f1.bin",
                "http://127.0.0.1:1/f2.bin",
                "http://127.0.0.2:2/f3.bin",
                "http://127.0.0.1:1/f4.bin",
            ]
        );
        let err = w.job_list(&bases[..1], names).unwrap_err().to_string();
        assert!(err.contains("1 base URLs for 2 hosts"), "{err}");
    }

    #[test]
    fn each_host_keeps_the_workloads_values_but_its_own() {
        let w = Workload::seed()
            .with_server(|s| s.with_error_rate(0.1))
            .with_hosts(vec![
                Host::latency(Duration::from_millis(10)),
                Host::rtt(Duration::from_millis(50)).with_failures(0.0, 0.2),
            ]);
        let configs = w.server_configs(&Corpus::from_files([]));
        let seen: Vec<(u128, u128, f64, f64)> = configs
            .iter()
            .map(|c| {
                let ms = |d: Duration| d.as_millis();
                (ms(c.latency), ms(c.network.rtt), c.error_rate, c.fault_rate)
            })
            .collect();
        assert_eq!(seen, [(10, 0, 0.1, 0.0), (100, 50, 0.0, 0.2)]);
        assert_ne!(configs[0].seed, configs[1].seed);
        assert!(w.efficiency_caveat().is_some());
        let clean = Workload::seed().with_hosts(vec![Host::default().with_failures(0.0, 0.0)]);
        assert!(clean.efficiency_caveat().is_none());
        assert!(
            w.label().contains("2 hosts (10/100 ms; 0/50 ms RTT"),
            "{}",
            w.label()
        );
        let bad = Workload::seed().with_hosts(vec![
            Host::default(),
            Host::default().with_failures(2.0, 0.0),
        ]);
        let err = bad.validate().unwrap_err().to_string();
        assert!(err.contains("host 2: error_rate"), "{err}");
    }

    #[test]
    fn with_round_trips_per_host_the_slowest_hosts_floor_bounds_the_ideal() {
        let hosts = |rtts: &[u64]| {
            Workload::seed()
                .with_server(|s| s.with_latency(Duration::ZERO))
                .with_hosts(
                    rtts.iter()
                        .map(|&ms| Host::rtt(Duration::from_millis(ms)))
                        .collect(),
                )
        };
        let sizes = [1000; 80];
        let near = hosts(&[10, 10]).ideal_time(&sizes);
        let far = hosts(&[10, 50]).ideal_time(&sizes);
        // 40 jobs on the 50 ms host at 20 workers: a handshake and two
        // request rounds at least.
        assert!(far >= Duration::from_millis(150), "{far:?}");
        assert!(near < far, "{near:?} vs {far:?}");
    }

    #[test]
    fn serialises_faults_by_name() {
        let w =
            Workload::seed().with_server(|s| s.with_fault_rate(0.1).with_faults([Fault::Stall]));
        let json = serde_json::to_value(&w).unwrap();
        assert_eq!(json["server"]["faults"][0], "stall");
        let back: Workload = serde_json::from_value(json).unwrap();
        assert_eq!(back, w);
    }
}
