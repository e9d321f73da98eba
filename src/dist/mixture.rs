use super::primitives::AliasTable;
use super::quadrature::invert_cdf;
use super::validate::weights as check_weights;
use super::{Dist, Moments, Quantile, Sample};
use crate::error::{Error, Result};
use rand::Rng;

/// A mixture: with probability `weights[i]` the draw comes from `components[i]`.
/// For competing accounts of the same quantity, weighted by credibility.
///
/// ```
/// use munflow::dist::{Dist, Mixture, Moments, Normal};
/// let a: Dist = Normal::new(5000.0, 500.0).unwrap().into();
/// let b: Dist = Normal::new(7000.0, 500.0).unwrap().into();
/// let m = Mixture::new(vec![a, b], &[1.0, 1.0]).unwrap();
/// assert_eq!(m.mean(), 6000.0);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Mixture {
    components: Vec<Dist>,
    weights: Vec<f64>,
    table: AliasTable,
}

impl Mixture {
    /// `weights` may be empty for equal weights.
    pub fn new(components: Vec<Dist>, weights: &[f64]) -> Result<Self> {
        if components.is_empty() {
            return Err(Error::InvalidArgument(
                "mixture: dists must not be empty".into(),
            ));
        }
        let weights = check_weights("mixture", weights, components.len())?;
        Ok(Mixture {
            table: AliasTable::new(&weights),
            components,
            weights,
        })
    }
    /// The law of a [`super::Recipe`]: weights as stored (already
    /// normalised), rebuilt exactly.
    pub(crate) fn from_parts(components: Vec<Dist>, weights: &[f64]) -> Result<Self> {
        let sum: f64 = weights.iter().sum();
        if components.is_empty()
            || components.len() != weights.len()
            || weights.iter().any(|w| !(w.is_finite() && *w >= 0.0))
            || (sum - 1.0).abs() > 1e-9
        {
            return Err(Error::InvalidArgument(
                "mixture: saved components and weights are malformed".into(),
            ));
        }
        Ok(Mixture {
            table: AliasTable::new(weights),
            components,
            weights: weights.to_vec(),
        })
    }
    pub fn components(&self) -> &[Dist] {
        &self.components
    }
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }
}

impl Sample for Mixture {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        self.components[self.table.sample(rng)].sample(rng)
    }
}

impl Mixture {
    /// (mean, sd) from the components', as within plus between spread:
    /// E[X²] - mean² cancels (and overflows) where components sit far out.
    fn moments(&self) -> (f64, f64) {
        let parts = self.components.iter().zip(&self.weights);
        super::mixture_moments(parts.map(|(c, &w)| (w, c.mean(), c.sd())))
    }
}

impl Moments for Mixture {
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

impl Quantile for Mixture {
    fn cdf(&self, x: f64) -> f64 {
        self.components
            .iter()
            .zip(&self.weights)
            .map(|(c, w)| w * c.cdf(x))
            .sum::<f64>()
            .min(1.0)
    }
    fn cdf_below(&self, x: f64) -> f64 {
        self.components
            .iter()
            .zip(&self.weights)
            .map(|(c, w)| w * c.cdf_below(x))
            .sum::<f64>()
            .min(1.0)
    }
    fn sf(&self, x: f64) -> f64 {
        self.components
            .iter()
            .zip(&self.weights)
            .map(|(c, w)| w * c.sf(x))
            .sum::<f64>()
            .min(1.0)
    }
    fn sf_from(&self, x: f64) -> f64 {
        self.components
            .iter()
            .zip(&self.weights)
            .map(|(c, w)| w * c.sf_from(x))
            .sum::<f64>()
            .min(1.0)
    }
    fn ppf(&self, q: f64) -> f64 {
        let (lo, hi) = self.support();
        if q <= 0.0 {
            return lo;
        }
        if q >= 1.0 {
            return hi;
        }
        // Each component's own quantile at q brackets the mixture's.
        let qs = self.components.iter().map(|c| c.ppf(q));
        let (a, b) = qs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
            (a.min(x), b.max(x))
        });
        let (a, b) = (a.max(lo), b.min(hi));
        let integer = self.components.iter().all(Dist::is_integer_valued);
        invert_cdf(|x| self.cdf(x), q * (1.0 - 1e-15), a, b, integer)
    }
    fn is_discrete(&self) -> bool {
        self.components.iter().all(Dist::is_discrete)
    }
    fn support(&self) -> (f64, f64) {
        self.components
            .iter()
            .map(Dist::support)
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), (c, d)| {
                (a.min(c), b.max(d))
            })
    }
}

impl super::Parameters for Mixture {
    fn family(&self) -> &'static str {
        "mixture"
    }
    /// The components' parameters in turn, then the weights.
    fn params(&self) -> Vec<f64> {
        self.components
            .iter()
            .flat_map(Dist::params)
            .chain(self.weights.iter().copied())
            .collect()
    }
}
