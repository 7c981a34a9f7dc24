//! Streams a body into the store, reading with timeouts and writing off
//! the executor.
//!
//! Reads go into a 16 KiB buffer, each bounded by the read timeout (and by
//! what is left of the total timeout). Bytes gather in a batch of up to
//! [`BATCH_BYTES`] that [`async_std::task::spawn_blocking`] hands to the
//! [`BodyWriter`] (opening the sink with [`open_body`] on the first batch,
//! afresh or appending to a kept partial body on a `206`; committing on
//! the last), so a thumbnail costs one blocking task and a
//! [`fetchlab_core::DirStore`]'s file I/O never runs on an executor thread.

use std::mem;
use std::sync::Arc;

pub(crate) use fetchlab_core::transfer::BodyOpening as Opening;
use fetchlab_core::transfer::{BodyWriter, classify_io_error};
use fetchlab_core::{Failure, FailureKind};
use futures::AsyncReadExt;

use crate::pool::Reuse;
use crate::shared::Shared;
use crate::wait::{Deadline, Waited, bounded};

/// Bytes asked for per read.
const READ_BYTES: usize = 16 * 1024;

/// Bytes gathered before a blocking write.
pub const BATCH_BYTES: usize = 64 * 1024;

/// Reads `body` to its end into the store. Marks the connection reusable
/// once the body was read completely. `None` when the run was cancelled.
pub async fn save(
    shared: &Shared,
    opening: Opening,
    mut body: surf::Body,
    deadline: &Deadline,
    reuse: &Reuse,
) -> Option<Result<u64, Failure>> {
    let expected = opening.head.content_length;
    let mut out = Batches::new(opening);
    let mut buf = vec![0u8; READ_BYTES];
    loop {
        let (limit, timeout) = deadline.read_limit(shared.settings.read_timeout);
        let n = match bounded(&shared.cancel, limit, body.read(&mut buf)).await {
            Waited::Cancelled => return None,
            Waited::TimedOut => return Some(Err(timeout)),
            Waited::Ready(Err(err)) => {
                return Some(Err(read_failure(&err, out.received, expected)));
            }
            Waited::Ready(Ok(0)) => break,
            Waited::Ready(Ok(n)) => n,
        };
        if let Err(failure) = out.push(&buf[..n]).await {
            return Some(Err(failure));
        }
    }
    if expected.is_none_or(|e| e == out.received) {
        reuse.allow();
    }
    drop(body);
    Some(out.finish().await)
}

fn read_failure(err: &std::io::Error, received: u64, expected: Option<u64>) -> Failure {
    let at = match expected {
        Some(expected) => format!("after {received} of {expected} bytes"),
        None => format!("after {received} bytes"),
    };
    Failure::new(classify_io_error(err), format!("body failed {at}: {err}"))
}

/// A body on its way to the store in batches.
struct Batches {
    /// Not yet opened (no batch flushed yet), or open.
    writer: Option<BodyWriter>,
    opening: Arc<Opening>,
    pending: Vec<u8>,
    received: u64,
}

/// What a blocking flush gives back.
enum Flushed {
    /// The body continues: the writer and the emptied batch buffer.
    Open(BodyWriter, Vec<u8>),
    /// The body was committed; its size.
    Committed(u64),
}

impl Batches {
    fn new(opening: Opening) -> Self {
        Self {
            writer: None,
            opening: Arc::new(opening),
            pending: Vec::new(),
            received: 0,
        }
    }

    /// Adds bytes; flushes a full batch, and at once when the body passes
    /// its limit or its `Content-Length` so the writer refuses it now.
    async fn push(&mut self, bytes: &[u8]) -> Result<(), Failure> {
        self.received += bytes.len() as u64;
        self.pending.extend_from_slice(bytes);
        let total = self.received + self.opening.resumed_from.unwrap_or(0);
        let expected = self.opening.head.content_length;
        let overflow = total > self.opening.max || expected.is_some_and(|e| self.received > e);
        if (overflow || self.pending.len() >= BATCH_BYTES)
            && let Flushed::Open(writer, buffer) = self.flush(false).await?
        {
            self.writer = Some(writer);
            self.pending = buffer;
        }
        Ok(())
    }

    async fn finish(mut self) -> Result<u64, Failure> {
        match self.flush(true).await? {
            Flushed::Committed(bytes) => Ok(bytes),
            // `flush(true)` always ends in a commit or an error.
            Flushed::Open(..) => Err(Failure::new(FailureKind::Io, "body was not committed")),
        }
    }

    /// Opens the sink if needed, writes the batch, and on the `last` one
    /// finishes the body, on a blocking thread.
    async fn flush(&mut self, last: bool) -> Result<Flushed, Failure> {
        let mut batch = mem::take(&mut self.pending);
        let writer = self.writer.take();
        let opening = Arc::clone(&self.opening);
        async_std::task::spawn_blocking(move || {
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
        })
        .await
    }
}
