//! The one shared `reqwest::Client`, configured from [`Settings`].

use fetchlab_core::backend::connections_per_host;
use fetchlab_core::{Error, HttpVersion, Settings};
use reqwest::redirect::Policy;
use reqwest::tls::Certificate;

/// How HTTP/2 flow control is set up. hyper's defaults are a 2 MiB
/// stream window and a 5 MiB connection window; its adaptive window
/// instead grows both from the measured bandwidth-delay product (BDP
/// pings). See [`crate::design`] for the measurement behind the choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum H2Window {
    /// hyper's fixed defaults (2 MiB stream, 5 MiB connection).
    #[allow(dead_code)] // the alternative measured in `design`
    Defaults,
    /// hyper's BDP-based adaptive window.
    #[allow(dead_code)] // the alternative measured in `design`
    Adaptive,
}

/// The flow-control setup HTTP/2 connections use.
const H2_WINDOW: H2Window = H2Window::Defaults;

/// hyper's default HTTP/2 stream window, set explicitly so that a change
/// of hyper's defaults does not silently change the measurements.
const H2_STREAM_WINDOW: u32 = 2 * 1024 * 1024;

/// hyper's default HTTP/2 connection window, set explicitly (see
/// [`H2_STREAM_WINDOW`]).
const H2_CONNECTION_WINDOW: u32 = 5 * 1024 * 1024;

/// Builds the client every request of a fetcher shares, so that its
/// connection pool is reused across jobs.
///
/// - no proxy: fetchlab measures the network, not a proxy picked up from the
///   environment;
/// - at least `concurrency` (or the per-host limit, when set) idle
///   connections kept per host, so that no
///   connection is closed between two jobs of the same worker; none with
///   keep-alive off, so every request opens its own connection;
/// - `connect_timeout` and `read_timeout` (per read, head and body) from
///   the settings; the total timeout of an attempt is core's, across its
///   redirect hops;
/// - no redirects followed: core follows them hop by hop, with one policy
///   for every backend;
/// - TLS over rustls: with CA certificates in the settings, those only
///   (`tls_certs_only`: the platform's roots are not consulted); with
///   `insecure`, no certificate checks at all;
/// - HTTP/1.1 only by default; with [`HttpVersion::Http2`], HTTP/2 only:
///   ALPN `h2` over TLS and prior knowledge (h2c) over plain TCP, one
///   connection per host carrying every request as a stream, with the
///   flow control of [`H2_WINDOW`].
pub(crate) fn build(settings: &Settings) -> Result<reqwest::Client, Error> {
    let idle = if settings.keep_alive() {
        connections_per_host(settings)
    } else {
        0
    };
    let mut builder = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(idle)
        .connect_timeout(settings.connect_timeout())
        .read_timeout(settings.read_timeout())
        .user_agent(settings.user_agent())
        .redirect(Policy::none())
        .tls_backend_rustls()
        .tls_danger_accept_invalid_certs(settings.insecure());
    let roots = settings
        .ca_certificates()
        .iter()
        .flat_map(|ca| ca.der_certificates().map(move |der| (ca, der)))
        .map(|(ca, der)| {
            Certificate::from_der(der).map_err(|e| {
                Error::backend_caused(
                    crate::NAME,
                    format!("cannot use the CA certificate {}", ca.origin()),
                    e,
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if !roots.is_empty() {
        builder = builder.tls_certs_only(roots);
    }
    builder = match settings.http_version() {
        HttpVersion::Http1 => builder.http1_only(),
        HttpVersion::Http2 => {
            let builder = builder.http2_prior_knowledge();
            match H2_WINDOW {
                H2Window::Adaptive => builder.http2_adaptive_window(true),
                H2Window::Defaults => builder
                    .http2_adaptive_window(false)
                    .http2_initial_stream_window_size(H2_STREAM_WINDOW)
                    .http2_initial_connection_window_size(H2_CONNECTION_WINDOW),
            }
        }
    };
    builder
        .build()
        .map_err(|e| Error::backend_caused(crate::NAME, "cannot build the HTTP client", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_from_default_settings() {
        assert!(build(&Settings::default()).is_ok());
    }

    #[test]
    fn builds_with_every_connection_setting() {
        for settings in [
            Settings::builder().insecure(true),
            Settings::builder().keep_alive(false),
            Settings::builder().http_version(HttpVersion::Http2),
        ] {
            let settings = settings.build().expect("valid settings");
            assert!(build(&settings).is_ok(), "{settings:?}");
        }
    }

    #[test]
    fn a_ca_that_is_not_a_certificate_is_an_error_not_a_fallback() {
        // A PEM block whose content is not X.509: rustls refuses it as a
        // root when the client is built (a real CA is tested end to end by
        // the conformance suite's TLS cases).
        let pem = "-----BEGIN CERTIFICATE-----\nAAECAw==\n-----END CERTIFICATE-----\n";
        let settings = Settings::builder()
            .ca_pem(pem)
            .build()
            .expect("a PEM block");
        assert!(build(&settings).is_err());
    }
}
