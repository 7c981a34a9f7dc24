//! [`DirHandle`]: the output directory, opened once, and the `*at` calls
//! the store makes relative to it. Every call names a single entry of the
//! directory (never a path with a `/`), never follows a symbolic link, and
//! never opens an existing entry for writing without checking what it is.

use std::fs::File;
use std::io;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

use rustix::fs::{AtFlags, FileType, Mode, OFlags, Stat};

use crate::store::TEMP_PREFIX;

/// Which file an entry is: device and inode. Two entries with the same id
/// are the same file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct FileId {
    pub dev: u64,
    pub ino: u64,
}

/// What an entry of the directory is, seen without following it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Entry {
    /// Nothing under that name.
    Missing,
    /// A regular file with exactly one link: only this directory names it.
    Own { id: FileId, bytes: u64 },
    /// A symbolic link.
    Symlink,
    /// A regular file that other names share (`nlink` of them).
    HardLinked { nlinks: u64 },
    /// A directory, FIFO, socket or device.
    Special,
}

/// The output directory, held open: entries are looked up in the directory
/// the store was made for, even if its path is later renamed or replaced.
#[derive(Debug)]
pub(super) struct DirHandle {
    fd: OwnedFd,
    path: PathBuf,
}

/// Flags for every open: no link followed, no controlling terminal, not
/// inherited, and no wait on a FIFO someone put in our place.
fn base_flags() -> OFlags {
    OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NOCTTY | OFlags::NONBLOCK
}

fn id_of(stat: &Stat) -> FileId {
    // `st_dev` and `st_ino` are unsigned on Linux; the casts only widen.
    #[allow(clippy::unnecessary_cast)]
    FileId {
        dev: stat.st_dev as u64,
        ino: stat.st_ino as u64,
    }
}

fn entry_of(stat: &Stat) -> Entry {
    #[allow(clippy::unnecessary_cast)] // `st_nlink` is u32 or u64 by target
    let nlinks = stat.st_nlink as u64;
    match FileType::from_raw_mode(stat.st_mode) {
        FileType::Symlink => Entry::Symlink,
        FileType::RegularFile if nlinks == 1 => Entry::Own {
            id: id_of(stat),
            // A regular file's size is never negative.
            bytes: u64::try_from(stat.st_size).unwrap_or(0),
        },
        FileType::RegularFile => Entry::HardLinked { nlinks },
        _ => Entry::Special,
    }
}

/// A fresh unpredictable name for a file in progress.
pub(super) fn temp_name() -> String {
    format!("{TEMP_PREFIX}{:032x}.tmp", rand::random::<u128>())
}

impl DirHandle {
    /// Opens `path` (created if missing) as a directory. The path itself is
    /// resolved as given, links included: it is the caller's choice.
    pub fn open(path: &Path) -> io::Result<Self> {
        std::fs::create_dir_all(path)?;
        let fd = rustix::fs::open(
            path,
            OFlags::DIRECTORY | OFlags::RDONLY | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        Ok(Self {
            fd,
            path: path.to_owned(),
        })
    }

    /// The path the directory was opened at (for messages).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What `name` is, without following it.
    pub fn entry(&self, name: &str) -> io::Result<Entry> {
        match rustix::fs::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(stat) => Ok(entry_of(&stat)),
            Err(rustix::io::Errno::NOENT) => Ok(Entry::Missing),
            Err(err) => Err(err.into()),
        }
    }

    /// Creates a new file under a fresh unpredictable name
    /// (`.fetchlab-<128 random bits>.tmp`) that nothing else can have
    /// prepared: `O_CREAT | O_EXCL` fails on any existing entry, a
    /// symbolic link included.
    pub fn create_temp(&self) -> io::Result<(File, String, FileId)> {
        loop {
            let name = temp_name();
            let flags = base_flags() | OFlags::CREATE | OFlags::EXCL | OFlags::RDWR;
            match rustix::fs::openat(&self.fd, name.as_str(), flags, Mode::from(0o666)) {
                Ok(fd) => {
                    let id = id_of(&rustix::fs::fstat(&fd)?);
                    return Ok((File::from(fd), name, id));
                }
                // Someone holds that name: draw another.
                Err(rustix::io::Errno::EXIST) => continue,
                Err(err) => return Err(err.into()),
            }
        }
    }

    /// Opens `name` for reading and writing if it is a regular file that
    /// only this directory names (one link), never following a link.
    pub fn open_own(&self, name: &str) -> io::Result<(File, FileId, u64)> {
        self.open_checked(name, OFlags::RDWR)
    }

    /// Opens `name` for reading under the same rules as
    /// [`DirHandle::open_own`].
    pub fn read_own(&self, name: &str) -> io::Result<(File, FileId, u64)> {
        self.open_checked(name, OFlags::RDONLY)
    }

    /// Opens `name` with `access`, never through a link, and checks on the
    /// open file (not the name, which may change meanwhile) that it is a
    /// regular file with one link.
    fn open_checked(&self, name: &str, access: OFlags) -> io::Result<(File, FileId, u64)> {
        let fd = rustix::fs::openat(&self.fd, name, base_flags() | access, Mode::empty()).map_err(
            |err| match err {
                rustix::io::Errno::LOOP => io::Error::other("it is a symbolic link"),
                err => err.into(),
            },
        )?;
        let file = File::from(fd);
        match entry_of(&rustix::fs::fstat(&file)?) {
            Entry::Own { id, bytes } => Ok((file, id, bytes)),
            Entry::HardLinked { nlinks } => Err(io::Error::other(format!(
                "it has {nlinks} hard links; only a file no one else names is used"
            ))),
            _ => Err(io::Error::other("it is not a regular file")),
        }
    }

    /// Renames entry `from` to `to`, atomically replacing whatever `to` was
    /// (a link at `to` is replaced, never followed), then checks that `to`
    /// is now the file `id`: if someone swapped `from` meanwhile, what was
    /// moved is removed again and the rename fails.
    pub fn rename_checked(&self, from: &str, to: &str, id: FileId) -> io::Result<()> {
        rustix::fs::renameat(&self.fd, from, &self.fd, to).map_err(|err| {
            io::Error::new(
                io::Error::from(err).kind(),
                format!("cannot rename {from} to {to}: {err}"),
            )
        })?;
        match self.entry(to)? {
            Entry::Own { id: now, .. } if now == id => Ok(()),
            _ => {
                self.remove(to);
                Err(io::Error::other(format!(
                    "{from} was replaced by someone else before it was renamed to {to}"
                )))
            }
        }
    }

    /// Removes entry `name` (a link is removed, not its target); a missing
    /// entry or a directory is left as it is.
    pub fn remove(&self, name: &str) {
        let _ = rustix::fs::unlinkat(&self.fd, name, AtFlags::empty());
    }

    /// Removes entry `name` only if it is still the file `id`.
    pub fn remove_if(&self, name: &str, id: FileId) {
        if matches!(self.entry(name), Ok(Entry::Own { id: now, .. }) if now == id) {
            self.remove(name);
        }
    }
}
