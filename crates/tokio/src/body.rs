//! Streams a body into the store without blocking the runtime.
//!
//! A [`fetchlab_core::DirStore`] does real file I/O (create a temporary
//! file, write, rename), which must not run on a runtime worker thread.
//! [`OffloadedBody`] gathers the chunks reqwest yields and hands them to
//! [`tokio::task::spawn_blocking`] in batches of [`BATCH_BYTES`]; the
//! [`BodyWriter`] travels into the blocking task and back. Opening the
//! sink ([`open_body`]: afresh, or appending to a kept partial body on a
//! `206`) happens in the first batch and committing it in the last, so a
//! thumbnail costs exactly one blocking task.
//!
//! Alternative measured (see the crate docs): one blocking task per body
//! fed by a bounded channel. It holds a blocking thread for the whole
//! transfer, so at high concurrency it needs as many threads as downloads.

use std::sync::Arc;

use bytes::{Bytes, BytesMut};
pub(crate) use fetchlab_core::transfer::BodyOpening as Opening;
use fetchlab_core::transfer::BodyWriter;
use fetchlab_core::{Failure, FailureKind};

/// Chunks are written once this many bytes are pending.
pub const BATCH_BYTES: usize = 64 * 1024;

/// A body on its way to the store.
pub struct OffloadedBody {
    /// Not yet opened (no chunk flushed yet), or open.
    writer: Option<BodyWriter>,
    opening: Arc<Opening>,
    pending: BytesMut,
    received: u64,
}

impl OffloadedBody {
    /// A body to be saved as `opening` says.
    pub fn new(opening: Opening) -> Self {
        Self {
            writer: None,
            opening: Arc::new(opening),
            pending: BytesMut::new(),
            received: 0,
        }
    }

    /// Bytes received so far.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Adds a chunk. Flushes when a batch is full, and at once when the
    /// body passes its size limit or its `Content-Length`, so that the
    /// [`BodyWriter`] refuses it before more is read.
    pub async fn push(&mut self, chunk: Bytes) -> Result<(), Failure> {
        self.received += chunk.len() as u64;
        self.pending.extend_from_slice(&chunk);
        let total = self.received + self.opening.resumed_from.unwrap_or(0);
        let expected = self.opening.head.content_length;
        let overflow = total > self.opening.max || expected.is_some_and(|e| self.received > e);
        if overflow || self.pending.len() >= BATCH_BYTES {
            self.flush_batch().await?;
        }
        Ok(())
    }

    /// Writes what is pending, checks the length and commits the body;
    /// returns its size.
    pub async fn finish(mut self) -> Result<u64, Failure> {
        match self.flush(true).await? {
            Flushed::Committed(bytes) => Ok(bytes),
            // `flush(true)` always ends in a commit or an error.
            Flushed::Open(_) => Err(Failure::new(FailureKind::Io, "body was not committed")),
        }
    }

    async fn flush_batch(&mut self) -> Result<(), Failure> {
        if let Flushed::Open(writer) = self.flush(false).await? {
            self.writer = Some(writer);
        }
        Ok(())
    }

    /// Runs the blocking part: opens the sink if needed, writes the
    /// pending bytes, and on the `last` batch finishes the body.
    async fn flush(&mut self, last: bool) -> Result<Flushed, Failure> {
        let batch = self.pending.split().freeze();
        let writer = self.writer.take();
        let opening = Arc::clone(&self.opening);
        let task = tokio::task::spawn_blocking(move || {
            let mut writer = match writer {
                Some(writer) => writer,
                None => opening.open()?,
            };
            writer.write(&batch)?;
            if last {
                writer.finish().map(Flushed::Committed)
            } else {
                Ok(Flushed::Open(writer))
            }
        });
        match task.await {
            Ok(result) => result,
            Err(err) => Err(Failure::new(
                FailureKind::Io,
                format!("body writer task failed: {err}"),
            )),
        }
    }
}

/// What a flush left behind.
enum Flushed {
    /// The body continues; the writer comes back.
    Open(BodyWriter),
    /// The body was committed; its size.
    Committed(u64),
}

#[cfg(test)]
mod tests {
    use super::*;
    use fetchlab_core::transfer::ResponseHead;
    use fetchlab_core::{HashStore, Job};

    fn opening(store: &HashStore, len: Option<u64>, max: u64) -> Opening {
        Opening {
            store: Arc::new(store.clone()),
            job: Job::with_name("http://127.0.0.1/a", "a"),
            head: ResponseHead {
                status: 200,
                content_length: len,
                retry_after: None,
            },
            content_range: None,
            resumed_from: None,
            max,
        }
    }

    #[tokio::test]
    async fn batches_reach_the_store_whole() {
        let store = HashStore::new();
        let mut body = OffloadedBody::new(opening(&store, Some(100_000), 1 << 20));
        for _ in 0..10 {
            body.push(Bytes::from(vec![7u8; 10_000]))
                .await
                .expect("fits");
        }
        assert_eq!(body.finish().await.expect("committed"), 100_000);
        let expected = fetchlab_core::store::sha256_hex(&[7u8; 100_000]);
        assert_eq!(store.digest("a").expect("saved").sha256, expected);
    }

    #[tokio::test]
    async fn oversize_and_overlength_fail_at_once() {
        let store = HashStore::new();
        let mut body = OffloadedBody::new(opening(&store, None, 10));
        let failure = body
            .push(Bytes::from_static(b"eleven byte"))
            .await
            .unwrap_err();
        assert_eq!(failure.kind, FailureKind::TooLarge);

        let mut body = OffloadedBody::new(opening(&store, Some(3), 10));
        let failure = body.push(Bytes::from_static(b"four")).await.unwrap_err();
        assert_eq!(failure.kind, FailureKind::Protocol);
        assert!(store.is_empty());
    }
}
