//! The origin record kept beside a partial body: `.fetchlab-<name>.origin`.
//!
//! A few lines of text:
//!
//! ```text
//! fetchlab partial origin 1
//! file <dev> <inode> <bytes> <fingerprint>
//! url <url>
//! etag <etag>                 (optional)
//! last-modified <date>        (optional)
//! ```
//!
//! The `file` line binds the record to the one partial body it describes:
//! its device, inode, size, and a fingerprint of its bytes (SHA-256 of its
//! first and last [`EDGE`] bytes; an inode number alone is reused as soon
//! as a file is deleted, so a replacement of the same size would match). A
//! record that does not match the kept partial (the partial was replaced,
//! truncated, grown or rewritten, or the record copied from elsewhere), a
//! record that is not a regular file of its own, larger than
//! [`MAX_RECORD`], or not in this form, is ignored, and the partial body is
//! offered without an origin (to be started afresh).
//!
//! This guards against accidents (another tool's or another run's file
//! under the name), not against someone who can write the directory and
//! forges a record: they could as well replace a finished file.

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::unix::fs::FileExt;

use sha2::{Digest, Sha256};

use super::handle::{DirHandle, FileId};
use crate::store::PartialOrigin;

/// How many bytes at each end of a partial body its fingerprint covers.
const EDGE: u64 = 64 * 1024;

/// Which partial body a record is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Bound {
    id: FileId,
    bytes: u64,
    /// Lower-case hex SHA-256 of the first and last [`EDGE`] bytes.
    fingerprint: String,
}

impl Bound {
    /// The binding of the open partial body `file` (`id`, `bytes` long).
    pub fn of(file: &File, id: FileId, bytes: u64) -> io::Result<Self> {
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; EDGE as usize];
        for start in [0, bytes.saturating_sub(EDGE)] {
            let len = EDGE.min(bytes) as usize;
            file.read_exact_at(&mut buf[..len], start)?;
            hasher.update(&buf[..len]);
        }
        Ok(Self {
            id,
            bytes,
            fingerprint: hex::encode(hasher.finalize()),
        })
    }

    fn line(&self) -> String {
        format!(
            "file {} {} {} {}",
            self.id.dev, self.id.ino, self.bytes, self.fingerprint
        )
    }
}

const MAGIC: &str = "fetchlab partial origin 1";

/// The largest record read; a longer one is not ours.
const MAX_RECORD: u64 = 16 * 1024;

/// The record of `origin` for the partial body `bound`.
fn encode(origin: &PartialOrigin, bound: &Bound) -> String {
    let mut text = format!("{MAGIC}\n{}\nurl {}\n", bound.line(), origin.url);
    if let Some(etag) = &origin.etag {
        text.push_str(&format!("etag {etag}\n"));
    }
    if let Some(date) = &origin.last_modified {
        text.push_str(&format!("last-modified {date}\n"));
    }
    text
}

/// The origin in `text`, if it is a well-formed record of the partial body
/// `bound`.
fn decode(text: &str, bound: &Bound) -> Option<PartialOrigin> {
    let mut lines = text.lines();
    if lines.next()? != MAGIC {
        return None;
    }
    if lines.next()? != bound.line() {
        return None;
    }
    let url = lines.next()?.strip_prefix("url ")?.to_owned();
    let mut origin = PartialOrigin::new(url, None, None);
    for line in lines {
        let (key, value) = line.split_once(' ')?;
        let slot = match key {
            "etag" => &mut origin.etag,
            "last-modified" => &mut origin.last_modified,
            _ => return None,
        };
        if slot.replace(value.to_owned()).is_some() {
            return None;
        }
    }
    Some(origin)
}

/// Reads the record `name` for the open partial body `partial` (`id`,
/// `bytes` long).
pub(super) fn read(
    dir: &DirHandle,
    name: &str,
    partial: &File,
    id: FileId,
    bytes: u64,
) -> Option<PartialOrigin> {
    let (file, _, size) = dir.read_own(name).ok()?;
    if size > MAX_RECORD {
        return None;
    }
    let mut text = String::new();
    file.take(MAX_RECORD).read_to_string(&mut text).ok()?;
    decode(&text, &Bound::of(partial, id, bytes).ok()?)
}

/// Records `origin` for the partial body `bound` as `name`, replacing any
/// record there: written under a fresh name, then renamed. An origin that
/// cannot be recorded, or a failed write, leaves no record.
pub(super) fn write(dir: &DirHandle, name: &str, origin: &PartialOrigin, bound: &Bound) {
    dir.remove(name);
    if !origin.is_recordable() {
        return;
    }
    let Ok((mut file, temp, temp_id)) = dir.create_temp() else {
        return;
    };
    let written = file.write_all(encode(origin, bound).as_bytes());
    drop(file);
    if written.is_err() || dir.rename_checked(&temp, name, temp_id).is_err() {
        dir.remove_if(&temp, temp_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bound(ino: u64, bytes: u64, fingerprint: &str) -> Bound {
        Bound {
            id: FileId { dev: 3, ino },
            bytes,
            fingerprint: fingerprint.to_owned(),
        }
    }

    #[test]
    fn records_round_trip() {
        let origin = PartialOrigin::new(
            "http://127.0.0.1:8/a",
            Some("\"x\"".into()),
            Some("Tue, 01 Dec 2026 09:00:00 GMT".into()),
        );
        let b = bound(77, 9, "ab");
        assert_eq!(decode(&encode(&origin, &b), &b), Some(origin));
        let bare = PartialOrigin::new("http://127.0.0.1:8/a", None, None);
        assert_eq!(decode(&encode(&bare, &b), &b), Some(bare));
    }

    #[test]
    fn foreign_or_malformed_records_are_ignored() {
        let origin = PartialOrigin::new("http://h/a", Some("\"x\"".into()), None);
        let b = bound(77, 9, "ab");
        let text = encode(&origin, &b);
        assert_eq!(decode(&text, &bound(77, 10, "ab")), None, "another size");
        assert_eq!(decode(&text, &bound(78, 9, "ab")), None, "another file");
        assert_eq!(decode(&text, &bound(77, 9, "cd")), None, "other bytes");
        for bad in [
            "",
            "fetchlab partial origin 2\nfile 3 77 9 ab\nurl u\n",
            "fetchlab partial origin 1\nfile 3 77 9 ab\n",
            "fetchlab partial origin 1\nfile 3 77 9 ab\nurl u\netag a\netag b\n",
            "fetchlab partial origin 1\nfile 3 77 9 ab\nurl u\ncolour red\n",
        ] {
            assert_eq!(decode(bad, &b), None, "{bad:?}");
        }
    }

    #[test]
    fn the_fingerprint_sees_both_ends() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p");
        let id = FileId { dev: 1, ino: 1 };
        let body: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        let of = |bytes: &[u8]| {
            std::fs::write(&path, bytes).unwrap();
            let file = File::open(&path).unwrap();
            Bound::of(&file, id, bytes.len() as u64).unwrap()
        };
        let original = of(&body);
        for at in [0, body.len() - 1] {
            let mut changed = body.clone();
            changed[at] ^= 1;
            assert_ne!(of(&changed), original, "a change at byte {at}");
        }
        assert_eq!(of(&body), original);
        assert_ne!(of(b"short"), of(b"shirt"));
    }
}
