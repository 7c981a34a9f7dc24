//! [`HashStore`]: sizes and checksums only, no bodies.

use std::collections::HashMap;
use std::io;
use std::sync::{Arc, Mutex, PoisonError};

use sha2::{Digest, Sha256};

use super::{Presence, Sink, Store, refuse_unsafe};
use crate::job::Job;
use crate::outcome::Failure;

/// A body's size and SHA-256, as hex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest256 {
    /// Size in bytes.
    pub bytes: u64,
    /// Lower-case hex SHA-256.
    pub sha256: String,
}

/// Keeps no bodies, only their size and SHA-256: measures the network
/// without the disk, and still lets every body be verified.
#[derive(Debug, Default, Clone)]
pub struct HashStore {
    digests: Arc<Mutex<HashMap<String, Digest256>>>,
}

impl HashStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The digest of the body committed under `name`, if any.
    pub fn digest(&self, name: &str) -> Option<Digest256> {
        self.lock().get(name).cloned()
    }

    /// How many bodies were committed.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no body was committed.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Digest256>> {
        lock_digests(&self.digests)
    }
}

fn lock_digests(
    digests: &Mutex<HashMap<String, Digest256>>,
) -> std::sync::MutexGuard<'_, HashMap<String, Digest256>> {
    // A panic while holding the lock cannot leave the map half-updated
    // (one insert), so a poisoned lock is still usable.
    digests.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Store for HashStore {
    fn check(&self, job: &Job) -> Result<Presence, Failure> {
        refuse_unsafe(job).map(|()| Presence::Absent)
    }

    fn begin(&self, job: &Job) -> Result<Box<dyn Sink>, Failure> {
        refuse_unsafe(job)?;
        Ok(Box::new(HashSink {
            digests: Arc::clone(&self.digests),
            name: job.name().to_owned(),
            hasher: Sha256::new(),
            bytes: 0,
        }))
    }

    /// Yes: hashing a body shorter than a batch (64 KiB) in memory waits
    /// for nothing and takes under 40 µs, while handing it to a blocking
    /// thread and back costs about 30 µs of CPU besides the hashing (see
    /// [`crate::backend::offload`] for the measurement).
    fn saves_small_bodies_quickly(&self) -> bool {
        true
    }
}

struct HashSink {
    digests: Arc<Mutex<HashMap<String, Digest256>>>,
    name: String,
    hasher: Sha256,
    bytes: u64,
}

impl Sink for HashSink {
    fn write(&mut self, chunk: &[u8]) -> io::Result<()> {
        self.hasher.update(chunk);
        self.bytes += chunk.len() as u64;
        Ok(())
    }

    fn commit(self: Box<Self>) -> io::Result<u64> {
        let digest = Digest256 {
            bytes: self.bytes,
            sha256: hex::encode(self.hasher.finalize()),
        };
        lock_digests(&self.digests).insert(self.name, digest);
        Ok(self.bytes)
    }
}

/// The SHA-256 of `bytes` as lower-case hex, as [`HashStore`] records it.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_store_records_digests() {
        let store = HashStore::new();
        let job = Job::with_name("http://127.0.0.1/a", "a");
        let mut sink = store.begin(&job).unwrap();
        sink.write(b"ab").unwrap();
        sink.write(b"c").unwrap();
        sink.commit().unwrap();
        let digest = store.digest("a").unwrap();
        assert_eq!(digest.bytes, 3);
        assert_eq!(digest.sha256, sha256_hex(b"abc"));
        assert!(store.resume(&job, 1).is_err());
    }
}
