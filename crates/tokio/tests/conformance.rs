//! The shared conformance suite, run against the tokio backend on two
//! sharded runtimes (its HTTP/1.1 default on a 2-core machine), so that the
//! suite splits every run between runtimes on any machine; one runtime is
//! covered in `native.rs` and, over HTTP/2, in `http2.rs`.

fetchlab_conformance::suite!(concurrent = true, |settings| {
    fetchlab_tokio::TokioDownloader::with_flavor(
        settings,
        fetchlab_tokio::Flavor::Sharded { runtimes: 2 },
    )
});
