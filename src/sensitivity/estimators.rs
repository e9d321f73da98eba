//! Sobol index estimators on the outputs of a Saltelli design, with bootstrap
//! confidence intervals.
//!
//! For base matrices A and B (n rows each) and, for each factor (or group) i,
//! the matrix AB_i (A with factor i's columns from B):
//!
//! - first order, Saltelli et al. (2010), table 2 (b):
//!   `S1_i = mean(f(B) * (f(AB_i) - f(A))) / V`;
//! - total order, Jansen (1999), table 2 (f) of the same paper:
//!   `ST_i = mean((f(A) - f(AB_i))^2) / (2 V)`;
//! - second order, Saltelli (2002), with BA_j (B with factor j from A):
//!   `S2_jk = mean(f(BA_j) * f(AB_k) - f(A) * f(B)) / V - S1_j - S1_k`;
//!
//! where V is the variance of f(A) and f(B) pooled. These are SALib's
//! estimators, so results are comparable term by term.
//!
//! One departure: outputs are centred on the pooled mean of f(A) and f(B)
//! first. The estimators are unchanged in expectation by any shift, but their
//! variance is not: `f(B) * (f(AB) - f(A))` carries a term `mean * (f(AB) -
//! f(A))` whose noise grows with the output's mean. Munitions counts have means
//! (~3e6) many times their spread, where centring matters a lot.
//!
//! Confidence intervals follow SALib: resample the design's rows with
//! replacement, re-estimate every index on each resample (the same rows for
//! all indices), and report `z * sd` of the resampled estimates, z the normal
//! quantile for the level (1.96 for 95%): the half-width of the interval.
//! Each resample draws its rows from its own stream, so the intervals do not
//! depend on the number of threads.

use crate::dist::{Normal, Quantile};
use crate::error::{Error, Result};
use crate::stream::{stream_rng, Domain};
use rand::Rng;
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};

/// Model outputs on the rows of a Saltelli design.
#[derive(Debug, Clone)]
pub struct Evaluations {
    pub a: Vec<f64>,
    pub b: Vec<f64>,
    /// f(AB_i), one per factor or group.
    pub ab: Vec<Vec<f64>>,
    /// f(BA_i), one per factor or group when second-order indices are wanted; else empty.
    pub ba: Vec<Vec<f64>>,
}

/// Point estimates of the indices.
#[derive(Debug, Clone, PartialEq)]
pub struct Indices {
    pub s1: Vec<f64>,
    pub st: Vec<f64>,
    /// S2 for each pair j < k, in the order (0,1), (0,2), ..., (1,2), ...
    pub s2: Vec<f64>,
}

/// Estimates with confidence half-widths.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    pub estimates: Indices,
    pub s1_conf: Vec<f64>,
    pub st_conf: Vec<f64>,
    pub s2_conf: Vec<f64>,
    /// Pooled mean and variance of f(A) and f(B).
    pub mean: f64,
    pub variance: f64,
}

/// The pairs (j, k), j < k, of `m` factors, in the order of [`Indices::s2`].
pub fn pairs(m: usize) -> Vec<(usize, usize)> {
    (0..m)
        .flat_map(|j| (j + 1..m).map(move |k| (j, k)))
        .collect()
}

impl Evaluations {
    fn n(&self) -> usize {
        self.a.len()
    }

    fn check(&self) -> Result<()> {
        let n = self.n();
        let bad = self.b.len() != n
            || self.ab.iter().chain(&self.ba).any(|v| v.len() != n)
            || (!self.ba.is_empty() && self.ba.len() != self.ab.len());
        if bad {
            return Err(Error::InvalidArgument(
                "the design's outputs must all have the same length, and f(BA) one per f(AB)"
                    .into(),
            ));
        }
        if n < 2 {
            return Err(Error::InvalidArgument(
                "Sobol indices need at least 2 rows".into(),
            ));
        }
        Ok(())
    }

    /// A copy centred on the pooled mean of f(A) and f(B); returns the mean.
    fn centred(&self) -> (Evaluations, f64) {
        let n = self.n() as f64;
        let mean = (self.a.iter().sum::<f64>() + self.b.iter().sum::<f64>()) / (2.0 * n);
        let shift = |v: &Vec<f64>| v.iter().map(|x| x - mean).collect::<Vec<f64>>();
        (
            Evaluations {
                a: shift(&self.a),
                b: shift(&self.b),
                ab: self.ab.iter().map(shift).collect(),
                ba: self.ba.iter().map(shift).collect(),
            },
            mean,
        )
    }

    /// The indices with row j counted `w[j]` times: all ones for the point
    /// estimate, bootstrap multiplicities for a resample. Weighted sums over
    /// rows in order read memory sequentially and vectorise, where gathering
    /// resampled rows would jump around the arrays at random.
    fn estimate(&self, w: &[f64]) -> (Indices, f64) {
        let (a, b) = (&self.a, &self.b);
        let total_w: f64 = w.iter().sum();
        // Outputs are centred, so the raw second moment loses nothing.
        let [sum, sum_sq] = lane_sums(w, [a, b, b, b], |[x, y, _, _]| [x + y, x * x + y * y]);
        let mean = sum / (2.0 * total_w);
        let v = sum_sq / (2.0 * total_w) - mean * mean;
        let mut s1 = Vec::with_capacity(self.ab.len());
        let mut st = Vec::with_capacity(self.ab.len());
        for ab in &self.ab {
            let [first, total] = lane_sums(w, [a, b, ab, ab], |[x, y, z, _]| {
                let d = z - x;
                [y * d, d * d]
            });
            s1.push(first / total_w / v);
            st.push(total / (2.0 * total_w) / v);
        }
        let mut s2 = Vec::new();
        if !self.ba.is_empty() {
            for (j, k) in pairs(self.ab.len()) {
                let [sum, _] = lane_sums(w, [a, b, &self.ba[j], &self.ab[k]], |[x, y, p, q]| {
                    [p * q - x * y, 0.0]
                });
                s2.push(sum / total_w / v - s1[j] - s1[k]);
            }
        }
        (Indices { s1, st, s2 }, v)
    }
}

/// Two weighted sums over rows, sum_j w[j] * f(row j), each kept in four
/// interleaved partial sums so the loop vectorises; the order of additions is
/// fixed, so results do not depend on threads.
#[inline(always)]
fn lane_sums(w: &[f64], cols: [&[f64]; 4], f: impl Fn([f64; 4]) -> [f64; 2]) -> [f64; 2] {
    const L: usize = 4;
    let n = w.len();
    let body = n - n % L;
    let mut acc = [[0.0f64; L]; 2];
    let lanes = w[..body]
        .chunks_exact(L)
        .zip(cols[0][..body].chunks_exact(L))
        .zip(cols[1][..body].chunks_exact(L))
        .zip(cols[2][..body].chunks_exact(L))
        .zip(cols[3][..body].chunks_exact(L));
    for ((((w, c0), c1), c2), c3) in lanes {
        for l in 0..L {
            let v = f([c0[l], c1[l], c2[l], c3[l]]);
            acc[0][l] += w[l] * v[0];
            acc[1][l] += w[l] * v[1];
        }
    }
    let mut out = [acc[0].iter().sum::<f64>(), acc[1].iter().sum::<f64>()];
    for r in body..n {
        let v = f([cols[0][r], cols[1][r], cols[2][r], cols[3][r]]);
        out[0] += w[r] * v[0];
        out[1] += w[r] * v[1];
    }
    out
}

/// Sobol indices of a design's outputs, with `conf_level` bootstrap
/// half-widths from `num_resamples` resamples (0 for none: NaN widths).
///
/// ```
/// use munflow::sensitivity::{analyze, Evaluations};
/// // y = x1 + 2 x2, A = (x1, x2) rows, B the same rows shifted.
/// let xa = [(0.1, 0.7), (0.5, 0.2), (0.9, 0.4), (0.3, 0.9), (0.6, 0.1), (0.2, 0.5)];
/// let xb = [(0.8, 0.3), (0.2, 0.6), (0.4, 0.8), (0.7, 0.2), (0.1, 0.4), (0.9, 0.9)];
/// let f = |(x1, x2): (f64, f64)| x1 + 2.0 * x2;
/// let ev = Evaluations {
///     a: xa.iter().map(|&x| f(x)).collect(),
///     b: xb.iter().map(|&x| f(x)).collect(),
///     ab: vec![
///         xa.iter().zip(&xb).map(|(a, b)| f((b.0, a.1))).collect(),
///         xa.iter().zip(&xb).map(|(a, b)| f((a.0, b.1))).collect(),
///     ],
///     ba: vec![],
/// };
/// let res = analyze(&ev, 0.95, 50, 1).unwrap();
/// assert!(res.estimates.st[1] > res.estimates.st[0]);
/// ```
pub fn analyze(
    ev: &Evaluations,
    conf_level: f64,
    num_resamples: usize,
    seed: u64,
) -> Result<Analysis> {
    analyze_cancellable(ev, conf_level, num_resamples, seed, None)
}

/// [`analyze`] that stops with [`Error::Interrupted`] once `cancel` is set.
pub(super) fn analyze_cancellable(
    ev: &Evaluations,
    conf_level: f64,
    num_resamples: usize,
    seed: u64,
    cancel: Option<&AtomicBool>,
) -> Result<Analysis> {
    ev.check()?;
    if !(0.0..1.0).contains(&conf_level) || conf_level == 0.0 {
        return Err(Error::InvalidArgument(format!(
            "conf_level must be in (0, 1), got {conf_level}"
        )));
    }
    if num_resamples == 1 {
        return Err(Error::InvalidArgument(
            "num_resamples must be 0 (no intervals) or >= 2, got 1".into(),
        ));
    }
    let (centred, mean) = ev.centred();
    let n = ev.n();
    let (estimates, variance) = centred.estimate(&vec![1.0; n]);
    // A relative test: a constant output centred leaves rounding noise only.
    if variance.is_nan() || variance <= 1e-24 * (1.0 + mean * mean) {
        return Err(Error::DoesNotVary {
            what: "the output".into(),
            consequence: "its variance over the design is 0, so Sobol indices are undefined",
        });
    }
    let resamples: Vec<Indices> = (0..num_resamples)
        .into_par_iter()
        .map_init(Vec::new, |w, r| {
            if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
                return Err(Error::Interrupted);
            }
            // n rows drawn with replacement, kept as multiplicities.
            let mut rng = stream_rng(seed, Domain::EstimatorBootstrap.value(), r);
            w.clear();
            w.resize(n, 0.0);
            for _ in 0..n {
                w[((rng.next_u64() as u128 * n as u128) >> 64) as usize] += 1.0;
            }
            Ok(centred.estimate(w).0)
        })
        .collect::<Result<_>>()?;
    let z = Normal::new(0.0, 1.0)?.ppf(0.5 + conf_level / 2.0);
    let conf = |pick: &dyn Fn(&Indices) -> &Vec<f64>, len: usize| -> Vec<f64> {
        (0..len)
            .map(|i| {
                if resamples.len() < 2 {
                    return f64::NAN;
                }
                let vals: Vec<f64> = resamples.iter().map(|r| pick(r)[i]).collect();
                z * sample_sd(&vals)
            })
            .collect()
    };
    Ok(Analysis {
        s1_conf: conf(&|r| &r.s1, estimates.s1.len()),
        st_conf: conf(&|r| &r.st, estimates.st.len()),
        s2_conf: conf(&|r| &r.s2, estimates.s2.len()),
        estimates,
        mean,
        variance,
    })
}

/// Standard deviation with ddof = 1, ignoring non-finite values (a resample
/// can have zero variance when n is tiny).
fn sample_sd(values: &[f64]) -> f64 {
    let finite: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    let k = finite.len() as f64;
    if finite.len() < 2 {
        return f64::NAN;
    }
    let mean = finite.iter().sum::<f64>() / k;
    (finite.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (k - 1.0)).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::primitives::uniform01;

    /// f(x) = x1 + x2 * x3 on uniforms: V1 = 1/12, V23 = 1/144 (x2 x3 part
    /// has variance 7/144 of which 3/144 + 3/144 are first-order).
    fn design(n: usize, second: bool) -> Evaluations {
        let mut rng = stream_rng(3, 1, 0);
        let mut draw = || -> Vec<[f64; 3]> {
            (0..n)
                .map(|_| {
                    [
                        uniform01(&mut rng),
                        uniform01(&mut rng),
                        uniform01(&mut rng),
                    ]
                })
                .collect()
        };
        let (xa, xb) = (draw(), draw());
        let f = |x: [f64; 3]| x[0] + x[1] * x[2];
        let mix = |base: &[[f64; 3]], other: &[[f64; 3]], i: usize| -> Vec<f64> {
            base.iter()
                .zip(other)
                .map(|(p, q)| {
                    let mut x = *p;
                    x[i] = q[i];
                    f(x)
                })
                .collect()
        };
        Evaluations {
            a: xa.iter().map(|&x| f(x)).collect(),
            b: xb.iter().map(|&x| f(x)).collect(),
            ab: (0..3).map(|i| mix(&xa, &xb, i)).collect(),
            ba: if second {
                (0..3).map(|i| mix(&xb, &xa, i)).collect()
            } else {
                vec![]
            },
        }
    }

    #[test]
    fn recovers_analytic_indices() {
        let res = analyze(&design(200_000, true), 0.95, 20, 1).unwrap();
        // V = 1/12 + 7/144 = 19/144.
        let v = 19.0 / 144.0;
        let (s1, st) = (&res.estimates.s1, &res.estimates.st);
        assert!((s1[0] - (1.0 / 12.0) / v).abs() < 0.01, "{s1:?}");
        assert!((s1[1] - (1.0 / 48.0) / v).abs() < 0.01, "{s1:?}");
        assert!(
            (st[1] - (1.0 / 48.0 + 1.0 / 144.0) / v).abs() < 0.01,
            "{st:?}"
        );
        // S2 of (x2, x3) = V23 / V; the pairs with x1 are 0.
        let s2 = &res.estimates.s2;
        assert!((s2[2] - (1.0 / 144.0) / v).abs() < 0.01, "{s2:?}");
        assert!(s2[0].abs() < 0.01 && s2[1].abs() < 0.01, "{s2:?}");
        assert!(res.s1_conf.iter().all(|c| *c > 0.0 && *c < 0.02));
    }

    #[test]
    fn centring_leaves_the_estimate_of_a_shifted_model_alone() {
        let ev = design(5000, false);
        let mut shifted = ev.clone();
        for v in [&mut shifted.a, &mut shifted.b]
            .into_iter()
            .chain(shifted.ab.iter_mut())
        {
            v.iter_mut().for_each(|x| *x += 3e6);
        }
        let (r1, r2) = (
            analyze(&ev, 0.95, 0, 1).unwrap(),
            analyze(&shifted, 0.95, 0, 1).unwrap(),
        );
        for (a, b) in r1.estimates.s1.iter().zip(&r2.estimates.s1) {
            assert!((a - b).abs() < 1e-6, "{a} vs {b}");
        }
    }

    #[test]
    fn constant_outputs_and_bad_options_are_errors() {
        let ev = Evaluations {
            a: vec![1.0; 10],
            b: vec![1.0; 10],
            ab: vec![vec![1.0; 10]],
            ba: vec![],
        };
        assert!(analyze(&ev, 0.95, 10, 1).is_err());
        let ev = design(100, false);
        assert!(analyze(&ev, 1.5, 10, 1).is_err());
        assert!(analyze(&ev, 0.95, 1, 1).is_err());
    }
}
