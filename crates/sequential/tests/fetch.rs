//! Behaviour of the ureq transport beyond the shared conformance suite,
//! seen through the sequential strategy: what goes on the wire, connection
//! reuse across error answers, redirect limits, cancellation mid-run, and
//! timeout details.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use fetchlab_core::{
    CancelToken, Downloader, FailureKind, HashStore, Job, JobList, Outcome, Progress, Resume,
    RunEnv, Settings, Status,
};
use fetchlab_sequential::SequentialDownloader;
use fetchlab_server::{ServerConfig, TestServer};

/// Quick settings, no retries, a 300 ms read timeout.
fn quick() -> Settings {
    let quick = fetchlab_conformance::quick().retries(0);
    let timeouts = (Duration::from_secs(2), Duration::from_millis(300));
    quick
        .timeouts(timeouts.0, timeouts.1, Duration::from_secs(3))
        .build()
        .expect("valid settings")
}

fn run(settings: Settings, jobs: &JobList) -> Vec<Outcome> {
    let downloader = SequentialDownloader::new(settings).expect("valid settings");
    let env = RunEnv::new(Arc::new(HashStore::new()));
    downloader.download(jobs, &env).expect("runs").outcomes
}

fn jobs(server: &TestServer, paths: &[&str]) -> JobList {
    let urls: Vec<String> = paths.iter().map(|p| server.url(p)).collect();
    JobList::from_urls(urls.iter().map(String::as_str)).expect("valid URLs")
}

/// Reads one request head from a raw socket and answers a 5-byte body.
fn capture_one_request(listener: TcpListener) -> String {
    let (stream, _) = listener.accept().expect("a connection");
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut head = String::new();
    while !head.ends_with("\r\n\r\n") {
        if reader.read_line(&mut head).expect("read") == 0 {
            break;
        }
    }
    let mut stream = stream;
    stream
        .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
        .expect("write");
    head.to_ascii_lowercase()
}

#[test]
fn sends_the_user_agent_and_no_accept_encoding() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let url = format!("http://{}/a.bin", listener.local_addr().expect("addr"));
    let server = std::thread::spawn(move || capture_one_request(listener));
    let settings = quick()
        .to_builder()
        .user_agent("fetchlab-test/1.0")
        .build()
        .expect("valid settings");
    let outcomes = run(settings, &JobList::from_urls([url.as_str()]).expect("url"));

    assert_eq!(
        outcomes[0].status,
        Status::Saved {
            bytes: 5,
            resume: Resume::None
        }
    );
    let head = server.join().expect("server thread");
    assert!(head.starts_with("get /a.bin http/1.1\r\n"), "{head}");
    assert!(
        head.contains("\r\nuser-agent: fetchlab-test/1.0\r\n"),
        "{head}"
    );
    assert!(!head.contains("accept-encoding"), "{head}");
}

#[test]
fn error_answers_keep_the_connection() {
    let server = TestServer::start(ServerConfig::default()).expect("server");
    let paths = [
        "zzpic23110_s.jpg",
        "missing-1.jpg",
        "zzpic23111_s.jpg",
        "status/500/zzpic23112_s.jpg",
        "zzpic23113_s.jpg",
    ];
    let outcomes = run(quick(), &jobs(&server, &paths));

    assert_eq!(outcomes[1].status, Status::NotFound);
    let kind = outcomes[3].failure().map(|f| f.kind);
    assert_eq!(kind, Some(FailureKind::HttpStatus(500)));
    assert_eq!(server.stats().requests, 5);
    assert_eq!(
        server.stats().connections,
        1,
        "404/500 bodies drained, connection reused"
    );
}

#[test]
fn ten_redirects_are_followed_eleven_are_not() {
    let server = TestServer::start(ServerConfig::default()).expect("server");
    let paths = [
        "redirect/10/zzpic23120_s.jpg",
        "redirect/11/zzpic23121_s.jpg",
    ];
    let outcomes = run(quick(), &jobs(&server, &paths));

    let size = server
        .corpus()
        .get("zzpic23120_s.jpg")
        .expect("in corpus")
        .body
        .len();
    assert_eq!(
        outcomes[0].status,
        Status::Saved {
            bytes: size as u64,
            resume: Resume::None
        }
    );
    let failure = outcomes[1].failure().expect("too many redirects fails");
    assert_eq!(failure.kind, FailureKind::Redirect);
    assert_eq!(outcomes[1].attempts, 1, "not retried");
}

/// Cancels the run when the first job finishes.
struct CancelAfterFirst(CancelToken);

impl Progress for CancelAfterFirst {
    fn finished(&self, _outcome: &Outcome) {
        self.0.cancel();
    }
}

#[test]
fn cancel_between_jobs_stops_the_run() {
    let server = TestServer::start(ServerConfig::default()).expect("server");
    let mut list = JobList::seed(&server.base_url()).expect("seed");
    list.truncate(5);
    let cancel = CancelToken::new();
    let env = RunEnv::new(Arc::new(HashStore::new()))
        .with_cancel(cancel.clone())
        .with_progress(Arc::new(CancelAfterFirst(cancel)));
    let downloader = SequentialDownloader::new(quick()).expect("valid");
    let report = downloader.download(&list, &env).expect("runs");

    assert!(report.outcomes[0].is_success());
    for outcome in &report.outcomes[1..] {
        assert_eq!(
            outcome.failure().map(|f| f.kind),
            Some(FailureKind::Cancelled)
        );
        assert_eq!(outcome.attempts, 0);
    }
    assert_eq!(server.stats().requests, 1);
}

#[test]
fn timeout_detail_names_the_setting() {
    let server = TestServer::start(ServerConfig::default()).expect("server");
    let outcomes = run(quick(), &jobs(&server, &["fault/stall/zzpic23150_s.jpg"]));

    let failure = outcomes[0].failure().expect("stall fails");
    assert_eq!(failure.kind, FailureKind::Timeout);
    assert!(
        failure.detail.contains("read timeout of 300ms"),
        "{}",
        failure.detail
    );
}

#[test]
fn a_non_http_job_url_is_refused_at_once() {
    let job = Job::with_name("ftp://127.0.0.1:1/a", "a");
    let outcomes = run(quick(), &JobList::from_jobs(vec![job]));

    let failure = outcomes[0].failure().expect("refused");
    assert_eq!(failure.kind, FailureKind::Protocol);
    assert_eq!(outcomes[0].attempts, 1);
}
