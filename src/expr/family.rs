//! Draws whose parameters are other nodes ("compound" draws), e.g.
//! functioning shells = binomial(delivered, 1 - dud_rate).

use crate::dist::{Binomial, Family, Poisson, Sample};
use crate::error::{Error, Result};

/// Compound draws: a family's law built afresh for each sample's parameters.
/// (The family itself, with its name, parameters and constructor, is
/// declared in `dist/mod.rs`.)
impl Family {
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
        if given == self.arity() {
            Ok(())
        } else {
            Err(self.arity_error(given))
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
