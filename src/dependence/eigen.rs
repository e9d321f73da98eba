//! Eigenvalues and eigenvectors of a symmetric matrix: Householder
//! reduction to tridiagonal form, then the implicit QL algorithm with
//! Wilkinson shifts (EISPACK's `tred2` and `tql2`, in the public-domain form
//! of JAMA). About 9k³ flops for k x k, against about 15k³ per sweep (and
//! some ten sweeps) for cyclic Jacobi: a 300 x 300 target decomposes in a
//! few hundredths of a second instead of seconds.
//!
//! The matrices are stored column by column, so that every inner loop (a
//! Householder update, a QL rotation of two eigenvectors) runs over
//! contiguous memory; a symmetric matrix is its own transpose, so the input
//! reads the same either way.

/// The eigen-decomposition of a symmetric k x k matrix.
pub(super) struct Eigen {
    /// The eigenvalues, in no particular order.
    pub values: Vec<f64>,
    /// The eigenvectors, one after another: the one of `values[e]` is
    /// `vectors[e * k..(e + 1) * k]`, of unit length.
    pub vectors: Vec<f64>,
}

/// The eigenvalues and eigenvectors of the symmetric matrix `data` (k x k,
/// either row- or column-major: it is symmetric).
pub(super) fn eigen(data: &[f64], k: usize) -> Eigen {
    let mut v = data.to_vec();
    let mut d = vec![0.0; k];
    let mut e = vec![0.0; k];
    if k > 0 {
        tridiagonalise(&mut v, &mut d, &mut e, k);
        diagonalise(&mut v, &mut d, &mut e, k);
    }
    Eigen {
        values: d,
        vectors: v,
    }
}

/// Householder reduction of the matrix in `v` to a tridiagonal one with
/// diagonal `d` and subdiagonal `e[1..]`; `v` becomes the orthogonal
/// transformation (`tred2`).
fn tridiagonalise(v: &mut [f64], d: &mut [f64], e: &mut [f64], n: usize) {
    // Column-major: the entry in row r, column c.
    let at = |r: usize, c: usize| c * n + r;
    for j in 0..n {
        d[j] = v[at(n - 1, j)];
    }
    for i in (1..n).rev() {
        // Scaled, so the Householder vector neither underflows nor overflows.
        let scale: f64 = d[..i].iter().map(|x| x.abs()).sum();
        let mut h = 0.0;
        if scale == 0.0 {
            e[i] = d[i - 1];
            for j in 0..i {
                d[j] = v[at(i - 1, j)];
                v[at(i, j)] = 0.0;
                v[at(j, i)] = 0.0;
            }
        } else {
            for x in d[..i].iter_mut() {
                *x /= scale;
                h += *x * *x;
            }
            let mut f = d[i - 1];
            let mut g = if f > 0.0 { -h.sqrt() } else { h.sqrt() };
            e[i] = scale * g;
            h -= f * g;
            d[i - 1] = f - g;
            e[..i].fill(0.0);
            // The similarity transformation of the remaining columns.
            for j in 0..i {
                f = d[j];
                v[at(j, i)] = f;
                g = e[j] + v[at(j, j)] * f;
                for r in j + 1..i {
                    g += v[at(r, j)] * d[r];
                    e[r] += v[at(r, j)] * f;
                }
                e[j] = g;
            }
            f = 0.0;
            for j in 0..i {
                e[j] /= h;
                f += e[j] * d[j];
            }
            let hh = f / (h + h);
            for j in 0..i {
                e[j] -= hh * d[j];
            }
            for j in 0..i {
                let (f, g) = (d[j], e[j]);
                for r in j..i {
                    v[at(r, j)] -= f * e[r] + g * d[r];
                }
                d[j] = v[at(i - 1, j)];
                v[at(i, j)] = 0.0;
            }
        }
        d[i] = h;
    }
    // Accumulate the transformations.
    for i in 0..n - 1 {
        v[at(n - 1, i)] = v[at(i, i)];
        v[at(i, i)] = 1.0;
        let h = d[i + 1];
        if h != 0.0 {
            for r in 0..=i {
                d[r] = v[at(r, i + 1)] / h;
            }
            for j in 0..=i {
                let g: f64 = (0..=i).map(|r| v[at(r, i + 1)] * v[at(r, j)]).sum();
                for r in 0..=i {
                    v[at(r, j)] -= g * d[r];
                }
            }
        }
        for r in 0..=i {
            v[at(r, i + 1)] = 0.0;
        }
    }
    for j in 0..n {
        d[j] = v[at(n - 1, j)];
        v[at(n - 1, j)] = 0.0;
    }
    v[at(n - 1, n - 1)] = 1.0;
    e[0] = 0.0;
}

/// The implicit QL algorithm on the tridiagonal matrix (`d`, `e`): `d`
/// becomes the eigenvalues and the columns of `v` the eigenvectors (`tql2`).
fn diagonalise(v: &mut [f64], d: &mut [f64], e: &mut [f64], n: usize) {
    for i in 1..n {
        e[i - 1] = e[i];
    }
    e[n - 1] = 0.0;
    let mut f = 0.0;
    let mut tst1 = 0.0f64;
    for l in 0..n {
        // A negligible subdiagonal entry splits the matrix; e[n - 1] is 0.
        tst1 = tst1.max(d[l].abs() + e[l].abs());
        let m = (l..n)
            .find(|&m| e[m].abs() <= f64::EPSILON * tst1)
            .unwrap_or(n - 1);
        // A few iterations per eigenvalue are the rule; the cap only stops
        // a matrix of NaNs from spinning.
        let mut iterations = 0;
        while m > l && iterations < 100 {
            iterations += 1;
            // The implicit shift.
            let mut g = d[l];
            let mut p = (d[l + 1] - g) / (2.0 * e[l]);
            let mut r = p.hypot(1.0);
            if p < 0.0 {
                r = -r;
            }
            d[l] = e[l] / (p + r);
            d[l + 1] = e[l] * (p + r);
            let dl1 = d[l + 1];
            let mut h = g - d[l];
            for x in d[l + 2..n].iter_mut() {
                *x -= h;
            }
            f += h;
            // The QL transformation.
            p = d[m];
            let (mut c, mut c2, mut c3) = (1.0, 1.0, 1.0);
            let el1 = e[l + 1];
            let (mut s, mut s2) = (0.0, 0.0);
            for i in (l..m).rev() {
                c3 = c2;
                c2 = c;
                s2 = s;
                g = c * e[i];
                h = c * p;
                r = p.hypot(e[i]);
                e[i + 1] = s * r;
                s = e[i] / r;
                c = p / r;
                p = c * d[i] - s * g;
                d[i + 1] = h + s * (c * g + s * d[i]);
                // Rotate eigenvector columns i and i + 1.
                let (left, right) = v.split_at_mut((i + 1) * n);
                let (vi, vi1) = (&mut left[i * n..], &mut right[..n]);
                for (a, b) in vi.iter_mut().zip(vi1.iter_mut()) {
                    let h = *b;
                    *b = s * *a + c * h;
                    *a = c * *a - s * h;
                }
            }
            p = -s * s2 * c3 * el1 * e[l] / dl1;
            e[l] = s * p;
            d[l] = c * p;
            if e[l].abs() <= f64::EPSILON * tst1 || e[l].is_nan() {
                break;
            }
        }
        d[l] += f;
        e[l] = 0.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eigenpairs_satisfy_the_definition() {
        // A symmetric matrix with a repeated eigenvalue and a zero one.
        let k = 6;
        let mut a = vec![0.0; k * k];
        for i in 0..k {
            for j in 0..k {
                a[i * k + j] = ((i * 7 + j * 7) % 5) as f64 - 2.0 + if i == j { 1.5 } else { 0.0 };
            }
        }
        let Eigen { values, vectors } = eigen(&a, k);
        for (e, &lambda) in values.iter().enumerate() {
            let x = &vectors[e * k..(e + 1) * k];
            let norm: f64 = x.iter().map(|v| v * v).sum();
            assert!((norm - 1.0).abs() < 1e-13);
            for i in 0..k {
                let ax: f64 = (0..k).map(|j| a[i * k + j] * x[j]).sum();
                assert!(
                    (ax - lambda * x[i]).abs() < 1e-12,
                    "{ax} vs {}",
                    lambda * x[i]
                );
            }
        }
        let trace: f64 = (0..k).map(|i| a[i * k + i]).sum();
        assert!((values.iter().sum::<f64>() - trace).abs() < 1e-12);
    }

    #[test]
    fn small_and_degenerate_sizes() {
        assert!(eigen(&[], 0).values.is_empty());
        let one = eigen(&[3.0], 1);
        assert_eq!((one.values[0], one.vectors[0]), (3.0, 1.0));
        let mut two = eigen(&[2.0, 1.0, 1.0, 2.0], 2).values;
        two.sort_by(f64::total_cmp);
        assert!((two[0] - 1.0).abs() < 1e-14 && (two[1] - 3.0).abs() < 1e-14);
        // NaNs give NaNs, never a hang.
        assert!(eigen(&[f64::NAN; 9], 3).values.iter().any(|x| x.is_nan()));
    }
}
