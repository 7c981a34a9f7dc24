//! Every saved body, checked byte for byte (by SHA-256) against the corpus.
//! A mismatch voids the measurement: a fast wrong download is not a result.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use fetchlab_core::store::{Digest256, sha256_hex};
use fetchlab_core::{HashStore, Report, Status};
use fetchlab_server::Corpus;

use crate::error::HarnessError;

/// The size and SHA-256 of every corpus file, by name.
#[derive(Debug, Clone, Default)]
pub struct Expected {
    files: HashMap<String, (u64, String)>,
}

impl Expected {
    /// The checksums of `corpus`.
    pub fn of(corpus: &Corpus) -> Expected {
        let files = corpus
            .files()
            .iter()
            .map(|f| (f.name.clone(), (f.body.len() as u64, f.sha256.clone())))
            .collect();
        Expected { files }
    }

    /// Checks `report` (one outcome per job of a `jobs`-long list) against
    /// the bodies `store` received.
    pub fn verify(
        &self,
        report: &Report,
        jobs: usize,
        store: &HashStore,
    ) -> Result<(), HarnessError> {
        self.verify_with(report, jobs, |name| store.digest(name))
    }

    /// Checks `report` against the files saved in `dir` (a run into a
    /// directory store): each saved job's file, read back and hashed.
    pub fn verify_dir(&self, report: &Report, jobs: usize, dir: &Path) -> Result<(), HarnessError> {
        self.verify_with(report, jobs, |name| {
            let body = std::fs::read(dir.join(name)).ok()?;
            Some(Digest256 {
                bytes: body.len() as u64,
                sha256: sha256_hex(&body),
            })
        })
    }

    fn verify_with(
        &self,
        report: &Report,
        jobs: usize,
        digest_of: impl Fn(&str) -> Option<Digest256>,
    ) -> Result<(), HarnessError> {
        let void = |name: &str, detail: String| HarnessError::Verification {
            strategy: report.strategy.clone(),
            name: name.to_owned(),
            detail,
        };
        if report.outcomes.len() != jobs {
            let detail = format!(
                "returned {} outcomes for {jobs} jobs",
                report.outcomes.len()
            );
            return Err(void("(the report)", detail));
        }
        for outcome in &report.outcomes {
            let Status::Saved { bytes, .. } = outcome.status else {
                continue;
            };
            let name = outcome.job.name();
            let Some((size, sha256)) = self.files.get(name) else {
                return Err(void(name, "the corpus has no such file".into()));
            };
            let Some(digest) = digest_of(name) else {
                return Err(void(name, "no body reached the store".into()));
            };
            if digest.bytes != *size || bytes != *size {
                let detail = format!(
                    "its size is {} (store) / {bytes} (report), the corpus says {size}",
                    digest.bytes
                );
                return Err(void(name, detail));
            }
            if digest.sha256 != *sha256 {
                let detail = format!("its SHA-256 is {}, the corpus says {sha256}", digest.sha256);
                return Err(void(name, detail));
            }
        }
        Ok(())
    }
}

/// What a command left in its output directory, against the corpus.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DirCheck {
    /// Corpus files saved byte for byte.
    pub verified: usize,
    /// Their bytes.
    pub bytes: u64,
    /// Corpus files not there.
    pub missing: Vec<String>,
    /// Corpus files there with other bytes.
    pub wrong: Vec<String>,
    /// Anything else (files, directories, links), relative to the directory.
    pub extra: Vec<String>,
}

impl DirCheck {
    /// Checks every entry of `dir` (recursively) against `corpus`: every
    /// file present, byte-exact, nothing extra. Names are sorted.
    pub fn of(dir: &Path, corpus: &Corpus) -> Result<DirCheck, HarnessError> {
        let mut check = DirCheck::default();
        let mut seen = HashSet::new();
        let mut pending = vec![dir.to_owned()];
        while let Some(current) = pending.pop() {
            let entries = std::fs::read_dir(&current).map_err(|e| unreadable(&current, e))?;
            for entry in entries {
                let entry = entry.map_err(|e| unreadable(&current, e))?;
                let path = entry.path();
                let relative = path.strip_prefix(dir).unwrap_or(&path);
                let name = relative.to_string_lossy().into_owned();
                let kind = entry.file_type().map_err(|e| unreadable(&path, e))?;
                if kind.is_dir() {
                    check.extra.push(format!("{name}/"));
                    pending.push(path);
                    continue;
                }
                let file = corpus.get(&name).filter(|_| kind.is_file());
                let Some(file) = file else {
                    check.extra.push(name);
                    continue;
                };
                seen.insert(name.clone());
                let body = std::fs::read(&path).map_err(|e| unreadable(&path, e))?;
                if body == file.body {
                    check.verified += 1;
                    check.bytes += body.len() as u64;
                } else {
                    check.wrong.push(name);
                }
            }
        }
        check.missing = corpus
            .names()
            .into_iter()
            .filter(|n| !seen.contains(n))
            .collect();
        check.missing.sort();
        check.wrong.sort();
        check.extra.sort();
        Ok(check)
    }

    /// `None` when every file is there and right and nothing else is;
    /// otherwise which, e.g. `2 missing (a.jpg, b.jpg); 1 extra (robots.txt)`.
    pub fn problem(&self) -> Option<String> {
        let list = |what: &str, names: &[String]| {
            let mut shown: Vec<&str> = names.iter().take(3).map(String::as_str).collect();
            if names.len() > 3 {
                shown.push("…");
            }
            format!("{} {what} ({})", names.len(), shown.join(", "))
        };
        let parts: Vec<String> = [
            ("missing", &self.missing),
            ("wrong", &self.wrong),
            ("extra", &self.extra),
        ]
        .into_iter()
        .filter(|(_, names)| !names.is_empty())
        .map(|(what, names)| list(what, names))
        .collect();
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

fn unreadable(path: &Path, source: std::io::Error) -> HarnessError {
    HarnessError::Command(format!("cannot read {}: {source}", path.display()))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use fetchlab_core::{Job, Outcome, Store};
    use fetchlab_server::CorpusSpec;

    use super::*;

    fn saved(corpus: &Corpus, store: &dyn Store, index: usize, body: &[u8]) -> Outcome {
        let file = &corpus.files()[index];
        let job = Job::with_name(format!("http://127.0.0.1/{}", file.name), file.name.clone());
        let mut sink = store.begin(&job).unwrap();
        sink.write(body).unwrap();
        let bytes = sink.commit().unwrap();
        Outcome {
            job,
            status: Status::Saved {
                bytes,
                resume: fetchlab_core::Resume::None,
            },
            attempts: 1,
            elapsed: Duration::ZERO,
        }
    }

    #[test]
    fn right_bodies_pass_and_a_flipped_byte_fails_loudly() {
        let corpus = Corpus::generate(&CorpusSpec::files(3, 100, 200));
        let expected = Expected::of(&corpus);
        let store = HashStore::new();
        let mut outcomes: Vec<Outcome> = (0..3)
            .map(|i| saved(&corpus, &store, i, &corpus.files()[i].body))
            .collect();
        let report = Report::new("test", outcomes.clone(), Duration::ZERO);
        expected.verify(&report, 3, &store).unwrap();
        assert!(expected.verify(&report, 4, &store).is_err());

        let mut body = corpus.files()[1].body.to_vec();
        body[0] ^= 1;
        outcomes[1] = saved(&corpus, &store, 1, &body);
        let report = Report::new("test", outcomes, Duration::ZERO);
        let message = expected.verify(&report, 3, &store).unwrap_err().to_string();
        assert!(
            message.starts_with("VERIFICATION FAILED: test saved"),
            "{message}"
        );
        assert!(message.contains(&corpus.files()[1].name), "{message}");
    }

    #[test]
    fn files_saved_in_a_directory_are_verified_from_the_disk() {
        let corpus = Corpus::generate(&CorpusSpec::files(3, 100, 200));
        let expected = Expected::of(&corpus);
        let dir = tempfile::tempdir().unwrap();
        let store = fetchlab_core::DirStore::new(dir.path()).unwrap();
        let mut outcomes: Vec<Outcome> = (0..3)
            .map(|i| saved(&corpus, &store, i, &corpus.files()[i].body))
            .collect();
        let report = Report::new("test", outcomes.clone(), Duration::ZERO);
        expected.verify_dir(&report, 3, dir.path()).unwrap();

        let mut body = corpus.files()[2].body.to_vec();
        body[3] ^= 1;
        std::fs::write(dir.path().join(&corpus.files()[2].name), body).unwrap();
        let message = expected
            .verify_dir(&report, 3, dir.path())
            .unwrap_err()
            .to_string();
        assert!(message.contains(&corpus.files()[2].name), "{message}");

        std::fs::remove_file(dir.path().join(&corpus.files()[0].name)).unwrap();
        outcomes.truncate(1);
        let report = Report::new("test", outcomes, Duration::ZERO);
        let message = expected
            .verify_dir(&report, 1, dir.path())
            .unwrap_err()
            .to_string();
        assert!(message.contains("no body reached the store"), "{message}");
    }

    #[test]
    fn a_directory_is_checked_for_missing_wrong_and_extra_files() {
        let corpus = Corpus::generate(&CorpusSpec::files(5, 100, 200));
        let dir = tempfile::tempdir().unwrap();
        for file in &corpus.files()[..4] {
            std::fs::write(dir.path().join(&file.name), &file.body).unwrap();
        }
        let mut wrong = corpus.files()[1].body.to_vec();
        wrong[7] ^= 0x80;
        std::fs::write(dir.path().join(&corpus.files()[1].name), wrong).unwrap();
        std::fs::write(dir.path().join("robots.txt"), b"").unwrap();
        std::fs::create_dir(dir.path().join("127.0.0.1")).unwrap();
        let check = DirCheck::of(dir.path(), &corpus).unwrap();
        assert_eq!(check.verified, 3);
        assert_eq!(check.missing, [corpus.files()[4].name.clone()]);
        assert_eq!(check.wrong, [corpus.files()[1].name.clone()]);
        assert_eq!(check.extra, ["127.0.0.1/", "robots.txt"]);
        let problem = check.problem().unwrap();
        assert!(problem.starts_with("1 missing ("), "{problem}");
        assert!(
            problem.ends_with("2 extra (127.0.0.1/, robots.txt)"),
            "{problem}"
        );

        let whole = tempfile::tempdir().unwrap();
        for file in corpus.files() {
            std::fs::write(whole.path().join(&file.name), &file.body).unwrap();
        }
        let check = DirCheck::of(whole.path(), &corpus).unwrap();
        assert_eq!((check.verified, check.problem()), (5, None));
    }
}
