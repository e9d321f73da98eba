//! Random streams: one generator per (seed, node key, chunk).

use crate::expr::key_mix;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// The generator for one node in one chunk. Xoshiro256++ is fast, passes
/// BigCrush, and `seed_from_u64` expands the mixed key with SplitMix64.
#[inline]
pub fn stream_rng(seed: u64, key: u64, chunk: usize) -> Xoshiro256PlusPlus {
    let mixed = key_mix(key_mix(seed ^ key_mix(key)) ^ chunk as u64);
    Xoshiro256PlusPlus::seed_from_u64(mixed)
}

/// The generator for one node in one row (see [`crate::engine::RunOptions::row_streams`]).
/// A separate domain constant keeps row streams apart from chunk streams.
#[inline]
pub fn row_rng(seed: u64, key: u64, row: usize) -> Xoshiro256PlusPlus {
    const ROW_DOMAIN: u64 = 0x7a3c_51e9_d2b4_0f68;
    let mixed = key_mix(key_mix(seed ^ key_mix(key ^ ROW_DOMAIN)) ^ row as u64);
    Xoshiro256PlusPlus::seed_from_u64(mixed)
}
