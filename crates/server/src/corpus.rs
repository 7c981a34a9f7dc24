//! The files the server serves: a deterministic generated corpus, or the
//! files of a directory, each with its SHA-256 so clients can be verified
//! byte for byte.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use fetchlab_core::store::sha256_hex;

pub use crate::spec::{CorpusSpec, CorpusTooLarge, DEFAULT_SEED, MAX_GENERATED_BYTES};

/// One file of a corpus.
#[derive(Clone, PartialEq, Eq)]
pub struct CorpusFile {
    /// Its name: one plain path segment, served at `/<name>`.
    pub name: String,
    /// Its whole body.
    pub body: Bytes,
    /// SHA-256 of `body`, lower-case hex.
    pub sha256: String,
}

impl CorpusFile {
    /// A file named `name` holding `body`; computes the checksum.
    pub fn new(name: impl Into<String>, body: Bytes) -> Self {
        let sha256 = sha256_hex(&body);
        CorpusFile {
            name: name.into(),
            body,
            sha256,
        }
    }

    /// Body length in bytes.
    pub fn len(&self) -> u64 {
        self.body.len() as u64
    }

    /// Whether the body is empty.
    pub fn is_empty(&self) -> bool {
        self.body.is_empty()
    }
}

impl fmt::Debug for CorpusFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CorpusFile")
            .field("name", &self.name)
            .field("len", &self.body.len())
            .field("sha256", &self.sha256)
            .finish()
    }
}

/// A set of named files, sorted by name. Cheap to clone (shared inside).
///
/// It serialises as where it came from — `{"generated": CorpusSpec}` or
/// `{"dir": PATH}` — and deserialises by generating or reading it again; a
/// corpus built from arbitrary files cannot be serialised.
#[derive(Clone)]
pub struct Corpus {
    inner: Arc<Inner>,
    origin: Origin,
}

/// Where a [`Corpus`] came from: what it serialises as.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub(crate) enum Origin {
    /// [`Corpus::generate`] of this spec.
    Generated(CorpusSpec),
    /// [`Corpus::from_dir`] of this directory.
    Dir(PathBuf),
    /// [`Corpus::from_files`]: not serialisable.
    #[serde(skip)]
    Files,
}

impl serde::Serialize for Corpus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.origin {
            Origin::Files => Err(serde::ser::Error::custom(
                "a corpus built from files in memory cannot be serialised; \
                 generate it from a CorpusSpec or read it from a directory",
            )),
            origin => origin.serialize(s),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Corpus {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Origin::deserialize(d)? {
            Origin::Generated(spec) => {
                spec.check_size().map_err(serde::de::Error::custom)?;
                Ok(Corpus::generate(&spec))
            }
            Origin::Dir(dir) => Corpus::from_dir(&dir).map_err(|e| {
                serde::de::Error::custom(format!("cannot read corpus {}: {e}", dir.display()))
            }),
            Origin::Files => Err(serde::de::Error::custom("no corpus source")),
        }
    }
}

struct Inner {
    files: Vec<CorpusFile>,
    index: HashMap<String, usize>,
    total_bytes: u64,
}

impl Corpus {
    /// A corpus of the given files (sorted by name; a repeated name keeps the
    /// last file).
    pub fn from_files(files: impl IntoIterator<Item = CorpusFile>) -> Corpus {
        let mut by_name: HashMap<String, CorpusFile> = HashMap::new();
        for file in files {
            by_name.insert(file.name.clone(), file);
        }
        let mut files: Vec<CorpusFile> = by_name.into_values().collect();
        files.sort_by(|a, b| a.name.cmp(&b.name));
        let index = files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.name.clone(), i))
            .collect();
        let total_bytes = files.iter().map(CorpusFile::len).sum();
        Corpus {
            inner: Arc::new(Inner {
                files,
                index,
                total_bytes,
            }),
            origin: Origin::Files,
        }
    }

    pub(crate) fn with_origin(mut self, origin: Origin) -> Self {
        self.origin = origin;
        self
    }

    /// The regular files directly inside `dir` (not recursive). Names that
    /// are not UTF-8 or start with `.` are skipped; symlinks are followed.
    pub fn from_dir(dir: &Path) -> std::io::Result<Corpus> {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            if name.starts_with('.') || !std::fs::metadata(&path)?.is_file() {
                continue;
            }
            let body = Bytes::from(std::fs::read(&path)?);
            files.push(CorpusFile::new(name, body));
        }
        Ok(Corpus::from_files(files).with_origin(Origin::Dir(dir.to_owned())))
    }

    /// The file called `name`, if any.
    pub fn get(&self, name: &str) -> Option<&CorpusFile> {
        self.inner.index.get(name).map(|&i| &self.inner.files[i])
    }

    /// All files, in name order.
    pub fn files(&self) -> &[CorpusFile] {
        &self.inner.files
    }

    /// All names, in order.
    pub fn names(&self) -> Vec<String> {
        self.inner.files.iter().map(|f| f.name.clone()).collect()
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.inner.files.len()
    }

    /// Whether there are no files.
    pub fn is_empty(&self) -> bool {
        self.inner.files.is_empty()
    }

    /// Sum of all body sizes.
    pub fn total_bytes(&self) -> u64 {
        self.inner.total_bytes
    }
}

impl Default for Corpus {
    /// `Corpus::generate(&CorpusSpec::default())`, generated once per process.
    fn default() -> Self {
        static DEFAULT: std::sync::OnceLock<Corpus> = std::sync::OnceLock::new();
        DEFAULT
            .get_or_init(|| Corpus::generate(&CorpusSpec::default()))
            .clone()
    }
}

impl fmt::Debug for Corpus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Corpus")
            .field("files", &self.len())
            .field("total_bytes", &self.total_bytes())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prng::{mix, pseudo_random_bytes};
    use fetchlab_core::seed_names;

    #[test]
    fn default_corpus_is_the_seed_list_within_size_bounds() {
        let corpus = Corpus::default();
        assert_eq!(corpus.names(), seed_names());
        for f in corpus.files() {
            assert!((8 * 1024..=40 * 1024).contains(&f.body.len()), "{f:?}");
            assert_eq!(f.sha256, sha256_hex(&f.body));
        }
        let total: u64 = corpus.files().iter().map(|f| f.len()).sum();
        assert_eq!(corpus.total_bytes(), total);
    }

    #[test]
    fn generation_is_deterministic_and_seed_dependent() {
        let spec = CorpusSpec::files(5, 10, 100);
        let a = Corpus::generate(&spec);
        let b = Corpus::generate(&spec);
        assert_eq!(a.files(), b.files());
        assert_eq!(
            a.names(),
            [
                "file00000.bin",
                "file00001.bin",
                "file00002.bin",
                "file00003.bin",
                "file00004.bin"
            ]
        );
        let c = Corpus::generate(&spec.clone().with_seed(7));
        assert_ne!(a.files()[0].body, c.files()[0].body);
        // Distinct files have distinct contents.
        assert_ne!(a.files()[0].body[..8], a.files()[1].body[..8]);
    }

    #[test]
    fn known_checksum_is_stable_across_versions() {
        let corpus = Corpus::generate(&CorpusSpec::files(1, 32, 32));
        let body = pseudo_random_bytes(DEFAULT_SEED ^ mix(1), 32);
        assert_eq!(corpus.files()[0].body, body);
        let corpus = Corpus::default();
        let first = &corpus.files()[0];
        // Golden values: if these change, every recorded checksum changes.
        assert_eq!(
            (first.name.as_str(), first.len()),
            ("zzpic23110_s.jpg", 33672)
        );
        assert_eq!(
            first.sha256,
            "3b5c763b36d48db9f1d3af8a3b49911cae9e774bf6052e0df1db10c8e838416e"
        );
    }

    #[test]
    fn swapped_and_equal_bounds_work() {
        let c = Corpus::generate(&CorpusSpec::files(3, 50, 10));
        assert!(c.files().iter().all(|f| (10..=50).contains(&f.body.len())));
        let c = Corpus::generate(&CorpusSpec::files(3, 0, 0));
        assert!(c.files().iter().all(CorpusFile::is_empty));
        assert!(Corpus::generate(&CorpusSpec::files(0, 1, 2)).is_empty());
    }

    #[test]
    fn from_dir_reads_plain_files_in_name_order() {
        let dir = std::env::temp_dir().join(format!("fetchlab-corpus-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("b.txt"), b"bee").unwrap();
        std::fs::write(dir.join("a.txt"), b"a").unwrap();
        std::fs::write(dir.join(".hidden"), b"x").unwrap();
        let c = Corpus::from_dir(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(c.names(), ["a.txt", "b.txt"]);
        assert_eq!(c.get("b.txt").unwrap().body, Bytes::from_static(b"bee"));
        assert_eq!(c.get("b.txt").unwrap().sha256, sha256_hex(b"bee"));
        assert!(c.get("sub").is_none());
        assert!(Corpus::from_dir(Path::new("/nonexistent/fetchlab")).is_err());
    }
}
