//! Independent random-number streams, one per stochastic source.
//!
//! Every source (the failures of one node, the start-up times of one workload,
//! the scheduler's tie-breaks, ...) draws from its own generator, seeded from
//! the run seed and a stable name. Adding a source, or drawing more from one,
//! never shifts the numbers another source sees: that is what makes two
//! scenario variants comparable under common random numbers.

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// The generator behind every stream: a named, portable algorithm
/// (`StdRng`/`SmallRng` may change between releases and platforms).
pub type SimRng = Xoshiro256PlusPlus;

/// Derives named streams from one run seed.
#[derive(Clone, Copy, Debug)]
pub struct RngStreams {
    seed: u64,
}

impl RngStreams {
    /// Streams for a run with this seed.
    pub fn new(seed: u64) -> Self {
        RngStreams { seed }
    }

    /// The run seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The stream called `name`. The same (seed, name) always gives the same
    /// sequence; different names give statistically independent sequences.
    pub fn stream(&self, name: &str) -> SimRng {
        SimRng::seed_from_u64(stream_seed(self.seed, name))
    }
}

/// Mixes the run seed with a stable 64-bit hash of the name (FNV-1a, then a
/// SplitMix64 finalizer so that nearby seeds and names land far apart).
fn stream_seed(seed: u64, name: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    splitmix64(splitmix64(seed) ^ h)
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    fn first(rng: &mut SimRng, n: usize) -> Vec<u64> {
        (0..n).map(|_| rng.next_u64()).collect()
    }

    #[test]
    fn same_name_same_sequence() {
        let s = RngStreams::new(7);
        assert_eq!(first(&mut s.stream("a"), 8), first(&mut s.stream("a"), 8));
    }

    #[test]
    fn streams_are_independent_of_each_other() {
        let s = RngStreams::new(7);
        let a_alone = first(&mut s.stream("a"), 8);
        // Drawing heavily from another stream must not change stream "a".
        let mut b = s.stream("b");
        let _ = first(&mut b, 1000);
        assert_eq!(first(&mut s.stream("a"), 8), a_alone);
        assert_ne!(first(&mut s.stream("b"), 8), a_alone);
        assert_ne!(first(&mut RngStreams::new(8).stream("a"), 8), a_alone);
    }

    #[test]
    fn golden_values_catch_a_dependency_that_changes_numbers() {
        // Pinned so that a bump of rand_xoshiro (or of the derivation above)
        // that changes every result fails loudly instead of silently.
        let mut rng = SimRng::seed_from_u64(42);
        assert_eq!(
            first(&mut rng, 3),
            [
                15021278609987233951,
                5881210131331364753,
                18149643915985481100
            ]
        );
    }
}
