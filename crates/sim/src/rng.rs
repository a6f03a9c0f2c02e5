//! The one source of randomness. Every subsystem draws from its own named stream forked from the
//! root seed, so adding draws to the workload does not reshuffle the network's jitter.

use rand::rngs::ChaCha8Rng;
use rand::{Rng, RngExt, SeedableRng};

/// A seeded, reproducible random stream (ChaCha8: identical on native and wasm32).
#[derive(Debug)]
pub struct SimRng {
    inner: ChaCha8Rng,
}

/// ChaCha8Rng is not `Clone` on purpose (to avoid reusing a stream by accident); a world
/// checkpoint needs exactly that, so the copy goes through the generator's serialized state.
impl Clone for SimRng {
    fn clone(&self) -> Self {
        SimRng {
            inner: ChaCha8Rng::deserialize_state(&self.inner.serialize_state()),
        }
    }
}

impl SimRng {
    /// The root stream of a world.
    pub fn new(seed: u64) -> Self {
        SimRng {
            inner: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// A stream derived from `seed` and `name` only, independent of how much any other stream
    /// has been used.
    pub fn stream(seed: u64, name: &str) -> Self {
        Self::new(seed ^ fnv1a(name.as_bytes()).rotate_left(17))
    }

    /// A uniform integer in `0..bound`; `bound` of zero gives zero.
    pub fn below(&mut self, bound: u64) -> u64 {
        if bound == 0 {
            0
        } else {
            self.inner.random_range(0..bound)
        }
    }

    /// True with probability `per_million` / 1 000 000. Probabilities are integers so that no
    /// float rounding can differ between targets.
    pub fn chance_per_million(&mut self, per_million: u32) -> bool {
        per_million > 0 && (self.inner.next_u32() % 1_000_000) < per_million
    }

    /// A raw 32-bit draw, for algorithms specified on Java's `int` (such as Kafka's sticky
    /// partitioner).
    pub fn next_u32(&mut self) -> u32 {
        self.inner.next_u32()
    }
}

/// FNV-1a, used to turn a stream name into seed bits; stable across platforms and releases.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &byte in bytes {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream() {
        let mut a = SimRng::stream(42, "network");
        let mut b = SimRng::stream(42, "network");
        let xs: Vec<u64> = (0..16).map(|_| a.below(1000)).collect();
        let ys: Vec<u64> = (0..16).map(|_| b.below(1000)).collect();
        assert_eq!(xs, ys);
    }

    #[test]
    fn named_streams_differ() {
        let mut a = SimRng::stream(42, "network");
        let mut b = SimRng::stream(42, "faults");
        let xs: Vec<u64> = (0..16).map(|_| a.below(1 << 40)).collect();
        let ys: Vec<u64> = (0..16).map(|_| b.below(1 << 40)).collect();
        assert_ne!(xs, ys);
    }

    #[test]
    fn a_clone_continues_the_same_stream() {
        let mut a = SimRng::new(5);
        a.below(10);
        let mut b = a.clone();
        let xs: Vec<u64> = (0..16).map(|_| a.below(1 << 40)).collect();
        let ys: Vec<u64> = (0..16).map(|_| b.below(1 << 40)).collect();
        assert_eq!(xs, ys);
    }

    #[test]
    fn chance_extremes() {
        let mut rng = SimRng::new(7);
        assert!((0..1000).all(|_| !rng.chance_per_million(0)));
        assert!((0..1000).all(|_| rng.chance_per_million(1_000_000)));
    }

    #[test]
    fn below_stays_in_range() {
        let mut rng = SimRng::new(1);
        assert_eq!(rng.below(0), 0);
        assert!((0..1000).all(|_| rng.below(3) < 3));
    }
}
