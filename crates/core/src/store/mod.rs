//! Where bodies go.
//!
//! A [`Store`] is asked first what it holds for a job ([`Store::check`]),
//! then for a [`Sink`] to stream the body into: [`Store::begin`] for a
//! whole body, [`Store::resume`] to append to a partial one. Nothing is
//! visible under a job's name until [`Sink::commit`], so a file under its
//! final name is either whole or absent.
//!
//! - [`DirStore`] (`dir.rs`): files in a directory, written atomically, with
//!   resumable partial files.
//! - [`HashStore`] (`hash.rs`): keeps only sizes and SHA-256s, for benches.

mod dir;
mod hash;

use std::io;

pub use dir::DirStore;
pub use hash::{Digest256, HashStore, sha256_hex};

use crate::job::{Job, is_plain_file_name};
use crate::outcome::{Failure, FailureKind};

/// Prefix of the partial files a [`DirStore`] writes; final names never
/// start with a dot (see [`Job::from_url`]), so the two cannot be confused.
pub const TEMP_PREFIX: &str = ".fetchlab-";

/// What a store already holds for a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    },
}

/// Somewhere bodies can be saved. Shared by all workers of a run.
pub trait Store: Send + Sync {
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
}

/// A body being written. Dropping it without [`Sink::commit`] or
/// [`Sink::keep_partial`] discards it.
pub trait Sink: Send {
    /// Appends a chunk of the body.
    fn write(&mut self, chunk: &[u8]) -> io::Result<()>;

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
