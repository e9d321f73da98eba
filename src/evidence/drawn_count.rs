//! A drawn count observed in [lower, upper], its draw integrated out: what
//! [`super::exact`] makes of bounds on a Poisson, binomial or negative
//! binomial node, or on a sum of independent Poisson draws. The term is the
//! law's probability of the range given its parameters, read per sample.
//! It keeps the name of the statement it was made from, and its figures.

use super::kinds::Figure;
use super::likelihood::{mid_cdf, short, Likelihood};
use crate::dist::CountLaw;
use crate::expr::Node;

/// A drawn count `quantity` observed in [lower, upper]: the term is its
/// law `family`'s probability of the range given the law's parameters
/// `params`, read per sample.
#[derive(Debug, Clone)]
pub struct DrawnCount {
    pub quantity: Node,
    pub family: &'static str,
    pub params: Vec<Node>,
    pub lower: f64,
    pub upper: f64,
}

impl Likelihood for DrawnCount {
    fn name(&self) -> &'static str {
        super::bounds::statement(self.lower, self.upper)
    }

    fn nodes(&self) -> Vec<&Node> {
        self.params.iter().collect()
    }

    fn term(&self, name: &str, v: &[f64]) -> std::result::Result<(f64, f64), String> {
        let (lower, upper) = (&self.lower, &self.upper);
        let law = CountLaw::new(self.family, v).map_err(|e| format!("count '{name}': {e}"))?;
        let ll = match lower == upper {
            true => law.log_pmf(*lower),
            false => law.log_prob_between(*lower, *upper),
        };
        if ll > f64::NEG_INFINITY {
            return Ok((ll, 0.0));
        }
        // More than a binomial's trials, or a range the law cannot reach.
        let distance = match law {
            CountLaw::Binomial { n, .. } if n < *lower => (lower - n) / lower.max(1.0),
            _ => 1.0,
        };
        Ok((ll, distance))
    }

    fn predictive_tail(&self, v: &[f64]) -> f64 {
        let (lower, upper) = (&self.lower, &self.upper);
        match CountLaw::new(self.family, v) {
            Ok(law) if lower == upper => law.dist().map_or(f64::NAN, |d| mid_cdf(&d, *lower)),
            Ok(law) => law.log_prob_between(*lower, *upper).exp(),
            Err(_) => f64::NAN,
        }
    }

    fn describe(&self, label: &dyn Fn(usize, &Node) -> String) -> String {
        if self.lower == self.upper {
            format!(
                "exact count: {} = {} (its draw integrated out)",
                label(0, &self.quantity),
                short(self.lower)
            )
        } else {
            format!(
                "count: {} in [{}, {}] (its draw integrated out)",
                label(0, &self.quantity),
                short(self.lower),
                short(self.upper)
            )
        }
    }

    fn figures(&self) -> Vec<(&'static str, Figure)> {
        super::bounds::figures(self.lower, self.upper)
    }
}
