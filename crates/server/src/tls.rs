//! HTTPS: a throwaway certificate authority and server certificate made at
//! start with rcgen, served with rustls (TLS 1.3 and 1.2, ALPN `h2` and
//! `http/1.1`).
//!
//! The authority's PEM is what clients trust (`--cacert FILE` for
//! fetchlab, curl and wget2); the server certificate names `127.0.0.1`,
//! `::1`, `localhost` and the address the server is bound to.

use std::io;
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::TlsAcceptor;

/// The names the server certificate is valid for.
pub const NAMES: [&str; 3] = ["127.0.0.1", "::1", "localhost"];

/// A generated identity: the acceptor and the PEM of the authority behind it.
pub(crate) struct Identity {
    pub acceptor: TlsAcceptor,
    pub ca_pem: String,
}

fn tls_error(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(format!("cannot set up TLS: {e}"))
}

/// A fresh authority and a server certificate for [`NAMES`] and `also`,
/// and a rustls acceptor for them.
pub(crate) fn generate(also: std::net::IpAddr) -> io::Result<Identity> {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(tls_error)?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "fetchlab test server CA");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_key = KeyPair::generate().map_err(tls_error)?;
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).map_err(tls_error)?;

    let mut names: Vec<String> = NAMES.iter().map(|s| s.to_string()).collect();
    if !also.is_unspecified() && !names.contains(&also.to_string()) {
        names.push(also.to_string());
    }
    let mut params = CertificateParams::new(names).map_err(tls_error)?;
    params
        .distinguished_name
        .push(DnType::CommonName, "fetchlab test server");
    let key = KeyPair::generate().map_err(tls_error)?;
    let cert = params.signed_by(&key, &ca).map_err(tls_error)?;

    let chain: Vec<CertificateDer<'static>> = vec![cert.der().clone(), ca.der().clone()];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(tls_error)?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(tls_error)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Identity {
        acceptor: TlsAcceptor::from(Arc::new(config)),
        ca_pem: ca.pem(),
    })
}
