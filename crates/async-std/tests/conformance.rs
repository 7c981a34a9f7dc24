//! The shared conformance suite, run against the async-std backend.

fetchlab_conformance::suite!(concurrent = true, |settings| {
    fetchlab_async_std::AsyncStdDownloader::new(settings)
});
