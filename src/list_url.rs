//! `fetchlab download --list-url URL`: the URL list itself fetched over
//! HTTP (e.g. `fetchlab serve`'s `/index.txt`), with the same settings as the
//! downloads, by the sequential backend into memory.

use std::io;
use std::sync::{Arc, Mutex, PoisonError};

use anyhow::{Context, Result, bail};
use fetchlab_core::store::Presence;
use fetchlab_core::{Failure, Job, JobList, RunEnv, Settings, Sink, Status, Store};
use fetchlab_strategies::Strategy;

/// The largest URL list accepted (about a million URLs).
const MAX_LIST_BYTES: u64 = 64 << 20;

/// Fetches the list at `url` and parses it; errors name the URL (and the
/// line, for a bad one).
pub fn fetch(url: &str, settings: &Settings) -> Result<JobList> {
    let job = Job::from_url(url).map_err(|reason| anyhow::anyhow!("--list-url {url}: {reason}"))?;
    let settings = settings
        .to_builder()
        .concurrency(1)
        .max_body_bytes(settings.max_body_bytes().min(MAX_LIST_BYTES))
        .build()?;
    let store = Arc::new(MemoryStore::default());
    let downloader = Strategy::Sequential.build(settings)?;
    let report =
        downloader.download(&JobList::from_jobs(vec![job]), &RunEnv::new(store.clone()))?;
    match report.outcomes.first().map(|o| &o.status) {
        Some(Status::Saved { .. }) => {}
        Some(Status::NotFound) => bail!("cannot fetch the URL list {url}: not found (404)"),
        Some(Status::Failed(failure)) => bail!("cannot fetch the URL list {url}: {failure}"),
        _ => bail!("cannot fetch the URL list {url}"),
    }
    let text =
        String::from_utf8(store.take()).with_context(|| format!("{url} is not UTF-8 text"))?;
    Ok(JobList::parse(url, &text)?)
}

/// A store that keeps the one body it is given in memory.
#[derive(Default)]
struct MemoryStore {
    body: Arc<Mutex<Vec<u8>>>,
}

impl MemoryStore {
    fn take(&self) -> Vec<u8> {
        // A poisoned lock still holds whole chunks: appends are not interrupted.
        std::mem::take(&mut self.body.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl Store for MemoryStore {
    fn check(&self, _job: &Job) -> Result<Presence, Failure> {
        Ok(Presence::Absent)
    }

    fn begin(&self, _job: &Job) -> Result<Box<dyn Sink>, Failure> {
        Ok(Box::new(MemorySink {
            target: Arc::clone(&self.body),
            written: Vec::new(),
        }))
    }
}

/// Collects the body; hands it to the store only when committed.
struct MemorySink {
    target: Arc<Mutex<Vec<u8>>>,
    written: Vec<u8>,
}

impl Sink for MemorySink {
    fn write(&mut self, chunk: &[u8]) -> io::Result<()> {
        self.written.extend_from_slice(chunk);
        Ok(())
    }

    fn commit(self: Box<Self>) -> io::Result<u64> {
        let bytes = self.written.len() as u64;
        *self.target.lock().unwrap_or_else(PoisonError::into_inner) = self.written;
        Ok(bytes)
    }
}
