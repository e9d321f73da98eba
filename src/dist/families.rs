//! The one table of distribution families as users write them: each
//! family's name, its parameters in order, and the defaults of those that
//! may be left out (PERT's `lamb`, `lognormal_ci`'s `level`). The Python
//! constructors, the scenario parser and the type stub all read it (the
//! stub through a test), so a name or a default is written once.

use super::{
    Beta, Binomial, Constant, Dist, Gamma, LogNormal, NegativeBinomial, Normal, Pert, Poisson,
    Triangular, Uniform,
};
use crate::error::{Error, Result};

/// A parameter of a family, and its default if it may be left out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Param {
    pub name: &'static str,
    pub default: Option<f64>,
}

const fn required(name: &'static str) -> Param {
    Param {
        name,
        default: None,
    }
}

const fn optional(name: &'static str, default: f64) -> Param {
    Param {
        name,
        default: Some(default),
    }
}

/// A family with a fixed list of numeric parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FamilyInfo {
    pub name: &'static str,
    /// In order; parameters with defaults come last.
    pub params: &'static [Param],
}

/// Every family written as a list of numbers (the list-valued `empirical`,
/// and `categorical`, `truncated` and `mixture`, which are built from other
/// things, have forms of their own).
pub const FAMILIES: &[FamilyInfo] = &[
    FamilyInfo {
        name: "constant",
        params: &[required("value")],
    },
    FamilyInfo {
        name: "uniform",
        params: &[required("lo"), required("hi")],
    },
    FamilyInfo {
        name: "normal",
        params: &[required("mean"), required("sd")],
    },
    FamilyInfo {
        name: "lognormal",
        params: &[required("mu"), required("sigma")],
    },
    FamilyInfo {
        name: "lognormal_ci",
        params: &[required("lo"), required("hi"), optional("level", 0.9)],
    },
    FamilyInfo {
        name: "beta",
        params: &[required("alpha"), required("beta")],
    },
    FamilyInfo {
        name: "beta_counts",
        params: &[required("successes"), required("failures")],
    },
    FamilyInfo {
        name: "pert",
        params: &[
            required("min"),
            required("mode"),
            required("max"),
            optional("lamb", 4.0),
        ],
    },
    FamilyInfo {
        name: "triangular",
        params: &[required("min"), required("mode"), required("max")],
    },
    FamilyInfo {
        name: "gamma",
        params: &[required("shape"), required("scale")],
    },
    FamilyInfo {
        name: "poisson",
        params: &[required("rate")],
    },
    FamilyInfo {
        name: "binomial",
        params: &[required("n"), required("p")],
    },
    FamilyInfo {
        name: "negative_binomial",
        params: &[required("r"), required("p")],
    },
];

/// The family called `name`.
///
/// ```
/// use munflow::dist::family;
/// let pert = family("pert").unwrap();
/// assert_eq!(pert.default_of("lamb"), Some(4.0));
/// assert_eq!(pert.usage(), "[min, mode, max] or [min, mode, max, lamb]");
/// assert_eq!(pert.complete(&[1.0, 2.0, 3.0]), Some(vec![1.0, 2.0, 3.0, 4.0]));
/// assert_eq!(pert.complete(&[1.0, 2.0]), None);
/// ```
pub fn family(name: &str) -> Option<&'static FamilyInfo> {
    FAMILIES.iter().find(|f| f.name == name)
}

impl FamilyInfo {
    /// How many parameters must be given.
    pub fn required(&self) -> usize {
        self.params.iter().filter(|p| p.default.is_none()).count()
    }

    /// The default of a parameter, if it has one.
    pub fn default_of(&self, param: &str) -> Option<f64> {
        self.params
            .iter()
            .find(|p| p.name == param)
            .and_then(|p| p.default)
    }

    /// The parameter names, in order.
    pub fn names(&self) -> Vec<&'static str> {
        self.params.iter().map(|p| p.name).collect()
    }

    /// How the parameters are written: `[alpha, beta]`, or the forms with
    /// and without the optional ones.
    pub fn usage(&self) -> String {
        let list = |n: usize| format!("[{}]", self.names()[..n].join(", "));
        let (short, long) = (self.required(), self.params.len());
        if short == long {
            list(long)
        } else {
            format!("{} or {}", list(short), list(long))
        }
    }

    /// `given` with the defaults of the parameters left out, or None when
    /// the number given is not one the family accepts.
    pub fn complete(&self, given: &[f64]) -> Option<Vec<f64>> {
        if given.len() < self.required() || given.len() > self.params.len() {
            return None;
        }
        let mut all = given.to_vec();
        for p in &self.params[given.len()..] {
            all.push(p.default?);
        }
        Some(all)
    }
}

/// The distribution of family `name` with parameters `given` (defaults
/// filled in), validated by its constructor.
///
/// ```
/// use munflow::dist::{build, Moments};
/// assert_eq!(build("pert", &[0.0, 1.0, 2.0]).unwrap().mean(), 1.0);
/// let err = build("beta", &[2.0]).unwrap_err().to_string();
/// assert_eq!(err, "beta takes [alpha, beta], got 1 number");
/// ```
pub fn build(name: &str, given: &[f64]) -> Result<Dist> {
    let info = family(name).ok_or_else(|| {
        Error::InvalidArgument(format!(
            "unknown distribution '{name}'; the families are: {}",
            FAMILIES
                .iter()
                .map(|f| f.name)
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })?;
    let p = info.complete(given).ok_or_else(|| {
        Error::InvalidArgument(format!(
            "{name} takes {}, got {} number{}",
            info.usage(),
            given.len(),
            if given.len() == 1 { "" } else { "s" }
        ))
    })?;
    Ok(match info.name {
        "constant" => Constant::new(p[0])?.into(),
        "uniform" => Uniform::new(p[0], p[1])?.into(),
        "normal" => Normal::new(p[0], p[1])?.into(),
        "lognormal" => LogNormal::new(p[0], p[1])?.into(),
        "lognormal_ci" => LogNormal::from_interval(p[0], p[1], p[2])?.into(),
        "beta" => Beta::new(p[0], p[1])?.into(),
        "beta_counts" => Beta::from_counts(p[0], p[1])?.into(),
        "pert" => Pert::new(p[0], p[1], p[2], p[3])?.into(),
        "triangular" => Triangular::new(p[0], p[1], p[2])?.into(),
        "gamma" => Gamma::new(p[0], p[1])?.into(),
        "poisson" => Poisson::new(p[0])?.into(),
        "binomial" => Binomial::new(p[0], p[1])?.into(),
        "negative_binomial" => NegativeBinomial::new(p[0], p[1])?.into(),
        other => {
            return Err(Error::InvalidArgument(format!(
                "{other}: no constructor (a family in the table must have one)"
            )))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optional_parameters_come_last_and_names_are_unique() {
        for f in FAMILIES {
            let first_optional = f.params.iter().position(|p| p.default.is_some());
            if let Some(i) = first_optional {
                assert!(
                    f.params[i..].iter().all(|p| p.default.is_some()),
                    "{}",
                    f.name
                );
            }
            assert_eq!(FAMILIES.iter().filter(|g| g.name == f.name).count(), 1);
        }
    }

    #[test]
    fn every_family_in_the_table_can_be_built() {
        for f in FAMILIES {
            // Parameters valid for every family: 0 < 0.5 < 1 < 2 (and p = 0.5).
            let p = [0.5, 1.0, 2.0][..f.required().min(3)].to_vec();
            let p = match f.name {
                "binomial" | "negative_binomial" => vec![2.0, 0.5],
                "constant" | "poisson" => vec![1.0],
                "uniform" | "lognormal_ci" => vec![1.0, 2.0],
                _ => p,
            };
            build(f.name, &p).unwrap_or_else(|e| panic!("{}: {e}", f.name));
        }
    }
}
