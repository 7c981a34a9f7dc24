//! [`DirStore`]: files in one directory, written atomically, resumable.
//!
//! A body streams into `.fetchlab-<name>.partial` next to its final place
//! and is renamed to `<name>` only when complete. A dropped sink removes its
//! partial file, unless it was kept with [`Sink::keep_partial`] (a large body
//! cut off by a transient failure or a cancel), in which case a later
//! attempt or run resumes it ([`Store::resume`]). The partial name starts
//! with a dot, which no final name does, so the two cannot be confused.
//!
//! Two processes downloading the same name into the same directory at once
//! share one partial file; run one at a time per directory.

use std::fs::{File, OpenOptions};
use std::io::{self, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::{Presence, Sink, Store, TEMP_PREFIX, refuse_unsafe};
use crate::error::Error;
use crate::job::Job;
use crate::outcome::{Failure, FailureKind};

/// Saves each body as a file in one directory, atomically.
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

    /// Where `job`'s body is written until it is complete.
    pub fn partial_path_of(&self, job: &Job) -> PathBuf {
        self.dir
            .join(format!("{TEMP_PREFIX}{}.partial", job.name()))
    }

    fn sink(&self, job: &Job, file: File) -> Box<dyn Sink> {
        Box::new(DirSink {
            writer: Some(io::BufWriter::with_capacity(64 * 1024, file)),
            partial: self.partial_path_of(job),
            target: self.path_of(job),
            durable: self.durable,
            settled: false,
        })
    }
}

fn io_failure(what: &str, path: &Path, err: &io::Error) -> Failure {
    Failure::new(FailureKind::Io, format!("{what} {}: {err}", path.display()))
}

fn size_of_file(path: &Path) -> Result<Option<u64>, Failure> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => Ok(Some(meta.len())),
        Ok(_) => Err(Failure::new(
            FailureKind::Io,
            format!("{} exists and is not a file", path.display()),
        )),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(io_failure("cannot inspect", path, &err)),
    }
}

impl Store for DirStore {
    fn check(&self, job: &Job) -> Result<Presence, Failure> {
        refuse_unsafe(job)?;
        if let Some(bytes) = size_of_file(&self.path_of(job))? {
            return Ok(Presence::Complete { bytes });
        }
        Ok(match size_of_file(&self.partial_path_of(job))? {
            Some(bytes) if bytes > 0 => Presence::Partial { bytes },
            _ => Presence::Absent,
        })
    }

    fn begin(&self, job: &Job) -> Result<Box<dyn Sink>, Failure> {
        refuse_unsafe(job)?;
        let path = self.partial_path_of(job);
        let file = File::create(&path).map_err(|e| io_failure("cannot create", &path, &e))?;
        Ok(self.sink(job, file))
    }

    fn resume(&self, job: &Job, offset: u64) -> Result<Box<dyn Sink>, Failure> {
        refuse_unsafe(job)?;
        let path = self.partial_path_of(job);
        let open = || -> io::Result<File> {
            let mut file = OpenOptions::new().write(true).open(&path)?;
            if file.metadata()?.len() < offset {
                return Err(io::Error::other(format!("shorter than {offset} bytes")));
            }
            file.set_len(offset)?;
            file.seek(SeekFrom::Start(offset))?;
            Ok(file)
        };
        let file = open().map_err(|e| io_failure("cannot resume", &path, &e))?;
        Ok(self.sink(job, file))
    }
}

/// A body on its way into a [`DirStore`]. Removes its partial file when
/// dropped, unless committed or kept.
struct DirSink {
    /// `None` once committed or kept.
    writer: Option<io::BufWriter<File>>,
    partial: PathBuf,
    target: PathBuf,
    durable: bool,
    /// Committed or kept: the partial file is no longer ours to remove.
    settled: bool,
}

fn closed() -> io::Error {
    io::Error::other("sink already closed")
}

impl Sink for DirSink {
    fn write(&mut self, chunk: &[u8]) -> io::Result<()> {
        self.writer.as_mut().ok_or_else(closed)?.write_all(chunk)
    }

    fn commit(mut self: Box<Self>) -> io::Result<u64> {
        let writer = self.writer.take().ok_or_else(closed)?;
        let file = writer
            .into_inner()
            .map_err(io::IntoInnerError::into_error)?;
        if self.durable {
            file.sync_all()?;
        }
        let bytes = file.metadata()?.len();
        drop(file);
        // On error, Drop removes the partial file.
        std::fs::rename(&self.partial, &self.target)?;
        self.settled = true;
        Ok(bytes)
    }

    fn keep_partial(mut self: Box<Self>) {
        let flushed = self.writer.take().is_some_and(|mut w| w.flush().is_ok());
        // When the flush failed, what reached the disk is unknown: Drop then
        // removes the file rather than offer it for resume.
        self.settled = flushed;
    }
}

impl Drop for DirSink {
    fn drop(&mut self) {
        if !self.settled {
            drop(self.writer.take());
            let _ = std::fs::remove_file(&self.partial);
        }
    }
}

#[cfg(test)]
mod tests;
