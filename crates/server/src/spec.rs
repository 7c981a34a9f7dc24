//! [`CorpusSpec`]: the description of a generated corpus, and the
//! generation itself.

use fetchlab_core::{SEED_NAMES_COUNT, seed_names};

use crate::corpus::{Corpus, CorpusFile};
use crate::prng::{SplitMix64, mix, pseudo_random_bytes};

/// The seed every default corpus and server configuration uses.
pub const DEFAULT_SEED: u64 = 2026;

/// The most bytes a generated corpus may hold in memory.
pub const MAX_GENERATED_BYTES: u64 = 8 << 30;

/// Generated files larger than this (1 GiB) are [streamed](CorpusFile::streamed):
/// made as they are served, never held.
pub const STREAM_ABOVE: u64 = 1 << 30;

/// A [`CorpusSpec`] whose bodies would not fit in memory.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "{count} files of up to {max_size} bytes may need {needed} bytes in memory, \
     more than the {MAX_GENERATED_BYTES}-byte limit of a generated corpus \
     (files over {STREAM_ABOVE} bytes are streamed and do not count); \
     serve fewer or smaller files (or a directory)"
)]
pub struct CorpusTooLarge {
    count: usize,
    max_size: usize,
    needed: u128,
}

/// Describes a generated corpus: how many files, their size range, the seed.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CorpusSpec {
    /// Number of files. With [`SEED_NAMES_COUNT`] (80) the files carry the
    /// seed names `zzpic23110_s.jpg` … `zzpic23189_s.jpg`; otherwise they are
    /// named `file00000.bin`, `file00001.bin`, …
    pub count: usize,
    /// Smallest body size in bytes (inclusive).
    pub min_size: usize,
    /// Largest body size in bytes (inclusive). Swapped with `min_size` if smaller.
    pub max_size: usize,
    /// Seed for sizes and contents: the same spec always gives the same bytes.
    pub seed: u64,
    /// `Some(n)`: the sizes repeat every `n` files — file `i` is as large
    /// as file `i % n` of an `n`-file spec with the same seed and range
    /// (e.g. 1,000 files of the seed's 80 sizes, cycled). Contents stay
    /// distinct. `None` (or 0): every file draws its own size.
    pub size_cycle: Option<usize>,
}

impl Default for CorpusSpec {
    /// The seed workload: 80 thumbnails of 8–40 KiB.
    fn default() -> Self {
        CorpusSpec {
            count: SEED_NAMES_COUNT,
            min_size: 8 * 1024,
            max_size: 40 * 1024,
            seed: DEFAULT_SEED,
            size_cycle: None,
        }
    }
}

impl CorpusSpec {
    /// The seed workload (same as [`CorpusSpec::default`]).
    pub fn seed_thumbnails() -> Self {
        Self::default()
    }

    /// `count` files with sizes in `min_size..=max_size`, default seed.
    pub fn files(count: usize, min_size: usize, max_size: usize) -> Self {
        CorpusSpec {
            count,
            min_size,
            max_size,
            seed: DEFAULT_SEED,
            size_cycle: None,
        }
    }

    /// The same spec with another seed.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The same spec with sizes repeating every `n` files (see
    /// [`size_cycle`](Self::size_cycle)).
    pub fn with_size_cycle(mut self, n: usize) -> Self {
        self.size_cycle = Some(n);
        self
    }

    /// Refuses a spec whose bodies held in memory may exceed
    /// [`MAX_GENERATED_BYTES`] (counted at the largest size that is held,
    /// before any byte is allocated; streamed files do not count).
    pub fn check_size(&self) -> Result<(), CorpusTooLarge> {
        let largest = self.max_size.max(self.min_size);
        let held = (largest as u64).min(STREAM_ABOVE);
        let needed = self.count as u128 * u128::from(held);
        if needed > u128::from(MAX_GENERATED_BYTES) {
            return Err(CorpusTooLarge {
                count: self.count,
                max_size: largest,
                needed,
            });
        }
        Ok(())
    }

    /// The file names this spec produces, in order.
    pub fn names(&self) -> Vec<String> {
        if self.count == SEED_NAMES_COUNT {
            seed_names()
        } else {
            (0..self.count).map(|i| format!("file{i:05}.bin")).collect()
        }
    }
}

impl Corpus {
    /// Generates the corpus `spec` describes; the same spec gives the same
    /// bytes on every machine and every version (a fixed SplitMix64 stream).
    pub fn generate(spec: &CorpusSpec) -> Corpus {
        let lo = spec.min_size.min(spec.max_size) as u64;
        let span = spec.max_size.max(spec.min_size) as u64 - lo;
        let mut draws = SplitMix64::new(spec.seed);
        let mut drawn: Vec<u64> = Vec::new();
        let cycle = spec.size_cycle.filter(|&n| n > 0);
        let files = spec.names().into_iter().enumerate().map(|(i, name)| {
            // Sizes are the seed's draws in order, so file `i % n` of any
            // spec with this seed and range has the same one.
            let size = match cycle {
                Some(n) if i >= n => drawn[i % n],
                _ => {
                    let raw = draws.next_u64();
                    let size = lo + span.checked_add(1).map_or(raw, |m| raw % m);
                    if cycle.is_some() {
                        drawn.push(size);
                    }
                    size
                }
            };
            let seed = spec.seed ^ mix(i as u64 + 1);
            if size > STREAM_ABOVE {
                return CorpusFile::streamed(name, seed, size);
            }
            CorpusFile::new(name, pseudo_random_bytes(seed, size as usize))
        });
        Corpus::from_files(files).with_origin(crate::corpus::Origin::Generated(spec.clone()))
    }
}
