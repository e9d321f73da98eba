//! Independent proposals for tempering's moves: a Gaussian fitted to the
//! particles' normal scores (their mean and covariance), as PyMC's SMC uses
//! by default ("independent Metropolis-Hastings").
//!
//! Where the posterior is near Gaussian in the scores (most models: sums
//! and products of positive inputs measured within some percent), such a
//! proposal is accepted most of the time and every acceptance is a fresh
//! draw, so a stage needs two or three moves where local steps need ten.
//! Where it is not (two modes, a banana, heavy tails), its acceptance drops
//! and tempering falls back on local steps (see `smc::rejuvenate`).
//!
//! ```text
//! z' = m + L ξ,   L Lᵀ = Σ,   log q(z) = -|L⁻¹(z - m)|² / 2 + const
//! ```

use super::weights::ordered_sum;
use crate::dependence::{cholesky, Matrix};
use rayon::prelude::*;

/// Scores up to this many are fitted with their full covariance; above it
/// (long timelines) with their variances only: a covariance of hundreds of
/// scores from a few thousand particles is mostly noise, and costs d² per
/// particle to apply.
const FULL_COVARIANCE_UP_TO: usize = 48;

/// The Gaussian fitted to a population of scores.
pub(crate) struct Fitted {
    mean: Vec<f64>,
    /// Lower Cholesky factor of the covariance, row-major d×d; diagonal
    /// entries only when the fit is diagonal.
    factor: Vec<f64>,
    diagonal: bool,
}

impl Fitted {
    /// The Gaussian with the particles' mean and covariance (sums folded in
    /// chunk order: deterministic whatever the threads), or None when the
    /// covariance is degenerate (the population collapsed onto a point in
    /// some score, which local steps must first spread out).
    pub(crate) fn of(scores: &[Vec<f64>]) -> Option<Fitted> {
        let d = scores.len();
        let n = scores.first().map_or(0, |z| z.len());
        if d == 0 || n < 2 * d + 2 {
            return None;
        }
        let mean: Vec<f64> = scores
            .iter()
            .map(|z| ordered_sum(n, |r| z[r].iter().sum()) / n as f64)
            .collect();
        let covariance = |j: usize, k: usize| {
            let (zj, zk, mj, mk) = (&scores[j], &scores[k], mean[j], mean[k]);
            ordered_sum(n, |r| r.map(|i| (zj[i] - mj) * (zk[i] - mk)).sum()) / n as f64
        };
        let diagonal = d > FULL_COVARIANCE_UP_TO;
        let factor = if diagonal {
            let sds: Vec<f64> = (0..d).map(|j| covariance(j, j).sqrt()).collect();
            if sds.iter().any(|s| !(s.is_finite() && *s > 1e-9)) {
                return None;
            }
            sds
        } else {
            let mut data = vec![0.0; d * d];
            for j in 0..d {
                for k in 0..=j {
                    let c = covariance(j, k);
                    data[j * d + k] = c;
                    data[k * d + j] = c;
                }
            }
            let l = cholesky(&Matrix { k: d, data })?;
            if (0..d).any(|j| !(l.at(j, j).is_finite() && l.at(j, j) > 1e-9)) {
                return None;
            }
            l.data
        };
        Some(Fitted {
            mean,
            factor,
            diagonal,
        })
    }

    fn dim(&self) -> usize {
        self.mean.len()
    }

    /// Proposals z' = m + L ξ from standard normal columns `xi` (one per
    /// score), with log q(z') = -|ξ|²/2 for each particle.
    pub(crate) fn propose(&self, xi: &[Vec<f64>]) -> (Vec<Vec<f64>>, Vec<f64>) {
        let d = self.dim();
        let n = xi.first().map_or(0, |x| x.len());
        let proposal: Vec<Vec<f64>> = (0..d)
            .map(|j| {
                (0..n)
                    .into_par_iter()
                    .map(|i| {
                        let shift = if self.diagonal {
                            self.factor[j] * xi[j][i]
                        } else {
                            (0..=j).map(|k| self.factor[j * d + k] * xi[k][i]).sum()
                        };
                        self.mean[j] + shift
                    })
                    .collect()
            })
            .collect();
        let log_q = (0..n)
            .into_par_iter()
            .map(|i| -0.5 * xi.iter().map(|x| x[i] * x[i]).sum::<f64>())
            .collect();
        (proposal, log_q)
    }

    /// log q(z) of each particle, up to the constant `propose` also omits:
    /// -|L⁻¹(z - m)|²/2 by forward substitution.
    pub(crate) fn log_density(&self, scores: &[Vec<f64>]) -> Vec<f64> {
        let d = self.dim();
        let n = scores.first().map_or(0, |z| z.len());
        (0..n)
            .into_par_iter()
            .map(|i| {
                if self.diagonal {
                    return -0.5
                        * (0..d)
                            .map(|j| ((scores[j][i] - self.mean[j]) / self.factor[j]).powi(2))
                            .sum::<f64>();
                }
                let mut u = [0.0; FULL_COVARIANCE_UP_TO];
                let mut total = 0.0;
                for j in 0..d {
                    let row = &self.factor[j * d..j * d + j];
                    let inner: f64 = row.iter().zip(&u[..j]).map(|(l, u)| l * u).sum();
                    u[j] = (scores[j][i] - self.mean[j] - inner) / self.factor[j * d + j];
                    total += u[j] * u[j];
                }
                -0.5 * total
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns(rows: &[[f64; 2]]) -> Vec<Vec<f64>> {
        (0..2)
            .map(|j| rows.iter().map(|r| r[j]).collect())
            .collect()
    }

    #[test]
    fn a_proposal_and_its_density_agree() {
        // Correlated scores; the density of a proposal, computed back from
        // its values, is the -|ξ|²/2 it was made with.
        let rows: Vec<[f64; 2]> = (0..400)
            .map(|i| {
                let a = ((i * 37 % 101) as f64 - 50.0) / 20.0;
                let b = ((i * 53 % 97) as f64 - 48.0) / 30.0;
                [3.0 + a, -1.0 + 0.8 * a + 0.3 * b]
            })
            .collect();
        let fit = Fitted::of(&columns(&rows)).unwrap();
        let xi = vec![vec![0.3, -1.2, 2.0], vec![1.1, 0.4, -0.7]];
        let (z, log_q) = fit.propose(&xi);
        let back = fit.log_density(&z);
        for (a, b) in log_q.iter().zip(&back) {
            assert!((a - b).abs() < 1e-10, "{a} vs {b}");
        }
    }

    #[test]
    fn a_collapsed_population_has_no_fit() {
        assert!(Fitted::of(&[vec![1.0; 50], (0..50).map(f64::from).collect()]).is_none());
    }
}
