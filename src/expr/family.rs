//! Draws whose parameters are other nodes ("compound" draws), e.g.
//! functioning shells = binomial(delivered, 1 - dud_rate).

use crate::dist::Sample;
use crate::dist::{
    Beta, Binomial, Dist, Gamma, LogNormal, NegativeBinomial, Normal, Pert, Poisson, Triangular,
    Uniform,
};
use crate::error::{Error, Result};

/// The families that can take node-valued parameters, with their arity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    Uniform,
    Normal,
    LogNormal,
    Beta,
    Gamma,
    Pert,
    Triangular,
    Poisson,
    Binomial,
    NegativeBinomial,
}

impl Family {
    const ALL: [Family; 10] = [
        Family::Uniform,
        Family::Normal,
        Family::LogNormal,
        Family::Beta,
        Family::Gamma,
        Family::Pert,
        Family::Triangular,
        Family::Poisson,
        Family::Binomial,
        Family::NegativeBinomial,
    ];

    /// The family called `name`.
    pub fn from_name(name: &str) -> Option<Family> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Family::Uniform => "uniform",
            Family::Normal => "normal",
            Family::LogNormal => "lognormal",
            Family::Beta => "beta",
            Family::Gamma => "gamma",
            Family::Pert => "pert",
            Family::Triangular => "triangular",
            Family::Poisson => "poisson",
            Family::Binomial => "binomial",
            Family::NegativeBinomial => "negative_binomial",
        }
    }

    /// The parameter names in order, from the table of families.
    pub fn params(self) -> &'static [crate::dist::Param] {
        crate::dist::family(self.name()).map_or(&[], |f| f.params)
    }

    /// Whether draws of this family map every normal score past
    /// ±[`crate::dist::SCORE_LIMIT`] to one value though the law goes on:
    /// the unbounded families other than the normal and log-normal.
    pub fn clamps_extreme_scores(self) -> bool {
        matches!(
            self,
            Family::Gamma | Family::Poisson | Family::NegativeBinomial
        )
    }

    /// The number of parameters a compound draw of this family takes (all
    /// of them: defaults are filled in by whoever builds it).
    pub fn arity(self) -> usize {
        self.params().len()
    }

    /// The distribution for one sample's parameter values (validated).
    #[inline]
    pub fn build(self, p: &[f64]) -> Result<Dist> {
        Ok(match self {
            Family::Uniform => Uniform::new(p[0], p[1])?.into(),
            Family::Normal => Normal::new(p[0], p[1])?.into(),
            Family::LogNormal => LogNormal::new(p[0], p[1])?.into(),
            Family::Beta => Beta::new(p[0], p[1])?.into(),
            Family::Gamma => Gamma::new(p[0], p[1])?.into(),
            Family::Pert => Pert::new(p[0], p[1], p[2], p[3])?.into(),
            Family::Triangular => Triangular::new(p[0], p[1], p[2])?.into(),
            Family::Poisson => Poisson::new(p[0])?.into(),
            Family::Binomial => Binomial::new(p[0], p[1])?.into(),
            Family::NegativeBinomial => NegativeBinomial::new(p[0], p[1])?.into(),
        })
    }

    /// One draw for one sample's parameter values. Equivalent to
    /// `self.build(p)?.sample(rng)`, but the families used for thinning and
    /// counts skip building the full distribution (cdf tables and all), which
    /// is most of the cost when a new law is needed for every sample.
    #[inline]
    pub fn sample_once<R: rand::Rng + ?Sized>(self, p: &[f64], rng: &mut R) -> Result<f64> {
        match self {
            Family::Binomial => Ok(Binomial::sampler(p[0], p[1])?.sample(rng)),
            Family::Poisson => Poisson::sample_once(p[0], rng),
            _ => Ok(self.build(p)?.sample(rng)),
        }
    }

    /// Draws row by row into `out`, row i's parameters being `params[j][i]`:
    /// the same draws as [`Family::sample_once`] on each row in turn from one
    /// stream, but with the family chosen once and binomial thinning batched.
    /// On bad parameters, the first bad row and its error.
    pub fn fill<R: rand::Rng + ?Sized>(
        self,
        params: &[&[f64]],
        rng: &mut R,
        out: &mut [f64],
    ) -> std::result::Result<(), (usize, Error)> {
        self.check_arity(params.len()).map_err(|e| (0, e))?;
        if let Some(short) = params.iter().find(|p| p.len() < out.len()) {
            return Err((
                short.len(),
                Error::InvalidArgument(format!(
                    "{}: a parameter column has {} rows, not {}",
                    self.name(),
                    short.len(),
                    out.len()
                )),
            ));
        }
        match self {
            Family::Binomial => crate::dist::binomial::fill_thinned(params[0], params[1], rng, out),
            _ => {
                let mut row = [0.0f64; 4];
                let row = &mut row[..params.len()];
                for (i, o) in out.iter_mut().enumerate() {
                    for (r, column) in row.iter_mut().zip(params) {
                        *r = column[i];
                    }
                    *o = self.sample_once(row, rng).map_err(|e| (i, e))?;
                }
                Ok(())
            }
        }
    }

    /// Checks the number of parameters.
    pub fn check_arity(self, given: usize) -> Result<()> {
        let want = self.arity();
        if given == want {
            Ok(())
        } else {
            let names: Vec<&str> = self.params().iter().map(|p| p.name).collect();
            Err(Error::InvalidArgument(format!(
                "{}: expected {want} parameters ({}), got {given}",
                self.name(),
                names.join(", ")
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn fill_checks_its_columns_and_names_the_first_bad_row() {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
        let mut out = vec![0.0; 10];
        let n = vec![20.0; 10];
        assert!(Family::Binomial.fill(&[&n], &mut rng, &mut out).is_err());
        assert!(Family::Poisson
            .fill(&[&n[..5]], &mut rng, &mut out)
            .is_err());
        let mut rate = vec![3.0; 10];
        rate[7] = -1.0;
        let (row, err) = Family::Poisson
            .fill(&[&rate], &mut rng, &mut out)
            .unwrap_err();
        assert_eq!(row, 7);
        assert!(err.to_string().contains("rate"), "{err}");
    }
}
