//! [`DirSink`]: a body on its way into a [`super::DirStore`], in a file of
//! its own under a name no one else knows.

use std::fs::File;
use std::io::{self, Seek, SeekFrom, Write};
use std::sync::Arc;

use super::handle::{DirHandle, FileId, temp_name};
use super::sidecar;
use super::{TEMP_PREFIX, partial_name_of};
use crate::store::{PartialOrigin, Sink};

/// A file the sink owns: open, and under `name` in the directory.
pub(super) struct Opened {
    file: File,
    name: String,
    id: FileId,
}

impl Opened {
    /// A new, empty file.
    pub fn fresh(dir: &DirHandle) -> io::Result<Self> {
        let (file, name, id) = dir.create_temp()?;
        Ok(Self { file, name, id })
    }

    /// Takes over the kept partial body `partial`: opens it (only a regular
    /// file with one link, never through a link), reads its origin record
    /// `origin`, moves it to a name of its own (checked), and cuts it to
    /// `offset` bytes, ready to append.
    pub fn claim(
        dir: &DirHandle,
        partial: &str,
        origin: &str,
        offset: u64,
    ) -> io::Result<(Self, Option<PartialOrigin>)> {
        let (mut file, id, bytes) = dir.open_own(partial)?;
        if bytes < offset {
            return Err(io::Error::other(format!(
                "it holds {bytes} bytes, fewer than {offset}"
            )));
        }
        let recorded = sidecar::read(dir, origin, &file, id, bytes);
        dir.remove(origin);
        let name = temp_name();
        dir.rename_checked(partial, &name, id)?;
        let cut = file
            .set_len(offset)
            .and_then(|()| file.seek(SeekFrom::Start(offset)));
        if let Err(err) = cut {
            dir.remove_if(&name, id);
            return Err(err);
        }
        Ok((Self { file, name, id }, recorded))
    }
}

/// A body on its way into a [`super::DirStore`]. Removes its file when
/// dropped, unless committed or kept.
pub(super) struct DirSink {
    dir: Arc<DirHandle>,
    /// The job's name: where the body goes when complete.
    target: String,
    /// `None` once committed or kept.
    writer: Option<io::BufWriter<File>>,
    /// The file's current name in the directory.
    temp: String,
    id: FileId,
    origin: Option<PartialOrigin>,
    durable: bool,
    /// Committed or kept: the file is no longer ours to remove.
    settled: bool,
}

impl DirSink {
    pub fn new(
        dir: Arc<DirHandle>,
        target: String,
        opened: Opened,
        origin: Option<PartialOrigin>,
        durable: bool,
    ) -> Self {
        debug_assert!(opened.name.starts_with(TEMP_PREFIX));
        Self {
            dir,
            target,
            writer: Some(io::BufWriter::with_capacity(64 * 1024, opened.file)),
            temp: opened.name,
            id: opened.id,
            origin,
            durable,
            settled: false,
        }
    }
}

fn closed() -> io::Error {
    io::Error::other("sink already closed")
}

impl Sink for DirSink {
    fn write(&mut self, chunk: &[u8]) -> io::Result<()> {
        self.writer.as_mut().ok_or_else(closed)?.write_all(chunk)
    }

    fn set_origin(&mut self, origin: PartialOrigin) {
        self.origin = Some(origin);
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
        // On error, Drop removes the file if it is still ours.
        self.dir.rename_checked(&self.temp, &self.target, self.id)?;
        self.settled = true;
        Ok(bytes)
    }

    fn keep_partial(mut self: Box<Self>) {
        let Some(mut writer) = self.writer.take() else {
            return;
        };
        // When the flush fails, what reached the disk is unknown: Drop then
        // removes the file rather than offer it for resume.
        let Ok(bytes) = writer
            .flush()
            .and_then(|()| writer.get_ref().metadata())
            .map(|meta| meta.len())
        else {
            return;
        };
        let bound = match &self.origin {
            Some(_) => sidecar::Bound::of(writer.get_ref(), self.id, bytes).ok(),
            None => None,
        };
        drop(writer);
        let partial = partial_name_of(&self.target);
        let origin = super::origin_name_of(&self.target);
        // Settled either way: kept, or given up (below).
        self.settled = true;
        if self
            .dir
            .rename_checked(&self.temp, &partial, self.id)
            .is_err()
        {
            // Not kept: if the rename failed (a directory at that name), the
            // file is still ours under its own name; if what was renamed was
            // not ours, it was removed and ours is gone.
            self.dir.remove_if(&self.temp, self.id);
            self.dir.remove(&origin);
            return;
        }
        match (&self.origin, bound) {
            (Some(recorded), Some(bound)) => sidecar::write(&self.dir, &origin, recorded, &bound),
            _ => self.dir.remove(&origin),
        }
    }
}

impl Drop for DirSink {
    fn drop(&mut self) {
        if !self.settled {
            drop(self.writer.take());
            self.dir.remove_if(&self.temp, self.id);
        }
    }
}
