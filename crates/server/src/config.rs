//! What a server serves and how badly: corpus, network, TLS, latency,
//! errors, faults, bandwidth, limits, seed.
//!
//! [`ServerConfig`] is serde-serialisable with the same names as the
//! `fetchlab serve` options (`latency`, `rtt`, `error_rate`, …; durations as
//! text such as `"50ms"`), so a harness can hand one typed value to an
//! in-process server or to a child `fetchlab serve --config-json`.

use std::time::Duration;

use crate::corpus::{Corpus, DEFAULT_SEED};
use crate::fault::Fault;
use crate::network::NetworkModel;

/// Configuration of a [`TestServer`](crate::TestServer). All fields are
/// public; the `with_*` methods are a builder-style shorthand.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// The files served at `/<name>` (default: the seed thumbnails).
    pub corpus: Corpus,
    /// The modelled network: round trips, handshake, slow start,
    /// bottleneck, loss (default: none, plain loopback).
    pub network: NetworkModel,
    /// Serve HTTPS with a certificate generated at start (default off).
    pub tls: bool,
    /// Delay before the response head of every request but `/_stats`
    /// (default 0).
    #[serde(with = "duration_text")]
    pub latency: Duration,
    /// Extra delay drawn uniformly from `0..=jitter` per request (default 0).
    #[serde(with = "duration_text")]
    pub jitter: Duration,
    /// Share (0..=1) of corpus requests answered with an error status.
    pub error_rate: f64,
    /// The error statuses drawn from (default `[500, 503]`).
    pub error_statuses: Vec<u16>,
    /// `Retry-After` (whole seconds, rounded up) sent with 429 and 503 errors.
    #[serde(with = "optional_duration_text")]
    pub retry_after: Option<Duration>,
    /// Share (0..=1) of corpus requests hit by a fault from `faults`.
    pub fault_rate: f64,
    /// The faults drawn from (default: reset before headers, reset mid-body, short body).
    pub faults: Vec<Fault>,
    /// Body bytes per second per connection; `None` is unlimited.
    pub bandwidth: Option<u64>,
    /// How long [`Fault::Stall`] stays silent before closing (default 60 s).
    #[serde(with = "duration_text")]
    pub stall: Duration,
    /// Seed of all randomness (jitter, errors, faults, losses).
    pub seed: u64,
    /// Worker threads of the server's own tokio runtime (default 2).
    pub worker_threads: usize,
    /// Most connections open at once; past it, new connections wait in the
    /// listen queue until one closes (default 10 000).
    pub max_connections: usize,
    /// Most concurrent streams an HTTP/2 client may open on one connection
    /// (announced in SETTINGS; default 128, nginx's default).
    pub h2_max_streams: u32,
    /// How long a connection may take to send a request head — its first,
    /// or the next one on an idle keep-alive connection — before it is
    /// closed (default 30 s). Bounds what an idle-connection flood costs.
    #[serde(with = "duration_text")]
    pub header_read_timeout: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            corpus: Corpus::default(),
            latency: Duration::ZERO,
            jitter: Duration::ZERO,
            error_rate: 0.0,
            error_statuses: vec![500, 503],
            retry_after: None,
            fault_rate: 0.0,
            faults: vec![
                Fault::ResetBeforeHeaders,
                Fault::ResetMidBody,
                Fault::ShortBody,
            ],
            bandwidth: None,
            stall: Duration::from_secs(60),
            seed: DEFAULT_SEED,
            worker_threads: 2,
            max_connections: 10_000,
            h2_max_streams: 128,
            header_read_timeout: Duration::from_secs(30),
            network: NetworkModel::default(),
            tls: false,
        }
    }
}

/// A [`ServerConfig`] that cannot be served.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ConfigError {
    /// A rate outside `0..=1` (or NaN).
    #[error("{name} must be between 0 and 1, got {value}")]
    Rate {
        /// Which field.
        name: &'static str,
        /// The bad value.
        value: f64,
    },
    /// An error status outside 400..=599.
    #[error("error status {0} is not an HTTP error status (400..=599)")]
    Status(u16),
    /// A positive rate with nothing to draw from.
    #[error("{0} is positive but its list is empty")]
    EmptyChoice(&'static str),
    /// A bandwidth of zero bytes per second.
    #[error("bandwidth must be at least 1 byte per second")]
    ZeroBandwidth,
    /// No worker threads.
    #[error("worker_threads must be at least 1")]
    ZeroThreads,
    /// A connection cap of zero.
    #[error("max_connections must be at least 1")]
    ZeroConnections,
    /// An HTTP/2 stream limit of zero.
    #[error("h2_max_streams must be at least 1")]
    ZeroStreams,
    /// A header read timeout of zero.
    #[error("header_read_timeout must be positive")]
    ZeroHeaderTimeout,
    /// A bottleneck of zero bytes per second.
    #[error("the network bottleneck must be at least 1 byte per second")]
    ZeroBottleneck,
}

impl ServerConfig {
    /// Checks rates, statuses, bandwidth and thread count.
    pub fn validate(&self) -> Result<(), ConfigError> {
        for (name, value) in [
            ("error_rate", self.error_rate),
            ("fault_rate", self.fault_rate),
            ("network.loss", self.network.loss),
        ] {
            if !(0.0..=1.0).contains(&value) {
                return Err(ConfigError::Rate { name, value });
            }
        }
        if let Some(&s) = self
            .error_statuses
            .iter()
            .find(|s| !(400..=599).contains(*s))
        {
            return Err(ConfigError::Status(s));
        }
        if self.error_rate > 0.0 && self.error_statuses.is_empty() {
            return Err(ConfigError::EmptyChoice("error_rate"));
        }
        if self.fault_rate > 0.0 && self.faults.is_empty() {
            return Err(ConfigError::EmptyChoice("fault_rate"));
        }
        if self.bandwidth == Some(0) {
            return Err(ConfigError::ZeroBandwidth);
        }
        if self.worker_threads == 0 {
            return Err(ConfigError::ZeroThreads);
        }
        if self.max_connections == 0 {
            return Err(ConfigError::ZeroConnections);
        }
        if self.h2_max_streams == 0 {
            return Err(ConfigError::ZeroStreams);
        }
        if self.header_read_timeout.is_zero() {
            return Err(ConfigError::ZeroHeaderTimeout);
        }
        if self.network.bottleneck == Some(0) {
            return Err(ConfigError::ZeroBottleneck);
        }
        Ok(())
    }

    /// Sets [`network`](Self::network).
    pub fn with_network(mut self, network: NetworkModel) -> Self {
        self.network = network;
        self
    }

    /// Sets the round-trip time of [`network`](Self::network).
    pub fn with_rtt(mut self, rtt: Duration) -> Self {
        self.network.rtt = rtt;
        self
    }

    /// Sets [`tls`](Self::tls).
    pub fn with_tls(mut self, tls: bool) -> Self {
        self.tls = tls;
        self
    }

    /// Sets [`max_connections`](Self::max_connections).
    pub fn with_max_connections(mut self, max: usize) -> Self {
        self.max_connections = max;
        self
    }

    /// Sets [`h2_max_streams`](Self::h2_max_streams).
    pub fn with_h2_max_streams(mut self, streams: u32) -> Self {
        self.h2_max_streams = streams;
        self
    }

    /// Sets [`header_read_timeout`](Self::header_read_timeout).
    pub fn with_header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    /// Sets [`corpus`](Self::corpus).
    pub fn with_corpus(mut self, corpus: Corpus) -> Self {
        self.corpus = corpus;
        self
    }

    /// Sets [`latency`](Self::latency).
    pub fn with_latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Sets [`jitter`](Self::jitter).
    pub fn with_jitter(mut self, jitter: Duration) -> Self {
        self.jitter = jitter;
        self
    }

    /// Sets [`error_rate`](Self::error_rate).
    pub fn with_error_rate(mut self, rate: f64) -> Self {
        self.error_rate = rate;
        self
    }

    /// Sets [`error_statuses`](Self::error_statuses).
    pub fn with_error_statuses(mut self, statuses: impl Into<Vec<u16>>) -> Self {
        self.error_statuses = statuses.into();
        self
    }

    /// Sets [`retry_after`](Self::retry_after).
    pub fn with_retry_after(mut self, retry_after: Option<Duration>) -> Self {
        self.retry_after = retry_after;
        self
    }

    /// Sets [`fault_rate`](Self::fault_rate).
    pub fn with_fault_rate(mut self, rate: f64) -> Self {
        self.fault_rate = rate;
        self
    }

    /// Sets [`faults`](Self::faults).
    pub fn with_faults(mut self, faults: impl Into<Vec<Fault>>) -> Self {
        self.faults = faults.into();
        self
    }

    /// Sets [`bandwidth`](Self::bandwidth).
    pub fn with_bandwidth(mut self, bytes_per_sec: Option<u64>) -> Self {
        self.bandwidth = bytes_per_sec;
        self
    }

    /// Sets [`stall`](Self::stall).
    pub fn with_stall(mut self, stall: Duration) -> Self {
        self.stall = stall;
        self
    }

    /// Sets [`seed`](Self::seed).
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Sets [`worker_threads`](Self::worker_threads).
    pub fn with_worker_threads(mut self, threads: usize) -> Self {
        self.worker_threads = threads;
        self
    }
}

/// Serde for a [`Duration`] as text: `"50ms"`, `"1m 30s"` (humantime).
pub(crate) mod duration_text {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&humantime::format_duration(*d))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let text = String::deserialize(d)?;
        humantime::parse_duration(&text).map_err(serde::de::Error::custom)
    }
}

/// Serde for an optional [`Duration`] as text, `null` for `None`.
pub(crate) mod optional_duration_text {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.collect_str(&humantime::format_duration(*d)),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Duration>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|t| humantime::parse_duration(&t).map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::CorpusSpec;

    #[test]
    fn config_round_trips_through_json_with_the_cli_names() {
        let config = ServerConfig::default()
            .with_corpus(Corpus::generate(&CorpusSpec::files(3, 10, 20)))
            .with_latency(Duration::from_millis(100))
            .with_rtt(Duration::from_millis(50))
            .with_retry_after(Some(Duration::from_secs(2)))
            .with_faults([Fault::Stall]);
        let json = serde_json::to_string(&config).unwrap();
        assert!(json.contains(r#""latency":"100ms""#), "{json}");
        assert!(json.contains(r#""rtt":"50ms""#), "{json}");
        assert!(json.contains(r#""faults":["stall"]"#), "{json}");
        let back: ServerConfig = serde_json::from_str(&json).unwrap();
        assert_eq!(back.corpus.files(), config.corpus.files());
        assert_eq!(back.latency, config.latency);
        assert_eq!(back.network, config.network);
        assert_eq!(back.retry_after, config.retry_after);
        // Missing fields take their defaults; unknown ones are refused.
        let partial: ServerConfig = serde_json::from_str(r#"{"tls":true}"#).unwrap();
        assert!(partial.tls);
        assert_eq!(partial.corpus.len(), 80);
        assert!(serde_json::from_str::<ServerConfig>(r#"{"delay":"1s"}"#).is_err());
    }

    #[test]
    fn default_is_valid_and_polite() {
        let c = ServerConfig::default();
        assert_eq!(c.validate(), Ok(()));
        assert_eq!(c.corpus.len(), 80);
        assert_eq!(c.error_statuses, [500, 503]);
        assert_eq!(c.stall, Duration::from_secs(60));
    }

    #[test]
    fn validate_rejects_nonsense() {
        let bad = |c: ServerConfig| c.validate().unwrap_err();
        let base = ServerConfig::default;
        assert!(matches!(
            bad(base().with_error_rate(1.5)),
            ConfigError::Rate { .. }
        ));
        assert!(matches!(
            bad(base().with_fault_rate(f64::NAN)),
            ConfigError::Rate { .. }
        ));
        assert_eq!(
            bad(base().with_error_statuses([200])),
            ConfigError::Status(200)
        );
        assert_eq!(
            bad(base().with_error_rate(0.5).with_error_statuses([])),
            ConfigError::EmptyChoice("error_rate")
        );
        assert_eq!(
            bad(base().with_fault_rate(0.5).with_faults([])),
            ConfigError::EmptyChoice("fault_rate")
        );
        assert_eq!(
            bad(base().with_bandwidth(Some(0))),
            ConfigError::ZeroBandwidth
        );
        assert_eq!(bad(base().with_worker_threads(0)), ConfigError::ZeroThreads);
    }
}
