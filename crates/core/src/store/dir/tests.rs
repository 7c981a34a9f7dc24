//! Tests of [`DirStore`].

use super::*;
use std::path::Path;

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn committed_files_appear_whole_and_dropped_ones_vanish() {
    let dir = tempfile::tempdir().unwrap();
    let store = DirStore::new(dir.path()).unwrap();
    let job = Job::with_name("http://127.0.0.1/a", "a.jpg");
    assert_eq!(store.check(&job).unwrap(), Presence::Absent);

    let mut sink = store.begin(&job).unwrap();
    sink.write(b"half").unwrap();
    assert!(
        files_in(dir.path())
            .iter()
            .all(|n| n.starts_with(TEMP_PREFIX))
    );
    drop(sink);
    assert!(files_in(dir.path()).is_empty());

    let mut sink = store.begin(&job).unwrap();
    sink.write(b"whole body").unwrap();
    assert_eq!(sink.commit().unwrap(), 10);
    assert_eq!(files_in(dir.path()), ["a.jpg"]);
    assert_eq!(store.check(&job).unwrap(), Presence::Complete { bytes: 10 });
}

#[test]
fn unsafe_names_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = DirStore::new(dir.path().join("out")).unwrap();
    for name in ["../escape", "/etc/passwd", "..", "", ".fetchlab-x"] {
        let job = Job::with_name("http://127.0.0.1/x", name);
        let failure = store.check(&job).unwrap_err();
        assert_eq!(failure.kind, FailureKind::UnsafeName, "{name:?}");
        assert!(store.begin(&job).is_err());
    }
}

#[test]
fn unwritable_directory_fails_up_front() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file");
    std::fs::write(&file, b"x").unwrap();
    let err = DirStore::new(file.join("sub")).unwrap_err();
    assert!(
        err.to_string().contains("cannot use output directory"),
        "{err}"
    );
}

#[test]
fn kept_partial_is_offered_for_resume_and_completes() {
    let dir = tempfile::tempdir().unwrap();
    let store = DirStore::new(dir.path()).unwrap();
    let job = Job::with_name("http://127.0.0.1/big", "big.bin");

    let mut sink = store.begin(&job).unwrap();
    sink.write(b"first half|").unwrap();
    sink.keep_partial();
    assert_eq!(store.check(&job).unwrap(), Presence::Partial { bytes: 11 });
    assert!(
        !store.path_of(&job).exists(),
        "not visible under its final name"
    );

    let mut sink = store.resume(&job, 6).unwrap();
    sink.write(b"second").unwrap();
    assert_eq!(sink.commit().unwrap(), 12);
    assert_eq!(std::fs::read(store.path_of(&job)).unwrap(), b"first second");
    assert_eq!(files_in(dir.path()), ["big.bin"]);
}

#[test]
fn resume_beyond_the_partial_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = DirStore::new(dir.path()).unwrap();
    let job = Job::with_name("http://127.0.0.1/big", "big.bin");
    let mut sink = store.begin(&job).unwrap();
    sink.write(b"abc").unwrap();
    sink.keep_partial();
    let refused = store.resume(&job, 4).err().expect("refused");
    assert_eq!(refused.kind, FailureKind::Io);
    let fresh = store.begin(&job).unwrap();
    drop(fresh);
    assert!(
        files_in(dir.path()).is_empty(),
        "begin replaced, drop removed"
    );
}
