//! Jobs and job lists: what to download and under which file name.
//!
//! A [`Job`] pairs a URL with the file name it is saved under. Names are made
//! safe when a job is built from a URL (see [`Job::from_url`]): whatever the
//! URL says, the name is a single plain path component, so no job list can
//! make a store write outside its directory.

use std::collections::HashMap;
use std::path::Path;

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

/// One download: a URL and the file name it is saved under.
///
/// Shown ([`std::fmt::Display`]) and serialised with the password of its
/// URL hidden, as curl does: `http://user:***@host/…`
/// ([`Job::display_url`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Job {
    url: String,
    name: String,
}

impl serde::Serialize for Job {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut job = s.serialize_struct("Job", 2)?;
        job.serialize_field("url", &self.display_url())?;
        job.serialize_field("name", &self.name)?;
        job.end()
    }
}

impl std::fmt::Display for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.display_url())
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

    /// The URL as it may be shown: a password in it replaced by `***`
    /// (`http://user:***@host/…`), the user kept. A text that is no URL is
    /// shown whole only when it has no `@`.
    pub fn display_url(&self) -> String {
        match Url::parse(&self.url) {
            Ok(mut url) if url.password().is_some() => {
                // A URL with a password has a host, so this cannot fail.
                let _ = url.set_password(Some("***"));
                url.into()
            }
            Ok(_) => self.url.clone(),
            Err(_) if self.url.contains('@') => "<unparsable URL with credentials>".into(),
            Err(_) => self.url.clone(),
        }
    }
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
            let job = Job::from_url(text).map_err(|reason| JobListError::BadLine {
                origin: origin.to_owned(),
                line,
                text: text.to_owned(),
                reason,
            })?;
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
        assert_eq!(job.display_url(), "http://user:***@127.0.0.1:8/a");
        assert_eq!(job.to_string(), "http://user:***@127.0.0.1:8/a");
        let json = serde_json::to_string(&job).unwrap();
        assert!(!json.contains("s3cret"), "{json}");
        assert_eq!(
            job.url(),
            "http://user:s3cret@127.0.0.1:8/a",
            "requested as given"
        );
        let plain = Job::with_name("http://user@127.0.0.1:8/a", "a");
        assert_eq!(plain.display_url(), "http://user@127.0.0.1:8/a");
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

    #[test]
    fn plain_file_names() {
        assert!(is_plain_file_name("a.jpg"));
        for bad in ["", ".", "..", "../a", "a/b", "/abs", "a\\b", "a\0b"] {
            assert!(!is_plain_file_name(bad), "{bad:?}");
        }
    }
}
