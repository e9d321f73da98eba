use super::primitives::AliasTable;
use super::validate::{finite, weights as check_weights};
use super::{Moments, Quantile, Sample};
use crate::error::{Error, Result};
use rand::Rng;

/// A finite set of values with probabilities: `categorical` for stated
/// alternatives, `empirical` for resampling observed data.
///
/// ```
/// use munflow::dist::{Categorical, Moments};
/// // 20 or 40 containers a voyage, the larger twice as likely.
/// let per_voyage = Categorical::new(&[20.0, 40.0], &[1.0, 2.0]).unwrap();
/// assert!((per_voyage.mean() - 100.0 / 3.0).abs() < 1e-12);
/// let seen = Categorical::empirical(&[3.0, 5.0, 5.0, 9.0]).unwrap();
/// assert_eq!(seen.mean(), 5.5);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Categorical {
    /// Distinct values, ascending.
    values: Vec<f64>,
    /// Their probabilities, summing to 1.
    weights: Vec<f64>,
    /// Running sums of `weights` for the cdf.
    cumulative: Vec<f64>,
    table: AliasTable,
    empirical: bool,
}

impl Categorical {
    /// `weights` may be empty for equal weights.
    pub fn new(values: &[f64], weights: &[f64]) -> Result<Self> {
        const NAME: &str = "categorical";
        if values.is_empty() {
            return Err(Error::InvalidArgument(format!(
                "{NAME}: values must not be empty"
            )));
        }
        for &v in values {
            finite(NAME, "every value", v)?;
        }
        let w = check_weights(NAME, weights, values.len())?;
        Ok(Self::build(values, &w, false))
    }

    /// Resampling of observed `data`, each point equally likely.
    pub fn empirical(data: &[f64]) -> Result<Self> {
        const NAME: &str = "empirical";
        if data.is_empty() {
            return Err(Error::InvalidArgument(format!(
                "{NAME}: data must not be empty"
            )));
        }
        for &v in data {
            finite(NAME, "every data point", v)?;
        }
        let w = vec![1.0 / data.len() as f64; data.len()];
        Ok(Self::build(data, &w, true))
    }

    /// The law of a [`super::Recipe`]: distinct ascending `values` with
    /// their probabilities as stored, rebuilt exactly (no renormalising).
    pub(crate) fn from_parts(values: &[f64], weights: &[f64], empirical: bool) -> Result<Self> {
        let name = if empirical {
            "empirical"
        } else {
            "categorical"
        };
        let ascending = values.windows(2).all(|w| w[0] < w[1]);
        let sum: f64 = weights.iter().sum();
        if values.is_empty()
            || values.len() != weights.len()
            || !ascending
            || values.iter().any(|v| !v.is_finite())
            || weights.iter().any(|w| !(w.is_finite() && *w >= 0.0))
            || (sum - 1.0).abs() > 1e-9
        {
            return Err(Error::InvalidArgument(format!(
                "{name}: saved values and probabilities are malformed"
            )));
        }
        Ok(Self::build(values, weights, empirical))
    }

    /// Sorts by value and merges repeated values, adding their weights.
    fn build(values: &[f64], weights: &[f64], empirical: bool) -> Self {
        let mut pairs: Vec<(f64, f64)> = values
            .iter()
            .copied()
            .zip(weights.iter().copied())
            .collect();
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut merged: Vec<(f64, f64)> = Vec::with_capacity(pairs.len());
        for (v, w) in pairs {
            match merged.last_mut() {
                Some(last) if last.0 == v => last.1 += w,
                _ => merged.push((v, w)),
            }
        }
        let (values, weights): (Vec<f64>, Vec<f64>) = merged.into_iter().unzip();
        let mut running = 0.0;
        let cumulative = weights
            .iter()
            .map(|w| {
                running += w;
                running
            })
            .collect();
        Categorical {
            table: AliasTable::new(&weights),
            values,
            weights,
            cumulative,
            empirical,
        }
    }

    pub fn values(&self) -> &[f64] {
        &self.values
    }
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }
}

impl super::Parameters for Categorical {
    fn family(&self) -> &'static str {
        if self.empirical {
            "empirical"
        } else {
            "categorical"
        }
    }
    /// The values, then their weights.
    fn params(&self) -> Vec<f64> {
        self.values.iter().chain(&self.weights).copied().collect()
    }
}

impl Sample for Categorical {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        self.values[self.table.sample(rng)]
    }
}

impl Categorical {
    /// (mean, sd), safe for values near the float range's end.
    fn moments(&self) -> (f64, f64) {
        let atoms = self.values.iter().zip(&self.weights);
        super::mixture_moments(atoms.map(|(&v, &w)| (w, v, 0.0)))
    }
}

impl Moments for Categorical {
    fn mean(&self) -> f64 {
        self.moments().0
    }
    fn variance(&self) -> f64 {
        self.sd().powi(2)
    }
    fn sd(&self) -> f64 {
        self.moments().1
    }
}

impl Quantile for Categorical {
    fn cdf(&self, x: f64) -> f64 {
        // Number of values <= x.
        let k = self.values.partition_point(|&v| v <= x);
        if k == 0 {
            0.0
        } else if k == self.values.len() {
            1.0
        } else {
            self.cumulative[k - 1]
        }
    }
    fn cdf_below(&self, x: f64) -> f64 {
        let k = self.values.partition_point(|&v| v < x);
        if k == 0 {
            0.0
        } else if k == self.values.len() {
            1.0
        } else {
            self.cumulative[k - 1]
        }
    }
    /// The first value whose running sum reaches q: the generalised inverse of
    /// [`Quantile::cdf`], which reads the same sums. (A q nudged down by 1e-12
    /// returned 0 for categorical([0, 1], [1e12, 1]).ppf(1 - 1e-16).) The last
    /// value also takes any q above a last sum rounded below 1.
    fn ppf(&self, q: f64) -> f64 {
        let k = self
            .cumulative
            .partition_point(|&c| c < q)
            .min(self.values.len() - 1);
        self.values[k]
    }
    fn is_discrete(&self) -> bool {
        true
    }
    fn support(&self) -> (f64, f64) {
        (self.values[0], self.values[self.values.len() - 1])
    }
}
