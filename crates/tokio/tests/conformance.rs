//! The shared conformance suite, run against the tokio backend.

fetchlab_conformance::suite!(concurrent = true, |settings| {
    fetchlab_tokio::TokioDownloader::new(settings)
});
