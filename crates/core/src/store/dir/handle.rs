//! [`DirHandle`]: the output directory, opened once, and the `*at` calls
//! the store makes relative to it. Every call names a single entry of the
//! directory (never a path with a `/`), never follows a symbolic link, and
//! never opens an existing entry for writing without checking what it is.
//!
//! Where the file system allows it (Linux: ext4, xfs, btrfs, tmpfs …), a
//! body is written into an *unnamed* file (`O_TMPFILE`) and given its name
//! with one `linkat` when complete: until then the directory holds no entry
//! for it at all, so nothing can swap it, and a killed process leaves
//! nothing behind (the kernel frees an unnamed file when its last
//! descriptor closes). Elsewhere a body gets a fresh unpredictable name and
//! is renamed. [`DirHandle::open`] finds out which, once.
//!
//! The handle also counts the syncs it makes ([`Syncs`]), so that tests can
//! check what each [`super::Durability`] does without timing anything.
//!
//! When a run starts ([`DirHandle::relist`]) it reads the directory's
//! names, and it adds every name it gives a file ([`DirHandle::may_hold`]):
//! a name in neither list needs no lookup to be known absent — unless
//! another process made it meanwhile, which the store's docs cover.

use std::collections::HashSet;
use std::fs::File;
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

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

/// How many syncs a store made: files (`fsync` of a body before it is
/// named) and directories (`fsync` of the directory after names changed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Syncs {
    /// `fsync` calls on bodies.
    pub files: u64,
    /// `fsync` calls on the directory.
    pub dirs: u64,
}

#[derive(Debug, Default)]
struct SyncCounter {
    files: AtomicU64,
    dirs: AtomicU64,
}

/// How an unnamed file is given a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LinkVia {
    /// `linkat(fd, "", dir, name, AT_EMPTY_PATH)`.
    EmptyPath,
    /// `linkat(AT_FDCWD, "/proc/self/fd/<fd>", dir, name, AT_SYMLINK_FOLLOW)`,
    /// as `open(2)` documents for `O_TMPFILE` (for kernels that reserve
    /// `AT_EMPTY_PATH` to privileged callers).
    ProcFd,
}

/// Where a body in progress lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Place {
    /// In an unnamed file: no entry in the directory yet.
    Unnamed,
    /// Under a name of its own (`.fetchlab-….tmp`), as this file.
    Named { name: String, id: FileId },
}

/// The output directory, held open: entries are looked up in the directory
/// the store was made for, even if its path is later renamed or replaced.
#[derive(Debug)]
pub(super) struct DirHandle {
    fd: OwnedFd,
    path: PathBuf,
    /// `Some` when bodies are written into unnamed files.
    unnamed: Option<LinkVia>,
    /// Whether the directory is on a file system that lives in memory
    /// (tmpfs, ramfs): see [`DirHandle::in_memory`].
    in_memory: bool,
    syncs: SyncCounter,
    names: Mutex<Names>,
}

/// What the handle knows of the directory's names.
#[derive(Debug, Default)]
struct Names {
    /// The names the directory held at the last [`DirHandle::relist`];
    /// `None` before one, or when the directory held more than
    /// [`LISTED_MAX`] entries or could not be read: then any name may be
    /// there.
    listed: Option<HashSet<Box<str>>>,
    /// Every name this handle has given a file (kept before the first
    /// listing too, so that one read while a file is being named misses
    /// none).
    written: HashSet<Box<str>>,
}

impl Names {
    fn may_hold(&self, name: &str) -> bool {
        self.listed
            .as_ref()
            .is_none_or(|listed| listed.contains(name) || self.written.contains(name))
    }

    /// Forgets the listing once the names kept pass [`LISTED_MAX`].
    fn bound(&mut self) {
        let kept = self.listed.as_ref().map_or(0, HashSet::len) + self.written.len();
        if kept > LISTED_MAX {
            *self = Names::default();
        }
    }
}

/// Most names a handle keeps (a few MiB): a larger directory is not
/// listed, and every name is looked up.
const LISTED_MAX: usize = 100_000;

/// The names in the directory open as `fd` (those that are UTF-8: a job's
/// name always is), or `None` when there are more than `max` entries or
/// the directory cannot be read.
pub(super) fn list_names(fd: &OwnedFd, max: usize) -> Option<HashSet<Box<str>>> {
    let mut names = HashSet::new();
    for entry in rustix::fs::Dir::read_from(fd).ok()? {
        let entry = entry.ok()?;
        if names.len() == max {
            return None;
        }
        if let Ok(name) = entry.file_name().to_str()
            && name != "."
            && name != ".."
        {
            names.insert(name.into());
        }
    }
    Some(names)
}

/// `f_type` of tmpfs (`TMPFS_MAGIC` in `linux/magic.h`).
#[cfg(any(target_os = "linux", target_os = "android"))]
const TMPFS_MAGIC: u32 = 0x0102_1994;

/// `f_type` of ramfs (`RAMFS_MAGIC` in `linux/magic.h`).
#[cfg(any(target_os = "linux", target_os = "android"))]
const RAMFS_MAGIC: u32 = 0x8584_58f6;

/// Whether the directory open as `fd` is on tmpfs or ramfs (`fstatfs`).
/// A failing `fstatfs` answers no: the store then keeps the cautious path.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn on_memory_file_system(fd: &OwnedFd) -> bool {
    rustix::fs::fstatfs(fd).is_ok_and(|stat| {
        // The magic numbers are 32 bits; `f_type` is a signed word (32 or
        // 64 bits), so only its low 32 bits are compared.
        let magic = stat.f_type as u32;
        magic == TMPFS_MAGIC || magic == RAMFS_MAGIC
    })
}

/// Elsewhere no file system is taken for one in memory.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn on_memory_file_system(_fd: &OwnedFd) -> bool {
    false
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

/// Which file the open `file` is.
pub(super) fn file_id(file: &File) -> io::Result<FileId> {
    Ok(id_of(&rustix::fs::fstat(file)?))
}

/// A fresh unpredictable name for a file in progress.
pub(super) fn temp_name() -> String {
    format!("{TEMP_PREFIX}{:032x}.tmp", rand::random::<u128>())
}

impl DirHandle {
    /// Opens `path` (created if missing) as a directory and checks that
    /// files can be created in it. The path itself is resolved as given,
    /// links included: it is the caller's choice. With `allow_unnamed`,
    /// bodies go into unnamed files where the file system allows it.
    pub fn open(path: &Path, allow_unnamed: bool) -> io::Result<Self> {
        std::fs::create_dir_all(path)?;
        let fd = rustix::fs::open(
            path,
            OFlags::DIRECTORY | OFlags::RDONLY | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        let in_memory = on_memory_file_system(&fd);
        let mut dir = Self {
            fd,
            path: path.to_owned(),
            unnamed: None,
            in_memory,
            syncs: SyncCounter::default(),
            names: Mutex::default(),
        };
        if allow_unnamed {
            dir.unnamed = dir.probe_unnamed();
        }
        if dir.unnamed.is_none() {
            let (probe, name, _) = dir.create_temp()?;
            drop(probe);
            dir.remove(&name);
        }
        Ok(dir)
    }

    /// Whether (and how) an unnamed file can be created here and named:
    /// tries it once with a throwaway file.
    fn probe_unnamed(&self) -> Option<LinkVia> {
        let file = self.create_unnamed().ok()?;
        [LinkVia::EmptyPath, LinkVia::ProcFd]
            .into_iter()
            .find(|&via| {
                let name = temp_name();
                let linked = link(&file, via, &self.fd, &name).is_ok();
                if linked {
                    self.remove(&name);
                }
                linked
            })
    }

    /// A new file with no name in the directory (`O_TMPFILE`).
    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn create_unnamed(&self) -> io::Result<File> {
        let flags = OFlags::TMPFILE | OFlags::RDWR | OFlags::CLOEXEC;
        Ok(File::from(rustix::fs::openat(
            &self.fd,
            ".",
            flags,
            Mode::from(0o666),
        )?))
    }

    /// No unnamed files on this system.
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    fn create_unnamed(&self) -> io::Result<File> {
        Err(io::ErrorKind::Unsupported.into())
    }

    /// A new file for a body: unnamed where possible, else under a fresh
    /// unpredictable name (see [`DirHandle::create_temp`]).
    pub fn create_body(&self) -> io::Result<(File, Place)> {
        if self.unnamed.is_some() {
            return Ok((self.create_unnamed()?, Place::Unnamed));
        }
        let (file, name, id) = self.create_temp()?;
        Ok((file, Place::Named { name, id }))
    }

    /// Gives the body `file`, now at `place`, the name `to`, replacing
    /// whatever `to` was without following it. An unnamed file is linked
    /// in with one call when `to` is free; otherwise (or for a named file)
    /// it is renamed, checked (see [`DirHandle::rename_checked`]). On
    /// failure, no name of the body's is left in the directory.
    pub fn name_body(&self, file: &File, place: &Place, to: &str) -> io::Result<()> {
        match place {
            Place::Named { name, id } => self.rename_checked(name, to, *id),
            Place::Unnamed => {
                self.note(to);
                // `unnamed` is set whenever a body is unnamed (create_body).
                let via = self.unnamed.unwrap_or(LinkVia::ProcFd);
                match link(file, via, &self.fd, to) {
                    Ok(()) => Ok(()),
                    Err(rustix::io::Errno::EXIST) => {
                        // `to` is taken: link under a fresh name, then
                        // rename over it.
                        let id = file_id(file)?;
                        let temp = loop {
                            let temp = temp_name();
                            match link(file, via, &self.fd, &temp) {
                                Ok(()) => break temp,
                                Err(rustix::io::Errno::EXIST) => continue,
                                Err(err) => return Err(err.into()),
                            }
                        };
                        self.rename_checked(&temp, to, id).inspect_err(|_| {
                            self.remove_if(&temp, id);
                        })
                    }
                    Err(err) => Err(io::Error::new(
                        io::Error::from(err).kind(),
                        format!("cannot name the file {to}: {err}"),
                    )),
                }
            }
        }
    }

    /// Flushes `file` to the disk, counted.
    pub fn sync_file(&self, file: &File) -> io::Result<()> {
        self.syncs.files.fetch_add(1, Ordering::Relaxed);
        rustix::fs::fsync(file)?;
        Ok(())
    }

    /// Flushes the directory's entries to the disk, counted.
    pub fn sync_dir(&self) -> io::Result<()> {
        self.syncs.dirs.fetch_add(1, Ordering::Relaxed);
        rustix::fs::fsync(&self.fd)?;
        Ok(())
    }

    /// The syncs made so far.
    pub fn syncs(&self) -> Syncs {
        Syncs {
            files: self.syncs.files.load(Ordering::Relaxed),
            dirs: self.syncs.dirs.load(Ordering::Relaxed),
        }
    }

    /// Whether bodies go into unnamed files.
    #[cfg(test)]
    pub fn writes_unnamed(&self) -> bool {
        self.unnamed.is_some()
    }

    /// Whether the directory is on a file system held in memory (tmpfs,
    /// ramfs, found with `fstatfs` when the directory was opened): there
    /// creating, writing and naming a file wait for no device, and a sync
    /// has nothing to flush.
    pub fn in_memory(&self) -> bool {
        self.in_memory
    }

    /// The path the directory was opened at (for messages).
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn names(&self) -> std::sync::MutexGuard<'_, Names> {
        self.names.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Reads the directory's names (a run is starting), adding them to those
    /// already known; names are never dropped, so a run under way on the
    /// same handle loses none of its own.
    pub fn relist(&self) {
        let found = list_names(&self.fd, LISTED_MAX);
        let mut names = self.names();
        match (found, &mut names.listed) {
            (Some(found), Some(listed)) => listed.extend(found),
            // The first listing: what this handle wrote before it is in it.
            (Some(found), listed @ None) => *listed = Some(found),
            (None, _) => *names = Names::default(),
        }
        names.bound();
    }

    /// Whether the directory may hold `name`: it did at the last
    /// [`DirHandle::relist`], or this handle has given a file that name
    /// since, or it was never listed. `false` means absent as far as this
    /// process knows, without a lookup.
    pub fn may_hold(&self, name: &str) -> bool {
        self.names().may_hold(name)
    }

    /// Records that this handle gives a file the name `name`; called before
    /// the name is made, so that [`DirHandle::may_hold`] never misses it.
    fn note(&self, name: &str) {
        let mut names = self.names();
        if !names.written.contains(name) {
            names.written.insert(name.into());
            names.bound();
        }
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
        self.note(to);
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
    /// entry or a directory is left as it is. Says whether an entry was
    /// removed.
    pub fn remove(&self, name: &str) -> bool {
        rustix::fs::unlinkat(&self.fd, name, AtFlags::empty()).is_ok()
    }

    /// Removes entry `name` only if it is still the file `id`.
    pub fn remove_if(&self, name: &str, id: FileId) {
        if matches!(self.entry(name), Ok(Entry::Own { id: now, .. }) if now == id) {
            self.remove(name);
        }
    }
}

/// Links the unnamed (or any) open `file` into `dir` as `name`; never
/// replaces an entry (`EEXIST`).
fn link(file: &File, via: LinkVia, dir: &OwnedFd, name: &str) -> rustix::io::Result<()> {
    match via {
        LinkVia::EmptyPath => rustix::fs::linkat(file.as_fd(), "", dir, name, AtFlags::EMPTY_PATH),
        LinkVia::ProcFd => {
            use std::os::fd::AsRawFd;
            let magic = format!("/proc/self/fd/{}", file.as_raw_fd());
            rustix::fs::linkat(
                rustix::fs::CWD,
                magic.as_str(),
                dir,
                name,
                AtFlags::SYMLINK_FOLLOW,
            )
        }
    }
}
