//! The one ureq [`Agent`] a run shares, configured from [`Settings`].

use std::time::Duration;

use fetchlab_core::backend::{MAX_HEAD_BYTES, connections_per_host};
use fetchlab_core::{HttpVersion, Settings, SettingsError};
use ureq::Agent;
use ureq::config::AutoHeaderValue;
use ureq::tls::{Certificate, RootCerts, TlsConfig, TlsProvider};
use ureq::unversioned::transport::DefaultConnector;

use crate::resolver::Resolver;

/// The fewest idle connections kept per agent, so that a run over a URL list
/// spanning a few hosts still reuses connections at low concurrency.
const MIN_IDLE_CONNECTIONS: usize = 10;

/// Input buffer per connection. ureq's default is 128 KiB, allocated (and
/// zeroed, so resident) for every connection: 1,000 workers held 256 MiB
/// of buffers. It must be larger than the head limit
/// ([`MAX_HEAD_BYTES`]): ureq notices a head past its limit only when more
/// than the limit is buffered, and a buffer that fills first is reported
/// as a disconnected peer (a reset, retried) instead.
pub const INPUT_BUFFER_BYTES: usize = MAX_HEAD_BYTES + 16 * 1024;

/// Output buffer per connection: it holds only the request head of a GET
/// (ureq's default is 128 KiB). A URL near this size fails as a protocol
/// error instead of being sent.
pub const OUTPUT_BUFFER_BYTES: usize = 16 * 1024;

/// How long an idle connection stays in the pool. Longer than ureq's 15 s
/// default so that a worker backing off before a retry finds its connection
/// still there; short enough not to hold sockets a server already closed.
const MAX_IDLE_AGE: Duration = Duration::from_secs(60);

/// Builds the agent for a run with `settings`. Share it between all workers
/// (it is an `Arc` inside, cheap to clone): its pool is what lets requests
/// reuse connections.
///
/// - the pool keeps `concurrency` idle connections per host, or the
///   per-host limit when set (ureq keeps only
///   3 by default, which would make every other worker reconnect);
/// - 4xx/5xx come back as responses (`http_status_as_error(false)`) and
///   redirects are not followed (`max_redirects(0)`): core decides on both;
/// - no proxy from the environment, no `Accept-Encoding`, and ureq built
///   without its `gzip` feature: bodies are saved byte for byte as served
///   (`Content-Encoding` is not decoded), like every backend;
/// - response heads up to core's [`MAX_HEAD_BYTES`], interim responses
///   included (a longer one is ureq's `LargeResponseHeader`, a protocol
///   failure);
/// - buffers of [`INPUT_BUFFER_BYTES`] and [`OUTPUT_BUFFER_BYTES`] per
///   connection rather than ureq's 2 × 128 KiB;
/// - timeouts: see the crate documentation for the mapping and why it keeps
///   connection reuse;
/// - keep-alive off: no idle connection is kept, so every request opens
///   its own (and closes it when its body is read or dropped);
/// - TLS by [`tls_config`];
/// - host names resolved by [`Resolver`], which starts no thread for an IP
///   literal and remembers names for a while (ureq's own resolver starts a
///   thread per request whenever a timeout is set, as it always is here).
pub(crate) fn agent(settings: &Settings) -> Agent {
    let (idle, idle_per_host) = if settings.keep_alive() {
        (
            settings.concurrency().max(MIN_IDLE_CONNECTIONS),
            connections_per_host(settings),
        )
    } else {
        (0, 0)
    };
    let read = Some(settings.read_timeout());
    let config = Agent::config_builder()
        .tls_config(tls_config(settings))
        .http_status_as_error(false)
        .proxy(None)
        .user_agent(settings.user_agent())
        .accept_encoding(AutoHeaderValue::None)
        .max_redirects(0)
        .max_idle_connections(idle)
        .max_idle_connections_per_host(idle_per_host)
        .max_idle_age(MAX_IDLE_AGE)
        .max_response_header_size(MAX_HEAD_BYTES)
        .input_buffer_size(INPUT_BUFFER_BYTES)
        .output_buffer_size(OUTPUT_BUFFER_BYTES)
        .timeout_connect(Some(settings.connect_timeout()))
        .timeout_recv_response(read)
        .timeout_per_read(read)
        .timeout_per_write(read)
        .timeout_global(Some(settings.total_timeout()))
        .build();
    Agent::with_parts(config, DefaultConnector::default(), Resolver::default())
}

/// rustls (ring), verifying against the settings' CA certificates only
/// when any are given (`RootCerts::Specific`: Mozilla's roots, ureq's
/// default, are then not consulted), or not verifying at all when the
/// settings say `insecure`.
fn tls_config(settings: &Settings) -> TlsConfig {
    let mut tls = TlsConfig::builder()
        .provider(TlsProvider::Rustls)
        .disable_verification(settings.insecure());
    let roots: Vec<Certificate<'static>> = settings
        .ca_certificates()
        .iter()
        .flat_map(|ca| ca.der_certificates())
        .map(|der| Certificate::from_der(der).to_owned())
        .collect();
    if !roots.is_empty() {
        tls = tls.root_certs(RootCerts::from(roots));
    }
    tls.build()
}

/// Refuses settings ureq cannot honour: HTTP/2 (ureq 3 speaks HTTP/1.1
/// only). Every ureq-based downloader calls it when built.
pub fn check_settings(settings: &Settings, backend: &'static str) -> Result<(), SettingsError> {
    if settings.http_version() == HttpVersion::Http2 {
        return Err(SettingsError::Unsupported {
            backend,
            what: HttpVersion::Http2.to_string(),
            reason: "ureq 3 speaks HTTP/1.1 only; use the tokio-h2 strategy".to_owned(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_is_sized_to_the_concurrency() {
        let settings = Settings::builder()
            .concurrency(64)
            .build()
            .expect("valid settings");
        let agent = agent(&settings);
        let config = agent.config();
        assert_eq!(config.max_idle_connections_per_host(), 64);
        assert_eq!(config.max_idle_connections(), 64);
        assert!(!config.http_status_as_error());
        assert_eq!(config.max_redirects(), 0, "core follows redirects");
        assert!(config.proxy().is_none());
        assert_eq!(config.timeouts().global, Some(settings.total_timeout()));
        assert_eq!(config.input_buffer_size(), INPUT_BUFFER_BYTES);
        assert_eq!(config.max_response_header_size(), MAX_HEAD_BYTES);
        assert!(config.max_response_header_size() < INPUT_BUFFER_BYTES);
        assert!(matches!(
            config.tls_config().root_certs(),
            RootCerts::WebPki
        ));
        assert!(!config.tls_config().disable_verification());
    }

    #[test]
    fn keep_alive_off_keeps_no_idle_connection() {
        let settings = Settings::builder()
            .keep_alive(false)
            .build()
            .expect("valid settings");
        let agent = agent(&settings);
        assert_eq!(agent.config().max_idle_connections(), 0);
        assert_eq!(agent.config().max_idle_connections_per_host(), 0);
    }

    #[test]
    fn given_cas_replace_the_builtin_roots_and_insecure_disables_checks() {
        let pem = "-----BEGIN CERTIFICATE-----\nAAECAw==\n-----END CERTIFICATE-----\n";
        let settings = Settings::builder().ca_pem(pem).build().expect("valid PEM");
        match agent(&settings).config().tls_config().root_certs() {
            RootCerts::Specific(certs) => {
                assert_eq!(certs.len(), 1);
                assert_eq!(certs[0].der(), [0, 1, 2, 3]);
            }
            other => panic!("the given CA only, got {other:?}"),
        }
        let settings = Settings::builder().insecure(true).build().expect("valid");
        assert!(
            agent(&settings)
                .config()
                .tls_config()
                .disable_verification()
        );
    }

    #[test]
    fn http2_is_refused_by_name() {
        let settings = Settings::builder()
            .http_version(HttpVersion::Http2)
            .build()
            .expect("valid settings");
        let err = check_settings(&settings, "threads").expect_err("ureq has no HTTP/2");
        assert!(
            err.to_string().contains("threads does not support HTTP/2"),
            "{err}"
        );
        assert!(check_settings(&Settings::default(), "threads").is_ok());
    }
}
