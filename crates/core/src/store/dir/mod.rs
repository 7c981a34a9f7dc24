//! [`DirStore`]: files in one directory, written atomically, resumable, and
//! safe against whatever else is in the directory.
//!
//! # How a body is written
//!
//! A body streams into a new file under a fresh unpredictable name,
//! `.fetchlab-<128 random bits>.tmp`, created with `O_CREAT | O_EXCL` (so
//! nothing prepared in advance, a symbolic link included, can stand in for
//! it), and is renamed to `<name>` only when complete: a file under its
//! final name is whole or absent. A dropped sink removes its file. A sink
//! kept with [`Sink::keep_partial`] (a large body cut off by a transient
//! failure or a cancel) is renamed to `.fetchlab-<name>.partial`, and its
//! [`PartialOrigin`], if one was set, is recorded beside it in
//! `.fetchlab-<name>.origin`; a later attempt or run resumes it
//! ([`Store::resume`]). Every name the store writes besides finished files
//! starts with [`TEMP_PREFIX`], which job names may not.
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

use std::path::{Path, PathBuf};
use std::sync::Arc;

use handle::{DirHandle, Entry};
use sink::DirSink;

use super::{PartialOrigin, Presence, Sink, Store, TEMP_PREFIX, refuse_unsafe};
use crate::error::Error;
use crate::job::Job;
use crate::outcome::{Failure, FailureKind};

/// Saves each body as a file in one directory, atomically.
#[derive(Debug, Clone)]
pub struct DirStore {
    dir: Arc<DirHandle>,
    durable: bool,
}

impl DirStore {
    /// A store in `dir`, created if missing. Fails now, before any download,
    /// when the directory cannot be created, opened or written.
    pub fn new(dir: impl Into<PathBuf>) -> Result<Self, Error> {
        let path = dir.into();
        let store_error = |source| Error::Store {
            path: path.clone(),
            source,
        };
        let dir = DirHandle::open(&path).map_err(store_error)?;
        let (probe, name, _) = dir.create_temp().map_err(store_error)?;
        drop(probe);
        dir.remove(&name);
        Ok(Self {
            dir: Arc::new(dir),
            durable: false,
        })
    }

    /// Also flushes each file to the disk before renaming it, so that a
    /// power loss cannot leave a complete-looking but empty file. Off by
    /// default: it costs a sync per file.
    pub fn durable(mut self, durable: bool) -> Self {
        self.durable = durable;
        self
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
            self.durable,
        )
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
    fn check(&self, job: &Job) -> Result<Presence, Failure> {
        refuse_unsafe(job)?;
        let name = job.name();
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
        let partial = partial_name(job);
        Ok(match self.dir.read_own(&partial) {
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
        self.dir.remove(&partial_name(job));
        self.dir.remove(&origin_name(job));
        Ok(Box::new(self.sink(job, opened, None)))
    }

    fn resume(&self, job: &Job, offset: u64) -> Result<Box<dyn Sink>, Failure> {
        refuse_unsafe(job)?;
        let partial = partial_name(job);
        let (opened, origin) = sink::Opened::claim(&self.dir, &partial, &origin_name(job), offset)
            .map_err(|e| self.failure("cannot resume", &partial, &e))?;
        Ok(Box::new(self.sink(job, opened, origin)))
    }
}

#[cfg(test)]
mod tests;
