//! The shared conformance suite, run against both thread strategies.

mod threads {
    fetchlab_conformance::suite!(concurrent = true, |settings| {
        fetchlab_threaded::ThreadPoolDownloader::new(settings)
    });
}

mod rayon {
    fetchlab_conformance::suite!(concurrent = true, |settings| {
        fetchlab_threaded::RayonDownloader::new(settings)
    });
}
