//! Where bodies go.
//!
//! A [`Store`] is asked first whether a job's file is already there
//! ([`Store::check`]), then for a [`Sink`] to stream the body into
//! ([`Store::begin`]). A sink that is dropped without [`Sink::commit`] leaves
//! nothing behind, so a file under its final name is either whole or absent.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::job::{Job, is_plain_file_name};
use crate::outcome::{Failure, FailureKind};

/// Prefix of the temporary files a [`DirStore`] writes; final names never
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
}

/// Somewhere bodies can be saved. Shared by all workers of a run.
pub trait Store: Send + Sync {
    /// What is there for `job` already. Fails with
    /// [`FailureKind::UnsafeName`] when the name would leave the store.
    fn check(&self, job: &Job) -> Result<Presence, Failure>;

    /// A sink for `job`'s body. Nothing is visible under the job's name
    /// until the sink is committed.
    fn begin(&self, job: &Job) -> Result<Box<dyn Sink>, Failure>;
}

/// A body being written. Dropping it without [`Sink::commit`] discards it.
pub trait Sink: Send {
    /// Appends a chunk of the body.
    fn write(&mut self, chunk: &[u8]) -> io::Result<()>;

    /// Makes the body visible under the job's name; returns its size.
    fn commit(self: Box<Self>) -> io::Result<u64>;
}

fn refuse_unsafe(job: &Job) -> Result<(), Failure> {
    if is_plain_file_name(job.name()) && !job.name().starts_with(TEMP_PREFIX) {
        Ok(())
    } else {
        Err(Failure::new(
            FailureKind::UnsafeName,
            format!("refusing to save {:?}: not a plain file name", job.name()),
        ))
    }
}

fn io_failure(what: &str, path: &Path, err: &io::Error) -> Failure {
    Failure::new(FailureKind::Io, format!("{what} {}: {err}", path.display()))
}

/// Saves each body as a file in one directory, atomically: the body streams
/// into a hidden temporary file in the same directory and is renamed into
/// place only when complete.
#[derive(Debug, Clone)]
pub struct DirStore {
    dir: PathBuf,
    durable: bool,
}

impl DirStore {
    /// A store in `dir`, created if missing. Fails now, before any download,
    /// when the directory cannot be created or written.
    pub fn new(dir: impl Into<PathBuf>) -> Result<Self, Error> {
        let dir = dir.into();
        let store_error = |source| Error::Store {
            path: dir.clone(),
            source,
        };
        std::fs::create_dir_all(&dir).map_err(store_error)?;
        tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .tempfile_in(&dir)
            .map_err(store_error)?;
        Ok(Self {
            dir,
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

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where `job` ends up.
    pub fn path_of(&self, job: &Job) -> PathBuf {
        self.dir.join(job.name())
    }
}

impl Store for DirStore {
    fn check(&self, job: &Job) -> Result<Presence, Failure> {
        refuse_unsafe(job)?;
        let path = self.path_of(job);
        match std::fs::metadata(&path) {
            Ok(meta) if meta.is_file() => Ok(Presence::Complete { bytes: meta.len() }),
            Ok(_) => Err(Failure::new(
                FailureKind::Io,
                format!("{} exists and is not a file", path.display()),
            )),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(Presence::Absent),
            Err(err) => Err(io_failure("cannot inspect", &path, &err)),
        }
    }

    fn begin(&self, job: &Job) -> Result<Box<dyn Sink>, Failure> {
        refuse_unsafe(job)?;
        let temp = tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .suffix(".part")
            .tempfile_in(&self.dir)
            .map_err(|e| io_failure("cannot create a temporary file in", &self.dir, &e))?;
        Ok(Box::new(DirSink {
            writer: io::BufWriter::with_capacity(64 * 1024, temp),
            target: self.path_of(job),
            durable: self.durable,
        }))
    }
}

struct DirSink {
    writer: io::BufWriter<tempfile::NamedTempFile>,
    target: PathBuf,
    durable: bool,
}

impl Sink for DirSink {
    fn write(&mut self, chunk: &[u8]) -> io::Result<()> {
        self.writer.write_all(chunk)
    }

    fn commit(self: Box<Self>) -> io::Result<u64> {
        let temp = self.writer.into_inner().map_err(io::IntoInnerError::into_error)?;
        let file: &File = temp.as_file();
        if self.durable {
            file.sync_all()?;
        }
        let bytes = file.metadata()?.len();
        temp.persist(&self.target).map_err(|e| e.error)?;
        Ok(bytes)
    }
}

/// A body's size and SHA-256, as hex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest256 {
    /// Size in bytes.
    pub bytes: u64,
    /// Lower-case hex SHA-256.
    pub sha256: String,
}

/// Keeps no bodies, only their size and SHA-256: measures the network
/// without the disk, and still lets every body be verified.
#[derive(Debug, Default, Clone)]
pub struct HashStore {
    digests: Arc<Mutex<HashMap<String, Digest256>>>,
}

impl HashStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The digest of the body committed under `name`, if any.
    pub fn digest(&self, name: &str) -> Option<Digest256> {
        self.lock().get(name).cloned()
    }

    /// How many bodies were committed.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no body was committed.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Digest256>> {
        lock_digests(&self.digests)
    }
}

fn lock_digests(
    digests: &Mutex<HashMap<String, Digest256>>,
) -> std::sync::MutexGuard<'_, HashMap<String, Digest256>> {
    // A panic while holding the lock cannot leave the map half-updated
    // (one insert), so a poisoned lock is still usable.
    digests.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Store for HashStore {
    fn check(&self, job: &Job) -> Result<Presence, Failure> {
        refuse_unsafe(job).map(|()| Presence::Absent)
    }

    fn begin(&self, job: &Job) -> Result<Box<dyn Sink>, Failure> {
        refuse_unsafe(job)?;
        Ok(Box::new(HashSink {
            digests: Arc::clone(&self.digests),
            name: job.name().to_owned(),
            hasher: Sha256::new(),
            bytes: 0,
        }))
    }
}

struct HashSink {
    digests: Arc<Mutex<HashMap<String, Digest256>>>,
    name: String,
    hasher: Sha256,
    bytes: u64,
}

impl Sink for HashSink {
    fn write(&mut self, chunk: &[u8]) -> io::Result<()> {
        self.hasher.update(chunk);
        self.bytes += chunk.len() as u64;
        Ok(())
    }

    fn commit(self: Box<Self>) -> io::Result<u64> {
        let digest = Digest256 {
            bytes: self.bytes,
            sha256: hex::encode(self.hasher.finalize()),
        };
        lock_digests(&self.digests).insert(self.name, digest);
        Ok(self.bytes)
    }
}

/// The SHA-256 of `bytes` as lower-case hex, as [`HashStore`] records it.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(files_in(dir.path()).iter().all(|n| n.starts_with(TEMP_PREFIX)));
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
        assert!(err.to_string().contains("cannot use output directory"), "{err}");
    }

    #[test]
    fn hash_store_records_digests() {
        let store = HashStore::new();
        let job = Job::with_name("http://127.0.0.1/a", "a");
        let mut sink = store.begin(&job).unwrap();
        sink.write(b"ab").unwrap();
        sink.write(b"c").unwrap();
        sink.commit().unwrap();
        let digest = store.digest("a").unwrap();
        assert_eq!(digest.bytes, 3);
        assert_eq!(digest.sha256, sha256_hex(b"abc"));
    }
}
