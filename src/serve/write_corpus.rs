//! `fetchlab serve --write-corpus DIR`: the corpus as files, with what a
//! benchmark needs beside them, so another server (nginx) can serve the
//! same bytes and any client's download can be checked against them.
//!
//! The layout of DIR:
//!
//! - `files/NAME`: every corpus file, byte for byte what `fetchlab serve`
//!   sends for `/NAME` with the same corpus options.
//! - `manifest.tsv`: a `name`, `size`, `sha256` header, then one
//!   tab-separated line per file, in name order.
//! - `SHA256SUMS`: the same checksums as `sha256sum` writes them, to run
//!   `sha256sum -c` in a directory holding a downloaded copy.
//! - `urls.txt`: every file's URL under the base URL, one per line,
//!   percent-encoded as the server's `/index.txt` lists them.
//!
//! Whole or absent: everything is written into a hidden sibling
//! `.DIR.partial-XXXXXX`, which is renamed to DIR once complete and removed
//! on an error. DIR must not exist or be empty (an empty directory is
//! replaced by the rename); a non-empty one is refused before anything is
//! written. Nothing is synced: after a power cut DIR may be gone or hold
//! empty files, and is written again from the same options.

use std::fs::File;
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use fetchlab_server::{Corpus, CorpusFile};

/// The corpus files, inside DIR.
pub const FILES: &str = "files";
/// Name, size and SHA-256 of every file, inside DIR.
pub const MANIFEST: &str = "manifest.tsv";
/// `sha256sum -c` input, inside DIR.
pub const SUMS: &str = "SHA256SUMS";
/// Every file's URL, inside DIR.
pub const URLS: &str = "urls.txt";

/// Bytes written at a time (a streamed file is generated a chunk at a time).
const CHUNK: u64 = 1 << 20;

/// What [`write`] wrote.
#[derive(Debug)]
pub struct Written {
    /// The directory, now complete.
    pub dir: PathBuf,
    /// Files written into `dir/files`.
    pub files: usize,
    /// Their bytes.
    pub bytes: u64,
    /// The base URL of `dir/urls.txt`.
    pub base_url: String,
}

/// The base URL `--base-url` gives, or else `http://BIND:PORT/`; ends in `/`.
pub fn base_url(given: Option<&str>, bind: IpAddr, port: u16) -> Result<String> {
    let Some(text) = given else {
        if port == 0 {
            bail!(
                "--write-corpus with --port 0: the URL list needs the address the files will be \
                 served at; give --base-url URL (or --port N for http://{bind}:N/)"
            );
        }
        return Ok(format!("http://{}/", SocketAddr::new(bind, port)));
    };
    let bad = |why: &str| anyhow::anyhow!("--base-url {text}: {why}");
    let mut url = url::Url::parse(text).map_err(|e| bad(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("not an http:// or https:// URL"));
    }
    if url.host().is_none() {
        return Err(bad("no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("a base URL has no ?query or #fragment"));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url.into())
}

/// Writes `corpus` into `dir` as the module docs describe, with every URL
/// under `base_url`.
pub fn write(corpus: &Corpus, dir: &Path, base_url: &str) -> Result<Written> {
    let shown = dir.display();
    refuse_used(dir)?;
    let name = dir
        .file_name()
        .and_then(|n| n.to_str())
        .with_context(|| format!("--write-corpus {shown}: name a new directory"))?;
    let parent = match dir.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    // Missing parents are made (as `mkdir -p` would) and kept whatever
    // happens next; what is whole-or-absent is DIR itself.
    std::fs::create_dir_all(parent)
        .with_context(|| format!("--write-corpus {shown}: cannot create {}", parent.display()))?;
    // `mkdir` applies the umask to 0777, as for any directory the user
    // makes (tempfile's default, 0700, would hide the files from a server
    // running as another user, such as nginx's workers).
    let partial = tempfile::Builder::new()
        .prefix(&format!(".{name}.partial-"))
        .permissions(std::fs::Permissions::from_mode(0o777))
        .tempdir_in(parent)
        .with_context(|| {
            format!(
                "--write-corpus {shown}: cannot write in {}",
                parent.display()
            )
        })?;
    fill(corpus, partial.path(), base_url)
        .with_context(|| format!("cannot write the corpus into {}", partial.path().display()))?;
    std::fs::rename(partial.path(), dir).with_context(|| {
        format!(
            "cannot rename {} to {shown} (the partial directory was removed)",
            partial.path().display()
        )
    })?;
    // Renamed: there is nothing left to clean up.
    let _ = partial.keep();
    Ok(Written {
        dir: dir.to_owned(),
        files: corpus.len(),
        bytes: corpus.total_bytes(),
        base_url: base_url.to_owned(),
    })
}

/// Refuses a `dir` that exists and is not an empty directory.
fn refuse_used(dir: &Path) -> Result<()> {
    let shown = dir.display();
    let meta = match std::fs::metadata(dir) {
        Ok(meta) => meta,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(err) => return Err(err).with_context(|| format!("--write-corpus {shown}")),
    };
    if !meta.is_dir() {
        bail!("--write-corpus {shown}: it exists and is not a directory (nothing was written)");
    }
    let mut entries = std::fs::read_dir(dir)
        .with_context(|| format!("--write-corpus {shown}: cannot read it"))?;
    if entries.next().is_some() {
        bail!(
            "--write-corpus {shown}: the directory is not empty; give a new or empty one \
             (nothing was written)"
        );
    }
    Ok(())
}

/// Writes the layout into `dir`, an empty directory.
fn fill(corpus: &Corpus, dir: &Path, base_url: &str) -> Result<()> {
    let files = dir.join(FILES);
    std::fs::create_dir(&files).with_context(|| format!("cannot create {}", files.display()))?;
    for file in corpus.files() {
        check_name(&file.name)?;
    }
    let mut manifest = String::from("name\tsize\tsha256\n");
    let mut sums = String::new();
    for file in corpus.files() {
        let path = files.join(&file.name);
        write_file(file, &path).with_context(|| format!("cannot write {}", path.display()))?;
        manifest.push_str(&format!("{}\t{}\t{}\n", file.name, file.len(), file.sha256));
        sums.push_str(&format!("{}  {}\n", file.sha256, file.name));
    }
    let mut urls = corpus.urls(base_url).join("\n");
    if !urls.is_empty() {
        urls.push('\n');
    }
    for (name, text) in [(MANIFEST, manifest), (SUMS, sums), (URLS, urls)] {
        let path = dir.join(name);
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// Refuses a name the manifest's lines cannot hold as it is: with a
/// control character (a tab or newline would split a line), a backslash
/// (`sha256sum` escapes it), or a slash.
fn check_name(name: &str) -> Result<()> {
    if name
        .chars()
        .any(|c| c.is_control() || c == '\\' || c == '/')
        || name == ".."
    {
        bail!(
            "cannot write {name:?}: a file name with a control character, a backslash or a \
             slash cannot be listed in the manifest"
        );
    }
    Ok(())
}

/// Writes one file's bytes to a new file at `path`.
fn write_file(file: &CorpusFile, path: &Path) -> std::io::Result<()> {
    let mut out = File::create_new(path)?;
    let mut offset = 0;
    while offset < file.len() {
        let chunk = file.bytes(offset, CHUNK);
        out.write_all(&chunk)?;
        offset += chunk.len() as u64;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv6Addr;

    #[test]
    fn the_base_url_ends_in_a_slash_and_defaults_to_bind_and_port() {
        let local = IpAddr::from([127, 0, 0, 1]);
        let base = |given| base_url(given, local, 8001);
        assert_eq!(base(None).unwrap(), "http://127.0.0.1:8001/");
        let v6 = base_url(None, IpAddr::V6(Ipv6Addr::LOCALHOST), 80).unwrap();
        assert_eq!(v6, "http://[::1]:80/");
        assert_eq!(base(Some("http://h:9/a")).unwrap(), "http://h:9/a/");
        assert_eq!(base(Some("https://H/")).unwrap(), "https://h/");
        for (bad, why) in [
            ("ftp://h/", "not an http"),
            ("h/x", "relative URL"),
            ("http://h/?q", "no ?query"),
        ] {
            let err = base(Some(bad)).unwrap_err().to_string();
            assert!(err.starts_with(&format!("--base-url {bad}: ")), "{err}");
            assert!(err.contains(why), "{err}");
        }
        let err = base_url(None, local, 0).unwrap_err().to_string();
        assert!(err.contains("give --base-url"), "{err}");
    }

    #[test]
    fn names_the_manifest_cannot_hold_are_refused() {
        assert!(check_name("file00001.bin").is_ok());
        assert!(check_name("a b.jpg").is_ok());
        for bad in ["a\tb", "a\nb", "a\\b", "a/b", ".."] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }
}
