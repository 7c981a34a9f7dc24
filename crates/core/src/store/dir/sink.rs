//! [`DirSink`]: a body on its way into a [`super::DirStore`], in a file of
//! its own that no one else can reach: unnamed, or under a name no one else
//! knows.

use std::fs::File;
use std::io::{self, Seek, SeekFrom, Write};
use std::sync::Arc;

use super::handle::{DirHandle, Place, file_id, temp_name};
use super::{Durability, partial_name_of, sidecar};
use crate::store::{PartialOrigin, Sink};

/// A file the sink owns: open, and where it is in the directory.
pub(super) struct Opened {
    file: File,
    place: Place,
    /// Bytes already in it.
    len: u64,
}

impl Opened {
    /// A new, empty file.
    pub fn fresh(dir: &DirHandle) -> io::Result<Self> {
        let (file, place) = dir.create_body()?;
        Ok(Self {
            file,
            place,
            len: 0,
        })
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
        let place = Place::Named { name, id };
        Ok((
            Self {
                file,
                place,
                len: offset,
            },
            recorded,
        ))
    }
}

/// What a sink gathers before it writes. Small chunks (a trickling server,
/// a chunked body) reach the file in writes of this size; a chunk at least
/// this large, what hyper and ureq hand over from a fast connection, goes
/// to the file straight from the library's buffer. A 64 KiB buffer copied
/// every body once more before the write (about 2 % of tokio's CPU saving
/// 1,000 small files into tmpfs, `perf`), and it saved no write: bodies of
/// the seed's size mostly arrive in one or two chunks.
const WRITE_BUFFER: usize = 8 * 1024;

/// A body on its way into a [`super::DirStore`]. Its file disappears when
/// the sink is dropped, unless committed or kept.
pub(super) struct DirSink {
    dir: Arc<DirHandle>,
    /// The job's name: where the body goes when complete.
    target: String,
    /// `None` once committed or kept.
    writer: Option<io::BufWriter<File>>,
    /// Where the file is in the directory.
    place: Place,
    /// Bytes in the file, counting those still buffered.
    len: u64,
    origin: Option<PartialOrigin>,
    durability: Durability,
    /// Committed or kept: the file is no longer ours to remove.
    settled: bool,
}

impl DirSink {
    pub fn new(
        dir: Arc<DirHandle>,
        target: String,
        opened: Opened,
        origin: Option<PartialOrigin>,
        durability: Durability,
    ) -> Self {
        Self {
            dir,
            target,
            writer: Some(io::BufWriter::with_capacity(WRITE_BUFFER, opened.file)),
            place: opened.place,
            len: opened.len,
            origin,
            durability,
            settled: false,
        }
    }

    /// Flushes the body to the disk first, if the durability asks for it,
    /// then names it `to`; then flushes the directory, if asked.
    fn settle_as(&self, file: &File, to: &str) -> io::Result<()> {
        let durable = self.durability == Durability::Durable;
        if durable {
            self.dir.sync_file(file)?;
        }
        self.dir.name_body(file, &self.place, to)?;
        if durable {
            self.dir.sync_dir()?;
        }
        Ok(())
    }
}

fn closed() -> io::Error {
    io::Error::other("sink already closed")
}

impl Sink for DirSink {
    fn write(&mut self, chunk: &[u8]) -> io::Result<()> {
        self.writer.as_mut().ok_or_else(closed)?.write_all(chunk)?;
        self.len += chunk.len() as u64;
        Ok(())
    }

    fn set_origin(&mut self, origin: PartialOrigin) {
        self.origin = Some(origin);
    }

    fn commit(mut self: Box<Self>) -> io::Result<u64> {
        let writer = self.writer.take().ok_or_else(closed)?;
        let file = writer
            .into_inner()
            .map_err(io::IntoInnerError::into_error)?;
        // On error, Drop removes the file if it is still ours and named.
        self.settle_as(&file, &self.target)?;
        self.settled = true;
        Ok(self.len)
    }

    fn keep_partial(mut self: Box<Self>) {
        let Some(mut writer) = self.writer.take() else {
            return;
        };
        // When the flush fails, what reached the disk is unknown: Drop then
        // removes the file rather than offer it for resume.
        if writer.flush().is_err() {
            return;
        }
        let file = writer.get_ref();
        let bound = match (&self.origin, &self.place) {
            (None, _) => None,
            (Some(_), Place::Named { id, .. }) => sidecar::Bound::of(file, *id, self.len).ok(),
            (Some(_), Place::Unnamed) => file_id(file)
                .and_then(|id| sidecar::Bound::of(file, id, self.len))
                .ok(),
        };
        let partial = partial_name_of(&self.target);
        let origin = super::origin_name_of(&self.target);
        let kept = self.settle_as(file, &partial);
        drop(writer);
        if kept.is_err() {
            // Not kept (a directory at that name, a swapped file): what was
            // ours is gone or left to Drop; no record for it either.
            self.dir.remove(&origin);
            return;
        }
        self.settled = true;
        match (&self.origin, bound) {
            (Some(recorded), Some(bound)) => sidecar::write(&self.dir, &origin, recorded, &bound),
            _ => {
                self.dir.remove(&origin);
            }
        }
    }
}

impl Drop for DirSink {
    fn drop(&mut self) {
        if !self.settled {
            drop(self.writer.take());
            // An unnamed file vanishes with its last descriptor.
            if let Place::Named { name, id } = &self.place {
                self.dir.remove_if(name, *id);
            }
        }
    }
}
