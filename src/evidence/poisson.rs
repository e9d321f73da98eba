//! `poisson`: `k` events of a Poisson process with mean `rate`.
//!
//! ```
//! use munflow::evidence::Observation;
//! use munflow::expr::Node;
//! let strikes = Observation::poisson("strikes", 0.0, Node::constant(1.5)).unwrap();
//! assert!((strikes.term(&[1.5]).unwrap().0 + 1.5).abs() < 1e-12);
//! ```

use super::kinds::{at, Figure, Given};
use super::likelihood::{check_name, mid_cdf, short, whole_count, Likelihood};
use super::Observation;
use crate::dist::{ln_factorial, Poisson as PoissonLaw};
use crate::error::Result;
use crate::expr::Node;

/// `k` events of a Poisson process with mean `rate`.
#[derive(Debug, Clone)]
pub struct Poisson {
    pub k: f64,
    pub rate: Node,
}

impl Observation {
    /// `k` events of a Poisson process with mean `rate`.
    pub fn poisson(name: &str, k: f64, rate: Node) -> Result<Self> {
        check_name(name)?;
        let k = whole_count("poisson", name, k)?;
        Ok(Observation::new(name, Poisson { k, rate }))
    }
}

/// A `poisson` from its declared figures.
pub(super) fn build(given: &mut Given) -> super::kinds::Built {
    let k = given.need("k")?;
    Observation::poisson(given.name, k, given.read()).map_err(at("k"))
}

impl Likelihood for Poisson {
    fn name(&self) -> &'static str {
        "poisson"
    }

    fn nodes(&self) -> Vec<&Node> {
        vec![&self.rate]
    }

    fn term(&self, name: &str, v: &[f64]) -> std::result::Result<(f64, f64), String> {
        let k = &self.k;
        let rate = v[0];
        if !(rate.is_finite() && rate >= 0.0) {
            return Err(format!(
                "poisson '{name}': the rate must be finite and >= 0, got {}",
                crate::error::fmt_value(rate)
            ));
        }
        if rate == 0.0 {
            return Ok(if *k == 0.0 {
                (0.0, 0.0)
            } else {
                (f64::NEG_INFINITY, 1.0)
            });
        }
        Ok((k * rate.ln() - rate - ln_factorial(*k), 0.0))
    }

    fn predictive_tail(&self, v: &[f64]) -> f64 {
        match PoissonLaw::new(v[0]) {
            Ok(law) => mid_cdf(&law, self.k),
            Err(_) => f64::NAN,
        }
    }

    fn describe(&self, label: &dyn Fn(usize, &Node) -> String) -> String {
        format!(
            "poisson: {} events at rate {}",
            short(self.k),
            label(0, &self.rate)
        )
    }

    fn figures(&self) -> Vec<(&'static str, Figure)> {
        vec![("k", Figure::Number(self.k))]
    }
}
