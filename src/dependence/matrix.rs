//! Small dense symmetric matrices: validation of a target correlation
//! matrix, Cholesky factors, eigen-decomposition and the nearest
//! correlation matrix (Higham 2002). Sizes are the number of correlated
//! inputs (a handful to a few hundred), so clarity beats blocking.

use super::eigen::{eigen, Eigen};
use crate::error::{Error, Result};
use std::sync::atomic::{AtomicBool, Ordering};

/// A k x k matrix stored row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    pub k: usize,
    pub data: Vec<f64>,
}

impl Matrix {
    pub fn identity(k: usize) -> Matrix {
        let mut data = vec![0.0; k * k];
        for i in 0..k {
            data[i * k + i] = 1.0;
        }
        Matrix { k, data }
    }

    /// From rows, checking that they form a square matrix.
    pub fn from_rows(rows: &[Vec<f64>], what: &str) -> Result<Matrix> {
        let k = rows.len();
        if let Some((i, row)) = rows.iter().enumerate().find(|(_, r)| r.len() != k) {
            return Err(Error::InvalidArgument(format!(
                "{what} must be a square matrix ({k} x {k} for {k} inputs), but row {i} has {} entries",
                row.len()
            )));
        }
        Ok(Matrix {
            k,
            data: rows.concat(),
        })
    }

    #[inline]
    pub fn at(&self, i: usize, j: usize) -> f64 {
        self.data[i * self.k + j]
    }

    #[inline]
    fn set(&mut self, i: usize, j: usize, v: f64) {
        self.data[i * self.k + j] = v;
    }

    pub fn rows(&self) -> Vec<Vec<f64>> {
        self.data.chunks(self.k).map(<[f64]>::to_vec).collect()
    }

    /// The matrix with `f` applied to every entry.
    pub fn map(&self, f: impl Fn(f64) -> f64) -> Matrix {
        Matrix {
            k: self.k,
            data: self.data.iter().map(|&x| f(x)).collect(),
        }
    }

    /// Frobenius norm of `self - other`.
    pub fn distance(&self, other: &Matrix) -> f64 {
        self.data
            .iter()
            .zip(&other.data)
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<f64>()
            .sqrt()
    }
}

/// Checks that `m` is a correlation matrix up to positive semi-definiteness:
/// finite, symmetric, entries in [-1, 1], ones on the diagonal.
///
/// # Errors
/// `InvalidArgument` naming the first offending entry.
pub fn check_correlation(m: &Matrix, what: &str) -> Result<()> {
    const TOL: f64 = 1e-12;
    let k = m.k;
    for i in 0..k {
        for j in 0..k {
            let v = m.at(i, j);
            if !v.is_finite() || !(-1.0 - TOL..=1.0 + TOL).contains(&v) {
                return Err(Error::InvalidArgument(format!(
                    "{what}: entries must be in [-1, 1], got {v} at ({i}, {j})"
                )));
            }
        }
    }
    for i in 0..k {
        if (m.at(i, i) - 1.0).abs() > TOL {
            return Err(Error::InvalidArgument(format!(
                "{what}: the diagonal must be 1 (an input is perfectly correlated with itself), got {} at ({i}, {i})",
                m.at(i, i)
            )));
        }
        for j in 0..i {
            if (m.at(i, j) - m.at(j, i)).abs() > TOL {
                return Err(Error::InvalidArgument(format!(
                    "{what}: the matrix must be symmetric, but ({i}, {j}) is {} and ({j}, {i}) is {}",
                    m.at(i, j),
                    m.at(j, i)
                )));
            }
        }
    }
    Ok(())
}

/// The lower Cholesky factor L (row-major, L Lᵀ = m) of a positive
/// semi-definite matrix. A pivot that is zero up to rounding (a perfectly
/// correlated pair) gives a zero column instead of a NaN, which is the
/// factor of the semi-definite matrix; None when `m` is clearly indefinite.
pub fn cholesky(m: &Matrix) -> Option<Matrix> {
    let k = m.k;
    let mut l = Matrix {
        k,
        data: vec![0.0; k * k],
    };
    for j in 0..k {
        let mut d = m.at(j, j);
        for p in 0..j {
            d -= l.at(j, p) * l.at(j, p);
        }
        if d < -1e-9 {
            return None;
        }
        if d <= 1e-12 {
            continue;
        }
        let pivot = d.sqrt();
        l.set(j, j, pivot);
        for i in j + 1..k {
            let mut s = m.at(i, j);
            for p in 0..j {
                s -= l.at(i, p) * l.at(j, p);
            }
            l.set(i, j, s / pivot);
        }
    }
    Some(l)
}

/// Eigenvalues and eigenvectors (columns of the returned matrix) of a
/// symmetric matrix (Householder tridiagonalisation and implicit QL, see
/// `eigen.rs`), eigenvalues in no particular order.
pub fn symmetric_eigen(m: &Matrix) -> (Vec<f64>, Matrix) {
    let k = m.k;
    let Eigen { values, vectors } = eigen(&m.data, k);
    // `vectors` holds one eigenvector after another: the transpose of V.
    let mut v = Matrix::identity(k);
    for e in 0..k {
        for i in 0..k {
            v.set(i, e, vectors[e * k + i]);
        }
    }
    (values, v)
}

/// V diag(f(λ)) Vᵀ.
fn spectral_map(m: &Matrix, f: impl Fn(f64) -> f64) -> Matrix {
    let k = m.k;
    let Eigen { values, vectors } = eigen(&m.data, k);
    let mut out = Matrix {
        k,
        data: vec![0.0; k * k],
    };
    for (e, &lambda) in values.iter().enumerate() {
        let w = f(lambda);
        if w == 0.0 {
            continue;
        }
        let x = &vectors[e * k..(e + 1) * k];
        for (row, &xi) in out.data.chunks_exact_mut(k).zip(x) {
            for (o, &xj) in row.iter_mut().zip(x) {
                *o += w * xi * xj;
            }
        }
    }
    out
}

/// The smallest eigenvalue of a symmetric matrix.
pub fn min_eigenvalue(m: &Matrix) -> f64 {
    eigen(&m.data, m.k)
        .values
        .into_iter()
        .fold(f64::INFINITY, f64::min)
}

/// The correlation matrix nearest to `m` in the Frobenius norm (Higham
/// 2002), then lifted so its eigenvalues are at least `floor` and rescaled
/// to a unit diagonal, so that it has a Cholesky factor.
///
/// Higham's alternating projections with Dykstra's correction, onto the
/// positive semi-definite cone and onto unit-diagonal matrices, only ever
/// change the diagonal of the matrix they project onto the cone: starting
/// from R = `m`, each step adds 1 − diag(P(R)) to R's diagonal, where P sets
/// negative eigenvalues to 0, and the answer is P(R) once its diagonal is 1.
/// That step is a fixed-point iteration on k numbers, which Anderson
/// acceleration (Higham & Strabić 2016) brings to its fixed point in tens of
/// steps rather than hundreds to thousands.
///
/// ```
/// use munflow::dependence::{nearest_correlation, Matrix};
/// // Pairwise plausible, jointly impossible: a and b, b and c agree
/// // strongly, yet a and c disagree.
/// let target = Matrix::from_rows(&[
///     vec![1.0, 0.9, -0.9],
///     vec![0.9, 1.0, 0.9],
///     vec![-0.9, 0.9, 1.0],
/// ], "rank_corr").unwrap();
/// let near = nearest_correlation(&target, 1e-10);
/// assert!(munflow::dependence::min_eigenvalue(&near) > -1e-12);
/// assert!((near.at(0, 0) - 1.0).abs() < 1e-12);
/// ```
pub fn nearest_correlation(m: &Matrix, floor: f64) -> Matrix {
    let never = AtomicBool::new(false);
    match nearest_correlation_until(m, floor, &never) {
        Ok(near) => near,
        // Only a stop request ends the search early, and none can come.
        Err(_) => m.clone(),
    }
}

/// [`nearest_correlation`], stopping with [`Error::Interrupted`] once
/// `cancel` is set (it is checked at every step, a fraction of a second
/// even for a few hundred inputs).
pub fn nearest_correlation_until(m: &Matrix, floor: f64, cancel: &AtomicBool) -> Result<Matrix> {
    let k = m.k;
    // The iteration's unknowns: R's diagonal, from m's.
    let mut diagonal: Vec<f64> = (0..k).map(|i| m.at(i, i)).collect();
    let mut r = m.clone();
    let mut acceleration = Anderson::new(ANDERSON_DEPTH);
    let mut best = f64::INFINITY;
    for _ in 0..MAX_STEPS {
        if cancel.load(Ordering::Relaxed) {
            return Err(Error::Interrupted);
        }
        for (i, &x) in diagonal.iter().enumerate() {
            r.set(i, i, x);
        }
        // The step: 1 − diag(P(R)), from R's eigenpairs.
        let Eigen { values, vectors } = eigen(&r.data, k);
        let mut step = vec![1.0; k];
        for (e, &lambda) in values.iter().enumerate() {
            if lambda > 0.0 {
                let x = &vectors[e * k..(e + 1) * k];
                for (s, &xi) in step.iter_mut().zip(x) {
                    *s -= lambda * xi * xi;
                }
            }
        }
        let size = step.iter().fold(0.0f64, |a, s| a.max(s.abs()));
        if size < TOLERANCE {
            break;
        }
        // Unsafeguarded Anderson steps can wander: when one lands far worse
        // than the best point yet, forget the history (plain steps converge).
        if size > 1e3 * best {
            acceleration = Anderson::new(ANDERSON_DEPTH);
        }
        best = best.min(size);
        diagonal = acceleration.next(&diagonal, &step);
    }
    for (i, &x) in diagonal.iter().enumerate() {
        r.set(i, i, x);
    }
    let mut y = spectral_map(&r, |l| l.max(0.0));
    for i in 0..k {
        y.set(i, i, 1.0);
    }
    let lifted = spectral_map(&y, |l| l.max(floor));
    let scale: Vec<f64> = (0..k).map(|i| lifted.at(i, i).sqrt()).collect();
    let mut out = lifted;
    for i in 0..k {
        for j in 0..k {
            let v = if i == j {
                1.0
            } else {
                (out.at(i, j) / (scale[i] * scale[j])).clamp(-1.0, 1.0)
            };
            out.set(i, j, v);
        }
    }
    // Exactly symmetric, whatever the rounding of the rotations.
    for i in 0..k {
        for j in 0..i {
            let v = 0.5 * (out.at(i, j) + out.at(j, i));
            out.set(i, j, v);
            out.set(j, i, v);
        }
    }
    Ok(out)
}

/// The diagonal steps of [`nearest_correlation_until`] stop when none
/// moves the diagonal by more than this: the answer's diagonal is then 1 to
/// this accuracy before the final unit-diagonal step.
const TOLERANCE: f64 = 1e-12;
/// A cap that well-posed targets never reach (tens of steps are usual).
const MAX_STEPS: usize = 2000;
/// How many past steps Anderson acceleration combines.
const ANDERSON_DEPTH: usize = 5;

/// Anderson acceleration (type II) of a fixed-point iteration x ← x + f(x):
/// the next point combines the last few steps so that their steps cancel
/// in the least-squares sense.
struct Anderson {
    depth: usize,
    /// Differences of successive points and of successive steps, newest last.
    points: Vec<Vec<f64>>,
    steps: Vec<Vec<f64>>,
    last: Option<(Vec<f64>, Vec<f64>)>,
}

impl Anderson {
    fn new(depth: usize) -> Anderson {
        Anderson {
            depth,
            points: Vec::new(),
            steps: Vec::new(),
            last: None,
        }
    }

    /// The next point after `x`, whose step is `f`.
    fn next(&mut self, x: &[f64], f: &[f64]) -> Vec<f64> {
        if let Some((x0, f0)) = self.last.take() {
            self.points
                .push(x.iter().zip(&x0).map(|(a, b)| a - b).collect());
            self.steps
                .push(f.iter().zip(&f0).map(|(a, b)| a - b).collect());
            if self.points.len() > self.depth {
                self.points.remove(0);
                self.steps.remove(0);
            }
        }
        self.last = Some((x.to_vec(), f.to_vec()));
        let gamma = least_squares(&self.steps, f);
        let mut next: Vec<f64> = x.iter().zip(f).map(|(a, b)| a + b).collect();
        for ((g, dx), df) in gamma.iter().zip(&self.points).zip(&self.steps) {
            for ((n, a), b) in next.iter_mut().zip(dx).zip(df) {
                *n -= g * (a + b);
            }
        }
        next
    }
}

/// The coefficients γ minimising |f − Σ γ_j columns_j|, by modified
/// Gram-Schmidt; a column (nearly) in the span of the earlier ones gets 0.
fn least_squares(columns: &[Vec<f64>], f: &[f64]) -> Vec<f64> {
    let m = columns.len();
    let mut q: Vec<Vec<f64>> = Vec::with_capacity(m);
    let mut r = vec![vec![0.0; m]; m];
    let mut kept = vec![false; m];
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    for j in 0..m {
        let mut v = columns[j].clone();
        let norm0 = dot(&v, &v).sqrt();
        for (i, qi) in q.iter().enumerate() {
            if !kept[i] {
                continue;
            }
            let c = dot(qi, &v);
            r[i][j] = c;
            for (a, b) in v.iter_mut().zip(qi) {
                *a -= c * b;
            }
        }
        let norm = dot(&v, &v).sqrt();
        kept[j] = norm > 1e-10 * norm0 && norm > 0.0;
        if kept[j] {
            r[j][j] = norm;
            v.iter_mut().for_each(|a| *a /= norm);
        }
        q.push(v);
    }
    // R γ = Qᵀ f over the kept columns, by back substitution.
    let mut gamma = vec![0.0; m];
    for j in (0..m).rev() {
        if !kept[j] {
            continue;
        }
        let mut s = dot(&q[j], f);
        for i in j + 1..m {
            s -= r[j][i] * gamma[i];
        }
        gamma[j] = s / r[j][j];
    }
    gamma
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(rows: &[&[f64]]) -> Matrix {
        Matrix::from_rows(&rows.iter().map(|r| r.to_vec()).collect::<Vec<_>>(), "m").unwrap()
    }

    #[test]
    fn cholesky_reproduces_the_matrix() {
        let a = m(&[&[1.0, 0.5, 0.2], &[0.5, 1.0, -0.3], &[0.2, -0.3, 1.0]]);
        let l = cholesky(&a).unwrap();
        for i in 0..3 {
            for j in 0..3 {
                let s: f64 = (0..3).map(|p| l.at(i, p) * l.at(j, p)).sum();
                assert!((s - a.at(i, j)).abs() < 1e-14);
            }
        }
    }

    #[test]
    fn cholesky_of_a_perfect_correlation_is_semi_definite() {
        let a = m(&[&[1.0, 1.0], &[1.0, 1.0]]);
        let l = cholesky(&a).unwrap();
        assert_eq!(l.data, vec![1.0, 0.0, 1.0, 0.0]);
        assert!(cholesky(&m(&[&[1.0, 2.0], &[2.0, 1.0]])).is_none());
    }

    #[test]
    fn eigen_finds_known_eigenvalues() {
        // [[2, 1], [1, 2]] has eigenvalues 1 and 3.
        let (mut values, _) = symmetric_eigen(&m(&[&[2.0, 1.0], &[1.0, 2.0]]));
        values.sort_by(f64::total_cmp);
        assert!((values[0] - 1.0).abs() < 1e-14 && (values[1] - 3.0).abs() < 1e-14);
    }

    #[test]
    fn nearest_correlation_leaves_a_correlation_matrix_alone() {
        let a = m(&[&[1.0, 0.5, 0.2], &[0.5, 1.0, -0.3], &[0.2, -0.3, 1.0]]);
        assert!(nearest_correlation(&a, 0.0).distance(&a) < 1e-10);
    }

    #[test]
    fn nearest_correlation_matches_highams_example() {
        // Higham (2002), section 4: the nearest correlation matrix to
        // [[2, -1, 0, 0], [-1, 2, -1, 0], [0, -1, 2, -1], [0, 0, -1, 2]]
        // with unit weights has off-diagonals -0.8084, 0.1916, 0.1068
        // (to four decimals).
        let a = m(&[
            &[2.0, -1.0, 0.0, 0.0],
            &[-1.0, 2.0, -1.0, 0.0],
            &[0.0, -1.0, 2.0, -1.0],
            &[0.0, 0.0, -1.0, 2.0],
        ]);
        let near = nearest_correlation(&a, 0.0);
        assert!((near.at(0, 1) + 0.8084).abs() < 1e-4, "{near:?}");
        assert!((near.at(0, 2) - 0.1916).abs() < 1e-4, "{near:?}");
        assert!((near.at(0, 3) - 0.1068).abs() < 1e-4, "{near:?}");
    }

    #[test]
    fn a_repair_stops_when_asked() {
        let a = m(&[&[1.0, 0.9, -0.9], &[0.9, 1.0, 0.9], &[-0.9, 0.9, 1.0]]);
        let stop = AtomicBool::new(true);
        let err = nearest_correlation_until(&a, 0.0, &stop).unwrap_err();
        assert!(matches!(err, Error::Interrupted), "{err}");
    }

    #[test]
    fn validation_names_the_problem() {
        let bad = m(&[&[1.0, 0.5], &[0.3, 1.0]]);
        let e = check_correlation(&bad, "rank_corr")
            .unwrap_err()
            .to_string();
        assert!(e.contains("symmetric"), "{e}");
        let e = check_correlation(&m(&[&[1.0, 1.5], &[1.5, 1.0]]), "rank_corr")
            .unwrap_err()
            .to_string();
        assert!(e.contains("[-1, 1]") && e.contains("1.5"), "{e}");
        let e = check_correlation(&m(&[&[0.9, 0.0], &[0.0, 1.0]]), "rank_corr")
            .unwrap_err()
            .to_string();
        assert!(e.contains("diagonal"), "{e}");
    }
}
