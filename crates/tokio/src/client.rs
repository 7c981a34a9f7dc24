//! The one shared `reqwest::Client`, configured from [`Settings`].

use fetchlab_core::{Error, Settings};
use reqwest::redirect::Policy;

/// Builds the client every request of a fetcher shares, so that its
/// connection pool is reused across jobs.
///
/// - no proxy: fetchlab measures the network, not a proxy picked up from the
///   environment;
/// - at least `concurrency` idle connections kept per host, so that no
///   connection is closed between two jobs of the same worker;
/// - `connect_timeout` and `read_timeout` (per read, head and body) from
///   the settings; the total timeout of an attempt is core's, across its
///   redirect hops;
/// - no redirects followed: core follows them hop by hop, with one policy
///   for every backend.
pub(crate) fn build(settings: &Settings) -> Result<reqwest::Client, Error> {
    reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(settings.concurrency())
        .connect_timeout(settings.connect_timeout())
        .read_timeout(settings.read_timeout())
        .user_agent(settings.user_agent())
        .redirect(Policy::none())
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
}
