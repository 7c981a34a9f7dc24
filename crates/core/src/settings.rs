//! Settings every backend honours: built through [`SettingsBuilder`], so a
//! [`Settings`] value is always valid.
//!
//! Besides limits and timeouts they say how connections are made: which
//! certificate authorities an `https` server may be signed by
//! ([`CaCertificate`], or none checked at all with `insecure`), whether a
//! connection is kept for the next request (`keep_alive`), and which HTTP
//! version is spoken ([`HttpVersion`]). A backend that cannot honour one
//! refuses it when built, naming the setting.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

use crate::error::SettingsError;

/// The most retries a job may be given; more only hides a dead server.
pub const MAX_RETRIES: u32 = 20;

/// The longest timeout or backoff accepted (one week). Longer ones are
/// refused, so that no backend can overflow `Instant + Duration`, and no
/// run waits for what is in effect forever.
pub const MAX_DURATION: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// The largest concurrency accepted (2²⁰). Backends may refuse less (see
/// [`Settings::check_ceiling`]); none can honour more.
pub const MAX_CONCURRENCY: usize = 1 << 20;

/// The largest body size limit accepted (1 TiB).
pub const MAX_BODY_BYTES: u64 = 1 << 40;

/// How a run behaves. Always valid: get one from [`Settings::default`] or
/// [`Settings::builder`]`…build()`, change one with
/// [`Settings::to_builder`]. Read it through its getters.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Settings {
    pub(crate) concurrency: usize,
    pub(crate) connect_timeout: Duration,
    pub(crate) read_timeout: Duration,
    pub(crate) total_timeout: Duration,
    pub(crate) retries: u32,
    pub(crate) backoff_base: Duration,
    pub(crate) backoff_max: Duration,
    pub(crate) max_body_bytes: u64,
    pub(crate) user_agent: String,
    pub(crate) overwrite: bool,
    pub(crate) jitter_seed: u64,
    pub(crate) ca_certificates: Vec<CaCertificate>,
    pub(crate) insecure: bool,
    pub(crate) keep_alive: bool,
    pub(crate) http_version: HttpVersion,
    pub(crate) per_host: Option<usize>,
}

/// Which HTTP version a backend speaks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HttpVersion {
    /// HTTP/1.1, one request at a time per connection (every backend).
    #[default]
    Http1,
    /// HTTP/2 only: ALPN `h2` over TLS, prior knowledge (h2c) over plain
    /// TCP; requests are streams multiplexed over one connection per host.
    /// Backends without HTTP/2 refuse it when built.
    Http2,
}

impl std::fmt::Display for HttpVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Http1 => "HTTP/1.1",
            Self::Http2 => "HTTP/2",
        })
    }
}

/// A certificate authority (one PEM, one or more certificates) that a
/// run trusts to sign `https` servers, in place of the backend's built-in
/// roots. Checked when the settings are built.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CaCertificate {
    /// Where it came from: the file name, or `<pem>` for bytes given.
    origin: String,
    /// Its certificates, DER-encoded, in the order of the PEM (serialised
    /// as hex, so that settings read back trust the same authorities).
    #[serde(serialize_with = "hex_list")]
    der: Vec<Vec<u8>>,
}

fn hex_list<S: serde::Serializer>(der: &[Vec<u8>], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(der.iter().map(hex::encode))
}

impl CaCertificate {
    /// Where it came from: the file name, or `<pem>`.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Its certificates, DER-encoded (at least one).
    pub fn der_certificates(&self) -> impl Iterator<Item = &[u8]> {
        self.der.iter().map(Vec::as_slice)
    }

    /// Parses `pem`: every `CERTIFICATE` block in it; none is an error.
    fn parse(origin: String, pem: &[u8]) -> Result<Self, SettingsError> {
        let bad = |reason: String| SettingsError::BadCaCertificate {
            origin: origin.clone(),
            reason,
        };
        let der = CertificateDer::pem_slice_iter(pem)
            .map(|cert| cert.map(|c| c.as_ref().to_vec()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| bad(format!("not a PEM certificate file ({e})")))?;
        if der.is_empty() {
            return Err(bad("no PEM CERTIFICATE block in it".to_owned()));
        }
        Ok(Self { origin, der })
    }
}

/// A CA given to the builder, read and parsed by [`SettingsBuilder::build`].
#[derive(Debug, Clone)]
enum CaSource {
    Pem(Vec<u8>),
    File(PathBuf),
    /// Already parsed (read back from serialised settings).
    Parsed(CaCertificate),
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            concurrency: 20,
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
            total_timeout: Duration::from_secs(300),
            retries: 3,
            backoff_base: Duration::from_millis(100),
            backoff_max: Duration::from_secs(10),
            max_body_bytes: 4 << 30,
            user_agent: concat!("fetchlab/", env!("CARGO_PKG_VERSION")).to_owned(),
            overwrite: false,
            jitter_seed: 0x5eed,
            ca_certificates: Vec::new(),
            insecure: false,
            keep_alive: true,
            http_version: HttpVersion::Http1,
            per_host: None,
        }
    }
}

impl Settings {
    /// A builder starting from the defaults.
    pub fn builder() -> SettingsBuilder {
        SettingsBuilder {
            settings: Self::default(),
            ca_sources: Vec::new(),
        }
    }

    /// A builder starting from these settings.
    pub fn to_builder(&self) -> SettingsBuilder {
        SettingsBuilder {
            settings: self.clone(),
            ca_sources: Vec::new(),
        }
    }

    /// Most requests in flight at once (the seed's `max_workers`). At least 1.
    pub fn concurrency(&self) -> usize {
        self.concurrency
    }

    /// Longest wait for a TCP connection.
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// Longest wait for the next bytes (head or body) once connected.
    pub fn read_timeout(&self) -> Duration {
        self.read_timeout
    }

    /// Longest time one attempt may take, head and whole body.
    pub fn total_timeout(&self) -> Duration {
        self.total_timeout
    }

    /// How many times a transient failure is retried (so at most
    /// `retries + 1` attempts). Connect errors, resets, timeouts, 429 and
    /// 5xx are transient; 404 and other 4xx are not.
    pub fn retries(&self) -> u32 {
        self.retries
    }

    /// Delay before the first retry; doubles each retry, with jitter.
    pub fn backoff_base(&self) -> Duration {
        self.backoff_base
    }

    /// Longest delay between retries, also the cap on a `Retry-After` wait.
    pub fn backoff_max(&self) -> Duration {
        self.backoff_max
    }

    /// Largest body accepted, in bytes; larger bodies fail as too large.
    pub fn max_body_bytes(&self) -> u64 {
        self.max_body_bytes
    }

    /// The `User-Agent` header sent with every request.
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }

    /// Whether files already complete in the store are downloaded again.
    pub fn overwrite(&self) -> bool {
        self.overwrite
    }

    /// Seed for the retry jitter, so a run can be repeated exactly.
    pub fn jitter_seed(&self) -> u64 {
        self.jitter_seed
    }

    /// The certificate authorities an `https` server's certificate must
    /// chain to. Empty: the built-in roots, the same for every backend:
    /// Mozilla's root certificates compiled into the binary (the
    /// `webpki-roots` crate), so the platform's store (`/etc/ssl/certs`) is
    /// never read and a run trusts the same roots on every machine. Not
    /// empty: these only — the built-in roots are not consulted, so a run
    /// trusts exactly what it was given (as curl's `--cacert` replaces its
    /// bundle).
    pub fn ca_certificates(&self) -> &[CaCertificate] {
        &self.ca_certificates
    }

    /// **Dangerous**: whether `https` servers are accepted without checking
    /// their certificate at all (any issuer, any name, expired). The
    /// connection is encrypted but not authenticated: anyone on the path
    /// can impersonate the server. For test servers only.
    pub fn insecure(&self) -> bool {
        self.insecure
    }

    /// Whether a connection is kept open for the next request (default).
    /// Off: every request opens a new connection (and, over TLS, a new
    /// handshake) and closes it after the response, as a client without a
    /// session (`requests.get`) does.
    pub fn keep_alive(&self) -> bool {
        self.keep_alive
    }

    /// The HTTP version spoken (HTTP/1.1 by default).
    pub fn http_version(&self) -> HttpVersion {
        self.http_version
    }

    /// Most requests in flight to one host (`host:port` of the job's URL),
    /// beside [`Settings::concurrency`]; `None`: no per-host limit. A limit
    /// above the concurrency is capped to it (it could never be reached).
    pub fn per_host(&self) -> Option<usize> {
        self.per_host.map(|limit| limit.min(self.concurrency))
    }

    /// Refuses a concurrency above a backend's `ceiling`, naming the
    /// backend and the reason. Backends with a ceiling call it when built.
    pub fn check_ceiling(
        &self,
        backend: &'static str,
        ceiling: usize,
        reason: &str,
    ) -> Result<(), SettingsError> {
        if self.concurrency > ceiling {
            return Err(SettingsError::ConcurrencyTooHigh {
                requested: self.concurrency,
                ceiling,
                backend,
                reason: reason.to_owned(),
            });
        }
        Ok(())
    }

    fn validate(&self) -> Result<(), SettingsError> {
        if self.concurrency == 0 {
            return Err(SettingsError::ZeroConcurrency);
        }
        if self.concurrency > MAX_CONCURRENCY {
            return Err(SettingsError::ConcurrencyTooHigh {
                requested: self.concurrency,
                ceiling: MAX_CONCURRENCY,
                backend: "fetchlab",
                reason: "no backend can keep more requests in flight".to_owned(),
            });
        }
        for (which, timeout) in [
            ("connect timeout", self.connect_timeout),
            ("read timeout", self.read_timeout),
            ("total timeout", self.total_timeout),
        ] {
            if timeout.is_zero() {
                return Err(SettingsError::ZeroTimeout { which });
            }
        }
        for (which, duration) in [
            ("connect timeout", self.connect_timeout),
            ("read timeout", self.read_timeout),
            ("total timeout", self.total_timeout),
            ("backoff base", self.backoff_base),
            ("backoff maximum", self.backoff_max),
        ] {
            if duration > MAX_DURATION {
                return Err(SettingsError::DurationTooLong {
                    which,
                    got: duration,
                    max: MAX_DURATION,
                });
            }
        }
        if self.per_host == Some(0) {
            return Err(SettingsError::ZeroPerHost);
        }
        if self.retries > MAX_RETRIES {
            return Err(SettingsError::TooManyRetries {
                got: self.retries,
                max: MAX_RETRIES,
            });
        }
        if self.max_body_bytes == 0 {
            return Err(SettingsError::ZeroMaxBody);
        }
        if self.max_body_bytes > MAX_BODY_BYTES {
            return Err(SettingsError::MaxBodyTooLarge {
                got: self.max_body_bytes,
                max: MAX_BODY_BYTES,
            });
        }
        if self.user_agent.is_empty() || !self.user_agent.bytes().all(|b| (0x20..0x7f).contains(&b))
        {
            return Err(SettingsError::BadUserAgent);
        }
        if !self.keep_alive && self.http_version == HttpVersion::Http2 {
            return Err(SettingsError::Unsupported {
                backend: "fetchlab",
                what: "HTTP/2 with keep-alive off".to_owned(),
                reason: "HTTP/2 carries every request as a stream on one kept connection; \
                         use HTTP/1.1 for a connection per request"
                    .to_owned(),
            });
        }
        if self.insecure && !self.ca_certificates.is_empty() {
            return Err(SettingsError::InsecureWithCaCertificate);
        }
        Ok(())
    }
}

impl<'de> serde::Deserialize<'de> for Settings {
    /// Reads the form [`Settings`] serialises to (every field), and builds
    /// it through [`SettingsBuilder::build`], so a value out of range is
    /// refused exactly as the builder refuses it. This is how settings
    /// reach another process whole.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let form = SettingsForm::deserialize(d)?;
        let mut builder = Settings::builder()
            .concurrency(form.concurrency)
            .timeouts(form.connect_timeout, form.read_timeout, form.total_timeout)
            .retries(form.retries)
            .backoff(form.backoff_base, form.backoff_max)
            .max_body_bytes(form.max_body_bytes)
            .user_agent(form.user_agent)
            .overwrite(form.overwrite)
            .jitter_seed(form.jitter_seed)
            .insecure(form.insecure)
            .keep_alive(form.keep_alive)
            .http_version(form.http_version)
            .per_host(form.per_host);
        for ca in form.ca_certificates {
            let der = ca
                .der
                .iter()
                .map(|text| hex::decode(text).map_err(serde::de::Error::custom))
                .collect::<Result<Vec<_>, _>>()?;
            if der.is_empty() {
                return Err(serde::de::Error::custom(format!(
                    "certificate authority {} holds no certificate",
                    ca.origin
                )));
            }
            builder.ca_sources.push(CaSource::Parsed(CaCertificate {
                origin: ca.origin,
                der,
            }));
        }
        builder.build().map_err(serde::de::Error::custom)
    }
}

/// What [`Settings`] serialise to, read back before it is validated.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsForm {
    concurrency: usize,
    connect_timeout: Duration,
    read_timeout: Duration,
    total_timeout: Duration,
    retries: u32,
    backoff_base: Duration,
    backoff_max: Duration,
    max_body_bytes: u64,
    user_agent: String,
    overwrite: bool,
    jitter_seed: u64,
    ca_certificates: Vec<CaForm>,
    insecure: bool,
    keep_alive: bool,
    http_version: HttpVersion,
    per_host: Option<usize>,
}

/// A serialised [`CaCertificate`].
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CaForm {
    origin: String,
    der: Vec<String>,
}

/// Builds [`Settings`]; [`SettingsBuilder::build`] checks every value, so
/// only valid settings come out.
///
/// ```
/// use std::time::Duration;
/// let settings = fetchlab_core::Settings::builder()
///     .concurrency(20)
///     .retries(2)
///     .read_timeout(Duration::from_secs(5))
///     .build()?;
/// assert_eq!(settings.concurrency(), 20);
/// # Ok::<(), fetchlab_core::SettingsError>(())
/// ```
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until built"]
pub struct SettingsBuilder {
    settings: Settings,
    /// CAs still to be read and parsed, in the order given.
    ca_sources: Vec<CaSource>,
}

impl SettingsBuilder {
    /// Most requests in flight at once: 1 to [`MAX_CONCURRENCY`].
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.settings.concurrency = concurrency;
        self
    }

    /// Retries for transient failures: 0 to [`MAX_RETRIES`].
    pub fn retries(mut self, retries: u32) -> Self {
        self.settings.retries = retries;
        self
    }

    /// The connect, read and total timeouts, each above zero and at most
    /// [`MAX_DURATION`].
    pub fn timeouts(self, connect: Duration, read: Duration, total: Duration) -> Self {
        self.connect_timeout(connect)
            .read_timeout(read)
            .total_timeout(total)
    }

    /// Longest wait for a TCP connection.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.settings.connect_timeout = timeout;
        self
    }

    /// Longest wait for the next bytes once connected.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.settings.read_timeout = timeout;
        self
    }

    /// Longest time one attempt may take.
    pub fn total_timeout(mut self, timeout: Duration) -> Self {
        self.settings.total_timeout = timeout;
        self
    }

    /// The first and the largest backoff delay between retries, each at
    /// most [`MAX_DURATION`].
    pub fn backoff(mut self, base: Duration, max: Duration) -> Self {
        self.settings.backoff_base = base;
        self.settings.backoff_max = max;
        self
    }

    /// The largest body accepted, in bytes: 1 to [`MAX_BODY_BYTES`].
    pub fn max_body_bytes(mut self, max: u64) -> Self {
        self.settings.max_body_bytes = max;
        self
    }

    /// The `User-Agent` header: visible ASCII, not empty.
    pub fn user_agent(mut self, agent: impl Into<String>) -> Self {
        self.settings.user_agent = agent.into();
        self
    }

    /// Whether complete files are downloaded again.
    pub fn overwrite(mut self, overwrite: bool) -> Self {
        self.settings.overwrite = overwrite;
        self
    }

    /// Most requests in flight to one host: at least 1 (capped to the
    /// concurrency), or `None` for no per-host limit.
    pub fn per_host(mut self, limit: Option<usize>) -> Self {
        self.settings.per_host = limit;
        self
    }

    /// The seed of the retry jitter.
    pub fn jitter_seed(mut self, seed: u64) -> Self {
        self.settings.jitter_seed = seed;
        self
    }

    /// Trusts the certificate authority in `pem` (one or more PEM
    /// `CERTIFICATE` blocks) for `https`, in place of the built-in roots.
    /// Checked by [`build`](Self::build).
    pub fn ca_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.ca_sources.push(CaSource::Pem(pem.into()));
        self
    }

    /// Trusts the certificate authority in the PEM file at `path`, read by
    /// [`build`](Self::build) (an unreadable or empty file is an error
    /// naming it).
    pub fn ca_file(mut self, path: impl AsRef<Path>) -> Self {
        self.ca_sources
            .push(CaSource::File(path.as_ref().to_path_buf()));
        self
    }

    /// **Dangerous**: accept any server certificate unchecked (see
    /// [`Settings::insecure`]). Test servers only.
    pub fn insecure(mut self, insecure: bool) -> Self {
        self.settings.insecure = insecure;
        self
    }

    /// Whether connections are kept for the next request (see
    /// [`Settings::keep_alive`]).
    pub fn keep_alive(mut self, keep_alive: bool) -> Self {
        self.settings.keep_alive = keep_alive;
        self
    }

    /// The HTTP version spoken (see [`HttpVersion`]).
    pub fn http_version(mut self, version: HttpVersion) -> Self {
        self.settings.http_version = version;
        self
    }

    /// The settings, if every value is valid; else the first bad one. CA
    /// files are read here.
    pub fn build(mut self) -> Result<Settings, SettingsError> {
        for source in std::mem::take(&mut self.ca_sources) {
            let ca = match source {
                CaSource::Pem(pem) => CaCertificate::parse("<pem>".to_owned(), &pem)?,
                CaSource::File(path) => {
                    let origin = path.display().to_string();
                    let pem =
                        std::fs::read(&path).map_err(|e| SettingsError::BadCaCertificate {
                            origin: origin.clone(),
                            reason: format!("cannot read it ({e})"),
                        })?;
                    CaCertificate::parse(origin, &pem)?
                }
                CaSource::Parsed(ca) => ca,
            };
            self.settings.ca_certificates.push(ca);
        }
        self.settings.validate()?;
        Ok(self.settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        assert_eq!(Settings::builder().build(), Ok(Settings::default()));
    }

    #[test]
    fn bad_values_are_named() {
        let b = Settings::builder;
        assert_eq!(
            b().concurrency(0).build(),
            Err(SettingsError::ZeroConcurrency)
        );
        let zero = Duration::ZERO;
        let one = Duration::from_secs(1);
        assert_eq!(
            b().timeouts(one, zero, one).build(),
            Err(SettingsError::ZeroTimeout {
                which: "read timeout"
            })
        );
        assert_eq!(
            b().retries(MAX_RETRIES + 1).build(),
            Err(SettingsError::TooManyRetries {
                got: MAX_RETRIES + 1,
                max: MAX_RETRIES
            })
        );
        assert_eq!(
            b().max_body_bytes(0).build(),
            Err(SettingsError::ZeroMaxBody)
        );
        assert_eq!(
            b().user_agent("bad\nagent").build(),
            Err(SettingsError::BadUserAgent)
        );
        assert_eq!(
            b().per_host(Some(0)).build(),
            Err(SettingsError::ZeroPerHost)
        );
        let settings = b().concurrency(4).per_host(Some(9)).build().unwrap();
        assert_eq!(settings.per_host(), Some(4), "capped to the concurrency");
        let settings = b().concurrency(10).build().unwrap();
        assert!(matches!(
            settings.check_ceiling("threads", 5, "too many threads"),
            Err(SettingsError::ConcurrencyTooHigh {
                ceiling: 5,
                backend: "threads",
                ..
            })
        ));
    }

    #[test]
    fn extreme_values_are_refused_with_their_name() {
        let b = Settings::builder;
        let one = Duration::from_secs(1);
        let max = Duration::MAX;
        for (builder, which) in [
            (b().timeouts(max, one, one), "connect timeout"),
            (b().timeouts(one, max, one), "read timeout"),
            (b().total_timeout(max), "total timeout"),
            (b().backoff(max, max), "backoff base"),
            (b().backoff(one, max), "backoff maximum"),
        ] {
            assert_eq!(
                builder.build(),
                Err(SettingsError::DurationTooLong {
                    which,
                    got: max,
                    max: MAX_DURATION
                })
            );
        }
        assert_eq!(
            b().max_body_bytes(u64::MAX).build(),
            Err(SettingsError::MaxBodyTooLarge {
                got: u64::MAX,
                max: MAX_BODY_BYTES
            })
        );
        assert!(matches!(
            b().concurrency(usize::MAX).build(),
            Err(SettingsError::ConcurrencyTooHigh {
                ceiling: MAX_CONCURRENCY,
                ..
            })
        ));
    }

    /// A PEM block around bytes that are not checked as X.509 here (the
    /// TLS library checks them when it connects).
    const PEM: &str = "-----BEGIN CERTIFICATE-----\nAAECAw==\n-----END CERTIFICATE-----\n";

    #[test]
    fn connection_settings_default_to_keep_alive_http1_builtin_roots() {
        let settings = Settings::default();
        assert!(settings.keep_alive());
        assert!(!settings.insecure());
        assert_eq!(settings.http_version(), HttpVersion::Http1);
        assert!(settings.ca_certificates().is_empty());
    }

    #[test]
    fn ca_certificates_are_parsed_from_bytes_and_files() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, PEM.repeat(2)).expect("write the PEM");
        let settings = Settings::builder()
            .ca_pem(PEM)
            .ca_file(&path)
            .build()
            .expect("valid PEMs");
        let cas = settings.ca_certificates();
        assert_eq!(cas.len(), 2);
        assert_eq!(cas[0].origin(), "<pem>");
        assert_eq!(
            cas[0].der_certificates().collect::<Vec<_>>(),
            [[0u8, 1, 2, 3]]
        );
        assert_eq!(cas[1].origin(), path.display().to_string());
        assert_eq!(cas[1].der_certificates().count(), 2);
    }

    #[test]
    fn bad_ca_certificates_name_their_origin() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let missing = dir.path().join("missing.pem");
        match Settings::builder().ca_file(&missing).build() {
            Err(SettingsError::BadCaCertificate { origin, reason }) => {
                assert_eq!(origin, missing.display().to_string());
                assert!(reason.contains("cannot read"), "{reason}");
            }
            other => panic!("a missing CA file must be refused, got {other:?}"),
        }
        match Settings::builder().ca_pem("not a certificate").build() {
            Err(SettingsError::BadCaCertificate { origin, reason }) => {
                assert_eq!(origin, "<pem>");
                assert!(reason.contains("no PEM CERTIFICATE"), "{reason}");
            }
            other => panic!("a PEM without certificates must be refused, got {other:?}"),
        }
        assert_eq!(
            Settings::builder().ca_pem(PEM).insecure(true).build(),
            Err(SettingsError::InsecureWithCaCertificate)
        );
        assert!(matches!(
            Settings::builder()
                .keep_alive(false)
                .http_version(HttpVersion::Http2)
                .build(),
            Err(SettingsError::Unsupported { .. })
        ));
    }

    #[test]
    fn settings_round_trip_through_serde_and_are_validated() {
        let settings = Settings::builder()
            .concurrency(7)
            .per_host(Some(3))
            .retries(5)
            .timeouts(
                Duration::from_millis(150),
                Duration::from_secs(2),
                Duration::from_secs(9),
            )
            .backoff(Duration::from_millis(3), Duration::from_millis(40))
            .max_body_bytes(1234)
            .user_agent("fetchlab-test/1")
            .overwrite(true)
            .jitter_seed(99)
            .keep_alive(false)
            .ca_pem(PEM.repeat(2))
            .build()
            .expect("valid settings");
        let json = serde_json::to_string(&settings).expect("settings serialise");
        let back: Settings = serde_json::from_str(&json).expect("and read back");
        assert_eq!(back, settings);
        assert_eq!(back.ca_certificates()[0].der_certificates().count(), 2);

        let mut value = serde_json::to_value(Settings::default()).expect("serialise");
        value["concurrency"] = 0.into();
        let err = serde_json::from_value::<Settings>(value.clone()).unwrap_err();
        assert_eq!(err.to_string(), SettingsError::ZeroConcurrency.to_string());
        value["concurrency"] = 4.into();
        value["retries"] = (MAX_RETRIES + 1).into();
        let err = serde_json::from_value::<Settings>(value.clone()).unwrap_err();
        assert!(err.to_string().contains("retries"), "{err}");
        value["retries"] = 1.into();
        value["surprise"] = true.into();
        assert!(serde_json::from_value::<Settings>(value).is_err());
    }

    #[test]
    fn the_largest_accepted_values_build() {
        let settings = Settings::builder()
            .concurrency(MAX_CONCURRENCY)
            .retries(MAX_RETRIES)
            .timeouts(MAX_DURATION, MAX_DURATION, MAX_DURATION)
            .backoff(MAX_DURATION, MAX_DURATION)
            .max_body_bytes(MAX_BODY_BYTES)
            .build()
            .expect("the limits themselves are accepted");
        assert_eq!(settings.total_timeout(), MAX_DURATION);
        assert!(
            std::time::Instant::now()
                .checked_add(MAX_DURATION)
                .is_some()
        );
    }
}
