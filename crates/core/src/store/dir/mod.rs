//! [`DirStore`]: files in one directory, written atomically, resumable, and
//! safe against whatever else is in the directory.
//!
//! # How a body is written
//!
//! A body streams into a file of its own that nothing else can reach and
//! is given its final name `<name>` only when complete: a file under its
//! final name is whole or absent.
//!
//! - Where the file system has unnamed files (Linux `O_TMPFILE`: ext4, xfs,
//!   btrfs, tmpfs …), the body is written into one and linked in as
//!   `<name>` with one `linkat` when complete. Until then the directory has
//!   no entry for it, so nothing can swap or open it. If `<name>` is taken
//!   meanwhile (`--force`, or something placed there during the run), the
//!   body is linked under a fresh name and renamed over it.
//! - Elsewhere it is written under a fresh unpredictable name,
//!   `.fetchlab-<128 random bits>.tmp`, created with `O_CREAT | O_EXCL` (so
//!   nothing prepared in advance, a symbolic link included, can stand in
//!   for it), and renamed.
//!
//! Per new file that is one create, the writes, one `linkat` (or
//! `renameat`) and one close: no stat of the file, no sync (in the default
//! [`Durability::Atomic`]). A dropped sink removes its file. A sink
//! kept with [`Sink::keep_partial`] (a large body cut off by a transient
//! failure or a cancel) is named `.fetchlab-<name>.partial`, and its
//! [`PartialOrigin`], if one was set, is recorded beside it in
//! `.fetchlab-<name>.origin`; a later attempt or run resumes it
//! ([`Store::resume`]). Every name the store writes besides finished files
//! starts with [`TEMP_PREFIX`], which job names may not.
//!
//! # What a crash leaves behind
//!
//! - **The process is killed** (`kill -9`, a panic, out of memory), in
//!   either mode: every file under a final name is whole — a body the store
//!   had not named yet is simply absent. Unnamed files in progress are
//!   freed by the kernel; with named temporary files (file systems without
//!   `O_TMPFILE`), `.fetchlab-….tmp` files may remain, which no run ever
//!   takes for a finished file (remove them at leisure). A partial body
//!   kept for resume is exactly what was written before it was kept.
//! - **The machine loses power or the kernel crashes**, with
//!   [`Durability::Atomic`] (the default; what curl and wget2 do): files
//!   saved in the last seconds before the crash (until the kernel's
//!   writeback, about 30 s on Linux) may be missing, or — depending on the
//!   file system — present under their final names but empty or shorter
//!   than the body. A later run counts a file under its final name as
//!   complete, so after a power loss rerun with `--force`, or use
//!   `--durable`. A kept partial body may likewise hold zeros where bytes
//!   were not written back; its origin record checks only its size and
//!   its first and last 64 KiB.
//! - **The machine loses power**, with [`Durability::Durable`]
//!   (`fetchlab download --durable`): each body is flushed (`fsync`) before
//!   it is named and the directory is flushed after, so a file the run
//!   reported saved is on the disk, whole, under its name; one not yet
//!   reported is whole or absent. Kept partial bodies are flushed the same
//!   way; their origin records are not (a record lost or torn by the crash
//!   is ignored, and the body is downloaded from the start).
//!
//! [`DirStore::syncs`] counts the syncs made, so tests can check each mode.
//!
//! # What it costs
//!
//! Per new file: [`Store::begin`] creates the file, then the writes, the naming
//! and the close. [`Store::check`] (asked once per job: the run hands its
//! answer to the first attempt) costs no system call for a name the
//! directory did not hold when the run started: every downloader calls
//! [`Store::run_starting`] first, where the store reads the directory's
//! names (up to 100,000; a larger directory is not read), and the store
//! adds every name it gives a file. For a name it may hold — and for every
//! name, in a store no run was started on — `check` looks up the final
//! name (one `fstatat`) and the partial name (one `openat`). The two
//! failing look-ups were about 7 % of tokio's CPU saving 1,000 small files
//! into tmpfs (`perf`).
//!
//! So a file *another process* puts at a final name during a run, under a
//! name that was free when the run started, is not seen by `check`: the
//! job downloads it again and the finished body replaces it, as it would if
//! the file had arrived between the job's check and its save. A partial
//! body another process leaves is likewise not resumed. Processes that
//! share a directory with distinct names (shards of one list) are not
//! affected. `begin` does not try to remove a partial body when the last
//! check of that name found none: if something else put an entry at the
//! partial name in between, it is left there, never used unless it passes
//! the checks below in a later run.
//!
//! # What is trusted
//!
//! The directory is opened once, when the store is made, and every later
//! look-up, open, rename and removal is relative to that handle (`openat`,
//! `fstatat`, `renameat`, `unlinkat`), names one entry, and never follows a
//! symbolic link (`O_NOFOLLOW`, `AT_SYMLINK_NOFOLLOW`). So nothing is ever
//! written outside the directory, whatever is placed in it before or during
//! a run, and renaming or replacing the directory's path during a run does
//! not redirect the store.
//!
//! - **At a final name**, only a regular file with one link counts as
//!   complete ([`Presence::Complete`]). A symbolic link (to a file or a
//!   directory), a hard link (a file with more than one name, which may be
//!   a file elsewhere), a directory, FIFO, socket or device is never taken
//!   for a finished download: [`Store::check`] fails the job with a store
//!   error ([`FailureKind::Io`]) naming the entry and what it is, and leaves
//!   it alone. Someone put it there; the store neither trusts it nor
//!   destroys it. Remove it and run again. (A finished body replacing such
//!   an entry during a run replaces the entry itself, atomically, without
//!   following it.)
//! - **A kept partial body** is resumed only if it is a regular file with
//!   one link, opened with `O_NOFOLLOW` and checked on the open handle
//!   (`fstat`), at least as long as the offset asked for. Anything else at
//!   that name (a link to a file elsewhere, a hard link, a FIFO, a
//!   directory) is not a partial body: [`Store::check`] reports the job as
//!   [`Presence::Absent`] and the body is downloaded afresh into a new file;
//!   [`Store::begin`] removes the entry (a link is removed, never its
//!   target).
//! - **The origin record** is used only if it is a regular file with one
//!   link, small, well-formed, and names the device, inode, size and a
//!   fingerprint of the bytes (first and last 64 KiB) of the kept partial
//!   body; otherwise the partial is offered with no origin, to be started
//!   afresh. (It catches another file under the name, not a forger who can
//!   write the directory: see `sidecar.rs`.)
//! - **Renames are checked**: after each rename the store checks that the
//!   entry now under the new name is the file it wrote (device and inode);
//!   if someone swapped the file it was renaming, the moved entry is removed
//!   and the commit fails. What the store wrote went only to its own open
//!   file either way.
//!
//! The calls are made with `rustix` (thin, exact POSIX `*at` calls, already
//! in the dependency tree through `tempfile`), so the store is Unix-only.
//! `cap-std` was the other candidate; its `Dir` resolves paths *beneath* a
//! directory, following links that stay inside, whereas this store follows
//! none and checks what it opened (`fstat`, link count), which needs the
//! flags themselves.
//!
//! Writing to a partial body under a name of its own means two processes
//! downloading the same name into the same directory never share a file:
//! the last to finish wins, whole.

mod handle;
mod sidecar;
mod sink;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

pub use handle::Syncs;
use handle::{DirHandle, Entry};
use sink::DirSink;

use super::{PartialOrigin, Presence, Sink, Store, TEMP_PREFIX, refuse_unsafe};
use crate::error::Error;
use crate::job::Job;
use crate::outcome::{Failure, FailureKind};

/// What a [`DirStore`] does to make saved files survive a crash of the
/// machine, not only of the process. See the store's docs ("What a crash
/// leaves behind") for what each mode promises.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Durability {
    /// Whole-or-absent under the final name after the process is killed;
    /// nothing is flushed to the disk (as curl and wget2 do). The default.
    #[default]
    Atomic,
    /// Also flushes each body to the disk (`fsync`) before naming it, and
    /// the directory after, so that a file reported saved survives a power
    /// loss, whole. Costs two syncs per file.
    Durable,
}

/// Saves each body as a file in one directory, atomically.
#[derive(Debug, Clone)]
pub struct DirStore {
    dir: Arc<DirHandle>,
    durability: Durability,
    /// Names whose last [`Store::check`] found nothing at the partial name
    /// and that no sink of this store has kept a partial body for since:
    /// [`Store::begin`] has nothing to remove for them. (Only a hint to
    /// skip a failing `unlinkat`: should something else put an entry
    /// there meanwhile, it stays, and is never trusted — see the docs.)
    no_partial: Arc<Mutex<HashSet<String>>>,
}

impl DirStore {
    /// A store in `dir`, created if missing, with [`Durability::Atomic`].
    /// Fails now, before any download, when the directory cannot be
    /// created, opened or written.
    pub fn new(dir: impl Into<PathBuf>) -> Result<Self, Error> {
        Self::open(dir.into(), true)
    }

    fn open(path: PathBuf, allow_unnamed: bool) -> Result<Self, Error> {
        let dir = DirHandle::open(&path, allow_unnamed).map_err(|source| Error::Store {
            path: path.clone(),
            source,
        })?;
        Ok(Self {
            dir: Arc::new(dir),
            durability: Durability::default(),
            no_partial: Arc::default(),
        })
    }

    /// A store that gives every body a name of its own while it is written,
    /// as on file systems without unnamed files (for tests of that path).
    #[cfg(test)]
    fn new_named(dir: impl Into<PathBuf>) -> Result<Self, Error> {
        Self::open(dir.into(), false)
    }

    /// The same store with `durability`.
    pub fn with_durability(mut self, durability: Durability) -> Self {
        self.durability = durability;
        self
    }

    /// What this store does to make files survive a crash.
    pub fn durability(&self) -> Durability {
        self.durability
    }

    /// How many syncs this store (and its clones) made so far: a count, so
    /// tests can check what a [`Durability`] does without timing it.
    pub fn syncs(&self) -> Syncs {
        self.dir.syncs()
    }

    /// The directory, as given to [`DirStore::new`]. The store keeps using
    /// the directory it opened there even if this path later names another.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Where `job` ends up.
    pub fn path_of(&self, job: &Job) -> PathBuf {
        self.dir().join(job.name())
    }

    /// Where `job`'s body is kept between attempts or runs for resume (see
    /// [`Sink::keep_partial`]). While a body is being written it has a name
    /// of its own, not this one.
    pub fn partial_path_of(&self, job: &Job) -> PathBuf {
        self.dir().join(partial_name(job))
    }

    /// Where the [`PartialOrigin`] of `job`'s kept partial body is recorded.
    pub fn origin_path_of(&self, job: &Job) -> PathBuf {
        self.dir().join(origin_name(job))
    }

    fn sink(&self, job: &Job, opened: sink::Opened, origin: Option<PartialOrigin>) -> DirSink {
        DirSink::new(
            Arc::clone(&self.dir),
            job.name().to_owned(),
            opened,
            origin,
            self.durability,
        )
    }

    /// Records whether [`Store::check`] found nothing at `name`'s partial
    /// name.
    fn remember_no_partial(&self, name: &str, nothing: bool) {
        // The set is a hint that stays consistent under a panic elsewhere.
        let mut set = self
            .no_partial
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if nothing {
            set.insert(name.to_owned());
        } else {
            set.remove(name);
        }
    }

    /// Whether the last check of `name` found no partial entry (and none
    /// was kept since); forgets it.
    fn take_no_partial(&self, name: &str) -> bool {
        let mut set = self
            .no_partial
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        set.remove(name)
    }

    fn failure(&self, what: &str, name: &str, err: &std::io::Error) -> Failure {
        Failure::new(
            FailureKind::Io,
            format!("{what} {}: {err}", self.dir().join(name).display()),
        )
    }
}

/// Where the partial body of the job named `name` is kept.
fn partial_name_of(name: &str) -> String {
    format!("{TEMP_PREFIX}{name}.partial")
}

/// Where the origin of the partial body of the job named `name` is kept.
fn origin_name_of(name: &str) -> String {
    format!("{TEMP_PREFIX}{name}.origin")
}

fn partial_name(job: &Job) -> String {
    partial_name_of(job.name())
}

fn origin_name(job: &Job) -> String {
    origin_name_of(job.name())
}

impl Store for DirStore {
    fn directory(&self) -> Option<(&Path, Durability)> {
        Some((self.dir(), self.durability))
    }

    /// Yes only for [`Durability::Atomic`] into a directory on a file
    /// system held in memory (tmpfs, ramfs: `fstatfs` when the store was
    /// opened), where creating, writing and linking a file wait for no
    /// device. Elsewhere (ext4 …) no, even without syncs: file system
    /// calls can wait on the disk (a journal commit, a directory block
    /// read), and on one runtime thread they would wait in turn. The
    /// measurements for both are in [`crate::backend::offload`].
    fn saves_small_bodies_quickly(&self) -> bool {
        self.durability == Durability::Atomic && self.dir.in_memory()
    }

    fn run_starting(&self) {
        self.dir.relist();
    }

    fn check(&self, job: &Job) -> Result<Presence, Failure> {
        refuse_unsafe(job)?;
        let name = job.name();
        let partial = partial_name(job);
        if !self.dir.may_hold(name) && !self.dir.may_hold(&partial) {
            // Neither was there when the run started, nor saved since
            // (`begin` asks the handle again: nothing to remove).
            return Ok(Presence::Absent);
        }
        let entry = self
            .dir
            .entry(name)
            .map_err(|e| self.failure("cannot inspect", name, &e))?;
        let untrusted = |what: String| {
            Err(Failure::new(
                FailureKind::Io,
                format!(
                    "refusing to use {}: {what}, not a file this store saved; \
                     remove it to download it",
                    self.path_of(job).display()
                ),
            ))
        };
        match entry {
            Entry::Own { bytes, .. } => return Ok(Presence::Complete { bytes }),
            Entry::Missing => {}
            Entry::Symlink => return untrusted("it is a symbolic link".into()),
            Entry::HardLinked { nlinks } => {
                return untrusted(format!("it has {nlinks} hard links"));
            }
            Entry::Special => return untrusted("it is not a regular file".into()),
        }
        let found = self.dir.read_own(&partial);
        let nothing = matches!(&found, Err(e) if e.kind() == std::io::ErrorKind::NotFound);
        self.remember_no_partial(name, nothing);
        Ok(match found {
            Ok((file, id, bytes)) if bytes > 0 => Presence::Partial {
                bytes,
                origin: sidecar::read(&self.dir, &origin_name(job), &file, id, bytes),
            },
            // Anything else there is not a partial body (begin removes it).
            _ => Presence::Absent,
        })
    }

    fn begin(&self, job: &Job) -> Result<Box<dyn Sink>, Failure> {
        refuse_unsafe(job)?;
        let opened = sink::Opened::fresh(&self.dir)
            .map_err(|e| self.failure("cannot create a file in", "", &e))?;
        // An origin record means nothing without its partial body (it names
        // the partial's inode), so it is looked for only when there was one.
        // Nothing is there when the last check found nothing, or when the
        // handle knows the partial name is free.
        let partial = partial_name(job);
        let nothing = self.take_no_partial(job.name()) || !self.dir.may_hold(&partial);
        if !nothing && self.dir.remove(&partial) {
            self.dir.remove(&origin_name(job));
        }
        Ok(Box::new(self.sink(job, opened, None)))
    }

    fn resume(&self, job: &Job, offset: u64) -> Result<Box<dyn Sink>, Failure> {
        refuse_unsafe(job)?;
        self.take_no_partial(job.name());
        let partial = partial_name(job);
        let (opened, origin) = sink::Opened::claim(&self.dir, &partial, &origin_name(job), offset)
            .map_err(|e| self.failure("cannot resume", &partial, &e))?;
        Ok(Box::new(self.sink(job, opened, origin)))
    }
}

#[cfg(test)]
mod tests;
