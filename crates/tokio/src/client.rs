//! The one shared `reqwest::Client`, configured from [`Settings`], and
//! the rustls configuration it is handed.

use std::sync::Arc;

use fetchlab_core::backend::connections_per_host;
use fetchlab_core::{Error, HttpVersion, Settings};
use reqwest::redirect::Policy;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

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
/// - TLS by [`tls_config`], handed to reqwest ready-made;
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
        .tls_backend_preconfigured(tls_config(settings)?);
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

/// The rustls client configuration of every TLS connection: the *ring*
/// provider and TLS 1.2 and 1.3, as the ureq backends use, and
///
/// - with CA certificates in the settings, those only (the built-in roots
///   are not consulted, as curl's `--cacert` replaces its bundle);
/// - otherwise Mozilla's root certificates compiled into the binary
///   (`webpki-roots`, the roots ureq's `RootCerts::WebPki` means), so no
///   backend reads the platform's store (`/etc/ssl/certs`): building the
///   client costs no file reads and no certificate parsing, even for a
///   list of `http://` URLs, and every backend trusts the same roots;
/// - with `insecure`, no certificate check at all ([`Unverified`]).
///
/// ALPN offers only the HTTP version spoken: reqwest sets no ALPN on a
/// configuration it is handed.
fn tls_config(settings: &Settings) -> Result<ClientConfig, Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_protocol_versions(rustls::ALL_VERSIONS)
        .map_err(|e| Error::backend_caused(crate::NAME, "cannot set up TLS", e))?;
    let mut config = if settings.insecure() {
        let schemes = provider.signature_verification_algorithms;
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Unverified(schemes)))
            .with_no_client_auth()
    } else {
        builder
            .with_root_certificates(roots(settings)?)
            .with_no_client_auth()
    };
    config.alpn_protocols = match settings.http_version() {
        HttpVersion::Http1 => vec![b"http/1.1".to_vec()],
        HttpVersion::Http2 => vec![b"h2".to_vec()],
    };
    Ok(config)
}

/// The settings' CA certificates, or Mozilla's roots when there are none
/// (see [`tls_config`]). A CA that rustls refuses is an error, not a
/// silent fallback to the built-in roots.
fn roots(settings: &Settings) -> Result<RootCertStore, Error> {
    let cas = settings.ca_certificates();
    if cas.is_empty() {
        return Ok(RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        });
    }
    let mut store = RootCertStore::empty();
    for ca in cas {
        for der in ca.der_certificates() {
            store.add(CertificateDer::from(der.to_vec())).map_err(|e| {
                Error::backend_caused(
                    crate::NAME,
                    format!("cannot use the CA certificate {}", ca.origin()),
                    e,
                )
            })?;
        }
    }
    Ok(store)
}

/// The certificate "verifier" of `insecure` runs: any certificate chain,
/// for any name, is accepted. The handshake signatures are still checked
/// against the certificate presented (so the peer holds its key), with
/// the provider's algorithms.
#[derive(Debug)]
struct Unverified(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for Unverified {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
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
    fn without_cas_the_roots_are_mozillas_compiled_in() {
        // The same roots as the ureq backends' `RootCerts::WebPki`.
        let roots = roots(&Settings::default()).expect("built-in roots");
        assert_eq!(roots.len(), webpki_roots::TLS_SERVER_ROOTS.len());
        assert!(!roots.is_empty());
    }

    #[test]
    fn alpn_offers_only_the_version_spoken() {
        for (version, alpn) in [
            (HttpVersion::Http1, b"http/1.1".as_slice()),
            (HttpVersion::Http2, b"h2".as_slice()),
        ] {
            for insecure in [false, true] {
                let settings = Settings::builder()
                    .http_version(version)
                    .insecure(insecure)
                    .build()
                    .expect("valid settings");
                let config = tls_config(&settings).expect("a TLS configuration");
                assert_eq!(config.alpn_protocols, [alpn], "{settings:?}");
            }
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
