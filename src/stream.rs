//! Random streams: chunking, key mixing, one generator per (seed, key, chunk),
//! and the one registry of stream domains.
//!
//! A leaf: every module that draws takes its generators from here and its
//! domain from [`Domain`], so two uses of randomness cannot share a stream by
//! accident (the compiler rejects two domains with the same value).
//!
//! ```
//! use munflow::stream::{stream_rng, Domain};
//! use rand::Rng;
//! let seed = 7;
//! let a = stream_rng(seed, 42, 0).next_u64();
//! assert_eq!(a, stream_rng(seed, 42, 0).next_u64()); // a stream is a function of its key
//! assert_ne!(a, stream_rng(seed ^ Domain::Bootstrap.value(), 42, 0).next_u64());
//! ```

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// Rows per chunk. Fixed (never derived from the thread count) because the
/// chunk index is part of every stream key.
pub const CHUNK: usize = 4096;

/// The SplitMix64 output function: a bijective 64-bit mixer, used to derive
/// stream keys and seeds.
#[inline]
pub fn key_mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The generator for one node in one chunk. Xoshiro256++ is fast, passes
/// BigCrush, and `seed_from_u64` expands the mixed key with SplitMix64.
#[inline]
pub fn stream_rng(seed: u64, key: u64, chunk: usize) -> Xoshiro256PlusPlus {
    let mixed = key_mix(key_mix(seed ^ key_mix(key)) ^ chunk as u64);
    Xoshiro256PlusPlus::seed_from_u64(mixed)
}

/// The generator for one node in one row (the engine's `row_streams` option).
/// [`Domain::Row`] keeps row streams apart from chunk streams.
#[inline]
pub fn row_rng(seed: u64, key: u64, row: usize) -> Xoshiro256PlusPlus {
    let mixed = key_mix(key_mix(seed ^ key_mix(key ^ Domain::Row.value())) ^ row as u64);
    Xoshiro256PlusPlus::seed_from_u64(mixed)
}

/// Every use of randomness outside a node's own draws, each with the
/// constant that sets its streams apart: XORed into the seed or the stream
/// key, or (the short ones) used as the stream key itself. The values are
/// pinned: changing one changes every figure that depends on it.
/// `#[repr(u64)]` makes the compiler reject two variants with one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u64)]
pub enum Domain {
    /// Per-row streams, apart from per-chunk ones (key).
    Row = 0x7a3c_51e9_d2b4_0f68,
    /// A coupling's scores (key, mixed with the members' keys).
    CouplingScores = 0x3c6e_f372_fe94_f82b,
    /// Start of a coupling's key, hashed with its labels and matrix.
    CouplingKey = 0x6a09_e667_f3bc_c908,
    /// Tempering: the populations' seeds.
    TemperingPopulation = 0x93c1_5d2e_a07b_4f68,
    /// Tempering: the initial latent scores (seed).
    TemperingInit = 0x5f0e_2a1c_93d7_4b68,
    /// Tempering: the move proposals (seed).
    TemperingMove = 0x2c9b_7e41_0da3_f516,
    /// Tempering: the Metropolis acceptances (seed).
    TemperingAccept = 0x81f4_63ab_5c20_e97d,
    /// Tempering: the resampling uniforms (seed).
    TemperingResample = 0x4d7a_0b9e_e612_38c5,
    /// The equal-weight resample of a weighted posterior (seed).
    EqualWeight = 0x6a3d_c15e_08f2_b794,
    /// Sensitivity designs: the inputs' own draws (seed).
    Design = 0xde51_9000,
    /// Sensitivity designs: a node's key in the design (key).
    DesignKey = 0x0b5e_55ed_b51d_e000,
    /// Scrambling of a Sobol' sequence, per dimension (key).
    SobolScramble = 0x5b01_5e9a,
    /// Bootstrap resamples of Sobol indices and Shapley effects (seed).
    Bootstrap = 0xb0075,
    /// Bootstrap resamples of the Sobol estimators (key).
    EstimatorBootstrap = 0xb007_5742,
    /// Shapley: the random orders of the inputs (seed).
    ShapleyOrders = 0x5ba9_1e40,
    /// Shapley: the design's draws (seed).
    ShapleyDesign = 0x5ba9_1e41,
    /// Shapley: a conditioned node's key variant (key).
    ShapleyVariant = 0x5b1e_c7ed,
    /// Shapley: the outer samples' conditional scores (key).
    ShapleyConditional = 0x5c0e,
    /// Shapley: the bootstrap's resampled rows (key).
    ShapleyBootstrap = 0x5a,
    /// Shapley: the random orders' draws (key).
    ShapleyOrderDraws = 0x0de5,
    /// Shapley: the scores that estimate the output's variance (seed).
    ShapleyVariance = 0x7a7,
}

impl Domain {
    /// Every domain, for the check that they are distinct.
    pub const ALL: [Domain; 21] = [
        Domain::Row,
        Domain::CouplingScores,
        Domain::CouplingKey,
        Domain::TemperingPopulation,
        Domain::TemperingInit,
        Domain::TemperingMove,
        Domain::TemperingAccept,
        Domain::TemperingResample,
        Domain::EqualWeight,
        Domain::Design,
        Domain::DesignKey,
        Domain::SobolScramble,
        Domain::Bootstrap,
        Domain::EstimatorBootstrap,
        Domain::ShapleyOrders,
        Domain::ShapleyDesign,
        Domain::ShapleyVariant,
        Domain::ShapleyConditional,
        Domain::ShapleyBootstrap,
        Domain::ShapleyOrderDraws,
        Domain::ShapleyVariance,
    ];

    /// The constant XORed into a seed or key.
    #[inline]
    pub const fn value(self) -> u64 {
        self as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn domains_are_distinct_and_all_listed() {
        // Exhaustive: a new variant fails to compile here until it is counted.
        let count = |d: Domain| match d {
            Domain::Row
            | Domain::CouplingScores
            | Domain::CouplingKey
            | Domain::TemperingPopulation
            | Domain::TemperingInit
            | Domain::TemperingMove
            | Domain::TemperingAccept
            | Domain::TemperingResample
            | Domain::EqualWeight
            | Domain::Design
            | Domain::DesignKey
            | Domain::SobolScramble
            | Domain::Bootstrap
            | Domain::EstimatorBootstrap
            | Domain::ShapleyOrders
            | Domain::ShapleyDesign
            | Domain::ShapleyVariant
            | Domain::ShapleyConditional
            | Domain::ShapleyBootstrap
            | Domain::ShapleyOrderDraws
            | Domain::ShapleyVariance => 1,
        };
        assert_eq!(Domain::ALL.iter().map(|&d| count(d)).sum::<usize>(), 21);
        let variants: HashSet<_> = Domain::ALL.iter().collect();
        assert_eq!(
            variants.len(),
            Domain::ALL.len(),
            "a domain is listed twice"
        );
        let values: HashSet<u64> = Domain::ALL.iter().map(|d| d.value()).collect();
        assert_eq!(values.len(), Domain::ALL.len(), "two domains share a value");
        // Nor may one domain be a mere mix of two others, or of the chunk index
        // a small key could collide with: all values are at least 0x5a apart
        // from 0, and no two XOR to another.
        for a in Domain::ALL {
            for b in Domain::ALL {
                if a != b {
                    assert!(!values.contains(&(a.value() ^ b.value())), "{a:?} ^ {b:?}");
                }
            }
        }
    }

    #[test]
    fn streams_are_pinned() {
        use rand::Rng;
        // Pinned: a change here moves every seeded figure in munflow.
        assert_eq!(key_mix(0), 0xe220_a839_7b1d_cdaf);
        let first = stream_rng(1, 2, 3).next_u64();
        assert_eq!(first, stream_rng(1, 2, 3).next_u64());
        assert_ne!(first, row_rng(1, 2, 3).next_u64());
    }
}
