//! One attempt at one job: request, decide on the head, stream the body.

use std::future::Future;

use fetchlab_core::run::Fetched;
use fetchlab_core::transfer::{HeadDecision, ResponseHead, parse_retry_after, resume_offset};
use fetchlab_core::{Failure, Job};
use reqwest::header::{CONTENT_RANGE, RANGE, RETRY_AFTER};
use tokio_util::sync::CancellationToken;

use crate::body::{OffloadedBody, Opening};
use crate::failure;
use crate::shared::Shared;

/// Error bodies up to this size are read and thrown away so that their
/// connection goes back to the pool; larger ones close it.
const DRAIN_LIMIT: u64 = 64 * 1024;

/// Runs `future` unless the run is cancelled first (`None`).
pub async fn or_cancel<F: Future>(cancel: &CancellationToken, future: F) -> Option<F::Output> {
    tokio::select! {
        biased;
        () = cancel.cancelled() => None,
        output = future => Some(output),
    }
}

/// Makes one request for `job`, resuming a partial body the store kept
/// (`Range`). `None` when the run was cancelled while waiting on the
/// network; a body being handed to the store is not interrupted, so no
/// half-written file outlives the run.
pub async fn fetch(shared: &Shared, job: &Job) -> Option<Result<Fetched, Failure>> {
    // A `stat` of the job's partial file: cheap enough for the runtime.
    let resumed_from = resume_offset(shared.store.as_ref(), job, &shared.settings);
    let mut request = shared.client.get(job.url());
    if let Some(offset) = resumed_from {
        request = request.header(RANGE, format!("bytes={offset}-"));
    }
    let request = request.send();
    let mut response = match or_cancel(&shared.cancel, request).await? {
        Ok(response) => response,
        Err(err) => return Some(Err(failure::from_request(&err))),
    };
    let head = head_of(&response);
    match head.decide(shared.settings.max_body_bytes) {
        HeadDecision::ReadBody => {
            let opening = Opening {
                store: std::sync::Arc::clone(&shared.store),
                job: job.clone(),
                head,
                content_range: header_text(&response, CONTENT_RANGE),
                resumed_from,
                max: shared.settings.max_body_bytes,
            };
            stream_body(shared, response, opening).await
        }
        HeadDecision::NotFound => {
            drain(shared, &mut response, head).await?;
            Some(Ok(Fetched::NotFound))
        }
        HeadDecision::Fail(failure) => {
            drain(shared, &mut response, head).await?;
            Some(Err(failure))
        }
    }
}

fn header_text(response: &reqwest::Response, name: reqwest::header::HeaderName) -> Option<String> {
    let value = response.headers().get(name)?;
    value.to_str().ok().map(str::to_owned)
}

fn head_of(response: &reqwest::Response) -> ResponseHead {
    let retry_after = header_text(response, RETRY_AFTER)
        .as_deref()
        .and_then(parse_retry_after);
    ResponseHead {
        status: response.status().as_u16(),
        content_length: response.content_length(),
        retry_after,
    }
}

async fn stream_body(
    shared: &Shared,
    mut response: reqwest::Response,
    opening: Opening,
) -> Option<Result<Fetched, Failure>> {
    let expected = opening.head.content_length;
    let mut body = OffloadedBody::new(opening);
    loop {
        let chunk = match or_cancel(&shared.cancel, response.chunk()).await? {
            Ok(Some(chunk)) => chunk,
            Ok(None) => {
                // Hand the connection back to the pool before the
                // blocking commit (see the crate docs on reuse).
                drop(response);
                return Some(body.finish().await.map(Fetched::Saved));
            }
            Err(err) => return Some(Err(failure::from_body(&err, body.received(), expected))),
        };
        if let Err(failure) = body.push(chunk).await {
            return Some(Err(failure));
        }
    }
}

/// Reads and discards a small body so the connection can be reused.
/// Errors are ignored: the attempt's outcome is already decided.
async fn drain(
    shared: &Shared,
    response: &mut reqwest::Response,
    head: ResponseHead,
) -> Option<()> {
    if head.content_length.is_some_and(|len| len > DRAIN_LIMIT) {
        return Some(());
    }
    let mut read = 0u64;
    while read <= DRAIN_LIMIT {
        match or_cancel(&shared.cancel, response.chunk()).await? {
            Ok(Some(chunk)) => read += chunk.len() as u64,
            Ok(None) | Err(_) => break,
        }
    }
    Some(())
}
