//! The origin record kept beside a partial body: `.fetchlab-<name>.origin`.
//!
//! A few lines of text:
//!
//! ```text
//! fetchlab partial origin 1
//! file <dev> <inode> <bytes>
//! url <url>
//! etag <etag>                 (optional)
//! last-modified <date>        (optional)
//! ```
//!
//! The `file` line binds the record to the one partial body it describes:
//! a record whose device, inode or size differ from the kept partial's (the
//! partial was replaced, truncated, grown, or the record copied from
//! elsewhere), a record that is not a regular file of its own, larger than
//! [`MAX_RECORD`], or not in this form, is ignored, and the partial body is
//! offered without an origin (to be started afresh).

use std::io::{Read, Write};

use super::handle::{DirHandle, FileId};
use crate::store::PartialOrigin;

const MAGIC: &str = "fetchlab partial origin 1";

/// The largest record read; a longer one is not ours.
const MAX_RECORD: u64 = 16 * 1024;

/// The record of `origin` for the partial file `id` of `bytes` bytes.
fn encode(origin: &PartialOrigin, id: FileId, bytes: u64) -> String {
    let mut text = format!(
        "{MAGIC}\nfile {} {} {bytes}\nurl {}\n",
        id.dev, id.ino, origin.url
    );
    if let Some(etag) = &origin.etag {
        text.push_str(&format!("etag {etag}\n"));
    }
    if let Some(date) = &origin.last_modified {
        text.push_str(&format!("last-modified {date}\n"));
    }
    text
}

/// The origin in `text`, if it is a well-formed record of the partial file
/// `id` of `bytes` bytes.
fn decode(text: &str, id: FileId, bytes: u64) -> Option<PartialOrigin> {
    let mut lines = text.lines();
    if lines.next()? != MAGIC {
        return None;
    }
    let want = format!("file {} {} {bytes}", id.dev, id.ino);
    if lines.next()? != want {
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

/// Reads the record `name` for the partial file `id` of `bytes` bytes.
pub(super) fn read(dir: &DirHandle, name: &str, id: FileId, bytes: u64) -> Option<PartialOrigin> {
    let (file, _, size) = dir.read_own(name).ok()?;
    if size > MAX_RECORD {
        return None;
    }
    let mut text = String::new();
    file.take(MAX_RECORD).read_to_string(&mut text).ok()?;
    decode(&text, id, bytes)
}

/// Records `origin` for the partial file `id` of `bytes` bytes as `name`,
/// replacing any record there: written under a fresh name, then renamed.
/// An origin that cannot be recorded, or a failed write, leaves no record.
pub(super) fn write(dir: &DirHandle, name: &str, origin: &PartialOrigin, id: FileId, bytes: u64) {
    dir.remove(name);
    if !origin.is_recordable() {
        return;
    }
    let Ok((mut file, temp, temp_id)) = dir.create_temp() else {
        return;
    };
    let written = file.write_all(encode(origin, id, bytes).as_bytes());
    drop(file);
    if written.is_err() || dir.rename_checked(&temp, name, temp_id).is_err() {
        dir.remove_if(&temp, temp_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: FileId = FileId { dev: 3, ino: 77 };

    #[test]
    fn records_round_trip() {
        let origin = PartialOrigin::new(
            "http://127.0.0.1:8/a",
            Some("\"x\"".into()),
            Some("Tue, 01 Dec 2026 09:00:00 GMT".into()),
        );
        assert_eq!(decode(&encode(&origin, ID, 9), ID, 9), Some(origin));
        let bare = PartialOrigin::new("http://127.0.0.1:8/a", None, None);
        assert_eq!(decode(&encode(&bare, ID, 9), ID, 9), Some(bare));
    }

    #[test]
    fn foreign_or_malformed_records_are_ignored() {
        let origin = PartialOrigin::new("http://h/a", Some("\"x\"".into()), None);
        let text = encode(&origin, ID, 9);
        assert_eq!(decode(&text, ID, 10), None, "another size");
        assert_eq!(
            decode(&text, FileId { dev: 3, ino: 78 }, 9),
            None,
            "another file"
        );
        for bad in [
            "",
            "fetchlab partial origin 2\nfile 3 77 9\nurl u\n",
            "fetchlab partial origin 1\nfile 3 77 9\n",
            "fetchlab partial origin 1\nfile 3 77 9\nurl u\netag a\netag b\n",
            "fetchlab partial origin 1\nfile 3 77 9\nurl u\ncolour red\n",
        ] {
            assert_eq!(decode(bad, ID, 9), None, "{bad:?}");
        }
    }
}
