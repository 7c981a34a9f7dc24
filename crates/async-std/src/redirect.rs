//! Redirects, followed here rather than by surf's `Redirect` middleware.
//!
//! That middleware sends every request of a chain twice (it probes with a
//! clone, then sends the final URL again), stops silently after its limit
//! and returns the 3xx as if it were the answer, and follows any scheme.
//! The rules here are those of the tokio backend: at most
//! [`MAX_REDIRECTS`], only to `http`/`https`, each hop a single request.

use fetchlab_core::{Failure, FailureKind};
use surf::Url;

/// The most redirects followed for one attempt.
pub const MAX_REDIRECTS: usize = 10;

/// Whether `status` asks the client to follow `Location`.
pub fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// Where to go after `followed` redirects, given the `Location` of the
/// response to `current`; a failure of kind [`FailureKind::Redirect`] when
/// the chain is too long or leaves HTTP.
pub fn next(current: &Url, location: &str, followed: usize) -> Result<Url, Failure> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_http_within_the_limit_only() {
        let here = Url::parse("http://127.0.0.1:8/a/b").expect("valid");
        assert_eq!(
            next(&here, "c", 0).expect("relative").as_str(),
            "http://127.0.0.1:8/a/c"
        );
        assert_eq!(
            next(&here, "ftp://127.0.0.1:1/x", 0).unwrap_err().kind,
            FailureKind::Redirect
        );
        assert_eq!(
            next(&here, "/x", MAX_REDIRECTS).unwrap_err().kind,
            FailureKind::Redirect
        );
        assert!(is_redirect(302) && !is_redirect(304));
    }
}
