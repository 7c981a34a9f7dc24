//! Keep-alive off: every request on a connection of its own.

use crate::Subject;
use crate::fixture::{self, Output};

/// With keep-alive off, the server sees as many connections as requests.
pub fn keep_alive_off_opens_a_connection_per_request(subject: &Subject) {
    let server = fixture::plain_server();
    let out = Output::new();
    let jobs = fixture::seed_jobs(&server, 24);
    let settings = fixture::quick()
        .keep_alive(false)
        .build()
        .expect("valid settings");
    let report = out.run(subject.downloader(settings).as_ref(), &jobs);

    assert_eq!(report.counts().downloaded, 24, "{:?}", report.counts());
    let stats = server.stats();
    assert_eq!(stats.requests, 24, "{stats:?}");
    assert_eq!(stats.connections, stats.requests, "{stats:?}");
}
