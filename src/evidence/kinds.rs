//! The kinds of observation, declared once: the word analysts use (the
//! function `mf.evidence.<kind>`, a scenario file's `kind = "<kind>"`,
//! `obs.kind`), the quantities each reads and the figures it takes, and
//! [`build`], through which Python and scenario files both make
//! observations. [`figures`] gives back what rebuilds one (pickles and
//! saved results keep them).
//!
//! A new kind of likelihood is its arms in [`super::likelihood`] (what it
//! says about a sample), a row of [`KINDS`] with its arm in [`build`] and
//! [`figures`], and a variant of the scenario reader's `EvidenceKind`.
//!
//! ```
//! use munflow::evidence::kinds::{build, declaration};
//! use munflow::expr::Node;
//! let decl = declaration("at_least").unwrap();
//! assert_eq!((decl.reads, decl.required), (&["quantity"][..], &["value"][..]));
//! let value = |f: &str| (f == "value").then_some(25.0);
//! let obs = build("at_least", "vessels", vec![Node::constant(30.0)], &value, &|_| None).unwrap();
//! assert_eq!(obs.kind.name(), "at_least");
//! ```

use super::{ErrorModel, Kind, Observation};
use crate::error::Error;
use crate::expr::Node;

/// One kind of observation: its name, the quantities it reads (in the
/// order [`Observation::nodes`] gives them) and its figures.
#[derive(Debug)]
pub struct Declaration {
    pub name: &'static str,
    pub reads: &'static [&'static str],
    pub required: &'static [&'static str],
    pub optional: &'static [&'static str],
}

/// Every kind, in the order the docs list them.
pub const KINDS: &[Declaration] = &[
    Declaration {
        name: "count",
        reads: &["n", "p"],
        required: &["k"],
        optional: &[],
    },
    Declaration {
        name: "poisson",
        reads: &["rate"],
        required: &["k"],
        optional: &[],
    },
    Declaration {
        name: "measured",
        reads: &["quantity"],
        required: &["value"],
        optional: &["rel_error", "sd", "level", "error"],
    },
    Declaration {
        name: "at_least",
        reads: &["quantity"],
        required: &["value"],
        optional: &[],
    },
    Declaration {
        name: "at_most",
        reads: &["quantity"],
        required: &["value"],
        optional: &[],
    },
    Declaration {
        name: "between",
        reads: &["quantity"],
        required: &["lower", "upper"],
        optional: &[],
    },
    Declaration {
        name: "log_likelihood",
        reads: &["term"],
        required: &[],
        optional: &[],
    },
    // `seen` is how many distinct serials were read (a file lists them).
    Declaration {
        name: "serial_numbers",
        reads: &["total"],
        required: &["seen", "largest"],
        optional: &["first"],
    },
];

/// The declaration of the kind spelled `kind`.
pub fn declaration(kind: &str) -> Option<&'static Declaration> {
    KINDS.iter().find(|d| d.name == kind)
}

/// The kinds' names, for messages: "count, poisson, ... and log_likelihood".
pub fn names() -> String {
    let names: Vec<&str> = KINDS.iter().map(|d| d.name).collect();
    let (last, rest) = names.split_last().expect("kinds are declared");
    format!("{} and {last}", rest.join(", "))
}

/// A figure of an observation: a number, or the word of a measurement's `error`.
#[derive(Debug, Clone, PartialEq)]
pub enum Figure {
    Number(f64),
    Word(&'static str),
}

/// The observation of `kind` named `name` reading `reads` (as the
/// declaration orders them), with the figures `number` gives (and, for a
/// measurement, its `error` from `word`). An error names the figure it is
/// about, so that a scenario file can point at its field.
pub fn build(
    kind: &str,
    name: &str,
    reads: Vec<Node>,
    number: &dyn Fn(&str) -> Option<f64>,
    word: &dyn Fn(&str) -> Option<String>,
) -> std::result::Result<Observation, (&'static str, Error)> {
    let decl = declaration(kind).ok_or_else(|| {
        let msg = format!(
            "unknown kind of observation '{kind}'; kinds are {}",
            names()
        );
        ("kind", Error::InvalidArgument(msg))
    })?;
    if reads.len() != decl.reads.len() {
        let missing = decl.reads.get(reads.len()).unwrap_or(&"kind");
        let msg = format!("{kind} '{name}': {missing} is missing");
        return Err((missing, Error::InvalidArgument(msg)));
    }
    let need = |field: &'static str| {
        number(field).ok_or_else(|| {
            let msg = format!("{kind} '{name}': {field} is required");
            (field, Error::InvalidArgument(msg))
        })
    };
    let at = |field: &'static str| move |e: Error| (field, e);
    let mut reads = reads.into_iter();
    let mut read = || reads.next().expect("arity checked");
    match decl.name {
        "count" => Observation::count(name, need("k")?, read(), read()).map_err(at("k")),
        "poisson" => Observation::poisson(name, need("k")?, read()).map_err(at("k")),
        "measured" => {
            let value = need("value")?;
            let error = word("error").unwrap_or_else(|| "lognormal".into());
            let level = number("level").unwrap_or(0.9);
            let error =
                ErrorModel::from_report(&error, value, number("rel_error"), number("sd"), level)
                    .map_err(|e| {
                        let msg = format!("measured '{name}': {e}");
                        ("rel_error", Error::InvalidArgument(msg))
                    })?;
            Observation::measured(name, read(), value, error).map_err(at("value"))
        }
        "at_least" => {
            Observation::bounds(name, read(), need("value")?, f64::INFINITY).map_err(at("value"))
        }
        "at_most" => Observation::bounds(name, read(), f64::NEG_INFINITY, need("value")?)
            .map_err(at("value")),
        "between" => {
            Observation::bounds(name, read(), need("lower")?, need("upper")?).map_err(at("lower"))
        }
        "log_likelihood" => Observation::log_likelihood(name, read()).map_err(at("term")),
        "serial_numbers" => {
            let (seen, largest) = (need("seen")?, need("largest")?);
            let first = number("first").unwrap_or(1.0);
            super::serials::check(name, seen, largest, first)?;
            Observation::serial_numbers(name, read(), seen, largest, first).map_err(at("seen"))
        }
        other => unreachable!("kind '{other}' is declared but not built"),
    }
}

/// The figures that rebuild `obs` with [`build`], named as its declaration names them.
pub fn figures(obs: &Observation) -> Vec<(&'static str, Figure)> {
    use Figure::{Number, Word};
    match &obs.kind {
        Kind::Count { k, .. } | Kind::Poisson { k, .. } => vec![("k", Number(*k))],
        Kind::Measured { value, error, .. } => {
            let (word, sd) = match *error {
                ErrorModel::LogNormal { sigma } => ("lognormal", sigma),
                ErrorModel::Normal { sd } => ("normal", sd),
            };
            vec![
                ("value", Number(*value)),
                ("error", Word(word)),
                ("sd", Number(sd)),
            ]
        }
        Kind::Bounds { lower, upper, .. } | Kind::DrawnCount { lower, upper, .. } => {
            match obs.kind.name() {
                "at_least" => vec![("value", Number(*lower))],
                "at_most" => vec![("value", Number(*upper))],
                _ => vec![("lower", Number(*lower)), ("upper", Number(*upper))],
            }
        }
        Kind::LogLikelihood { .. } => vec![],
        Kind::SerialNumbers {
            seen,
            largest,
            first,
            ..
        } => vec![
            ("seen", Number(*seen)),
            ("largest", Number(*largest)),
            ("first", Number(*first)),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(x: f64) -> Node {
        Node::constant(x)
    }

    #[test]
    fn every_kind_rebuilds_from_its_figures_and_keeps_its_name() {
        let x = || c(3.0);
        let made = [
            Observation::count("a", 3.0, c(10.0), c(0.5)).unwrap(),
            Observation::poisson("b", 3.0, x()).unwrap(),
            Observation::measured("c", x(), 7.0, ErrorModel::Normal { sd: 1.0 }).unwrap(),
            Observation::bounds("d", x(), 2.0, f64::INFINITY).unwrap(),
            Observation::bounds("e", x(), f64::NEG_INFINITY, 4.0).unwrap(),
            Observation::bounds("f", x(), 2.0, 4.0).unwrap(),
            Observation::log_likelihood("g", x()).unwrap(),
            Observation::serial_numbers("h", c(100.0), 4.0, 60.0, 1.0).unwrap(),
        ];
        let names: Vec<&str> = made.iter().map(|o| o.kind.name()).collect();
        let declared: Vec<&str> = KINDS.iter().map(|d| d.name).collect();
        assert_eq!(names, declared);
        for obs in &made {
            let figs = figures(obs);
            let number = |f: &str| {
                figs.iter().find_map(|(k, v)| match v {
                    Figure::Number(x) if *k == f => Some(*x),
                    _ => None,
                })
            };
            let word = |f: &str| {
                figs.iter().find_map(|(k, v)| match v {
                    Figure::Word(w) if *k == f => Some(w.to_string()),
                    _ => None,
                })
            };
            let reads = obs.nodes().into_iter().cloned().collect();
            let again = build(obs.kind.name(), &obs.name, reads, &number, &word).unwrap();
            assert_eq!(again.describe(), obs.describe());
            let decl = declaration(obs.kind.name()).unwrap();
            assert_eq!(decl.reads.len(), obs.nodes().len());
            for (field, _) in &figs {
                assert!(decl.required.contains(field) || decl.optional.contains(field));
            }
        }
    }

    #[test]
    fn errors_name_the_figure_they_are_about() {
        let none = |_: &str| None;
        let no_word = |_: &str| None;
        let got = build("count", "x", vec![c(1.0), c(0.5)], &none, &no_word);
        assert_eq!(got.map_err(|(f, _)| f).unwrap_err(), "k");
        let serials = |f: &str| match f {
            "seen" => Some(3.0),
            "largest" => Some(10.0),
            "first" => Some(9.0),
            _ => None,
        };
        let got = build("serial_numbers", "x", vec![c(20.0)], &serials, &no_word);
        assert_eq!(got.map_err(|(f, _)| f).unwrap_err(), "largest");
        let got = build("guess", "x", vec![], &none, &no_word);
        assert!(got
            .unwrap_err()
            .1
            .to_string()
            .contains("kinds are count, poisson"));
    }
}
