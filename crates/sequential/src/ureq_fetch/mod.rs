//! One attempt at one job with ureq 3, shared by every ureq-based strategy.
//!
//! A strategy builds one [`agent`] per run, shares it between its workers,
//! and hands [`fetch_once`] to [`fetchlab_core::run::run_blocking`], which
//! owns the retries. `fetch_once` only turns ureq's response or error into a
//! [`Fetched`] or a [`Failure`]; the rules for statuses, sizes, short
//! bodies and resume are core's ([`ResponseHead::decide`],
//! [`fetchlab_core::BodyWriter`], [`transfer::open_body`]).
//!
//! - `config`: the [`agent`] and its settings.
//! - `classify`: ureq errors → [`fetchlab_core::FailureKind`].
//! - `body`: streaming a body into the store, draining error bodies.
//! - `cancel`: [`abort_on_cancel`] cuts requests in flight off when the run
//!   is cancelled; [`attempt`] is `fetch_once` for a run, cancel-aware.

mod body;
mod cancel;
mod classify;
mod config;

use fetchlab_core::run::Fetched;
use fetchlab_core::transfer::{self, parse_retry_after};
use fetchlab_core::{Failure, FailureKind, HeadDecision, Job, ResponseHead, Settings, Store};
use ureq::http::{Response, Uri, header};
use ureq::{Agent, Body};

pub use body::{CHUNK_BYTES, DRAIN_LIMIT};
pub use cancel::{AbortOnCancel, abort_on_cancel, attempt};
pub use config::{INPUT_BUFFER_BYTES, MAX_REDIRECTS, OUTPUT_BUFFER_BYTES, agent};

/// What the `client_library` of a ureq-based strategy reports.
pub const CLIENT_LIBRARY: &str = "ureq 3";

/// Makes one request for `job` with `agent` and streams a 2xx body into
/// `store`. A 404 is [`Fetched::NotFound`]; every other result is a
/// [`Failure`] whose kind tells [`fetchlab_core::RetrySchedule`] whether to
/// try again. Nothing appears under the job's name unless the body was
/// whole.
///
/// Resume: when the store kept a partial body
/// ([`transfer::resume_offset`]), the request asks for the rest with
/// `Range: bytes=<offset>-`; [`transfer::open_body`] appends on a matching
/// `206` and starts afresh on a `200`.
pub fn fetch_once(
    agent: &Agent,
    job: &Job,
    settings: &Settings,
    store: &dyn Store,
) -> Result<Fetched, Failure> {
    let uri = http_uri(job.url())?;
    let offset = transfer::resume_offset(store, job, settings);
    let mut request = agent.get(uri);
    if let Some(offset) = offset {
        request = request.header(header::RANGE, format!("bytes={offset}-"));
    }
    let mut response = request
        .call()
        .map_err(|e| classify::request_failure(e, settings))?;
    let head = head_of(&response);
    match head.decide(settings.max_body_bytes) {
        HeadDecision::ReadBody => {
            let range = header_str(&response, header::CONTENT_RANGE);
            let max = settings.max_body_bytes;
            let writer = transfer::open_body(store, job, &head, range, offset, max)?;
            body::save(&mut response.body_mut().as_reader(), writer, settings).map(Fetched::Saved)
        }
        HeadDecision::NotFound => {
            body::drain(&mut response.body_mut().as_reader(), head.content_length);
            Ok(Fetched::NotFound)
        }
        HeadDecision::Fail(failure) => {
            if failure.kind != FailureKind::TooLarge {
                body::drain(&mut response.body_mut().as_reader(), head.content_length);
            }
            Err(failure)
        }
    }
}

/// Parses a job's URL, refusing anything but an absolute `http`/`https` URL
/// with a host, so that any later bad-URI error from ureq can only come from
/// a redirect's `Location`.
fn http_uri(url: &str) -> Result<Uri, Failure> {
    let bad = |why: &str| {
        Failure::new(
            FailureKind::Protocol,
            format!("cannot request {url:?}: {why}"),
        )
    };
    let uri: Uri = url.parse().map_err(|e| bad(&format!("{e}")))?;
    match uri.scheme_str() {
        Some("http" | "https") if uri.host().is_some_and(|h| !h.is_empty()) => Ok(uri),
        _ => Err(bad("not an absolute http or https URL")),
    }
}

fn head_of(response: &Response<Body>) -> ResponseHead {
    ResponseHead {
        status: response.status().as_u16(),
        content_length: response.body().content_length(),
        retry_after: header_str(response, header::RETRY_AFTER).and_then(parse_retry_after),
    }
}

fn header_str(response: &Response<Body>, name: header::HeaderName) -> Option<&str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_urls_are_requested() {
        assert!(http_uri("http://127.0.0.1:1/a").is_ok());
        assert!(http_uri("https://127.0.0.1/a").is_ok());
        for bad in ["ftp://127.0.0.1/a", "/relative", "http://", "not a url"] {
            assert_eq!(
                http_uri(bad).unwrap_err().kind,
                FailureKind::Protocol,
                "{bad}"
            );
        }
    }
}
