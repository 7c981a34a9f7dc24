//! The one shared `surf::Client`, configured from [`Settings`].

use fetchlab_core::{Error, HttpVersion, Settings, SettingsError};
use surf::http::headers::USER_AGENT;

use crate::h1::H1Client;

/// Builds the client every request of a fetcher shares: surf's request
/// and response types over [`H1Client`] (async-h1 with a keep-alive pool
/// of up to `concurrency` idle connections per host, a connect timeout
/// and a head timeout), sending the configured user agent. No middleware:
/// redirects are followed by core, hop by hop. With keep-alive off the
/// pool keeps no connection, so every request opens its own.
///
/// Refused here, naming the setting: HTTP/2 (async-h1 speaks HTTP/1.1
/// only) and TLS settings (CA certificates, `insecure`): surf has no
/// rustls client that works over this async-h1 stack (its TLS clients are
/// `async-native-tls`, i.e. OpenSSL, or an unmaintained rustls 0.19
/// shim), so this backend fetches `http` only and fails every `https` job
/// as a protocol failure that says why (see `h1`).
pub(crate) fn build(settings: &Settings) -> Result<surf::Client, Error> {
    check_settings(settings)?;
    let config = surf::Config::new()
        .add_header(USER_AGENT, settings.user_agent())
        .map_err(|e| {
            Error::backend_caused(crate::NAME, "cannot use the user agent", e.into_inner())
        })?
        .set_http_client(H1Client::new(settings));
    // With an HTTP client given, the conversion cannot fail (its error
    // type is `Infallible`).
    match surf::Client::try_from(config) {
        Ok(client) => Ok(client),
        Err(never) => match never {},
    }
}

/// Refuses settings this backend cannot honour (see [`build`]).
fn check_settings(settings: &Settings) -> Result<(), SettingsError> {
    let unsupported = |what: &str, reason: &str| SettingsError::Unsupported {
        backend: crate::NAME,
        what: what.to_owned(),
        reason: reason.to_owned(),
    };
    if settings.http_version() == HttpVersion::Http2 {
        return Err(unsupported(
            "HTTP/2",
            "async-h1 speaks HTTP/1.1 only; use the tokio-h2 strategy",
        ));
    }
    if settings.insecure() || !settings.ca_certificates().is_empty() {
        return Err(unsupported(
            "TLS settings (CA certificates, insecure)",
            "it fetches http only: surf has no rustls client for its async-h1 stack; \
             use a ureq or tokio strategy for https",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http2_and_tls_settings_are_refused_by_name() {
        let pem = "-----BEGIN CERTIFICATE-----\nAAECAw==\n-----END CERTIFICATE-----\n";
        for (builder, what) in [
            (
                Settings::builder().http_version(HttpVersion::Http2),
                "HTTP/2",
            ),
            (Settings::builder().ca_pem(pem), "TLS settings"),
            (Settings::builder().insecure(true), "TLS settings"),
        ] {
            let settings = builder.build().expect("valid settings");
            let err = build(&settings).expect_err("refused");
            let text = err.to_string();
            assert!(text.contains(crate::NAME) && text.contains(what), "{text}");
        }
        let keep_alive_off = Settings::builder().keep_alive(false).build();
        assert!(build(&keep_alive_off.expect("valid settings")).is_ok());
    }
}
