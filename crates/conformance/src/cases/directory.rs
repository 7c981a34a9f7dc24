//! A hostile output directory: whatever was placed in it (links to files
//! or directories outside, hard links, a partial body swapped between runs),
//! nothing outside it is ever written, an entry the store did not make is
//! never taken for a complete download, and a directory that cannot be
//! written (read-only, full) fails the job and leaves nothing.

use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;
use std::sync::Arc;

use fetchlab_core::store::PartialOrigin;
use fetchlab_core::{DirStore, FailureKind, Job, JobList, RestartReason, Resume, RunEnv, Status};
use fetchlab_server::{Corpus, CorpusSpec, ServerConfig, TestServer};

use super::hostile::Scene;
use crate::Subject;
use crate::fixture::{self, assert_failed, assert_file_matches_corpus, only};

const NAME: &str = "zzpic23110_s.jpg";

/// Downloads `NAME` from a plain server into the scene after `prepare`
/// placed something in it; returns the server and the outcome.
fn run_after(
    subject: &Subject,
    prepare: impl FnOnce(&Scene, &Job),
) -> (TestServer, Scene, fetchlab_core::Outcome) {
    let server = fixture::plain_server();
    let scene = Scene::new();
    let job = Job::with_name(server.url(NAME), NAME);
    prepare(&scene, &job);
    let jobs = JobList::from_jobs(vec![job]);
    let report = scene.run(subject, fixture::quick_settings(), &jobs);
    let outcome = only(&report).clone();
    (server, scene, outcome)
}

fn assert_saved_regular(server: &TestServer, scene: &Scene, outcome: &fetchlab_core::Outcome) {
    assert!(
        matches!(outcome.status, Status::Saved { .. }),
        "{outcome:?}"
    );
    let path = scene.out.dir.join(NAME);
    let meta = std::fs::symlink_metadata(&path).expect("saved");
    assert!(
        meta.file_type().is_file(),
        "{} is a regular file",
        path.display()
    );
    assert_file_matches_corpus(server, &scene.out.dir, NAME);
}

fn partial_of(scene: &Scene, job: &Job) -> std::path::PathBuf {
    scene.out.store.partial_path_of(job)
}

/// A link to a file outside, at the partial body's name: the body is
/// downloaded afresh into a file of its own; the victim is untouched.
pub fn symlink_at_partial_name_is_not_written_through(subject: &Subject) {
    let (server, scene, outcome) = run_after(subject, |scene, job| {
        symlink(scene.victim(), partial_of(scene, job)).expect("symlink");
    });
    assert_saved_regular(&server, &scene, &outcome);
    scene.assert_contained(&[NAME], &[]);
}

/// A link to a directory outside, at the partial body's name: the same.
pub fn directory_symlink_at_partial_name_is_not_followed(subject: &Subject) {
    let (server, scene, outcome) = run_after(subject, |scene, job| {
        let elsewhere = scene.out.root().join("elsewhere");
        std::fs::create_dir(&elsewhere).expect("mkdir");
        symlink(&elsewhere, partial_of(scene, job)).expect("symlink");
    });
    assert_saved_regular(&server, &scene, &outcome);
    scene.assert_contained(&[NAME], &["elsewhere"]);
    assert!(fixture::list(&scene.out.root().join("elsewhere")).is_empty());
}

/// A hard link to a file outside, at the partial body's name: not resumed
/// (it would append to the victim); downloaded afresh.
pub fn hard_link_at_partial_name_is_not_resumed(subject: &Subject) {
    let (server, scene, outcome) = run_after(subject, |scene, job| {
        std::fs::hard_link(scene.victim(), partial_of(scene, job)).expect("link");
    });
    assert_saved_regular(&server, &scene, &outcome);
    scene.assert_contained(&[NAME], &[]);
}

/// Asserts the job failed as a store error naming the file, without a
/// request, and the entry is left as it was.
fn assert_untrusted(server: &TestServer, scene: &Scene, outcome: &fetchlab_core::Outcome) {
    assert_failed(outcome, &[FailureKind::Io], 0);
    let Status::Failed(failure) = &outcome.status else {
        unreachable!("assert_failed checked it failed")
    };
    assert!(failure.detail.contains(NAME), "names the file: {failure}");
    assert_eq!(server.stats().requests, 0, "no request");
    scene.assert_contained(&[NAME], &["elsewhere"]);
}

fn with_elsewhere(scene: &Scene) -> std::path::PathBuf {
    let elsewhere = scene.out.root().join("elsewhere");
    std::fs::create_dir(&elsewhere).expect("mkdir");
    elsewhere
}

/// A link to a file outside, at the final name: not taken for a complete
/// download (no skip); the job fails naming it; the link is left alone.
pub fn symlink_at_final_name_is_refused(subject: &Subject) {
    let (server, scene, outcome) = run_after(subject, |scene, _| {
        with_elsewhere(scene);
        symlink(scene.victim(), scene.out.dir.join(NAME)).expect("symlink");
    });
    assert_untrusted(&server, &scene, &outcome);
    let link = std::fs::read_link(scene.out.dir.join(NAME)).expect("still a link");
    assert_eq!(link, scene.victim());
}

/// A link to a directory outside, at the final name: refused the same way.
pub fn directory_symlink_at_final_name_is_refused(subject: &Subject) {
    let (server, scene, outcome) = run_after(subject, |scene, _| {
        let elsewhere = with_elsewhere(scene);
        symlink(&elsewhere, scene.out.dir.join(NAME)).expect("symlink");
    });
    assert_untrusted(&server, &scene, &outcome);
    assert!(fixture::list(&scene.out.root().join("elsewhere")).is_empty());
}

/// A hard link to a file outside, at the final name: refused the same way.
pub fn hard_link_at_final_name_is_refused(subject: &Subject) {
    let (server, scene, outcome) = run_after(subject, |scene, _| {
        with_elsewhere(scene);
        std::fs::hard_link(scene.victim(), scene.out.dir.join(NAME)).expect("link");
    });
    assert_untrusted(&server, &scene, &outcome);
}

const LARGE: usize = 3 << 20;
const KEPT: usize = 2 << 20;

fn large_file_server() -> TestServer {
    fixture::server(ServerConfig {
        corpus: Corpus::generate(&CorpusSpec::files(1, LARGE, LARGE)),
        ..ServerConfig::default()
    })
}

/// Keeps the first `KEPT` bytes of the large file as a partial body with
/// its origin, as an interrupted run leaves it.
fn keep_partial(server: &TestServer, store: &DirStore) -> Job {
    let file = &server.corpus().files()[0];
    let job = Job::with_name(server.url(&file.name), &file.name);
    let mut sink = fetchlab_core::Store::begin(store, &job).expect("begin");
    sink.set_origin(PartialOrigin::new(job.url(), None, None));
    sink.write(&file.body[..KEPT]).expect("write");
    sink.keep_partial();
    job
}

/// Keeps a partial body with its origin, lets `replace` swap it (given the
/// scene and the partial's path) as someone would between runs, then runs
/// again and checks the file was saved whole and byte-exact, the outcome
/// says `resume`, and nothing outside the directory changed. Returns the
/// server.
fn rerun_after_replacing(
    subject: &Subject,
    resume: Resume,
    replace: impl FnOnce(&Scene, &Path),
) -> TestServer {
    let server = large_file_server();
    let scene = Scene::new();
    let job = keep_partial(&server, &scene.out.store);
    let partial = partial_of(&scene, &job);
    std::fs::remove_file(&partial).expect("rm");
    replace(&scene, &partial);
    let settings = fixture::quick()
        .max_body_bytes(1 << 30)
        .build()
        .expect("valid settings");
    let report = scene.run(subject, settings, &JobList::from_jobs(vec![job]));
    let bytes = LARGE as u64;
    assert_eq!(
        only(&report).status,
        Status::Saved { bytes, resume },
        "{report:?}"
    );
    let name = server.corpus().files()[0].name.clone();
    assert_file_matches_corpus(&server, &scene.out.dir, &name);
    scene.assert_contained(&[&name], &[]);
    server
}

/// A kept partial body replaced by a link to a file outside between runs:
/// the link is not taken for a partial body nor resumed through; the file
/// is downloaded afresh.
pub fn partial_replaced_by_a_link_between_runs_is_not_followed(subject: &Subject) {
    rerun_after_replacing(subject, Resume::None, |scene, partial| {
        symlink(scene.victim(), partial).expect("symlink");
    });
}

/// A kept partial body replaced between runs by other bytes of the same
/// size: its origin record no longer matches, so it is not resumed; the
/// body starts from zero, the outcome says so, and the file is byte-exact.
pub fn partial_replaced_by_other_bytes_between_runs_restarts(subject: &Subject) {
    let reason = RestartReason::NoOrigin;
    let server = rerun_after_replacing(subject, Resume::Restarted { reason }, |_, partial| {
        std::fs::write(partial, vec![b'#'; KEPT]).expect("write");
    });
    assert_eq!(
        server.stats().bytes_sent,
        LARGE as u64,
        "the whole body again"
    );
}

/// Whether a file can be created in `dir` now (root ignores permissions).
fn can_write(dir: &Path) -> bool {
    let probe = dir.join("write-probe");
    let wrote = std::fs::write(&probe, b"x").is_ok();
    let _ = std::fs::remove_file(&probe);
    wrote
}

/// An output directory made read-only after the store opened it: every job
/// fails as a store error (not retried), nothing is left anywhere. As root,
/// whom permissions do not stop, the directory is a tmpfs remounted
/// read-only instead, where the machine allows mounting.
pub fn read_only_directory_fails_the_job(subject: &Subject) {
    let server = fixture::plain_server();
    let scene = Scene::new();
    let jobs = fixture::jobs_for(&server, &[NAME]);
    let dir = &scene.out.dir;
    let set_mode = |mode| {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode)).expect("chmod");
    };
    set_mode(0o555);
    if !can_write(dir) {
        let report = scene.run(subject, fixture::quick_settings(), &jobs);
        set_mode(0o755);
        assert_failed(only(&report), &[FailureKind::Io], 1);
        scene.assert_contained(&[], &[]);
        return;
    }
    set_mode(0o755);
    let disk = SmallDisk::mount(&scene.out.root().join("ro"))
        .and_then(|disk| {
            let store = DirStore::new(&disk.path).map_err(|e| e.to_string())?;
            disk.remount_read_only()?;
            Ok((disk, store))
        })
        .and_then(|(disk, store)| {
            if can_write(&disk.path) {
                Err("a read-only tmpfs is still writable".into())
            } else {
                Ok((disk, store))
            }
        });
    let (disk, store) = match disk {
        Ok(mounted) => mounted,
        Err(reason) => {
            println!(
                "skipped: a read-only directory is still writable here (running as root) \
                 and no read-only filesystem can be made: {reason}"
            );
            return;
        }
    };
    let env = RunEnv::new(Arc::new(store));
    let report = super::hostile::run_bounded(subject, fixture::quick_settings(), &jobs, &env);
    assert_failed(only(&report), &[FailureKind::Io], 1);
    assert!(fixture::list(&disk.path).is_empty());
    drop(env);
    drop(disk);
    scene.assert_contained(&[], &["ro"]);
}

/// A tmpfs mounted for one case, unmounted when dropped.
struct SmallDisk {
    path: std::path::PathBuf,
}

impl SmallDisk {
    /// Mounts a 1 MiB tmpfs at `path`, or says why it cannot.
    fn mount(path: &Path) -> Result<Self, String> {
        std::fs::create_dir_all(path).map_err(|e| e.to_string())?;
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=1m", "fetchlab-full"])
            .arg(path)
            .stderr(std::process::Stdio::null())
            .status()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if status.success() {
            Ok(Self {
                path: path.to_owned(),
            })
        } else {
            Err(format!("mount -t tmpfs refused ({status}); it needs root"))
        }
    }
}

impl SmallDisk {
    /// Makes the filesystem read-only, for root too.
    fn remount_read_only(&self) -> Result<(), String> {
        let status = std::process::Command::new("mount")
            .args(["-o", "remount,ro"])
            .arg(&self.path)
            .stderr(std::process::Stdio::null())
            .status()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("mount -o remount,ro refused ({status})"))
        }
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.path)
            .status();
    }
}

/// A full disk (a 1 MiB tmpfs, where it can be mounted): a 3 MiB body fails
/// as a store error, not retried, and no partial body is left.
pub fn full_disk_fails_the_job_and_leaves_nothing(subject: &Subject) {
    let server = large_file_server();
    let scene = Scene::new();
    let mount_point = scene.out.root().join("full");
    let disk = match SmallDisk::mount(&mount_point) {
        Ok(disk) => disk,
        Err(reason) => {
            println!("skipped: no small filesystem to fill: {reason}");
            return;
        }
    };
    let store = DirStore::new(&disk.path).expect("a store on the small disk");
    let env = RunEnv::new(Arc::new(store));
    let name = server.corpus().files()[0].name.clone();
    let jobs = fixture::jobs_for(&server, &[&name]);
    let settings = fixture::quick()
        .max_body_bytes(1 << 30)
        .build()
        .expect("valid settings");
    let report = super::hostile::run_bounded(subject, settings, &jobs, &env);
    assert_failed(only(&report), &[FailureKind::Io], 1);
    assert!(
        fixture::list(&disk.path).is_empty(),
        "{:?}",
        fixture::list(&disk.path)
    );
    drop(disk);
    scene.assert_contained(&[], &["full"]);
}
