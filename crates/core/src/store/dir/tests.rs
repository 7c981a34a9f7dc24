//! Tests of [`DirStore`].

use super::*;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;

use crate::store::PartialOrigin;

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
    assert_eq!(
        store.check(&job).unwrap(),
        Presence::Partial {
            bytes: 11,
            origin: None
        }
    );
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

/// A directory with an output directory `out` in it and a victim file
/// beside it, outside the store.
struct Scene {
    root: tempfile::TempDir,
    store: DirStore,
    job: Job,
}

const SECRET: &[u8] = b"secret, outside the store\n";

impl Scene {
    fn new() -> Self {
        Self::with(DirStore::new)
    }

    /// A scene whose store gives bodies in progress a name of their own.
    fn named() -> Self {
        Self::with(DirStore::new_named)
    }

    fn with(open: fn(std::path::PathBuf) -> Result<DirStore, Error>) -> Self {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join("victim"), SECRET).unwrap();
        let store = open(root.path().join("out")).unwrap();
        let job = Job::with_name("http://127.0.0.1/a.jpg", "a.jpg");
        Self { root, store, job }
    }

    fn victim(&self) -> std::path::PathBuf {
        self.root.path().join("victim")
    }

    fn out(&self) -> std::path::PathBuf {
        self.root.path().join("out")
    }

    fn assert_victim_untouched(&self) {
        assert_eq!(std::fs::read(self.victim()).unwrap(), SECRET);
    }

    /// Downloads `body` from scratch, as an attempt does.
    fn save(&self, body: &[u8]) -> std::io::Result<u64> {
        let mut sink = self.store.begin(&self.job).unwrap();
        sink.write(body)?;
        sink.commit()
    }

    fn assert_saved_regular(&self, body: &[u8]) {
        let path = self.store.path_of(&self.job);
        let meta = std::fs::symlink_metadata(&path).unwrap();
        assert!(meta.file_type().is_file(), "{path:?} is a regular file");
        assert_eq!(std::fs::read(&path).unwrap(), body);
    }
}

fn symlink(target: &Path, link: &Path) {
    std::os::unix::fs::symlink(target, link).unwrap();
}

#[test]
fn a_symlink_at_the_partial_name_is_never_written_through() {
    let scene = Scene::new();
    symlink(&scene.victim(), &scene.store.partial_path_of(&scene.job));
    assert_eq!(scene.store.check(&scene.job).unwrap(), Presence::Absent);
    let refused = scene.store.resume(&scene.job, 0).err().expect("refused");
    assert!(refused.detail.contains("symbolic link"), "{refused}");
    scene.save(b"body").unwrap();
    scene.assert_victim_untouched();
    scene.assert_saved_regular(b"body");
    assert_eq!(files_in(&scene.out()), ["a.jpg"], "the link was removed");
}

#[test]
fn a_hard_link_at_the_partial_name_is_never_resumed() {
    let scene = Scene::new();
    std::fs::hard_link(scene.victim(), scene.store.partial_path_of(&scene.job)).unwrap();
    assert_eq!(scene.store.check(&scene.job).unwrap(), Presence::Absent);
    let refused = scene.store.resume(&scene.job, 3).err().expect("refused");
    assert!(refused.detail.contains("hard links"), "{refused}");
    scene.save(b"body").unwrap();
    scene.assert_victim_untouched();
    scene.assert_saved_regular(b"body");
}

#[test]
fn a_fifo_or_directory_at_the_partial_name_is_not_a_partial() {
    let scene = Scene::new();
    let partial = scene.store.partial_path_of(&scene.job);
    rustix::fs::mknodat(
        rustix::fs::CWD,
        &partial,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from(0o600),
        0,
    )
    .unwrap();
    assert_eq!(scene.store.check(&scene.job).unwrap(), Presence::Absent);
    // Opening it must not wait for a writer.
    assert!(scene.store.resume(&scene.job, 0).is_err());
    scene.save(b"body").unwrap();
    scene.assert_saved_regular(b"body");

    std::fs::remove_file(scene.store.path_of(&scene.job)).unwrap();
    std::fs::create_dir(&partial).unwrap();
    assert_eq!(scene.store.check(&scene.job).unwrap(), Presence::Absent);
    assert!(scene.store.resume(&scene.job, 0).is_err());
    scene.save(b"body").unwrap();
    scene.assert_saved_regular(b"body");
}

#[test]
fn links_and_special_files_at_the_final_name_are_not_taken_for_complete() {
    let scene = Scene::new();
    let target = scene.store.path_of(&scene.job);
    let cases: [(&str, &dyn Fn()); 4] = [
        ("symbolic link", &|| symlink(&scene.victim(), &target)),
        ("symbolic link", &|| symlink(scene.root.path(), &target)),
        ("2 hard links", &|| {
            std::fs::hard_link(scene.victim(), &target).unwrap()
        }),
        ("not a regular file", &|| {
            std::fs::create_dir(&target).unwrap()
        }),
    ];
    for (what, place) in cases {
        place();
        let failure = scene.store.check(&scene.job).unwrap_err();
        assert_eq!(failure.kind, FailureKind::Io, "{what}");
        assert!(failure.detail.contains(what), "{what}: {failure}");
        assert!(
            failure.detail.contains(&target.display().to_string()),
            "names the file: {failure}"
        );
        scene.assert_victim_untouched();
        if target.is_dir() && !target.is_symlink() {
            std::fs::remove_dir(&target).unwrap();
        } else {
            std::fs::remove_file(&target).unwrap();
        }
    }
}

#[test]
fn a_link_placed_at_the_final_name_during_a_download_is_replaced_not_followed() {
    let scene = Scene::new();
    let mut sink = scene.store.begin(&scene.job).unwrap();
    sink.write(b"body").unwrap();
    symlink(&scene.victim(), &scene.store.path_of(&scene.job));
    assert_eq!(sink.commit().unwrap(), 4);
    scene.assert_victim_untouched();
    scene.assert_saved_regular(b"body");
}

/// The name of the one file in progress in `dir`.
fn temp_in(dir: &Path) -> std::path::PathBuf {
    let temps: Vec<String> = files_in(dir)
        .into_iter()
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert_eq!(temps.len(), 1, "{temps:?}");
    dir.join(&temps[0])
}

#[test]
fn a_file_in_progress_swapped_for_a_link_is_not_committed() {
    let scene = Scene::named();
    let mut sink = scene.store.begin(&scene.job).unwrap();
    sink.write(b"body").unwrap();
    let temp = temp_in(&scene.out());
    std::fs::remove_file(&temp).unwrap();
    symlink(&scene.victim(), &temp);
    let err = sink.commit().unwrap_err();
    assert!(err.to_string().contains("replaced"), "{err}");
    scene.assert_victim_untouched();
    assert!(
        files_in(&scene.out()).is_empty(),
        "{:?}",
        files_in(&scene.out())
    );
}

#[test]
fn the_directory_renamed_and_replaced_by_a_link_mid_run_is_not_followed() {
    let scene = Scene::new();
    let elsewhere = scene.root.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    let mut sink = scene.store.begin(&scene.job).unwrap();
    sink.write(b"body").unwrap();
    let moved = scene.root.path().join("moved");
    std::fs::rename(scene.out(), &moved).unwrap();
    symlink(&elsewhere, &scene.out());
    sink.commit().unwrap();
    assert!(
        files_in(&elsewhere).is_empty(),
        "nothing written through the link"
    );
    assert_eq!(std::fs::read(moved.join("a.jpg")).unwrap(), b"body");
}

#[test]
fn temporary_names_are_unpredictable_and_never_reused() {
    let scene = Scene::named();
    let a = scene.store.begin(&scene.job).unwrap();
    let b = scene.store.begin(&scene.job).unwrap();
    let names = files_in(&scene.out());
    assert_eq!(names.len(), 2, "two sinks, two files: {names:?}");
    for name in &names {
        assert!(name.starts_with(TEMP_PREFIX) && name.ends_with(".tmp"));
        assert!(!name.contains("a.jpg"), "not derived from the job: {name}");
    }
    drop((a, b));
    assert!(files_in(&scene.out()).is_empty());
}

fn origin(url: &str) -> PartialOrigin {
    PartialOrigin::new(
        url,
        Some("\"v1\"".into()),
        Some("Tue, 01 Dec 2026 09:00:00 GMT".into()),
    )
}

/// Keeps `body` as the partial body of the scene's job, with `origin`.
fn keep(scene: &Scene, body: &[u8], origin: Option<PartialOrigin>) {
    let mut sink = scene.store.begin(&scene.job).unwrap();
    if let Some(origin) = origin {
        sink.set_origin(origin);
    }
    sink.write(body).unwrap();
    sink.keep_partial();
}

#[test]
fn a_kept_partial_remembers_its_origin_across_resumes() {
    let scene = Scene::new();
    let recorded = origin(scene.job.url());
    keep(&scene, b"0123456789", Some(recorded.clone()));
    assert_eq!(
        scene.store.check(&scene.job).unwrap(),
        Presence::Partial {
            bytes: 10,
            origin: Some(recorded.clone())
        }
    );
    assert!(scene.store.origin_path_of(&scene.job).is_file());

    // Resumed and cut again: the origin stays with it.
    let mut sink = scene.store.resume(&scene.job, 4).unwrap();
    sink.write(b"abcdef").unwrap();
    sink.keep_partial();
    assert_eq!(
        scene.store.check(&scene.job).unwrap(),
        Presence::Partial {
            bytes: 10,
            origin: Some(recorded)
        }
    );
    let mut sink = scene.store.resume(&scene.job, 10).unwrap();
    sink.write(b"!").unwrap();
    sink.commit().unwrap();
    assert_eq!(
        std::fs::read(scene.store.path_of(&scene.job)).unwrap(),
        b"0123abcdef!"
    );
    assert_eq!(
        files_in(&scene.out()),
        ["a.jpg"],
        "record removed with the partial"
    );
}

#[test]
fn a_partial_kept_without_origin_has_none_and_begin_forgets_the_old_one() {
    let scene = Scene::new();
    keep(&scene, b"first", Some(origin(scene.job.url())));
    keep(&scene, b"second", None);
    assert_eq!(
        scene.store.check(&scene.job).unwrap(),
        Presence::Partial {
            bytes: 6,
            origin: None
        }
    );
    assert_eq!(files_in(&scene.out()), [".fetchlab-a.jpg.partial"]);
}

#[test]
fn a_tampered_or_foreign_origin_record_is_ignored() {
    let scene = Scene::new();
    let record = scene.store.origin_path_of(&scene.job);
    let partial = scene.store.partial_path_of(&scene.job);
    let tamperings: [(&str, &dyn Fn()); 6] = [
        ("partial grown", &|| {
            let mut f = OpenOptions::new().append(true).open(&partial).unwrap();
            f.write_all(b"+").unwrap();
        }),
        // Deleting and creating a file mostly reuses the inode number.
        ("partial replaced by other bytes of its size", &|| {
            let bytes = std::fs::read(&partial).unwrap();
            std::fs::remove_file(&partial).unwrap();
            std::fs::write(&partial, vec![b'#'; bytes.len()]).unwrap();
        }),
        ("partial rewritten in place", &|| {
            let f = OpenOptions::new().write(true).open(&partial).unwrap();
            std::os::unix::fs::FileExt::write_all_at(&f, b"#", 9).unwrap();
        }),
        ("record rewritten", &|| {
            let text = std::fs::read_to_string(&record).unwrap();
            std::fs::write(&record, format!("{text}colour red\n")).unwrap();
        }),
        ("record a link", &|| {
            let copy = scene.root.path().join("record");
            std::fs::rename(&record, &copy).unwrap();
            symlink(&copy, &record);
        }),
        ("record huge", &|| {
            let mut text = std::fs::read_to_string(&record).unwrap();
            text.push_str(&"x".repeat(20_000));
            std::fs::write(&record, text).unwrap();
        }),
    ];
    for (what, tamper) in tamperings {
        keep(&scene, b"0123456789", Some(origin(scene.job.url())));
        assert!(matches!(
            scene.store.check(&scene.job).unwrap(),
            Presence::Partial {
                origin: Some(_),
                ..
            }
        ));
        tamper();
        match scene.store.check(&scene.job).unwrap() {
            Presence::Partial { origin, .. } => assert_eq!(origin, None, "{what}"),
            other => panic!("{what}: {other:?}"),
        }
        scene.assert_victim_untouched();
    }
}

#[test]
fn an_origin_that_cannot_be_recorded_is_dropped() {
    let scene = Scene::new();
    keep(
        &scene,
        b"0123",
        Some(origin("http://127.0.0.1/a\nfile 0 0 4")),
    );
    assert_eq!(
        scene.store.check(&scene.job).unwrap(),
        Presence::Partial {
            bytes: 4,
            origin: None
        }
    );
}

#[test]
fn a_directory_at_a_name_fails_the_commit_or_keep_and_leaves_no_stray_file() {
    let scene = Scene::new();
    std::fs::create_dir(scene.store.path_of(&scene.job)).unwrap();
    let err = scene.save(b"body").unwrap_err();
    assert!(err.to_string().contains("a.jpg"), "names the entry: {err}");
    assert_eq!(files_in(&scene.out()), ["a.jpg"], "only the directory");
    std::fs::remove_dir(scene.store.path_of(&scene.job)).unwrap();

    // begin() leaves a directory at the partial name alone (it cannot
    // remove it); keeping then fails and removes the file.
    std::fs::create_dir(scene.store.partial_path_of(&scene.job)).unwrap();
    keep(&scene, b"0123", Some(origin(scene.job.url())));
    assert_eq!(files_in(&scene.out()), [".fetchlab-a.jpg.partial"]);
    assert!(scene.store.partial_path_of(&scene.job).is_dir());
}

/// Runs `case` with a store that writes unnamed files (where the file
/// system has them) and with one that names its files in progress.
fn in_both_modes(case: impl Fn(&Scene)) {
    case(&Scene::new());
    case(&Scene::named());
}

#[test]
fn both_ways_of_writing_commit_keep_and_drop_alike() {
    in_both_modes(|scene| {
        let mut sink = scene.store.begin(&scene.job).unwrap();
        sink.write(b"gone").unwrap();
        drop(sink);
        assert!(files_in(&scene.out()).is_empty());

        scene.save(b"first").unwrap();
        scene.assert_saved_regular(b"first");
        // Over an existing file: replaced whole.
        scene.save(b"second body").unwrap();
        scene.assert_saved_regular(b"second body");

        let other = Job::with_name("http://127.0.0.1/b", "b.bin");
        let mut sink = scene.store.begin(&other).unwrap();
        sink.write(b"part").unwrap();
        sink.keep_partial();
        assert_eq!(
            scene.store.check(&other).unwrap(),
            Presence::Partial {
                bytes: 4,
                origin: None
            }
        );
        let mut sink = scene.store.resume(&other, 4).unwrap();
        sink.write(b"-rest").unwrap();
        assert_eq!(sink.commit().unwrap(), 9);
        assert_eq!(
            std::fs::read(scene.out().join("b.bin")).unwrap(),
            b"part-rest"
        );
        assert_eq!(files_in(&scene.out()), ["a.jpg", "b.bin"]);
        scene.assert_victim_untouched();
    });
}

#[test]
fn an_unnamed_body_has_no_entry_until_committed() {
    let scene = Scene::new();
    if !scene.store.dir.writes_unnamed() {
        println!(
            "skipped: the file system of {} has no unnamed files (O_TMPFILE)",
            scene.out().display()
        );
        return;
    }
    let mut sink = scene.store.begin(&scene.job).unwrap();
    sink.write(b"body").unwrap();
    assert!(files_in(&scene.out()).is_empty(), "nothing to see or swap");
    assert_eq!(sink.commit().unwrap(), 4);
    assert_eq!(files_in(&scene.out()), ["a.jpg"]);
}

/// Saves two files, keeps one partial body, drops one sink, and returns
/// the syncs that took.
fn syncs_for(durability: Durability) -> Syncs {
    let scene = Scene::new();
    let store = scene.store.clone().with_durability(durability);
    assert_eq!(store.durability(), durability);
    for name in ["a", "b"] {
        let mut sink = store
            .begin(&Job::with_name("http://127.0.0.1/x", name))
            .unwrap();
        sink.write(b"body").unwrap();
        sink.commit().unwrap();
    }
    let mut sink = store
        .begin(&Job::with_name("http://127.0.0.1/x", "c"))
        .unwrap();
    sink.write(b"half").unwrap();
    sink.keep_partial();
    drop(
        store
            .begin(&Job::with_name("http://127.0.0.1/x", "d"))
            .unwrap(),
    );
    assert_eq!(scene.store.syncs(), store.syncs(), "clones share the count");
    store.syncs()
}

#[test]
fn the_default_durability_syncs_nothing() {
    assert_eq!(Durability::default(), Durability::Atomic);
    assert_eq!(syncs_for(Durability::Atomic), Syncs { files: 0, dirs: 0 });
}

#[test]
fn durable_syncs_each_named_file_and_the_directory_after_it() {
    // Two commits and one kept partial; a dropped sink costs nothing.
    assert_eq!(syncs_for(Durability::Durable), Syncs { files: 3, dirs: 3 });
}

#[test]
fn begin_after_a_check_that_saw_a_partial_entry_removes_it() {
    let scene = Scene::new();
    // Seen by check: a link at the partial name, removed by begin.
    symlink(&scene.victim(), &scene.store.partial_path_of(&scene.job));
    assert_eq!(scene.store.check(&scene.job).unwrap(), Presence::Absent);
    scene.save(b"body").unwrap();
    scene.assert_saved_regular(b"body");
    assert_eq!(files_in(&scene.out()), ["a.jpg"]);
    scene.assert_victim_untouched();

    // Kept by this store after a check that saw nothing: the next check
    // sees it, and begin (not resume) removes it with its origin record.
    let other = Job::with_name("http://127.0.0.1/b", "b.bin");
    assert_eq!(scene.store.check(&other).unwrap(), Presence::Absent);
    let mut sink = scene.store.begin(&other).unwrap();
    sink.write(b"half").unwrap();
    sink.set_origin(origin(other.url()));
    sink.keep_partial();
    assert!(matches!(
        scene.store.check(&other).unwrap(),
        Presence::Partial { bytes: 4, .. }
    ));
    drop(scene.store.begin(&other).unwrap());
    assert_eq!(files_in(&scene.out()), ["a.jpg"]);
}

/// The type of the file system `path` is on, read from
/// `/proc/self/mounts` (the longest mount point that holds it): an oracle
/// independent of the store's `fstatfs`. `None` where that file is absent.
fn mounted_type(path: &Path) -> Option<String> {
    let mounts = std::fs::read_to_string("/proc/self/mounts").ok()?;
    let path = path.canonicalize().ok()?;
    mounts
        .lines()
        .filter_map(|line| {
            let mut fields = line.split(' ');
            let (_, point, kind) = (fields.next()?, fields.next()?, fields.next()?);
            // Mount points with spaces are escaped as `\040`; none here
            // needs them.
            path.starts_with(point)
                .then(|| (point.len(), kind.to_owned()))
        })
        .max_by_key(|(len, _)| *len)
        .map(|(_, kind)| kind)
}

#[test]
fn only_atomic_stores_in_memory_save_small_bodies_quickly() {
    let mut checked = Vec::new();
    let shm = Path::new("/dev/shm");
    let mut places = vec![tempfile::tempdir().unwrap()];
    if shm.is_dir() {
        places.push(tempfile::tempdir_in(shm).unwrap());
    }
    for place in &places {
        let Some(kind) = mounted_type(place.path()) else {
            println!("skipped {}: no /proc/self/mounts", place.path().display());
            continue;
        };
        let in_memory = kind == "tmpfs" || kind == "ramfs";
        let atomic = DirStore::new(place.path()).unwrap();
        assert_eq!(
            atomic.saves_small_bodies_quickly(),
            in_memory,
            "{} is on {kind}",
            place.path().display()
        );
        let durable = atomic.with_durability(Durability::Durable);
        assert!(!durable.saves_small_bodies_quickly(), "durable on {kind}");
        checked.push(kind);
    }
    println!("checked stores on: {checked:?}");
}

#[test]
fn after_a_run_starts_check_looks_up_only_names_listed_then_or_written_since() {
    let scene = Scene::new();
    let named = |name: &str| Job::with_name(format!("http://127.0.0.1/{name}"), name);
    let (early, late, kept) = (named("early.bin"), named("late.bin"), named("kept.bin"));
    std::fs::write(scene.store.path_of(&early), b"there").unwrap();
    scene.store.run_starting();

    // There when the run started, or saved by this store since: seen.
    assert_eq!(
        scene.store.check(&early).unwrap(),
        Presence::Complete { bytes: 5 }
    );
    assert_eq!(scene.store.check(&scene.job).unwrap(), Presence::Absent);
    scene.save(b"body").unwrap();
    assert_eq!(
        scene.store.check(&scene.job).unwrap(),
        Presence::Complete { bytes: 4 }
    );
    let mut sink = scene.store.begin(&kept).unwrap();
    sink.write(b"half").unwrap();
    sink.keep_partial();
    assert!(matches!(
        scene.store.check(&kept).unwrap(),
        Presence::Partial { bytes: 4, .. }
    ));

    // Put there by someone else during the run: not looked up.
    std::fs::write(scene.store.path_of(&late), b"theirs").unwrap();
    assert_eq!(scene.store.check(&late).unwrap(), Presence::Absent);
    // A store told of no run looks every name up; the next run sees it.
    let unlisted = DirStore::new(scene.out()).unwrap();
    assert_eq!(
        unlisted.check(&late).unwrap(),
        Presence::Complete { bytes: 6 }
    );
    scene.store.run_starting();
    assert_eq!(
        scene.store.check(&late).unwrap(),
        Presence::Complete { bytes: 6 }
    );
    assert_eq!(
        scene.store.check(&scene.job).unwrap(),
        Presence::Complete { bytes: 4 }
    );
}

#[test]
fn a_link_placed_at_a_final_name_during_a_run_is_replaced_not_followed() {
    let scene = Scene::new();
    scene.store.run_starting();
    let target = scene.store.path_of(&scene.job);
    symlink(&scene.victim(), &target);
    assert_eq!(scene.store.check(&scene.job).unwrap(), Presence::Absent);
    scene.save(b"body").unwrap();
    scene.assert_saved_regular(b"body");
    scene.assert_victim_untouched();
}

#[test]
fn a_directory_too_large_to_list_is_looked_up_name_by_name() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["a", "b", "c"] {
        std::fs::write(dir.path().join(name), b"x").unwrap();
    }
    let fd = rustix::fs::open(
        dir.path(),
        rustix::fs::OFlags::DIRECTORY,
        rustix::fs::Mode::empty(),
    )
    .unwrap();
    let names = handle::list_names(&fd, 3).unwrap();
    let mut names: Vec<&str> = names.iter().map(|n| &**n).collect();
    names.sort_unstable();
    assert_eq!(names, ["a", "b", "c"]);
    assert!(handle::list_names(&fd, 2).is_none());
}
