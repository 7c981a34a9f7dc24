//! SplitMix64: the tiny, fixed pseudo-random generator behind corpus bytes.
//! Unlike `rand`'s `StdRng` its output can never change between versions,
//! so corpus checksums stay the same forever.

use bytes::Bytes;

/// `len` bytes of a SplitMix64 stream seeded with `seed`.
pub(crate) fn pseudo_random_bytes(seed: u64, len: usize) -> Bytes {
    let mut rng = SplitMix64::new(seed);
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        out.extend_from_slice(&rng.next_u64().to_le_bytes());
    }
    out.truncate(len);
    Bytes::from(out)
}

/// Bytes `offset..offset + len` of the stream [`pseudo_random_bytes`]
/// makes from `seed`, without generating what comes before.
pub(crate) fn pseudo_random_range(seed: u64, offset: u64, len: usize) -> Bytes {
    let first_word = offset / 8;
    let skip = (offset % 8) as usize;
    let mut rng = SplitMix64::new(seed.wrapping_add(first_word.wrapping_mul(GOLDEN)));
    let mut out = Vec::with_capacity(len + 16);
    while out.len() < skip + len {
        out.extend_from_slice(&rng.next_u64().to_le_bytes());
    }
    out.truncate(skip + len);
    Bytes::from(out).slice(skip..)
}

/// SplitMix64's increment (the golden ratio in 64 bits).
const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64's finaliser: spreads a counter over all 64 bits.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// SplitMix64: tiny, fast, and fixed forever (unlike `rand`'s `StdRng`), so
/// corpus bytes never change between versions.
#[derive(Debug)]
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN);
        mix(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_output() {
        // Golden values: the reference SplitMix64 from seed 0.
        let mut rng = SplitMix64::new(0);
        assert_eq!(rng.next_u64(), 0xe220_a839_7b1d_cdaf);
        assert_eq!(rng.next_u64(), 0x6e78_9e6a_a1b9_65f4);
        assert_eq!(
            pseudo_random_bytes(0, 3)[..],
            0xe220_a839_7b1d_cdafu64.to_le_bytes()[..3]
        );
    }

    #[test]
    fn a_range_is_the_same_bytes_as_the_whole_stream() {
        let whole = pseudo_random_bytes(42, 1000);
        for (offset, len) in [
            (0, 1000),
            (1, 10),
            (7, 9),
            (8, 8),
            (333, 667),
            (999, 1),
            (5, 0),
        ] {
            assert_eq!(
                pseudo_random_range(42, offset, len),
                whole.slice(offset as usize..offset as usize + len),
                "{offset}+{len}"
            );
        }
    }
}
