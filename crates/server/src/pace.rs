//! Streamed body bytes at a pace: as fast as the client reads, under a
//! bandwidth cap, or dripped a few bytes at a time; from a buffer or from a
//! generated pattern (for huge bodies that are never held in memory).

use std::time::Duration;

use bytes::Bytes;
use futures::stream::{self, BoxStream, StreamExt};
use tokio::time::Instant;

/// Largest chunk a streamed body yields.
const MAX_CHUNK: usize = 64 * 1024;

/// Where streamed bytes come from.
#[derive(Clone)]
pub(crate) enum Source {
    /// A buffer (a corpus file or a slice of one).
    Bytes(Bytes),
    /// `len` bytes of a repeating pattern, generated on the fly.
    Pattern(u64),
    /// Bytes `start..start + len` of a streamed corpus file's generator.
    Generated {
        /// The generator's seed.
        seed: u64,
        /// First byte.
        start: u64,
        /// How many.
        len: u64,
    },
}

impl Source {
    pub(crate) fn len(&self) -> u64 {
        match self {
            Source::Bytes(b) => b.len() as u64,
            Source::Pattern(len) => *len,
            Source::Generated { len, .. } => *len,
        }
    }

    /// Up to `max` bytes starting at `offset`.
    fn chunk(&self, offset: u64, max: usize) -> Bytes {
        let end = (offset + max as u64).min(self.len());
        match self {
            Source::Bytes(b) => b.slice(offset as usize..end as usize),
            Source::Pattern(_) => pattern().slice(0..(end - offset) as usize),
            Source::Generated { seed, start, .. } => {
                crate::prng::pseudo_random_range(*seed, start + offset, (end - offset) as usize)
            }
        }
    }
}

/// 64 KiB of printable filler, allocated once.
fn pattern() -> Bytes {
    static PATTERN: std::sync::OnceLock<Bytes> = std::sync::OnceLock::new();
    PATTERN
        .get_or_init(|| {
            let line = b"fetchlab oversized body; a client should have stopped reading by now\n";
            Bytes::from(
                line.iter()
                    .copied()
                    .cycle()
                    .take(MAX_CHUNK)
                    .collect::<Vec<u8>>(),
            )
        })
        .clone()
}

/// How fast a streamed body goes out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pace {
    /// As fast as the client reads.
    Unlimited,
    /// At most this many bytes per second (chunk `k` is due when the bytes
    /// up to its end would have taken that long).
    Bandwidth(u64),
    /// `chunk` bytes every `every`.
    Drip {
        /// Bytes per step.
        chunk: usize,
        /// Time between steps.
        every: Duration,
    },
}

impl Pace {
    /// `Bandwidth` for `Some`, `Unlimited` for `None`.
    pub(crate) fn from_bandwidth(bandwidth: Option<u64>) -> Pace {
        bandwidth.map_or(Pace::Unlimited, Pace::Bandwidth)
    }

    fn chunk_size(self) -> usize {
        match self {
            Pace::Unlimited => MAX_CHUNK,
            // About 20 steps a second, so pacing stays smooth.
            Pace::Bandwidth(bps) => ((bps / 20) as usize).clamp(1, MAX_CHUNK),
            Pace::Drip { chunk, .. } => chunk.max(1),
        }
    }

    /// When the chunk ending at `end` (the `step`-th chunk) is due.
    fn due(self, start: Instant, end: u64, step: u32) -> Option<Instant> {
        match self {
            Pace::Unlimited => None,
            Pace::Bandwidth(bps) => Some(start + Duration::from_secs_f64(end as f64 / bps as f64)),
            Pace::Drip { every, .. } => Some(start + every.saturating_mul(step)),
        }
    }
}

/// A stream of `source`'s bytes at `pace`.
pub(crate) fn paced(source: Source, pace: Pace) -> BoxStream<'static, Bytes> {
    let chunk = pace.chunk_size();
    let start = Instant::now();
    stream::unfold((0u64, 0u32), move |(offset, step)| {
        let source = source.clone();
        async move {
            if offset >= source.len() {
                return None;
            }
            let bytes = source.chunk(offset, chunk);
            let end = offset + bytes.len() as u64;
            if let Some(due) = pace.due(start, end, step.saturating_add(1)) {
                tokio::time::sleep_until(due).await;
            }
            Some((bytes, (end, step.saturating_add(1))))
        }
    })
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(source: Source, pace: Pace) -> Vec<Bytes> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap();
        rt.block_on(paced(source, pace).collect())
    }

    #[test]
    fn unlimited_buffer_is_one_chunk_and_pattern_is_chunked() {
        let chunks = collect(Source::Bytes(Bytes::from_static(b"hello")), Pace::Unlimited);
        assert_eq!(chunks, [Bytes::from_static(b"hello")]);
        let chunks = collect(Source::Pattern(150_000), Pace::Unlimited);
        assert_eq!(
            chunks.iter().map(Bytes::len).collect::<Vec<_>>(),
            [65536, 65536, 18928]
        );
    }

    #[test]
    fn bandwidth_and_drip_take_their_time() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap();
        rt.block_on(async {
            let t0 = Instant::now();
            let n: usize = paced(Source::Pattern(10_000), Pace::Bandwidth(5_000))
                .map(|b| b.len())
                .fold(0, |a, b| async move { a + b })
                .await;
            assert_eq!(n, 10_000);
            assert_eq!(Instant::now() - t0, Duration::from_secs(2));
            let t0 = Instant::now();
            let drip = Pace::Drip {
                chunk: 16,
                every: Duration::from_millis(200),
            };
            let chunks: Vec<Bytes> = paced(Source::Bytes(Bytes::from(vec![1u8; 40])), drip)
                .collect()
                .await;
            assert_eq!(
                chunks.iter().map(Bytes::len).collect::<Vec<_>>(),
                [16, 16, 8]
            );
            assert_eq!(Instant::now() - t0, Duration::from_millis(600));
        });
    }
}
