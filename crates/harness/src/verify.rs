//! Every saved body, checked byte for byte (by SHA-256) against the corpus.
//! A mismatch voids the measurement: a fast wrong download is not a result.

use std::collections::HashMap;

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
            let Status::Saved { bytes } = outcome.status else {
                continue;
            };
            let name = outcome.job.name();
            let Some((size, sha256)) = self.files.get(name) else {
                return Err(void(name, "the corpus has no such file".into()));
            };
            let Some(digest) = store.digest(name) else {
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use fetchlab_core::{Job, Outcome, Store};
    use fetchlab_server::CorpusSpec;

    use super::*;

    fn saved(corpus: &Corpus, store: &HashStore, index: usize, body: &[u8]) -> Outcome {
        let file = &corpus.files()[index];
        let job = Job::with_name(format!("http://127.0.0.1/{}", file.name), file.name.clone());
        let mut sink = store.begin(&job).unwrap();
        sink.write(body).unwrap();
        let bytes = sink.commit().unwrap();
        Outcome {
            job,
            status: Status::Saved { bytes },
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
}
