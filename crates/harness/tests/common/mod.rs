//! What the harness's integration tests share.

use fetchlab_harness::Workload;
use fetchlab_server::Corpus;

/// The workload's corpus written to a directory, as a command would save it.
pub fn prepared(workload: &Workload) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for file in Corpus::generate(&workload.corpus_spec()).files() {
        std::fs::write(dir.path().join(&file.name), &file.body).unwrap();
    }
    dir
}
