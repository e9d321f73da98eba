//! `count`: `k` successes in `n` trials, each with probability `p` (a
//! binomial likelihood).
//!
//! ```
//! use munflow::evidence::Observation;
//! use munflow::expr::Node;
//! let fails = Observation::count("failures", 3.0, Node::constant(10.0), Node::constant(0.3)).unwrap();
//! // C(10,3) 0.3^3 0.7^7 = 0.266827932
//! assert!((fails.term(&[10.0, 0.3]).unwrap().0.exp() - 0.266_827_932).abs() < 1e-9);
//! ```

use super::kinds::{at, Figure, Given};
use super::likelihood::{check_name, mid_cdf, not_whole, short, whole_count, Likelihood};
use super::Observation;
use crate::dist::{binomial_log_pmf, binomial_log_pmf_from, ln_factorial_table, Binomial};
use crate::error::Result;
use crate::expr::Node;

/// `k` successes in `trials` trials of probability `p`.
#[derive(Debug, Clone)]
pub struct Count {
    pub k: f64,
    pub trials: Node,
    pub p: Node,
}

impl Observation {
    /// `k` successes in `trials` trials, each with probability `p`.
    ///
    /// ```
    /// use munflow::evidence::Observation;
    /// use munflow::expr::Node;
    /// let fails = Observation::count("failures", 25.0, Node::constant(50.0), Node::constant(0.4));
    /// assert!(fails.is_ok());
    /// assert!(Observation::count("x", 2.5, Node::constant(5.0), Node::constant(0.5)).is_err());
    /// ```
    pub fn count(name: &str, k: f64, trials: Node, p: Node) -> Result<Self> {
        check_name(name)?;
        let k = whole_count("count", name, k)?;
        Ok(Observation::new(name, Count { k, trials, p }))
    }
}

/// A `count` from its declared figures.
pub(super) fn build(given: &mut Given) -> super::kinds::Built {
    let k = given.need("k")?;
    let (trials, p) = (given.read(), given.read());
    Observation::count(given.name, k, trials, p).map_err(at("k"))
}

impl Likelihood for Count {
    fn name(&self) -> &'static str {
        "count"
    }

    fn nodes(&self) -> Vec<&Node> {
        vec![&self.trials, &self.p]
    }

    fn term(&self, name: &str, v: &[f64]) -> std::result::Result<(f64, f64), String> {
        let k = &self.k;
        let (n, p) = (v[0], v[1]);
        if let Some(e) = not_whole("count", name, "the number of trials", n) {
            return Err(e);
        }
        if !(0.0..=1.0).contains(&p) {
            return Err(format!(
                "count '{name}': the probability must be in [0, 1], got {}",
                crate::error::fmt_value(p)
            ));
        }
        if *k > n {
            return Ok((f64::NEG_INFINITY, (k - n) / k.max(1.0)));
        }
        let ll = binomial_log_pmf(*k, n, p);
        Ok((ll, if ll == f64::NEG_INFINITY { 1.0 } else { 0.0 }))
    }

    fn log_likelihoods(
        &self,
        name: &str,
        cols: &[&[f64]],
        out: &mut [f64],
    ) -> std::result::Result<(), (usize, String)> {
        // term()'s arithmetic, with the table fetched once per chunk.
        let (k, table) = (self.k, ln_factorial_table());
        for (i, ((o, &n), &p)) in out.iter_mut().zip(cols[0]).zip(cols[1]).enumerate() {
            let valid = n.is_finite() && n >= 0.0 && n.fract() == 0.0 && (0.0..=1.0).contains(&p);
            *o = if !valid {
                // The error message, from term().
                self.term(name, &[n, p]).map_err(|e| (i, e))?.0
            } else if k > n {
                f64::NEG_INFINITY
            } else {
                binomial_log_pmf_from(table, k, n, p)
            };
        }
        Ok(())
    }

    fn predictive_tail(&self, v: &[f64]) -> f64 {
        let (n, p) = (v[0], v[1]);
        match Binomial::new(n, p) {
            Ok(law) => mid_cdf(&law, self.k),
            Err(_) => f64::NAN,
        }
    }

    fn describe(&self, label: &dyn Fn(usize, &Node) -> String) -> String {
        format!(
            "count: {} of {} trials with probability {}",
            short(self.k),
            label(0, &self.trials),
            label(1, &self.p)
        )
    }

    fn figures(&self) -> Vec<(&'static str, Figure)> {
        vec![("k", Figure::Number(self.k))]
    }
}
