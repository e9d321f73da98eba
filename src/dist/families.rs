//! What the declaration of families in `dist/mod.rs` expands to: the
//! [`Dist`] enum of laws with its dispatch, and the [`Family`] enum of the
//! ways a law is written (its name, parameters, defaults, constructor and
//! flags). The Python constructors are expanded from the same declaration
//! in `src/python/dists.rs`; the scenario reader, the recipe and the stub
//! read [`Family`].

use super::{Dist, Family};
use crate::error::{Error, Result};

/// A parameter of a family, and its default if it may be left out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Param {
    pub name: &'static str,
    pub default: Option<f64>,
}

/// Expands the declaration (`families!(declare)` in `dist/mod.rs`).
macro_rules! declare {
    (
        laws: $($law:ident),+;
        $(
            $(#[doc = $doc:literal])*
            $variant:ident $name:ident ($($p:ident),+ $(; $($opt:ident = $default:literal),+)?)
                = $constructor:path, example: [$($example:literal),+], expressions: $expressions:literal, clamps: $clamps:literal;
        )+
    ) => {
        /// A law with fixed parameters: every distribution the graph draws
        /// from, dispatched by `match` so the hot loops stay monomorphic.
        #[derive(Debug, Clone, PartialEq)]
        pub enum Dist {
            $($law($law),)+
        }

        macro_rules! dispatch {
            ($self:ident, $d:ident => $e:expr) => {
                match $self {
                    $(Dist::$law($d) => $e,)+
                }
            };
        }

        $(
            impl From<$law> for Dist {
                fn from(d: $law) -> Self {
                    Dist::$law(d)
                }
            }
        )+

        /// A family as users write it: `beta`, `pert`, `lognormal_ci`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Family {
            $($variant,)+
        }

        impl Family {
            /// Every family, in the declaration's order.
            pub const ALL: &'static [Family] = &[$(Family::$variant,)+];

            /// The name users write (`"negative_binomial"`).
            pub fn name(self) -> &'static str {
                match self {
                    $(Family::$variant => stringify!($name),)+
                }
            }

            /// The parameters in order; those with defaults come last.
            pub fn params(self) -> &'static [Param] {
                match self {
                    $(Family::$variant => &[
                        $(Param { name: stringify!($p), default: None },)+
                        $($(Param { name: stringify!($opt), default: Some($default) },)+)?
                    ],)+
                }
            }

            /// The declaration's doc comment: what the family is, in a sentence
            /// or two (the Python docstring and the docs' tables).
            pub fn doc(self) -> &'static str {
                match self {
                    $(Family::$variant => concat!($($doc, "\n"),*),)+
                }
            }

            /// Parameters it accepts (the required ones), as the docs show them.
            pub fn example(self) -> &'static [f64] {
                match self {
                    $(Family::$variant => &[$($example),+],)+
                }
            }

            /// Whether its parameters may be expressions (a draw whose
            /// parameters are drawn too), in Python and in compound nodes.
            pub fn takes_expressions(self) -> bool {
                match self {
                    $(Family::$variant => $expressions,)+
                }
            }

            /// Whether draws of this family map every normal score past
            /// ±[`crate::dist::SCORE_LIMIT`] to one value though the law goes
            /// on: the unbounded families other than the normal and log-normal.
            pub fn clamps_extreme_scores(self) -> bool {
                match self {
                    $(Family::$variant => $clamps,)+
                }
            }

            /// The law for a full list of parameters (defaults filled in),
            /// validated by its constructor.
            ///
            /// # Errors
            /// The wrong number of parameters, or values the constructor refuses.
            #[inline]
            pub fn build(self, p: &[f64]) -> $crate::error::Result<Dist> {
                match self {
                    $(Family::$variant => match *p {
                        [$($p,)+ $($($opt,)+)?] => Ok($constructor($($p,)+ $($($opt,)+)?)?.into()),
                        _ => Err(self.arity_error(p.len())),
                    },)+
                }
            }
        }
    };
}
pub(crate) use declare;

impl Family {
    /// The family called `name`.
    ///
    /// ```
    /// use munflow::dist::Family;
    /// let pert = Family::from_name("pert").unwrap();
    /// assert_eq!(pert.default_of("lamb"), Some(4.0));
    /// assert_eq!(pert.usage(), "[min, mode, max] or [min, mode, max, lamb]");
    /// assert_eq!(pert.complete(&[1.0, 2.0, 3.0]), Some(vec![1.0, 2.0, 3.0, 4.0]));
    /// assert_eq!(pert.complete(&[1.0, 2.0]), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Family> {
        Family::ALL.iter().copied().find(|f| f.name() == name)
    }

    /// How many parameters must be given.
    pub fn required(self) -> usize {
        self.params().iter().filter(|p| p.default.is_none()).count()
    }

    /// The number of parameters a compound draw of this family takes (all
    /// of them: defaults are filled in by whoever builds it).
    pub fn arity(self) -> usize {
        self.params().len()
    }

    /// The default of a parameter, if it has one.
    pub fn default_of(self, param: &str) -> Option<f64> {
        self.params()
            .iter()
            .find(|p| p.name == param)
            .and_then(|p| p.default)
    }

    /// The parameter names, in order.
    pub fn names(self) -> Vec<&'static str> {
        self.params().iter().map(|p| p.name).collect()
    }

    /// How the parameters are written: `[alpha, beta]`, or the forms with
    /// and without the optional ones.
    pub fn usage(self) -> String {
        let list = |n: usize| format!("[{}]", self.names()[..n].join(", "));
        let (short, long) = (self.required(), self.arity());
        if short == long {
            list(long)
        } else {
            format!("{} or {}", list(short), list(long))
        }
    }

    /// `given` with the defaults of the parameters left out, or None when
    /// the number given is not one the family accepts.
    pub fn complete(self, given: &[f64]) -> Option<Vec<f64>> {
        if given.len() < self.required() || given.len() > self.arity() {
            return None;
        }
        let mut all = given.to_vec();
        for p in &self.params()[given.len()..] {
            all.push(p.default?);
        }
        Some(all)
    }

    pub(crate) fn arity_error(self, given: usize) -> Error {
        Error::InvalidArgument(format!(
            "{}: expected {} parameters ({}), got {given}",
            self.name(),
            self.arity(),
            self.names().join(", ")
        ))
    }
}

/// The names of every family, for "one of" messages.
pub fn family_names() -> String {
    Family::ALL
        .iter()
        .map(|f| f.name())
        .collect::<Vec<_>>()
        .join(", ")
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
    let family = Family::from_name(name).ok_or_else(|| {
        Error::InvalidArgument(format!(
            "unknown distribution '{name}'; the families are: {}",
            family_names()
        ))
    })?;
    let p = family.complete(given).ok_or_else(|| {
        Error::InvalidArgument(format!(
            "{name} takes {}, got {} number{}",
            family.usage(),
            given.len(),
            if given.len() == 1 { "" } else { "s" }
        ))
    })?;
    family.build(&p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::{Moments, Quantile};

    #[test]
    fn optional_parameters_come_last_and_names_are_unique() {
        for &f in Family::ALL {
            let first_optional = f.params().iter().position(|p| p.default.is_some());
            if let Some(i) = first_optional {
                assert!(f.params()[i..].iter().all(|p| p.default.is_some()));
            }
            assert_eq!(
                Family::ALL.iter().filter(|g| g.name() == f.name()).count(),
                1
            );
            assert!(!f.doc().trim().is_empty(), "{}: no doc", f.name());
        }
    }

    #[test]
    fn every_family_is_built_and_its_law_is_rebuilt_from_what_it_stores() {
        for &f in Family::ALL {
            let d = build(f.name(), f.example()).unwrap_or_else(|e| panic!("{}: {e}", f.name()));
            // The law names a family whose constructor takes its parameters.
            let again = build(d.family(), &d.params()).unwrap();
            assert_eq!(again, d, "{}", f.name());
            assert!(
                d.mean().is_finite() && d.cdf(d.ppf(0.5)) >= 0.5,
                "{}",
                f.name()
            );
        }
    }

    #[test]
    fn the_wrong_number_of_parameters_is_an_error_not_a_panic() {
        for &f in Family::ALL {
            for n in 0..6 {
                let p = vec![1.0; n];
                if n != f.arity() {
                    assert!(f.build(&p).is_err(), "{} with {n}", f.name());
                }
            }
        }
    }
}
