//! The one shared `surf::Client`, configured from [`Settings`].

use fetchlab_core::{Error, Settings};
use surf::http::headers::USER_AGENT;

use crate::h1::H1Client;

/// Builds the client every request of a fetcher shares: surf's request
/// and response types over [`H1Client`] (async-h1 with a keep-alive pool
/// of up to `concurrency` idle connections per host, a connect timeout
/// and a head timeout), sending the configured user agent. No middleware:
/// redirects are followed by core, hop by hop.
pub(crate) fn build(settings: &Settings) -> Result<surf::Client, Error> {
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
