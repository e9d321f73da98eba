//! A count law's probabilities in log space: what an exact observation of a
//! drawn count (a Poisson, binomial or negative binomial node) weighs each
//! sample by, and the draw of that count from its law restricted to what
//! was observed.

use super::{Binomial, Dist, NegativeBinomial, Poisson, Quantile};
use crate::error::Result;
use statrs::function::gamma::ln_gamma;

/// Ranges of at most this many counts are summed term by term (exact in
/// the far tails, where a difference of cdfs underflows to 0).
const SUMMED_WIDTH: f64 = 256.0;

/// A validated count law.
///
/// ```
/// use munflow::dist::CountLaw;
/// let law = CountLaw::new("poisson", &[300.0]).unwrap();
/// // log P(N = 400) for N ~ Poisson(300): 400 ln 300 - 300 - ln 400!
/// let want = 400.0 * 300f64.ln() - 300.0 - statrs::function::gamma::ln_gamma(401.0);
/// assert!((law.log_pmf(400.0) - want).abs() < 1e-9);
/// // A range: P(390 <= N <= 410), and a draw from N restricted to it.
/// assert!(law.log_prob_between(390.0, 410.0) > law.log_pmf(400.0));
/// let n = law.value_between(390.0, 410.0, 0.5);
/// assert!((390.0..=410.0).contains(&n) && n.fract() == 0.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CountLaw {
    Poisson { rate: f64 },
    Binomial { n: f64, p: f64 },
    NegativeBinomial { r: f64, p: f64 },
}

impl CountLaw {
    /// The law of `family` ("poisson", "binomial", "negative_binomial") with
    /// `params` in constructor order, validated as a draw of it would be.
    pub fn new(family: &str, params: &[f64]) -> Result<CountLaw> {
        let param = |i: usize| params.get(i).copied().unwrap_or(f64::NAN);
        match family {
            "poisson" => {
                // The constructor's checks, without building its sampler.
                let law = CountLaw::Poisson { rate: param(0) };
                if !(param(0) >= 0.0 && param(0) <= 1e15) {
                    Poisson::new(param(0))?;
                }
                Ok(law)
            }
            "binomial" => {
                Binomial::sampler(param(0), param(1))?;
                Ok(CountLaw::Binomial {
                    n: param(0),
                    p: param(1),
                })
            }
            "negative_binomial" => {
                NegativeBinomial::new(param(0), param(1))?;
                Ok(CountLaw::NegativeBinomial {
                    r: param(0),
                    p: param(1),
                })
            }
            other => Err(crate::Error::InvalidArgument(format!(
                "'{other}' is not a count law (poisson, binomial, negative_binomial)"
            ))),
        }
    }

    pub(crate) fn dist(&self) -> Result<Dist> {
        Ok(match *self {
            CountLaw::Poisson { rate } => Poisson::new(rate)?.into(),
            CountLaw::Binomial { n, p } => Binomial::new(n, p)?.into(),
            CountLaw::NegativeBinomial { r, p } => NegativeBinomial::new(r, p)?.into(),
        })
    }

    /// The least and greatest counts the law can take.
    fn support(&self) -> (f64, f64) {
        match *self {
            CountLaw::Binomial { n, .. } => (0.0, n),
            _ => (0.0, f64::INFINITY),
        }
    }

    /// log P(X = k), -inf outside the support; k a whole number.
    pub fn log_pmf(&self, k: f64) -> f64 {
        let (lo, hi) = self.support();
        if k < lo || k > hi {
            return f64::NEG_INFINITY;
        }
        match *self {
            CountLaw::Poisson { rate } => {
                if rate == 0.0 {
                    return if k == 0.0 { 0.0 } else { f64::NEG_INFINITY };
                }
                k * rate.ln() - rate - ln_factorial(k)
            }
            CountLaw::Binomial { n, p } => binomial_log_pmf(k, n, p),
            CountLaw::NegativeBinomial { r, p } => {
                let failures = if k == 0.0 { 0.0 } else { k * (-p).ln_1p() };
                ln_gamma(k + r) - ln_gamma(r) - ln_factorial(k) + r * p.ln() + failures
            }
        }
    }

    /// log P(lower <= X <= upper) for whole (or infinite) bounds.
    pub fn log_prob_between(&self, lower: f64, upper: f64) -> f64 {
        let (lo, hi) = self.clipped(lower, upper);
        if lo > hi {
            return f64::NEG_INFINITY;
        }
        if hi - lo < SUMMED_WIDTH {
            let terms: Vec<f64> = counts(lo, hi).map(|k| self.log_pmf(k)).collect();
            return log_sum_exp(&terms);
        }
        let Ok(law) = self.dist() else {
            return f64::NEG_INFINITY;
        };
        let above = law.sf_from(lo);
        if above < 0.5 {
            (above - law.sf(hi)).ln()
        } else {
            (law.cdf(hi) - law.cdf_below(lo)).ln()
        }
    }

    /// The count at level `u` in [0, 1) of the law restricted to
    /// [lower, upper] (its inverse cdf): a draw of it for a uniform `u`.
    pub fn value_between(&self, lower: f64, upper: f64, u: f64) -> f64 {
        let (lo, hi) = self.clipped(lower, upper);
        if lo >= hi {
            return lo.max(lower.ceil());
        }
        if hi - lo < SUMMED_WIDTH {
            let terms: Vec<f64> = counts(lo, hi).map(|k| self.log_pmf(k)).collect();
            let top = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if top == f64::NEG_INFINITY {
                return lo;
            }
            let mass: Vec<f64> = terms.iter().map(|t| (t - top).exp()).collect();
            let target = u * mass.iter().sum::<f64>();
            let mut below = 0.0;
            for (k, m) in counts(lo, hi).zip(&mass) {
                below += m;
                if below > target {
                    return k;
                }
            }
            return hi;
        }
        let Ok(law) = self.dist() else {
            return lo;
        };
        // The tail the range lies in, so that neither end rounds to 1.
        let above = law.sf_from(lo);
        let x = if above < 0.5 {
            law.isf(above - u * (above - law.sf(hi)))
        } else {
            let below = law.cdf_below(lo);
            law.ppf(below + u * (law.cdf(hi) - below))
        };
        x.clamp(lo, hi)
    }

    /// [lower, upper] rounded inwards to whole counts and cut to the support.
    fn clipped(&self, lower: f64, upper: f64) -> (f64, f64) {
        let (lo, hi) = self.support();
        (lower.ceil().max(lo), upper.floor().min(hi))
    }
}

fn counts(lo: f64, hi: f64) -> impl Iterator<Item = f64> {
    (0..=(hi - lo) as u64).map(move |i| lo + i as f64)
}

fn log_sum_exp(terms: &[f64]) -> f64 {
    let top = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if top == f64::NEG_INFINITY {
        return top;
    }
    top + terms.iter().map(|t| (t - top).exp()).sum::<f64>().ln()
}

/// ln(x!) for whole x below the table's length (counts of missiles, voyages
/// and launches are evaluated millions of times).
pub(crate) fn ln_factorial_table() -> &'static [f64] {
    static TABLE: std::sync::OnceLock<Vec<f64>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| (0..4096).map(|i| ln_gamma(i as f64 + 1.0)).collect())
}

/// ln(x!) for a whole x >= 0: from the table, else by the samplers'
/// Stirling series ([`super::primitives::ln_factorial`], within 1e-15),
/// so that munflow has one formula for ln x! beyond a table.
#[inline(always)]
pub(crate) fn ln_factorial_from(table: &[f64], x: f64) -> f64 {
    if x < table.len() as f64 {
        table[x as usize]
    } else {
        super::primitives::ln_factorial(x)
    }
}

/// [`ln_factorial_from`] the shared table: what likelihoods use.
pub(crate) fn ln_factorial(x: f64) -> f64 {
    ln_factorial_from(ln_factorial_table(), x)
}

/// log C(n, k) + k log p + (n - k) log(1 - p), exact at p = 0 and p = 1.
pub(crate) fn binomial_log_pmf(k: f64, n: f64, p: f64) -> f64 {
    binomial_log_pmf_from(ln_factorial_table(), k, n, p)
}

#[inline(always)]
pub(crate) fn binomial_log_pmf_from(table: &[f64], k: f64, n: f64, p: f64) -> f64 {
    let choose =
        ln_factorial_from(table, n) - ln_factorial_from(table, k) - ln_factorial_from(table, n - k);
    let success = if k == 0.0 { 0.0 } else { k * p.ln() };
    let failure = if n - k == 0.0 {
        0.0
    } else {
        (n - k) * (-p).ln_1p()
    };
    choose + success + failure
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probabilities_match_the_laws_cdfs() {
        for (family, params) in [
            ("poisson", vec![12.5]),
            ("binomial", vec![40.0, 0.3]),
            ("negative_binomial", vec![4.0, 0.25]),
        ] {
            let law = CountLaw::new(family, &params).unwrap();
            let dist = law.dist().unwrap();
            for (a, b) in [(3.0, 3.0), (5.0, 20.0), (0.0, 600.0), (7.0, f64::INFINITY)] {
                let want = dist.cdf(b) - dist.cdf_below(a);
                let got = law.log_prob_between(a, b).exp();
                assert!(
                    (got - want).abs() < 1e-12,
                    "{family} [{a}, {b}]: {got} {want}"
                );
            }
        }
    }

    #[test]
    fn far_tails_keep_their_logs() {
        // P(N = 4000 | rate 300): e^-4870 or so, far below the smallest float.
        let law = CountLaw::new("poisson", &[300.0]).unwrap();
        let exact = law.log_pmf(4000.0);
        assert!(exact.is_finite() && exact < -4000.0, "{exact}");
        let range = law.log_prob_between(3990.0, 4010.0);
        assert!(range.is_finite() && range > exact, "{range}");
    }

    #[test]
    fn restricted_draws_follow_the_restricted_law() {
        let law = CountLaw::new("poisson", &[300.0]).unwrap();
        let (a, b) = (390.0, 410.0);
        let m = 20_000;
        let mean: f64 = (0..m)
            .map(|i| law.value_between(a, b, (i as f64 + 0.5) / m as f64))
            .sum::<f64>()
            / m as f64;
        let weights: Vec<f64> = counts(a, b).map(|k| law.log_pmf(k).exp()).collect();
        let want = counts(a, b).zip(&weights).map(|(k, w)| k * w).sum::<f64>()
            / weights.iter().sum::<f64>();
        assert!((mean - want).abs() < 0.01, "{mean} {want}");
        // A wide range goes through the law's quantiles.
        let x = law.value_between(250.0, 1e6, 0.5);
        assert!((295.0..=305.0).contains(&x), "{x}");
        assert!(CountLaw::new("binomial", &[10.5, 0.3]).is_err());
    }
}
