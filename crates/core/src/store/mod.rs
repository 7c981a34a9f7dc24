//! Where bodies go.
//!
//! A [`Store`] is asked first what it holds for a job ([`Store::check`]),
//! then for a [`Sink`] to stream the body into: [`Store::begin`] for a
//! whole body, [`Store::resume`] to append to a partial one. Nothing is
//! visible under a job's name until [`Sink::commit`], so a file under its
//! final name is either whole or absent.
//!
//! A partial body can remember what it is part of ([`PartialOrigin`]: the
//! URL and the server's validator), so that a resume can ask the server
//! whether the bytes kept still belong to the same representation
//! (`If-Range`) and start afresh when they do not.
//!
//! - [`DirStore`] (`dir/`): files in a directory, written atomically, with
//!   resumable partial files; safe against whatever else is in the directory
//!   (see its docs for the rules).
//! - [`HashStore`] (`hash.rs`): keeps only sizes and SHA-256s, for benches.
//! - [`PartialOrigin`] (`origin.rs`): what a partial body is part of.

mod dir;
mod hash;
mod origin;

use std::io;

pub use dir::{DirStore, Durability, Syncs};
pub use hash::{Digest256, HashStore, sha256_hex};
pub use origin::PartialOrigin;

use crate::job::{Job, is_plain_file_name};
use crate::outcome::{Failure, FailureKind};

/// Prefix of every file a [`DirStore`] writes besides finished files
/// (bodies in progress, kept partial bodies, their origin records); a job
/// name with this prefix is refused, so the two cannot be confused.
pub const TEMP_PREFIX: &str = ".fetchlab-";

/// What a store already holds for a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Presence {
    /// Nothing: download it.
    Absent,
    /// A complete file of this many bytes.
    Complete {
        /// Its size.
        bytes: u64,
    },
    /// The first `bytes` bytes of an interrupted download, kept for resume.
    Partial {
        /// How many bytes are kept.
        bytes: u64,
        /// What the bytes are part of, when that was recorded with
        /// [`Sink::set_origin`] and the record still matches the kept bytes.
        /// `None`: nothing (trustworthy) is known, so the bytes cannot be
        /// proven to belong to what the server sends now.
        origin: Option<PartialOrigin>,
    },
}

/// Somewhere bodies can be saved. Shared by all workers of a run.
pub trait Store: Send + Sync {
    /// A run over this store is starting: every downloader calls this once
    /// per run, before its first [`Store::check`]. A [`DirStore`] reads its
    /// directory's names here, so that `check` costs no system call for a
    /// name that is not there. Nothing, by default.
    fn run_starting(&self) {}

    /// What is there for `job` already. Fails with
    /// [`FailureKind::UnsafeName`] when the name would leave the store.
    fn check(&self, job: &Job) -> Result<Presence, Failure>;

    /// A sink for `job`'s whole body, replacing any partial one.
    fn begin(&self, job: &Job) -> Result<Box<dyn Sink>, Failure>;

    /// A sink that appends to the first `offset` bytes of a partial body
    /// (see [`Presence::Partial`]). Stores that keep no partial bodies
    /// refuse.
    fn resume(&self, job: &Job, offset: u64) -> Result<Box<dyn Sink>, Failure> {
        let _ = offset;
        Err(Failure::new(
            FailureKind::Io,
            format!("this store cannot resume {}", job.name()),
        ))
    }

    /// The directory this store saves into as files, and how durably, when
    /// it is one that another process can open and fill the same way
    /// ([`DirStore`]); `None` (the default) for a store that lives only in
    /// this process ([`HashStore`], a custom store). A strategy that runs
    /// child processes can only share a store that answers here.
    fn directory(&self) -> Option<(&std::path::Path, Durability)> {
        None
    }

    /// Whether saving a small body (opening its sink, writing it, and
    /// committing a body shorter than
    /// [`crate::backend::offload::BATCH_BYTES`]) costs
    /// less than handing it to another thread: the calls wait for no
    /// device and take no more CPU than a hand-off does, a few tens of µs
    /// at most. An async backend then saves such a body on its runtime
    /// thread rather than in its blocking pool (the rule and its
    /// measurements are in [`crate::backend::offload`]). `false` by
    /// default: a store that may wait (a sync, a network file system) or
    /// whose work grows past that keeps its runtime free. A [`HashStore`]
    /// says yes (SHA-256 in memory, under 40 µs for 64 KiB); a [`DirStore`]
    /// says yes only in its atomic mode on a memory file system (tmpfs,
    /// ramfs), and no on a disk even when it syncs nothing (on ext4 its
    /// calls waited in turn on the one runtime thread; the measurements
    /// are in the `offload` module).
    fn saves_small_bodies_quickly(&self) -> bool {
        false
    }
}

/// A body being written. Dropping it without [`Sink::commit`] or
/// [`Sink::keep_partial`] discards it.
pub trait Sink: Send {
    /// Appends a chunk of the body.
    fn write(&mut self, chunk: &[u8]) -> io::Result<()>;

    /// Records what this body is part of, so that a partial body kept with
    /// [`Sink::keep_partial`] is offered back with it
    /// ([`Presence::Partial::origin`]). Call it when the response's body
    /// starts. A resumed sink keeps the origin it was resumed with unless
    /// this replaces it. Stores that keep no partial bodies ignore it.
    fn set_origin(&mut self, origin: PartialOrigin) {
        let _ = origin;
    }

    /// Makes the body visible under the job's name; returns its size.
    fn commit(self: Box<Self>) -> io::Result<u64>;

    /// Keeps what was written as a partial body that a later attempt or
    /// run can resume. By default the body is discarded.
    fn keep_partial(self: Box<Self>) {}
}

pub(crate) fn refuse_unsafe(job: &Job) -> Result<(), Failure> {
    if is_plain_file_name(job.name()) && !job.name().starts_with(TEMP_PREFIX) {
        Ok(())
    } else {
        Err(Failure::new(
            FailureKind::UnsafeName,
            format!("refusing to save {:?}: not a plain file name", job.name()),
        ))
    }
}
