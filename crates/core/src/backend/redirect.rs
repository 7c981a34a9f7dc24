//! The one redirect policy: core follows redirects itself, hop by hop.
//!
//! Every backend's client is set to follow none. Following them here gives
//! every backend the same rules (at most [`MAX_REDIRECTS`], only to `http`
//! and `https`, a relative `Location` resolved against the current URL),
//! the same failure ([`FailureKind::Redirect`]), and one request per hop
//! whose body core drains so the connection is reused. The clients' own
//! policies differed: surf's middleware sent every hop twice and returned
//! the last 3xx silently, ureq and reqwest counted differently.

use url::Url;

use crate::outcome::{Failure, FailureKind};

/// The most redirects followed in one attempt, as browsers and curl do.
pub const MAX_REDIRECTS: usize = 10;

/// Whether `status` asks the client to follow `Location`.
pub fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// Where to go after `followed` redirects, given the `Location` of the
/// response to `current`; a [`FailureKind::Redirect`] when the chain is too
/// long or leaves HTTP.
pub fn next_url(current: &Url, location: &str, followed: usize) -> Result<Url, Failure> {
    let fail = |detail: String| Failure::new(FailureKind::Redirect, detail);
    if followed >= MAX_REDIRECTS {
        return Err(fail(format!("more than {MAX_REDIRECTS} redirects")));
    }
    let url = current
        .join(location)
        .map_err(|e| fail(format!("bad redirect location {location:?}: {e}")))?;
    match url.scheme() {
        "http" | "https" => Ok(url),
        scheme => Err(fail(format!("redirect to a non-HTTP scheme ({scheme}:)"))),
    }
}

/// Parses a job's URL, refusing anything but an absolute `http`/`https`
/// URL with a host.
pub fn job_url(url: &str) -> Result<Url, Failure> {
    let bad = |why: String| {
        Failure::new(
            FailureKind::Protocol,
            format!("cannot request {url:?}: {why}"),
        )
    };
    let parsed = Url::parse(url).map_err(|e| bad(e.to_string()))?;
    match parsed.scheme() {
        "http" | "https" if parsed.host_str().is_some_and(|h| !h.is_empty()) => Ok(parsed),
        _ => Err(bad("not an absolute http or https URL".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_http_within_the_limit_only() {
        let here = Url::parse("http://127.0.0.1:8/a/b").expect("valid");
        assert_eq!(
            next_url(&here, "c", 0).expect("relative").as_str(),
            "http://127.0.0.1:8/a/c"
        );
        assert_eq!(
            next_url(&here, "ftp://127.0.0.1:1/x", 0).unwrap_err().kind,
            FailureKind::Redirect
        );
        assert_eq!(
            next_url(&here, "/x", MAX_REDIRECTS).unwrap_err().kind,
            FailureKind::Redirect
        );
        assert!(is_redirect(302) && !is_redirect(304));
    }

    #[test]
    fn only_http_urls_are_requested() {
        assert!(job_url("http://127.0.0.1:1/a").is_ok());
        assert!(job_url("https://127.0.0.1/a").is_ok());
        for bad in ["ftp://127.0.0.1/a", "/relative", "http://", "not a url"] {
            assert_eq!(
                job_url(bad).unwrap_err().kind,
                FailureKind::Protocol,
                "{bad}"
            );
        }
    }
}
