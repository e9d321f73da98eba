//! How a distribution is written in a scenario file.
//!
//! A bare number is a constant; anything uncertain is a table with one key,
//! the family, as in the Python API:
//!
//! `{ family = [parameters] }` for every [`Family`] in the declaration
//! (`dist/mod.rs`), a bare number for one-parameter families
//! (`{ poisson = 50 }`), and the laws built from other things:
//!
//! | file syntax                                             | meaning                              |
//! |---------------------------------------------------------|--------------------------------------|
//! | `430`                                                   | the constant 430                     |
//! | `{ beta = [2, 8] }`, `{ pert = [300, 430, 500] }`, ...  | a family, parameters in order        |
//! | `{ empirical = [x1, x2, ...] }`                         | resample observed values             |
//! | `{ categorical = { values = [...], weights = [...] } }` | listed values with weights           |
//! | `{ truncated = { dist = {...}, lo = a, hi = b } }`      | a law restricted to [lo, hi] (either bound optional) |
//! | `{ mixture = { components = [{...}, ...], weights = [...] } }` | a weighted mixture            |
//!
//! The table of every family's syntax is in `docs/scenario-format.md`,
//! written from the declaration.
//!
//! Parameters are validated while the file is read, so a bad one is reported
//! with the field path and line of the value that holds it.
//!
//! ```
//! use munflow::scenario::DistSpec;
//! use munflow::dist::Moments;
//! let spec: DistSpec = serde_json::from_str(r#"{"beta": [2, 8]}"#).unwrap();
//! assert!((spec.to_dist().unwrap().mean() - 0.2).abs() < 1e-12);
//! assert!(serde_json::from_str::<DistSpec>(r#"{"beta": [-1, 8]}"#).is_err());
//! ```

use crate::dist::{Categorical, Constant, Dist, Family, Mixture, Truncated};
use crate::error::Result;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};
use std::fmt;

/// Every key a distribution table may have, for "expected one of" messages.
fn table_keys() -> String {
    format!(
        "{}, empirical, categorical, truncated, mixture",
        crate::dist::family_names()
    )
}

/// One-parameter families are written as a bare number (`{ poisson = 50 }`).
fn scalar(family: Family) -> bool {
    family.arity() == 1
}

/// A distribution as written in a scenario: the form is kept (not only the
/// resulting [`Dist`]) so that `to_toml` writes back what the analyst wrote.
#[derive(Debug, Clone, PartialEq)]
pub enum DistSpec {
    /// A bare number: a constant.
    Number(f64),
    /// A family written with a list of numbers, e.g. `{ pert = [300, 430, 500] }`.
    Params(Family, Vec<f64>),
    /// Observed values, resampled: `{ empirical = [3, 5, 5, 9] }`.
    Empirical(Vec<f64>),
    Categorical {
        values: Vec<f64>,
        weights: Vec<f64>,
    },
    Truncated {
        dist: Box<DistSpec>,
        lo: Option<f64>,
        hi: Option<f64>,
    },
    Mixture {
        components: Vec<DistSpec>,
        weights: Vec<f64>,
    },
}

impl From<f64> for DistSpec {
    fn from(x: f64) -> Self {
        DistSpec::Number(x)
    }
}

impl DistSpec {
    /// The validated distribution.
    pub fn to_dist(&self) -> Result<Dist> {
        Ok(match self {
            DistSpec::Number(x) => Constant::new(*x)?.into(),
            DistSpec::Empirical(data) => Categorical::empirical(data)?.into(),
            DistSpec::Params(family, p) => crate::dist::build(family.name(), p)?,
            DistSpec::Categorical { values, weights } => Categorical::new(values, weights)?.into(),
            DistSpec::Truncated { dist, lo, hi } => Truncated::new(
                dist.to_dist()?,
                lo.unwrap_or(f64::NEG_INFINITY),
                hi.unwrap_or(f64::INFINITY),
            )?
            .into(),
            DistSpec::Mixture {
                components,
                weights,
            } => {
                let dists = components
                    .iter()
                    .map(DistSpec::to_dist)
                    .collect::<Result<Vec<_>>>()?;
                Mixture::new(dists, weights)?.into()
            }
        })
    }

    /// The constant, if this is one.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            DistSpec::Number(x) => Some(*x),
            DistSpec::Params(Family::Constant, p) if p.len() == 1 => Some(p[0]),
            _ => None,
        }
    }
}

/// Writes whole numbers as integers (`430`, not `430.0`) so files read back
/// as they were written; every other value keeps its exact f64.
pub(crate) fn serialize_number<S: Serializer>(
    x: f64,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        s.serialize_i64(x as i64)
    } else {
        s.serialize_f64(x)
    }
}

struct Number(f64);
impl Serialize for Number {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        serialize_number(self.0, s)
    }
}

struct Numbers<'a>(&'a [f64]);
impl Serialize for Numbers<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|&x| Number(x)))
    }
}

impl Serialize for DistSpec {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            DistSpec::Number(x) => serialize_number(*x, s),
            DistSpec::Params(family, p) => {
                let mut map = s.serialize_map(Some(1))?;
                if scalar(*family) && p.len() == 1 {
                    map.serialize_entry(family.name(), &Number(p[0]))?;
                } else {
                    map.serialize_entry(family.name(), &Numbers(p))?;
                }
                map.end()
            }
            DistSpec::Empirical(data) => {
                let mut map = s.serialize_map(Some(1))?;
                map.serialize_entry("empirical", &Numbers(data))?;
                map.end()
            }
            DistSpec::Categorical { values, weights } => {
                let mut map = s.serialize_map(Some(1))?;
                map.serialize_entry(
                    "categorical",
                    &CategoricalSpec {
                        values: values.clone(),
                        weights: Some(weights.clone()).filter(|w| !w.is_empty()),
                    },
                )?;
                map.end()
            }
            DistSpec::Truncated { dist, lo, hi } => {
                let mut map = s.serialize_map(Some(1))?;
                map.serialize_entry(
                    "truncated",
                    &TruncatedSpec {
                        dist: dist.clone(),
                        lo: *lo,
                        hi: *hi,
                    },
                )?;
                map.end()
            }
            DistSpec::Mixture {
                components,
                weights,
            } => {
                let mut map = s.serialize_map(Some(1))?;
                map.serialize_entry(
                    "mixture",
                    &MixtureSpec {
                        components: components.clone(),
                        weights: Some(weights.clone()).filter(|w| !w.is_empty()),
                    },
                )?;
                map.end()
            }
        }
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CategoricalSpec {
    values: Vec<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    weights: Option<Vec<f64>>,
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TruncatedSpec {
    dist: Box<DistSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lo: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    hi: Option<f64>,
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct MixtureSpec {
    components: Vec<DistSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    weights: Option<Vec<f64>>,
}

/// A number or a list of numbers (`{ poisson = 50 }` and `{ poisson = [50] }`).
struct ParamList(Vec<f64>);

impl<'de> Deserialize<'de> for ParamList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ParamList;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number or a list of numbers")
            }
            fn visit_f64<E: de::Error>(self, x: f64) -> std::result::Result<ParamList, E> {
                Ok(ParamList(vec![x]))
            }
            fn visit_i64<E: de::Error>(self, x: i64) -> std::result::Result<ParamList, E> {
                Ok(ParamList(vec![x as f64]))
            }
            fn visit_u64<E: de::Error>(self, x: u64) -> std::result::Result<ParamList, E> {
                Ok(ParamList(vec![x as f64]))
            }
            fn visit_seq<A: SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<ParamList, A::Error> {
                let mut out = Vec::new();
                while let Some(x) = seq.next_element::<f64>()? {
                    out.push(x);
                }
                Ok(ParamList(out))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for DistSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_any(DistSpecVisitor)
    }
}

struct DistSpecVisitor;

impl<'de> Visitor<'de> for DistSpecVisitor {
    type Value = DistSpec;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number or a distribution such as { beta = [2, 8] }")
    }

    fn visit_f64<E: de::Error>(self, x: f64) -> std::result::Result<DistSpec, E> {
        checked(DistSpec::Number(x))
    }
    fn visit_i64<E: de::Error>(self, x: i64) -> std::result::Result<DistSpec, E> {
        Ok(DistSpec::Number(x as f64))
    }
    fn visit_u64<E: de::Error>(self, x: u64) -> std::result::Result<DistSpec, E> {
        Ok(DistSpec::Number(x as f64))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<DistSpec, A::Error> {
        let Some(family) = map.next_key::<String>()? else {
            return Err(de::Error::custom(format!(
                "an empty table is not a distribution; write a number or one of: {}",
                table_keys()
            )));
        };
        let spec = match family.as_str() {
            "categorical" => {
                let c: CategoricalSpec = map.next_value()?;
                DistSpec::Categorical {
                    values: c.values,
                    weights: c.weights.unwrap_or_default(),
                }
            }
            "truncated" => {
                let t: TruncatedSpec = map.next_value()?;
                DistSpec::Truncated {
                    dist: t.dist,
                    lo: t.lo,
                    hi: t.hi,
                }
            }
            "mixture" => {
                let m: MixtureSpec = map.next_value()?;
                DistSpec::Mixture {
                    components: m.components,
                    weights: m.weights.unwrap_or_default(),
                }
            }
            "empirical" => DistSpec::Empirical(map.next_value::<ParamList>()?.0),
            name => match Family::from_name(name) {
                Some(family) => DistSpec::Params(family, map.next_value::<ParamList>()?.0),
                None => {
                    return Err(de::Error::custom(format!(
                        "unknown distribution '{name}'; expected one of: {}",
                        table_keys()
                    )))
                }
            },
        };
        if let Some(extra) = map.next_key::<String>()? {
            return Err(de::Error::custom(format!(
                "a distribution is a table with one key (its family), such as {{ beta = [2, 8] }}; \
                 '{family}' is followed by '{extra}'"
            )));
        }
        checked(spec)
    }
}

/// Validates the parameters now, so the error carries this value's position.
fn checked<E: de::Error>(spec: DistSpec) -> std::result::Result<DistSpec, E> {
    match spec.to_dist() {
        Ok(_) => Ok(spec),
        Err(e) => Err(de::Error::custom(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::Moments;

    fn parse(toml_value: &str) -> std::result::Result<DistSpec, String> {
        #[derive(serde::Deserialize)]
        struct Holder {
            x: DistSpec,
        }
        toml::from_str::<Holder>(&format!("x = {toml_value}"))
            .map(|h| h.x)
            .map_err(|e| e.message().to_string())
    }

    #[test]
    fn every_form_reads_and_writes_back() {
        let cases = [
            "430",
            "0.25",
            "{ constant = 7 }",
            "{ uniform = [1, 2] }",
            "{ normal = [0, 1.5] }",
            "{ lognormal = [8, 0.2] }",
            "{ lognormal_ci = [6000, 8000] }",
            "{ lognormal_ci = [6000, 8000, 0.8] }",
            "{ beta = [2, 8] }",
            "{ beta_counts = [24, 26] }",
            "{ pert = [300, 430, 500] }",
            "{ pert = [300, 430, 500, 6] }",
            "{ triangular = [1, 2, 4] }",
            "{ gamma = [2, 3] }",
            "{ poisson = 50 }",
            "{ binomial = [10, 0.5] }",
            "{ negative_binomial = [19, 0.5] }",
            "{ empirical = [3, 5, 5, 9] }",
            "{ categorical = { values = [1, 2], weights = [0.3, 0.7] } }",
            "{ truncated = { dist = { normal = [0, 1] }, lo = 0 } }",
            "{ mixture = { components = [{ beta = [2, 8] }, 0.5], weights = [1, 1] } }",
        ];
        for case in cases {
            let spec = parse(case).unwrap_or_else(|e| panic!("{case}: {e}"));
            spec.to_dist().unwrap();
            let json = serde_json::to_string(&spec).unwrap();
            let back: DistSpec = serde_json::from_str(&json).unwrap();
            assert_eq!(back, spec, "{case} -> {json}");
        }
    }

    #[test]
    fn every_declared_family_reads_and_writes_back() {
        for &f in Family::ALL {
            let numbers: Vec<String> = f.example().iter().map(|x| x.to_string()).collect();
            let case = format!("{{ {} = [{}] }}", f.name(), numbers.join(", "));
            let spec = parse(&case).unwrap_or_else(|e| panic!("{case}: {e}"));
            assert_eq!(
                spec.to_dist().unwrap(),
                crate::dist::build(f.name(), f.example()).unwrap()
            );
            let json = serde_json::to_string(&spec).unwrap();
            assert_eq!(
                serde_json::from_str::<DistSpec>(&json).unwrap(),
                spec,
                "{json}"
            );
        }
    }

    #[test]
    fn the_parameters_mean_what_the_python_api_means() {
        let d = parse("{ beta_counts = [24, 26] }")
            .unwrap()
            .to_dist()
            .unwrap();
        assert!((d.mean() - 25.0 / 52.0).abs() < 1e-12);
        let d = parse("{ poisson = [50] }").unwrap().to_dist().unwrap();
        assert_eq!(d.mean(), 50.0);
    }

    #[test]
    fn bad_distributions_say_what_is_wrong() {
        let cases = [
            ("{ beta = [-1, 8] }", "alpha must be > 0"),
            ("{ pert = [300, 430] }", "pert takes [min, mode, max]"),
            ("{ betta = [2, 8] }", "unknown distribution 'betta'"),
            ("{ beta = [2, 8], pert = [1, 2, 3] }", "table with one key"),
            ("{}", "empty table"),
            ("\"many\"", "expected a number or a distribution"),
            (
                "{ truncated = { dist = 1, low = 0 } }",
                "unknown field `low`",
            ),
        ];
        for (case, want) in cases {
            let err = parse(case).expect_err(case);
            assert!(err.contains(want), "{case}: {err}");
        }
    }
}
