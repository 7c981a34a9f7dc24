//! Interrupted large downloads resume with `Range` and `If-Range` when the
//! kept partial body's recorded origin says what it is part of, and start
//! afresh when the server ignores `Range`, when the representation changed
//! (a `200` to `If-Range`), or when nothing proves the kept bytes belong to
//! it.
//!
//! The server is the hostile server's [`Route::Validated`] (a 3 MiB body
//! with a strong `ETag`, honouring `Range` and `If-Range`).

use fetchlab_core::store::PartialOrigin;
use fetchlab_core::{Job, JobList, RestartReason, Resume, Status, Store};

use crate::Subject;
use crate::fixture::{self, Output, only};
use crate::hostile::{HostileServer, Route, VALIDATED_ETAG, validated_body};

/// Bytes kept before the rerun (of the 3 MiB body).
const KEPT: usize = 2 << 20;

/// Leaves the first `KEPT` bytes of the body of `route` as the store's
/// partial body, as an interrupted run would, recorded with `origin_etag`
/// as the validator (and the job's URL); returns the job.
fn leave_partial(
    server: &HostileServer,
    out: &Output,
    route: Route,
    origin_etag: Option<&str>,
) -> Job {
    let name = "large.bin";
    let job = Job::with_name(server.url(&route, name), name);
    let mut sink = out.store.begin(&job).expect("begin");
    sink.set_origin(PartialOrigin::new(
        job.url(),
        origin_etag.map(str::to_owned),
        None,
    ));
    sink.write(&validated_body()[..KEPT])
        .expect("write a partial body");
    sink.keep_partial();
    job
}

/// Reruns `job` and checks the file is saved whole and byte-exact, with
/// nothing else left, and the outcome says `resume`; returns the bytes the
/// server sent.
fn rerun(subject: &Subject, server: &HostileServer, out: &Output, job: Job, resume: Resume) -> u64 {
    let jobs = JobList::from_jobs(vec![job]);
    let settings = fixture::quick()
        .max_body_bytes(1 << 30)
        .build()
        .expect("valid settings");
    let report = out.run(subject.downloader(settings).as_ref(), &jobs);
    let body = validated_body();
    assert_eq!(
        only(&report).status,
        Status::Saved {
            bytes: body.len() as u64,
            resume,
        },
        "{report:?}"
    );
    let saved = std::fs::read(out.dir.join("large.bin")).expect("saved");
    assert!(saved == body, "the saved file is the body, byte for byte");
    assert_eq!(out.files(), ["large.bin"], "nothing but the final file");
    assert!(server.wait_idle(std::time::Duration::from_secs(10)));
    server.bytes_sent()
}

/// The size of every response head the server sends, with room to spare.
const HEAD_SLACK: u64 = 1024;

/// A partial body recorded with the server's validator is continued with
/// `Range` and `If-Range`: only the rest is sent, and the file is
/// byte-exact.
pub fn partial_body_is_resumed_with_range(subject: &Subject) {
    let server = HostileServer::start().expect("start");
    let out = Output::new();
    let job = leave_partial(&server, &out, Route::Validated, Some(VALIDATED_ETAG));
    let from = KEPT as u64;
    let sent = rerun(subject, &server, &out, job, Resume::Resumed { from });
    let rest = (validated_body().len() - KEPT) as u64;
    assert!(
        (rest..rest + HEAD_SLACK).contains(&sent),
        "only the missing {rest} bytes are sent, not {sent}"
    );
}

/// Reruns after leaving a partial of `route` recorded with `origin_etag`,
/// and checks the whole body was sent again and the outcome says why.
fn assert_restarts(
    subject: &Subject,
    route: Route,
    origin_etag: Option<&str>,
    reason: RestartReason,
) {
    let server = HostileServer::start().expect("start");
    let out = Output::new();
    let job = leave_partial(&server, &out, route, origin_etag);
    let sent = rerun(subject, &server, &out, job, Resume::Restarted { reason });
    assert!(
        sent >= validated_body().len() as u64,
        "the whole body again"
    );
}

/// A server that ignores `Range` answers 200: the body starts afresh and is
/// still byte-exact.
pub fn resume_falls_back_without_range_support(subject: &Subject) {
    assert_restarts(
        subject,
        Route::ValidatedNoRange,
        Some(VALIDATED_ETAG),
        RestartReason::NotResumed,
    );
}

/// A partial body recorded with another validator (the file changed on the
/// server since): the server answers the `If-Range` request with the whole
/// body, and the file is the new body, not a splice.
pub fn changed_representation_restarts(subject: &Subject) {
    assert_restarts(
        subject,
        Route::Validated,
        Some("\"fetchlab-v0\""),
        RestartReason::NotResumed,
    );
}

/// A partial body with no validator recorded: never resumed blind; the
/// request asks for the whole body.
pub fn partial_without_a_validator_restarts(subject: &Subject) {
    assert_restarts(subject, Route::Validated, None, RestartReason::NoValidator);
}
