//! Bad settings are refused when the downloader is built.

use std::time::Duration;

use fetchlab_core::Error;

use crate::Subject;
use crate::fixture;

/// Zero concurrency, zero timeouts, absurd retries, a zero body limit: each
/// refused as a settings error.
pub fn invalid_settings_are_rejected(subject: &Subject) {
    let one = Duration::from_secs(1);
    let zero = Duration::ZERO;
    let cases = [
        fixture::quick_settings().with_concurrency(0),
        fixture::quick_settings().with_timeouts(zero, one, one),
        fixture::quick_settings().with_timeouts(one, zero, one),
        fixture::quick_settings().with_timeouts(one, one, zero),
        fixture::quick_settings().with_retries(1_000),
        fixture::quick_settings().with_max_body_bytes(0),
    ];
    for settings in cases {
        match subject.try_downloader(settings.clone()) {
            Err(Error::Settings(err)) => {
                assert_eq!(
                    Err(err),
                    settings.validate(),
                    "the same error as validate()"
                );
            }
            Err(other) => panic!("{settings:?}: expected a settings error, got {other}"),
            Ok(_) => panic!("{settings:?}: accepted"),
        }
    }
}
