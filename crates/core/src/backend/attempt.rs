//! One attempt at one job, written once over the [transport
//! seam](super::transport): resume offset → `Range` → send → redirects →
//! decide on the head → stream the body into the store, or drain it.
//!
//! The decisions live in [`Plan`], which does no I/O; [`attempt_blocking`]
//! and [`attempt_async`] only differ in how they wait for the network:
//!
//! - blocking: the transport's client bounds every wait itself (connect,
//!   read and total timeouts); a cancelled run is noticed because the
//!   backend shuts its client down from a [`CancelToken::on_cancel`] hook,
//!   and the failure that follows is reported as
//!   [`FailureKind::Cancelled`]. Core checks the total timeout between
//!   redirect hops.
//! - async: every await is raced against the run's [`CancelToken`] and a
//!   limit: the rest of the total timeout for a response head, the read
//!   timeout (or less) for each body chunk. Bodies are written off the
//!   runtime ([`super::offload`]).
//!
//! A body core does not keep (a redirect's, a 404's, an error's) is read to
//! its end and dropped when it announces at most [`DRAIN_LIMIT`] bytes, so
//! that its connection goes back to the client's pool; a larger one is
//! dropped unread, closing its connection. A body refused as too large is
//! never read.

use std::future::Future;
use std::sync::Arc;

use url::Url;

use crate::downloader::RunEnv;
use crate::job::Job;
use crate::outcome::{Failure, FailureKind, Resume};
use crate::progress::CancelToken;
use crate::settings::Settings;
use crate::store::{PartialOrigin, Presence, Store};

use super::offload::Offloaded;
use super::redirect::{is_redirect, job_url, next_url};
use super::run::Fetched;
use super::transfer::{BodyOpening, BodyWriter, HeadDecision, resume_from, resume_start};
use super::transport::{
    AsyncBody, AsyncRuntime, AsyncTransport, BlockingBody, BlockingTransport, Head, Request,
};
use super::wait::{Deadline, Waited, bounded};

/// Largest body of an error, a 404 or a redirect read to its end so that
/// its connection can be reused; a larger one closes its connection.
pub const DRAIN_LIMIT: u64 = 64 * 1024;

/// Size of the buffer a blocking attempt reads a body through. Bodies are
/// never held whole in memory.
pub const CHUNK_BYTES: usize = 16 * 1024;

/// The decisions of one attempt, free of I/O: which request to send next,
/// and what a response head means.
pub struct Plan<'a> {
    job: &'a Job,
    settings: &'a Settings,
    store: &'a Arc<dyn Store>,
    url: Url,
    resumed_from: Option<u64>,
    without_range: Resume,
    headers: Vec<(&'static str, String)>,
    followed: usize,
    deadline: Deadline,
}

/// What to do with a response, as [`Plan::on_head`] says.
pub enum Next {
    /// A redirect was accepted: discard this body (reading it first when
    /// `drain`), then send [`Plan::request`] again.
    Follow {
        /// Read the body to its end before dropping it.
        drain: bool,
    },
    /// Stream the body into the store, opened as this says.
    Read(BodyOpening),
    /// The attempt is over with `result`; discard the body (reading it
    /// first when `drain`).
    Done {
        /// What the attempt produced.
        result: Result<Fetched, Failure>,
        /// Read the body to its end before dropping it.
        drain: bool,
    },
}

impl<'a> Plan<'a> {
    /// Plans an attempt at `job`: checks its URL, and asks for the rest of
    /// a partial body the store kept when its origin allows
    /// (`Range: bytes=<offset>-` and `If-Range: <validator>`, see
    /// [`resume_start`]). `known` is what the store was just found to hold
    /// for the job (the run's check before its first attempt), so the
    /// store is not asked twice; `None` asks it (a later attempt, after
    /// one that may have kept a partial body).
    pub fn start(
        job: &'a Job,
        settings: &'a Settings,
        store: &'a Arc<dyn Store>,
        known: Option<Presence>,
    ) -> Result<Self, Failure> {
        let url = job_url(job.url())?;
        let start = match known {
            Some(presence) => resume_from(Some(&presence), job, settings),
            None => resume_start(store.as_ref(), job, settings),
        };
        let (resumed_from, without_range, headers) = match start {
            Ok(point) => (Some(point.offset), Resume::None, point.headers().to_vec()),
            Err(resume) => (None, resume, Vec::new()),
        };
        Ok(Self {
            job,
            settings,
            store,
            url,
            resumed_from,
            without_range,
            headers,
            followed: 0,
            deadline: Deadline::after(settings.total_timeout()),
        })
    }

    /// The request to send now.
    pub fn request(&self) -> Request<'_> {
        Request {
            url: &self.url,
            headers: &self.headers,
        }
    }

    /// The attempt's deadline (its total timeout).
    pub fn deadline(&self) -> &Deadline {
        &self.deadline
    }

    /// What `head`, the answer to [`Plan::request`], means. A head no
    /// correct server sends ([`Head::check_framing`]) ends the attempt
    /// first, its body unread.
    pub fn on_head(&mut self, head: Head) -> Next {
        if let Err(failure) = head.check_framing() {
            return Next::Done {
                result: Err(failure),
                drain: false,
            };
        }
        let drainable = head.content_length.is_none_or(|len| len <= DRAIN_LIMIT);
        if is_redirect(head.status)
            && let Some(location) = &head.location
        {
            return match next_url(&self.url, location, self.followed) {
                Ok(url) => {
                    self.url = url;
                    self.followed += 1;
                    Next::Follow { drain: drainable }
                }
                Err(failure) => Next::Done {
                    result: Err(failure),
                    drain: false,
                },
            };
        }
        let decided = head.response_head();
        match decided.decide(self.settings.max_body_bytes()) {
            HeadDecision::ReadBody => Next::Read(BodyOpening {
                store: Arc::clone(self.store),
                job: self.job.clone(),
                head: decided,
                content_range: head.content_range,
                resumed_from: self.resumed_from,
                without_range: self.without_range,
                max: self.settings.max_body_bytes(),
                origin: PartialOrigin::new(self.job.url(), head.etag, head.last_modified),
            }),
            HeadDecision::NotFound => Next::Done {
                result: Ok(Fetched::NotFound),
                drain: drainable,
            },
            HeadDecision::Fail(failure) => {
                let drain = drainable && failure.kind != FailureKind::TooLarge;
                Next::Done {
                    result: Err(failure),
                    drain,
                }
            }
        }
    }
}

/// The failure of reading a body after `received` of `expected` bytes.
fn body_failure(failure: Failure, received: u64, expected: Option<u64>) -> Failure {
    let at = match expected {
        Some(expected) => format!("after {received} of {expected} bytes"),
        None => format!("after {received} bytes"),
    };
    Failure::new(
        failure.kind,
        format!("body failed {at}: {}", failure.detail),
    )
}

/// One attempt at `job` with a blocking transport, into `env.store`
/// (`known`: what the store holds for the job, when just checked; see
/// [`Plan::start`]). A failure once the run is cancelled (most likely the backend's client
/// shut down by its cancel hook) is reported as [`FailureKind::Cancelled`],
/// which is never retried.
pub fn attempt_blocking(
    transport: &impl BlockingTransport,
    job: &Job,
    settings: &Settings,
    env: &RunEnv,
    known: Option<Presence>,
) -> Result<Fetched, Failure> {
    fetch_blocking(transport, job, settings, &env.store, known).map_err(|failure| {
        if env.cancel.is_cancelled() {
            Failure::new(
                FailureKind::Cancelled,
                format!("run cancelled in flight ({failure})"),
            )
        } else {
            failure
        }
    })
}

fn fetch_blocking(
    transport: &impl BlockingTransport,
    job: &Job,
    settings: &Settings,
    store: &Arc<dyn Store>,
    known: Option<Presence>,
) -> Result<Fetched, Failure> {
    let mut plan = Plan::start(job, settings, store, known)?;
    loop {
        if plan.deadline.is_past() {
            return Err(plan.deadline.exceeded());
        }
        let (head, mut body) = transport.send(plan.request())?;
        match plan.on_head(head) {
            Next::Follow { drain } => {
                if drain {
                    drain_blocking(&mut body);
                }
            }
            Next::Read(opening) => {
                let expected = opening.head.content_length;
                let resume = opening.resume();
                return save_blocking(&mut body, opening.open()?, expected)
                    .map(|bytes| Fetched::Saved { bytes, resume });
            }
            Next::Done { result, drain } => {
                if drain {
                    drain_blocking(&mut body);
                }
                return result;
            }
        }
    }
}

fn save_blocking(
    body: &mut impl BlockingBody,
    mut writer: BodyWriter,
    expected: Option<u64>,
) -> Result<u64, Failure> {
    let mut buf = vec![0; CHUNK_BYTES];
    loop {
        match body.read(&mut buf) {
            Ok(0) => return writer.finish(),
            Ok(n) => writer.write(&buf[..n])?,
            Err(failure) => return Err(body_failure(failure, writer.written(), expected)),
        }
    }
}

/// Reads a small body to its end. Errors are ignored: the attempt's
/// outcome is decided, and a connection in doubt is simply dropped.
fn drain_blocking(body: &mut impl BlockingBody) {
    let mut buf = vec![0; CHUNK_BYTES];
    let mut read = 0u64;
    while read <= DRAIN_LIMIT {
        match body.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => read += n as u64,
        }
    }
}

/// One attempt at `job` with an async transport on `runtime`, into
/// `env.store` (`known` as for [`attempt_blocking`]). `None` when the run was cancelled while waiting on the
/// network; a batch being handed to the store is not interrupted, so no
/// half-written file outlives the run.
// Spelled out, not `async fn`, so that the future being `Send` (which
// spawning backends need) is checked here.
#[allow(clippy::manual_async_fn)]
pub fn attempt_async<'a>(
    transport: &'a impl AsyncTransport,
    runtime: &'a impl AsyncRuntime,
    job: &'a Job,
    settings: &'a Settings,
    env: &'a RunEnv,
    known: Option<Presence>,
) -> impl Future<Output = Option<Result<Fetched, Failure>>> + Send + 'a {
    async move {
        let mut plan = match Plan::start(job, settings, &env.store, known) {
            Ok(plan) => plan,
            Err(failure) => return Some(Err(failure)),
        };
        let cancel = &env.cancel;
        loop {
            let deadline = plan.deadline;
            let send = transport.send(plan.request());
            let (head, mut body) = match bounded(runtime, cancel, deadline.remaining(), send).await
            {
                Waited::Cancelled => return None,
                Waited::TimedOut => return Some(Err(deadline.exceeded())),
                Waited::Ready(Err(failure)) => return Some(Err(failure)),
                Waited::Ready(Ok(response)) => response,
            };
            match plan.on_head(head) {
                Next::Follow { drain } => {
                    if drain {
                        drain_async(runtime, cancel, &deadline, settings, &mut body).await?;
                    }
                }
                Next::Read(opening) => {
                    return save_async(runtime, cancel, &deadline, settings, body, opening).await;
                }
                Next::Done { result, drain } => {
                    if drain {
                        drain_async(runtime, cancel, &deadline, settings, &mut body).await?;
                    }
                    return Some(result);
                }
            }
        }
    }
}

async fn save_async<B: AsyncBody>(
    runtime: &impl AsyncRuntime,
    cancel: &CancelToken,
    deadline: &Deadline,
    settings: &Settings,
    mut body: B,
    opening: BodyOpening,
) -> Option<Result<Fetched, Failure>> {
    let expected = opening.head.content_length;
    let resume = opening.resume();
    let mut out = Offloaded::new(opening);
    loop {
        let (limit, timeout) = deadline.read_limit(settings.read_timeout());
        match bounded(runtime, cancel, Some(limit), body.chunk()).await {
            Waited::Cancelled => return None,
            Waited::TimedOut => return Some(Err(timeout)),
            Waited::Ready(Err(failure)) => {
                return Some(Err(body_failure(failure, out.received(), expected)));
            }
            Waited::Ready(Ok(None)) => break,
            Waited::Ready(Ok(Some(chunk))) => {
                if let Err(failure) = out.push(runtime, chunk.as_ref()).await {
                    return Some(Err(failure));
                }
            }
        }
    }
    // Hand the connection back to the client's pool before the blocking
    // commit, so the next job finds it idle.
    drop(body);
    Some(
        out.finish(runtime)
            .await
            .map(|bytes| Fetched::Saved { bytes, resume }),
    )
}

/// Reads a small body to its end; `None` when cancelled meanwhile. Read
/// problems are ignored: the attempt's outcome is already decided.
async fn drain_async(
    runtime: &impl AsyncRuntime,
    cancel: &CancelToken,
    deadline: &Deadline,
    settings: &Settings,
    body: &mut impl AsyncBody,
) -> Option<()> {
    let mut read = 0u64;
    while read <= DRAIN_LIMIT {
        let (limit, _) = deadline.read_limit(settings.read_timeout());
        match bounded(runtime, cancel, Some(limit), body.chunk()).await {
            Waited::Cancelled => return None,
            Waited::Ready(Ok(Some(chunk))) => read += chunk.as_ref().len() as u64,
            Waited::Ready(Ok(None) | Err(_)) | Waited::TimedOut => break,
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::redirect::MAX_REDIRECTS;
    use crate::backend::testing::{Fake, InlineRuntime, Reply, block_on};
    use crate::backend::transfer::RESUME_MIN_BYTES;
    use crate::{DirStore, HashStore};

    fn env() -> (RunEnv, HashStore) {
        let store = HashStore::new();
        (RunEnv::new(Arc::new(store.clone())), store)
    }

    /// Runs one attempt in both forms, each on its own copy of `replies`;
    /// checks they agree and returns the result and the blocking fake.
    fn both(
        replies: &[Reply],
        job: &Job,
        settings: &Settings,
        env: &RunEnv,
    ) -> (Result<Fetched, Failure>, Fake) {
        let fake = Fake::new(replies.to_vec());
        let blocking = attempt_blocking(&fake, job, settings, env, None);
        let runtime = InlineRuntime::default();
        let twin = Fake::new(replies.to_vec());
        let async_result = block_on(attempt_async(&twin, &runtime, job, settings, env, None));
        assert_eq!(Some(&blocking), async_result.as_ref(), "both forms agree");
        assert_eq!(
            fake.urls(),
            twin.urls(),
            "both forms send the same requests"
        );
        (blocking, fake)
    }

    fn job() -> Job {
        Job::with_name("http://127.0.0.1:1/a", "a")
    }

    #[test]
    fn redirects_are_followed_and_their_bodies_drained() {
        let replies = [
            Reply::redirect("/b"),
            Reply::redirect("http://127.0.0.1:1/c"),
            Reply::ok(b"file"),
        ];
        let (env, store) = env();
        let (result, fake) = both(&replies, &job(), &Settings::default(), &env);
        assert_eq!(
            result,
            Ok(Fetched::Saved {
                bytes: 4,
                resume: Resume::None
            })
        );
        assert_eq!(
            fake.urls(),
            [
                "http://127.0.0.1:1/a",
                "http://127.0.0.1:1/b",
                "http://127.0.0.1:1/c"
            ]
        );
        assert!(fake.all_drained(), "every redirect body read to its end");
        assert!(store.digest("a").is_some());
    }

    #[test]
    fn too_many_or_non_http_redirects_fail() {
        let (env, _) = env();
        let (result, fake) = both(&[Reply::redirect("/a")], &job(), &Settings::default(), &env);
        assert_eq!(result.unwrap_err().kind, FailureKind::Redirect);
        assert_eq!(fake.urls().len(), MAX_REDIRECTS + 1);

        let replies = [Reply::redirect("ftp://127.0.0.1/x")];
        let (result, _) = both(&replies, &job(), &Settings::default(), &env);
        assert_eq!(result.unwrap_err().kind, FailureKind::Redirect);
    }

    #[test]
    fn statuses_and_body_errors_are_classified() {
        let (env, store) = env();
        let settings = Settings::default();
        let (result, fake) = both(&[Reply::status(404, b"nope")], &job(), &settings, &env);
        assert_eq!(result, Ok(Fetched::NotFound));
        assert!(fake.all_drained());

        let (result, _) = both(&[Reply::status(503, b"busy")], &job(), &settings, &env);
        assert_eq!(result.unwrap_err().kind, FailureKind::HttpStatus(503));

        let cut = Reply::ok(b"0123456789").cut_after(4);
        let failure = both(&[cut], &job(), &settings, &env).0.unwrap_err();
        assert_eq!(failure.kind, FailureKind::Truncated);
        assert!(failure.detail.contains("after 4 of 10 bytes"), "{failure}");

        let small = Settings {
            max_body_bytes: 10,
            ..Settings::default()
        };
        let (result, fake) = both(&[Reply::ok(&[1u8; 100])], &job(), &small, &env);
        assert_eq!(result.unwrap_err().kind, FailureKind::TooLarge);
        assert!(!fake.any_read(), "a body refused from its head is not read");
        assert!(store.is_empty());
    }

    #[test]
    fn a_bad_url_is_refused_before_any_request() {
        let (env, _) = env();
        let ftp = Job::with_name("ftp://127.0.0.1/a", "a");
        let (result, fake) = both(&[], &ftp, &Settings::default(), &env);
        assert_eq!(result.unwrap_err().kind, FailureKind::Protocol);
        assert!(fake.urls().is_empty());
    }

    #[test]
    fn a_kept_partial_body_is_asked_for_with_range() {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> = Arc::new(DirStore::new(dir.path()).unwrap());
        let job = Job::with_name("http://127.0.0.1:1/big", "big");
        let big = vec![3u8; RESUME_MIN_BYTES as usize];
        let mut sink = store.begin(&job).unwrap();
        sink.set_origin(PartialOrigin::new(job.url(), Some("\"v1\"".into()), None));
        let mut writer = BodyWriter::new(sink, Some(big.len() as u64 + 3), u64::MAX);
        writer.write(&big).unwrap();
        drop(writer);
        let len = big.len();
        let range = format!("bytes {len}-{}/{}", len + 2, len + 3);
        let fake = Fake::new(vec![Reply::partial(b"end", &range)]);
        let env = RunEnv::new(store);
        let result = attempt_blocking(&fake, &job, &Settings::default(), &env, None);
        assert_eq!(
            result,
            Ok(Fetched::Saved {
                bytes: len as u64 + 3,
                resume: Resume::Resumed { from: len as u64 }
            })
        );
        let sent = [
            ("range", format!("bytes={len}-")),
            ("if-range", "\"v1\"".to_owned()),
        ];
        assert_eq!(fake.headers()[0], sent);
    }

    #[test]
    fn a_failure_after_cancel_is_a_cancel() {
        let (env, _) = env();
        env.cancel.cancel();
        let fake = Fake::new(vec![Reply::status(503, b"")]);
        let failure =
            attempt_blocking(&fake, &job(), &Settings::default(), &env, None).unwrap_err();
        assert_eq!(failure.kind, FailureKind::Cancelled);
        let runtime = InlineRuntime::default();
        let fake = Fake::new(vec![Reply::ok(b"x")]);
        let settings = Settings::default();
        let result = block_on(attempt_async(
            &fake,
            &runtime,
            &job(),
            &settings,
            &env,
            None,
        ));
        assert_eq!(result, None, "the async form sees the cancel at once");
    }
}
