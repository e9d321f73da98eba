//! Scrambled Sobol' points: quasi-random uniforms for sensitivity designs.
//!
//! The sequence is Sobol's with the direction numbers of Joe & Kuo (2008),
//! 32 digits per coordinate (up to 2^32 points, 256 dimensions).
//!
//! Scrambling is Matoušek's random linear matrix scramble with a random digital
//! shift, the scheme of scipy's `qmc.Sobol(scramble=True)` (which SALib's
//! `sample.sobol` uses): every coordinate's direction numbers are multiplied by
//! a random lower-triangular binary matrix with a unit diagonal, then XORed with
//! random digits. It keeps the (t, m, s)-net structure that makes the first 2^m
//! points so even, and makes every point uniformly distributed, so estimates
//! are unbiased and their spread can be measured by re-seeding. The digits
//! below 2^-32 are filled with independent uniform noise (as full Owen
//! scrambling would), which also keeps every coordinate strictly inside
//! (0, 1), so inverse CDFs with infinite tails stay finite.

use super::joe_kuo::DIRECTIONS;
use crate::dist::primitives::open01;
use crate::error::{Error, Result};
use crate::stream::{stream_rng, Domain};
use rand::Rng;

/// Digits per coordinate.
const BITS: usize = 32;

/// The most dimensions available.
pub const MAX_DIMENSIONS: usize = DIRECTIONS.len() + 1;

/// Direction numbers v_1..v_32 of dimension `dim` (0-based), as integers whose
/// most significant bit is the first binary digit.
fn directions(dim: usize) -> [u32; BITS] {
    let mut v = [0u32; BITS];
    if dim == 0 {
        for (i, vi) in v.iter_mut().enumerate() {
            *vi = 1 << (BITS - 1 - i);
        }
        return v;
    }
    let (s, a, m) = DIRECTIONS[dim - 1];
    let s = s as usize;
    for i in 0..s.min(BITS) {
        v[i] = m[i] << (BITS - 1 - i);
    }
    for i in s..BITS {
        v[i] = v[i - s] ^ (v[i - s] >> s);
        for k in 1..s {
            if (a >> (s - 1 - k)) & 1 == 1 {
                v[i] ^= v[i - k];
            }
        }
    }
    v
}

/// Applies a lower-triangular binary matrix (row i = the digits that feed
/// output digit i) to a coordinate's digits.
fn lms(rows: &[u32; BITS], x: u32) -> u32 {
    let mut out = 0u32;
    for (i, row) in rows.iter().enumerate() {
        out |= ((row & x).count_ones() & 1) << (BITS - 1 - i);
    }
    out
}

/// `n` points of one coordinate of a scrambled Sobol' sequence, in (0, 1).
///
/// `dim` chooses the coordinate; `seed` and `dim` together choose the
/// scramble, so coordinates of one seed form one jointly scrambled sequence.
///
/// ```
/// use munflow::sensitivity::sobol_points;
/// let u = sobol_points(1024, 0, 7).unwrap();
/// // Each of the 16 sixteenths of (0, 1) holds exactly 64 points.
/// for cell in 0..16 {
///     let k = u.iter().filter(|&&x| (x * 16.0) as usize == cell).count();
///     assert_eq!(k, 64);
/// }
/// ```
pub fn sobol_points(n: usize, dim: usize, seed: u64) -> Result<Vec<f64>> {
    sobol_points_in(0..n, dim, seed)
}

/// Points `rows` (by index) of the coordinate [`sobol_points`] gives: the
/// same values, so a design can be evaluated a range of rows at a time.
pub fn sobol_points_in(rows: std::ops::Range<usize>, dim: usize, seed: u64) -> Result<Vec<f64>> {
    if dim >= MAX_DIMENSIONS {
        return Err(Error::InvalidArgument(format!(
            "Sobol' sampling supports at most {MAX_DIMENSIONS} dimensions, got dimension {dim}; use sampling=\"mc\""
        )));
    }
    if rows.end as u64 > u32::MAX as u64 {
        return Err(Error::InvalidArgument(format!(
            "Sobol' sampling supports at most 2^32 - 1 points, got {}",
            rows.end
        )));
    }
    let mut rng = stream_rng(seed, Domain::SobolScramble.value() ^ dim as u64, 0);
    // Random lower-triangular matrix with unit diagonal: row i has digit i set
    // and random digits above it (more significant ones).
    let mut matrix = [0u32; BITS];
    for (i, row) in matrix.iter_mut().enumerate() {
        let diag = 1u32 << (BITS - 1 - i);
        let above = if i == 0 { 0 } else { !((diag << 1) - 1) };
        *row = diag | (rng.next_u32() & above);
    }
    let v: Vec<u32> = directions(dim).iter().map(|&d| lms(&matrix, d)).collect();
    let shift = rng.next_u32();
    let scale = 1.0 / (1u64 << BITS) as f64;
    // Gray-code order (Antonov & Saleev): point i differs from point i - 1 by
    // one direction number, so each costs one XOR. The first 2^m points are
    // the same set as in natural order. Point i is the XOR of the direction
    // numbers of the bits of gray(i) = i ^ (i >> 1), which starts a range;
    // each point also takes one jitter from the stream, skipped up to it.
    let start = rows.start as u32;
    let gray = start ^ (start >> 1);
    let mut x = (0..BITS)
        .filter(|&j| gray >> j & 1 == 1)
        .fold(0u32, |acc, j| acc ^ v[j]);
    (0..start).for_each(|_| {
        rng.next_u64();
    });
    let mut out = Vec::with_capacity(rows.len());
    for i in start..rows.end as u32 {
        if i > start {
            x ^= v[i.trailing_zeros() as usize];
        }
        out.push(((x ^ shift) as f64 + open01(&mut rng)) * scale);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unscrambled_start_matches_joe_kuo() {
        // Sobol's second dimension in Gray-code order, as scipy's
        // qmc.Sobol(d=2, scramble=False) gives it: 0, 1/2, 1/4, 3/4, 3/8.
        let v = directions(1);
        let mut x = 0u32;
        let mut got = vec![0.0];
        for i in 1u32..5 {
            x ^= v[i.trailing_zeros() as usize];
            got.push(x as f64 / 2f64.powi(32));
        }
        assert_eq!(got, vec![0.0, 0.5, 0.25, 0.75, 0.375]);
    }

    #[test]
    fn two_dimensions_form_a_net() {
        // Sobol's first two dimensions are a (0, m, 2)-net, and scrambling
        // keeps it one: each of 256 cells 1/16 x 1/16 holds exactly one point.
        let (x, y) = (
            sobol_points(256, 0, 1).unwrap(),
            sobol_points(256, 1, 1).unwrap(),
        );
        let mut cells = [0u8; 256];
        for (a, b) in x.iter().zip(&y) {
            cells[(a * 16.0) as usize * 16 + (b * 16.0) as usize] += 1;
        }
        assert!(cells.iter().all(|&c| c == 1));
    }

    #[test]
    fn any_range_of_points_is_that_range_of_the_whole() {
        let whole = sobol_points(1000, 3, 9).unwrap();
        for rows in [0..1, 1..2, 5..517, 999..1000, 0..1000] {
            assert_eq!(sobol_points_in(rows.clone(), 3, 9).unwrap(), whole[rows]);
        }
    }

    #[test]
    fn scrambling_depends_on_the_seed_and_stays_inside() {
        let a = sobol_points(64, 2, 1).unwrap();
        let b = sobol_points(64, 2, 2).unwrap();
        assert_ne!(a, b);
        assert!(a.iter().all(|&u| u > 0.0 && u < 1.0));
        assert!(sobol_points(4, MAX_DIMENSIONS, 1).is_err());
    }
}
