//! Interrupted large downloads resume with a `Range` request, and start
//! afresh where the server ignores `Range`.

use fetchlab_core::{DirStore, Job, JobList, Status};
use fetchlab_server::{Corpus, CorpusSpec, ServerConfig, TestServer};

use crate::Subject;
use crate::fixture::{self, Output, only};

const LARGE: usize = 3 << 20;
const KEPT: usize = 2 << 20;

/// A server whose corpus is one 3 MiB file.
fn large_file_server() -> TestServer {
    let corpus = Corpus::generate(&CorpusSpec::files(1, LARGE, LARGE));
    fixture::server(ServerConfig {
        corpus,
        ..ServerConfig::default()
    })
}

/// Leaves the first `KEPT` bytes of the file as the store's partial body,
/// as an interrupted run would, and returns the job.
fn leave_partial(server: &TestServer, out: &Output, path_prefix: &str) -> Job {
    let file = &server.corpus().files()[0];
    let job = Job::with_name(
        server.url(&format!("{path_prefix}{}", file.name)),
        &file.name,
    );
    let partial = DirStore::partial_path_of(&out.store, &job);
    std::fs::write(&partial, &file.body[..KEPT]).expect("write a partial body");
    job
}

fn assert_saved_whole(server: &TestServer, out: &Output, outcome: &fetchlab_core::Outcome) {
    assert!(
        matches!(outcome.status, Status::Saved { .. }),
        "{outcome:?}"
    );
    let name = &server.corpus().files()[0].name;
    fixture::assert_file_matches_corpus(server, &out.dir, name);
    assert_eq!(
        out.files(),
        std::slice::from_ref(name),
        "nothing but the final file"
    );
}

/// A partial body is continued with `Range`: only the rest is sent, and the
/// file is byte-exact.
pub fn partial_body_is_resumed_with_range(subject: &Subject) {
    let server = large_file_server();
    let out = Output::new();
    let job = leave_partial(&server, &out, "");
    let jobs = JobList::from_jobs(vec![job]);
    let settings = fixture::quick()
        .max_body_bytes(1 << 30)
        .build()
        .expect("valid settings");
    let report = out.run(subject.downloader(settings).as_ref(), &jobs);

    assert_saved_whole(&server, &out, only(&report));
    let sent = server.stats().bytes_sent;
    assert_eq!(
        sent,
        (LARGE - KEPT) as u64,
        "only the missing bytes are sent"
    );
}

/// A server that ignores `Range` answers 200: the body starts afresh and is
/// still byte-exact.
pub fn resume_falls_back_without_range_support(subject: &Subject) {
    let server = large_file_server();
    let out = Output::new();
    let job = leave_partial(&server, &out, "no-range/");
    let jobs = JobList::from_jobs(vec![job]);
    let settings = fixture::quick()
        .max_body_bytes(1 << 30)
        .build()
        .expect("valid settings");
    let report = out.run(subject.downloader(settings).as_ref(), &jobs);

    assert_saved_whole(&server, &out, only(&report));
    assert_eq!(
        server.stats().bytes_sent,
        LARGE as u64,
        "the whole body again"
    );
}
