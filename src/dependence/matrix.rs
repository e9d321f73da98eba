//! Small dense symmetric matrices: validation of a target correlation
//! matrix, Cholesky factors, eigen-decomposition (cyclic Jacobi) and the
//! nearest correlation matrix (Higham 2002). Sizes are the number of
//! correlated inputs (a handful to a few dozen), so clarity beats blocking.

use crate::error::{Error, Result};

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
/// symmetric matrix, by cyclic Jacobi rotations: simple and accurate to
/// rounding for the small matrices met here.
pub fn symmetric_eigen(m: &Matrix) -> (Vec<f64>, Matrix) {
    let k = m.k;
    let mut a = m.clone();
    let mut v = Matrix::identity(k);
    for _sweep in 0..100 {
        let off: f64 = (0..k)
            .flat_map(|i| (0..k).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a.at(i, j) * a.at(i, j))
            .sum();
        if off < 1e-30 {
            break;
        }
        for p in 0..k {
            for q in p + 1..k {
                let apq = a.at(p, q);
                if apq.abs() < 1e-300 {
                    continue;
                }
                let theta = (a.at(q, q) - a.at(p, p)) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for r in 0..k {
                    let (arp, arq) = (a.at(r, p), a.at(r, q));
                    a.set(r, p, c * arp - s * arq);
                    a.set(r, q, s * arp + c * arq);
                }
                for r in 0..k {
                    let (apr, aqr) = (a.at(p, r), a.at(q, r));
                    a.set(p, r, c * apr - s * aqr);
                    a.set(q, r, s * apr + c * aqr);
                }
                for r in 0..k {
                    let (vrp, vrq) = (v.at(r, p), v.at(r, q));
                    v.set(r, p, c * vrp - s * vrq);
                    v.set(r, q, s * vrp + c * vrq);
                }
            }
        }
    }
    ((0..k).map(|i| a.at(i, i)).collect(), v)
}

/// V diag(f(λ)) Vᵀ.
fn spectral_map(m: &Matrix, f: impl Fn(f64) -> f64) -> Matrix {
    let (values, v) = symmetric_eigen(m);
    let k = m.k;
    let mut out = Matrix {
        k,
        data: vec![0.0; k * k],
    };
    for (e, &lambda) in values.iter().enumerate() {
        let w = f(lambda);
        if w == 0.0 {
            continue;
        }
        for i in 0..k {
            for j in 0..k {
                out.data[i * k + j] += w * v.at(i, e) * v.at(j, e);
            }
        }
    }
    out
}

/// The smallest eigenvalue of a symmetric matrix.
pub fn min_eigenvalue(m: &Matrix) -> f64 {
    symmetric_eigen(m)
        .0
        .into_iter()
        .fold(f64::INFINITY, f64::min)
}

/// The correlation matrix nearest to `m` in the Frobenius norm, by Higham's
/// (2002) alternating projections with Dykstra's correction: onto the
/// positive semi-definite cone (negative eigenvalues set to 0), then onto
/// unit-diagonal matrices, until the two agree. A last step lifts the
/// eigenvalues to at least `floor` and rescales to a unit diagonal, so the
/// result has a Cholesky factor.
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
    let k = m.k;
    let mut y = m.clone();
    let mut correction = Matrix {
        k,
        data: vec![0.0; k * k],
    };
    for _ in 0..1000 {
        let r = Matrix {
            k,
            data: y
                .data
                .iter()
                .zip(&correction.data)
                .map(|(a, b)| a - b)
                .collect(),
        };
        let x = spectral_map(&r, |l| l.max(0.0));
        correction = Matrix {
            k,
            data: x.data.iter().zip(&r.data).map(|(a, b)| a - b).collect(),
        };
        let mut next = x.clone();
        for i in 0..k {
            next.set(i, i, 1.0);
        }
        let change = next.distance(&y) / (1.0 + y.distance(&Matrix::identity(k)));
        y = next;
        if change < 1e-12 {
            break;
        }
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
    out
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
    fn jacobi_finds_known_eigenvalues() {
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
