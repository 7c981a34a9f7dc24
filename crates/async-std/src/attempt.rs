//! One attempt at one job: requests along its redirects, the head's
//! verdict, the body.

use std::sync::Arc;

use fetchlab_core::run::Fetched;
use fetchlab_core::transfer::{HeadDecision, ResponseHead, parse_retry_after, resume_offset};
use fetchlab_core::{Failure, FailureKind, Job};
use futures::AsyncReadExt;
use surf::Url;
use surf::http::headers::{CONTENT_LENGTH, CONTENT_RANGE, HeaderName, LOCATION, RETRY_AFTER};

use crate::body::{self, Opening};
use crate::failure;
use crate::pool::Reuse;
use crate::redirect;
use crate::shared::Shared;
use crate::wait::{Deadline, Waited, bounded};

/// Bodies of errors and redirects up to this size are read and thrown away
/// so that their connection can be reused; larger ones close it.
const DRAIN_LIMIT: u64 = 64 * 1024;

/// Makes one attempt at `job` within the total timeout, resuming a partial
/// body the store kept (`Range`). `None` when the run was cancelled while
/// waiting on the network.
pub async fn fetch(shared: &Shared, job: &Job) -> Option<Result<Fetched, Failure>> {
    let deadline = Deadline::after(shared.settings.total_timeout);
    // A `stat` of the job's partial file: cheap enough for the executor.
    let resumed_from = resume_offset(shared.store.as_ref(), job, &shared.settings);
    let mut url = match Url::parse(job.url()) {
        Ok(url) => url,
        Err(e) => {
            return Some(Err(Failure::new(
                FailureKind::Protocol,
                format!("bad URL: {e}"),
            )));
        }
    };
    let mut followed = 0;
    loop {
        let mut response = match request(shared, &url, resumed_from, &deadline).await? {
            Ok(response) => response,
            Err(failure) => return Some(Err(failure)),
        };
        let location = redirect_location(&response);
        let Some(location) = location else {
            return settle(shared, job, response, resumed_from, &deadline).await;
        };
        match redirect::next(&url, &location, followed) {
            Ok(next) => url = next,
            Err(failure) => return Some(Err(failure)),
        }
        discard(shared, &mut response, &deadline).await?;
        followed += 1;
    }
}

async fn request(
    shared: &Shared,
    url: &Url,
    resumed_from: Option<u64>,
    deadline: &Deadline,
) -> Option<Result<surf::Response, Failure>> {
    let mut request = shared.client.get(url.clone());
    if let Some(offset) = resumed_from {
        request = request.header("Range", format!("bytes={offset}-"));
    }
    let send = request.send();
    match bounded(&shared.cancel, deadline.remaining(), send).await {
        Waited::Cancelled => None,
        Waited::TimedOut => Some(Err(deadline.exceeded())),
        Waited::Ready(result) => Some(result.map_err(|e| failure::from_surf(&e))),
    }
}

fn redirect_location(response: &surf::Response) -> Option<String> {
    if !redirect::is_redirect(u16::from(response.status())) {
        return None;
    }
    response
        .header(LOCATION)
        .map(|v| v.last().as_str().to_owned())
}

fn header_text(response: &surf::Response, name: HeaderName) -> Option<String> {
    response.header(name).map(|v| v.last().as_str().to_owned())
}

fn head_of(response: &surf::Response) -> ResponseHead {
    let header = |name| header_text(response, name);
    ResponseHead {
        status: u16::from(response.status()),
        content_length: header(CONTENT_LENGTH).and_then(|v| v.trim().parse().ok()),
        retry_after: header(RETRY_AFTER).as_deref().and_then(parse_retry_after),
    }
}

/// Applies the head's verdict: saves the body, or discards it.
async fn settle(
    shared: &Shared,
    job: &Job,
    mut response: surf::Response,
    resumed_from: Option<u64>,
    deadline: &Deadline,
) -> Option<Result<Fetched, Failure>> {
    let head = head_of(&response);
    let verdict = match head.decide(shared.settings.max_body_bytes) {
        HeadDecision::ReadBody => {
            let opening = Opening {
                store: Arc::clone(&shared.store),
                job: job.clone(),
                head,
                content_range: header_text(&response, CONTENT_RANGE),
                resumed_from,
                max: shared.settings.max_body_bytes,
            };
            let reuse = reuse_of(&response);
            let body = response.take_body();
            let saved = body::save(shared, opening, body, deadline, &reuse).await?;
            return Some(saved.map(Fetched::Saved));
        }
        HeadDecision::NotFound => Ok(Fetched::NotFound),
        HeadDecision::Fail(failure) => Err(failure),
    };
    discard(shared, &mut response, deadline).await?;
    Some(verdict)
}

fn reuse_of(response: &surf::Response) -> Reuse {
    // Every response of our transport carries one; a missing one only
    // means the connection is not reused.
    response.ext::<Reuse>().cloned().unwrap_or_default()
}

/// Reads and drops a small body so its connection can be reused. Read
/// problems are ignored: the attempt's verdict is already known.
async fn discard(
    shared: &Shared,
    response: &mut surf::Response,
    deadline: &Deadline,
) -> Option<()> {
    let announced = head_of(response).content_length;
    if announced.is_some_and(|len| len > DRAIN_LIMIT) {
        return Some(());
    }
    let reuse = reuse_of(response);
    let mut body = response.take_body().take(DRAIN_LIMIT + 1);
    let mut sink = Vec::new();
    let (limit, _) = deadline.read_limit(shared.settings.read_timeout);
    match bounded(&shared.cancel, limit, body.read_to_end(&mut sink)).await {
        Waited::Cancelled => return None,
        Waited::Ready(Ok(n))
            if n as u64 <= DRAIN_LIMIT && announced.is_none_or(|l| l == n as u64) =>
        {
            reuse.allow();
        }
        _ => {}
    }
    Some(())
}
