//! Settings at their limits: the largest values [`Settings`] accepts
//! reach every backend, which must neither overflow nor refuse to work.

use fetchlab_core::{
    Error, MAX_BODY_BYTES, MAX_CONCURRENCY, MAX_DURATION, MAX_RETRIES, Settings, SettingsError,
    Status,
};

use crate::Subject;
use crate::fixture::{self, Output};

/// Builds the backend with the largest accepted concurrency (or its own
/// ceiling, if it names a lower one), retries, timeouts, backoff and body
/// limit, and downloads files with it: each is saved whole.
pub fn the_largest_settings_download(subject: &Subject) {
    let largest = |concurrency| {
        Settings::builder()
            .concurrency(concurrency)
            .retries(MAX_RETRIES)
            .timeouts(MAX_DURATION, MAX_DURATION, MAX_DURATION)
            .backoff(MAX_DURATION, MAX_DURATION)
            .max_body_bytes(MAX_BODY_BYTES)
            .build()
            .expect("the limits themselves are accepted")
    };
    let downloader = match subject.try_downloader(largest(MAX_CONCURRENCY)) {
        Ok(downloader) => downloader,
        Err(Error::Settings(SettingsError::ConcurrencyTooHigh { ceiling, .. })) => {
            assert!(ceiling < MAX_CONCURRENCY, "a ceiling below the maximum");
            subject.downloader(largest(ceiling))
        }
        Err(other) => panic!("the largest settings were refused: {other}"),
    };
    let server = fixture::plain_server();
    let out = Output::new();
    let names = server.corpus().names();
    let paths: Vec<&str> = names[..3].iter().map(String::as_str).collect();
    let report = out.run(downloader.as_ref(), &fixture::jobs_for(&server, &paths));
    for outcome in &report.outcomes {
        assert!(
            matches!(outcome.status, Status::Saved { .. }),
            "{}: {:?}",
            outcome.job.name(),
            outcome.status
        );
        fixture::assert_file_matches_corpus(&server, &out.dir, outcome.job.name());
    }
}
