//! The one shared `reqwest::Client`, configured from [`Settings`].

use fetchlab_core::{Error, Settings};
use reqwest::redirect::{Attempt, Policy};

/// The most redirects followed for one request, as browsers and curl do.
pub const MAX_REDIRECTS: usize = 10;

/// Builds the client every request of a downloader shares, so that its
/// connection pool is reused across jobs.
///
/// - no proxy: fetchlab measures the network, not a proxy picked up from the
///   environment;
/// - at least `concurrency` idle connections kept per host, so that no
///   connection is closed between two jobs of the same worker;
/// - `connect_timeout`, `read_timeout` (per read, headers and body) and
///   `timeout` (headers and whole body of one attempt) from the settings;
/// - at most [`MAX_REDIRECTS`] redirects, and never to a non-HTTP scheme.
pub fn build(settings: &Settings) -> Result<reqwest::Client, Error> {
    reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(settings.concurrency)
        .connect_timeout(settings.connect_timeout)
        .read_timeout(settings.read_timeout)
        .timeout(settings.total_timeout)
        .user_agent(settings.user_agent.as_str())
        .redirect(Policy::custom(redirect_policy))
        .build()
        .map_err(|e| Error::Backend {
            backend: "tokio",
            reason: format!("cannot build the HTTP client: {e}"),
        })
}

/// Follows a redirect unless the chain is too long or leaves HTTP. Errors
/// returned here surface as `reqwest::Error::is_redirect`.
fn redirect_policy(attempt: Attempt<'_>) -> reqwest::redirect::Action {
    let scheme = attempt.url().scheme().to_owned();
    if scheme != "http" && scheme != "https" {
        attempt.error(format!("redirect to a non-HTTP scheme ({scheme}:)"))
    } else if attempt.previous().len() > MAX_REDIRECTS {
        attempt.error(format!("more than {MAX_REDIRECTS} redirects"))
    } else {
        attempt.follow()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_from_default_settings() {
        assert!(build(&Settings::default()).is_ok());
    }
}
