//! A distribution as the call that makes it, for saving and restoring a model
//! exactly: the family and its parameters as stored (normalised weights, the
//! mu and sigma behind a `lognormal_ci`), rebuilt into a law equal to the
//! original, with the same draws at a seed.

use super::{build, Categorical, Dist, Mixture, Parameters, Truncated};
use crate::error::{Error, Result};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// How to rebuild a distribution: a family, its numbers, and the laws it is
/// made of (a truncation's inner law, a mixture's components).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recipe {
    pub family: String,
    #[serde(default, with = "numbers")]
    pub params: Vec<f64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Recipe>,
}

impl Dist {
    /// The recipe that rebuilds this law exactly.
    ///
    /// ```
    /// use munflow::dist::{Dist, LogNormal};
    /// let d: Dist = LogNormal::from_interval(6000.0, 8000.0, 0.9).unwrap().into();
    /// assert_eq!(Dist::from_recipe(&d.recipe()).unwrap(), d);
    /// ```
    pub fn recipe(&self) -> Recipe {
        let (family, params, parts) = match self {
            Dist::Categorical(c) => {
                let mut p = c.values().to_vec();
                p.extend(c.weights());
                (c.family(), p, Vec::new())
            }
            Dist::Truncated(t) => ("truncated", vec![t.lo(), t.hi()], vec![t.inner().recipe()]),
            Dist::Mixture(m) => (
                "mixture",
                m.weights().to_vec(),
                m.components().iter().map(Dist::recipe).collect(),
            ),
            // Every other family's stored parameters are its constructor's.
            other => (other.family(), other.params(), Vec::new()),
        };
        Recipe {
            family: family.to_string(),
            params,
            parts,
        }
    }

    /// The law a [`Dist::recipe`] describes.
    ///
    /// # Errors
    /// A recipe no constructor accepts (a file edited by hand, say).
    pub fn from_recipe(r: &Recipe) -> Result<Dist> {
        let bad = || Error::InvalidArgument(format!("a saved distribution is malformed: {r:?}"));
        Ok(match r.family.as_str() {
            "categorical" | "empirical" => {
                if !r.params.len().is_multiple_of(2) || !r.parts.is_empty() {
                    return Err(bad());
                }
                let (values, weights) = r.params.split_at(r.params.len() / 2);
                Categorical::from_parts(values, weights, r.family == "empirical")?.into()
            }
            "truncated" => match (r.params.as_slice(), r.parts.as_slice()) {
                ([lo, hi], [inner]) => Truncated::new(Dist::from_recipe(inner)?, *lo, *hi)?.into(),
                _ => return Err(bad()),
            },
            "mixture" => {
                let components = r
                    .parts
                    .iter()
                    .map(Dist::from_recipe)
                    .collect::<Result<Vec<_>>>()?;
                Mixture::from_parts(components, &r.params)?.into()
            }
            name => {
                if !r.parts.is_empty() {
                    return Err(bad());
                }
                build(name, &r.params)?
            }
        })
    }
}

/// Numbers in JSON, the non-finite ones (a truncation's open end) as text.
mod numbers {
    use super::*;

    #[derive(Serialize, Deserialize)]
    #[serde(untagged)]
    enum Number {
        Finite(f64),
        Text(String),
    }

    pub fn serialize<S: Serializer>(v: &[f64], s: S) -> std::result::Result<S::Ok, S::Error> {
        let out: Vec<Number> = v
            .iter()
            .map(|&x| {
                if x.is_finite() {
                    Number::Finite(x)
                } else {
                    Number::Text(x.to_string())
                }
            })
            .collect();
        out.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Vec<f64>, D::Error> {
        Vec::<Number>::deserialize(d)?
            .into_iter()
            .map(|n| match n {
                Number::Finite(x) => Ok(x),
                Number::Text(t) => t.parse().map_err(serde::de::Error::custom),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::{Beta, LogNormal, Normal, Pert, Sample};
    use rand::SeedableRng;

    fn laws() -> Vec<Dist> {
        let normal: Dist = Normal::new(0.0, 1.0).unwrap().into();
        vec![
            build("uniform", &[2.0, 5.0]).unwrap(),
            LogNormal::from_interval(6000.0, 8000.0, 0.9)
                .unwrap()
                .into(),
            Beta::from_counts(24.0, 26.0).unwrap().into(),
            Pert::new(300.0, 430.0, 500.0, 4.0).unwrap().into(),
            build("negative_binomial", &[19.0, 0.6]).unwrap(),
            build("binomial", &[70_000.0, 0.83]).unwrap(),
            Categorical::new(&[3.0, 1.0, 3.0], &[0.1, 0.7, 0.3])
                .unwrap()
                .into(),
            Categorical::empirical(&[1.0, 2.0, 2.0, 7.5])
                .unwrap()
                .into(),
            Truncated::new(normal.clone(), 0.5, f64::INFINITY)
                .unwrap()
                .into(),
            Mixture::new(
                vec![normal, build("gamma", &[2.0, 3.0]).unwrap()],
                &[1.0, 2.0],
            )
            .unwrap()
            .into(),
        ]
    }

    #[test]
    fn every_law_is_rebuilt_exactly_through_json() {
        for d in laws() {
            let json = serde_json::to_string(&d.recipe()).unwrap();
            let back = Dist::from_recipe(&serde_json::from_str(&json).unwrap()).unwrap();
            assert_eq!(back, d, "{json}");
            let draw = |d: &Dist| {
                let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3);
                (0..64)
                    .map(|_| d.sample(&mut rng).to_bits())
                    .collect::<Vec<_>>()
            };
            assert_eq!(draw(&back), draw(&d), "{json}");
        }
    }

    #[test]
    fn malformed_recipes_are_errors() {
        let r = Recipe {
            family: "beta".into(),
            params: vec![-1.0, 2.0],
            parts: vec![],
        };
        assert!(Dist::from_recipe(&r).is_err());
        let r = Recipe {
            family: "truncated".into(),
            params: vec![0.0],
            parts: vec![],
        };
        assert!(Dist::from_recipe(&r).is_err());
    }
}
