//! The shared conformance suite, run against the sequential downloader.

fetchlab_conformance::suite!(concurrent = false, |settings| {
    fetchlab_sequential::SequentialDownloader::new(settings)
});
