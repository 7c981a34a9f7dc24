//! Writing an async backend's bodies off its runtime, in batches.
//!
//! A [`crate::DirStore`] does real file I/O (create a temporary file,
//! write, rename), which must not run on a runtime's worker threads.
//! [`Offloaded`] gathers the chunks a body arrives in and hands them to the
//! runtime's blocking pool ([`AsyncRuntime::spawn_blocking`]) in batches of
//! [`BATCH_BYTES`]; the [`BodyWriter`] travels into the blocking task and
//! back. Opening the sink ([`BodyOpening::open`]: afresh, or appending to a
//! kept partial body on a `206`) happens in the first batch and committing
//! it in the last, so a thumbnail costs exactly one blocking task.
//!
//! A body shorter than a batch into a store that saves small bodies
//! quickly ([`crate::Store::saves_small_bodies_quickly`]: a
//! [`crate::HashStore`], or a [`crate::DirStore`] in its atomic mode on a
//! memory file system) is not handed off at all. When its
//! `Content-Length` says it is that short, each chunk goes straight into
//! the sink as it arrives (opened with the first chunk); otherwise its
//! chunks are gathered and it is saved in one go when it ends. Both on
//! the runtime's thread. The hand-off cost more than the work: each
//! blocking task is a wake of a pool thread and a wake back (about five
//! `futex` calls and two context switches), while the save is SHA-256
//! over the body in memory, or a few file system calls that wait for no
//! device. Writing chunk by chunk holds no copy of the body: in `perf`
//! samples of the runtime thread (`fetchlab compare --jobs 10000 -c 1000
//! --latency 100ms -s tokio --runs 1`, two runs each) `memmove` fell
//! from 4.7–4.8 % to 3.2–3.6 %.
//!
//! A [`crate::DirStore`] on a disk file system (ext4 …) says no, in both
//! durability modes, and so does a durable one anywhere. Saving in place
//! was tried for its atomic mode on every file system (an `openat`, a
//! `write`, a `linkat` and a `close` into the page cache) and measured
//! with `benches/disk/nginx-vs-peers.sh`, 1000 files at 20 workers: on
//! ext4, within one run, in place took 0.745 s against 0.525 s for the
//! same files synced through the blocking pool — on one runtime thread
//! every file system call waits in turn, where the pool runs them side by
//! side. On tmpfs or ramfs nothing waits, so there the atomic store says
//! yes. Measured with `perf stat -r 10 --pre 'rm -rf /dev/shm/o' fetchlab
//! download -q -s tokio -c 20 -o /dev/shm/o urls.txt` (1000 files of
//! 8–40 KB from `fetchlab serve --files 1000 --seed 2026 --delay 0ms`,
//! client and server at `nice -20` on a shared 2-core machine), two
//! back-to-back pairs: tokio 94.0 and 99.6 ms of CPU (task-clock), 88 and
//! 90 ms wall, handed off; 73.5 and 70.9 ms CPU, 80 and 76 ms wall, in
//! place (curl `--parallel-immediate` in the same series: 78.5 ms CPU,
//! 75 ms wall); async-std 165 → 105 ms CPU. Under heavier load later
//! (wall times meaningless), four more pairs gave tokio 110–126 → 80–85
//! ms at concurrency 20 and 130–152 → 104–118 ms at concurrency 100.
//! Every blocking task is gone: `strace -f -c` of one tokio run counted
//! 5,858 → 1 `futex` calls and 16,956 → 9,830 system calls in all.
//!
//! The rule for a store: say yes when saving a body of up to a batch
//! waits for nothing and costs no more CPU than the hand-off, so that the
//! runtime thread is never held for long (tens of µs) and the process's
//! CPU per body only falls. Measured with `perf record` (samples per
//! thread) on tokio's current-thread runtime, `fetchlab compare --jobs
//! 10000 -c 1000 --latency 100ms` into a `HashStore` (bodies of 8–40 KB,
//! 24 KB on average): handing each body off cost ~14 µs on the runtime
//! thread and ~18 µs more on the pool thread, besides the hashing itself
//! (~14 µs, about 1.7 GB/s, so at most ~40 µs for a batch). Hashing in
//! place left the runtime thread's samples unchanged (2,746 and 2,518
//! before, 2,616 and 2,556 after: the hashing replaced the hand-off) and
//! removed the pool's 627–636 samples. In `getrusage` CPU per request,
//! median of four 5-run or 3-run medians on a shared 2-core machine:
//! tokio 109 → 91 µs, async-std 133 → 119 µs; `strace -f -c` of one run
//! (client and server): `futex` 71,320 → 8,124 for tokio, 89,492 →
//! 43,889 for async-std. A body that grows past a batch is still written
//! in the blocking pool, a batch at a time, so hashing a large body never
//! holds the runtime.
//!
//! Measured against one blocking task per body fed by a bounded channel
//! (tokio, 1,000 jobs, 0 ms, concurrency 20): 13,400 vs 11,700 requests/s
//! and 82 vs 97 µs CPU per request into a `HashStore`; the channel also
//! holds a blocking thread per body in flight, so at high concurrency it
//! needs as many threads as downloads.

use std::mem;
use std::sync::Arc;

use crate::outcome::{Failure, FailureKind};

use super::transfer::{BodyOpening, BodyWriter};
use super::transport::AsyncRuntime;

/// Chunks are written once this many bytes are pending.
pub const BATCH_BYTES: usize = 64 * 1024;

/// A body on its way to the store.
pub struct Offloaded {
    /// Not yet opened (no batch flushed yet), or open.
    writer: Option<BodyWriter>,
    opening: Arc<BodyOpening>,
    pending: Vec<u8>,
    received: u64,
    /// Written chunk by chunk on the calling thread (see
    /// [`Offloaded::new`]): nothing is gathered in `pending`.
    in_place: bool,
}

/// What a blocking flush gives back.
enum Flushed {
    /// The body continues: the writer and the emptied batch buffer.
    Open(BodyWriter, Vec<u8>),
    /// The body was committed; its size.
    Committed(u64),
}

impl Offloaded {
    /// A body to be saved as `opening` says. A body announced shorter than
    /// a batch into a store that saves small bodies quickly is written in
    /// place, each chunk as it comes (the sink opened with the first one),
    /// instead of being gathered and saved when it ends: the same calls on
    /// the same thread, without a copy of the body and its buffer.
    pub fn new(opening: BodyOpening) -> Self {
        let in_place = opening
            .head
            .content_length
            .is_some_and(|length| length < BATCH_BYTES as u64)
            && opening.store.saves_small_bodies_quickly();
        Self {
            writer: None,
            opening: Arc::new(opening),
            pending: Vec::new(),
            received: 0,
            in_place,
        }
    }

    /// Bytes received so far.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Adds a chunk. Flushes when a batch is full, and at once when the
    /// body passes its size limit or its `Content-Length`, so that the
    /// [`BodyWriter`] refuses it before more is read.
    pub async fn push(&mut self, runtime: &impl AsyncRuntime, chunk: &[u8]) -> Result<(), Failure> {
        if self.in_place {
            self.received += chunk.len() as u64;
            let writer = match &mut self.writer {
                Some(writer) => writer,
                None => self.writer.insert(self.opening.open()?),
            };
            // The writer refuses a body past its limit or its length.
            return writer.write(chunk);
        }
        if self.pending.capacity() == 0 {
            self.pending
                .reserve_exact(self.first_batch_capacity(chunk.len()));
        }
        self.received += chunk.len() as u64;
        self.pending.extend_from_slice(chunk);
        let total = self
            .received
            .saturating_add(self.opening.resumed_from.unwrap_or(0));
        let expected = self.opening.head.content_length;
        let overflow = total > self.opening.max || expected.is_some_and(|e| self.received > e);
        if (overflow || self.pending.len() >= BATCH_BYTES)
            && let Flushed::Open(writer, buffer) = self.flush(runtime, false).await?
        {
            self.writer = Some(writer);
            self.pending = buffer;
        }
        Ok(())
    }

    /// How much room the batch buffer gets before its first chunk: the
    /// rest of the body when its length is known, up to a batch, so that a
    /// small body is gathered in one allocation of its own size instead of
    /// up to four doublings (in `perf` samples the saving was within the
    /// noise; it also holds no more memory than the body needs); the
    /// chunk's own size when the length is unknown.
    fn first_batch_capacity(&self, chunk: usize) -> usize {
        let left = self
            .opening
            .head
            .content_length
            .map_or(0, |length| length.saturating_sub(self.received));
        usize::try_from(left)
            .unwrap_or(usize::MAX)
            .min(BATCH_BYTES)
            .max(chunk)
    }

    /// Writes what is pending, checks the length and commits the body;
    /// returns its size. A small body the store saves quickly is saved
    /// here, on the calling thread (see the module docs).
    pub async fn finish(mut self, runtime: &impl AsyncRuntime) -> Result<u64, Failure> {
        let flushed = if self.saves_in_place() {
            self.batch(true)()?
        } else {
            self.flush(runtime, true).await?
        };
        match flushed {
            Flushed::Committed(bytes) => Ok(bytes),
            // A last batch always ends in a commit or an error.
            Flushed::Open(..) => Err(Failure::new(FailureKind::Io, "body was not committed")),
        }
    }

    /// Whether [`Offloaded::finish`] saves the body without a hand-off:
    /// it was written in place, or no batch was flushed yet (so all of it
    /// is pending, less than [`BATCH_BYTES`]) and the store saves small
    /// bodies quickly.
    fn saves_in_place(&self) -> bool {
        self.in_place
            || self.writer.is_none()
                && self.pending.len() < BATCH_BYTES
                && self.opening.store.saves_small_bodies_quickly()
    }

    /// The work of writing what is pending: opens the sink if needed,
    /// writes the batch, and on the `last` one finishes the body.
    fn batch(&mut self, last: bool) -> impl FnOnce() -> Result<Flushed, Failure> + Send + 'static {
        let mut batch = mem::take(&mut self.pending);
        let writer = self.writer.take();
        let opening = Arc::clone(&self.opening);
        move || {
            let mut writer = match writer {
                Some(writer) => writer,
                None => opening.open()?,
            };
            writer.write(&batch)?;
            if last {
                return writer.finish().map(Flushed::Committed);
            }
            batch.clear();
            Ok(Flushed::Open(writer, batch))
        }
    }

    /// [`Offloaded::batch`], on a blocking thread.
    async fn flush(&mut self, runtime: &impl AsyncRuntime, last: bool) -> Result<Flushed, Failure> {
        let work = self.batch(last);
        match runtime.spawn_blocking(work).await {
            Ok(result) => result,
            Err(why) => Err(Failure::new(
                FailureKind::Io,
                format!("body writer task failed: {why}"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::testing::{InlineRuntime, block_on};
    use crate::backend::transfer::ResponseHead;
    use crate::{HashStore, Job};

    fn opening(store: &HashStore, len: Option<u64>, max: u64) -> BodyOpening {
        BodyOpening {
            store: Arc::new(store.clone()),
            job: Job::with_name("http://127.0.0.1/a", "a"),
            head: ResponseHead {
                status: 200,
                content_length: len,
                retry_after: None,
            },
            content_range: None,
            resumed_from: None,
            without_range: crate::Resume::None,
            max,
            origin: crate::store::PartialOrigin::new("http://127.0.0.1/a", None, None),
        }
    }

    #[test]
    fn batches_reach_the_store_whole() {
        let store = HashStore::new();
        let runtime = InlineRuntime::default();
        block_on(async {
            let mut body = Offloaded::new(opening(&store, Some(100_000), 1 << 20));
            for _ in 0..10 {
                body.push(&runtime, &[7u8; 10_000]).await.expect("fits");
            }
            assert_eq!(body.finish(&runtime).await.expect("committed"), 100_000);
        });
        let expected = crate::store::sha256_hex(&[7u8; 100_000]);
        assert_eq!(store.digest("a").expect("saved").sha256, expected);
        // 100,000 bytes in 64 KiB batches: one full batch, then the rest
        // with the commit.
        assert_eq!(runtime.blocking_calls(), 2);
    }

    #[test]
    fn small_bodies_are_saved_in_place_when_the_store_allows() {
        use crate::Store as _;
        let runtime = InlineRuntime::default();
        let dir = tempfile::tempdir().unwrap();
        let atomic = crate::DirStore::new(dir.path()).unwrap();
        // Saved in place only on a memory file system (which the store's
        // own tests check against the mount table).
        let atomic_handed_off = usize::from(!atomic.saves_small_bodies_quickly());
        let durable = atomic
            .clone()
            .with_durability(crate::store::Durability::Durable);
        let hashed = HashStore::new();
        let body = vec![5u8; BATCH_BYTES - 1];
        let mut stores = vec![
            (
                Arc::new(atomic) as Arc<dyn crate::Store>,
                "atomic",
                atomic_handed_off,
            ),
            (Arc::new(durable), "durable", 1),
            (Arc::new(hashed.clone()), "hashed", 0),
            (Arc::new(DefaultSpeed(hashed.clone())), "default", 1),
        ];
        // A store in /dev/shm, when that is a memory file system: written
        // in place, and still whole under its name.
        let shm = std::path::Path::new("/dev/shm");
        let memory_dir = shm.is_dir().then(|| tempfile::tempdir_in(shm).unwrap());
        let memory = memory_dir
            .as_ref()
            .map(|dir| crate::DirStore::new(dir.path()).unwrap())
            .filter(crate::DirStore::saves_small_bodies_quickly);
        match &memory {
            Some(store) => stores.push((Arc::new(store.clone()), "memory", 0)),
            None => println!("no memory file system at /dev/shm: in-place DirStore case skipped"),
        }
        for (store, name, handed_off) in stores {
            let before = runtime.blocking_calls();
            let mut opening = opening(&HashStore::new(), Some(body.len() as u64), 1 << 20);
            opening.store = store;
            opening.job = Job::with_name("http://127.0.0.1/a", name);
            block_on(async {
                let mut out = Offloaded::new(opening);
                out.push(&runtime, &body[..1000]).await.expect("fits");
                out.push(&runtime, &body[1000..]).await.expect("fits");
                assert_eq!(
                    out.finish(&runtime).await.expect("saved"),
                    body.len() as u64
                );
            });
            let calls = runtime.blocking_calls() - before;
            assert_eq!(calls, handed_off, "{name}: blocking tasks");
        }
        for name in ["atomic", "durable"] {
            assert_eq!(
                std::fs::read(dir.path().join(name)).unwrap(),
                body,
                "{name}"
            );
        }
        if let Some(store) = &memory {
            assert_eq!(
                std::fs::read(store.path_of(&Job::with_name("http://127.0.0.1/a", "memory")))
                    .unwrap(),
                body
            );
        }
        let expected = crate::store::sha256_hex(&body);
        for name in ["hashed", "default"] {
            assert_eq!(hashed.digest(name).expect(name).sha256, expected);
        }
    }

    #[test]
    fn a_small_body_of_known_length_is_streamed_in_place_without_a_copy() {
        let store = HashStore::new();
        let runtime = InlineRuntime::default();
        let body = vec![9u8; 30_000];
        for (name, length) in [("known", Some(body.len() as u64)), ("unknown", None)] {
            let mut opening = opening(&store, length, 1 << 20);
            opening.job = Job::with_name("http://127.0.0.1/a", name);
            block_on(async {
                let mut out = Offloaded::new(opening);
                for chunk in body.chunks(8192) {
                    out.push(&runtime, chunk).await.expect("fits");
                }
                // Known length: straight into the sink; unknown: gathered.
                let gathered = out.pending.capacity() > 0;
                assert_eq!(gathered, length.is_none(), "{name}");
                assert_eq!(out.finish(&runtime).await.expect("saved"), 30_000);
            });
        }
        assert_eq!(runtime.blocking_calls(), 0);
        let expected = crate::store::sha256_hex(&body);
        for name in ["known", "unknown"] {
            assert_eq!(store.digest(name).expect(name).sha256, expected);
        }
    }

    /// A store that keeps the trait's answer to
    /// [`crate::Store::saves_small_bodies_quickly`] (no).
    struct DefaultSpeed(HashStore);

    impl crate::Store for DefaultSpeed {
        fn check(&self, job: &Job) -> Result<crate::store::Presence, Failure> {
            self.0.check(job)
        }

        fn begin(&self, job: &Job) -> Result<Box<dyn crate::Sink>, Failure> {
            self.0.begin(job)
        }
    }

    #[test]
    fn oversize_and_overlength_fail_at_once() {
        let store = HashStore::new();
        let runtime = InlineRuntime::default();
        block_on(async {
            let mut body = Offloaded::new(opening(&store, None, 10));
            let failure = body.push(&runtime, b"eleven byte").await.unwrap_err();
            assert_eq!(failure.kind, FailureKind::TooLarge);

            let mut body = Offloaded::new(opening(&store, Some(3), 10));
            let failure = body.push(&runtime, b"four").await.unwrap_err();
            assert_eq!(failure.kind, FailureKind::Protocol);
        });
        assert!(store.is_empty());
    }
}
