//! The normal scores that couple the inputs of a correlation, one chunk at
//! a time: a chunk's scores come from a stream keyed by (seed, coupling
//! key, chunk), like a draw, so they are the same whatever the threads or
//! the chunk ranges a run is split into.

use super::matrix::{cholesky, Matrix};
use crate::dist::primitives::std_normal;
use crate::dist::std_normal_quantile;
use rand::Rng;

/// A uniform index in 0..n by multiply-shift (bias below 2⁻⁵⁰ for a chunk).
fn index_below<R: Rng + ?Sized>(rng: &mut R, n: usize) -> usize {
    ((rng.next_u64() as u128 * n as u128) >> 64) as usize
}

/// Van der Waerden scores Φ⁻¹(r / (len + 1)), r = 1..len: the expected
/// order statistics of a normal sample, near enough.
pub fn van_der_waerden(len: usize) -> Vec<f64> {
    (1..=len)
        .map(|r| std_normal_quantile(r as f64 / (len as f64 + 1.0)))
        .collect()
}

/// Correlated standard normal scores for a Gaussian copula: z = L e with e
/// independent normals, row by row. `out[j]` is input j's column.
pub fn gaussian<R: Rng + ?Sized>(rng: &mut R, chol: &Matrix, out: &mut [Vec<f64>], len: usize) {
    let k = chol.k;
    let mut e = vec![0.0; k];
    for r in 0..len {
        for x in e.iter_mut() {
            *x = std_normal(rng);
        }
        for (i, col) in out.iter_mut().enumerate().take(k) {
            col[r] = (0..=i).map(|p| chol.at(i, p) * e[p]).sum();
        }
    }
}

/// Iman & Conover's (1982) scores: each input's column is the van der
/// Waerden scores in a random order; the columns' sample correlation T is
/// then removed (multiplied by the inverse of T's Cholesky factor) and the
/// target's put in (its factor `chol`). Only the ranks of these scores are
/// used: an input's draws are reordered to follow them. Removing T first
/// makes the scores' correlation the target exactly in every chunk, rather
/// than up to the sampling error of the random orders.
pub fn iman_conover<R: Rng + ?Sized>(
    rng: &mut R,
    base: &[f64],
    chol: &Matrix,
    out: &mut [Vec<f64>],
) {
    let k = chol.k;
    let len = base.len();
    let mut s: Vec<Vec<f64>> = (0..k)
        .map(|_| {
            let mut col = base.to_vec();
            for i in (1..len).rev() {
                col.swap(i, index_below(rng, i + 1));
            }
            col
        })
        .collect();
    if let Some(decorrelate) = whitening(&s, len) {
        // s <- (L E⁻¹) s, row by row, with E the factor of the sample
        // correlation (the columns have mean 0 and equal variance).
        let map = multiply(chol, &decorrelate);
        transform(&mut s, &map, len);
    } else {
        transform(&mut s, chol, len);
    }
    for (col, scores) in out.iter_mut().zip(s) {
        col[..len].copy_from_slice(&scores);
    }
}

/// E⁻¹ for the Cholesky factor E of the columns' sample correlation, or
/// None when it is singular (a chunk of fewer rows than inputs).
fn whitening(s: &[Vec<f64>], len: usize) -> Option<Matrix> {
    let k = s.len();
    if len <= k + 1 {
        return None;
    }
    let mut t = Matrix::identity(k);
    let norms: Vec<f64> = s
        .iter()
        .map(|c| c.iter().map(|x| x * x).sum::<f64>())
        .collect();
    for i in 0..k {
        for j in 0..i {
            let dot: f64 = s[i].iter().zip(&s[j]).map(|(a, b)| a * b).sum();
            let r = dot / (norms[i] * norms[j]).sqrt();
            t.data[i * k + j] = r;
            t.data[j * k + i] = r;
        }
    }
    let e = cholesky(&t)?;
    if (0..k).any(|i| e.at(i, i) < 1e-8) {
        return None;
    }
    Some(invert_lower(&e))
}

/// The inverse of a lower triangular matrix with a non-zero diagonal.
fn invert_lower(l: &Matrix) -> Matrix {
    let k = l.k;
    let mut inv = Matrix::identity(k);
    for col in 0..k {
        for i in 0..k {
            let mut s = if i == col { 1.0 } else { 0.0 };
            for p in 0..i {
                s -= l.at(i, p) * inv.at(p, col);
            }
            inv.data[i * k + col] = s / l.at(i, i);
        }
    }
    inv
}

fn multiply(a: &Matrix, b: &Matrix) -> Matrix {
    let k = a.k;
    let mut out = Matrix::identity(k);
    for i in 0..k {
        for j in 0..k {
            out.data[i * k + j] = (0..k).map(|p| a.at(i, p) * b.at(p, j)).sum();
        }
    }
    out
}

/// Replaces each row x of the columns `s` by `map` x.
fn transform(s: &mut [Vec<f64>], map: &Matrix, len: usize) {
    let k = map.k;
    let mut row = vec![0.0; k];
    for r in 0..len {
        for (x, col) in row.iter_mut().zip(s.iter()) {
            *x = col[r];
        }
        for (i, col) in s.iter_mut().enumerate() {
            col[r] = (0..k).map(|p| map.at(i, p) * row[p]).sum();
        }
    }
}

/// Puts `values` (one chunk of an input's draws) in the order of `scores`:
/// the row with the i-th smallest score gets the i-th smallest value. The
/// values are only permuted, so the input's sample is exactly what it drew;
/// tied values (a discrete input) take ordinal ranks, which keeps it so.
pub fn reorder(values: &mut [f64], scores: &[f64]) {
    let len = values.len();
    let mut sorted = values.to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    let mut order: Vec<u32> = (0..len as u32).collect();
    order.sort_unstable_by(|&a, &b| scores[a as usize].total_cmp(&scores[b as usize]));
    for (value, &row) in sorted.into_iter().zip(&order) {
        values[row as usize] = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    fn pearson(a: &[f64], b: &[f64]) -> f64 {
        let n = a.len() as f64;
        let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
        let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
        let va: f64 = a.iter().map(|x| (x - ma) * (x - ma)).sum();
        let vb: f64 = b.iter().map(|y| (y - mb) * (y - mb)).sum();
        cov / (va * vb).sqrt()
    }

    #[test]
    fn iman_conover_scores_have_the_target_correlation_exactly() {
        let target = Matrix::from_rows(
            &[
                vec![1.0, 0.6, -0.3],
                vec![0.6, 1.0, 0.1],
                vec![-0.3, 0.1, 1.0],
            ],
            "m",
        )
        .unwrap();
        let chol = cholesky(&target).unwrap();
        let base = van_der_waerden(1000);
        let mut out = vec![vec![0.0; 1000]; 3];
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        iman_conover(&mut rng, &base, &chol, &mut out);
        for i in 0..3 {
            for j in 0..i {
                let r = pearson(&out[i], &out[j]);
                assert!((r - target.at(i, j)).abs() < 1e-10, "{i} {j}: {r}");
            }
        }
    }

    #[test]
    fn reorder_only_permutes() {
        let mut values = vec![3.0, 1.0, 2.0, 2.0, 5.0];
        let scores = [0.5, -1.0, 2.0, 0.0, -0.2];
        reorder(&mut values, &scores);
        // Score ranks: row 1 < row 4 < row 3 < row 0 < row 2.
        assert_eq!(values, vec![3.0, 1.0, 5.0, 2.0, 2.0]);
    }
}
