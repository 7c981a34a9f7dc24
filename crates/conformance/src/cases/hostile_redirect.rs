//! Hostile redirects, names and URLs: a redirect leaves `http` only for an
//! error, a loop ends, another port is followed; the server cannot choose
//! the file name; a password in a URL appears in no outcome or report text.

use fetchlab_core::{FailureKind, JobList, Resume, Status};

use super::hostile::{Scene, expect_failure, hostile_settings, probe_jobs};
use crate::Subject;
use crate::fixture::{self, assert_file_matches_corpus};
use crate::hostile::{HELLO, HostileServer, Route};

/// A redirect to `file:///etc/passwd`: refused, nothing read or written.
pub fn redirect_to_file_is_refused(subject: &Subject) {
    expect_failure(subject, Route::RedirectToFile, &[FailureKind::Redirect], 1);
}

/// A redirect to `ftp:`: refused.
pub fn redirect_to_ftp_is_refused(subject: &Subject) {
    expect_failure(subject, Route::RedirectToFtp, &[FailureKind::Redirect], 1);
}

/// Two URLs redirecting to each other: a redirect failure, not retried.
pub fn two_step_redirect_loop_fails(subject: &Subject) {
    expect_failure(subject, Route::RedirectLoopA, &[FailureKind::Redirect], 1);
}

/// A redirect to another port on the same host: followed (it is `http`),
/// and the file is the other server's, byte for byte.
pub fn redirect_to_another_port_is_followed(subject: &Subject) {
    let other = fixture::plain_server();
    let name = "zzpic23160_s.jpg";
    let (_server, scene, probe) =
        super::hostile::probe(subject, &Route::RedirectToPort(other.addr().port()), name);
    assert!(
        matches!(probe.outcome().status, Status::Saved { .. }),
        "{:?}",
        probe.outcome()
    );
    assert_file_matches_corpus(&other, &scene.out.dir, name);
    scene.assert_contained(&[name], &[]);
}

/// `Content-Disposition: attachment; filename="../../<name>"`: ignored; the
/// file is saved under the job's name, in the output directory only.
pub fn content_disposition_name_is_ignored(subject: &Subject) {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let name = format!("fetchlab-disposition-{}-{nanos}", std::process::id());
    let (_server, scene, probe) = super::hostile::probe(subject, &Route::Disposition, &name);
    assert_eq!(
        probe.outcome().status,
        Status::Saved {
            bytes: 5,
            resume: Resume::None
        }
    );
    assert_eq!(
        std::fs::read(scene.out.dir.join(&name)).expect("saved"),
        HELLO
    );
    scene.assert_contained(&[&name], &[]);
    // `../../<name>` from the output directory is beside the scene's root.
    let beside = scene.out.root().parent().map(|p| p.join(&name));
    assert!(
        beside.is_some_and(|p| !p.exists()),
        "the server chose the path"
    );
}

/// `http://user:password@…`: whether the job succeeds or fails, the
/// password appears in no failure detail, no summary line, and no JSON of
/// the report.
pub fn password_in_url_is_never_shown(subject: &Subject) {
    const PASSWORD: &str = "s3cr3t-pa55w0rd";
    let server = HostileServer::start().expect("start");
    let scene = Scene::new();
    let refused = format!(
        "http://user:{PASSWORD}@127.0.0.1:{}/gone.bin",
        closed_port()
    );
    let urls = [
        server.url_with_credentials(&Route::Hello, "ok.bin", "user", PASSWORD),
        server.url_with_credentials(&Route::Status999, "odd.bin", "user", PASSWORD),
        server.url_with_credentials(&Route::Http09, "old.bin", "user", PASSWORD),
        refused,
    ];
    let jobs = JobList::from_urls(urls.iter().map(String::as_str)).expect("valid URLs");
    let probe = probe_jobs(subject, &server, &scene, &jobs, hostile_settings());
    assert!(matches!(
        probe.report.outcomes[0].status,
        Status::Saved {
            bytes: 5,
            resume: Resume::None
        }
    ));
    let mut texts = probe.report.summary_lines();
    for outcome in &probe.report.outcomes {
        if let Status::Failed(failure) = &outcome.status {
            texts.push(failure.to_string());
        }
    }
    texts.push(serde_json::to_string(&probe.report).expect("the report as JSON"));
    let shown: Vec<&String> = texts.iter().filter(|t| t.contains(PASSWORD)).collect();
    assert!(shown.is_empty(), "the password is shown in: {shown:#?}");
}

/// A loopback port nothing listens on (bound, then closed).
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}
