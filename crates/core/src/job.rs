//! Jobs and job lists: what to download and under which file name.
//!
//! A [`Job`] pairs a URL with the file name it is saved under. Names are made
//! safe when a job is built from a URL (see [`Job::from_url`]): whatever the
//! URL says, the name is a single plain path component, so no job list can
//! make a store write outside its directory.
//!
//! A [`JobList`] can be split into [`Shard`]s for several processes or
//! machines ([`JobList::shard`]): a job's shard depends only on its name, so
//! every process given the same list and shard count agrees on who does
//! what. [`JobList::fingerprint`] identifies a list, so that reports of the
//! shards of one run can be told from those of another.
//!
//! URLs may carry credentials (`http://user:password@host/`): whatever is
//! shown of a job — its serialised form, [`Job::redacted_url`], or any text
//! passed through [`redact_credentials`] — keeps the user and hides the
//! password.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

use sha2::{Digest, Sha256};
use url::Url;

use crate::error::{JobListError, UrlError};

/// How many names the seed list has (`zzpic23110_s.jpg` … `zzpic23189_s.jpg`).
pub const SEED_NAMES_COUNT: usize = 80;

/// The longest file name a job gets, in bytes (most file systems allow 255).
const MAX_NAME_BYTES: usize = 200;

/// The name used when a URL's path has no last segment (`http://host/`).
const DEFAULT_NAME: &str = "index.html";

/// The seed list of the *Fluent Python* flags lesson: `zzpic23110_s.jpg` to
/// `zzpic23189_s.jpg`.
pub fn seed_names() -> Vec<String> {
    (10..10 + SEED_NAMES_COUNT)
        .map(|n| format!("zzpic231{n}_s.jpg"))
        .collect()
}

/// What a password is shown as.
const HIDDEN_PASSWORD: &str = "***";

/// One download: a URL and the file name it is saved under.
///
/// Serialised as `{"url": …, "name": …}` with any password in the URL
/// hidden (see [`redact_credentials`]); shown ([`std::fmt::Display`]) the
/// same way.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Job {
    url: String,
    name: String,
}

impl std::fmt::Display for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted_url())
    }
}

impl Job {
    /// A job for `url`, named after the last segment of its path, made safe.
    ///
    /// Fails when the text is not an absolute `http` or `https` URL with a host.
    pub fn from_url(text: &str) -> Result<Self, UrlError> {
        let url = parse_http_url(text)?;
        let name = safe_name(url.path_segments().and_then(|mut s| s.next_back()));
        Ok(Self {
            url: url.into(),
            name,
        })
    }

    /// A job with an explicit file name, taken as is.
    ///
    /// The name is not checked here: stores refuse names that are not a
    /// single plain path component (see [`crate::Store::check`]), and that
    /// refusal becomes the job's outcome. Use [`Job::from_url`] to get a name
    /// that is always safe.
    pub fn with_name(url: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            name: name.into(),
        }
    }

    /// The URL to fetch.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The file name the body is saved under.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The URL as it may be shown: the user kept, a password replaced by
    /// `***` (`http://ann:***@host/a.jpg`).
    pub fn redacted_url(&self) -> Cow<'_, str> {
        redact_credentials(&self.url)
    }
}

impl serde::Serialize for Job {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut job = s.serialize_struct("Job", 2)?;
        job.serialize_field("url", &self.redacted_url())?;
        job.serialize_field("name", &self.name)?;
        job.end()
    }
}

/// Hides the password of every URL in `text`, as curl does: in each
/// `scheme://user:password@host` the password becomes `***`; the user, the
/// host and everything else stay. Works on any text (a URL, an error message
/// quoting one), and returns it unchanged when it holds no password.
pub fn redact_credentials(text: &str) -> Cow<'_, str> {
    let mut out = String::new();
    let mut copied = 0;
    let mut search = 0;
    while let Some(found) = text[search..].find("://") {
        let authority_start = search + found + 3;
        let rest = &text[authority_start..];
        let authority_len = rest
            .find(|c: char| "/?#\"'<>()[]{}|`".contains(c) || c.is_whitespace())
            .unwrap_or(rest.len());
        let authority = &rest[..authority_len];
        search = authority_start + authority_len;
        let Some(at) = authority.rfind('@') else {
            continue;
        };
        let Some(colon) = authority[..at].find(':') else {
            continue;
        };
        let password_start = authority_start + colon + 1;
        let password_end = authority_start + at;
        out.push_str(&text[copied..password_start]);
        out.push_str(HIDDEN_PASSWORD);
        copied = password_end;
    }
    if copied == 0 {
        Cow::Borrowed(text)
    } else {
        out.push_str(&text[copied..]);
        Cow::Owned(out)
    }
}

/// One share of a job list: shard `index` of `count` (`0/3`, `1/3`, `2/3`).
///
/// Serialised as `{"index": 1, "count": 3}`; deserialising checks
/// `index < count` as [`Shard::new`] does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "ShardFields")]
pub struct Shard {
    index: usize,
    count: usize,
}

/// A [`Shard`] as written, before it is checked.
#[derive(serde::Deserialize)]
struct ShardFields {
    index: usize,
    count: usize,
}

impl TryFrom<ShardFields> for Shard {
    type Error = ShardError;

    fn try_from(fields: ShardFields) -> Result<Self, Self::Error> {
        Shard::new(fields.index, fields.count)
    }
}

impl Shard {
    /// The whole list: shard 0 of 1.
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };

    /// Shard `index` of `count`; fails unless `index < count`.
    pub fn new(index: usize, count: usize) -> Result<Self, ShardError> {
        if count == 0 {
            return Err(ShardError::ZeroCount);
        }
        if index >= count {
            return Err(ShardError::IndexTooLarge { index, count });
        }
        Ok(Self { index, count })
    }

    /// Which shard, from 0.
    pub fn index(self) -> usize {
        self.index
    }

    /// How many shards the list is split into.
    pub fn count(self) -> usize {
        self.count
    }

    /// Whether the job named `name` belongs to this shard.
    ///
    /// The shard of a name is the first 8 bytes of its SHA-256, read as a
    /// big-endian number, modulo the count: fixed by this crate (unlike
    /// `std`'s hasher, which may change between releases), so the same list
    /// and count give the same shards on every machine and every version.
    pub fn holds(self, name: &str) -> bool {
        let digest = Sha256::digest(name.as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        let count = self.count as u64;
        u64::from_be_bytes(first) % count == self.index as u64
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = ShardError;

    /// Parses `K/N`, e.g. `2/8`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || ShardError::Syntax(text.to_owned());
        let (index, count) = text.split_once('/').ok_or_else(bad)?;
        let index = index.trim().parse().map_err(|_| bad())?;
        let count = count.trim().parse().map_err(|_| bad())?;
        Self::new(index, count)
    }
}

/// Why a shard is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShardError {
    /// Zero shards were asked for.
    #[error("the shard count must be at least 1 (got 0)")]
    ZeroCount,
    /// The index is not below the count.
    #[error("shard {index} of {count} does not exist: shards are numbered 0 to {}", count.saturating_sub(1))]
    IndexTooLarge {
        /// The index given.
        index: usize,
        /// The count given.
        count: usize,
    },
    /// The text is not `K/N`.
    #[error("{0:?} is not a shard: write K/N, e.g. 0/4 for the first of 4")]
    Syntax(String),
}

/// Checks that `name` is one plain file name: not empty, not `.` or `..`,
/// no path separator, no NUL.
pub fn is_plain_file_name(name: &str) -> bool {
    let mut components = Path::new(name).components();
    matches!(
        (components.next(), components.next()),
        (Some(std::path::Component::Normal(_)), None)
    ) && !name.contains(['/', '\\', '\0'])
}

/// Makes a safe file name from a URL path segment: characters outside
/// `[A-Za-z0-9._+=,@-]` become `_`, a leading dot becomes `_` (no hidden
/// files, no `..`), long names are cut, an empty one becomes `index.html`.
fn safe_name(segment: Option<&str>) -> String {
    let segment = segment.unwrap_or_default();
    let mut name: String = segment
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._+=,@-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.starts_with('.') {
        name.replace_range(0..1, "_");
    }
    if name.len() > MAX_NAME_BYTES {
        // Only ASCII remains after the mapping above, so any index is a char boundary.
        name.truncate(MAX_NAME_BYTES);
    }
    if name.is_empty() {
        name = DEFAULT_NAME.to_owned();
    }
    name
}

fn parse_http_url(text: &str) -> Result<Url, UrlError> {
    let url = Url::parse(text).map_err(UrlError::Parse)?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(UrlError::Scheme(url.scheme().to_owned()));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(UrlError::NoHost);
    }
    Ok(url)
}

/// An ordered list of jobs with distinct file names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobList {
    jobs: Vec<Job>,
}

impl JobList {
    /// The seed list (`zzpic23110_s.jpg` … `zzpic23189_s.jpg`) under `base_url`.
    pub fn seed(base_url: &str) -> Result<Self, JobListError> {
        Self::named_under(base_url, seed_names())
    }

    /// Jobs for `names` under `base_url` (a `/` is added to the base if missing).
    pub fn named_under(
        base_url: &str,
        names: impl IntoIterator<Item = String>,
    ) -> Result<Self, JobListError> {
        let bad_base = |reason: UrlError| JobListError::BadBaseUrl {
            url: base_url.to_owned(),
            reason,
        };
        let mut base = parse_http_url(base_url).map_err(bad_base)?;
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        let lines = names
            .into_iter()
            .map(|name| base.join(&name).map(String::from).map_err(UrlError::Parse));
        let mut jobs = Vec::new();
        for (index, url) in lines.enumerate() {
            let url = url.map_err(bad_base)?;
            jobs.push((index + 1, url));
        }
        Self::from_numbered(
            "<seed>",
            jobs.iter().map(|(line, url)| (*line, url.as_str())),
        )
    }

    /// Parses a URL list: one URL a line; blank lines and lines starting with
    /// `#` are skipped. `origin` names the source in errors (a path,
    /// `<stdin>`, `<args>`).
    pub fn parse(origin: &str, text: &str) -> Result<Self, JobListError> {
        let lines = text
            .lines()
            .enumerate()
            .map(|(index, line)| (index + 1, line.trim()))
            .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'));
        Self::from_numbered(origin, lines)
    }

    /// Reads and parses a URL list file (see [`JobList::parse`]).
    pub fn from_file(path: &Path) -> Result<Self, JobListError> {
        let text = std::fs::read_to_string(path).map_err(|source| JobListError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&path.display().to_string(), &text)
    }

    /// Jobs for URLs given one by one (e.g. on a command line); errors count
    /// the arguments from 1 and name the origin `<args>`.
    pub fn from_urls<'a>(urls: impl IntoIterator<Item = &'a str>) -> Result<Self, JobListError> {
        Self::from_numbered(
            "<args>",
            urls.into_iter().enumerate().map(|(i, u)| (i + 1, u)),
        )
    }

    /// Wraps jobs built in code. Names are not checked here; stores refuse
    /// unsafe ones at run time.
    pub fn from_jobs(jobs: Vec<Job>) -> Self {
        Self { jobs }
    }

    fn from_numbered<'a>(
        origin: &str,
        lines: impl IntoIterator<Item = (usize, &'a str)>,
    ) -> Result<Self, JobListError> {
        let mut jobs = Vec::new();
        let mut first_line_of: HashMap<String, usize> = HashMap::new();
        for (line, text) in lines {
            let bad_line = |reason: UrlError| JobListError::BadLine {
                origin: origin.to_owned(),
                line,
                text: text.to_owned(),
                reason,
            };
            if text.contains(char::is_whitespace) {
                // The URL parser would quietly percent-encode it: a typo (two
                // URLs on a line, a pasted title) must not become a request.
                return Err(bad_line(UrlError::Whitespace));
            }
            let job = Job::from_url(text).map_err(bad_line)?;
            if let Some(&first_line) = first_line_of.get(job.name()) {
                return Err(JobListError::DuplicateName {
                    origin: origin.to_owned(),
                    line,
                    first_line,
                    url: job.url,
                    name: job.name,
                });
            }
            first_line_of.insert(job.name.clone(), line);
            jobs.push(job);
        }
        Ok(Self { jobs })
    }

    /// Keeps only the first `n` jobs (flags2's `--limit`).
    pub fn truncate(&mut self, n: usize) {
        self.jobs.truncate(n);
    }

    /// The jobs, in order.
    pub fn jobs(&self) -> &[Job] {
        &self.jobs
    }

    /// How many jobs there are.
    pub fn len(&self) -> usize {
        self.jobs.len()
    }

    /// Whether there are no jobs.
    pub fn is_empty(&self) -> bool {
        self.jobs.is_empty()
    }

    /// Iterates over the jobs in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Job> {
        self.jobs.iter()
    }

    /// The jobs of shard `index` of `count`, in list order (see
    /// [`Shard::holds`]): every job is in exactly one shard, and the same
    /// list and count always give the same shards.
    ///
    /// ```
    /// use fetchlab_core::JobList;
    ///
    /// let list = JobList::seed("http://127.0.0.1:8001/")?;
    /// let shards: Vec<JobList> = (0..3).map(|k| list.shard(k, 3)).collect::<Result<_, _>>()?;
    /// assert_eq!(shards.iter().map(JobList::len).sum::<usize>(), list.len());
    /// assert!(list.shard(3, 3).is_err(), "shards are numbered 0 to 2");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn shard(&self, index: usize, count: usize) -> Result<JobList, ShardError> {
        Ok(self.in_shard(Shard::new(index, count)?))
    }

    /// The jobs of `shard`, in list order.
    pub fn in_shard(&self, shard: Shard) -> JobList {
        if shard == Shard::WHOLE {
            return self.clone();
        }
        let jobs = self
            .jobs
            .iter()
            .filter(|job| shard.holds(job.name()))
            .cloned()
            .collect();
        JobList { jobs }
    }

    /// Identifies the list: `sha256:` and the hex SHA-256 of every job's
    /// name and URL (password hidden), in order. Two lists with the same
    /// fingerprint make the same downloads under the same names.
    pub fn fingerprint(&self) -> String {
        let mut hasher = Sha256::new();
        for job in &self.jobs {
            hasher.update(job.name.as_bytes());
            hasher.update(b"\t");
            hasher.update(job.redacted_url().as_bytes());
            hasher.update(b"\n");
        }
        format!("sha256:{}", hex::encode(hasher.finalize()))
    }
}

impl<'a> IntoIterator for &'a JobList {
    type Item = &'a Job;
    type IntoIter = std::slice::Iter<'a, Job>;

    fn into_iter(self) -> Self::IntoIter {
        self.jobs.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_is_never_shown() {
        let job = Job::with_name("http://user:s3cret@127.0.0.1:8/a", "a");
        assert_eq!(job.redacted_url(), "http://user:***@127.0.0.1:8/a");
        assert_eq!(job.to_string(), "http://user:***@127.0.0.1:8/a");
        let json = serde_json::to_string(&job).unwrap();
        assert!(!json.contains("s3cret"), "{json}");
        assert_eq!(
            job.url(),
            "http://user:s3cret@127.0.0.1:8/a",
            "requested as given"
        );
        let plain = Job::with_name("http://user@127.0.0.1:8/a", "a");
        assert_eq!(plain.redacted_url(), "http://user@127.0.0.1:8/a");
    }

    #[test]
    fn seed_list_has_the_books_eighty_names() {
        let list = JobList::seed("http://127.0.0.1:8001/flags").unwrap();
        assert_eq!(list.len(), 80);
        assert_eq!(list.jobs()[0].name(), "zzpic23110_s.jpg");
        assert_eq!(list.jobs()[79].name(), "zzpic23189_s.jpg");
        assert_eq!(
            list.jobs()[0].url(),
            "http://127.0.0.1:8001/flags/zzpic23110_s.jpg"
        );
    }

    #[test]
    fn url_file_skips_blanks_and_comments_and_names_bad_lines() {
        let text = "# thumbnails\n\nhttp://127.0.0.1/a.jpg\n  \nftp://127.0.0.1/b.jpg\n";
        let err = JobList::parse("urls.txt", text).unwrap_err();
        let message = err.to_string();
        assert!(message.starts_with("urls.txt:5:"), "{message}");
        assert!(message.contains("ftp"), "{message}");
        let ok = JobList::parse("urls.txt", "# c\nhttp://127.0.0.1/a.jpg\n\n").unwrap();
        assert_eq!(ok.len(), 1);
    }

    #[test]
    fn duplicate_names_are_refused_with_both_lines() {
        let text = "http://127.0.0.1/x/a.jpg\nhttp://127.0.0.1/y/a.jpg\n";
        let err = JobList::parse("u", text).unwrap_err();
        assert!(matches!(
            err,
            JobListError::DuplicateName {
                line: 2,
                first_line: 1,
                ..
            }
        ));
    }

    #[test]
    fn names_from_urls_cannot_escape() {
        for (url, name) in [
            ("http://127.0.0.1/..", "index.html"),
            (
                "http://127.0.0.1/a/..%2F..%2Fetc%2Fpasswd",
                "_._2F.._2Fetc_2Fpasswd",
            ),
            ("http://127.0.0.1/.hidden", "_hidden"),
            ("http://127.0.0.1/", "index.html"),
            ("http://127.0.0.1/a%5Cb", "a_5Cb"),
        ] {
            let job = Job::from_url(url).unwrap();
            assert_eq!(job.name(), name, "{url}");
            assert!(is_plain_file_name(job.name()), "{url}");
        }
    }

    fn list_of(count: usize) -> JobList {
        let names = (0..count).map(|i| format!("file{i:05}.bin"));
        JobList::named_under("http://127.0.0.1:1/", names).unwrap()
    }

    #[test]
    fn shards_cover_the_list_once() {
        let list = list_of(500);
        for count in [1, 2, 3, 8, 13] {
            let mut seen: HashMap<String, usize> = HashMap::new();
            let mut sizes = Vec::new();
            for index in 0..count {
                let shard = list.shard(index, count).unwrap();
                sizes.push(shard.len());
                for job in &shard {
                    *seen.entry(job.name().to_owned()).or_default() += 1;
                }
                let order: Vec<_> = shard.iter().collect();
                let in_list: Vec<_> = list.iter().filter(|j| order.contains(j)).collect();
                assert_eq!(order, in_list, "shards keep list order");
            }
            assert_eq!(seen.len(), list.len(), "{count} shards: union is the list");
            assert!(seen.values().all(|&n| n == 1), "{count} shards: disjoint");
            if count > 1 {
                // 500 names spread over a few shards: none is empty.
                assert!(sizes.iter().all(|&n| n > 0), "{count}: {sizes:?}");
            }
        }
    }

    #[test]
    fn shards_are_stable() {
        let list = list_of(40);
        let names =
            |shard: JobList| -> Vec<String> { shard.iter().map(|j| j.name().to_owned()).collect() };
        // Fixed by the hash: these must never change, or a rerun of an old
        // shard would pick other jobs.
        assert_eq!(
            names(list.shard(0, 8).unwrap()),
            names(list.shard(0, 8).unwrap())
        );
        for (name, of_3, of_8) in FIXED_SHARDS {
            assert_eq!(shard_of(name, 3), of_3, "{name} of 3");
            assert_eq!(shard_of(name, 8), of_8, "{name} of 8");
        }
        // A reordered list gives each job the same shard.
        let mut reversed: Vec<Job> = list.jobs().to_vec();
        reversed.reverse();
        let reversed = JobList::from_jobs(reversed);
        let mut a = names(list.shard(2, 5).unwrap());
        let mut b = names(reversed.shard(2, 5).unwrap());
        a.sort();
        b.sort();
        assert_eq!(a, b);
    }

    /// Names and their shard of 3 and of 8 (computed independently, from
    /// the first 8 bytes of each name's SHA-256).
    const FIXED_SHARDS: [(&str, usize, usize); 6] = [
        ("a.jpg", 1, 2),
        ("b.jpg", 0, 2),
        ("zzpic23110_s.jpg", 0, 1),
        ("zzpic23111_s.jpg", 2, 4),
        ("file00000.bin", 1, 1),
        ("file00001.bin", 2, 7),
    ];

    fn shard_of(name: &str, count: usize) -> usize {
        let holding: Vec<usize> = (0..count)
            .filter(|&i| Shard::new(i, count).unwrap().holds(name))
            .collect();
        assert_eq!(holding.len(), 1, "{name} is in exactly one of {count}");
        holding[0]
    }

    #[test]
    fn bad_shards_are_named() {
        let list = list_of(3);
        assert_eq!(
            list.shard(3, 3).unwrap_err(),
            ShardError::IndexTooLarge { index: 3, count: 3 }
        );
        assert_eq!(list.shard(0, 0).unwrap_err(), ShardError::ZeroCount);
        assert_eq!("2/8".parse::<Shard>().unwrap(), Shard::new(2, 8).unwrap());
        assert_eq!(Shard::new(2, 8).unwrap().to_string(), "2/8");
        assert!(matches!("2".parse::<Shard>(), Err(ShardError::Syntax(_))));
        assert!(matches!("a/b".parse::<Shard>(), Err(ShardError::Syntax(_))));
        assert!(
            "8/8"
                .parse::<Shard>()
                .unwrap_err()
                .to_string()
                .contains("0 to 7")
        );
        assert_eq!(list.in_shard(Shard::WHOLE), list);
        let read: Result<Shard, _> = serde_json::from_str(r#"{"index":3,"count":3}"#);
        assert!(read.unwrap_err().to_string().contains("does not exist"));
        let read: Shard = serde_json::from_str(r#"{"index":2,"count":3}"#).unwrap();
        assert_eq!(read, Shard::new(2, 3).unwrap());
    }

    #[test]
    fn fingerprints_tell_lists_apart() {
        let list = list_of(10);
        assert_eq!(list.fingerprint(), list_of(10).fingerprint());
        assert!(list.fingerprint().starts_with("sha256:"));
        assert_ne!(list.fingerprint(), list_of(9).fingerprint());
        let mut reversed: Vec<Job> = list.jobs().to_vec();
        reversed.reverse();
        assert_ne!(
            list.fingerprint(),
            JobList::from_jobs(reversed).fingerprint()
        );
    }

    #[test]
    fn passwords_are_hidden_users_kept() {
        for (text, shown) in [
            (
                "http://ann:s3cret@127.0.0.1/a.jpg",
                "http://ann:***@127.0.0.1/a.jpg",
            ),
            ("http://ann@127.0.0.1/a.jpg", "http://ann@127.0.0.1/a.jpg"),
            ("http://127.0.0.1:8001/a.jpg", "http://127.0.0.1:8001/a.jpg"),
            (
                "https://u:p%40ss@h:8443?q=a:b@c",
                "https://u:***@h:8443?q=a:b@c",
            ),
            (
                "error sending request for url (http://u:pw@h/x): refused; see http://v:pw2@k/",
                "error sending request for url (http://u:***@h/x): refused; see http://v:***@k/",
            ),
            ("no url here", "no url here"),
            ("http://u:@h/", "http://u:***@h/"),
        ] {
            assert_eq!(redact_credentials(text), shown, "{text}");
        }
        let job = Job::from_url("http://ann:s3cret@127.0.0.1/a.jpg").unwrap();
        assert_eq!(
            job.url(),
            "http://ann:s3cret@127.0.0.1/a.jpg",
            "the request keeps it"
        );
        assert_eq!(job.redacted_url(), "http://ann:***@127.0.0.1/a.jpg");
        let json = serde_json::to_string(&job).unwrap();
        assert!(!json.contains("s3cret"), "{json}");
        assert!(json.contains("ann:***@"), "{json}");
    }

    #[test]
    fn a_url_line_with_a_space_is_refused_by_line() {
        let text = "http://127.0.0.1/a.jpg\nhttp://127.0.0.1/my photo.jpg\n";
        let err = JobList::parse("urls.txt", text).unwrap_err().to_string();
        assert!(err.starts_with("urls.txt:2:"), "{err}");
        assert!(err.contains("space"), "{err}");
        let err = JobList::parse("u", "http://127.0.0.1/a.jpg\thttp://127.0.0.1/b.jpg")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("u:1:"), "{err}");
    }

    #[test]
    fn plain_file_names() {
        assert!(is_plain_file_name("a.jpg"));
        for bad in ["", ".", "..", "../a", "a/b", "/abs", "a\\b", "a\0b"] {
            assert!(!is_plain_file_name(bad), "{bad:?}");
        }
    }
}
